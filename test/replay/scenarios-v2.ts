/**
 * The recorder's scenarios of the v2 workflows (test/replay/histories/v2/): every path of the
 * `refund` workflow (workflows/refund.ts, submission.ts, waiting.ts, handlers.ts) and of the
 * `paymentLock` run (workflows/payment-lock.ts). Most run on the time-skipping test server with
 * the `refund` workflow's activities scripted as in test/workflow/refund/ (answered, checked,
 * ambiguous, failure, script from test/helpers/refund-harness.ts); the `prod-*` and the delayed
 * lock run run on a dev server with the real activities (activities/refunds.ts: the real payment
 * lock, activities/payment-lock.ts) on scripted provider adapters, started through RefundsClient
 * as production starts refunds (search attributes, memo, static summary), so the corpus also has
 * the RefundStatus / RefundAmount upserts that the time-skipping server cannot record.
 * Each scenario checks that its refund went where it says (final status, counts): a scripting
 * mistake must not be recorded as a path.
 */
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ProviderAdapter } from '../../activities/adapter.js';
import type { CallContext } from '../../activities/context.js';
import { createRefundActivities, type Adapters, type Edge, type SubmitRefundResult } from '../../activities/refunds.js';
import { expectedByOf, parseExpectedByRules, parseSpan, type ExpectedBySpan } from '../../domain/expected-by.js';
import type { RefundOutcome } from '../../domain/outcome.js';
import { PAYMENT_LOCK_WORKFLOW_TYPE, paymentLockIdFor, type PaymentLockMemo } from '../../domain/payment-lock.js';
import { PROVIDER_NAMES, type Provider } from '../../domain/providers.js';
import { paymentKey, parseRefundRequest, refundIdFor, type RefundRequestInput } from '../../domain/refund.js';
import type { RefundState } from '../../domain/state.js';
import { RefundsClient } from '../../client/refunds-client.js';
import { paymentLock, refund } from '../../workflows/index.js';
import { approveRefundUpdate, cancelRefundUpdate, rejectRefundUpdate, resolveRefundUpdate } from '../../workflows/messages.js';
import { flagReconciliationUpdate } from '../../workflows/reconciliation-messages.js';
import type { ApprovalInput } from '../../domain/approval.js';
import { ambiguous, answered, checked, failure, script } from '../helpers/refund-harness.js';
import { DAY, finish, HOUR, MINUTE, plainClient, skipTo, waitForState, type Harness } from '../helpers/time-skipping.js';
import type { Output, Scenario, ScenarioContext, V2Activities } from './scenario.js';

type RefundHandle = WorkflowHandle<typeof refund>;

// ---------------------------------------------------------------------------------------------
// Requests and scripted answers (the shapes of test/workflow/refund/*.test.ts)
// ---------------------------------------------------------------------------------------------

const BASE = {
  openpayd: { provider: 'openpayd', payment: { transactionId: 'tx_9001', referenceNo: 'order-9001' }, amount: 'full', currency: 'EUR' },
  reservepay: { provider: 'reservepay', payment: { paymentId: 'pay_1' }, amount: 25050, currency: 'THB' },
  linkmoney: { provider: 'linkmoney', payment: { paymentId: 'pay_lm_1' }, amount: 1999, currency: 'USD' },
  secpaid: { provider: 'secpaid', payment: { payId: '42011' }, amount: 2500, currency: 'EUR' },
} as const;
/** What the amount rule sends for BASE's requests. */
const SENT = {
  openpayd: { full: true },
  reservepay: { full: false, sendMinor: 25050 },
  linkmoney: { full: false, sendMinor: 1999 },
  secpaid: { full: false, sendMinor: 2500 },
} as const;

/** The request of a scenario: its idempotency key (so its workflow id, refund-replay-v2-<scenario>) is stable across recordings. */
const request = (provider: Provider, scenario: string, extra: Record<string, unknown> = {}): RefundRequestInput =>
  ({ ...BASE[provider], idempotencyKey: `replay-v2-${scenario}`, ...extra }) as RefundRequestInput;

const OP_APPROVED: RefundOutcome = { kind: 'final', status: 'approved', providerStatus: 'APPROVED', code: '00', message: 'Approved', amountMinor: 5000 };
const OP_DECLINED: RefundOutcome = { kind: 'final', status: 'rejected', refusal: 'declined', providerStatus: 'DECLINED', code: '05', message: 'Do not honour' };
const OP_PENDING: RefundOutcome = { kind: 'pending', reason: 'provider_processing', providerStatus: 'PENDING', code: '01', message: 'Waiting' };
const RP_APPROVED: RefundOutcome = { kind: 'final', status: 'approved', refundId: 'rfn_d259441db5f443a0', providerStatus: 'succeeded', amountMinor: 25050 };
const RP_INVALID: RefundOutcome = { kind: 'final', status: 'failed', refusal: 'invalid', code: 'PAYMENT_NOT_FOUND', message: 'payment pay_1 not found' };
const RP_PENDING: RefundOutcome = { kind: 'pending', reason: 'provider_processing', refundId: 'rfn_d259441db5f443a0', providerStatus: 'pending' };
const LM_AUTHORIZED: RefundOutcome = { kind: 'final', status: 'authorized', refundId: 'rf_01', providerStatus: 'AUTHORIZED', amountMinor: 1999 };
const LM_PENDING: RefundOutcome = { kind: 'pending', reason: 'settlement_hold', refundId: 'rf_01', providerStatus: 'PENDING' };
const SP_SUBMITTED: RefundOutcome = { kind: 'pending', reason: 'awaiting_admin_review', message: 'Refund request submitted successfully' };
const SP_NO_ENTRY = checked({ kind: 'pending', reason: 'awaiting_admin_review' }, false);
const SP_ENTRY = checked({ kind: 'final', status: 'approved', refundId: '20261201-pi-0000000001', providerStatus: 'Refund', amountMinor: 2500 }, false);
const SETTLING: RefundOutcome = { kind: 'unrecognized', raw: 'status "SETTLING"' };

const HOLDER = 'refund-order-1001-refund-1';
const BUSY: SubmitRefundResult = { kind: 'busy', holder: HOLDER };
const notReached = () => failure('ProviderTransient', 'connect ECONNREFUSED 10.0.0.1:443', { nonRetryable: false, details: { kind: 'transient', mayHaveReachedProvider: false } });
const authRefused = () => failure('ProviderAuth', 'HTTP 401: invalid apiKey', { details: { kind: 'auth', mayHaveReachedProvider: true } });
/** A look-up's answer: the outcome, the amount that was sent, whether the activity released the lock. */
const found = (o: RefundOutcome, amount: { full: boolean; sendMinor?: number } = SENT.openpayd, lockReleased = o.kind === 'final') => ({ ...o, amount, lockReleased });
/** The payment lock is handed on by a refund an operator finished (a no-op for SecPaid). */
const released = async () => undefined;
const CALLBACK_URL = 'https://merchant.example/hooks/refunds';
const OPS = 'ops@example.com';

// ---------------------------------------------------------------------------------------------
// Driving refunds
// ---------------------------------------------------------------------------------------------

/** `expectedBy`: started as the client starts refunds now, with the date of this span from the (test-server) time of the request. */
async function startV2(h: Harness, input: RefundRequestInput, expectedBy?: ExpectedBySpan): Promise<RefundHandle> {
  const req = parseRefundRequest(input);
  const args = expectedBy ? { request: req, expectedBy: { at: expectedByOf(req, expectedBy, { requestedAt: await h.env.currentTimeMs() }), span: expectedBy } } : { request: req };
  return plainClient(h.env).workflow.start(refund, { taskQueue: h.taskQueue, workflowId: refundIdFor(req.idempotencyKey), args: [args] });
}

const waitFor = (handle: RefundHandle, predicate: (s: RefundState) => boolean, timeoutMs?: number) => waitForState(handle as never, predicate, timeoutMs);
const runToEnd = (env: TestWorkflowEnvironment, handle: RefundHandle, stepMs?: number) => finish(env, handle as never, stepMs ? { stepMs } : {});

/** The refund must have gone where the scenario says. */
function expectPath(scenario: string, s: RefundState, want: { status: string; checks?: number; submitAttempts?: number; transitions?: string[] }): void {
  const problems: string[] = [];
  if (s.status !== want.status) problems.push(`status ${s.status}, expected ${want.status}`);
  if (want.checks !== undefined && (s.checks ?? 0) !== want.checks) problems.push(`${s.checks ?? 0} checks, expected ${want.checks}`);
  if (want.submitAttempts !== undefined && s.submitAttempts !== want.submitAttempts) problems.push(`${s.submitAttempts} submissions, expected ${want.submitAttempts}`);
  const statuses = s.transitions.map((t) => t.status);
  if (want.transitions && JSON.stringify(statuses) !== JSON.stringify(want.transitions)) problems.push(`transitions ${statuses.join(' -> ')}, expected ${want.transitions.join(' -> ')}`);
  if (problems.length) throw new Error(`${scenario}: the refund did not take the scripted path: ${problems.join('; ')}\n${JSON.stringify(s, null, 2)}`);
}

/** Start one refund on a fresh worker, let `drive` act on it, run it to its end, check its path. */
async function oneRefund(
  ctx: ScenarioContext,
  scenario: string,
  activities: V2Activities,
  input: RefundRequestInput,
  want: Parameters<typeof expectPath>[2],
  opts: { drive?: (handle: RefundHandle) => Promise<void>; stepMs?: number; expectedBy?: ExpectedBySpan } = {},
): Promise<Output[]> {
  const h = await ctx.refundWorker(activities);
  return h.worker.runUntil(async () => {
    const handle = await startV2(h, input, opts.expectedBy);
    await opts.drive?.(handle);
    expectPath(scenario, await runToEnd(ctx.env, handle, opts.stepMs), want);
    return [{ handle }];
  });
}

/** Cancel a refund that waits for the payment lock; a send that starts between our look and the cancel refuses it: take the next wait. */
async function cancelWhileWaiting(handle: RefundHandle): Promise<RefundState> {
  for (let i = 0; ; i++) {
    try {
      return await handle.executeUpdate(cancelRefundUpdate, { args: [{ operator: OPS, note: 'customer withdrew the request' }] });
    } catch (err) {
      if (i >= 5 || !(err instanceof WorkflowUpdateFailedError) || !/was submitted/.test(err.cause?.message ?? '')) throw err;
      await new Promise((r) => setTimeout(r, 100));
      await waitFor(handle, (s) => s.lock === 'waiting');
    }
  }
}

/** Wait (real time) until the workflow is closed. */
async function closed(handle: WorkflowHandle, what: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await handle.describe()).status.name;
    if (status !== 'RUNNING') return status;
    if (Date.now() > deadline) throw new Error(`${what} (${handle.workflowId}) still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Wait (real time) until the workflow's history has an event that `has` finds. */
async function historyShows(handle: WorkflowHandle, has: (e: temporal.api.history.v1.IHistoryEvent) => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (((await handle.fetchHistory()).events ?? []).some(has)) return;
    if (Date.now() > deadline) throw new Error(`${handle.workflowId}: no ${what} in its history after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A lock run started by hand, as activities/payment-lock.ts starts one (same id, memo, input,
 * summary and policies), but with a start delay of seconds instead of LOCK_VALVE (1 hour): so its
 * own code runs, as it does when its holder did not release it in time.
 */
function startLockRun(h: Harness, lockId: string, memo: PaymentLockMemo, startDelay = '2 seconds'): Promise<WorkflowHandleWithFirstExecutionRunId<typeof paymentLock>> {
  return plainClient(h.env).workflow.start(paymentLock, {
    workflowId: lockId,
    taskQueue: h.taskQueue,
    args: [memo],
    memo: memo as unknown as Record<string, unknown>,
    startDelay,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    staticSummary: `Lock: one refund at a time of ${PROVIDER_NAMES[memo.provider]} payment, held by ${memo.holder}`,
  });
}

/**
 * The real activities of the `refund` workflow (activities/refunds.ts: the payment lock through
 * the worker's client, the amount rule) on scripted provider adapters; the edge passes calls through.
 */
function realActivities(adapters: Partial<{ [P in Provider]: Partial<ProviderAdapter<P>> }>): V2Activities {
  const unexpected = (provider: Provider, call: string) => async () => {
    throw new Error(`${provider} adapter ${call} was not expected`);
  };
  const full = Object.fromEntries(
    (['secpaid', 'linkmoney', 'openpayd', 'reservepay'] as const).map((p) => [p, { submit: unexpected(p, 'submit'), lookUp: unexpected(p, 'lookUp'), check: unexpected(p, 'check'), ...adapters[p] }]),
  ) as unknown as Adapters;
  const edge: Edge = (_provider, _operation, fn) => fn({} as CallContext);
  const acts = createRefundActivities({ adapters: full, edge });
  return acts as unknown as V2Activities;
}

// ---------------------------------------------------------------------------------------------
// The scenarios
// ---------------------------------------------------------------------------------------------

const V2_SCENARIOS: Omit<Scenario, 'version'>[] = [
  // An input that did not come through the request schema ------------------------------------
  {
    name: 'invalid-input-started-by-hand',
    description: 'started by hand with an input the workflow cannot run (no referenceNo, a fractional amount) -> fails InvalidRefundRequest at once, nothing called',
    run: async (ctx) => {
      const h = await ctx.refundWorker({});
      return h.worker.runUntil(async () => {
        const bad = { idempotencyKey: 'invalid-input-started-by-hand', provider: 'openpayd', payment: { transactionId: 'tx1' }, amount: 25.5, currency: 'EUR' };
        const handle = await plainClient(h.env).workflow.start(refund, { taskQueue: h.taskQueue, workflowId: refundIdFor(bad.idempotencyKey), args: [{ request: bad as never }] });
        const failed = await handle.result().then(
          () => undefined,
          (err: unknown) => err,
        );
        if (!failed) throw new Error('invalid-input-started-by-hand: the workflow did not fail');
        return [{ handle }];
      });
    },
  },
  // A final answer at submission ---------------------------------------------------------------
  {
    name: 'openpayd-approved',
    description: 'OpenPayd answered APPROVED 00 to the submission -> approved; one activity, no timer (the activity released the payment lock)',
    run: (ctx) => oneRefund(ctx, 'openpayd-approved', { submitRefund: async () => answered(OP_APPROVED, SENT.openpayd) }, request('openpayd', 'openpayd-approved'), { status: 'approved', submitAttempts: 1 }),
  },
  {
    name: 'reservepay-approved',
    description: 'Reservepay answered succeeded to the submission -> approved',
    run: (ctx) => oneRefund(ctx, 'reservepay-approved', { submitRefund: async () => answered(RP_APPROVED, SENT.reservepay) }, request('reservepay', 'reservepay-approved'), { status: 'approved', submitAttempts: 1 }),
  },
  {
    name: 'linkmoney-authorized',
    description: 'Link Money answered AUTHORIZED to the submission -> authorized, no timer',
    run: (ctx) => oneRefund(ctx, 'linkmoney-authorized', { submitRefund: async () => answered(LM_AUTHORIZED, SENT.linkmoney) }, request('linkmoney', 'linkmoney-authorized'), { status: 'authorized', submitAttempts: 1 }),
  },
  {
    name: 'openpayd-rejected-declined',
    description: 'OpenPayd answered DECLINED 05 "Do not honour" (refusal: declined) -> rejected',
    run: (ctx) => oneRefund(ctx, 'openpayd-rejected-declined', { submitRefund: async () => answered(OP_DECLINED, SENT.openpayd) }, request('openpayd', 'openpayd-rejected-declined'), { status: 'rejected', submitAttempts: 1 }),
  },
  {
    name: 'reservepay-failed-invalid',
    description: 'Reservepay answered PAYMENT_NOT_FOUND (refusal: invalid) -> failed',
    run: (ctx) => oneRefund(ctx, 'reservepay-failed-invalid', { submitRefund: async () => answered(RP_INVALID, SENT.reservepay) }, request('reservepay', 'reservepay-failed-invalid'), { status: 'failed', submitAttempts: 1 }),
  },

  // Pending at submission, then checks --------------------------------------------------------
  {
    name: 'reservepay-pending-then-approved-on-check-3',
    description: 'Reservepay answered pending -> checks 30 s, 60 s, 120 s apart (a timer and one checkRefund each) -> approved on check 3',
    run: (ctx) =>
      oneRefund(
        ctx,
        'reservepay-pending-then-approved-on-check-3',
        { submitRefund: async () => answered(RP_PENDING, SENT.reservepay), checkRefund: script([checked(RP_PENDING), checked(RP_PENDING), checked(RP_APPROVED)]) },
        request('reservepay', 'reservepay-pending-then-approved-on-check-3'),
        { status: 'approved', checks: 3, transitions: ['pending', 'pending', 'approved'] },
        { stepMs: HOUR },
      ),
  },
  {
    name: 'openpayd-pending-past-patience-then-approved',
    description: 'OpenPayd answered PENDING 01 Waiting -> 77 checks on the follow-up schedule over 3 days -> the first check past the 3-day patience puts it in needs_attention -> checks twice a day go on -> a later check answers APPROVED -> approved',
    run: (ctx) => {
      let outcome: RefundOutcome = OP_PENDING;
      return oneRefund(
        ctx,
        'openpayd-pending-past-patience-then-approved',
        { submitRefund: async () => answered(OP_PENDING, SENT.openpayd), checkRefund: async () => checked(outcome) },
        request('openpayd', 'openpayd-pending-past-patience-then-approved'),
        { status: 'approved', checks: 80, transitions: ['pending', 'pending', 'needs_attention', 'approved'] },
        {
          stepMs: HOUR,
          drive: async (handle) => {
            await waitFor(handle, (s) => s.nextCheckAt !== undefined);
            await ctx.env.sleep(3 * DAY + 12 * HOUR);
            const attention = await waitFor(handle, (s) => s.status === 'needs_attention');
            await ctx.env.sleep(12 * HOUR);
            await waitFor(handle, (s) => (s.checks ?? 0) === (attention.checks ?? 0) + 1);
            outcome = OP_APPROVED;
          },
        },
      );
    },
  },

  // Link Money: the settlement hold ----------------------------------------------------------
  {
    name: 'linkmoney-settlement-hold-then-authorized',
    description: 'Link Money answered PENDING, the payment settled an hour before (settledAt) -> one timer to the end of the 3-business-day hold + 5 min -> one check -> AUTHORIZED -> authorized',
    run: async (ctx) => {
      const settledAt = new Date((await ctx.env.currentTimeMs()) - HOUR).toISOString();
      return oneRefund(
        ctx,
        'linkmoney-settlement-hold-then-authorized',
        { submitRefund: async () => answered(LM_PENDING, SENT.linkmoney, false), checkRefund: script([checked(LM_AUTHORIZED)]) },
        request('linkmoney', 'linkmoney-settlement-hold-then-authorized', { payment: { paymentId: 'pay_lm_1', settledAt } }),
        { status: 'authorized', checks: 1, transitions: ['pending', 'pending', 'authorized'] },
        {
          stepMs: 12 * HOUR,
          drive: async (handle) => {
            const waiting = await waitFor(handle, (s) => s.nextCheckAt !== undefined);
            if (Date.parse(waiting.nextCheckAt!) - (await ctx.env.currentTimeMs()) < DAY) throw new Error(`expected a settlement-hold timer of days, got ${waiting.nextCheckAt}`);
          },
        },
      );
    },
  },
  {
    name: 'linkmoney-business-day-checks',
    description: 'Link Money answered PENDING, no settledAt -> a check at 00:05 UTC of each next US business day: PENDING, PENDING, AUTHORIZED -> authorized',
    run: (ctx) =>
      oneRefund(
        ctx,
        'linkmoney-business-day-checks',
        { submitRefund: async () => answered(LM_PENDING, SENT.linkmoney, false), checkRefund: script([checked(LM_PENDING, false), checked(LM_PENDING, false), checked(LM_AUTHORIZED)]) },
        request('linkmoney', 'linkmoney-business-day-checks'),
        { status: 'authorized', checks: 3, transitions: ['pending', 'pending', 'authorized'] },
        { stepMs: 12 * HOUR },
      ),
  },

  // SecPaid: the admin review ------------------------------------------------------------------
  {
    name: 'secpaid-review-entry-found',
    description: 'SecPaid submitted, pending awaiting_admin_review -> checks of the pay-ins at +2, +4, +8, +16 min; the 4th finds the Refund entry -> approved',
    run: (ctx) =>
      oneRefund(
        ctx,
        'secpaid-review-entry-found',
        { submitRefund: async () => answered(SP_SUBMITTED, SENT.secpaid, false), checkRefund: script([SP_NO_ENTRY, SP_NO_ENTRY, SP_NO_ENTRY, SP_ENTRY]), releasePaymentLock: released },
        request('secpaid', 'secpaid-review-entry-found'),
        { status: 'approved', checks: 4, transitions: ['pending', 'pending', 'approved'] },
        { stepMs: HOUR },
      ),
  },
  {
    name: 'secpaid-approved-by-operator',
    description: "SecPaid awaiting its admin review, 2 checks made -> operator approveRefund (SecPaid's own review, seen in its dashboard) -> approved, the pending check's timer canceled",
    run: (ctx) =>
      oneRefund(
        ctx,
        'secpaid-approved-by-operator',
        { submitRefund: async () => answered(SP_SUBMITTED, SENT.secpaid, false), checkRefund: async () => SP_NO_ENTRY, releasePaymentLock: released },
        request('secpaid', 'secpaid-approved-by-operator'),
        { status: 'approved', checks: 2, transitions: ['pending', 'pending', 'approved'] },
        {
          drive: async (handle) => {
            await waitFor(handle, (s) => s.nextCheckAt !== undefined);
            await ctx.env.sleep(7 * MINUTE);
            await waitFor(handle, (s) => s.checks === 2);
            await handle.executeUpdate(approveRefundUpdate, { args: [{ operator: OPS, note: 'approved in the SecPaid dashboard' }] });
          },
        },
      ),
  },
  {
    name: 'secpaid-rejected-by-operator',
    description: "SecPaid awaiting its admin review, 1 check made -> operator rejectRefund with SecPaid's reason -> rejected, the pending check's timer canceled",
    run: (ctx) =>
      oneRefund(
        ctx,
        'secpaid-rejected-by-operator',
        { submitRefund: async () => answered(SP_SUBMITTED, SENT.secpaid, false), checkRefund: async () => SP_NO_ENTRY, releasePaymentLock: released },
        request('secpaid', 'secpaid-rejected-by-operator'),
        { status: 'rejected', checks: 1, transitions: ['pending', 'pending', 'rejected'] },
        {
          drive: async (handle) => {
            await waitFor(handle, (s) => s.nextCheckAt !== undefined);
            await ctx.env.sleep(3 * MINUTE);
            await waitFor(handle, (s) => s.checks === 1);
            await handle.executeUpdate(rejectRefundUpdate, { args: [{ operator: OPS, reason: 'merchant disputes the refund' }] });
          },
        },
      ),
  },
  {
    name: 'secpaid-review-timeout-then-resolved',
    description: 'SecPaid awaiting its admin review, no Refund entry in 14 days (48 checks) -> the first check past them puts it in needs_attention -> slow checks twice a day -> operator resolveRefund approved',
    run: (ctx) =>
      oneRefund(
        ctx,
        'secpaid-review-timeout-then-resolved',
        { submitRefund: async () => answered(SP_SUBMITTED, SENT.secpaid, false), checkRefund: async () => SP_NO_ENTRY, releasePaymentLock: released },
        request('secpaid', 'secpaid-review-timeout-then-resolved'),
        { status: 'approved', checks: 51, transitions: ['pending', 'pending', 'needs_attention', 'approved'] },
        {
          drive: async (handle) => {
            await waitFor(handle, (s) => s.nextCheckAt !== undefined);
            await ctx.env.sleep(14 * DAY + 12 * HOUR);
            const attention = await waitFor(handle, (s) => s.status === 'needs_attention');
            await ctx.env.sleep(24 * HOUR);
            await waitFor(handle, (s) => s.checks === (attention.checks ?? 0) + 2);
            await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'approved', note: 'Refund entry found by hand in the dashboard', operator: OPS }] });
          },
        },
      ),
  },

  {
    name: 'secpaid-flagged-by-reconciliation-then-found',
    description:
      "SecPaid awaiting its admin review, 1 check made -> a reconciliation's flagReconciliationMismatch (SecPaid's pay-ins show it final: pending but final) -> needs_attention with the evidence, the checks go on -> check 2 finds the Refund entry -> approved",
    run: (ctx) =>
      oneRefund(
        ctx,
        'secpaid-flagged-by-reconciliation-then-found',
        { submitRefund: async () => answered(SP_SUBMITTED, SENT.secpaid, false), checkRefund: script([SP_NO_ENTRY, SP_ENTRY]), releasePaymentLock: released },
        request('secpaid', 'secpaid-flagged-by-reconciliation-then-found'),
        { status: 'approved', checks: 2, transitions: ['pending', 'pending', 'needs_attention', 'approved'] },
        {
          drive: async (handle) => {
            await waitFor(handle, (s) => s.nextCheckAt !== undefined);
            await ctx.env.sleep(3 * MINUTE);
            await waitFor(handle, (s) => s.checks === 1);
            await handle.executeUpdate(flagReconciliationUpdate, {
              args: [
                {
                  reconciliationId: 'reconciliation-replay-1',
                  kind: 'pending_but_final',
                  detail: "ours is pending; SecPaid shows it final: Success (refund 20261201-pi-0000000001)",
                  providerRefundId: '20261201-pi-0000000001',
                  providerStatus: 'Success',
                  providerOutcome: 'approved',
                  providerAmountMinor: 2500,
                },
              ],
            });
          },
          stepMs: HOUR,
        },
      ),
  },

  // Cancel -------------------------------------------------------------------------------------
  {
    name: 'cancel-while-waiting-for-lock',
    description: 'OpenPayd refund whose submission answers busy (another refund of the payment holds the payment lock) -> waits for its turn -> operator cancelRefund -> canceled, the wait ended, nothing sent',
    run: (ctx) =>
      oneRefund(ctx, 'cancel-while-waiting-for-lock', { submitRefund: async () => BUSY }, request('openpayd', 'cancel-while-waiting-for-lock'), { status: 'canceled', submitAttempts: 0, transitions: ['pending', 'canceled'] }, {
        drive: async (handle) => {
          await waitFor(handle, (s) => s.lock === 'waiting');
          const canceled = await cancelWhileWaiting(handle);
          if (canceled.status !== 'canceled') throw new Error(`expected canceled, got ${canceled.status}`);
        },
      }),
  },
  {
    name: 'cancel-before-submission',
    description: 'Reservepay refund started together with a cancelRefund update (executeUpdateWithStart) -> canceled in its first workflow task, nothing submitted',
    run: async (ctx) => {
      const h = await ctx.refundWorker({});
      const req = parseRefundRequest(request('reservepay', 'cancel-before-submission'));
      const op = new WithStartWorkflowOperation(refund, { workflowId: refundIdFor(req.idempotencyKey), taskQueue: h.taskQueue, args: [{ request: req }], workflowIdConflictPolicy: 'USE_EXISTING' });
      return h.worker.runUntil(async () => {
        const state = await plainClient(ctx.env).workflow.executeUpdateWithStart(cancelRefundUpdate, { args: [{ operator: OPS, note: 'duplicate request' }], startWorkflowOperation: op });
        if (state.status !== 'canceled') throw new Error(`expected canceled, got ${state.status}`);
        const handle = await op.workflowHandle();
        expectPath('cancel-before-submission', await runToEnd(ctx.env, handle), { status: 'canceled', submitAttempts: 0, transitions: ['pending', 'canceled'] });
        return [{ handle }];
      });
    },
  },

  // The payment lock and the amount rule -------------------------------------------------------
  {
    name: 'lock-busy-then-answered',
    description: 'OpenPayd submission answers busy twice (the payment lock is held by another refund of the payment) -> jittered waits for its turn -> sent, APPROVED -> approved; one submission counted',
    run: (ctx) =>
      oneRefund(ctx, 'lock-busy-then-answered', { submitRefund: script<SubmitRefundResult>([BUSY, BUSY, answered(OP_APPROVED, SENT.openpayd)]) }, request('openpayd', 'lock-busy-then-answered'), { status: 'approved', submitAttempts: 1, transitions: ['pending', 'approved'] }, { stepMs: MINUTE }),
  },
  {
    name: 'refused-by-amount-rule',
    description: 'Reservepay partial refund refused by the amount rule at its turn (more than is left of the payment) -> rejected "refused before submission", nothing sent',
    run: (ctx) =>
      oneRefund(
        ctx,
        'refused-by-amount-rule',
        { submitRefund: script<SubmitRefundResult>([{ kind: 'refused', reason: 'asks for more than is left of the payment: THB 200.00 of THB 250.50 after the refunds that succeeded (THB 100.00 left)' }]) },
        request('reservepay', 'refused-by-amount-rule', { amount: 20000, originalAmount: 25050 }),
        { status: 'rejected', submitAttempts: 0, transitions: ['pending', 'rejected'] },
      ),
  },

  // Lost answers ---------------------------------------------------------------------------------
  {
    name: 'lost-answer-found-by-lookup',
    description: 'OpenPayd submission answer lost (ProviderAmbiguous, settleAfterMs 60 s) -> a timer to let the request land -> lookUpRefund finds it APPROVED -> approved; submitted once',
    run: (ctx) =>
      oneRefund(ctx, 'lost-answer-found-by-lookup', { submitRefund: script([ambiguous(60_000)]), lookUpRefund: script([found(OP_APPROVED)]) }, request('openpayd', 'lost-answer-found-by-lookup'), { status: 'approved', submitAttempts: 1, transitions: ['pending', 'approved'] }, {
        stepMs: HOUR,
      }),
  },
  {
    name: 'lost-answer-not-found-sent-again',
    description: 'OpenPayd submission answer lost (ProviderAmbiguous) -> timer -> lookUpRefund finds nothing (null) -> submitted a second time -> APPROVED -> approved',
    run: (ctx) =>
      oneRefund(
        ctx,
        'lost-answer-not-found-sent-again',
        { submitRefund: script<SubmitRefundResult>([ambiguous(60_000), answered(OP_APPROVED, SENT.openpayd)]), lookUpRefund: script([null]) },
        request('openpayd', 'lost-answer-not-found-sent-again'),
        { status: 'approved', submitAttempts: 2, transitions: ['pending', 'approved'] },
        { stepMs: HOUR },
      ),
  },
  {
    name: 'submission-timed-out',
    description: "OpenPayd submission activity never answers (its worker died): the submission's 1-minute start-to-close timeout (real time) -> 30 s to let the request land -> lookUpRefund finds nothing -> submitted again -> APPROVED -> approved",
    run: async (ctx) => {
      let release!: () => void;
      const hung = new Promise<void>((r) => (release = r));
      const h = await ctx.refundWorker({ submitRefund: script<SubmitRefundResult>([() => hung.then(() => answered(OP_APPROVED, SENT.openpayd)), answered(OP_APPROVED, SENT.openpayd)]), lookUpRefund: script([null]) });
      return h.worker.runUntil(async () => {
        try {
          const handle = await startV2(h, request('openpayd', 'submission-timed-out'));
          await ctx.env.sleep(MINUTE + 35_000); // real time until the timeout (a running activity holds the clock), skipped after it
          const s = await runToEnd(ctx.env, handle, HOUR);
          expectPath('submission-timed-out', s, { status: 'approved', submitAttempts: 2, transitions: ['pending', 'approved'] });
          if (s.lostAnswers !== 1) throw new Error(`expected one lost answer, got ${s.lostAnswers}`);
          return [{ handle }];
        } finally {
          release(); // the worker's shutdown waits for the hung activity
        }
      });
    },
  },
  {
    name: 'exists-first-attempt-then-resolved',
    description: 'OpenPayd answered exists ("Duplicate transmission") to our first request: somebody else\'s refund -> needs_attention, no checks -> operator resolveRefund rejected -> releasePaymentLock (the lock is held)',
    run: (ctx) =>
      oneRefund(
        ctx,
        'exists-first-attempt-then-resolved',
        { submitRefund: async () => answered({ kind: 'exists', code: '94', message: 'Duplicate transmission' }, SENT.openpayd), releasePaymentLock: released },
        request('openpayd', 'exists-first-attempt-then-resolved'),
        { status: 'rejected', submitAttempts: 1, transitions: ['pending', 'needs_attention', 'rejected'] },
        {
          drive: async (handle) => {
            await waitFor(handle, (s) => s.status === 'needs_attention');
            await ctx.env.sleep(HOUR);
            await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'rejected', note: 'refunded by the merchant in the OpenPayd portal', operator: OPS }] });
          },
        },
      ),
  },
  {
    name: 'exists-after-lost-answer-then-checked',
    description: 'OpenPayd submission answer lost -> timer -> look-up finds nothing -> second submission answers exists: ours -> pending -> check 1 answers OK -> approved',
    run: (ctx) =>
      oneRefund(
        ctx,
        'exists-after-lost-answer-then-checked',
        {
          submitRefund: script<SubmitRefundResult>([ambiguous(60_000), answered({ kind: 'exists', code: 'DUP', message: 'Refund already requested' }, SENT.openpayd, false)]),
          lookUpRefund: script([null]),
          checkRefund: script([checked({ kind: 'final', status: 'approved', refundId: 'r-77', providerStatus: 'OK' })]),
        },
        request('openpayd', 'exists-after-lost-answer-then-checked'),
        { status: 'approved', submitAttempts: 2, checks: 1, transitions: ['pending', 'pending', 'approved'] },
        { stepMs: HOUR },
      ),
  },
  {
    name: 'lost-answers-exhausted-then-resolved',
    description: 'Reservepay: 5 submissions whose answers are all lost, 4 look-ups finding nothing -> needs_attention -> operator resolveRefund approved -> the held payment lock handed on by releasePaymentLock',
    run: (ctx) =>
      oneRefund(
        ctx,
        'lost-answers-exhausted-then-resolved',
        {
          submitRefund: async () => {
            throw ambiguous(60_000, 'read ECONNRESET (outcome unknown: the request may have reached Reservepay)');
          },
          lookUpRefund: async () => null,
          releasePaymentLock: released,
        },
        request('reservepay', 'lost-answers-exhausted-then-resolved'),
        { status: 'approved', submitAttempts: 5, transitions: ['pending', 'needs_attention', 'approved'] },
        {
          drive: async (handle) => {
            await ctx.env.sleep(10 * MINUTE);
            await waitFor(handle, (s) => s.status === 'needs_attention');
            await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'approved', note: 'Reservepay support confirmed one refund', operator: OPS }] });
          },
        },
      ),
  },

  // Undocumented values ------------------------------------------------------------------------
  {
    name: 'unrecognized-three-then-final',
    description: 'Link Money answers an undocumented status "SETTLING" at submission and to checks 1 and 2 (each 20 min later) -> the 3rd in a row puts it in needs_attention -> checks go on (another SETTLING) -> check 4 AUTHORIZED -> authorized',
    run: async (ctx) => {
      // 10:00 UTC tomorrow: the next business day's check is hours away, so the 20-minute recheck shows.
      const now = await ctx.env.currentTimeMs();
      await skipTo(ctx.env, Math.floor(now / DAY) * DAY + DAY + 10 * HOUR);
      return oneRefund(
        ctx,
        'unrecognized-three-then-final',
        {
          submitRefund: async () => answered(SETTLING, SENT.linkmoney, false),
          checkRefund: script([checked(SETTLING), checked(SETTLING), checked(SETTLING), checked({ kind: 'final', status: 'authorized', refundId: 'rf_9', providerStatus: 'AUTHORIZED' })]),
        },
        request('linkmoney', 'unrecognized-three-then-final'),
        { status: 'authorized', checks: 4, transitions: ['pending', 'pending', 'needs_attention', 'authorized'] },
        { stepMs: HOUR },
      );
    },
  },

  // Not sent -------------------------------------------------------------------------------------
  {
    name: 'not-sent-then-answered',
    description: 'OpenPayd not reached (ProviderTransient, connection refused: surely not sent) -> a jittered backoff timer -> sent again -> APPROVED -> approved',
    run: (ctx) =>
      oneRefund(ctx, 'not-sent-then-answered', { submitRefund: script<SubmitRefundResult>([notReached(), answered(OP_APPROVED, SENT.openpayd)]) }, request('openpayd', 'not-sent-then-answered'), { status: 'approved', transitions: ['pending', 'approved'] }, {
        stepMs: HOUR,
      }),
  },
  {
    name: 'auth-then-resolved',
    description: 'OpenPayd refused our credentials (ProviderAuth) -> needs_attention, nothing sent again -> operator resolveRefund failed -> releasePaymentLock (the failed activity may have taken the lock)',
    run: (ctx) =>
      oneRefund(
        ctx,
        'auth-then-resolved',
        { submitRefund: script<SubmitRefundResult>([authRefused()]), releasePaymentLock: released },
        request('openpayd', 'auth-then-resolved'),
        { status: 'failed', transitions: ['pending', 'needs_attention', 'failed'] },
        {
          drive: async (handle) => {
            await waitFor(handle, (s) => s.status === 'needs_attention');
            await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'failed', note: 'apiKey rotated; nothing was refunded, customer asked to retry', operator: OPS }] });
          },
        },
      ),
  },

  // Callbacks ------------------------------------------------------------------------------------
  {
    name: 'callback-per-status-change',
    description: 'OpenPayd refund with a callbackUrl: ProviderAuth -> needs_attention (its callback refused by the receiver: CallbackRefused) -> resolveRefund failed (its callback delivered) -> releasePaymentLock; one deliverCallback per status change',
    run: (ctx) => {
      let deliveries = 0;
      return oneRefund(
        ctx,
        'callback-per-status-change',
        {
          submitRefund: script<SubmitRefundResult>([authRefused()]),
          releasePaymentLock: released,
          deliverCallback: async () => {
            if (++deliveries === 1) throw failure('CallbackRefused', 'the receiver answered HTTP 410');
            return { httpStatus: 200, deliveredAt: new Date().toISOString(), attempt: 1 };
          },
        },
        request('openpayd', 'callback-per-status-change', { callbackUrl: CALLBACK_URL }),
        { status: 'failed', transitions: ['pending', 'needs_attention', 'failed'] },
        {
          drive: async (handle) => {
            await waitFor(handle, (s) => s.status === 'needs_attention' && s.callbacks?.[0]?.state === 'failed');
            await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'failed', note: 'credentials fixed; refund to be requested again', operator: OPS }] });
          },
        },
      );
    },
  },

  // The payment lock run -------------------------------------------------------------------------
  {
    name: 'payment-lock-probe-loop',
    description:
      'A paymentLock run whose holder did not release it (started by hand with a 2 s start delay instead of 1 hour): its delayed start fires while the holder (a Reservepay refund, pending) runs -> probe signal delivered -> 1-day timer -> the holder has been approved and closed meanwhile -> the probe fails -> the run ends. The holder\'s history shows the probe signal',
    run: async (ctx) => {
      const h = await ctx.refundWorker({
        submitRefund: async () => answered(RP_PENDING, SENT.reservepay),
        checkRefund: script([checked(RP_PENDING), checked(RP_PENDING), checked(RP_PENDING), checked(RP_PENDING), checked(RP_APPROVED)]),
      });
      const input = request('reservepay', 'payment-lock-probe-loop');
      return h.worker.runUntil(async () => {
        const holder = await startV2(h, input);
        await waitFor(holder, (s) => s.nextCheckAt !== undefined);
        const lock = await startLockRun(h, paymentLockIdFor(h.taskQueue, 'reservepay', paymentKey(parseRefundRequest(input))), { holder: holder.workflowId, provider: 'reservepay', account: { succeededMinor: 0, originalAmount: 100_000 } });
        await historyShows(lock, (e) => !!e.timerStartedEventAttributes, "the lock run's 1-day timer (after its first probe)");
        expectPath('payment-lock-probe-loop', await runToEnd(ctx.env, holder, HOUR), { status: 'approved', checks: 5, transitions: ['pending', 'pending', 'approved'] });
        await ctx.env.sleep(DAY + HOUR);
        const status = await closed(lock, 'the lock run');
        if (status !== 'COMPLETED') throw new Error(`lock run ended ${status}`);
        return [
          { part: 'lock', handle: lock },
          { part: 'holder', handle: holder },
        ];
      });
    },
  },

  // On a dev server: started as production starts refunds, the real activities and payment lock --
  {
    name: 'prod-reservepay-pending-then-approved',
    server: 'dev',
    description:
      'Started through RefundsClient.create (search attributes, memo, static summary) on a dev server, the real activities on a scripted Reservepay: submitRefund takes the payment lock (a paymentLock run, start delayed 1 hour) and answers pending -> check 1 (30 s, real time) succeeded -> approved: RefundStatus and RefundAmount upserted; the check released the lock (its run terminated before it ever ran: the -lock history)',
    run: async (ctx) => {
      const h = await ctx.refundWorker(
        realActivities({
          reservepay: {
            submit: async () => ({ kind: 'pending', reason: 'provider_processing', refundId: 'rfn_prod_1', providerStatus: 'pending' }),
            check: async () => ({ kind: 'final', status: 'approved', refundId: 'rfn_prod_1', providerStatus: 'succeeded', amountMinor: 12500 }),
          },
        }),
      );
      const refunds = new RefundsClient(plainClient(ctx.env), h.taskQueue);
      const input = request('reservepay', 'prod-reservepay-pending-then-approved', { payment: { paymentId: 'pay_prod_1' }, amount: 12500, originalAmount: 100_000, reason: 'one item returned' });
      return h.worker.runUntil(async () => {
        const { refund: created } = await refunds.create(input);
        const handle = plainClient(ctx.env).workflow.getHandle<typeof refund>(created.refundId);
        expectPath('prod-reservepay-pending-then-approved', await refunds.waitForFinal(created.refundId), { status: 'approved', checks: 1, transitions: ['pending', 'pending', 'approved'] });
        const lock = plainClient(ctx.env).workflow.getHandle(paymentLockIdFor(h.taskQueue, 'reservepay', 'pay_prod_1'));
        const lockStatus = await closed(lock, 'the lock run');
        if (lockStatus !== 'TERMINATED') throw new Error(`the lock run ended ${lockStatus}, expected TERMINATED by the check's release`);
        return [{ handle }, { part: 'lock', handle: lock }];
      });
    },
  },
  {
    name: 'prod-secpaid-approved-by-operator',
    server: 'dev',
    description:
      'Started through RefundsClient.create on a dev server, the real activities on a scripted SecPaid: submitted, awaiting the admin review -> RefundsClient.approve (approveRefund update) -> approved: RefundStatus and RefundAmount upserted by the update (SecPaid holds no payment lock: nothing to hand on)',
    run: async (ctx) => {
      const h = await ctx.refundWorker(realActivities({ secpaid: { submit: async () => SP_SUBMITTED } }));
      const refunds = new RefundsClient(plainClient(ctx.env), h.taskQueue);
      const input = request('secpaid', 'prod-secpaid-approved-by-operator', { payment: { payId: '42099' } });
      return h.worker.runUntil(async () => {
        const { refund: created } = await refunds.create(input);
        const handle = plainClient(ctx.env).workflow.getHandle<typeof refund>(created.refundId);
        await waitFor(handle, (s) => s.nextCheckAt !== undefined);
        await refunds.approve(created.refundId, { operator: OPS, note: 'approved in the SecPaid dashboard' });
        expectPath('prod-secpaid-approved-by-operator', await refunds.waitForFinal(created.refundId), { status: 'approved', checks: 0, transitions: ['pending', 'pending', 'approved'] });
        return [{ handle }];
      });
    },
  },
  {
    name: 'payment-lock-delayed-start',
    server: 'dev',
    description:
      "On a dev server, real activities: a Reservepay refund (started through RefundsClient) takes the payment lock and waits for its first check; its lock run is replaced by hand with one whose start is delayed 2 s (as if its holder had not released it): it fires while the holder runs -> probe signal delivered -> 1-day timer -> the holder's final check releases the lock (the run terminated) [lock-holder-running]; then a lock run against the closed holder: its delayed start fires -> the probe fails -> it ends [lock-holder-closed]; the holder's history shows the probe [holder]",
    run: async (ctx) => {
      const h = await ctx.refundWorker(
        realActivities({
          reservepay: {
            submit: async () => ({ kind: 'pending', reason: 'provider_processing', refundId: 'rfn_lock_1', providerStatus: 'pending' }),
            check: async () => ({ kind: 'final', status: 'approved', refundId: 'rfn_lock_1', providerStatus: 'succeeded', amountMinor: 3000 }),
          },
        }),
      );
      const client = plainClient(ctx.env);
      const refunds = new RefundsClient(client, h.taskQueue);
      const input = request('reservepay', 'payment-lock-delayed-start', { payment: { paymentId: 'pay_lock_1' }, amount: 3000, originalAmount: 10_000 });
      const lockId = paymentLockIdFor(h.taskQueue, 'reservepay', 'pay_lock_1');
      return h.worker.runUntil(async () => {
        const { refund: created } = await refunds.create(input);
        const holder = client.workflow.getHandle<typeof refund>(created.refundId);
        await waitFor(holder, (s) => s.nextCheckAt !== undefined && s.lock === 'held');
        // The lock run its submission started (start delayed 1 hour), replaced by one delayed 2 s.
        const dormant = client.workflow.getHandle(lockId);
        const desc = await dormant.describe();
        if (desc.type !== PAYMENT_LOCK_WORKFLOW_TYPE || desc.status.name !== 'RUNNING') throw new Error(`expected the refund's dormant lock run, got ${desc.type} ${desc.status.name}`);
        const memo = desc.memo as unknown as PaymentLockMemo;
        if (memo.holder !== created.refundId) throw new Error(`lock run held by ${memo.holder}`);
        await dormant.terminate('replay corpus: replaced by a run with a 2 s start delay');
        const running = await startLockRun(h, lockId, memo);
        await historyShows(running, (e) => !!e.timerStartedEventAttributes, "the lock run's 1-day timer (after its probe of the running holder)");
        expectPath('payment-lock-delayed-start', await refunds.waitForFinal(created.refundId), { status: 'approved', checks: 1, transitions: ['pending', 'pending', 'approved'] });
        const runningEnd = await closed(running, 'the lock run of the running holder');
        if (runningEnd !== 'TERMINATED') throw new Error(`the lock run ended ${runningEnd}, expected TERMINATED by the holder's release`);
        const closedHolder = await startLockRun(h, lockId, memo);
        const end = await closed(closedHolder, 'the lock run of the closed holder');
        if (end !== 'COMPLETED') throw new Error(`the lock run of a closed holder ended ${end}`);
        return [
          { part: 'holder', handle: holder },
          { part: 'lock-holder-running', handle: client.workflow.getHandle(lockId, running.firstExecutionRunId) },
          { part: 'lock-holder-closed', handle: client.workflow.getHandle(lockId, closedHolder.firstExecutionRunId) },
        ];
      });
    },
  },
  // Linked retry (13b): an attempt started with retryOf -------------------------------------------
  {
    name: 'prod-retry-after-decline',
    server: 'dev',
    description:
      'Linked retry on a dev server, real activities on a scripted Reservepay: a refund started through RefundsClient.create is declined at submission (NOT_REFUNDABLE, settledBy provider/declined) [original]; RefundsClient.retry starts its attempt <id>~retry-2 with the input retryOf (static summary "Retry 2: ..."), submitted under its own refund id, approved: RefundStatus and RefundAmount upserted [attempt]',
    run: async (ctx) => {
      let submissions = 0;
      const h = await ctx.refundWorker(
        realActivities({
          reservepay: {
            submit: async () =>
              ++submissions === 1
                ? { kind: 'final', status: 'rejected', refusal: 'declined', code: 'NOT_REFUNDABLE', message: 'Payment has not been billed yet' }
                : { kind: 'final', status: 'approved', refundId: 'rfn_retry_1', providerStatus: 'succeeded', amountMinor: 12500 },
          },
        }),
      );
      const client = plainClient(ctx.env);
      const refunds = new RefundsClient(client, h.taskQueue);
      const input = request('reservepay', 'prod-retry-after-decline', { payment: { paymentId: 'pay_retry_1' }, amount: 12500, originalAmount: 100_000 });
      return h.worker.runUntil(async () => {
        const { refund: created } = await refunds.create(input);
        expectPath('prod-retry-after-decline', await refunds.waitForFinal(created.refundId), { status: 'rejected', submitAttempts: 1, transitions: ['pending', 'rejected'] });
        const { refund: attempt } = await refunds.retry(created.refundId, { operator: OPS, note: 'billed now' });
        const final = await refunds.waitForFinal(attempt.refundId);
        expectPath('prod-retry-after-decline', final, { status: 'approved', submitAttempts: 1, transitions: ['pending', 'approved'] });
        if (final.retryOf?.refundId !== created.refundId || final.retryOf.attempt !== 2) throw new Error(`the attempt is not linked: ${JSON.stringify(final.retryOf)}`);
        return [
          { part: 'original', handle: client.workflow.getHandle(created.refundId) },
          { part: 'attempt', handle: client.workflow.getHandle(attempt.refundId) },
        ];
      });
    },
  },
  // Expected-by and overdue (13c): started with expectedBy, passed while waiting --------------------
  {
    name: 'overdue-marked-then-approved',
    description:
      "SecPaid started with expectedBy (secpaid:1h) and a callbackUrl: submitted, awaiting the admin review, the date moved to SecPaid's answer + 1 h; checks at +2, +6, +14, +30 min find nothing; at +60 min marked overdue once (a transition, still pending awaiting_admin_review; the refund.overdue callback delivered); check 5 (+62 min) finds nothing, check 6 (+126 min) the Refund entry -> approved (its callback delivered)",
    run: (ctx) =>
      oneRefund(
        ctx,
        'overdue-marked-then-approved',
        {
          submitRefund: async () => answered(SP_SUBMITTED, SENT.secpaid, false),
          checkRefund: script([SP_NO_ENTRY, SP_NO_ENTRY, SP_NO_ENTRY, SP_NO_ENTRY, SP_NO_ENTRY, SP_ENTRY]),
          deliverCallback: async () => ({ httpStatus: 204, deliveredAt: new Date().toISOString(), attempt: 1 }),
        },
        request('secpaid', 'overdue-marked-then-approved', { callbackUrl: CALLBACK_URL }),
        { status: 'approved', checks: 6, transitions: ['pending', 'pending', 'pending', 'approved'] },
        { stepMs: 10 * MINUTE, expectedBy: parseSpan('1h') },
      ),
  },
  {
    name: 'prod-secpaid-overdue-then-approved-by-operator',
    server: 'dev',
    description:
      "Started through RefundsClient.create with REFUNDS_EXPECTED_BY=secpaid:1s on a dev server (RefundExpectedBy set at start), the real activities on a scripted SecPaid: submitted, awaiting the admin review -> RefundExpectedBy upserted to SecPaid's answer + 1 s -> the overdue timer fires: marked overdue once (still pending) -> RefundsClient.approve -> approved, the first check's timer canceled",
    run: async (ctx) => {
      const h = await ctx.refundWorker(realActivities({ secpaid: { submit: async () => SP_SUBMITTED } }));
      const refunds = new RefundsClient(plainClient(ctx.env), h.taskQueue, parseExpectedByRules('secpaid:1s'));
      const input = request('secpaid', 'prod-secpaid-overdue-then-approved-by-operator', { payment: { payId: '42098' } });
      return h.worker.runUntil(async () => {
        const { refund: created } = await refunds.create(input);
        const handle = plainClient(ctx.env).workflow.getHandle<typeof refund>(created.refundId);
        await waitFor(handle, (s) => s.overdueAt !== undefined);
        await refunds.approve(created.refundId, { operator: OPS, note: 'approved in the SecPaid dashboard' });
        expectPath('prod-secpaid-overdue-then-approved-by-operator', await refunds.waitForFinal(created.refundId), { status: 'approved', checks: 0, transitions: ['pending', 'pending', 'pending', 'approved'] });
        return [{ handle }];
      });
    },
  },
  // Four-eyes approval (13a): started with approval in the input, waits before anything is sent --
  {
    name: 'prod-approval-granted',
    server: 'dev',
    description:
      'Four-eyes approval on a dev server, real activities on a scripted Reservepay: RefundsClient.create over the THB 100.00 threshold by alice (input approval, RefundApproval=awaiting at start) -> pending awaiting_approval, nothing sent; alice\'s own grantApproval refused by its validator (no event); bob\'s accepted -> RefundApproval upserted to granted, the deadline timer canceled -> submitted once, approved',
    run: async (ctx) => {
      const h = await ctx.refundWorker(realActivities({ reservepay: { submit: async () => RP_APPROVED } }));
      const refunds = new RefundsClient(plainClient(ctx.env), h.taskQueue);
      refunds.approval = { thresholds: [{ currency: 'THB', amountMinor: 10_000 }], timeoutMs: 72 * HOUR };
      return h.worker.runUntil(async () => {
        const { refund: created } = await refunds.create(request('reservepay', 'prod-approval-granted', { payment: { paymentId: 'pay_4e_1' } }), { requester: 'alice' });
        const handle = plainClient(ctx.env).workflow.getHandle<typeof refund>(created.refundId);
        await waitFor(handle, (s) => s.pendingReason === 'awaiting_approval');
        const self = await refunds.grantApproval(created.refundId, { approver: 'alice' }).then(() => undefined, (err: unknown) => err);
        if (!self) throw new Error('prod-approval-granted: the requester approved her own refund');
        await refunds.grantApproval(created.refundId, { approver: 'bob', note: 'checked the order' });
        expectPath('prod-approval-granted', await refunds.waitForFinal(created.refundId), { status: 'approved', submitAttempts: 1, transitions: ['pending', 'pending', 'approved'] });
        return [{ handle }];
      });
    },
  },
  {
    name: 'prod-approval-refused',
    server: 'dev',
    description: 'Four-eyes approval on a dev server through RefundsClient.create (requester alice): bob refuses it -> RefundApproval upserted to refused, RefundStatus to canceled, the deadline timer canceled, nothing submitted',
    run: async (ctx) => {
      const h = await ctx.refundWorker(realActivities({}));
      const refunds = new RefundsClient(plainClient(ctx.env), h.taskQueue);
      refunds.approval = { thresholds: [{ currency: 'THB', amountMinor: 10_000 }], timeoutMs: 72 * HOUR };
      return h.worker.runUntil(async () => {
        const { refund: created } = await refunds.create(request('reservepay', 'prod-approval-refused', { payment: { paymentId: 'pay_4e_2' } }), { requester: 'alice' });
        await refunds.refuseApproval(created.refundId, { approver: 'bob', reason: 'duplicate of another refund' });
        expectPath('prod-approval-refused', await refunds.waitForFinal(created.refundId), { status: 'canceled', submitAttempts: 0, transitions: ['pending', 'canceled'] });
        return [{ handle: plainClient(ctx.env).workflow.getHandle(created.refundId) }];
      });
    },
  },
  {
    name: 'approval-expired',
    description: 'Reservepay started with approval (requester alice, 72 h): nobody decides; the deadline timer fires -> canceled, saying so; nothing submitted',
    run: (ctx) => oneGated(ctx, 'approval-expired', { status: 'canceled', submitAttempts: 0, transitions: ['pending', 'canceled'] }),
  },
  {
    name: 'approval-canceled-while-awaiting',
    description: 'Reservepay started with approval (requester alice): cancelRefund while it awaits the decision -> canceled, the deadline timer canceled; nothing submitted',
    run: (ctx) =>
      oneGated(ctx, 'approval-canceled-while-awaiting', { status: 'canceled', submitAttempts: 0, transitions: ['pending', 'canceled'] }, async (handle) => {
        await waitFor(handle, (s) => s.pendingReason === 'awaiting_approval');
        await handle.executeUpdate(cancelRefundUpdate, { args: [{ operator: OPS, note: 'customer withdrew the request' }] });
      }),
  },
];

/** A Reservepay refund started with four-eyes approval (requester alice, THB 100.00, 72 h) on the time-skipping server, no activity expected. */
async function oneGated(ctx: ScenarioContext, scenario: string, want: Parameters<typeof expectPath>[2], drive?: (handle: RefundHandle) => Promise<void>): Promise<Output[]> {
  const h = await ctx.refundWorker({});
  const req = parseRefundRequest(request('reservepay', scenario));
  const approval: ApprovalInput = { requester: 'alice', threshold: { currency: 'THB', amountMinor: 10_000 }, timeoutMs: 72 * HOUR };
  return h.worker.runUntil(async () => {
    const handle = await plainClient(h.env).workflow.start(refund, { taskQueue: h.taskQueue, workflowId: refundIdFor(req.idempotencyKey), args: [{ request: req, approval }] });
    await drive?.(handle);
    expectPath(scenario, await runToEnd(ctx.env, handle), want);
    return [{ handle }];
  });
}

export const V2: Scenario[] = V2_SCENARIOS.map((s) => ({ ...s, version: 'v2' as const }));
