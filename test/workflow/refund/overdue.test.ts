/**
 * Expected-by and overdue (workflows/overdue.ts) on the time-skipping server: a refund started with
 * `expectedBy` that passes it while not final is marked overdue exactly once (a transition with
 * the same status and pending reason, the checks going on as scheduled, a refund.overdue callback);
 * SecPaid's date follows its answer; a refund final before its date gets no mark; the uncontended
 * synchronous refund gets no event at all from it.
 */
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeliverCallbackInput } from '../../../activities/callbacks.js';
import { expectedByOf, parseSpan, type ExpectedByInput, type ExpectedBySpan } from '../../../domain/expected-by.js';
import type { RefundOutcome } from '../../../domain/outcome.js';
import { parseRefundRequest, refundIdFor, type RefundRequestInput } from '../../../domain/refund.js';
import { intervalBefore, SECPAID_REVIEW } from '../../../domain/schedule.js';
import { refund } from '../../../workflows/index.js';
import { grantApprovalUpdate } from '../../../workflows/messages.js';
import {
  answered,
  callsOf,
  checked,
  currentDetails,
  expectClockFree,
  failure,
  finishRefund,
  newRefundWorkerCached,
  recordFakes,
  requestFor,
  script,
  summaries,
  timerCounts,
  waitForRefund,
  type NewRefundHandle,
  type RefundHarness,
} from '../../helpers/refund-harness.js';
import { CallLog, createTimeSkippingEnv, HOUR, MINUTE, plainClient, skipTo, terminateIfRunning, waitFor } from '../../helpers/time-skipping.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterEach(() => expectClockFree(env));
afterAll(async () => {
  await env?.teardown();
});

const URL = 'https://merchant.example/refund-events';
const TOL = 5_000;
const delivered = async () => ({ httpStatus: 204, deliveredAt: '2026-12-01T10:00:00.000Z', attempt: Context.current().info.attempt });

/** Start as the client does: expectedBy computed from the (test-server) time of the request. */
async function startWithExpectedBy(h: RefundHarness, input: RefundRequestInput, span: ExpectedBySpan | undefined): Promise<{ handle: NewRefundHandle; expectedBy?: ExpectedByInput }> {
  const request = parseRefundRequest(input);
  const expectedBy = span ? { at: expectedByOf(request, span, { requestedAt: await env.currentTimeMs() }), span } : undefined;
  const handle = await plainClient(env).workflow.start(refund, {
    taskQueue: h.taskQueue,
    workflowId: refundIdFor(request.idempotencyKey),
    args: [expectedBy ? { request, expectedBy } : { request }],
  });
  return { handle, ...(expectedBy ? { expectedBy } : {}) };
}

async function run<T>(h: RefundHarness, input: RefundRequestInput, span: ExpectedBySpan | undefined, fn: (handle: NewRefundHandle, expectedBy?: ExpectedByInput) => Promise<T>): Promise<T> {
  return h.worker.runUntil(async () => {
    const { handle, expectedBy } = await startWithExpectedBy(h, input, span);
    try {
      return await fn(handle, expectedBy);
    } finally {
      await terminateIfRunning(handle);
    }
  });
}

describe('expected-by and overdue', { timeout: 180_000 }, () => {
  it("SecPaid: the date follows SecPaid's answer; past it, overdue exactly once; status, reason and checks unchanged; the callback sent", async () => {
    const log = new CallLog(env);
    const submitted: RefundOutcome = { kind: 'pending', reason: 'awaiting_admin_review', message: 'Refund request has been sent successfully, You will get update within 5-10 days' };
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => answered(submitted, { full: false, sendMinor: 2500 }, false),
      checkRefund: async () => checked({ kind: 'pending', reason: 'awaiting_admin_review' }, false),
      deliverCallback: delivered,
    }));
    const span = parseSpan('1h'); // secpaid:1h, so that a few checks come before and after it
    await run(h, requestFor('secpaid', { callbackUrl: URL }), span, async (handle, started) => {
      const answeredState = await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
      const answeredAt = answeredState.transitions[1]!.at;
      expect(answeredState.expectedBy).toBe(new Date(Date.parse(answeredAt) + HOUR).toISOString());
      expect(Date.parse(answeredState.expectedBy!)).toBeGreaterThanOrEqual(Date.parse(started!.at)); // moved later, never earlier

      // Checks at +2, +6, +14, +30, +62, +126 min; overdue at +60 min.
      await skipTo(env, Date.parse(answeredAt) + 3 * HOUR);
      const s = await waitForRefund(handle, (x) => x.checks === 6 && x.overdueAt !== undefined);
      await waitFor(() => callsOf(log, 'deliverCallback').length === 1, 'the overdue callback');

      const marks = s.transitions.filter((t) => t.event === 'overdue');
      expect(marks).toHaveLength(1);
      const mark = marks[0]!;
      expect(Date.parse(mark.at) - Date.parse(s.expectedBy!)).toBeGreaterThanOrEqual(0);
      expect(Date.parse(mark.at) - Date.parse(s.expectedBy!)).toBeLessThan(TOL);
      expect(mark).toEqual({
        at: s.overdueAt,
        status: 'pending',
        pendingReason: 'awaiting_admin_review',
        event: 'overdue',
        cause: expect.stringMatching(/^overdue: expected by .+ UTC: SecPaid's answer promised an update within 5-10 days \(expected 1h after it\); still pending, checks go on as before$/),
      });
      // Nothing else changed: the status and its reason, since when, and the checks' schedule.
      expect(s.status).toBe('pending');
      expect(s.pendingReason).toBe('awaiting_admin_review');
      expect(s.since).toBe(answeredAt);
      expect(s.transitions.map((t) => [t.status, t.pendingReason ?? null, t.event ?? null])).toEqual([
        ['pending', 'submitting', null],
        ['pending', 'awaiting_admin_review', null],
        ['pending', 'awaiting_admin_review', 'overdue'],
      ]);
      const checks = callsOf(log, 'checkRefund');
      const starts = [Date.parse(answeredAt), ...checks.map((c) => c.atMs)];
      checks.forEach((c, i) => {
        expect(c.atMs - starts[i]!).toBeGreaterThanOrEqual(intervalBefore(SECPAID_REVIEW, i + 1));
        expect(c.atMs - starts[i]!).toBeLessThan(intervalBefore(SECPAID_REVIEW, i + 1) + TOL);
      });
      expect(s.nextCheckAt).toBeDefined();

      // The callback: a refund.overdue event, its delivery kept with kind overdue.
      expect(callsOf(log, 'deliverCallback').map((c) => c.input)).toEqual([
        {
          url: URL,
          event: {
            id: `${s.refundId}:1`,
            type: 'refund.overdue',
            refundId: s.refundId,
            status: 'pending',
            pendingReason: 'awaiting_admin_review',
            expectedBy: s.expectedBy!,
            at: mark.at,
            cause: mark.cause,
            provider: 'secpaid',
            currency: 'EUR',
            amountMinor: 2500,
          },
        },
      ] satisfies DeliverCallbackInput[]);
      const later = await waitForRefund(handle, (x) => x.callbacks?.[0]?.state === 'delivered');
      expect(later.callbacks).toEqual([{ eventId: `${s.refundId}:1`, status: 'pending', kind: 'overdue', state: 'delivered', attempts: 1, httpStatus: 204, deliveredAt: '2026-12-01T10:00:00.000Z' }]);

      // A day more: still marked once, checks going on.
      await skipTo(env, Date.parse(answeredAt) + 27 * HOUR);
      const dayLater = await waitForRefund(handle, (x) => (x.checks ?? 0) >= 9);
      expect(dayLater.transitions.filter((t) => t.event === 'overdue')).toHaveLength(1);
      expect(callsOf(log, 'deliverCallback')).toHaveLength(1);
      expect(dayLater.status).toBe('pending');
      // One overdue timer, with its summary; every other timer is a check's.
      const timerSummaries = (await summaries(handle)).filter((x) => x.startsWith('expected by '));
      expect(timerSummaries).toHaveLength(1);
      expect(timerSummaries[0]).toMatch(/^expected by .+ UTC: marked overdue then if not final$/);
      expect(await currentDetails(handle)).toMatch(/^- Expected by: .+ UTC \(\*\*overdue\*\* since .+ UTC\)$/m);
    });
  });

  it('armed by a wait inside the submission, then SecPaid answers: the date moves later, the timer wakes at the old one and sleeps the rest; marked once at the new date', async () => {
    const notReached = failure('ProviderTransient', 'connect ECONNREFUSED', { nonRetryable: false, details: { kind: 'transient', mayHaveReachedProvider: false } });
    const submitted: RefundOutcome = { kind: 'pending', reason: 'awaiting_admin_review', message: 'Refund request submitted successfully' };
    const h = await newRefundWorkerCached(env, {
      submitRefund: script([notReached, answered(submitted, { full: false, sendMinor: 2500 }, false)]),
      checkRefund: async () => checked({ kind: 'pending', reason: 'awaiting_admin_review' }, false),
    });
    await run(h, requestFor('secpaid'), parseSpan('1h'), async (handle, started) => {
      const answeredState = await waitForRefund(handle, (s) => s.nextCheckAt !== undefined, 30_000);
      expect(Date.parse(answeredState.expectedBy!)).toBeGreaterThan(Date.parse(started!.at)); // moved by the retry's pause
      await skipTo(env, Date.parse(answeredState.expectedBy!) + 10 * MINUTE);
      const s = await waitForRefund(handle, (x) => x.overdueAt !== undefined);
      expect(Date.parse(s.overdueAt!)).toBeGreaterThanOrEqual(Date.parse(s.expectedBy!));
      expect(Date.parse(s.overdueAt!) - Date.parse(s.expectedBy!)).toBeLessThan(TOL);
      expect(s.transitions.filter((t) => t.event === 'overdue')).toHaveLength(1);
      // Two overdue timers, none canceled: one to the request's date, one for the rest.
      expect((await summaries(handle)).filter((x) => x.startsWith('expected by '))).toHaveLength(2);
      expect((await timerCounts(handle)).canceled).toBe(0);
    });
  });

  it('final before its date: no mark, no overdue callback; the unfired timer ends with the workflow', async () => {
    const log = new CallLog(env);
    const pending: RefundOutcome = { kind: 'pending', reason: 'provider_processing', refundId: 'rfn_1', providerStatus: 'pending' };
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => answered(pending, { full: false, sendMinor: 25050 }),
      checkRefund: async () => checked({ kind: 'final', status: 'approved', refundId: 'rfn_1', providerStatus: 'succeeded' }),
      deliverCallback: delivered,
    }));
    await run(h, requestFor('reservepay', { callbackUrl: URL }), parseSpan('15m'), async (handle, started) => {
      const s = await finishRefund(env, handle, { stepMs: MINUTE });
      expect(s.status).toBe('approved');
      expect(s.expectedBy).toBe(started!.at); // Reservepay's date does not move
      expect(s.overdueAt).toBeUndefined();
      expect(s.transitions.some((t) => t.event === 'overdue')).toBe(false);
      expect(callsOf(log, 'deliverCallback').map((c) => (c.input as DeliverCallbackInput).event.type)).toEqual(['refund.status_changed']);
      // The check's timer fired; the overdue timer (15 min) was started when the refund began to wait and never fired.
      expect(await timerCounts(handle)).toEqual({ started: 2, fired: 1, canceled: 0 });
    });
  });

  it('needs_attention at its first answer (a person must act): the timer starts for the wait for a person; marked once, still needs_attention', async () => {
    const h = await newRefundWorkerCached(env, { submitRefund: async () => answered({ kind: 'exists', message: 'Refund already requested' }), releasePaymentLock: async () => undefined });
    await run(h, requestFor('openpayd'), parseSpan('15m'), async (handle, started) => {
      await waitForRefund(handle, (s) => s.status === 'needs_attention');
      await env.sleep(20 * MINUTE);
      const s = await waitForRefund(handle, (x) => x.overdueAt !== undefined);
      await env.sleep(HOUR);
      const later = await waitForRefund(handle, (x) => x.status === 'needs_attention');
      expect(later.transitions.filter((t) => t.event === 'overdue')).toEqual([
        { at: s.overdueAt, status: 'needs_attention', event: 'overdue', cause: expect.stringMatching(/^overdue: expected by .+: OpenPayd answers refunds at once \(expected within 15m\); still needs_attention, nothing else changes$/) },
      ]);
      expect(Date.parse(s.overdueAt!) - Date.parse(started!.at)).toBeLessThan(TOL);
      expect(later.attention).toMatch(/a refund of this payment exists that we did not make/);
      expect(await timerCounts(handle)).toEqual({ started: 1, fired: 1, canceled: 0 });
    });
  });

  it('sent late (four-eyes approval, 13a): the date counts from the submission, so the wait for approval does not make it overdue', async () => {
    const h = await newRefundWorkerCached(env, {
      submitRefund: async () => answered({ kind: 'pending', reason: 'provider_processing', refundId: 'rfn_1', providerStatus: 'pending' }, { full: false, sendMinor: 25050 }),
      checkRefund: async () => checked({ kind: 'pending', reason: 'provider_processing', refundId: 'rfn_1', providerStatus: 'pending' }),
      releasePaymentLock: async () => undefined,
    });
    const request = parseRefundRequest(requestFor('reservepay'));
    const span = parseSpan('15m');
    await h.worker.runUntil(async () => {
      const requestedAt = await env.currentTimeMs();
      const handle = await plainClient(env).workflow.start(refund, {
        taskQueue: h.taskQueue,
        workflowId: refundIdFor(request.idempotencyKey),
        args: [{ request, expectedBy: { at: expectedByOf(request, span, { requestedAt }), span }, approval: { requester: 'alice', threshold: { currency: 'THB', amountMinor: 20000 }, timeoutMs: 72 * HOUR } }],
      });
      try {
        await waitForRefund(handle, (s) => s.pendingReason === 'awaiting_approval');
        await env.sleep(2 * HOUR); // the approval takes two hours; no overdue timer meanwhile
        await handle.executeUpdate(grantApprovalUpdate, { args: [{ approver: 'bob' }] });
        const sent = await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
        expect(Date.parse(sent.expectedBy!)).toBe(Date.parse(sent.submittedAt!) + 15 * MINUTE);
        expect(sent.overdueAt).toBeUndefined();
        await env.sleep(20 * MINUTE);
        const late = await waitForRefund(handle, (s) => s.overdueAt !== undefined);
        expect(Date.parse(late.overdueAt!) - Date.parse(late.expectedBy!)).toBeLessThan(TOL);
        expect(late.transitions.filter((t) => t.event === 'overdue')).toHaveLength(1);
      } finally {
        await terminateIfRunning(handle);
      }
    });
  });

  it('the uncontended synchronous refund: not one event more than without expectedBy', async () => {
    const approved: RefundOutcome = { kind: 'final', status: 'approved', providerStatus: 'APPROVED', code: '00', message: 'Approved' };
    const h = await newRefundWorkerCached(env, { submitRefund: async () => answered(approved) });
    const eventTypes = async (handle: NewRefundHandle) => ((await handle.fetchHistory()).events ?? []).map((e) => e.eventType);
    // One worker run for both (a worker runs once).
    const [without, withIt] = await h.worker.runUntil(async () => {
      const a = await startWithExpectedBy(h, requestFor('openpayd'), undefined);
      const b = await startWithExpectedBy(h, requestFor('openpayd'), parseSpan('15m'));
      await finishRefund(env, a.handle);
      const s = await finishRefund(env, b.handle);
      expect(s.expectedBy).toBe(b.expectedBy!.at);
      expect(s.overdueAt).toBeUndefined();
      expect(await timerCounts(b.handle)).toEqual({ started: 0, fired: 0, canceled: 0 });
      return [await eventTypes(a.handle), await eventTypes(b.handle)];
    });
    expect(without.at(-1)).toBe(2); // EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: the refund ran to its end
    expect(withIt).toEqual(without);
  });

  it('a refund started without expectedBy (before this change) is never marked, however late', async () => {
    const h = await newRefundWorkerCached(env, {
      submitRefund: async () => answered({ kind: 'pending', reason: 'provider_processing', providerStatus: 'PENDING', code: '283', message: 'Waiting' }),
      checkRefund: async () => checked({ kind: 'pending', reason: 'provider_processing', providerStatus: 'PENDING' }),
    });
    await run(h, requestFor('openpayd'), undefined, async (handle) => {
      await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
      await env.sleep(2 * HOUR);
      const s = await waitForRefund(handle, (x) => (x.checks ?? 0) >= 5);
      expect(s.expectedBy).toBeUndefined();
      expect(s.overdueAt).toBeUndefined();
      expect(s.transitions.some((t) => t.event === 'overdue')).toBe(false);
      expect((await summaries(handle)).some((x) => x.startsWith('expected by '))).toBe(false);
    });
  });
});
