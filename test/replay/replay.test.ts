/**
 * The replay corpus: every recorded history under test/replay/histories/** (v1 and any later
 * version folder) is replayed against the workflow code the worker registers today
 * (WORKFLOWS_PATH = workflows/index.ts). A change to workflow code, or to anything it imports,
 * that would make a running execution issue different commands fails here with the history's
 * name and the SDK's DeterminismViolationError. No server: Worker.runReplayHistories only.
 * The corpus must hold every required path of each version (REQUIRED_V1, REQUIRED_V2), and the
 * negative checks prove that a changed workflow of each version fails the replay.
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

/** The changed workflows of every version (fixtures/changed-refund-workflow.ts for v1, fixtures/changed-refund.ts for v2), one bundle. */
const CHANGED_WORKFLOWS_PATH = fileURLToPath(new URL('./fixtures/index.ts', import.meta.url));

/**
 * What a required history must be: its workflow type, the refund's final status, what the
 * history must show and must not show (markers, see markers()), the statuses the refund went
 * through (from its result: each transition's status, repeats collapsed), how it ends, and the
 * recorder scenario that records it (when its name is `<scenario>-<part>`).
 */
interface Required {
  type: string;
  status?: string;
  shows: string[];
  lacks?: string[];
  path?: string[];
  ends?: 'completed' | 'terminated' | 'failed';
  scenario?: string;
}

/**
 * Every v1 path the corpus must keep, with what its history must show (so that a history
 * recorded under the right name but down the wrong path fails too). Markers: see markers().
 */
const REQUIRED_V1: Record<string, Required & { type: 'refundWorkflow' | 'paymentLedgerWorkflow' }> = {
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

const REFUND = 'refund';
const LOCK = 'paymentLock';
/**
 * Every path of the v2 workflows (`refund`, `paymentLock`) the corpus must keep: recorded by
 * test/replay/scenarios-v2.ts from the code of workflows/ (refund.ts and the modules it runs).
 */
const REQUIRED_V2: Record<string, Required & { type: typeof REFUND | typeof LOCK }> = {
  // An input started by hand that the workflow's guard refuses: it fails at once.
  'invalid-input-started-by-hand': { type: REFUND, shows: [], lacks: ['activity:submitRefund', 'timer'], ends: 'failed' },
  // A final answer at submission: one activity, nothing else.
  'openpayd-approved': { type: REFUND, status: 'approved', shows: ['activity:submitRefund=1'], lacks: ['timer', 'activity:checkRefund', 'activity:releasePaymentLock'] },
  'reservepay-approved': { type: REFUND, status: 'approved', shows: ['activity:submitRefund=1'], lacks: ['timer', 'activity:checkRefund', 'activity:releasePaymentLock'] },
  'linkmoney-authorized': { type: REFUND, status: 'authorized', shows: ['activity:submitRefund=1'], lacks: ['timer', 'activity:checkRefund', 'activity:releasePaymentLock'] },
  'openpayd-rejected-declined': { type: REFUND, status: 'rejected', shows: ['activity:submitRefund=1'], lacks: ['timer', 'activity:checkRefund'] },
  'reservepay-failed-invalid': { type: REFUND, status: 'failed', shows: ['activity:submitRefund=1'], lacks: ['timer', 'activity:checkRefund'] },
  // Pending, then checks (a timer and one checkRefund each).
  'reservepay-pending-then-approved-on-check-3': { type: REFUND, status: 'approved', shows: ['activity:submitRefund=1', 'timer=3', 'activity:checkRefund=3'], path: ['pending', 'approved'] },
  'openpayd-pending-past-patience-then-approved': { type: REFUND, status: 'approved', shows: ['activity:checkRefund>=79', 'timer>=79'], path: ['pending', 'needs_attention', 'approved'] },
  'linkmoney-settlement-hold-then-authorized': { type: REFUND, status: 'authorized', shows: ['timer=1', 'activity:checkRefund=1'], path: ['pending', 'authorized'] },
  'linkmoney-business-day-checks': { type: REFUND, status: 'authorized', shows: ['timer=3', 'activity:checkRefund=3'], path: ['pending', 'authorized'] },
  // SecPaid's admin review (SecPaid refunds hold no payment lock: nothing to hand on at the end).
  'secpaid-review-entry-found': { type: REFUND, status: 'approved', shows: ['activity:checkRefund=4'], lacks: ['update:approveRefund', 'activity:releasePaymentLock'], path: ['pending', 'approved'] },
  'secpaid-approved-by-operator': { type: REFUND, status: 'approved', shows: ['activity:checkRefund', 'update:approveRefund', 'timer-canceled'], lacks: ['activity:releasePaymentLock'], path: ['pending', 'approved'] },
  'secpaid-rejected-by-operator': { type: REFUND, status: 'rejected', shows: ['activity:checkRefund', 'update:rejectRefund', 'timer-canceled'], lacks: ['activity:releasePaymentLock'], path: ['pending', 'rejected'] },
  'secpaid-review-timeout-then-resolved': { type: REFUND, status: 'approved', shows: ['activity:checkRefund>=49', 'update:resolveRefund'], lacks: ['activity:releasePaymentLock'], path: ['pending', 'needs_attention', 'approved'] },
  // Reconciliation (14b): a reconciliation's evidence puts the waiting refund in needs_attention; its checks go on.
  'secpaid-flagged-by-reconciliation-then-found': { type: REFUND, status: 'approved', shows: ['update:flagReconciliationMismatch=1', 'activity:checkRefund=2'], lacks: ['timer-canceled', 'activity:releasePaymentLock'], path: ['pending', 'needs_attention', 'approved'] },
  // Cancel.
  'cancel-while-waiting-for-lock': { type: REFUND, status: 'canceled', shows: ['activity:submitRefund', 'timer-canceled', 'update:cancelRefund'], lacks: ['activity:releasePaymentLock'], path: ['pending', 'canceled'] },
  'cancel-before-submission': { type: REFUND, status: 'canceled', shows: ['update:cancelRefund'], lacks: ['activity:submitRefund'], path: ['pending', 'canceled'] },
  // The payment lock as the refund sees it, and the amount rule.
  'lock-busy-then-answered': { type: REFUND, status: 'approved', shows: ['activity:submitRefund=3', 'timer=2'], path: ['pending', 'approved'] },
  'refused-by-amount-rule': { type: REFUND, status: 'rejected', shows: ['activity:submitRefund=1'], lacks: ['timer', 'activity:releasePaymentLock'] },
  // Lost answers and `exists`.
  'lost-answer-found-by-lookup': { type: REFUND, status: 'approved', shows: ['activity-failed:submitRefund', 'activity:submitRefund=1', 'timer=1', 'activity:lookUpRefund=1'] },
  'lost-answer-not-found-sent-again': { type: REFUND, status: 'approved', shows: ['activity-failed:submitRefund', 'activity:lookUpRefund=1', 'activity:submitRefund=2'] },
  'submission-timed-out': { type: REFUND, status: 'approved', shows: ['activity-timed-out:submitRefund', 'timer=1', 'activity:lookUpRefund=1', 'activity:submitRefund=2'] },
  'exists-first-attempt-then-resolved': { type: REFUND, status: 'rejected', shows: ['activity:submitRefund=1', 'update:resolveRefund', 'activity:releasePaymentLock=1'], lacks: ['activity:checkRefund'], path: ['pending', 'needs_attention', 'rejected'] },
  'exists-after-lost-answer-then-checked': { type: REFUND, status: 'approved', shows: ['activity:submitRefund=2', 'activity:lookUpRefund=1', 'activity:checkRefund=1'], path: ['pending', 'approved'] },
  // An operator finishes a refund that holds the payment lock: releasePaymentLock hands it on.
  'lost-answers-exhausted-then-resolved': { type: REFUND, status: 'approved', shows: ['activity:submitRefund=5', 'activity:lookUpRefund=4', 'update:resolveRefund', 'activity:releasePaymentLock=1'], path: ['pending', 'needs_attention', 'approved'] },
  // Undocumented values, not sent, credentials.
  'unrecognized-three-then-final': { type: REFUND, status: 'authorized', shows: ['activity:checkRefund=4'], path: ['pending', 'needs_attention', 'authorized'] },
  'not-sent-then-answered': { type: REFUND, status: 'approved', shows: ['activity-failed:submitRefund', 'timer=1', 'activity:submitRefund=2'], lacks: ['activity:lookUpRefund'] },
  'auth-then-resolved': { type: REFUND, status: 'failed', shows: ['activity-failed:submitRefund', 'activity:submitRefund=1', 'update:resolveRefund', 'activity:releasePaymentLock=1'], path: ['pending', 'needs_attention', 'failed'] },
  // Callbacks: one delivery per status change (the first refused by the receiver).
  'callback-per-status-change': { type: REFUND, status: 'failed', shows: ['activity:deliverCallback=2', 'activity-failed:deliverCallback'], path: ['pending', 'needs_attention', 'failed'] },
  // The payment lock run: its delayed start fires, it probes its holder.
  'payment-lock-probe-loop-lock': { type: LOCK, scenario: 'payment-lock-probe-loop', shows: ['delayed-start', 'signal-out:paymentLockProbe', 'timer=1', 'signal-out-failed:paymentLockProbe'] },
  'payment-lock-probe-loop-holder': { type: REFUND, scenario: 'payment-lock-probe-loop', status: 'approved', shows: ['signal:paymentLockProbe', 'activity:checkRefund'] },
  // On a dev server: started as production starts refunds, the real activities and payment lock.
  'prod-reservepay-pending-then-approved': { type: REFUND, status: 'approved', shows: ['activity:checkRefund=1', 'upsert:RefundStatus', 'upsert:RefundAmount'], path: ['pending', 'approved'] },
  'prod-reservepay-pending-then-approved-lock': { type: LOCK, scenario: 'prod-reservepay-pending-then-approved', shows: ['delayed-start'], ends: 'terminated' },
  'prod-secpaid-approved-by-operator': { type: REFUND, status: 'approved', shows: ['update:approveRefund', 'upsert:RefundStatus', 'upsert:RefundAmount'], lacks: ['activity:releasePaymentLock'], path: ['pending', 'approved'] },
  'payment-lock-delayed-start-holder': { type: REFUND, scenario: 'payment-lock-delayed-start', status: 'approved', shows: ['signal:paymentLockProbe', 'upsert:RefundStatus'] },
  'payment-lock-delayed-start-lock-holder-running': { type: LOCK, scenario: 'payment-lock-delayed-start', shows: ['delayed-start', 'signal-out:paymentLockProbe', 'timer=1'], lacks: ['signal-out-failed:paymentLockProbe'], ends: 'terminated' },
  'payment-lock-delayed-start-lock-holder-closed': { type: LOCK, scenario: 'payment-lock-delayed-start', shows: ['delayed-start', 'signal-out-failed:paymentLockProbe'], lacks: ['timer'] },
  // Linked retry (13b): a refund declined at submission, and its attempt started with retryOf.
  'prod-retry-after-decline-original': { type: REFUND, scenario: 'prod-retry-after-decline', status: 'rejected', shows: ['activity:submitRefund=1', 'upsert:RefundStatus'], lacks: ['input:retryOf', 'timer', 'activity:releasePaymentLock'], path: ['pending', 'rejected'] },
  // Expected-by and overdue (13c): past its date while waiting, marked once (a transition, a callback); on a dev server the date's upsert after SecPaid's answer.
  'overdue-marked-then-approved': { type: REFUND, status: 'approved', shows: ['input:expectedBy', 'activity:checkRefund=6', 'timer=7', 'activity:deliverCallback=2'], lacks: ['timer-canceled', 'upsert'], path: ['pending', 'approved'] },
  'prod-secpaid-overdue-then-approved-by-operator': { type: REFUND, status: 'approved', shows: ['input:expectedBy', 'upsert:RefundExpectedBy=1', 'timer=2', 'timer-canceled=1', 'update:approveRefund', 'upsert:RefundStatus'], lacks: ['activity:checkRefund'], path: ['pending', 'approved'] },
  'prod-retry-after-decline-attempt': { type: REFUND, scenario: 'prod-retry-after-decline', status: 'approved', shows: ['input:retryOf', 'activity:submitRefund=1', 'upsert:RefundAmount'], lacks: ['timer', 'activity:releasePaymentLock'], path: ['pending', 'approved'] },
  // Four-eyes approval (13a): the input `approval`; refunds without it take none of this.
  'prod-approval-granted': { type: REFUND, status: 'approved', shows: ['input:approval', 'update:grantApproval=1', 'upsert:RefundApproval=1', 'timer-canceled=1', 'activity:submitRefund=1', 'upsert:RefundStatus'], path: ['pending', 'approved'] },
  'prod-approval-refused': { type: REFUND, status: 'canceled', shows: ['input:approval', 'update:refuseApproval=1', 'upsert:RefundApproval=1', 'timer-canceled=1', 'upsert:RefundStatus'], lacks: ['activity:submitRefund'], path: ['pending', 'canceled'] },
  'approval-expired': { type: REFUND, status: 'canceled', shows: ['input:approval', 'timer=1'], lacks: ['activity:submitRefund', 'timer-canceled', 'upsert'], path: ['pending', 'canceled'] },
  'approval-canceled-while-awaiting': { type: REFUND, status: 'canceled', shows: ['input:approval', 'update:cancelRefund=1', 'timer-canceled=1'], lacks: ['activity:submitRefund', 'upsert'], path: ['pending', 'canceled'] },
};

const REQUIRED: Record<string, Record<string, Required>> = { v1: REQUIRED_V1, v2: REQUIRED_V2 };

/**
 * What a history shows, as markers, each with how often: `activity:<type>` scheduled,
 * `activity-failed:<type>` / `activity-timed-out:<type>`, `update:<name>` accepted,
 * `signal:<name>` received, `signal-out:<name>` sent, `signal-out-failed:<name>` (the target was
 * gone), `timer` started, `timer-canceled`, `upsert` and `upsert:<attribute>` of search
 * attributes, `delayed-start` (a start delay: the first workflow task waited), `input:<field>` for each
 * field of the workflow's (first) input (`input:retryOf`: a linked retry's attempt).
 * In REQUIRED, `<marker>` means at least once, `<marker>=N` exactly N times, `<marker>>=N` at least N.
 */
function markers(history: History): Map<string, number> {
  const out = new Map<string, number>();
  const add = (m: string) => out.set(m, (out.get(m) ?? 0) + 1);
  const activityType = new Map<string, string>();
  const signalName = new Map<string, string>();
  for (const e of history.events ?? []) {
    const id = String(e.eventId);
    const input = e.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
    if (input) {
      try {
        const arg = JSON.parse(Buffer.from(input).toString('utf8')) as unknown;
        if (arg && typeof arg === 'object' && !Array.isArray(arg)) for (const k of Object.keys(arg)) add(`input:${k}`);
      } catch {
        // not JSON (an encrypted payload): no input markers
      }
    }
    const backoff = e.workflowExecutionStartedEventAttributes?.firstWorkflowTaskBackoff;
    if (backoff && (Number(backoff.seconds ?? 0) > 0 || (backoff.nanos ?? 0) > 0)) add('delayed-start');
    const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) {
      activityType.set(id, scheduled);
      add(`activity:${scheduled}`);
    }
    const failed = e.activityTaskFailedEventAttributes?.scheduledEventId;
    if (failed != null) add(`activity-failed:${activityType.get(String(failed)) ?? '?'}`);
    const timedOut = e.activityTaskTimedOutEventAttributes?.scheduledEventId;
    if (timedOut != null) add(`activity-timed-out:${activityType.get(String(timedOut)) ?? '?'}`);
    const update = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
    if (update) add(`update:${update}`);
    const signal = e.workflowExecutionSignaledEventAttributes?.signalName;
    if (signal) add(`signal:${signal}`);
    const sent = e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName;
    if (sent) {
      signalName.set(id, sent);
      add(`signal-out:${sent}`);
    }
    const sendFailed = e.signalExternalWorkflowExecutionFailedEventAttributes?.initiatedEventId;
    if (sendFailed != null) add(`signal-out-failed:${signalName.get(String(sendFailed)) ?? '?'}`);
    if (e.timerStartedEventAttributes) add('timer');
    if (e.timerCanceledEventAttributes) add('timer-canceled');
    const upserted = e.upsertWorkflowSearchAttributesEventAttributes;
    if (upserted) {
      add('upsert');
      for (const key of Object.keys(upserted.searchAttributes?.indexedFields ?? {})) add(`upsert:${key}`);
    }
  }
  return out;
}

/** The markers of `want` that `shown` does not satisfy (`m`, `m=N`, `m>=N`). */
function unmet(shown: Map<string, number>, want: string[]): string[] {
  return want.filter((w) => {
    const [, marker, op, n] = /^(.*?)(?:(>=|=)(\d+))?$/.exec(w)!;
    const count = shown.get(marker!) ?? 0;
    return op === '=' ? count !== Number(n) : op === '>=' ? count < Number(n) : count === 0;
  });
}

/** The refund's statuses over its life (from the state it returned), repeats collapsed: e.g. pending, needs_attention, approved. */
function statusPath(history: History): string[] | undefined {
  const data = history.events?.at(-1)?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0]?.data;
  if (!data) return undefined;
  const state = JSON.parse(Buffer.from(data).toString('utf8')) as { transitions?: { status: string }[] } | null;
  return state?.transitions?.map((t) => t.status).filter((st, i, all) => i === 0 || all[i - 1] !== st);
}

/** Whether the workflow's code ever ran (a lock run released before its delayed start never did: it replays on any code). */
const ranCode = (history: History) => (history.events ?? []).some((e) => e.workflowTaskCompletedEventAttributes);

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
let changed: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  try {
    // Core's own WARN lines would print every expected nondeterminism of the negative check.
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
  } catch {
    // installed already in this process
  }
  corpus = loadCorpus(); // throws, naming the file, on a history that does not load or lacks its sidecar
  // Both bundles at once: webpack is most of this test's time.
  [current, changed] = await Promise.all([
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') }),
    bundleWorkflowCode({ workflowsPath: CHANGED_WORKFLOWS_PATH, logger: new DefaultLogger('WARN') }),
  ]);
});

describe('replay corpus', () => {
  it('is not empty and covers every required path of every version (REQUIRED_V1, REQUIRED_V2)', () => {
    expect(corpus.length).toBeGreaterThan(0);
    const byName = new Map(corpus.map((e) => [e.name, e]));
    const problems: string[] = [];
    for (const [version, required] of Object.entries(REQUIRED)) {
      for (const [name, want] of Object.entries(required)) {
        const id = `${version}/${name}`;
        const entry = byName.get(id);
        if (!entry) {
          const scenario = want.scenario ?? (version === 'v1' ? name.replace(/-(first|second|ledger)$/, '') : name);
          problems.push(`${id}: missing (npx tsx test/replay/record.ts --only ${version}/${scenario})`);
          continue;
        }
        if (entry.meta.workflowType !== want.type) problems.push(`${id}: a ${entry.meta.workflowType} history, expected ${want.type}`);
        if (want.status !== undefined && entry.meta.refundStatus !== want.status) problems.push(`${id}: the refund ended ${String(entry.meta.refundStatus)}, expected ${want.status}`);
        const last = entry.history.events?.at(-1);
        const ends = want.ends ?? 'completed';
        const ended = { completed: last?.workflowExecutionCompletedEventAttributes, terminated: last?.workflowExecutionTerminatedEventAttributes, failed: last?.workflowExecutionFailedEventAttributes }[ends];
        if (!ended) problems.push(`${id}: the history does not end with the workflow's ${{ completed: 'completion', terminated: 'termination', failed: 'failure' }[ends]}`);
        const shown = markers(entry.history);
        const absent = unmet(shown, want.shows);
        if (absent.length) problems.push(`${id}: does not show ${absent.join(', ')} (shows ${[...shown].map(([m, n]) => `${m}=${n}`).join(', ')})`);
        const unwanted = (want.lacks ?? []).filter((m) => shown.has(m));
        if (unwanted.length) problems.push(`${id}: shows ${unwanted.join(', ')}, which this path must not`);
        if (want.path) {
          const path = statusPath(entry.history);
          if (JSON.stringify(path) !== JSON.stringify(want.path)) problems.push(`${id}: the refund went ${path?.join(' -> ') ?? '(no result)'}, expected ${want.path.join(' -> ')}`);
        }
      }
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
      for (const e of corpus) for (const m of markers(e.history).keys()) if (m.startsWith('activity:') && !scheduled.has(m.slice(9))) scheduled.set(m.slice(9), e.file);
      expect([...scheduled.keys()]).toEqual(expect.arrayContaining(['claimRefundSlot', 'submitRefund', 'lookUpRefund', 'checkRefund', 'releasePaymentLock', 'deliverCallback']));
      const missing = [...scheduled].filter(([type]) => !registered.has(type)).map(([type, file]) => `${type} (scheduled in ${file})`);
      expect(missing, 'activities recorded histories schedule that the worker no longer registers').toEqual([]);
    } finally {
      await dispatcher.close();
    }
  });

  it('fails with a DeterminismViolationError against a changed refundWorkflow (fixtures/changed-refund-workflow.ts)', async () => {
    const refunds = corpus.filter((e) => e.meta.workflowType === 'refundWorkflow');
    expect(refunds.map((e) => e.name)).toContain('v1/openpayd-approved');
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

  it('fails with a DeterminismViolationError against a changed refund and paymentLock (fixtures/changed-refund.ts)', async () => {
    // Every v2 history whose workflow code ran (not a lock run released before its delayed start).
    const v2 = corpus.filter((e) => (e.meta.workflowType === REFUND || e.meta.workflowType === LOCK) && ranCode(e.history));
    expect(v2.map((e) => e.name)).toEqual(expect.arrayContaining(['v2/openpayd-approved', 'v2/cancel-before-submission', 'v2/payment-lock-probe-loop-lock']));
    const outcomes = await replay(changed, v2);
    expect(outcomes).toHaveLength(v2.length);
    for (const o of outcomes) {
      expect(o.error, `${o.file} replayed on the changed workflow`).toBeInstanceOf(DeterminismViolationError);
      expect(o.error?.message).toMatch(/nondeterminism/i);
    }
    // The first command differs: the current code submits, the changed one checks first.
    const first = outcomes.find((o) => o.file === 'v2/openpayd-approved.json');
    expect(first?.error?.message).toMatch(/submitRefund/);
    expect(first?.error?.message).toMatch(/checkRefund/);
  });
});
