/**
 * Operator actions (updates with validators) and cross-cutting behaviour of the refund workflow:
 * who may approve/reject/cancel/resolve when, what the refusal looks like down the failure chain,
 * the getRefund query, request validation inside the workflow, unexpected failures.
 */
import { WithStartWorkflowOperation, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRefundRequest, refundIdFor, type RefundRequest, type RefundRequestInput } from '../../domain/refund.js';
import { SECPAID_REVIEW, SYNC_FOLLOW_UP } from '../../domain/schedule.js';
import { refundWorkflow } from '../../workflows/index.js';
import { approveRefundUpdate, cancelRefundUpdate, getRefundQuery, rejectRefundUpdate, resolveRefundUpdate } from '../../workflows/messages.js';
import {
  CallLog,
  createTimeSkippingEnv,
  expectUpdateRefused,
  finish,
  gate,
  getRefund,
  acceptedUpdates,
  HOUR,
  newWorker,
  plainClient,
  providerFailure,
  stillPending,
  terminateIfRunning,
  waitFor,
  waitForState,
  withRefund,
  type FakeActivities,
  type RefundHandle,
  type RefundState,
} from '../helpers/time-skipping.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

let seq = 0;
const key = (p: string) => `${p}-${Date.now()}-${++seq}`;
const secpaid = (): RefundRequestInput => ({ idempotencyKey: key('op-sp'), provider: 'secpaid', payment: { payId: '42011' }, amount: 2500, currency: 'EUR' });
const openpayd = (): RefundRequestInput => ({ idempotencyKey: key('op-op'), provider: 'openpayd', payment: { transactionId: 'tx_1', referenceNo: 'ref-1' }, amount: 'full', currency: 'EUR' });
const linkmoney = (): RefundRequestInput => ({ idempotencyKey: key('op-lm'), provider: 'linkmoney', payment: { paymentId: 'pay_lm' }, amount: 1999, currency: 'USD' });
const reservepay = (): RefundRequestInput => ({ idempotencyKey: key('op-rp'), provider: 'reservepay', payment: { paymentId: 'pay_rp' }, amount: 15000, currency: 'THB' });
const steps = (s: RefundState) => s.transitions.map((t) => [t.status, t.pendingReason ?? null]);
const NOT_ALLOWED = 'OperatorActionNotAllowed';
const INVALID = 'InvalidOperatorInput';

/** Fakes that leave each provider's refund pending and waiting (polling or a timer). */
const waitingFakes: Record<'secpaid' | 'openpayd' | 'linkmoney' | 'reservepay', () => FakeActivities> = {
  secpaid: () => ({
    secpaidSubmitRefund: async () => ({ outcome: 'submitted', message: 'Refund request submitted successfully' }),
    secpaidAwaitRefund: async () => {
      throw stillPending();
    },
  }),
  openpayd: () => ({
    openpaydGetStatus: async () => ({ paymentStatus: 'APPROVED', refundedAmountMinor: 0, refunds: [] }),
    openpaydSubmitRefund: async () => ({ outcome: 'pending', code: '283', providerStatus: 'PENDING', message: 'Waiting' }),
    openpaydAwaitRefund: async () => {
      throw stillPending();
    },
  }),
  linkmoney: () => ({
    linkmoneySubmitRefund: async () => ({ outcome: 'accepted', refundPaymentId: 'lm_rf_1', status: 'pending', providerStatus: 'PENDING' }),
    linkmoneyGetRefundStatus: async () => ({ refundPaymentId: 'lm_rf_1', status: 'pending', providerStatus: 'PENDING' }),
  }),
  reservepay: () => ({
    reservepayListRefunds: async () => [],
    reservepaySubmitRefund: async () => ({ outcome: 'created', refundId: 'rfn_1' }),
    reservepayFindRefund: async () => ({ refundId: 'rfn_1', paymentId: 'pay_rp', status: 'pending', providerStatus: 'pending', amountMinor: 15000, currency: 'THB', createdAt: 'x', refundedAt: null, full: false }),
    reservepayAwaitRefund: async () => {
      throw stillPending();
    },
  }),
};
const isWaiting = (s: RefundState) => s.status === 'pending' && s.pendingReason !== 'submitting' && (s.polling !== undefined || s.nextCheckAt !== undefined);

describe('approve / reject: SecPaid review outcomes only', () => {
  it.each([
    { provider: 'openpayd', name: 'OpenPayd', request: openpayd },
    { provider: 'linkmoney', name: 'Link Money', request: linkmoney },
    { provider: 'reservepay', name: 'Reservepay', request: reservepay },
  ] as const)('refused for a $name refund (OperatorActionNotAllowed), state untouched', async ({ provider, name, request }) => {
    const h = await newWorker(env, waitingFakes[provider]());
    await withRefund(h, request(), async (handle) => {
      const before = await waitForState(handle, isWaiting);
      const approve = await expectUpdateRefused(handle.executeUpdate(approveRefundUpdate, { args: [{ operator: 'ops' }] }), NOT_ALLOWED);
      expect(approve.message).toBe(`approve records SecPaid's admin review; this is a ${name} refund`);
      expect(approve.nonRetryable).toBe(true);
      const reject = await expectUpdateRefused(handle.executeUpdate(rejectRefundUpdate, { args: [{ operator: 'ops', reason: 'no' }] }), NOT_ALLOWED);
      expect(reject.message).toBe(`reject records SecPaid's admin review; this is a ${name} refund`);
      const after = await getRefund(handle);
      expect(after.status).toBe('pending');
      expect(after.transitions).toEqual(before.transitions);
      // A refused update is never accepted: no UpdateAccepted event in the history.
      expect(await acceptedUpdates(handle)).toEqual([]);
    });
  });

  it('SecPaid awaiting review: bad inputs and wrong actions are refused; then approve is accepted', async () => {
    const h = await newWorker(env, waitingFakes.secpaid());
    await withRefund(h, secpaid(), async (handle) => {
      await waitForState(handle, isWaiting);
      // reject without a reason
      await expectUpdateRefused(handle.executeUpdate(rejectRefundUpdate, { args: [{ operator: 'ops' } as never] }), INVALID, /^reason is required$/);
      await expectUpdateRefused(handle.executeUpdate(rejectRefundUpdate, { args: [{ reason: '   ' }] }), INVALID, /^reason is required$/);
      await expectUpdateRefused(handle.executeUpdate(rejectRefundUpdate, { args: [{ reason: 'x'.repeat(501) }] }), INVALID, /^reason is at most 500 characters$/);
      await expectUpdateRefused(handle.executeUpdate(approveRefundUpdate, { args: [{ operator: 'o'.repeat(201) }] }), INVALID, /^operator must be a string of at most 200 characters$/);
      // cancel after submission
      await expectUpdateRefused(handle.executeUpdate(cancelRefundUpdate, { args: [{ operator: 'ops' }] }), NOT_ALLOWED, /^only a refund not yet submitted can be canceled; this one is pending and was submitted$/);
      // resolve outside needs_attention
      await expectUpdateRefused(handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'approved', note: 'n' }] }), NOT_ALLOWED, /^only a refund in needs_attention can be resolved; this one is pending$/);
      expect(await acceptedUpdates(handle)).toEqual([]);
      expect((await getRefund(handle)).status).toBe('pending');

      const approved = await handle.executeUpdate(approveRefundUpdate, { args: [{}] });
      expect(approved.status).toBe('approved');
      expect(approved.transitions.at(-1)?.cause).toBe('operator approve: SecPaid review approved');
      expect(approved.resolvedBy).toBeUndefined();
      expect(await acceptedUpdates(handle)).toEqual(['approveRefund']);
      const final = await finish(env, handle);
      expect(steps(final)).toEqual([['pending', 'submitting'], ['pending', 'awaiting_admin_review'], ['approved', null]]);
    });
  });

  it('refused once the refund is final (rejected while the submission was still in flight)', async () => {
    const log = new CallLog(env);
    const held = gate();
    const h = await newWorker(env, log.record({
      secpaidSubmitRefund: async () => {
        await held.promise;
        return { outcome: 'submitted', message: 'Refund request submitted successfully' };
      },
    }));
    try {
      await withRefund(h, secpaid(), async (handle) => {
        await waitFor(() => log.of('secpaidSubmitRefund').length === 1, 'the submission');
        const rejected = await handle.executeUpdate(rejectRefundUpdate, { args: [{ operator: 'ops', reason: 'customer withdrew the request' }] });
        expect(rejected.status).toBe('rejected');
        // Final, but the workflow is still open (the submission is in flight): every action is refused.
        await expectUpdateRefused(handle.executeUpdate(approveRefundUpdate, { args: [{}] }), NOT_ALLOWED, /^the refund is already rejected$/);
        await expectUpdateRefused(handle.executeUpdate(rejectRefundUpdate, { args: [{ reason: 'again' }] }), NOT_ALLOWED, /^the refund is already rejected$/);
        await expectUpdateRefused(handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'approved', note: 'n' }] }), NOT_ALLOWED, /this one is rejected$/);
        await expectUpdateRefused(handle.executeUpdate(cancelRefundUpdate, { args: [{}] }), NOT_ALLOWED, /this one is rejected and was submitted$/);
        held.open();
        const final = await finish(env, handle);
        // SecPaid's late "submitted" changes nothing and starts no poll.
        expect(steps(final)).toEqual([['pending', 'submitting'], ['rejected', null]]);
        expect(final.polling).toBeUndefined();
        expect(log.names()).toEqual(['secpaidSubmitRefund']);
      });
    } finally {
      held.open();
    }
  });
});

describe('cancel: only before submission', () => {
  /** Start a SecPaid refund with an update delivered in its very first workflow task; `check` runs with the worker up. */
  async function withStartUpdate(
    log: CallLog,
    send: (op: WithStartWorkflowOperation<typeof refundWorkflow>) => Promise<RefundState>,
    check: (outcome: { value?: RefundState; error?: unknown }, handle: RefundHandle) => Promise<void>,
  ): Promise<void> {
    const h = await newWorker(env, log.record(waitingFakes.secpaid()));
    const request = parseRefundRequest(secpaid());
    const op = new WithStartWorkflowOperation(refundWorkflow, {
      workflowId: refundIdFor(request.idempotencyKey),
      taskQueue: h.taskQueue,
      args: [{ request }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    await h.worker.runUntil(async () => {
      const outcome = await send(op).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      const handle = await op.workflowHandle();
      try {
        await check(outcome, handle);
      } finally {
        await terminateIfRunning(handle);
      }
    });
  }

  it('cancel sent with the start (executeUpdateWithStart): canceled before anything is submitted', async () => {
    const log = new CallLog(env);
    await withStartUpdate(
      log,
      (op) => plainClient(env).workflow.executeUpdateWithStart(cancelRefundUpdate, { args: [{ operator: 'ops', note: 'duplicate request' }], startWorkflowOperation: op }),
      async (outcome, handle) => {
        expect(outcome.error).toBeUndefined();
        expect(outcome.value?.status).toBe('canceled');
        const final = await finish(env, handle);
        expect(steps(final)).toEqual([['pending', 'submitting'], ['canceled', null]]);
        expect(final.transitions[1]?.cause).toBe('operator ops cancel: duplicate request');
        expect(final.submitAttempts).toBe(0);
        expect(log.calls).toHaveLength(0);
      },
    );
  });

  it.each([
    { name: 'approve', send: (op: WithStartWorkflowOperation<typeof refundWorkflow>) => plainClient(env).workflow.executeUpdateWithStart(approveRefundUpdate, { args: [{ operator: 'ops' }], startWorkflowOperation: op }) },
    { name: 'reject', send: (op: WithStartWorkflowOperation<typeof refundWorkflow>) => plainClient(env).workflow.executeUpdateWithStart(rejectRefundUpdate, { args: [{ reason: 'r' }], startWorkflowOperation: op }) },
  ])('$name sent with the start is refused: the refund has not been submitted to SecPaid yet', async ({ send }) => {
    const log = new CallLog(env);
    await withStartUpdate(log, send, async (outcome, handle) => {
      await expectUpdateRefused(Promise.reject(outcome.error), NOT_ALLOWED, /^the refund has not been submitted to SecPaid yet$/);
      // The refund goes on as if nothing had been asked: submitted, then awaiting review.
      const s = await waitForState(handle, isWaiting);
      expect(steps(s)).toEqual([['pending', 'submitting'], ['pending', 'awaiting_admin_review']]);
      expect(log.of('secpaidSubmitRefund')).toHaveLength(1);
    });
  });
});

describe('resolve: only from needs_attention, with the provider-appropriate outcome', () => {
  const attentionFakes = {
    openpayd: (): FakeActivities => ({
      openpaydGetStatus: async () => ({ paymentStatus: 'APPROVED', refundedAmountMinor: 0, refunds: [] }),
      openpaydSubmitRefund: async () => ({ outcome: 'declined', code: '32', providerStatus: 'DECLINED', message: 'Already refunded' }),
    }),
    linkmoney: (): FakeActivities => ({ linkmoneySubmitRefund: async () => ({ outcome: 'duplicate_request_key' }) }),
  };

  it.each([
    { provider: 'openpayd', request: openpayd, input: { status: 'authorized', note: 'n' }, type: INVALID, message: /^a OpenPayd refund succeeds as approved, not authorized$/ },
    { provider: 'linkmoney', request: linkmoney, input: { status: 'approved', note: 'n' }, type: INVALID, message: /^a Link Money refund succeeds as authorized, not approved$/ },
    { provider: 'openpayd', request: openpayd, input: { status: 'approved' }, type: INVALID, message: /^note is required$/ },
    { provider: 'openpayd', request: openpayd, input: { status: 'approved', note: '  ' }, type: INVALID, message: /^note is required$/ },
    { provider: 'openpayd', request: openpayd, input: { status: 'done', note: 'n' }, type: INVALID, message: /^status must be one of approved, authorized, rejected, failed, canceled$/ },
    { provider: 'openpayd', request: openpayd, input: { status: 'pending', note: 'n' }, type: INVALID, message: /^status must be one of/ },
  ] as const)('$provider resolve $input.status (note: $input.note) -> $type', async ({ provider, request, input, type, message }) => {
    const h = await newWorker(env, attentionFakes[provider]());
    await withRefund(h, request(), async (handle) => {
      const s = await waitForState(handle, (x) => x.status === 'needs_attention');
      await expectUpdateRefused(handle.executeUpdate(resolveRefundUpdate, { args: [input as never] }), type, message);
      expect((await getRefund(handle)).transitions).toEqual(s.transitions);
    });
  });

  it.each([
    { provider: 'openpayd', request: openpayd, status: 'approved' },
    { provider: 'openpayd', request: openpayd, status: 'rejected' },
    { provider: 'linkmoney', request: linkmoney, status: 'authorized' },
    { provider: 'linkmoney', request: linkmoney, status: 'failed' },
    { provider: 'linkmoney', request: linkmoney, status: 'canceled' },
  ] as const)('$provider resolved as $status: final, with the note as cause and the operator kept', async ({ provider, request, status }) => {
    const h = await newWorker(env, attentionFakes[provider]());
    await withRefund(h, request(), async (handle) => {
      await waitForState(handle, (x) => x.status === 'needs_attention');
      const resolved = await handle.executeUpdate(resolveRefundUpdate, { args: [{ status, note: 'checked with the provider', operator: 'alice@example.com' }] });
      expect(resolved.status).toBe(status);
      expect(resolved.attention).toBeUndefined();
      expect(resolved.resolvedBy).toBe('alice@example.com');
      const final = await finish(env, handle);
      expect(steps(final)).toEqual([['pending', 'submitting'], ['needs_attention', null], [status, null]]);
      expect(final.transitions[2]?.cause).toBe('operator alice@example.com resolve: checked with the provider');
      // The workflow has completed: the server refuses any further update.
      await expect(handle.executeUpdate(resolveRefundUpdate, { args: [{ status, note: 'again' }] })).rejects.toThrow();
    });
  });
});

describe('getRefund query: the whole state', () => {
  it('while SecPaid is polling, and after the operator approved', async () => {
    const h = await newWorker(env, waitingFakes.secpaid());
    await withRefund(h, secpaid(), async (handle) => {
      const t0 = await env.currentTimeMs();
      const s = await waitForState(handle, isWaiting);
      await env.sleep(HOUR);
      const q = await handle.query(getRefundQuery);
      expect(q.refundId).toBe(handle.workflowId);
      expect(q.request).toEqual({ provider: 'secpaid', payment: { payId: '42011' }, idempotencyKey: q.request.idempotencyKey, amount: 2500, currency: 'EUR' });
      expect(q.status).toBe('pending');
      expect(q.pendingReason).toBe('awaiting_admin_review');
      expect(q.submitAttempts).toBe(1);
      expect(q.provider).toEqual({ status: 'Pending', message: 'Refund request submitted successfully' });
      expect(q.polling).toEqual({ since: s.transitions[1]!.at, schedule: SECPAID_REVIEW, what: 'getPayInTransactions for the negative Refund entry' });
      expect(q.transitions.map((t) => t.cause)).toEqual(['refund requested', 'submitted to SecPaid']);
      expect(q.transitions[1]?.providerMessage).toBe('Refund request submitted successfully');
      // Times are workflow (server) times, in order, and `since` is the last transition's.
      const times = q.transitions.map((t) => Date.parse(t.at));
      expect(Math.abs(times[0]! - t0)).toBeLessThan(5_000);
      expect(times[1]!).toBeGreaterThanOrEqual(times[0]!);
      expect(q.createdAt).toBe(q.transitions[0]!.at);
      expect(q.since).toBe(q.transitions[1]!.at);
      expect(Date.parse(q.updatedAt)).toBeGreaterThanOrEqual(times[1]!);

      await handle.executeUpdate(approveRefundUpdate, { args: [{ operator: 'bob', note: 'dashboard' }] });
      const done = await finish(env, handle);
      const after = done.transitions.at(-1)!;
      expect(after).toMatchObject({ status: 'approved', cause: 'operator bob approve: SecPaid review approved (dashboard)' });
      expect(Date.parse(after.at) - t0).toBeGreaterThanOrEqual(HOUR);
      expect(done.polling).toBeUndefined();
      expect(done.resolvedBy).toBe('bob');
    });
  });

  it('keeps provider codes in the transitions and shows the follow-up schedule (OpenPayd 283)', async () => {
    const h = await newWorker(env, waitingFakes.openpayd());
    await withRefund(h, openpayd(), async (handle) => {
      const q = await waitForState(handle, isWaiting);
      expect(q.transitions[1]).toMatchObject({ status: 'pending', pendingReason: 'provider_processing', cause: 'OpenPayd PENDING 283 Waiting', providerCode: '283', providerMessage: 'Waiting' });
      expect(q.provider).toEqual({ status: 'PENDING', code: '283', message: 'Waiting' });
      expect(q.polling?.schedule).toEqual(SYNC_FOLLOW_UP);
      expect(q.nextCheckAt).toBeUndefined();
    });
  });

  it('shows the next check time while Link Money waits on a timer', async () => {
    const h = await newWorker(env, waitingFakes.linkmoney());
    await withRefund(h, linkmoney(), async (handle) => {
      const q = await waitForState(handle, isWaiting);
      expect(q.pendingReason).toBe('settlement_hold');
      expect(q.nextCheckAt).toMatch(/T00:05:00\.000Z$/);
      expect(q.polling).toBeUndefined();
      expect(q.provider).toEqual({ refundId: 'lm_rf_1', status: 'PENDING' });
    });
  });
});

describe('cross-cutting', () => {
  it('an invalid request fails the workflow: WorkflowFailedError -> ApplicationFailure InvalidRefundRequest (non-retryable, issues in details)', async () => {
    const h = await newWorker(env, {});
    const bad = { idempotencyKey: key('bad'), provider: 'secpaid', payment: { payId: 'not-numeric' }, amount: 0, currency: 'EUR' } as unknown as RefundRequest;
    const err = await h.worker.runUntil(async () => {
      const handle = await plainClient(env).workflow.start(refundWorkflow, { taskQueue: h.taskQueue, workflowId: `refund-${bad.idempotencyKey}`, args: [{ request: bad }] });
      return handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
    });
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    const app = cause as ApplicationFailure;
    expect(app.type).toBe('InvalidRefundRequest');
    expect(app.nonRetryable).toBe(true);
    const issues = app.details?.[0] as { path: string; message: string }[];
    // The workflow's own guard (domain/refund-request.ts), not the schema: what it cannot run.
    expect(issues).toEqual([{ path: 'amount', message: 'amount must be a positive integer number of minor units, or "full"' }]);
  });

  it('an unexpected failure before submission -> needs_attention (never dropped), then resolvable', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({
      reservepayListRefunds: async () => {
        throw providerFailure('ProviderAuth', 'UNAUTHORIZED: bad key');
      },
    }));
    await withRefund(h, reservepay(), async (handle) => {
      const s = await waitForState(handle, (x) => x.status === 'needs_attention');
      expect(steps(s)).toEqual([['pending', 'submitting'], ['needs_attention', null]]);
      expect(s.attention).toBe('unexpected ProviderAuth: UNAUTHORIZED: bad key');
      expect(s.submitAttempts).toBe(0);
      expect(log.names()).toEqual(['reservepayListRefunds']);
      // Never submitted, but no longer pending: cancel is refused, resolve settles it.
      await expectUpdateRefused(handle.executeUpdate(cancelRefundUpdate, { args: [{}] }), NOT_ALLOWED, /this one is needs_attention$/);
      const resolved = await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'canceled', note: 'key rotated; customer refunded by hand' }] });
      expect(resolved.status).toBe('canceled');
      expect((await finish(env, handle)).status).toBe('canceled');
    });
  });
});
