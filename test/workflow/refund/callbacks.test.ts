/**
 * Callbacks: a request with a callbackUrl gets one deliverCallback per status change (not per
 * pending-reason change), in order and one at a time, each an activity with its summary; the
 * delivery's outcome is kept in the refund; the workflow does not complete before they all end.
 */
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeliverCallbackInput } from '../../../activities/callbacks.js';
import type { RefundOutcome } from '../../../domain/outcome.js';
import { resolveRefundUpdate } from '../../../workflows/messages.js';
import {
  answered,
  callsOf,
  checked,
  expectClockFree,
  failure,
  finishRefund,
  newRefundWorkerCached,
  recordFakes,
  requestFor,
  script,
  summaries,
  waitForRefund,
  withSettledRefund,
} from '../../helpers/refund-harness.js';
import { CallLog, createTimeSkippingEnv, gate, HOUR, waitFor } from '../../helpers/time-skipping.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterEach(() => expectClockFree(env));
afterAll(async () => {
  await env?.teardown();
});

const URL = 'https://merchant.example/refund-events';
const SETTLING: RefundOutcome = { kind: 'unrecognized', raw: 'status "SETTLING"' };
const delivered = async () => ({ httpStatus: 204, deliveredAt: '2026-12-01T10:00:00.000Z', attempt: Context.current().info.attempt });

describe('refund: callbacks', { timeout: 180_000 }, () => {
  it('one delivery per status change, in order, each with its summary and the event the receiver gets', async () => {
    const log = new CallLog(env);
    const pending: RefundOutcome = { kind: 'pending', reason: 'provider_processing', refundId: 'rfn_1', providerStatus: 'pending' };
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => answered(pending, { full: false, sendMinor: 25050 }),
      checkRefund: script([checked(SETTLING), checked(SETTLING), checked(SETTLING), checked({ kind: 'final', status: 'approved', refundId: 'rfn_1', providerStatus: 'succeeded', code: 'OK', message: 'refund succeeded' })]),
      deliverCallback: delivered,
    }));
    const r = await withSettledRefund(h, requestFor('reservepay', { callbackUrl: URL }), async (handle) => ({ state: await finishRefund(env, handle, { stepMs: HOUR }), summaries: await summaries(handle) }));
    const s = r.state;
    expect(s.transitions.map((t) => t.status)).toEqual(['pending', 'pending', 'needs_attention', 'approved']);
    // pending (submitting) -> pending (provider_processing) is no change of status: no callback.
    const deliveries = callsOf(log, 'deliverCallback');
    expect(deliveries.map((c) => c.input)).toEqual([
      {
        url: URL,
        event: {
          id: `${s.refundId}:1`,
          type: 'refund.status_changed',
          refundId: s.refundId,
          status: 'needs_attention',
          previousStatus: 'pending',
          at: s.transitions[2]!.at,
          cause: s.transitions[2]!.cause,
          provider: 'reservepay',
          currency: 'THB',
          amountMinor: 25050,
        },
      },
      {
        url: URL,
        event: {
          id: `${s.refundId}:2`,
          type: 'refund.status_changed',
          refundId: s.refundId,
          status: 'approved',
          previousStatus: 'needs_attention',
          at: s.transitions[3]!.at,
          cause: 'Reservepay check 4: succeeded OK "refund succeeded" (refund rfn_1)',
          provider: 'reservepay',
          currency: 'THB',
          amountMinor: 25050,
          providerCode: 'OK',
          providerMessage: 'refund succeeded',
        },
      },
    ] satisfies DeliverCallbackInput[]);
    expect(deliveries.every((c) => c.attempt === 1)).toBe(true);
    expect(s.callbacks).toEqual([
      { eventId: `${s.refundId}:1`, status: 'needs_attention', state: 'delivered', attempts: 1, httpStatus: 204, deliveredAt: '2026-12-01T10:00:00.000Z' },
      { eventId: `${s.refundId}:2`, status: 'approved', state: 'delivered', attempts: 1, httpStatus: 204, deliveredAt: '2026-12-01T10:00:00.000Z' },
    ]);
    const callbackSummaries = r.summaries.filter((x) => x.startsWith('deliver '));
    expect(callbackSummaries).toEqual([`deliver the "needs_attention" callback (event ${s.refundId}:1)`, `deliver the "approved" callback (event ${s.refundId}:2)`]);
  });

  it('the workflow does not complete before the delivery of its final status ends', async () => {
    const log = new CallLog(env);
    const held = gate();
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => answered({ kind: 'final', status: 'approved', providerStatus: 'APPROVED', code: '00', message: 'Approved' }),
      deliverCallback: async () => {
        await held.promise;
        return delivered();
      },
    }));
    await withSettledRefund(h, requestFor('openpayd', { callbackUrl: URL }), async (handle) => {
      try {
        const s = await waitForRefund(handle, (x) => x.status === 'approved');
        await waitFor(() => callsOf(log, 'deliverCallback').length === 1, 'the delivery in flight');
        expect(s.callbacks).toEqual([{ eventId: `${s.refundId}:1`, status: 'approved', state: 'pending' }]);
        await new Promise((r) => setTimeout(r, 300));
        expect((await handle.describe()).status.name).toBe('RUNNING');
      } finally {
        held.open();
      }
      const state = await finishRefund(env, handle);
      expect((await handle.describe()).status.name).toBe('COMPLETED');
      expect(state.callbacks).toEqual([{ eventId: `${state.refundId}:1`, status: 'approved', state: 'delivered', attempts: 1, httpStatus: 204, deliveredAt: '2026-12-01T10:00:00.000Z' }]);
      expect(await summaries(handle)).toEqual(['submit the refund to OpenPayd', `deliver the "approved" callback (event ${state.refundId}:1)`]);
    });
  });

  it('one at a time: a status change while a delivery is in flight waits for it, then goes in order', async () => {
    const log = new CallLog(env);
    const first = gate();
    let n = 0;
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => answered({ kind: 'exists', message: 'Refund already requested' }),
      releasePaymentLock: async () => undefined,
      deliverCallback: async () => {
        if (++n === 1) await first.promise;
        return delivered();
      },
    }));
    await withSettledRefund(h, requestFor('openpayd', { callbackUrl: URL }), async (handle) => {
      try {
        await waitForRefund(handle, (x) => x.status === 'needs_attention');
        await waitFor(() => callsOf(log, 'deliverCallback').length === 1, 'the first delivery in flight');
        const s = await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'approved', note: 'found at OpenPayd' }] });
        expect(s.callbacks).toEqual([
          { eventId: `${s.refundId}:1`, status: 'needs_attention', state: 'pending' },
          { eventId: `${s.refundId}:2`, status: 'approved', state: 'pending' },
        ]);
        await new Promise((r) => setTimeout(r, 300));
        expect(callsOf(log, 'deliverCallback')).toHaveLength(1);
      } finally {
        first.open();
      }
      const state = await finishRefund(env, handle);
      expect(callsOf(log, 'deliverCallback').map((c) => (c.input as DeliverCallbackInput).event.status)).toEqual(['needs_attention', 'approved']);
      expect(state.callbacks?.map((c) => [c.eventId, c.state])).toEqual([
        [`${state.refundId}:1`, 'delivered'],
        [`${state.refundId}:2`, 'delivered'],
      ]);
    });
  });

  it('a refused delivery is recorded as failed and not retried; a transient one is retried by Temporal and delivered', async () => {
    const log = new CallLog(env);
    let calls = 0;
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => answered({ kind: 'exists', message: 'Refund already requested' }),
      releasePaymentLock: async () => undefined,
      deliverCallback: async () => {
        calls++;
        if (calls === 1) throw failure('CallbackRefused', 'callback receiver answered HTTP 410', { details: { httpStatus: 410 } });
        if (calls === 2) throw failure('CallbackTransient', 'callback receiver answered HTTP 503', { nonRetryable: false, details: { httpStatus: 503 } });
        return delivered();
      },
    }));
    await withSettledRefund(h, requestFor('openpayd', { callbackUrl: URL }), async (handle) => {
      const s = await waitForRefund(handle, (x) => x.callbacks?.[0]?.state === 'failed');
      expect(s.callbacks).toEqual([{ eventId: `${s.refundId}:1`, status: 'needs_attention', state: 'failed', error: 'CallbackRefused: callback receiver answered HTTP 410' }]);
      expect(s.status).toBe('needs_attention');
      await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'rejected', note: 'someone else refunded it' }] });
      const state = await finishRefund(env, handle, { stepMs: HOUR });
      expect(state.status).toBe('rejected');
      expect(state.callbacks?.[1]).toMatchObject({ eventId: `${state.refundId}:2`, status: 'rejected', state: 'delivered', attempts: 2, httpStatus: 204 });
      const attempts = callsOf(log, 'deliverCallback').map((c) => c.attempt);
      expect(attempts).toEqual([1, 1, 2]);
      // Retries are not written to history: one summary per delivery.
      expect((await summaries(handle)).filter((x) => x.startsWith('deliver '))).toHaveLength(2);
    });
  });
});
