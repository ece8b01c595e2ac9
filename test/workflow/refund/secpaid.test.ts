/**
 * SecPaid: pending awaiting_admin_review at submission, then checks of the pay-ins at +2, +4, +8 min
 * ... capped at 8 h for 14 days (SECPAID_REVIEW); a check finding the Refund entry approves it; the
 * operator records SecPaid's own review (approveRefund / rejectRefund) while it waits, which cancels
 * the pending timer; 14 days without an outcome -> needs_attention, a slow check twice a day, resolveRefund.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RefundOutcome } from '../../../domain/outcome.js';
import { parseRefundRequest } from '../../../domain/refund.js';
import { checksWithin, intervalBefore, SECPAID_REVIEW, SLOW_CHECK } from '../../../domain/schedule.js';
import { approveRefundUpdate, rejectRefundUpdate, resolveRefundUpdate } from '../../../workflows/messages.js';
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
  script,
  steps,
  summaries,
  timerCounts,
  utcAround,
  waitForEvents,
  waitForRefund,
  withSettledRefund,
  expectClockFree,
} from '../../helpers/refund-harness.js';
import { acceptedUpdates, CallLog, createTimeSkippingEnv, DAY, gate, historyEventCount, HOUR, MINUTE, waitFor } from '../../helpers/time-skipping.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterEach(() => expectClockFree(env));
afterAll(async () => {
  await env?.teardown();
});

const TOL = 5_000;
const submitted: RefundOutcome = { kind: 'pending', reason: 'awaiting_admin_review', message: 'Refund request submitted successfully' };
const noEntry = checked({ kind: 'pending', reason: 'awaiting_admin_review' }, false);
const entry = checked({ kind: 'final', status: 'approved', refundId: '20261201-pi-0000000001', providerStatus: 'Refund', amountMinor: 2500 }, false);
const SENT = { full: false, sendMinor: 2500 };

describe('SecPaid: the admin review', { timeout: 180_000 }, () => {
  it('checks at +2, +4, +8, +16 min; the 4th finds the Refund entry -> approved', async () => {
    const log = new CallLog(env);
    const h = await newRefundWorkerCached(env, recordFakes(log, { submitRefund: async () => answered(submitted, SENT, false), checkRefund: script([noEntry, noEntry, noEntry, entry]) }));
    const input = requestFor('secpaid');
    const r = await withSettledRefund(h, input, async (handle) => ({ state: await finishRefund(env, handle, { stepMs: HOUR }), summaries: await summaries(handle) }));
    const s = r.state;
    const [t0, t1, t2] = s.transitions.map((t) => t.at);
    expect(s).toEqual({
      refundId: `refund-${input.idempotencyKey}`,
      request: parseRefundRequest(input),
      status: 'approved',
      since: t2,
      createdAt: t0,
      updatedAt: t2,
      transitions: [
        { at: t0, status: 'pending', pendingReason: 'submitting', cause: 'refund requested' },
        { at: t1, status: 'pending', pendingReason: 'awaiting_admin_review', cause: 'SecPaid answered: "Refund request submitted successfully"', providerMessage: 'Refund request submitted successfully' },
        { at: t2, status: 'approved', cause: 'SecPaid check 4: Refund (refund 20261201-pi-0000000001)' },
      ],
      provider: { refundId: '20261201-pi-0000000001', status: 'Refund', amountMinor: 2500, message: 'Refund request submitted successfully' },
      submitAttempts: 1,
      submittedAt: t0,
      sent: SENT,
      checks: 4,
      lastAnswer: { at: t2, meaning: 'approved', refundId: '20261201-pi-0000000001', status: 'Refund', amountMinor: 2500 },
      settledBy: { by: 'provider', lostAnswers: 0 },
    });
    const checks = callsOf(log, 'checkRefund');
    const starts = [Date.parse(t1!), ...checks.map((c) => c.atMs)];
    [2, 4, 8, 16].forEach((m, i) => {
      expect(checks[i]!.atMs - starts[i]!).toBeGreaterThanOrEqual(m * MINUTE);
      expect(checks[i]!.atMs - starts[i]!).toBeLessThan(m * MINUTE + TOL);
    });
    expect(checks.map((c) => c.input)).toEqual(Array(4).fill({ refundId: s.refundId, request: s.request, lockScope: h.taskQueue, submittedAfter: t0, amount: SENT }));
    expect(r.summaries).toEqual([
      'submit the refund to SecPaid',
      ...checks.flatMap((c, i) => [
        expect.stringMatching(new RegExp(`^SecPaid admin review: check ${i + 1} of the pay-ins at ${utcAround(c.atMs)}$`)),
        `check ${i + 1} of SecPaid's pay-ins for this refund's Refund entry`,
      ]),
    ]);
  });

  it('approveRefund while it waits: approved at once, the pending timer canceled, no further check', async () => {
    const log = new CallLog(env);
    const h = await newRefundWorkerCached(env, recordFakes(log, { submitRefund: async () => answered(submitted, SENT, false), checkRefund: async () => noEntry }));
    await withSettledRefund(h, requestFor('secpaid'), async (handle) => {
      await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
      await env.sleep(7 * MINUTE); // checks 1 (+2 min) and 2 (+6 min); check 3 is due at +14 min
      const waiting = await waitForRefund(handle, (s) => s.checks === 2);
      expect(waiting.status).toBe('pending');
      const dueMs = Date.parse(waiting.nextCheckAt!);
      const updated = await handle.executeUpdate(approveRefundUpdate, { args: [{ operator: 'ops@example.com', note: 'approved in the SecPaid dashboard' }] });
      expect(updated.status).toBe('approved');
      expect(updated.nextCheckAt).toBeUndefined();
      const state = await finishRefund(env, handle);
      await env.sleep(DAY);
      expect(callsOf(log, 'checkRefund')).toHaveLength(2);
      expect(await env.currentTimeMs()).toBeGreaterThan(dueMs);
      expect(steps(state)).toEqual([['pending', 'submitting'], ['pending', 'awaiting_admin_review'], ['approved', null]]);
      expect(state.transitions[2]).toEqual({ at: state.since, status: 'approved', cause: 'operator ops@example.com approve: SecPaid review approved (approved in the SecPaid dashboard)' });
      expect(state.resolvedBy).toBe('ops@example.com');
      expect(state.checks).toBe(2);
      expect(state.nextCheckAt).toBeUndefined();
      expect(state.provider).toEqual({ message: 'Refund request submitted successfully' });
      // The timer of check 3 was canceled, not left to fire.
      expect(await timerCounts(handle)).toEqual({ started: 3, fired: 2, canceled: 1 });
      expect(await acceptedUpdates(handle as never)).toEqual(['approveRefund']);
      expect(await summaries(handle)).toHaveLength(1 + 2 * 2 + 1); // submit, 2 x (timer, check), the canceled timer
    });
  });

  it("rejectRefund while it waits: rejected with SecPaid's reason, timer canceled, no further check", async () => {
    const log = new CallLog(env);
    const h = await newRefundWorkerCached(env, recordFakes(log, { submitRefund: async () => answered(submitted, SENT, false), checkRefund: async () => noEntry }));
    await withSettledRefund(h, requestFor('secpaid'), async (handle) => {
      await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
      await env.sleep(3 * MINUTE);
      await waitForRefund(handle, (s) => s.checks === 1);
      await handle.executeUpdate(rejectRefundUpdate, { args: [{ reason: ' merchant disputes the refund ', operator: 'ops@example.com' }] });
      const state = await finishRefund(env, handle);
      await env.sleep(DAY);
      expect(callsOf(log, 'checkRefund')).toHaveLength(1);
      expect(state.status).toBe('rejected');
      expect(state.transitions[2]).toEqual({
        at: state.since,
        status: 'rejected',
        cause: 'operator ops@example.com reject: SecPaid review rejected: merchant disputes the refund',
        providerMessage: 'merchant disputes the refund',
      });
      expect(state.provider).toEqual({ message: 'merchant disputes the refund' });
      expect(state.resolvedBy).toBe('ops@example.com');
      expect(await timerCounts(handle)).toEqual({ started: 2, fired: 1, canceled: 1 });
    });
  });

  it("approveRefund while a check is in flight: the check is abandoned, its late answer changes nothing", async () => {
    const log = new CallLog(env);
    const held = gate();
    const delivering = gate();
    let n = 0;
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => answered(submitted, SENT, false),
      checkRefund: async () => {
        if (++n === 1) return noEntry;
        await held.promise;
        return checked({ kind: 'final', status: 'rejected', providerStatus: 'Failed' }, false);
      },
      // The callback of "approved" keeps the workflow open until the abandoned check has ended: the
      // test server keeps retrying an activity its closed workflow left behind, each retry holding its
      // clock for the activity's minute, for a day.
      deliverCallback: async () => {
        await delivering.promise;
        return { httpStatus: 204, deliveredAt: '2026-12-01T10:00:00.000Z', attempt: 1 };
      },
    }));
    await withSettledRefund(h, requestFor('secpaid', { callbackUrl: 'https://merchant.example/refunds' }), async (handle) => {
      try {
        await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
        await env.sleep(3 * MINUTE);
        await waitForRefund(handle, (s) => s.checks === 1);
        void env.sleep(5 * MINUTE); // check 2 starts and hangs on the gate (its run holds the clock)
        await waitFor(() => callsOf(log, 'checkRefund').length === 2, 'check 2 in flight');
        const updated = await handle.executeUpdate(approveRefundUpdate, { args: [{}] });
        expect(updated.status).toBe('approved');
        held.open();
        await waitFor(() => log.calls.length === 4, 'the late answer and the callback');
        // Submission, check 1, and the late check 2: recorded while the workflow is still open.
        await waitForEvents(handle, (events) => events.filter((e) => e.activityTaskCompletedEventAttributes).length === 3, 'the late check completed');
        const s = await waitForRefund(handle, () => true);
        expect(s.status).toBe('approved');
        expect(s.lastAnswer?.meaning).toBe('pending (awaiting_admin_review)');
      } finally {
        held.open();
        delivering.open();
      }
      const state = await finishRefund(env, handle);
      expect(state.status).toBe('approved');
      expect(state.transitions.at(-1)!.cause).toBe('operator approve: SecPaid review approved');
      expect(state.lastAnswer?.meaning).toBe('pending (awaiting_admin_review)');
      expect(state.provider).toEqual({ message: 'Refund request submitted successfully' });
      expect(state.resolvedBy).toBeUndefined();
      expect(state.checks).toBe(2);
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.filter((e) => e.activityTaskCancelRequestedEventAttributes)).toHaveLength(1);
    });
  });

  it('14 days without an outcome: ~50 checks, needs_attention at the first check past the deadline, slow checks twice a day, resolveRefund approved', async () => {
    const log = new CallLog(env);
    const h = await newRefundWorkerCached(env, recordFakes(log, { submitRefund: async () => answered(submitted, SENT, false), checkRefund: async () => noEntry }));
    await withSettledRefund(h, requestFor('secpaid'), async (handle) => {
      const started = await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
      const waitStart = Date.parse(started.transitions[1]!.at);
      await env.sleep(14 * DAY + 12 * HOUR);
      const attention = await waitForRefund(handle, (s) => s.status === 'needs_attention');
      const checks = callsOf(log, 'checkRefund');
      // checksWithin counts the poll's attempt at 0 too; the timers start at +2 min: 48 checks within
      // the 14 days, then the first one past them (12 h after the last) finds the patience over.
      const within = checksWithin(SECPAID_REVIEW, 14 * DAY) - 1;
      expect(within).toBe(48);
      expect(checks).toHaveLength(within + 1);
      for (let i = 0; i < within; i++) {
        const gap = checks[i]!.atMs - (i === 0 ? waitStart : checks[i - 1]!.atMs);
        expect(gap, `check ${i + 1}`).toBeGreaterThanOrEqual(intervalBefore(SECPAID_REVIEW, i + 1));
        expect(gap, `check ${i + 1}`).toBeLessThan(intervalBefore(SECPAID_REVIEW, i + 1) + TOL);
      }
      expect(checks[within - 1]!.atMs - waitStart).toBeLessThanOrEqual(14 * DAY);
      expect(checks[within]!.atMs - checks[within - 1]!.atMs).toBeGreaterThanOrEqual(SLOW_CHECK.initialIntervalMs);
      expect(checks[within]!.atMs - checks[within - 1]!.atMs).toBeLessThan(SLOW_CHECK.initialIntervalMs + TOL);
      expect(steps(attention)).toEqual([['pending', 'submitting'], ['pending', 'awaiting_admin_review'], ['needs_attention', null]]);
      expect(attention.attention).toBe(WAITING.secpaid.patienceText);
      expect(isNear(attention.since, checks[within]!.atMs)).toBe(true);
      expect(Date.parse(attention.nextCheckAt!) - Date.parse(attention.since)).toBe(SLOW_CHECK.initialIntervalMs);

      await env.sleep(24 * HOUR);
      await waitForRefund(handle, (s) => s.checks === within + 3);
      const slow = callsOf(log, 'checkRefund').slice(within);
      expect(slow).toHaveLength(3);
      for (let i = 1; i < 3; i++) {
        expect(slow[i]!.atMs - slow[i - 1]!.atMs).toBeGreaterThanOrEqual(SLOW_CHECK.initialIntervalMs);
        expect(slow[i]!.atMs - slow[i - 1]!.atMs).toBeLessThan(SLOW_CHECK.initialIntervalMs + TOL);
      }
      await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'approved', note: 'Refund entry found by hand in the dashboard', operator: 'ops@example.com' }] });
      const state = await finishRefund(env, handle);
      expect(state.status).toBe('approved');
      expect(state.transitions.at(-1)).toEqual({ at: state.since, status: 'approved', cause: 'operator ops@example.com resolve: Refund entry found by hand in the dashboard' });
      expect(state.attention).toBeUndefined();
      expect(state.nextCheckAt).toBeUndefined();
      expect(state.checks).toBe(within + 3);
      expect((await timerCounts(handle)).canceled).toBe(1);
      expect(log.names().filter((x) => x !== 'checkRefund')).toEqual(['submitRefund']);
      // 14 days of checks: each a timer and one read, about 11 events (2 timer, 3 activity, 2 x 3
      // workflow task; 582 for these 51 checks); nothing else grows the history.
      expect(await historyEventCount(handle as never)).toBeLessThanOrEqual(12 * (within + 3) + 30);
    });
  });
});
