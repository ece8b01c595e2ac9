/**
 * SecPaid refund workflow on the time-skipping test server: submission outcomes, the decaying
 * poll of the admin review (14 days), operator approve/reject, the slow check after the deadline.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksWithin, SECPAID_REVIEW, SLOW_CHECK } from '../../domain/schedule.js';
import type { RefundRequestInput } from '../../domain/refund.js';
import { approveRefundUpdate, rejectRefundUpdate, resolveRefundUpdate } from '../../workflows/messages.js';
import {
  CallLog,
  createTimeSkippingEnv,
  DAY,
  finish,
  getRefund,
  historyEventCount,
  HOUR,
  MINUTE,
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
  return { idempotencyKey: `sp-${Date.now()}-${++seq}`, provider: 'secpaid', payment: { payId: '42011' }, amount: 2500, currency: 'EUR', ...extra } as RefundRequestInput;
}
const submitted = { outcome: 'submitted', message: 'Refund request submitted successfully' } as const;
const entry = { found: true, transactionId: '20261123-pi-0000000001', amountMinor: 2500, createdAt: '2026-11-23 10:00:00', providerStatus: 'Success' } as const;
const steps = (s: RefundState) => s.transitions.map((t) => [t.status, t.pendingReason ?? null]);
const TOLERANCE = 5_000;

describe('SecPaid: submission and the admin review poll', () => {
  it('submits, polls getPayInTransactions on the decaying schedule (StillPending x5) and approves from the Refund entry', async () => {
    const log = new CallLog(env);
    let polls = 0;
    const h = await newWorker(env, log.record({
      secpaidSubmitRefund: async () => submitted,
      secpaidAwaitRefund: async () => {
        if (++polls <= 5) throw stillPending('no SecPaid Refund entry for pay_id 42011 yet');
        return entry;
      },
    }));
    const { state, events } = await withRefund(h, request(), async (handle) => ({ state: await finish(env, handle), events: await historyEventCount(handle) }));

    expect(state.status).toBe('approved');
    expect(steps(state)).toEqual([['pending', 'submitting'], ['pending', 'awaiting_admin_review'], ['approved', null]]);
    expect(state.transitions[1]?.cause).toBe('submitted to SecPaid');
    expect(state.transitions[1]?.providerMessage).toBe('Refund request submitted successfully');
    expect(state.transitions[2]?.cause).toBe('SecPaid approved: Refund entry 20261123-pi-0000000001 of 2500 minor units at 2026-11-23 10:00:00');
    expect(state.provider).toMatchObject({ refundId: '20261123-pi-0000000001', status: 'Refund', amountMinor: 2500 });
    expect(state.polling).toBeUndefined();
    expect(state.submitAttempts).toBe(1);

    expect(log.names()).toEqual(['secpaidSubmitRefund', ...Array<string>(6).fill('secpaidAwaitRefund')]);
    expect(log.of('secpaidSubmitRefund')[0]?.input).toEqual({ refundId: state.refundId, payId: '42011', amountMinor: 2500, fullRefund: false });
    const pollLog = log.of('secpaidAwaitRefund');
    expect(pollLog.map((c) => c.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(pollLog.every((c) => JSON.stringify(c.input) === JSON.stringify({ payId: '42011' }))).toBe(true);
    // Retry k runs 2m * (2^k - 1) after the first check: 0, 2, 6, 14, 30, 62 minutes.
    const first = pollLog[0]!.atMs;
    const offsets = pollLog.map((c) => c.atMs - first);
    [0, 2, 6, 14, 30, 62].forEach((m, i) => expect(Math.abs(offsets[i]! - m * MINUTE)).toBeLessThan(TOLERANCE));
    // The approval is stamped at the time of the 6th check (workflow time = server time).
    expect(Math.abs(Date.parse(state.transitions[2]!.at) - pollLog[5]!.atMs)).toBeLessThan(TOLERANCE);
    expect(events).toBeLessThan(40);
    reportMetrics('secpaid submitted -> 5x StillPending -> approved', events, log);
  });

  it('sends the full amount (originalAmount) with fullRefund for amount "full"', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({ secpaidSubmitRefund: async () => submitted, secpaidAwaitRefund: async () => ({ ...entry, amountMinor: 4000 }) }));
    const state = await withRefund(h, request({ amount: 'full', originalAmount: 4000 }), (handle) => finish(env, handle));
    expect(state.status).toBe('approved');
    expect(log.of('secpaidSubmitRefund').map((c) => c.input)).toEqual([{ refundId: state.refundId, payId: '42011', amountMinor: 4000, fullRefund: true }]);
    expect(state.provider.amountMinor).toBe(4000);
  });

  it('14-day review: about checksWithin(SECPAID_REVIEW, 14d) checks, then needs_attention, slow check twice a day, resolved by an operator; history stays small', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({
      secpaidSubmitRefund: async () => submitted,
      secpaidAwaitRefund: async () => {
        throw stillPending();
      },
    }));
    await withRefund(h, request(), async (handle) => {
      const reviewing = await waitForState(handle, (s) => s.polling !== undefined);
      expect(reviewing.polling?.schedule).toEqual(SECPAID_REVIEW);
      expect(reviewing.polling?.what).toBe('getPayInTransactions for the negative Refund entry');
      expect(reviewing.pendingReason).toBe('awaiting_admin_review');

      await env.sleep(14 * DAY + HOUR);
      const attention = await waitForState(handle, (s) => s.status === 'needs_attention');
      const polls = log.of('secpaidAwaitRefund');
      // The review poll's attempts are 1..n; the slow check starts again at attempt 1.
      const slowStart = polls.findIndex((c, i) => i > 0 && c.attempt === 1);
      expect(slowStart).toBeGreaterThan(0);
      const review = polls.slice(0, slowStart);
      const expected = checksWithin(SECPAID_REVIEW, 14 * DAY);
      expect(review.length).toBeGreaterThanOrEqual(expected - 1);
      expect(review.length).toBeLessThanOrEqual(expected);
      expect(review.length).toBeLessThanOrEqual(60);
      const reviewStart = review[0]!.atMs;
      const reviewEnd = review.at(-1)!.atMs;
      expect(reviewEnd - reviewStart).toBeGreaterThan(13 * DAY);
      expect(reviewEnd - reviewStart).toBeLessThanOrEqual(14 * DAY);
      // After the first hours, checks are 8 h apart (the cap).
      const gaps = review.slice(1).map((c, i) => c.atMs - review[i]!.atMs);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(8 * HOUR + TOLERANCE);
      expect(gaps.filter((g) => Math.abs(g - 8 * HOUR) < TOLERANCE).length).toBeGreaterThan(35);

      expect(steps(attention)).toEqual([['pending', 'submitting'], ['pending', 'awaiting_admin_review'], ['needs_attention', null]]);
      expect(attention.transitions[2]?.cause).toBe("no outcome of SecPaid's admin review after 14 days: check the SecPaid dashboard, then approve, reject or resolve");
      expect(attention.attention).toBe(attention.transitions[2]?.cause);
      expect(attention.polling?.schedule).toEqual(SLOW_CHECK);
      expect(attention.polling?.what).toBe('getPayInTransactions (slow check)');

      // The slow check goes on every 12 hours.
      await env.sleep(2 * DAY);
      const slow = log.of('secpaidAwaitRefund').slice(slowStart);
      expect(slow.length).toBeGreaterThanOrEqual(4);
      slow.slice(1).forEach((c, i) => expect(Math.abs(c.atMs - slow[i]!.atMs - 12 * HOUR)).toBeLessThan(TOLERANCE));
      expect(Math.abs(slow[0]!.atMs - Date.parse(attention.transitions[2]!.at))).toBeLessThan(TOLERANCE);

      const eventsBefore = await historyEventCount(handle);
      expect(eventsBefore).toBeLessThan(200);

      const resolved = await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'approved', note: 'seen approved in the SecPaid dashboard', operator: 'ops@example.com' }] });
      expect(resolved.status).toBe('approved');
      expect(resolved.resolvedBy).toBe('ops@example.com');
      expect(resolved.transitions.at(-1)?.cause).toBe('operator ops@example.com resolve: seen approved in the SecPaid dashboard');
      expect(resolved.attention).toBeUndefined();
      const final = await finish(env, handle);
      expect(final.status).toBe('approved');
      expect(final.polling).toBeUndefined();
      const callsAtResolve = log.calls.length;
      await env.sleep(2 * DAY);
      expect(log.calls.length).toBe(callsAtResolve);

      const events = await historyEventCount(handle);
      expect(events).toBeLessThan(200);
      reportMetrics(`secpaid 14-day review (${review.length} review checks) -> needs_attention -> ${slow.length} slow checks -> resolve approved`, events, log);
    });
  });

  it('14-day review times out, then the slow check finds the Refund entry -> approved', async () => {
    const log = new CallLog(env);
    const t0 = await env.currentTimeMs();
    const h = await newWorker(env, log.record({
      secpaidSubmitRefund: async () => submitted,
      secpaidAwaitRefund: async () => {
        if ((await env.currentTimeMs()) < t0 + 15 * DAY) throw stillPending();
        return entry;
      },
    }));
    const { state, events } = await withRefund(h, request(), async (handle) => ({ state: await finish(env, handle), events: await historyEventCount(handle) }));
    expect(steps(state)).toEqual([['pending', 'submitting'], ['pending', 'awaiting_admin_review'], ['needs_attention', null], ['approved', null]]);
    expect(state.transitions[2]?.cause).toMatch(/after 14 days/);
    expect(state.transitions[3]?.cause).toMatch(/^SecPaid approved: Refund entry 20261123-pi-0000000001/);
    const approvedAt = Date.parse(state.transitions[3]!.at);
    expect(approvedAt).toBeGreaterThanOrEqual(t0 + 15 * DAY);
    expect(approvedAt).toBeLessThan(t0 + 15 * DAY + 12 * HOUR + TOLERANCE);
    expect(state.attention).toBeUndefined();
    expect(state.polling).toBeUndefined();
    expect(state.provider.refundId).toBe('20261123-pi-0000000001');
    expect(events).toBeLessThan(200);
    reportMetrics('secpaid 14-day timeout -> slow check finds entry -> approved', events, log);
  });
});

describe('SecPaid: operator review outcome while awaiting review', () => {
  async function awaitingReview(log: CallLog) {
    return newWorker(env, log.record({
      secpaidSubmitRefund: async () => submitted,
      secpaidAwaitRefund: async () => {
        throw stillPending();
      },
    }));
  }

  it('approve: final, recorded with operator and note, and polling stops', async () => {
    const log = new CallLog(env);
    const h = await awaitingReview(log);
    await withRefund(h, request(), async (handle) => {
      await waitForState(handle, (s) => s.polling !== undefined);
      await env.sleep(HOUR);
      const pollsBefore = log.of('secpaidAwaitRefund');
      expect(pollsBefore.map((c) => c.attempt)).toEqual([1, 2, 3, 4, 5]); // 0, 2, 6, 14, 30 minutes
      const during = await getRefund(handle);
      expect(during.status).toBe('pending');
      expect(during.polling?.schedule).toEqual(SECPAID_REVIEW);

      const approved = await handle.executeUpdate(approveRefundUpdate, { args: [{ operator: 'ops@example.com', note: 'approved in the dashboard' }] });
      expect(approved.status).toBe('approved');
      expect(approved.transitions.at(-1)).toMatchObject({ status: 'approved', cause: 'operator ops@example.com approve: SecPaid review approved (approved in the dashboard)' });
      expect(approved.resolvedBy).toBe('ops@example.com');
      const final = await finish(env, handle);
      expect(steps(final)).toEqual([['pending', 'submitting'], ['pending', 'awaiting_admin_review'], ['approved', null]]);
      expect(final.polling).toBeUndefined();
      const n = log.calls.length;
      await env.sleep(3 * DAY);
      expect(log.calls.length).toBe(n);
      expect(n).toBe(1 + pollsBefore.length);
      reportMetrics('secpaid operator approve while awaiting review', await historyEventCount(handle), log);
    });
  });

  it('reject with a reason: rejected, the reason kept as the provider message, and polling stops', async () => {
    const log = new CallLog(env);
    const h = await awaitingReview(log);
    await withRefund(h, request(), async (handle) => {
      await waitForState(handle, (s) => s.polling !== undefined);
      await env.sleep(20 * MINUTE);
      const rejected = await handle.executeUpdate(rejectRefundUpdate, { args: [{ operator: 'ops@example.com', reason: 'merchant disputes the refund' }] });
      expect(rejected.status).toBe('rejected');
      expect(rejected.transitions.at(-1)).toMatchObject({
        status: 'rejected',
        cause: 'operator ops@example.com reject: SecPaid review rejected: merchant disputes the refund',
        providerMessage: 'merchant disputes the refund',
      });
      expect(rejected.provider).toMatchObject({ status: 'Rejected', message: 'merchant disputes the refund' });
      const final = await finish(env, handle);
      expect(final.status).toBe('rejected');
      expect(final.polling).toBeUndefined();
      const n = log.calls.length;
      await env.sleep(3 * DAY);
      expect(log.calls.length).toBe(n);
      expect(log.of('secpaidAwaitRefund').map((c) => c.attempt)).toEqual([1, 2, 3, 4]); // 0, 2, 6, 14 minutes
    });
  });
});

describe('SecPaid: submission outcomes', () => {
  it('"Refund already requested" on the FIRST attempt -> needs_attention with a slow check; an operator resolves it', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({
      secpaidSubmitRefund: async () => ({ outcome: 'already_requested', message: 'Refund already requested' }),
      secpaidAwaitRefund: async () => {
        throw stillPending();
      },
    }));
    await withRefund(h, request(), async (handle) => {
      const s = await waitForState(handle, (x) => x.status === 'needs_attention' && x.polling !== undefined);
      expect(steps(s)).toEqual([['pending', 'submitting'], ['needs_attention', null]]);
      expect(s.transitions[1]).toMatchObject({
        cause: 'SecPaid answered "Refund already requested" to our first request: another refund of this payment exists',
        providerMessage: 'Refund already requested',
      });
      expect(s.polling?.schedule).toEqual(SLOW_CHECK);
      await env.sleep(DAY + MINUTE);
      const slow = log.of('secpaidAwaitRefund');
      expect(slow.map((c) => c.attempt)).toEqual([1, 2, 3]); // 0, 12 h, 24 h
      expect(log.of('secpaidSubmitRefund')).toHaveLength(1);
      const resolved = await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'rejected', note: 'a different refund of this payment exists', operator: 'ops' }] });
      expect(resolved.status).toBe('rejected');
      const final = await finish(env, handle);
      expect(steps(final)).toEqual([['pending', 'submitting'], ['needs_attention', null], ['rejected', null]]);
      expect(final.polling).toBeUndefined();
      reportMetrics('secpaid already_requested first attempt -> needs_attention -> resolve', await historyEventCount(handle), log);
    });
  });

  it('the slow check stops on a non-retryable failure and the attention note says so', async () => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({
      secpaidSubmitRefund: async () => ({ outcome: 'already_requested', message: 'Refund already requested' }),
      secpaidAwaitRefund: async () => {
        throw providerFailure('ProviderAuth', 'Incorrect token or missing token');
      },
    }));
    await withRefund(h, request(), async (handle) => {
      const s = await waitForState(handle, (x) => x.attention?.includes('slow check stopped') === true);
      expect(s.status).toBe('needs_attention');
      expect(s.attention).toMatch(/another refund of this payment exists; slow check stopped: ProviderAuth: Incorrect token or missing token$/);
      expect(s.polling).toBeUndefined();
      expect(log.names()).toEqual(['secpaidSubmitRefund', 'secpaidAwaitRefund']);
    });
  });

  it('ProviderAmbiguous on the first submit, "Refund already requested" on the second -> ours: pending review -> approved', async () => {
    const log = new CallLog(env);
    let submits = 0;
    const h = await newWorker(env, log.record({
      secpaidSubmitRefund: async () => {
        if (++submits === 1) throw providerFailure('ProviderAmbiguous', 'connection reset after the request was sent');
        return { outcome: 'already_requested', message: 'Refund already requested' };
      },
      secpaidAwaitRefund: async () => entry,
    }));
    const { state, events } = await withRefund(h, request(), async (handle) => ({ state: await finish(env, handle), events: await historyEventCount(handle) }));
    expect(steps(state)).toEqual([['pending', 'submitting'], ['pending', 'awaiting_admin_review'], ['approved', null]]);
    expect(state.transitions[1]?.cause).toBe('submitted to SecPaid (confirmed by "Refund already requested" after a lost answer)');
    expect(state.submitAttempts).toBe(2);
    const submitLog = log.of('secpaidSubmitRefund');
    expect(submitLog).toHaveLength(2);
    expect(submitLog[1]?.input).toEqual(submitLog[0]?.input);
    expect(submitLog.map((c) => c.attempt)).toEqual([1, 1]); // resubmitted by the workflow, not retried by the server
    reportMetrics('secpaid ambiguous -> already_requested (ours) -> approved', events, log);
  });

  // Failure matrix: what a submission failure (type x retryable) makes of the refund.
  it.each([
    { type: 'ProviderDeclined', retryable: false, message: 'Refund blocked by dispute', code: '0', status: 'rejected', cause: 'SecPaid declined the refund: Refund blocked by dispute', submits: 1 },
    { type: 'ProviderInvalidRequest', retryable: false, message: 'Invalid refund amount', code: undefined, status: 'failed', cause: 'SecPaid refused the request: Invalid refund amount', submits: 1 },
    { type: 'ProviderNotFound', retryable: false, message: 'Link not found', code: undefined, status: 'failed', cause: 'SecPaid refused the request: Link not found', submits: 1 },
    { type: 'ProviderAuth', retryable: false, message: 'Incorrect token or missing token', code: '0', status: 'needs_attention', cause: "SecPaid refused our credentials (nothing was refunded): fix the worker's configuration, then resolve", submits: 1 },
    { type: 'ProviderAmbiguous', retryable: false, message: 'socket hang up', code: undefined, status: 'needs_attention', cause: 'SecPaid gave no definite answer after 5 submissions: check whether the refund exists at SecPaid, then resolve', submits: 5 },
    { type: 'ProviderTransient', retryable: true, message: 'connect ECONNREFUSED', code: undefined, status: 'needs_attention', cause: 'could not submit to SecPaid: ProviderTransient: connect ECONNREFUSED', submits: 'many' },
  ] as const)('submit fails with $type (retryable: $retryable) -> $status', async ({ type, retryable, message, code, status, cause, submits }) => {
    const log = new CallLog(env);
    const h = await newWorker(env, log.record({
      secpaidSubmitRefund: async () => {
        throw providerFailure(type, message, { nonRetryable: !retryable, ...(code ? { providerCode: code } : {}) });
      },
    }));
    await withRefund(h, request(), async (handle) => {
      const t0 = await env.currentTimeMs();
      let state: RefundState;
      if (status === 'needs_attention') {
        // Resubmissions with backoff end within about an hour; lost answers are looked up (here:
        // resubmitted) only after letting the lost request land, 30 s each.
        if (retryable || type === 'ProviderAmbiguous') await env.sleep(3 * HOUR);
        state = await waitForState(handle, (s) => s.status === 'needs_attention');
      } else {
        state = await finish(env, handle);
      }
      expect(steps(state)).toEqual([['pending', 'submitting'], [status, null]]);
      const last = state.transitions[1]!;
      expect(last.cause).toBe(cause);
      expect(last.providerMessage).toBe(message);
      expect(last.providerCode).toBe(code);
      expect(state.provider).toMatchObject({ message, ...(code ? { code } : {}) });
      expect(state.polling).toBeUndefined();
      const submitLog = log.of('secpaidSubmitRefund');
      expect(log.calls).toHaveLength(submitLog.length); // no review poll
      if (submits === 'many') {
        // Surely not sent: resubmitted with backoff (same request each time), bounded, then a human is told.
        expect(submitLog.length).toBeGreaterThan(5);
        expect(new Set(submitLog.map((c) => JSON.stringify(c.input))).size).toBe(1);
        const gaps = submitLog.slice(1).map((c, i) => c.atMs - submitLog[i]!.atMs);
        expect(gaps.every((g) => g >= 500)).toBe(true);
        expect(submitLog.at(-1)!.atMs - t0).toBeLessThanOrEqual(2 * HOUR);
      } else {
        expect(submitLog).toHaveLength(submits);
        expect(state.submitAttempts).toBe(submits);
      }
      reportMetrics(`secpaid submit ${type} -> ${status}`, await historyEventCount(handle), log);
    });
  });

  it('a rate-limited submission (retryable) is resubmitted after a backoff and then goes on to review', async () => {
    const log = new CallLog(env);
    let n = 0;
    const h = await newWorker(env, log.record({
      secpaidSubmitRefund: async () => {
        if (++n <= 2) throw providerFailure('ProviderRateLimited', 'HTTP 429', { nonRetryable: false });
        return submitted;
      },
      secpaidAwaitRefund: async () => entry,
    }));
    const state = await withRefund(h, request(), (handle) => finish(env, handle));
    expect(steps(state)).toEqual([['pending', 'submitting'], ['pending', 'awaiting_admin_review'], ['approved', null]]);
    expect(state.transitions[1]?.cause).toBe('submitted to SecPaid'); // not "confirmed after a lost answer": a 429 was surely not processed
    const submits = log.of('secpaidSubmitRefund');
    expect(submits).toHaveLength(3);
    expect(new Set(submits.map((c) => JSON.stringify(c.input))).size).toBe(1);
    expect(submits[1]!.atMs).toBeGreaterThan(submits[0]!.atMs); // backed off, not hammered
  });
});
