/**
 * OpenPayd PSP refund workflow on the time-skipping test server: synchronous answers, "Already
 * refunded" (32) on a first vs. a repeated attempt, lost answers settled through the status
 * read, and the 3-day follow-up of a PENDING (283) answer.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenpaydGetStatusResult, OpenpaydSubmitRefundResult } from '../../activities/types.js';
import type { RefundRequestInput } from '../../domain/refund.js';
import { checksWithin, SYNC_FOLLOW_UP } from '../../domain/schedule.js';
import { resolveRefundUpdate } from '../../workflows/messages.js';
import {
  CallLog,
  createTimeSkippingEnv,
  DAY,
  finish,
  historyEventCount,
  HOUR,
  newWorker,
  providerFailure,
  reportMetrics,
  stillPending,
  waitForState,
  withRefund,
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
function request(extra: Partial<RefundRequestInput> = {}): RefundRequestInput {
  return {
    idempotencyKey: `op-${Date.now()}-${++seq}`,
    provider: 'openpayd',
    payment: { transactionId: 'tx_9001', referenceNo: 'order-9001' },
    amount: 'full',
    currency: 'EUR',
    ...extra,
  } as RefundRequestInput;
}
const ref = { transactionId: 'tx_9001', referenceNo: 'order-9001' };
const answer = (outcome: OpenpaydSubmitRefundResult['outcome'], code: string, providerStatus: string, message: string, amountMinor?: number): OpenpaydSubmitRefundResult => ({
  outcome,
  code,
  providerStatus,
  message,
  ...(amountMinor !== undefined ? { amountMinor } : {}),
});
const APPROVED = answer('approved', '00', 'APPROVED', 'Approved', 5000);
const WAITING = answer('pending', '283', 'PENDING', 'Waiting');
const ALREADY = answer('declined', '32', 'DECLINED', 'Already refunded');
/** The payment as the status read shows it: an older refund rf_old exists before ours. */
const statusWith = (...mine: OpenpaydGetStatusResult['refunds']): OpenpaydGetStatusResult => ({
  paymentStatus: 'APPROVED',
  refundedAmountMinor: 100,
  refunds: [{ refundId: 'rf_old', amountMinor: 100, status: 'approved', providerStatus: 'APPROVED' }, ...mine],
});
const steps = (s: RefundState) => s.transitions.map((t) => [t.status, t.pendingReason ?? null]);

describe('OpenPayd: synchronous answers', () => {
  it('approved; a full refund sends neither amountMinor nor currency', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({ openpaydGetStatus: async () => statusWith(), openpaydSubmitRefund: async () => APPROVED }));
    const { state, events } = await withRefund(h, request(), async (handle) => ({ state: await finish(env, handle), events: await historyEventCount(handle) }));
    expect(steps(state)).toEqual([['pending', 'submitting'], ['approved', null]]);
    expect(state.transitions[1]).toMatchObject({ cause: 'OpenPayd APPROVED 00 Approved', providerCode: '00', providerMessage: 'Approved' });
    expect(state.provider).toEqual({ status: 'APPROVED', code: '00', message: 'Approved', amountMinor: 5000 });
    expect(log.names()).toEqual(['openpaydGetStatus', 'openpaydSubmitRefund']);
    expect(log.of('openpaydGetStatus')[0]?.input).toEqual(ref);
    const sent = log.of('openpaydSubmitRefund')[0]!.input as Record<string, unknown>;
    expect(sent).toEqual({ refundId: state.refundId, ...ref });
    expect('amountMinor' in sent).toBe(false);
    expect('currency' in sent).toBe(false);
    reportMetrics('openpayd approved (full)', events, log);
  });

  it('a partial refund sends both amountMinor and currency', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({ openpaydGetStatus: async () => statusWith(), openpaydSubmitRefund: async () => answer('approved', '00', 'APPROVED', 'Approved', 1500) }));
    const state = await withRefund(h, request({ amount: 1500, currency: 'GBP' }), (handle) => finish(env, handle));
    expect(state.status).toBe('approved');
    expect(log.of('openpaydSubmitRefund')[0]?.input).toEqual({ refundId: state.refundId, ...ref, amountMinor: 1500, currency: 'GBP' });
    expect(state.provider.amountMinor).toBe(1500);
  });

  it('declined with another code -> rejected with the code and message kept', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({ openpaydGetStatus: async () => statusWith(), openpaydSubmitRefund: async () => answer('declined', '188', 'DECLINED', 'Amount is required') }));
    const { state, events } = await withRefund(h, request({ amount: 1500 }), async (handle) => ({ state: await finish(env, handle), events: await historyEventCount(handle) }));
    expect(steps(state)).toEqual([['pending', 'submitting'], ['rejected', null]]);
    expect(state.transitions[1]).toMatchObject({ cause: 'OpenPayd DECLINED 188 Amount is required', providerCode: '188', providerMessage: 'Amount is required' });
    expect(state.provider).toMatchObject({ status: 'DECLINED', code: '188', message: 'Amount is required' });
    expect(log.of('openpaydSubmitRefund')).toHaveLength(1);
    reportMetrics('openpayd declined 188 -> rejected', events, log);
  });

  it('"Already refunded" (32) on the FIRST attempt -> needs_attention: someone else refunded this payment', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({ openpaydGetStatus: async () => statusWith(), openpaydSubmitRefund: async () => ALREADY }));
    await withRefund(h, request(), async (handle) => {
      const s = await waitForState(handle, (x) => x.status === 'needs_attention');
      expect(steps(s)).toEqual([['pending', 'submitting'], ['needs_attention', null]]);
      expect(s.transitions[1]).toMatchObject({
        cause: 'OpenPayd answered "Already refunded" to our first request: someone else refunded this payment',
        providerCode: '32',
        providerMessage: 'Already refunded',
      });
      expect(log.names()).toEqual(['openpaydGetStatus', 'openpaydSubmitRefund']);
      reportMetrics('openpayd 32 first attempt -> needs_attention', await historyEventCount(handle), log);
    });
  });

  it.each([
    { type: 'ProviderDeclined', message: 'Payment method not refundable', status: 'rejected', cause: 'OpenPayd declined the refund: Payment method not refundable' },
    { type: 'ProviderInvalidRequest', message: 'referenceNo is required', status: 'failed', cause: 'OpenPayd refused the request: referenceNo is required' },
    { type: 'ProviderAuth', message: 'Invalid apiKey', status: 'needs_attention', cause: "OpenPayd refused our credentials (nothing was refunded): fix the worker's configuration, then resolve" },
  ] as const)('submit fails with $type -> $status', async ({ type, message, status, cause }) => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({
      openpaydGetStatus: async () => statusWith(),
      openpaydSubmitRefund: async () => {
        throw providerFailure(type, message, { providerCode: '99' });
      },
    }));
    await withRefund(h, request(), async (handle) => {
      const s = await waitForState(handle, (x) => x.status === status);
      expect(steps(s)).toEqual([['pending', 'submitting'], [status, null]]);
      expect(s.transitions[1]).toMatchObject({ cause, providerCode: '99', providerMessage: message });
      expect(log.names()).toEqual(['openpaydGetStatus', 'openpaydSubmitRefund']);
    });
  });
});

describe('OpenPayd: lost answers', () => {
  it('ProviderAmbiguous -> the status read shows a new refund -> follow-up -> approved; submitted once', async () => {
    const log = new CallLog(env);
    let reads = 0;
    const h = await newWorker(env, log.record({
      openpaydGetStatus: async () => (++reads === 1 ? statusWith() : statusWith({ refundId: 'rf_new', amountMinor: 5000, status: 'pending', providerStatus: 'PENDING' })),
      openpaydSubmitRefund: async () => {
        throw providerFailure('ProviderAmbiguous', 'socket hang up');
      },
      openpaydAwaitRefund: async () => ({ refundId: 'rf_new', status: 'APPROVED', outcome: 'approved', amountMinor: 5000 }),
    }));
    const { state, events } = await withRefund(h, request(), async (handle) => ({ state: await finish(env, handle), events: await historyEventCount(handle) }));
    expect(log.names()).toEqual(['openpaydGetStatus', 'openpaydSubmitRefund', 'openpaydGetStatus', 'openpaydAwaitRefund']);
    expect(log.of('openpaydAwaitRefund')[0]?.input).toEqual({ ...ref, excludeRefundIds: ['rf_old'] });
    expect(state.submitAttempts).toBe(1);
    expect(steps(state)).toEqual([['pending', 'submitting'], ['pending', 'provider_processing'], ['approved', null]]);
    expect(state.transitions[1]?.cause).toBe('OpenPayd shows our refund rf_new (pending) after a lost answer');
    expect(state.transitions[2]?.cause).toBe('OpenPayd status read: refund rf_new APPROVED');
    expect(state.provider).toMatchObject({ refundId: 'rf_new', status: 'APPROVED', amountMinor: 5000 });
    expect(state.polling).toBeUndefined();
    reportMetrics('openpayd ambiguous -> status shows new refund -> follow-up approved', events, log);
  });

  it('ProviderAmbiguous -> nothing new -> resubmitted -> "Already refunded" (32) on the 2nd attempt -> approved (ours)', async () => {
    const log = new CallLog(env);
    let submits = 0;
    const h = await newWorker(env, log.record({
      openpaydGetStatus: async () => statusWith(),
      openpaydSubmitRefund: async () => {
        if (++submits === 1) throw providerFailure('ProviderAmbiguous', 'read timeout');
        return ALREADY;
      },
    }));
    const { state, events } = await withRefund(h, request(), async (handle) => ({ state: await finish(env, handle), events: await historyEventCount(handle) }));
    expect(log.names()).toEqual(['openpaydGetStatus', 'openpaydSubmitRefund', 'openpaydGetStatus', 'openpaydSubmitRefund']);
    const [a, b] = log.of('openpaydSubmitRefund').map((c) => c.input);
    expect(b).toEqual(a);
    expect(state.submitAttempts).toBe(2);
    expect(steps(state)).toEqual([['pending', 'submitting'], ['approved', null]]);
    expect(state.transitions[1]).toMatchObject({ cause: 'OpenPayd answered "Already refunded" after our lost first answer: the refund is ours', providerCode: '32' });
    reportMetrics('openpayd ambiguous -> nothing new -> resubmit -> 32 -> approved', events, log);
  });
});

describe('OpenPayd: PENDING (283) and the follow-up', () => {
  it.each([
    { final: 'APPROVED', status: 'approved' },
    { final: 'DECLINED', status: 'rejected' },
  ] as const)('283 Waiting -> openpaydAwaitRefund polls (StillPending x3) -> $final -> $status', async ({ final, status }) => {
    const log = new CallLog(env);
    let polls = 0;
    const h = await newWorker(env, log.record({
      openpaydGetStatus: async () => statusWith(),
      openpaydSubmitRefund: async () => WAITING,
      openpaydAwaitRefund: async () => {
        if (++polls <= 3) throw stillPending('OpenPayd refund rf_new is PENDING');
        return { refundId: 'rf_new', status: final, outcome: final === 'APPROVED' ? 'approved' : 'declined', amountMinor: 5000 };
      },
    }));
    await withRefund(h, request(), async (handle) => {
      const following = await waitForState(handle, (s) => s.polling !== undefined);
      expect(following.polling).toMatchObject({ schedule: SYNC_FOLLOW_UP, what: 'OpenPayd payment status' });
      expect(following.transitions[1]).toMatchObject({ status: 'pending', pendingReason: 'provider_processing', cause: 'OpenPayd PENDING 283 Waiting', providerCode: '283' });
      const state = await finish(env, handle);
      expect(steps(state)).toEqual([['pending', 'submitting'], ['pending', 'provider_processing'], [status, null]]);
      expect(state.transitions[2]?.cause).toBe(`OpenPayd status read: refund rf_new ${final}`);
      expect(state.provider).toMatchObject({ refundId: 'rf_new', status: final, amountMinor: 5000 });
      expect(state.polling).toBeUndefined();
      const polled = log.of('openpaydAwaitRefund');
      expect(polled.map((c) => c.attempt)).toEqual([1, 2, 3, 4]);
      // 30 s, then 60 s, 120 s apart.
      const gaps = polled.slice(1).map((c, i) => Math.round((c.atMs - polled[i]!.atMs) / 1000));
      gaps.forEach((g, i) => expect(Math.abs(g - 30 * 2 ** i)).toBeLessThanOrEqual(5));
      expect(log.of('openpaydSubmitRefund')).toHaveLength(1);
      reportMetrics(`openpayd 283 -> 3x StillPending -> ${final}`, await historyEventCount(handle), log);
    });
  });

  it('an unknown answer is followed up like a pending one', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({
      openpaydGetStatus: async () => statusWith(),
      openpaydSubmitRefund: async () => answer('unknown', '777', 'PROCESSING', 'Processing'),
      openpaydAwaitRefund: async () => ({ refundId: 'rf_new', status: 'APPROVED', outcome: 'approved', amountMinor: 5000 }),
    }));
    const state = await withRefund(h, request(), (handle) => finish(env, handle));
    expect(steps(state)).toEqual([['pending', 'submitting'], ['pending', 'provider_processing'], ['approved', null]]);
    expect(state.transitions[1]).toMatchObject({ cause: 'OpenPayd PROCESSING 777 Processing', providerCode: '777' });
  });

  it('the follow-up times out after 3 days -> needs_attention; resolved by an operator', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({
      openpaydGetStatus: async () => statusWith(),
      openpaydSubmitRefund: async () => WAITING,
      openpaydAwaitRefund: async () => {
        throw stillPending('OpenPayd refund rf_new is PENDING');
      },
    }));
    await withRefund(h, request(), async (handle) => {
      await waitForState(handle, (s) => s.polling !== undefined);
      await env.sleep(3 * DAY + HOUR);
      const s = await waitForState(handle, (x) => x.status === 'needs_attention');
      expect(steps(s)).toEqual([['pending', 'submitting'], ['pending', 'provider_processing'], ['needs_attention', null]]);
      expect(s.attention).toBe('OpenPayd refund still pending after 3 days of follow-up: check with OpenPayd, then resolve');
      expect(s.polling).toBeUndefined();
      const polls = log.of('openpaydAwaitRefund');
      const expected = checksWithin(SYNC_FOLLOW_UP, 3 * DAY);
      expect(polls.length).toBeGreaterThanOrEqual(expected - 1);
      expect(polls.length).toBeLessThanOrEqual(expected);
      expect(polls.at(-1)!.atMs - polls[0]!.atMs).toBeLessThanOrEqual(3 * DAY);
      expect(polls.at(-1)!.atMs - polls[0]!.atMs).toBeGreaterThan(3 * DAY - HOUR - 5_000);
      const n = log.calls.length;
      await env.sleep(DAY);
      expect(log.calls.length).toBe(n); // no slow check for OpenPayd: a human decides

      const resolved = await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'approved', note: 'OpenPayd support: refund processed', operator: 'ops' }] });
      expect(resolved.status).toBe('approved');
      const final = await finish(env, handle);
      expect(steps(final)).toEqual([['pending', 'submitting'], ['pending', 'provider_processing'], ['needs_attention', null], ['approved', null]]);
      const events = await historyEventCount(handle);
      expect(events).toBeLessThan(200);
      reportMetrics(`openpayd 283 -> follow-up timeout after ${polls.length} polls -> needs_attention -> resolve`, events, log);
    });
  });
});
