/**
 * The replay corpus: every recorded history under test/replay/histories/** (v1 and any later
 * version folder) is replayed against the workflow code the worker registers today
 * (WORKFLOWS_PATH = workflows/index.ts). A change to workflow code, or to anything it imports,
 * that would make a running execution issue different commands fails here with the history's
 * name and the SDK's DeterminismViolationError. No server: Worker.runReplayHistories only.
 * How to record a history: docs/replay.md.
 */
import { fileURLToPath } from 'node:url';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../activities/http.js';
import { createActivities } from '../../activities/index.js';
import { Secret } from '../../activities/secret.js';
import { WORKFLOWS_PATH } from '../../worker/worker.js';
import { loadCorpus, type CorpusEntry } from './corpus.js';

const CHANGED_WORKFLOW_PATH = fileURLToPath(new URL('./fixtures/changed-refund-workflow.ts', import.meta.url));

/**
 * Every v1 path the corpus must keep, with what its history must show (so that a history
 * recorded under the right name but down the wrong path fails too). Markers: `activity:<type>`
 * scheduled, `update:<name>` accepted, `signal:<name>` received, `signal-out:<name>` sent,
 * `timer` started, `upsert` of search attributes.
 */
const REQUIRED_V1: Record<string, { type: 'refundWorkflow' | 'paymentLedgerWorkflow'; status?: string; shows: string[] }> = {
  'openpayd-approved': { type: 'refundWorkflow', status: 'approved', shows: ['activity:openpaydSubmitRefund'] },
  'openpayd-declined': { type: 'refundWorkflow', status: 'rejected', shows: ['activity:openpaydSubmitRefund'] },
  'openpayd-pending-then-approved': { type: 'refundWorkflow', status: 'approved', shows: ['activity:openpaydSubmitRefund', 'activity:openpaydAwaitRefund'] },
  'openpayd-lost-answer-found-by-lookup': { type: 'refundWorkflow', status: 'approved', shows: ['activity:openpaydSubmitRefund', 'timer', 'activity:openpaydGetStatus', 'activity:openpaydAwaitRefund'] },
  'reservepay-succeeded': { type: 'refundWorkflow', status: 'approved', shows: ['activity:reservepaySubmitRefund', 'activity:reservepayFindRefund'] },
  'reservepay-rejected-not-refundable': { type: 'refundWorkflow', status: 'rejected', shows: ['activity:reservepaySubmitRefund'] },
  'reservepay-rejected-amount-exceeds-limit': { type: 'refundWorkflow', status: 'rejected', shows: ['activity:reservepaySubmitRefund'] },
  'reservepay-lost-answer-found-by-lookup': { type: 'refundWorkflow', status: 'approved', shows: ['activity:reservepaySubmitRefund', 'timer', 'activity:reservepayListRefunds', 'activity:reservepayFindRefund'] },
  'linkmoney-authorized-at-submission': { type: 'refundWorkflow', status: 'authorized', shows: ['activity:linkmoneySubmitRefund'] },
  'linkmoney-settlement-hold-then-authorized': { type: 'refundWorkflow', status: 'authorized', shows: ['activity:linkmoneySubmitRefund', 'timer', 'activity:linkmoneyGetRefundStatus'] },
  'linkmoney-terminal-failed': { type: 'refundWorkflow', status: 'failed', shows: ['activity:linkmoneySubmitRefund', 'activity:linkmoneyGetRefundStatus'] },
  'linkmoney-lost-answer-found-by-request-key': { type: 'refundWorkflow', status: 'authorized', shows: ['activity:linkmoneySubmitRefund', 'timer', 'activity:linkmoneyFindRefundByRequestKey'] },
  'secpaid-approved-by-polling': { type: 'refundWorkflow', status: 'approved', shows: ['activity:secpaidSubmitRefund', 'activity:secpaidAwaitRefund'] },
  'secpaid-approved-by-operator': { type: 'refundWorkflow', status: 'approved', shows: ['activity:secpaidAwaitRefund', 'update:approveRefund'] },
  'secpaid-rejected-by-operator': { type: 'refundWorkflow', status: 'rejected', shows: ['activity:secpaidAwaitRefund', 'update:rejectRefund'] },
  'secpaid-review-timeout-then-resolved': { type: 'refundWorkflow', status: 'approved', shows: ['activity:secpaidAwaitRefund', 'update:resolveRefund'] },
  'cancel-before-submission': { type: 'refundWorkflow', status: 'canceled', shows: ['update:cancelRefund'] },
  'needs-attention-auth-then-resolved': { type: 'refundWorkflow', status: 'failed', shows: ['activity:openpaydSubmitRefund', 'update:resolveRefund'] },
  'callback-delivered': { type: 'refundWorkflow', status: 'approved', shows: ['activity:deliverCallback'] },
  'ledger-serialised-first': { type: 'refundWorkflow', status: 'approved', shows: ['activity:claimRefundSlot', 'signal:refundSlotDecision', 'signal-out:releaseRefundSlot'] },
  'ledger-serialised-second': { type: 'refundWorkflow', status: 'approved', shows: ['activity:claimRefundSlot', 'signal:refundSlotDecision', 'signal-out:releaseRefundSlot'] },
  'ledger-serialised-ledger': { type: 'paymentLedgerWorkflow', shows: ['signal:claimRefundSlot', 'signal-out:refundSlotDecision', 'signal:releaseRefundSlot'] },
  'ledger-refused-over-remaining': { type: 'refundWorkflow', status: 'rejected', shows: ['activity:claimRefundSlot', 'signal:refundSlotDecision'] },
  'ledger-refused-over-remaining-ledger': { type: 'paymentLedgerWorkflow', shows: ['signal:claimRefundSlot', 'signal-out:refundSlotDecision', 'signal:releaseRefundSlot'] },
};

/** What a history shows, as markers (see REQUIRED_V1). */
function markers(history: History): Set<string> {
  const out = new Set<string>();
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) out.add(`activity:${scheduled}`);
    const update = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
    if (update) out.add(`update:${update}`);
    const signal = e.workflowExecutionSignaledEventAttributes?.signalName;
    if (signal) out.add(`signal:${signal}`);
    const sent = e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName;
    if (sent) out.add(`signal-out:${sent}`);
    if (e.timerStartedEventAttributes) out.add('timer');
    if (e.upsertWorkflowSearchAttributesEventAttributes) out.add('upsert');
  }
  return out;
}

interface Outcome {
  file: string;
  error?: Error;
}

/** Replay `entries` in one replay worker; one outcome per history, in order, named by its file. */
async function replay(workflowBundle: WorkflowBundleWithSourceMap, entries: CorpusEntry[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const results = Worker.runReplayHistories(
    { workflowBundle, replayName: 'replay-corpus' },
    entries.map((e) => ({ workflowId: e.meta.workflowId, history: e.history })),
  );
  for await (const r of results) {
    const file = entries[outcomes.length]?.file ?? `(unexpected result for ${r.workflowId})`;
    outcomes.push({ file, ...(r.error ? { error: r.error } : {}) });
  }
  return outcomes;
}

let corpus: CorpusEntry[];
let current: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  try {
    // Core's own WARN lines would print every expected nondeterminism of the negative check.
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
  } catch {
    // installed already in this process
  }
  corpus = loadCorpus(); // throws, naming the file, on a history that does not load or lacks its sidecar
  current = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
});

describe('replay corpus', () => {
  it('is not empty and covers every v1 path', () => {
    expect(corpus.length).toBeGreaterThan(0);
    const byName = new Map(corpus.map((e) => [e.name, e]));
    const problems: string[] = [];
    for (const [name, want] of Object.entries(REQUIRED_V1)) {
      const entry = byName.get(`v1/${name}`);
      if (!entry) {
        problems.push(`v1/${name}: missing (npx tsx test/replay/record.ts --only ${name.replace(/-(first|second|ledger)$/, '')})`);
        continue;
      }
      if (entry.meta.workflowType !== want.type) problems.push(`v1/${name}: a ${entry.meta.workflowType} history, expected ${want.type}`);
      if (want.status !== undefined && entry.meta.refundStatus !== want.status) problems.push(`v1/${name}: the refund ended ${String(entry.meta.refundStatus)}, expected ${want.status}`);
      const last = entry.history.events?.at(-1);
      if (!last?.workflowExecutionCompletedEventAttributes) problems.push(`v1/${name}: the history does not end with the workflow's completion`);
      const shown = markers(entry.history);
      const absent = want.shows.filter((m) => !shown.has(m));
      if (absent.length) problems.push(`v1/${name}: does not show ${absent.join(', ')}`);
    }
    expect(problems).toEqual([]);
  });

  it('every history replays on the current workflow code without error', async () => {
    const outcomes = await replay(current, corpus);
    expect(outcomes.map((o) => o.file)).toEqual(corpus.map((e) => e.file)); // one result per history
    const failed = outcomes.filter((o) => o.error).map((o) => `${o.file}: ${o.error!.name}: ${o.error!.message}`);
    expect(failed, 'histories that no longer replay on the current workflow code (see docs/replay.md)').toEqual([]);
  });

  it('the worker still registers every activity type the recorded histories schedule', async () => {
    // Not a determinism check: a v1 refund whose next activity is no longer registered would
    // retry it forever on a worker that cannot run it. (Registration only: nothing is called.)
    const placeholder = new Secret('unused');
    const dispatcher = createDispatcher({ timeoutMs: 1_000 });
    try {
      const registered = new Set(
        Object.keys(
          createActivities({
            dispatcher,
            config: {
              secpaid: { baseUrl: 'http://127.0.0.1:9', token: placeholder },
              linkmoney: { baseUrl: 'http://127.0.0.1:9', clientId: 'unused', clientSecret: placeholder, scope: 'Link-Payment', statusPath: '' },
              openpayd: { baseUrl: 'http://127.0.0.1:9', apiKey: placeholder },
              reservepay: { baseUrl: 'http://127.0.0.1:9', apiKey: placeholder, apiVersion: '2025-04-01' },
            },
          }),
        ),
      );
      const scheduled = new Map<string, string>();
      for (const e of corpus) for (const m of markers(e.history)) if (m.startsWith('activity:') && !scheduled.has(m.slice(9))) scheduled.set(m.slice(9), e.file);
      expect([...scheduled.keys()]).toContain('claimRefundSlot');
      const missing = [...scheduled].filter(([type]) => !registered.has(type)).map(([type, file]) => `${type} (scheduled in ${file})`);
      expect(missing, 'activities recorded histories schedule that the worker no longer registers').toEqual([]);
    } finally {
      await dispatcher.close();
    }
  });

  it('fails with a DeterminismViolationError against a changed refundWorkflow (fixtures/changed-refund-workflow.ts)', async () => {
    const refunds = corpus.filter((e) => e.meta.workflowType === 'refundWorkflow');
    expect(refunds.map((e) => e.name)).toContain('v1/openpayd-approved');
    const changed = await bundleWorkflowCode({ workflowsPath: CHANGED_WORKFLOW_PATH, logger: new DefaultLogger('WARN') });
    const outcomes = await replay(changed, refunds);
    expect(outcomes).toHaveLength(refunds.length);
    for (const o of outcomes) {
      expect(o.error, `${o.file} replayed on the changed workflow`).toBeInstanceOf(DeterminismViolationError);
      expect(o.error?.message).toMatch(/nondeterminism/i);
    }
    // The first command differs: v1 claims the ledger slot, the changed code reads OpenPayd.
    const first = outcomes.find((o) => o.file === 'v1/openpayd-approved.json');
    expect(first?.error?.message).toMatch(/claimRefundSlot/);
  });
});
