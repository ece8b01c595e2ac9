/**
 * Link Money refund workflow on the time-skipping test server: the 3-US-business-day settlement
 * hold on a durable timer (Thanksgiving, year ends), daily business-day checks without a
 * settlement time, terminal failures, unknown statuses, and settling a lost submission answer
 * by requestKey.
 *
 * The server's clock only moves forward and is shared by every test of this file, so the
 * calendar tests come first, in date order, each moving the clock to its own date. A case whose
 * date has already passed (a machine clock far in the future) is skipped, never faked.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addBusinessDays, isBusinessDay } from '../../domain/calendar.js';
import { parseRefundRequest, RefundRequestError, type RefundRequestInput } from '../../domain/refund.js';
import type { LinkMoneyRefundView } from '../../activities/types.js';
import { resolveRefundUpdate } from '../../workflows/messages.js';
import {
  CallLog,
  createTimeSkippingEnv,
  DAY,
  expectUpdateRefused,
  finish,
  getRefund,
  historyEventCount,
  HOUR,
  MINUTE,
  newWorker,
  providerFailure,
  reportMetrics,
  skipTo,
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
function request(payment: { paymentId?: string; settledAt?: string } = {}, extra: Partial<RefundRequestInput> = {}): RefundRequestInput {
  return {
    idempotencyKey: `lm-${Date.now()}-${++seq}`,
    provider: 'linkmoney',
    payment: { paymentId: 'pay_lm_1', ...payment },
    amount: 1999,
    currency: 'USD',
    ...extra,
  } as RefundRequestInput;
}
const REFUND_PAYMENT_ID = 'lm_rf_1';
const view = (providerStatus: string, status: LinkMoneyRefundView['status'], extra: Partial<LinkMoneyRefundView> = {}): LinkMoneyRefundView => ({
  refundPaymentId: REFUND_PAYMENT_ID,
  status,
  providerStatus,
  ...extra,
});
const accepted = (providerStatus: string, status: LinkMoneyRefundView['status'], extra: Partial<LinkMoneyRefundView> = {}) => ({
  outcome: 'accepted' as const,
  ...view(providerStatus, status, extra),
});
const steps = (s: RefundState) => s.transitions.map((t) => [t.status, t.pendingReason ?? null]);
const GRACE = 5 * MINUTE;
const TOLERANCE = 5_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A Link Money that answers by the rule: PENDING before the hold ends, AUTHORIZED from then on. */
function holdRule(log: CallLog, holdEndsMs: number) {
  return log.record({
    linkmoneySubmitRefund: async () => accepted('PENDING', 'pending'),
    linkmoneyGetRefundStatus: async () => ((await env.currentTimeMs()) >= holdEndsMs ? view('AUTHORIZED', 'authorized') : view('PENDING', 'pending')),
  });
}

/** Settled at `settledAt`, requested an hour later: one status check at hold end + 5 min -> authorized. */
async function settlementCase(settledAt: string, holdEnds: string, label: string, skip: () => void): Promise<void> {
  const settledMs = Date.parse(settledAt);
  if ((await env.currentTimeMs()) > settledMs + HOUR) skip();
  await skipTo(env, settledMs + HOUR);
  const holdEndsMs = Date.parse(holdEnds);
  const log = new CallLog(env);
  const h = await newWorker(env, holdRule(log, holdEndsMs));
  await withRefund(h, request({ settledAt }), async (handle) => {
    const waiting = await waitForState(handle, (s) => s.nextCheckAt !== undefined);
    expect(steps(waiting)).toEqual([['pending', 'submitting'], ['pending', 'settlement_hold']]);
    expect(waiting.transitions[1]?.cause).toBe('Link Money answered PENDING');
    expect(waiting.nextCheckAt).toBe(iso(holdEndsMs + GRACE));
    expect(waiting.provider).toMatchObject({ refundId: REFUND_PAYMENT_ID, status: 'PENDING' });

    // Up to a minute before the check: nothing is asked.
    await skipTo(env, holdEndsMs + GRACE - MINUTE);
    expect(log.of('linkmoneyGetRefundStatus')).toHaveLength(0);
    await skipTo(env, holdEndsMs + GRACE + MINUTE);
    const state = await finish(env, handle, { stepMs: HOUR });

    const checks = log.of('linkmoneyGetRefundStatus');
    expect(checks).toHaveLength(1);
    expect(checks.length).toBeLessThanOrEqual(3);
    expect(checks[0]!.input).toEqual({ refundPaymentId: REFUND_PAYMENT_ID });
    expect(checks[0]!.atMs - (holdEndsMs + GRACE)).toBeGreaterThanOrEqual(0);
    expect(checks[0]!.atMs - (holdEndsMs + GRACE)).toBeLessThan(TOLERANCE);
    expect(steps(state)).toEqual([['pending', 'submitting'], ['pending', 'settlement_hold'], ['authorized', null]]);
    expect(state.transitions[2]?.cause).toBe('Link Money status AUTHORIZED: money movement started');
    expect(Math.abs(Date.parse(state.transitions[2]!.at) - checks[0]!.atMs)).toBeLessThan(TOLERANCE);
    expect(state.nextCheckAt).toBeUndefined();
    expect(state.provider.status).toBe('AUTHORIZED');
    const events = await historyEventCount(handle);
    expect(events).toBeLessThan(50); // includes the payment ledger's claim, turn and release (about 10)
    reportMetrics(`linkmoney settled ${label} -> timer -> 1 check -> authorized`, events, log);
  });
}

/** No settlement time: a check at 00:05 UTC of each following business day; AUTHORIZED at the last. */
async function dailyCase(start: string, expectedChecks: string[], skip: () => void): Promise<void> {
  const startMs = Date.parse(start);
  if ((await env.currentTimeMs()) > startMs) skip();
  await skipTo(env, startMs);
  const log = new CallLog(env);
  let n = 0;
  const h = await newWorker(env, log.record({
    linkmoneySubmitRefund: async () => accepted('PENDING', 'pending'),
    linkmoneyGetRefundStatus: async () => (++n < expectedChecks.length ? view('PENDING', 'pending') : view('AUTHORIZED', 'authorized')),
  }));
  await withRefund(h, request(), async (handle) => {
    const waiting = await waitForState(handle, (s) => s.nextCheckAt !== undefined);
    expect(waiting.nextCheckAt).toBe(`${expectedChecks[0]}T00:05:00.000Z`);
    await skipTo(env, Date.parse(`${expectedChecks.at(-1)}T00:05:00Z`) + MINUTE);
    const state = await finish(env, handle, { stepMs: HOUR });
    const checks = log.of('linkmoneyGetRefundStatus');
    expect(checks.map((c) => iso(c.atMs).slice(0, 16))).toEqual(expectedChecks.map((d) => `${d}T00:05`));
    // Repeated PENDING answers add no transitions.
    expect(steps(state)).toEqual([['pending', 'submitting'], ['pending', 'settlement_hold'], ['authorized', null]]);
    reportMetrics(`linkmoney no settledAt -> ${checks.length} daily checks -> authorized`, await historyEventCount(handle), log);
  });
}

describe('Link Money: the settlement hold on the calendar (in date order)', () => {
  it('settled Wed 2026-11-25: Thanksgiving is skipped, one check at 2026-12-02T00:05Z -> authorized', async (ctx) => {
    await settlementCase('2026-11-25T15:00:00Z', '2026-12-02T00:00:00.000Z', 'Wed 2026-11-25 (Thanksgiving)', () => ctx.skip());
  });

  it('without settledAt: checks once per business day, over a weekend and Christmas 2026 (Fri Dec 25 closed)', async (ctx) => {
    await dailyCase('2026-12-23T15:00:00Z', ['2026-12-24', '2026-12-28', '2026-12-29', '2026-12-30'], () => ctx.skip());
  });

  it('settled Wed 2026-12-30: New Year (Fri Jan 1) is skipped, one check at 2027-01-06T00:05Z -> authorized', async (ctx) => {
    await settlementCase('2026-12-30T15:00:00Z', '2027-01-06T00:00:00.000Z', 'Wed 2026-12-30 (year end)', () => ctx.skip());
  });

  it('without settledAt in Christmas week 2027: Christmas on a Saturday closes nothing, Fri Dec 24 is checked', async (ctx) => {
    await dailyCase('2027-12-22T15:00:00Z', ['2027-12-23', '2027-12-24', '2027-12-27', '2027-12-28'], () => ctx.skip());
  });

  it('settled Wed 2027-12-29: New Year 2028 on a Saturday closes nothing (Fri Dec 31 counts), check at 2028-01-04T00:05Z', async (ctx) => {
    await settlementCase('2027-12-29T15:00:00Z', '2028-01-04T00:00:00.000Z', 'Wed 2027-12-29 (year end, Sat holiday)', () => ctx.skip());
  });
});

describe('Link Money: answers and outcomes', () => {
  const longAgo = '2020-01-02T15:00:00Z';

  it('settledAt far in the past: the hold is over, the status is checked at once', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, holdRule(log, 0));
    const t0 = await env.currentTimeMs();
    const { state, events } = await withRefund(h, request({ settledAt: longAgo }), async (handle) => ({ state: await finish(env, handle), events: await historyEventCount(handle) }));
    expect(steps(state)).toEqual([['pending', 'submitting'], ['pending', 'settlement_hold'], ['authorized', null]]);
    const checks = log.of('linkmoneyGetRefundStatus');
    expect(checks).toHaveLength(1);
    expect(checks[0]!.atMs - t0).toBeLessThan(MINUTE);
    reportMetrics('linkmoney settledAt long ago -> immediate check -> authorized', events, log);
  });

  it('AUTHORIZED at once: authorized, no status check and no timer', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({ linkmoneySubmitRefund: async () => accepted('AUTHORIZED', 'authorized') }));
    const { state, events } = await withRefund(h, request(), async (handle) => ({ state: await finish(env, handle), events: await historyEventCount(handle) }));
    expect(steps(state)).toEqual([['pending', 'submitting'], ['authorized', null]]);
    expect(state.transitions[1]?.cause).toBe('Link Money answered AUTHORIZED: money movement started');
    expect(state.provider).toEqual({ refundId: REFUND_PAYMENT_ID, status: 'AUTHORIZED' });
    expect(state.nextCheckAt).toBeUndefined();
    expect(log.names()).toEqual(['linkmoneySubmitRefund']);
    const sub = log.of('linkmoneySubmitRefund')[0]!.input as { requestKey: string; amountMinor: number; paymentId: string; refundId: string };
    expect(sub).toEqual({ refundId: state.refundId, paymentId: 'pay_lm_1', amountMinor: 1999, requestKey: `${state.refundId}:1` });
    reportMetrics('linkmoney AUTHORIZED immediately', events, log);
  });

  it('TERMINAL_FAILED at the status check: failed, with errorDetails kept (code and message)', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({
      linkmoneySubmitRefund: async () => accepted('PENDING', 'pending'),
      linkmoneyGetRefundStatus: async () => view('TERMINAL_FAILED', 'failed', { errorDetails: { errorCode: 'CUSTOMER_NOT_DEBITED', errorMessage: 'The original debit failed' } }),
    }));
    const { state, events } = await withRefund(h, request({ settledAt: longAgo }), async (handle) => ({ state: await finish(env, handle), events: await historyEventCount(handle) }));
    expect(steps(state)).toEqual([['pending', 'submitting'], ['pending', 'settlement_hold'], ['failed', null]]);
    expect(state.transitions[2]).toMatchObject({
      cause: 'Link Money status TERMINAL_FAILED: CUSTOMER_NOT_DEBITED The original debit failed',
      providerCode: 'CUSTOMER_NOT_DEBITED',
      providerMessage: 'The original debit failed',
    });
    expect(state.provider).toEqual({ refundId: REFUND_PAYMENT_ID, status: 'TERMINAL_FAILED', code: 'CUSTOMER_NOT_DEBITED', message: 'The original debit failed' });
    reportMetrics('linkmoney PENDING -> TERMINAL_FAILED', events, log);
  });

  it('TERMINAL_FAILED in the submission answer: failed at once with its errorDetails', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({
      linkmoneySubmitRefund: async () => accepted('TERMINAL_FAILED', 'failed', { errorDetails: { errorCode: 'CUSTOMER_NOT_DEBITED', errorMessage: 'not debited' } }),
    }));
    const state = await withRefund(h, request(), (handle) => finish(env, handle));
    expect(steps(state)).toEqual([['pending', 'submitting'], ['failed', null]]);
    expect(state.transitions[1]).toMatchObject({ cause: 'Link Money answered TERMINAL_FAILED: CUSTOMER_NOT_DEBITED not debited', providerCode: 'CUSTOMER_NOT_DEBITED', providerMessage: 'not debited' });
    expect(log.names()).toEqual(['linkmoneySubmitRefund']);
  });

  it('an unknown status keeps the refund pending (never success) and checks go on until a known answer', async () => {
    const log = new CallLog(env);
    let n = 0;
    const h = await newWorker(env, log.record({
      linkmoneySubmitRefund: async () => accepted('ON_HOLD', 'unknown'),
      linkmoneyGetRefundStatus: async () => (++n <= 2 ? view('ON_HOLD', 'unknown') : view('SUCCEEDED', 'authorized')),
    }));
    await withRefund(h, request(), async (handle) => {
      const waiting = await waitForState(handle, (s) => s.nextCheckAt !== undefined);
      expect(steps(waiting)).toEqual([['pending', 'submitting'], ['pending', 'provider_processing']]);
      expect(waiting.transitions[1]?.cause).toBe('Link Money answered ON_HOLD (unknown status: still waiting)');
      expect(waiting.provider.status).toBe('ON_HOLD');
      // Just after the first check (still ON_HOLD): pending, nothing added to the transitions.
      await skipTo(env, Date.parse(waiting.nextCheckAt!) + MINUTE);
      expect(log.of('linkmoneyGetRefundStatus')).toHaveLength(1);
      const mid = await waitForState(handle, (s) => s.nextCheckAt !== undefined && s.nextCheckAt !== waiting.nextCheckAt);
      expect(mid.status).toBe('pending');
      expect(mid.transitions).toEqual(waiting.transitions);
      const state = await finish(env, handle);
      const checks = log.of('linkmoneyGetRefundStatus');
      expect(checks).toHaveLength(3);
      expect(steps(state)).toEqual([['pending', 'submitting'], ['pending', 'provider_processing'], ['authorized', null]]);
      expect(state.transitions[2]?.cause).toBe('Link Money status SUCCEEDED: money movement started');
      for (const c of checks) expect(isBusinessDay(iso(c.atMs).slice(0, 10))).toBe(true);
    });
  });

  it('duplicate_request_key on the FIRST attempt -> needs_attention (a refund under our key we did not make), no look-up', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({ linkmoneySubmitRefund: async () => ({ outcome: 'duplicate_request_key' }) }));
    await withRefund(h, request(), async (handle) => {
      const s = await waitForState(handle, (x) => x.status === 'needs_attention');
      expect(steps(s)).toEqual([['pending', 'submitting'], ['needs_attention', null]]);
      expect(s.transitions[1]?.cause).toBe(`Link Money rejected our requestKey ${s.refundId}:1 on our first attempt: a refund under this key exists that we did not make`);
      expect(log.names()).toEqual(['linkmoneySubmitRefund']);
      reportMetrics('linkmoney duplicate_request_key first -> needs_attention', await historyEventCount(handle), log);
    });
  });

  it('ProviderAmbiguous, then the look-up by requestKey finds ours: no resubmission', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({
      linkmoneySubmitRefund: async () => {
        throw providerFailure('ProviderAmbiguous', 'socket hang up after the request was sent');
      },
      linkmoneyFindRefundByRequestKey: async () => view('PENDING', 'pending'),
      linkmoneyGetRefundStatus: async () => view('AUTHORIZED', 'authorized'),
    }));
    const { state, events } = await withRefund(h, request({ settledAt: longAgo }), async (handle) => ({ state: await finish(env, handle), events: await historyEventCount(handle) }));
    expect(log.names()).toEqual(['linkmoneySubmitRefund', 'linkmoneyFindRefundByRequestKey', 'linkmoneyGetRefundStatus']);
    expect(log.of('linkmoneyFindRefundByRequestKey')[0]?.input).toEqual({ paymentId: 'pay_lm_1', requestKey: `${state.refundId}:1` });
    expect(state.submitAttempts).toBe(1);
    expect(steps(state)).toEqual([['pending', 'submitting'], ['pending', 'settlement_hold'], ['authorized', null]]);
    expect(state.provider.refundId).toBe(REFUND_PAYMENT_ID);
    reportMetrics('linkmoney ambiguous -> look-up finds ours -> authorized', events, log);
  });

  it('ProviderAmbiguous and the look-up finds nothing: resubmits with the SAME requestKey', async () => {
    const log = new CallLog(env);
    let submits = 0;
    const h = await newWorker(env, log.record({
      linkmoneySubmitRefund: async () => {
        if (++submits === 1) throw providerFailure('ProviderAmbiguous', 'timeout reading the answer');
        return accepted('AUTHORIZED', 'authorized');
      },
      linkmoneyFindRefundByRequestKey: async () => null,
    }));
    const { state, events } = await withRefund(h, request(), async (handle) => ({ state: await finish(env, handle), events: await historyEventCount(handle) }));
    expect(log.names()).toEqual(['linkmoneySubmitRefund', 'linkmoneyFindRefundByRequestKey', 'linkmoneySubmitRefund']);
    const [a, b] = log.of('linkmoneySubmitRefund').map((c) => c.input as { requestKey: string });
    expect(a!.requestKey).toBe(`${state.refundId}:1`);
    expect(b).toEqual(a);
    expect(state.submitAttempts).toBe(2);
    expect(steps(state)).toEqual([['pending', 'submitting'], ['authorized', null]]);
    reportMetrics('linkmoney ambiguous -> look-up empty -> resubmit same key -> authorized', events, log);
  });

  it('ProviderAmbiguous, nothing found, then duplicate_request_key on the resubmission: the look-up finds ours', async () => {
    const log = new CallLog(env);
    let submits = 0;
    let finds = 0;
    const h = await newWorker(env, log.record({
      linkmoneySubmitRefund: async () => {
        if (++submits === 1) throw providerFailure('ProviderAmbiguous', 'timeout reading the answer');
        return { outcome: 'duplicate_request_key' };
      },
      // Not visible yet at the first look-up (eventual consistency), visible at the second.
      linkmoneyFindRefundByRequestKey: async () => (++finds === 1 ? null : view('AUTHORIZED', 'authorized')),
    }));
    const state = await withRefund(h, request(), (handle) => finish(env, handle));
    expect(log.names()).toEqual(['linkmoneySubmitRefund', 'linkmoneyFindRefundByRequestKey', 'linkmoneySubmitRefund', 'linkmoneyFindRefundByRequestKey']);
    expect(steps(state)).toEqual([['pending', 'submitting'], ['authorized', null]]);
    expect(state.transitions[1]?.cause).toBe('Link Money answered AUTHORIZED: money movement started');
  });

  it('a failed status read -> needs_attention, the daily check goes on and settles it -> authorized', async () => {
    const log = new CallLog(env);
    let n = 0;
    const h = await newWorker(env, log.record({
      linkmoneySubmitRefund: async () => accepted('PENDING', 'pending'),
      linkmoneyGetRefundStatus: async () => {
        if (++n === 1) throw providerFailure('ProviderAuth', 'invalid_client');
        return view('AUTHORIZED', 'authorized');
      },
    }));
    await withRefund(h, request({ settledAt: longAgo }), async (handle) => {
      const s = await waitForState(handle, (x) => x.status === 'needs_attention' && x.nextCheckAt !== undefined);
      expect(s.attention).toBe('reading the Link Money refund status failed: ProviderAuth: invalid_client');
      const next = Date.parse(s.nextCheckAt!);
      expect(iso(next).slice(11)).toBe('00:05:00.000Z');
      expect(isBusinessDay(iso(next).slice(0, 10))).toBe(true);
      const state = await finish(env, handle);
      expect(steps(state)).toEqual([['pending', 'submitting'], ['pending', 'settlement_hold'], ['needs_attention', null], ['authorized', null]]);
      const checks = log.of('linkmoneyGetRefundStatus');
      expect(checks).toHaveLength(2);
      expect(Math.abs(checks[1]!.atMs - next)).toBeLessThan(TOLERANCE);
      expect(state.attention).toBeUndefined();
    });
  });

  it('still PENDING 5 business days after the expected end -> needs_attention, checks go on daily; resolved as authorized', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({
      linkmoneySubmitRefund: async () => accepted('PENDING', 'pending'),
      linkmoneyGetRefundStatus: async () => view('PENDING', 'pending'),
    }));
    await withRefund(h, request(), async (handle) => {
      await env.sleep(12 * DAY);
      const s = await waitForState(handle, (x) => x.status === 'needs_attention');
      expect(s.attention).toBe('Link Money refund still PENDING 5 business days after the hold should have ended');
      const before = log.of('linkmoneyGetRefundStatus').length;
      await env.sleep(4 * DAY);
      const checks = log.of('linkmoneyGetRefundStatus');
      expect(checks.length).toBeGreaterThan(before);
      // Every check at 00:05 UTC of a business day, and no business day left out.
      const days = checks.map((c) => iso(c.atMs));
      for (const d of days) {
        expect(d.slice(11, 16)).toBe('00:05');
        expect(isBusinessDay(d.slice(0, 10))).toBe(true);
      }
      days.slice(1).forEach((d, i) => expect(d.slice(0, 10)).toBe(addBusinessDays(days[i]!.slice(0, 10), 1)));
      // The 6th business-day check is the one that tells a human (patience = 5 business days).
      const attentionAt = Date.parse(s.transitions.at(-1)!.at);
      expect(checks.findIndex((c) => Math.abs(c.atMs - attentionAt) < TOLERANCE)).toBe(5);
      const still = await getRefund(handle);
      expect(still.status).toBe('needs_attention');
      expect(still.nextCheckAt).toBeDefined();

      await expectUpdateRefused(handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'approved', note: 'paid' }] }), 'InvalidOperatorInput', /succeeds as authorized, not approved/);
      const resolved = await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'authorized', note: 'Link Money support confirmed the ACH credit', operator: 'ops' }] });
      expect(resolved.status).toBe('authorized');
      expect(resolved.nextCheckAt).toBeUndefined();
      const final = await finish(env, handle);
      expect(steps(final)).toEqual([['pending', 'submitting'], ['pending', 'settlement_hold'], ['needs_attention', null], ['authorized', null]]);
      expect(final.transitions[3]?.cause).toBe('operator ops resolve: Link Money support confirmed the ACH credit');
      const n = log.calls.length;
      await env.sleep(3 * DAY);
      expect(log.calls.length).toBe(n);
      reportMetrics(`linkmoney PENDING forever -> needs_attention -> ${checks.length} checks -> resolve`, await historyEventCount(handle), log);
    });
  });

  it('amount "full" without originalAmount never reaches the workflow any more: refused by the request schema (422)', () => {
    // The v1 workflow failed such a refund inside the workflow; the one amount rule now refuses it before anything starts.
    let err: unknown;
    try {
      parseRefundRequest(request({}, { amount: 'full' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RefundRequestError);
    expect((err as RefundRequestError).unprocessable).toBe(true);
    expect((err as Error).message).toContain('Link Money needs an amount even for a full refund');
  });
});
