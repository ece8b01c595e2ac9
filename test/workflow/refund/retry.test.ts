/**
 * Linked retry (13b) on the time-skipping server:
 *  - a Reservepay refund declined (not billed yet), retried through RefundsClient.retry once the
 *    payment is billed: exactly one successful provider refund in the end, sent under the
 *    attempt's own refund id (fresh provider keys); a second retry of the same refund returns the
 *    same attempt and sends nothing; the original shows retriedBy, the attempt retryOf (state,
 *    first transition, current details); the succeeded attempt cannot be retried; a later "full"
 *    refund of the payment gets what is left after the one success (the payment lock's account:
 *    the declined attempt added nothing);
 *  - what the workflow records as settledBy on each final path, and what the rule says of it.
 * The real activities (activities/refunds.ts: amount rule, payment lock calls) run on an
 * in-memory Reservepay and lock; the time-skipping server knows no custom search attributes, so
 * the client's starts go out without them (an interceptor drops them).
 */
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderAdapter } from '../../../activities/adapter.js';
import type { CallContext } from '../../../activities/context.js';
import type { PaymentLocks } from '../../../activities/payment-lock.js';
import { createRefundActivities, type Adapters } from '../../../activities/refunds.js';
import { requestKeyFor } from '../../../activities/linkmoney/transformers.js';
import { RefundActionRejectedError } from '../../../client/errors.js';
import { RefundsClient } from '../../../client/refunds-client.js';
import type { PaymentAccount } from '../../../domain/amount.js';
import type { RefundOutcome } from '../../../domain/outcome.js';
import { retryVerdict } from '../../../domain/retry.js';
import type { RefundState, Settlement } from '../../../domain/state.js';
import { isFinalStatus, isSucceeded } from '../../../domain/status.js';
import { resolveRefundUpdate } from '../../../workflows/messages.js';
import {
  ambiguous,
  answered,
  checked,
  currentDetails,
  expectClockFree,
  failure,
  finishRefund,
  newRefundWorkerCached,
  requestFor,
  script,
  waitForRefund,
  withSettledRefund,
  type FakeRefundActivities,
  type NewRefundHandle,
} from '../../helpers/refund-harness.js';
import { createTimeSkippingEnv } from '../../helpers/time-skipping.js';

let env: TestWorkflowEnvironment;
let client: Client;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
  // The time-skipping server has no RefundStatus & co.: starts go out without search attributes.
  const dropSearchAttributes: WorkflowClientInterceptor = {
    async start(input, next) {
      const { typedSearchAttributes: _t, searchAttributes: _s, ...options } = input.options;
      return next({ ...input, options });
    },
  };
  client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default', interceptors: { workflow: [dropSearchAttributes] } });
});
afterEach(() => expectClockFree(env));
afterAll(async () => {
  await env?.teardown();
});

/** An in-memory Reservepay payment: NOT_REFUNDABLE until billed, then refunds up to what is left. */
function reservepay(amount: number) {
  const state = { billed: false, refunds: [] as { id: string; ours: string; amount: number; status: 'succeeded' }[], submissions: [] as { refundId: string; sendMinor: number | undefined }[] };
  const adapter: ProviderAdapter<'reservepay'> = {
    async submit(_ctx, { refundId, amount: sent }) {
      state.submissions.push({ refundId, sendMinor: sent.sendMinor });
      if (!state.billed) return { kind: 'final', status: 'rejected', refusal: 'declined', code: 'NOT_REFUNDABLE', message: 'Payment has not been billed yet' };
      const left = amount - state.refunds.reduce((s, r) => s + r.amount, 0);
      const take = sent.sendMinor ?? left;
      if (take > left) return { kind: 'final', status: 'rejected', refusal: 'declined', code: 'AMOUNT_EXCEEDS_LIMIT', message: 'over the remaining amount' };
      const r = { id: `rfn_${state.refunds.length + 1}`, ours: refundId, amount: take, status: 'succeeded' as const };
      state.refunds.push(r);
      return { kind: 'final', status: 'approved', refundId: r.id, providerStatus: 'succeeded', amountMinor: r.amount };
    },
    lookUp: async () => {
      throw new Error('no look-up expected');
    },
    check: async () => {
      throw new Error('no check expected');
    },
  };
  return { state, adapter };
}

/** The payment lock's accounting in memory: the next holder adds what a final previous holder returned. */
function memoryLocks(refunds: RefundsClient): PaymentLocks {
  const held = new Map<string, { holder: string; account: PaymentAccount; open: boolean }>();
  return {
    async acquire(req) {
      const key = `${req.scope}|${req.provider}|${req.paymentKey}`;
      const cur = held.get(key);
      if (cur?.holder === req.refundId) return { kind: 'held', account: cur.account };
      let account: PaymentAccount = { succeededMinor: 0 };
      if (cur) {
        const prev = await refunds.get(cur.holder);
        if (cur.open && !isFinalStatus(prev.status)) return { kind: 'busy', holder: cur.holder };
        account = { ...cur.account, succeededMinor: cur.account.succeededMinor + (isSucceeded(prev.status) ? (prev.provider.amountMinor ?? 0) : 0) };
      }
      const originalAmount = account.originalAmount ?? req.originalAmount;
      if (originalAmount !== undefined) account = { ...account, originalAmount };
      held.set(key, { holder: req.refundId, account, open: true });
      return { kind: 'held', account };
    },
    async release(req) {
      const cur = [...held.values()].find((l) => l.holder === req.refundId);
      if (cur) cur.open = false;
    },
  };
}

const unexpected = () => async () => {
  throw new Error('unexpected provider');
};

/** A worker with the real refund activities on an in-memory Reservepay payment and lock, and a RefundsClient on its task queue. */
async function reservepayWorker(amount: number) {
  const pay = reservepay(amount);
  const adapters = { secpaid: unexpected(), linkmoney: unexpected(), openpayd: unexpected(), reservepay: pay.adapter } as unknown as Adapters;
  const box: { refunds?: RefundsClient } = {};
  const acts = createRefundActivities({
    adapters,
    edge: (_p, _op, fn) => fn({} as CallContext),
    locks: memoryLocks({ get: (id: string) => box.refunds!.get(id) } as RefundsClient),
    others: { providerRefundIds: async () => [] },
  });
  const h = await newRefundWorkerCached(env, acts as unknown as FakeRefundActivities);
  const refunds = (box.refunds = new RefundsClient(client, h.taskQueue));
  return { pay, h, refunds };
}

describe('linked retry', { timeout: 180_000 }, () => {
  it('declined, then retried once billed: one successful provider refund, under the attempt id; a repeat returns the same attempt; the account counts the success once', async () => {
    const { pay, h, refunds } = await reservepayWorker(100_000);
    const input = requestFor('reservepay', { payment: { paymentId: 'pay_retry_1' }, amount: 25_050, originalAmount: 100_000 });

    await h.worker.runUntil(async () => {
      const { refund: first } = await refunds.create(input);
      const declined = await refunds.waitForFinal(first.refundId);
      expect(declined).toMatchObject({ status: 'rejected', provider: { code: 'NOT_REFUNDABLE' }, settledBy: { by: 'provider', refusal: 'declined', lostAnswers: 0 } });
      expect((await refunds.get(first.refundId)).retriedBy).toBeUndefined();

      pay.state.billed = true;
      const { refund: started, created } = await refunds.retry(first.refundId, { operator: 'ops@example.com', note: 'billed now' });
      const attemptId = `${first.refundId}~retry-2`;
      expect(created).toBe(true);
      expect(started).toMatchObject({ refundId: attemptId, status: 'pending', retryOf: { refundId: first.refundId, attempt: 2, requestedBy: 'ops@example.com', note: 'billed now' } });
      const attempt = await refunds.waitForFinal(attemptId);
      expect(attempt).toMatchObject({ refundId: attemptId, status: 'approved', request: declined.request, provider: { refundId: 'rfn_1', amountMinor: 25_050 } });
      expect(attempt.retryOf).toEqual({ refundId: first.refundId, attempt: 2, proof: 'Reservepay declined it: nothing was paid', requestedBy: 'ops@example.com', note: 'billed now' });
      expect(attempt.transitions[0]!.cause).toBe(`retry (attempt 2) of ${first.refundId} requested by ops@example.com: Reservepay declined it: nothing was paid (billed now)`);
      expect(await currentDetails(client.workflow.getHandle(attemptId) as NewRefundHandle)).toContain(`- Retry (attempt 2) of \`${first.refundId}\`: Reservepay declined it: nothing was paid; requested by ops@example.com`);

      // Exactly one refund paid, sent by the attempt: its own refund id, so its own provider keys.
      expect(pay.state.refunds).toEqual([{ id: 'rfn_1', ours: attemptId, amount: 25_050, status: 'succeeded' }]);
      expect(pay.state.submissions.map((s) => s.refundId)).toEqual([first.refundId, attemptId]);
      expect(requestKeyFor(attemptId)).not.toBe(requestKeyFor(first.refundId));

      // The same retry again: the same attempt, nothing sent; each side shows the link.
      const again = await refunds.retry(first.refundId, { operator: 'someone-else' });
      expect(again.created).toBe(false);
      expect(again.refund).toMatchObject({ refundId: attemptId, status: 'approved', retryOf: { requestedBy: 'ops@example.com' } });
      expect((await refunds.get(first.refundId)).retriedBy).toBe(attemptId);
      expect(pay.state.submissions).toHaveLength(2);
      // A succeeded attempt is not retried.
      const refused = await refunds.retry(attemptId).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RefundActionRejectedError);
      expect((refused as RefundActionRejectedError).reason).toBe('the refund succeeded (approved): a retry would pay twice');

      // A later full refund of the payment is what is left after the one success (the declined one added nothing).
      const { refund: rest } = await refunds.create(requestFor('reservepay', { payment: { paymentId: 'pay_retry_1' }, amount: 'full', originalAmount: 100_000 }));
      expect(await refunds.waitForFinal(rest.refundId)).toMatchObject({ status: 'approved', sent: { full: false, sendMinor: 74_950 } });
      expect(pay.state.refunds.map((r) => r.amount)).toEqual([25_050, 74_950]);
    });
  });

  it('an attempt whose amount reaches a four-eyes threshold awaits approval again, requested by whoever retried', async () => {
    const { pay, h, refunds } = await reservepayWorker(100_000);
    refunds.approval = { thresholds: [], timeoutMs: 72 * 3_600_000 };
    await h.worker.runUntil(async () => {
      const { refund: first } = await refunds.create(requestFor('reservepay', { payment: { paymentId: 'pay_retry_2' }, amount: 25_050 }));
      expect(await refunds.waitForFinal(first.refundId)).toMatchObject({ status: 'rejected' });
      // The threshold comes into force before the retry (as a deploy could bring it): the attempt must be approved.
      refunds.approval = { thresholds: [{ currency: 'THB', amountMinor: 20_000 }], timeoutMs: 72 * 3_600_000 };
      const { refund: started, created } = await refunds.retry(first.refundId, { operator: 'ops@example.com' });
      expect(created).toBe(true);
      expect(started).toMatchObject({ status: 'pending', pendingReason: 'awaiting_approval', approval: { state: 'awaiting', requester: 'ops@example.com' } });
      const handle = client.workflow.getHandle(started.refundId) as NewRefundHandle;
      const waiting = await waitForRefund(handle, (s) => s.pendingReason === 'awaiting_approval');
      expect(waiting).toMatchObject({ retryOf: { refundId: first.refundId, attempt: 2 }, approval: { state: 'awaiting', requester: 'ops@example.com' }, submitAttempts: 0 });
      expect(pay.state.submissions).toHaveLength(1); // nothing sent for the attempt before its approval
      await handle.terminate('test: the approval path is 13a\'s');
    });
  });

  const DECLINED: RefundOutcome = { kind: 'final', status: 'rejected', refusal: 'declined', code: 'NOT_REFUNDABLE', message: 'not billed' };
  const paths: [string, FakeRefundActivities, Settlement, boolean, ((handle: NewRefundHandle) => Promise<void>)?][] = [
    ['the amount rule refused it', { submitRefund: async () => ({ kind: 'refused', reason: 'nothing is left of the payment' }) }, { by: 'amount_rule', lostAnswers: 0 }, true],
    ['a request refused as a typed failure', { submitRefund: script([failure('ProviderInvalidRequest', 'amount is not integer satang')]) }, { by: 'request_refused', failure: 'ProviderInvalidRequest', lostAnswers: 0 }, true],
    [
      'Link Money TERMINAL_FAILED on a check',
      {
        submitRefund: async () => answered({ kind: 'pending', reason: 'provider_processing', refundId: 'rfn_9' }, { full: false, sendMinor: 25_050 }),
        checkRefund: async () => checked({ kind: 'final', status: 'failed', refusal: 'payment_failed', refundId: 'rfn_9', providerStatus: 'TERMINAL_FAILED' }),
      },
      { by: 'provider', refusal: 'payment_failed', lostAnswers: 0 },
      true,
    ],
    [
      'a failed status with no documented refusal',
      {
        submitRefund: async () => answered({ kind: 'pending', reason: 'provider_processing', refundId: 'rfn_9' }, { full: false, sendMinor: 25_050 }),
        checkRefund: async () => checked({ kind: 'final', status: 'failed', refundId: 'rfn_9', providerStatus: 'failed' }),
      },
      { by: 'provider', lostAnswers: 0 },
      false,
    ],
    [
      'a decline after a lost answer',
      { submitRefund: script([ambiguous(1_000), answered(DECLINED, { full: false, sendMinor: 25_050 })]), lookUpRefund: async () => null },
      { by: 'provider', refusal: 'declined', lostAnswers: 1 },
      false,
    ],
    [
      'needs_attention resolved to failed by an operator',
      { submitRefund: script([failure('ProviderAuth', 'HTTP 401')]), releasePaymentLock: async () => undefined },
      { by: 'operator', operator: 'ops@example.com' },
      false,
      async (handle) => {
        await waitForRefund(handle, (s) => s.status === 'needs_attention');
        await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'failed', note: 'nothing at the provider', operator: 'ops@example.com' }] });
      },
    ],
  ];
  it.each(paths)('%s: the settledBy recorded, and whether the rule allows a retry', async (_name, fakes, settledBy, allowed, drive) => {
    const h = await newRefundWorkerCached(env, fakes);
    const state: RefundState = await withSettledRefund(h, requestFor('reservepay'), async (handle) => {
      await drive?.(handle);
      return finishRefund(env, handle);
    });
    expect(state.settledBy).toEqual(settledBy);
    const verdict = retryVerdict(state);
    expect(verdict.ok).toBe(allowed);
    if (!verdict.ok) expect(verdict.kind).toBe('unproven');
  });
});
