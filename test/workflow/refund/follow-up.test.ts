/**
 * Reservepay and OpenPayd answered "pending" at submission: checks on the SYNC_FOLLOW_UP schedule
 * (30 s, 60 s, 120 s ... capped at 1 h), each a timer with its summary and one checkRefund; after
 * 3 days without an outcome a person is told (needs_attention) and a check twice a day goes on
 * until a final answer ends it.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RefundOutcome } from '../../../domain/outcome.js';
import { parseRefundRequest } from '../../../domain/refund.js';
import { intervalBefore, SLOW_CHECK, SYNC_FOLLOW_UP } from '../../../domain/schedule.js';
import { WAITING } from '../../../workflows/waiting.js';
import {
  answered,
  callsOf,
  checked,
  finishRefund,
  isNear,
  newRefundWorkerCached,
  recordFakes,
  requestFor,
  scheduledActivities,
  script,
  steps,
  summaries,
  utcAround,
  waitForRefund,
  withSettledRefund,
  expectClockFree,
} from '../../helpers/refund-harness.js';
import { CallLog, createTimeSkippingEnv, DAY, HOUR } from '../../helpers/time-skipping.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterEach(() => expectClockFree(env));
afterAll(async () => {
  await env?.teardown();
});

/** A check's timer may fire this much after its due time, plus the check's own run (real time). */
const TOL = 5_000;

/** Offsets from the start of the wait of the checks the schedule makes before its deadline. */
function plannedChecks(): number[] {
  const out: number[] = [];
  for (let n = 1, t = 0; ; n++) {
    const next = t + intervalBefore(SYNC_FOLLOW_UP, n);
    if (next > SYNC_FOLLOW_UP.deadlineMs!) return out;
    out.push(next);
    t = next;
  }
}

describe('refund: pending at submission, then checks', { timeout: 180_000 }, () => {
  it('Reservepay pending -> checks 30 s, 60 s, 120 s apart -> approved on check 3', async () => {
    const log = new CallLog(env);
    const pending: RefundOutcome = { kind: 'pending', reason: 'provider_processing', refundId: 'rfn_1', providerStatus: 'pending' };
    const approved: RefundOutcome = { kind: 'final', status: 'approved', refundId: 'rfn_1', providerStatus: 'succeeded', amountMinor: 25050 };
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => answered(pending, { full: false, sendMinor: 25050 }),
      checkRefund: script([checked(pending), checked(pending), checked(approved)]),
    }));
    const input = requestFor('reservepay');
    const r = await withSettledRefund(h, input, async (handle) => {
      const waiting = await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
      return { waiting, state: await finishRefund(env, handle, { stepMs: HOUR }), summaries: await summaries(handle), activities: await scheduledActivities(handle) };
    });
    const s = r.state;
    const [t0, t1, t2] = s.transitions.map((t) => t.at);
    const checks = callsOf(log, 'checkRefund');
    const submit = callsOf(log, 'submitRefund')[0]!;

    // While it waited: pending with its reason, the first check due 30 s after the answer.
    expect(r.waiting.status).toBe('pending');
    expect(r.waiting.pendingReason).toBe('provider_processing');
    expect(Date.parse(r.waiting.nextCheckAt!) - Date.parse(t1!)).toBe(30_000);
    expect(r.waiting.checks).toBeUndefined();

    const request = parseRefundRequest(input);
    expect(s).toEqual({
      refundId: `refund-${input.idempotencyKey}`,
      request,
      status: 'approved',
      since: t2,
      createdAt: t0,
      updatedAt: t2,
      transitions: [
        { at: t0, status: 'pending', pendingReason: 'submitting', cause: 'refund requested' },
        { at: t1, status: 'pending', pendingReason: 'provider_processing', cause: 'Reservepay answered: pending (refund rfn_1)' },
        { at: t2, status: 'approved', cause: 'Reservepay check 3: succeeded (refund rfn_1)' },
      ],
      provider: { refundId: 'rfn_1', status: 'succeeded', amountMinor: 25050 },
      submitAttempts: 1,
      submittedAt: t0,
      sent: { full: false, sendMinor: 25050 },
      checks: 3,
      lastAnswer: { at: t2, meaning: 'approved', refundId: 'rfn_1', status: 'succeeded', amountMinor: 25050 },
      settledBy: { by: 'provider', lostAnswers: 0 },
    });

    expect(log.names()).toEqual(['submitRefund', 'checkRefund', 'checkRefund', 'checkRefund']);
    expect(isNear(t1, submit.atMs)).toBe(true);
    // Each check: the wait of the schedule after the previous answer (not activity retries: attempt 1 each).
    const starts = [Date.parse(t1!), ...checks.map((c) => c.atMs)];
    [30_000, 60_000, 120_000].forEach((gap, i) => {
      expect(checks[i]!.attempt).toBe(1);
      expect(checks[i]!.atMs - starts[i]!).toBeGreaterThanOrEqual(gap);
      expect(checks[i]!.atMs - starts[i]!).toBeLessThan(gap + TOL);
    });
    expect(isNear(t2, checks[2]!.atMs)).toBe(true);
    for (const c of checks) {
      expect(c.input).toEqual({ refundId: s.refundId, request, lockScope: h.taskQueue, submittedAfter: t0, amount: { full: false, sendMinor: 25050 }, providerRefundId: 'rfn_1' });
    }
    // Each check is a timer that says when and why, then one read that says which.
    expect(r.summaries).toEqual([
      'submit the refund to Reservepay',
      ...checks.flatMap((c, i) => [
        expect.stringMatching(new RegExp(`^Reservepay refund pending: check ${i + 1} of find-refund at ${utcAround(c.atMs)}$`)),
        `check ${i + 1} of Reservepay's find-refund for this refund`,
      ]),
    ]);
    // The check's activity released the payment lock with the final answer: nothing else to run.
    expect(r.activities).toEqual(['submitRefund', 'checkRefund', 'checkRefund', 'checkRefund']);
  });

  it('OpenPayd pending for 3 days: the schedule to its deadline, needs_attention at the first check past it, then twice a day until approved', async () => {
    const log = new CallLog(env);
    const pending: RefundOutcome = { kind: 'pending', reason: 'provider_processing', providerStatus: 'PENDING', code: '01', message: 'Waiting' };
    let outcome: RefundOutcome = pending;
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => answered(pending),
      checkRefund: async () => checked(outcome),
    }));
    const planned = plannedChecks();
    // 3 days: the decaying checks to the 1-hour cap, then hourly, 77 in all before the deadline.
    expect(planned).toHaveLength(77);
    await withSettledRefund(h, requestFor('openpayd'), async (handle) => {
      const started = await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
      const waitStart = Date.parse(started.transitions[1]!.at);

      await env.sleep(3 * DAY + 12 * HOUR);
      const attention = await waitForRefund(handle, (s) => s.status === 'needs_attention');
      const checks = callsOf(log, 'checkRefund');
      expect(checks).toHaveLength(planned.length + 1);
      // The scheduled checks, each the schedule's interval after the previous one.
      for (let i = 0; i < planned.length; i++) {
        const gap = checks[i]!.atMs - (i === 0 ? waitStart : checks[i - 1]!.atMs);
        const want = intervalBefore(SYNC_FOLLOW_UP, i + 1);
        expect(gap, `check ${i + 1}`).toBeGreaterThanOrEqual(want);
        expect(gap, `check ${i + 1}`).toBeLessThan(want + TOL);
      }
      expect(checks[planned.length - 1]!.atMs - waitStart).toBeLessThanOrEqual(3 * DAY);
      // The next one would pass the deadline: the slow check, 12 h later; it finds the patience over.
      const slow = checks[planned.length]!;
      expect(slow.atMs - checks[planned.length - 1]!.atMs).toBeGreaterThanOrEqual(SLOW_CHECK.initialIntervalMs);
      expect(slow.atMs - checks[planned.length - 1]!.atMs).toBeLessThan(SLOW_CHECK.initialIntervalMs + TOL);
      const told = attention.transitions.at(-1)!;
      expect(steps(attention)).toEqual([['pending', 'submitting'], ['pending', 'provider_processing'], ['needs_attention', null]]);
      expect(told.cause).toBe(WAITING.openpayd.patienceText);
      expect(attention.attention).toBe(WAITING.openpayd.patienceText);
      expect(isNear(told.at, slow.atMs)).toBe(true);
      expect(Date.parse(told.at) - waitStart).toBeGreaterThanOrEqual(3 * DAY);
      expect(Date.parse(told.at) - waitStart).toBeLessThanOrEqual(3 * DAY + 12 * HOUR);
      expect(attention.checks).toBe(planned.length + 1);
      expect(attention.pendingReason).toBeUndefined();
      expect(attention.lastAnswer).toMatchObject({ meaning: 'pending (provider_processing)', status: 'PENDING', code: '01', message: 'Waiting' });
      expect(Date.parse(attention.nextCheckAt!) - Date.parse(told.at)).toBe(SLOW_CHECK.initialIntervalMs);

      // Checks go on twice a day; pending answers leave it in needs_attention.
      await env.sleep(12 * HOUR);
      const still = await waitForRefund(handle, (s) => s.checks === planned.length + 2);
      expect(still.status).toBe('needs_attention');
      expect(still.transitions).toHaveLength(3);
      const next = callsOf(log, 'checkRefund').at(-1)!;
      expect(next.atMs - slow.atMs).toBeGreaterThanOrEqual(SLOW_CHECK.initialIntervalMs);
      expect(next.atMs - slow.atMs).toBeLessThan(SLOW_CHECK.initialIntervalMs + TOL);

      // A later final answer ends it.
      outcome = { kind: 'final', status: 'approved', providerStatus: 'APPROVED', code: '00', message: 'Approved', amountMinor: 5000 };
      const state = await finishRefund(env, handle, { stepMs: HOUR });
      const last = callsOf(log, 'checkRefund').at(-1)!;
      expect(callsOf(log, 'checkRefund')).toHaveLength(planned.length + 3);
      expect(last.atMs - next.atMs).toBeGreaterThanOrEqual(SLOW_CHECK.initialIntervalMs);
      expect(state.status).toBe('approved');
      expect(steps(state)).toEqual([['pending', 'submitting'], ['pending', 'provider_processing'], ['needs_attention', null], ['approved', null]]);
      expect(state.transitions.at(-1)).toEqual({ at: state.since, status: 'approved', cause: `OpenPayd check ${planned.length + 3}: APPROVED 00 "Approved"`, providerCode: '00', providerMessage: 'Approved' });
      expect(state.attention).toBeUndefined();
      expect(state.nextCheckAt).toBeUndefined();
      expect(state.checks).toBe(planned.length + 3);
      expect(state.provider).toEqual({ status: 'APPROVED', code: '00', message: 'Approved', amountMinor: 5000 });
      expect(state.lock).toBeUndefined();
      // The final check released the lock: no releasePaymentLock, only checks after the submission.
      expect(new Set(log.names().slice(1))).toEqual(new Set(['checkRefund']));
      const sums = await summaries(handle);
      expect(sums.filter((x) => x.startsWith('OpenPayd answered pending: check '))).toHaveLength(planned.length + 3);
      expect(sums.some((x) => x.startsWith('hand the payment on'))).toBe(false);
    });
  });
});
