import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReservepayRefundView } from '../../activities/types.js';
import type { RefundRequestInput } from '../../domain/refund.js';
import { checksWithin, SYNC_FOLLOW_UP } from '../../domain/schedule.js';
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
  startRefund,
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

const request = { idempotencyKey: 'rp-1', provider: 'reservepay', payment: { paymentId: 'pay_1' }, amount: 15000, currency: 'THB' } as const;
const view = (status: string) => ({ refundId: 'rfn_1', paymentId: 'pay_1', status: status as 'succeeded', providerStatus: status, amountMinor: 15000, currency: 'THB', createdAt: '2026-11-22T10:00:00Z', refundedAt: null, full: false });

describe('Reservepay refund workflow', () => {
  it('is approved when the refund is created and succeeded', async () => {
    const calls: string[] = [];
    const h = await newWorker(env, {
      reservepayListRefunds: async () => { calls.push('list'); return []; },
      reservepaySubmitRefund: async (i) => { calls.push(`submit ${i.amountMinor}`); return { outcome: 'created', refundId: 'rfn_1' }; },
      reservepayFindRefund: async () => { calls.push('find'); return view('succeeded'); },
    });
    const state = await h.worker.runUntil(async () => (await startRefund(h, { ...request, idempotencyKey: `rp-${Date.now()}` })).result());
    expect(state.status).toBe('approved');
    expect(state.provider.refundId).toBe('rfn_1');
    expect(calls).toEqual(['list', 'submit 15000', 'find']);
  });
});

// ---------------------------------------------------------------------------------------------
// Every path of the Reservepay flow (plain client + explicit time skipping: see plainClient).
// ---------------------------------------------------------------------------------------------

let seq = 0;
function rpRequest(extra: Partial<RefundRequestInput> = {}): RefundRequestInput {
  return { ...request, idempotencyKey: `rp-${Date.now()}-${++seq}`, ...extra } as RefundRequestInput;
}
const rv = (refundId: string, status: ReservepayRefundView['status'], amountMinor = 15000): ReservepayRefundView => ({
  refundId,
  paymentId: 'pay_1',
  status,
  providerStatus: status === 'succeeded' ? 'successful' : status,
  amountMinor,
  currency: 'THB',
  createdAt: '2026-11-22T10:00:00Z',
  refundedAt: null,
  full: false,
});
const OLD = rv('rfn_old', 'succeeded', 5000);
const steps = (s: RefundState) => s.transitions.map((t) => [t.status, t.pendingReason ?? null]);

describe('Reservepay: follow-up of a pending refund', () => {
  it.each([
    { final: 'succeeded', status: 'approved' },
    { final: 'failed', status: 'failed' },
  ] as const)('created + pending -> reservepayAwaitRefund polls (StillPending x2) -> $final -> $status', async ({ final, status }) => {
    const log = new CallLog(env);
    let polls = 0;
    const h = await newWorker(env, log.record({
      reservepayListRefunds: async () => [OLD],
      reservepaySubmitRefund: async () => ({ outcome: 'created', refundId: 'rfn_1' }),
      reservepayFindRefund: async () => rv('rfn_1', 'pending'),
      reservepayAwaitRefund: async () => {
        if (++polls <= 2) throw stillPending('Reservepay refund rfn_1 is pending');
        return { ...rv('rfn_1', final), status: final };
      },
    }));
    await withRefund(h, rpRequest(), async (handle) => {
      const following = await waitForState(handle, (s) => s.polling !== undefined);
      expect(following.polling).toMatchObject({ schedule: SYNC_FOLLOW_UP, what: 'Reservepay find-refund' });
      expect(following.transitions[1]).toMatchObject({ status: 'pending', pendingReason: 'provider_processing', cause: 'Reservepay refund rfn_1 is pending' });
      const state = await finish(env, handle);
      expect(steps(state)).toEqual([['pending', 'submitting'], ['pending', 'provider_processing'], [status, null]]);
      expect(state.transitions[2]?.cause).toBe(`Reservepay refund rfn_1 ${final}`);
      expect(state.provider).toEqual({ refundId: 'rfn_1', status: final, amountMinor: 15000 });
      expect(state.polling).toBeUndefined();
      expect(log.names()).toEqual(['reservepayListRefunds', 'reservepaySubmitRefund', 'reservepayFindRefund', 'reservepayAwaitRefund', 'reservepayAwaitRefund', 'reservepayAwaitRefund']);
      expect(log.of('reservepayAwaitRefund').map((c) => c.attempt)).toEqual([1, 2, 3]);
      expect(log.of('reservepayAwaitRefund')[0]?.input).toEqual({ refundId: 'rfn_1' });
      reportMetrics(`reservepay created+pending -> 2x StillPending -> ${final}`, await historyEventCount(handle), log);
    });
  });

  it('the follow-up times out after 3 days -> needs_attention', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({
      reservepayListRefunds: async () => [],
      reservepaySubmitRefund: async () => ({ outcome: 'created', refundId: 'rfn_1' }),
      reservepayFindRefund: async () => rv('rfn_1', 'pending'),
      reservepayAwaitRefund: async () => {
        throw stillPending();
      },
    }));
    await withRefund(h, rpRequest(), async (handle) => {
      await waitForState(handle, (s) => s.polling !== undefined);
      await env.sleep(3 * DAY + HOUR);
      const s = await waitForState(handle, (x) => x.status === 'needs_attention');
      expect(steps(s)).toEqual([['pending', 'submitting'], ['pending', 'provider_processing'], ['needs_attention', null]]);
      expect(s.attention).toBe('Reservepay refund still pending after 3 days: check with Reservepay, then resolve');
      expect(s.polling).toBeUndefined();
      expect(log.of('reservepayAwaitRefund').length).toBeLessThanOrEqual(checksWithin(SYNC_FOLLOW_UP, 3 * DAY));
      reportMetrics('reservepay follow-up timeout -> needs_attention', await historyEventCount(handle), log);
    });
  });

  it('a full refund sends no amount', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({
      reservepayListRefunds: async () => [],
      reservepaySubmitRefund: async () => ({ outcome: 'created', refundId: 'rfn_1' }),
      reservepayFindRefund: async () => rv('rfn_1', 'succeeded'),
    }));
    const state = await withRefund(h, rpRequest({ amount: 'full' }), (handle) => finish(env, handle));
    expect(state.status).toBe('approved');
    expect(log.of('reservepaySubmitRefund')[0]?.input).toEqual({ paymentId: 'pay_1' });
  });
});

describe('Reservepay: rejections', () => {
  it.each([
    { code: 'AMOUNT_EXCEEDS_LIMIT', message: 'amount exceeds the refundable amount', status: 'rejected' },
    { code: 'NOT_REFUNDABLE', message: 'payment is not refundable', status: 'rejected' },
    { code: 'NOT_FOUND', message: 'payment not found', status: 'failed' },
  ] as const)('rejected $code -> $status with code and message kept', async ({ code, message, status }) => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({
      reservepayListRefunds: async () => [OLD],
      reservepaySubmitRefund: async () => ({ outcome: 'rejected', code, message, details: null }),
    }));
    const { state, events } = await withRefund(h, rpRequest(), async (handle) => ({ state: await finish(env, handle), events: await historyEventCount(handle) }));
    expect(steps(state)).toEqual([['pending', 'submitting'], [status, null]]);
    expect(state.transitions[1]).toMatchObject({ cause: `Reservepay ${code}: ${message}`, providerCode: code, providerMessage: message });
    expect(state.provider).toEqual({ code, message });
    expect(log.names()).toEqual(['reservepayListRefunds', 'reservepaySubmitRefund']); // no look-up on a first attempt
    reportMetrics(`reservepay rejected ${code} -> ${status}`, events, log);
  });
});

describe('Reservepay: lost answers', () => {
  it('ambiguous -> the list shows a new refund with our amount -> ours, no resubmission', async () => {
    const log = new CallLog(env);
    let lists = 0;
    const h = await newWorker(env, log.record({
      reservepayListRefunds: async () => (++lists === 1 ? [OLD] : [OLD, rv('rfn_new', 'succeeded')]),
      reservepaySubmitRefund: async () => {
        throw providerFailure('ProviderAmbiguous', 'socket hang up');
      },
      reservepayFindRefund: async () => rv('rfn_new', 'succeeded'),
    }));
    const { state, events } = await withRefund(h, rpRequest(), async (handle) => ({ state: await finish(env, handle), events: await historyEventCount(handle) }));
    expect(log.names()).toEqual(['reservepayListRefunds', 'reservepaySubmitRefund', 'reservepayListRefunds', 'reservepayFindRefund']);
    expect(log.of('reservepayFindRefund')[0]?.input).toEqual({ refundId: 'rfn_new' });
    expect(state.submitAttempts).toBe(1);
    expect(steps(state)).toEqual([['pending', 'submitting'], ['approved', null]]);
    expect(state.provider.refundId).toBe('rfn_new');
    reportMetrics('reservepay ambiguous -> list shows ours -> approved', events, log);
  });

  it('ambiguous -> the only new refund has another amount (not ours) -> resubmitted', async () => {
    const log = new CallLog(env);
    let lists = 0;
    let submits = 0;
    const h = await newWorker(env, log.record({
      reservepayListRefunds: async () => (++lists === 1 ? [OLD] : [OLD, rv('rfn_other', 'succeeded', 999)]),
      reservepaySubmitRefund: async () => {
        if (++submits === 1) throw providerFailure('ProviderAmbiguous', 'socket hang up');
        return { outcome: 'created', refundId: 'rfn_1' };
      },
      reservepayFindRefund: async () => rv('rfn_1', 'succeeded'),
    }));
    const state = await withRefund(h, rpRequest(), (handle) => finish(env, handle));
    expect(log.names()).toEqual(['reservepayListRefunds', 'reservepaySubmitRefund', 'reservepayListRefunds', 'reservepaySubmitRefund', 'reservepayFindRefund']);
    const [a, b] = log.of('reservepaySubmitRefund').map((c) => c.input);
    expect(b).toEqual(a);
    expect(state.status).toBe('approved');
    expect(state.provider.refundId).toBe('rfn_1');
    expect(state.submitAttempts).toBe(2);
  });

  it('ambiguous -> nothing new -> resubmitted -> NOT_REFUNDABLE -> the list now shows ours -> approved', async () => {
    const log = new CallLog(env);
    let lists = 0;
    let submits = 0;
    const h = await newWorker(env, log.record({
      reservepayListRefunds: async () => (++lists <= 2 ? [OLD] : [OLD, rv('rfn_new', 'succeeded')]),
      reservepaySubmitRefund: async () => {
        if (++submits === 1) throw providerFailure('ProviderAmbiguous', 'read timeout');
        return { outcome: 'rejected', code: 'NOT_REFUNDABLE', message: 'already fully refunded', details: null };
      },
      reservepayFindRefund: async () => rv('rfn_new', 'succeeded'),
    }));
    const state = await withRefund(h, rpRequest(), (handle) => finish(env, handle));
    expect(log.names()).toEqual([
      'reservepayListRefunds', 'reservepaySubmitRefund', 'reservepayListRefunds', 'reservepaySubmitRefund', 'reservepayListRefunds', 'reservepayFindRefund',
    ]);
    expect(steps(state)).toEqual([['pending', 'submitting'], ['approved', null]]);
    expect(state.transitions[1]?.cause).toBe('Reservepay refund rfn_new succeeded');
  });
});
