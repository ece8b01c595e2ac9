/**
 * Time-skipping harness for the `refund` workflow: fake activities per test (anything not given
 * fails at once, naming itself), a fresh task queue per test, refunds started with the plain client.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import type { CheckRefundResult, RefundActivities, SubmitRefundResult } from '../../activities/refunds.js';
import type { RefundOutcome } from '../../domain/outcome.js';
import { parseRefundRequest, refundIdFor, type RefundRequestInput } from '../../domain/refund.js';
import { refund } from '../../workflows/index.js';
import { plainClient, strictActivities, workflowBundle, type FakeActivities } from './time-skipping.js';
import { ApplicationFailure } from '@temporalio/common';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../worker/worker.js';
import type { Provider } from '../../domain/providers.js';
import type { RefundState } from '../../domain/state.js';
import { utc as utcOf } from '../../workflows/time.js';
import { terminateIfRunning, waitForState, type CallLog, type RecordedCall } from './time-skipping.js';

export type FakeRefundActivities = Partial<RefundActivities> & Pick<FakeActivities, 'deliverCallback'>;

const NAMES = ['submitRefund', 'lookUpRefund', 'checkRefund', 'releasePaymentLock', 'deliverCallback'] as const;

export interface RefundHarness {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  worker: Worker;
}

export async function newRefundWorker(
  env: TestWorkflowEnvironment,
  activities: FakeRefundActivities,
  extra: Partial<Pick<WorkerOptions, 'maxCachedWorkflows'>> = {},
  bundle: () => Promise<NonNullable<WorkerOptions['workflowBundle']>> = workflowBundle,
): Promise<RefundHarness> {
  const taskQueue = `test-${randomUUID()}`;
  const strict = strictActivities(activities as FakeActivities) as unknown as Record<string, (...a: never[]) => Promise<unknown>>;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await bundle(),
    activities: Object.fromEntries(NAMES.map((n) => [n, strict[n]!])),
    ...extra,
  });
  return { env, taskQueue, worker };
}

export function startNewRefund(h: RefundHarness, input: RefundRequestInput) {
  const request = parseRefundRequest(input);
  return plainClient(h.env).workflow.start(refund, { taskQueue: h.taskQueue, workflowId: refundIdFor(request.idempotencyKey), args: [{ request }] });
}

export type NewRefundHandle = Awaited<ReturnType<typeof startNewRefund>>;

/** Start a refund, run `fn` with the worker running, terminate it if still open afterwards. */
export async function withNewRefund<T>(h: RefundHarness, input: RefundRequestInput, fn: (handle: NewRefundHandle) => Promise<T>): Promise<T> {
  return h.worker.runUntil(async () => {
    const handle = await startNewRefund(h, input);
    try {
      return await fn(handle);
    } finally {
      await terminateIfRunning(handle);
    }
  });
}

/** A submission the provider answered with `outcome`, `amount` sent as decided by the amount rule. */
export function answered(outcome: RefundOutcome, amount: { full: boolean; sendMinor?: number } = { full: true }, lockReleased = outcome.kind === 'final'): SubmitRefundResult {
  return { kind: 'answered', outcome, amount, lockReleased };
}
export function checked(outcome: RefundOutcome, lockReleased = outcome.kind === 'final'): CheckRefundResult {
  return { ...outcome, lockReleased };
}

/** Summaries of the activities and timers in the workflow's history, in order. */
export async function summaries(handle: NewRefundHandle): Promise<string[]> {
  const { defaultPayloadConverter } = await import('@temporalio/common');
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .map((e) => e.userMetadata?.summary)
    .filter((p): p is NonNullable<typeof p> => !!p)
    .map((p) => String(defaultPayloadConverter.fromPayload(p as never)));
}

// ---------------------------------------------------------------------------------------------
// The refund suite's helpers (test/workflow/refund/): requests per provider, scripted fakes,
// failures as the activity edge throws them, and readers of the workflow's history.
// ---------------------------------------------------------------------------------------------

/** A provider's success status: Link Money refunds succeed as authorized, the others as approved. */
export const SUCCESS = { secpaid: 'approved', linkmoney: 'authorized', openpayd: 'approved', reservepay: 'approved' } as const satisfies Record<Provider, string>;

const BASE_REQUESTS = {
  secpaid: { provider: 'secpaid', payment: { payId: '42011' }, amount: 2500, currency: 'EUR' },
  linkmoney: { provider: 'linkmoney', payment: { paymentId: 'lm_1' }, amount: 1999, currency: 'USD' },
  openpayd: { provider: 'openpayd', payment: { transactionId: 'op_1', referenceNo: 'ref-1' }, amount: 'full', currency: 'EUR' },
  reservepay: { provider: 'reservepay', payment: { paymentId: 'pay_1' }, amount: 25050, currency: 'THB' },
} as const;

let requestSeq = 0;
/** A valid request of `provider` with a fresh idempotency key; `extra` overrides its fields. */
export function requestFor(provider: Provider, extra: Record<string, unknown> = {}): RefundRequestInput {
  const key = `${provider}-${Date.now().toString(36)}-${++requestSeq}`;
  return { ...BASE_REQUESTS[provider], idempotencyKey: key, ...extra } as RefundRequestInput;
}

/** Record every call of the refund's fake activities (CallLog is typed for v1 activity names). */
export function recordFakes(log: CallLog, fakes: FakeRefundActivities): FakeRefundActivities {
  return log.record(fakes as FakeActivities) as FakeRefundActivities;
}

/** Calls of one refund activity, in order. */
export function callsOf(log: CallLog, name: (typeof NAMES)[number]): RecordedCall[] {
  return log.calls.filter((c) => c.name === name);
}

/** One step of a scripted fake: a value to return, an error to throw, or a function to run. */
export type Step<T> = T | Error | (() => T | Promise<T>);

/**
 * A fake activity answering with `steps` in order; once they are used up it repeats `rest` (or,
 * without one, fails non-retryably, naming the call, so an unplanned call cannot pass unseen).
 */
export function script<T>(steps: NoInfer<Step<T>>[], rest?: NoInfer<Step<T>>): () => Promise<T> {
  let i = 0;
  return async () => {
    const step = i < steps.length ? steps[i] : rest;
    i++;
    if (step === undefined) throw ApplicationFailure.create({ type: 'ScriptEnded', message: `scripted fake called ${i} times, ${steps.length} scripted`, nonRetryable: true });
    if (step instanceof Error) throw step;
    return typeof step === 'function' ? (step as () => T | Promise<T>)() : (step as T);
  };
}

/** The failure an activity edge throws: `type`, retryable or not, with ProviderFailureDetails-like details. */
export function failure(type: string, message: string, opts: { nonRetryable?: boolean; details?: Record<string, unknown> } = {}): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: opts.nonRetryable ?? true, details: opts.details ? [opts.details] : [] });
}

/** A submission whose answer was lost (the edge's ProviderAmbiguous), to be looked up after `settleAfterMs`. */
export function ambiguous(settleAfterMs?: number, message = 'socket hang up (outcome unknown: the request may have reached the provider)'): ApplicationFailure {
  return failure('ProviderAmbiguous', message, { nonRetryable: true, details: { kind: 'transient', mayHaveReachedProvider: true, ...(settleAfterMs !== undefined ? { settleAfterMs } : {}) } });
}

/** Each transition as [status, pendingReason or null]. */
export function steps(s: RefundState): [string, string | null][] {
  return s.transitions.map((t) => [t.status, t.pendingReason ?? null]);
}

/**
 * Let the refund run to its end, like `finish`, but after a short look (work that needs no timer
 * ends within it) it skips time at once: `finish` first waits up to a second of real time, a cost
 * every refund that needs a timer pays.
 */
export async function finishRefund(env: TestWorkflowEnvironment, handle: NewRefundHandle, opts: { stepMs?: number; maxMs?: number } = {}): Promise<RefundState> {
  const stepMs = opts.stepMs ?? 6 * 3_600_000;
  const maxMs = opts.maxMs ?? 60 * 86_400_000;
  for (let i = 0; i < 6; i++) {
    if ((await handle.describe()).status.name !== 'RUNNING') return handle.result();
    await new Promise((r) => setTimeout(r, 20));
  }
  for (let skipped = 0; skipped <= maxMs; skipped += stepMs) {
    if ((await handle.describe()).status.name !== 'RUNNING') return handle.result();
    await env.sleep(stepMs);
  }
  throw new Error(`refund still running after ${maxMs} ms of skipped time: ${JSON.stringify(await handle.query('getRefund'))}`);
}

/** The Markdown current details, through the built-in metadata query. */
export async function currentDetails(handle: NewRefundHandle): Promise<string> {
  const meta = (await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string };
  return meta.currentDetails ?? '';
}

/** Activity types scheduled in the workflow's history, in order. */
export async function scheduledActivities(handle: NewRefundHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter((n): n is string => !!n);
}

/** Timers in the workflow's history: started, fired, canceled. */
export async function timerCounts(handle: NewRefundHandle): Promise<{ started: number; fired: number; canceled: number }> {
  const events = (await handle.fetchHistory()).events ?? [];
  return {
    started: events.filter((e) => e.timerStartedEventAttributes).length,
    fired: events.filter((e) => e.timerFiredEventAttributes).length,
    canceled: events.filter((e) => e.timerCanceledEventAttributes).length,
  };
}

/** `iso` (a workflow time) lies within `tolMs` after `ms` (a test-server time, e.g. a call's). */
export function isNear(iso: string | number | undefined, ms: number, tolMs = 5_000): boolean {
  const t = typeof iso === 'number' ? iso : Date.parse(iso ?? '');
  return t >= ms - 50 && t <= ms + tolMs;
}

/**
 * A regex source matching the minute-precision time (workflows/time.ts `utc`) a timer summary
 * gives for a timer that fired at about `ms` (a call's test-server time, a little after it fired).
 */
export function utcAround(ms: number, tolMs = 5_000): string {
  const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `(?:${esc(utcOf(ms))}|${esc(utcOf(ms - tolMs))})`;
}

/** `waitForState` for a refund of the `refund` workflow. */
export function waitForRefund(handle: NewRefundHandle, predicate: (s: RefundState) => boolean, timeoutMs?: number): Promise<RefundState> {
  return waitForState(handle as never, predicate, timeoutMs);
}

/**
 * withNewRefund under the name the tests that first met the trap use: every helper now ends a
 * refund only once nothing of it is in flight (terminateIfRunning, time-skipping.ts). A kindred
 * trap this cannot cover: an activity a workflow abandoned (cancel requested, not awaited) that is
 * still running when the workflow completes is retried by the test server for its whole
 * schedule-to-close, each attempt holding the clock for its start-to-close: keep such a workflow
 * open until the activity has ended.
 */
export function withSettledRefund<T>(h: RefundHarness, input: RefundRequestInput, fn: (handle: NewRefundHandle) => Promise<T>): Promise<T> {
  return withNewRefund(h, input, fn);
}

/**
 * Fails when the test server's clock no longer skips (a leaked lock, see withSettledRefund): use
 * in afterEach, so the test that left it locked is named rather than a later one failing oddly.
 */
export async function expectClockFree(env: TestWorkflowEnvironment): Promise<void> {
  const before = await env.currentTimeMs();
  await Promise.race([env.sleep(60_000), new Promise((r) => setTimeout(r, 3_000))]);
  const skipped = (await env.currentTimeMs()) - before;
  if (skipped < 60_000) throw new Error(`the test server's clock no longer skips (a minute's sleep moved it ${skipped} ms): a workflow was left with work in flight`);
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUNDLE_DIR = join(ROOT, '.data', 'test-bundles');

/** A hash of everything the workflow bundle is built from: workflows/, domain/ and the locked dependencies. */
function bundleSourcesHash(): string {
  const h = createHash('sha256');
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((x, y) => x.name.localeCompare(y.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|js|mjs|json)$/.test(e.name)) h.update(p).update(readFileSync(p));
    }
  };
  walk(join(ROOT, 'workflows'));
  walk(join(ROOT, 'domain'));
  h.update(readFileSync(join(ROOT, 'package-lock.json')));
  return h.digest('hex').slice(0, 20);
}

let cachedBundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/**
 * The workflow bundle, kept on disk (.data/test-bundles) under a hash of its sources: each test
 * file runs in its own process, and bundling costs ~5 s a file. Any change under workflows/ or
 * domain/, or to package-lock.json, makes a new one.
 */
export function cachedWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  cachedBundle ??= (async () => {
    const name = `refund-${bundleSourcesHash()}.json`;
    const file = join(BUNDLE_DIR, name);
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as WorkflowBundleWithSourceMap;
    } catch {
      // not built yet for these sources
    }
    const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ code: bundle.code, sourceMap: bundle.sourceMap }));
    renameSync(tmp, file);
    for (const old of readdirSync(BUNDLE_DIR)) if (old !== name && !old.endsWith('.tmp')) rmSync(join(BUNDLE_DIR, old), { force: true });
    return bundle;
  })();
  return cachedBundle;
}

/** newRefundWorker on the cached bundle. */
export async function newRefundWorkerCached(
  env: TestWorkflowEnvironment,
  activities: FakeRefundActivities,
  extra: Partial<Pick<WorkerOptions, 'maxCachedWorkflows'>> = {},
): Promise<RefundHarness> {
  return newRefundWorker(env, activities, extra, cachedWorkflowBundle);
}

/** Wait (real time) until the workflow's history satisfies `predicate`. */
export async function waitForEvents(handle: NewRefundHandle, predicate: (events: NonNullable<Awaited<ReturnType<NewRefundHandle['fetchHistory']>>['events']>) => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate((await handle.fetchHistory()).events ?? [])) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} in the history`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
