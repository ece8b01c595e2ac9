/**
 * The replay corpus on disk, shared by the recorder (record.ts) and the replay test:
 *
 *   test/replay/histories/<version>/<name>.json       a workflow history in proto JSON (historyToJSON;
 *                                                     the same form as `temporal workflow show --output json`)
 *   test/replay/histories/<version>/<name>.meta.json  its sidecar: HistoryMeta below
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON, historyToJSON, type History } from '@temporalio/common/lib/proto-utils.js';
import type { temporal } from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root.js';

export const HISTORIES_DIR = fileURLToPath(new URL('./histories/', import.meta.url));

// ---------------------------------------------------------------------------------------------
// History <-> proto JSON
//
// The files are the SDK's historyToJSON form, read with its historyFromJSON. In this install both
// throw "type must be a Type": @grpc/proto-loader puts protobufjs 7 at the top of node_modules,
// so @temporalio/common and @temporalio/proto each get their own copy of protobufjs 8, and
// common's protojson refuses the reflected type built by proto's copy (an instanceof check across
// the two copies). Worker.runReplayHistories given a JSON history fails the same way. Until the
// install has one copy, the same conversion runs with the protobufjs that built the proto root.
// ---------------------------------------------------------------------------------------------

interface ProtoJson {
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
  toJson(type: unknown, message: unknown): unknown;
}
type HistoryClass = typeof temporal.api.history.v1.History;
let fallback: { protojson: ProtoJson; historyType: unknown; History: HistoryClass } | undefined;
function protoJsonOfProtoRoot(): { protojson: ProtoJson; historyType: unknown; History: HistoryClass } {
  if (!fallback) {
    const require = createRequire(import.meta.url);
    const fromProto = createRequire(require.resolve('@temporalio/proto'));
    // The CommonJS module object, as the SDK's proto-utils patches it (not the ESM namespace).
    const protoModule = require('@temporalio/proto') as { temporal: typeof temporal };
    const root = patchProtobufRoot(protoModule as unknown as Record<string, unknown>) as unknown as { lookupType(name: string): unknown };
    fallback = {
      protojson: fromProto('protobufjs/ext/protojson') as ProtoJson,
      historyType: root.lookupType('temporal.api.history.v1.History'),
      History: protoModule.temporal.api.history.v1.History,
    };
  }
  return fallback;
}
const isDuplicateProtobufError = (err: unknown) => err instanceof TypeError && err.message === 'type must be a Type';

/** historyFromJSON (canonical proto JSON: what historyToJSON and `temporal workflow show --output json` write). */
export function historyFromProtoJSON(json: unknown): History {
  try {
    return historyFromJSON(json);
  } catch (err) {
    if (!isDuplicateProtobufError(err)) throw err;
  }
  const { protojson, historyType } = protoJsonOfProtoRoot();
  const loaded = protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
  if (!loaded) throw new TypeError('Invalid history');
  return loaded as History;
}

/** historyToJSON: the canonical proto JSON of a history, indented. */
export function historyToProtoJSON(history: History): string {
  try {
    return historyToJSON(history);
  } catch (err) {
    if (!isDuplicateProtobufError(err)) throw err;
  }
  const { protojson, historyType, History } = protoJsonOfProtoRoot();
  return JSON.stringify(protojson.toJson(historyType, History.fromObject(history)), null, 2);
}

export interface HistoryMeta {
  /** The recorder's scenario (one scenario may record several workflows: `<scenario>-<part>`). */
  scenario: string;
  /** One line: the path this history takes. */
  description: string;
  /** Needed for the replay: a history does not carry its workflow id. */
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  /** Execution status when recorded; a RUNNING one is a prefix of a longer history (still valid for replay). */
  executionStatus: string;
  /** The refund's final status, for refund workflows. */
  refundStatus?: string;
  eventCount: number;
  recordedAt: string;
  recordedOn: 'time-skipping test server' | 'dev server' | string;
  /** The workflow code that recorded it. */
  workflowCode: string;
}

export interface CorpusEntry {
  /** Path under histories/, e.g. `v1/openpayd-approved.json`. */
  file: string;
  /** `v1/openpayd-approved` */
  name: string;
  meta: HistoryMeta;
  history: History;
}

export function metaPathFor(historyPath: string): string {
  return historyPath.replace(/\.json$/, '.meta.json');
}

/** Every history file under `dir` (recursively), sidecars excluded, sorted. */
export function historyFiles(dir = HISTORIES_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? historyFiles(join(dir, e.name)) : e.name.endsWith('.json') && !e.name.endsWith('.meta.json') ? [join(dir, e.name)] : []))
    .sort();
}

function sidecarFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sidecarFiles(join(dir, e.name)) : e.name.endsWith('.meta.json') ? [join(dir, e.name)] : []));
}

/**
 * Load the whole corpus. Throws, naming the file, on a history that does not load or has no
 * (or an inconsistent) sidecar: a broken corpus must fail the test, not shrink it.
 */
export function loadCorpus(dir = HISTORIES_DIR): CorpusEntry[] {
  const orphans = sidecarFiles(dir).filter((m) => !existsSync(m.replace(/\.meta\.json$/, '.json')));
  if (orphans.length) throw new Error(`sidecars without their history: ${orphans.map((m) => relative(dir, m)).join(', ')}`);
  return historyFiles(dir).map((path) => {
    const file = relative(dir, path).split('\\').join('/');
    const metaPath = metaPathFor(path);
    if (!existsSync(metaPath)) throw new Error(`${file}: no sidecar ${relative(dir, metaPath)} (workflowId, workflowType, recordedAt, description)`);
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as HistoryMeta;
    for (const field of ['workflowId', 'workflowType', 'recordedAt', 'description'] as const) {
      if (typeof meta[field] !== 'string' || meta[field] === '') throw new Error(`${file}: sidecar has no ${field}`);
    }
    let history: History;
    try {
      history = historyFromProtoJSON(JSON.parse(readFileSync(path, 'utf8')));
    } catch (err) {
      throw new Error(`${file}: not a loadable history: ${(err as Error).message}`);
    }
    const events = history.events ?? [];
    const type = events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
    if (type !== meta.workflowType) throw new Error(`${file}: starts workflow type ${String(type)}, sidecar says ${meta.workflowType}`);
    if (meta.eventCount !== undefined && meta.eventCount !== events.length) throw new Error(`${file}: ${events.length} events, sidecar says ${meta.eventCount}`);
    return { file, name: file.replace(/\.json$/, ''), meta, history };
  });
}
