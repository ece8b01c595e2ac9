/**
 * Lost answers: a submission that may have reached the provider (ProviderAmbiguous, or the
 * activity timed out because its worker died) is never sent again blindly. The workflow lets the
 * request land (settleAfterMs, else 30 s), looks the refund up, and only when the provider has
 * nothing sends it again; more than 4 lost answers -> needs_attention. `exists` on our first
 * request is somebody else's refund (needs_attention, no checks); after a lost answer it is ours.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LookUpRefundInput } from '../../../activities/refunds.js';
import type { RefundOutcome } from '../../../domain/outcome.js';
import { parseRefundRequest } from '../../../domain/refund.js';
import { IN_FLIGHT_SETTLE_MS, MAX_LOST_ANSWERS } from '../../../workflows/submission.js';
import { resolveRefundUpdate } from '../../../workflows/messages.js';
import {
  ambiguous,
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
  waitForRefund,
  withSettledRefund,
  expectClockFree,
} from '../../helpers/refund-harness.js';
import { acceptedUpdates, CallLog, createTimeSkippingEnv, DAY, gate, HOUR, MINUTE } from '../../helpers/time-skipping.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterEach(() => expectClockFree(env));
afterAll(async () => {
  await env?.teardown();
});

const TOL = 5_000;
const approved: RefundOutcome = { kind: 'final', status: 'approved', providerStatus: 'APPROVED', code: '00', message: 'Approved', amountMinor: 5000 };
const found = (o: RefundOutcome, lockReleased = o.kind === 'final') => ({ ...o, amount: { full: true }, lockReleased });
type Found = Awaited<ReturnType<NonNullable<import('../../helpers/refund-harness.js').FakeRefundActivities['lookUpRefund']>>>;

describe('refund: lost answers', { timeout: 180_000 }, () => {
  it('ProviderAmbiguous (settleAfterMs 60 s): a 60 s wait, then a look-up that finds it approved', async () => {
    const log = new CallLog(env);
    const h = await newRefundWorkerCached(env, recordFakes(log, { submitRefund: script([ambiguous(60_000)]), lookUpRefund: script<Found>([found(approved)]) }));
    const input = requestFor('openpayd');
    const r = await withSettledRefund(h, input, async (handle) => ({ state: await finishRefund(env, handle, { stepMs: HOUR }), summaries: await summaries(handle) }));
    const s = r.state;
    const [t0, t1] = s.transitions.map((t) => t.at);
    const request = parseRefundRequest(input);
    expect(s).toEqual({
      refundId: `refund-${input.idempotencyKey}`,
      request,
      status: 'approved',
      since: t1,
      createdAt: t0,
      updatedAt: t1,
      transitions: [
        { at: t0, status: 'pending', pendingReason: 'submitting', cause: 'refund requested' },
        { at: t1, status: 'approved', cause: 'OpenPayd answered after a lost answer: APPROVED 00 "Approved"', providerCode: '00', providerMessage: 'Approved' },
      ],
      provider: { status: 'APPROVED', code: '00', message: 'Approved', amountMinor: 5000 },
      submitAttempts: 1,
      lostAnswers: 1,
      submittedAt: t0,
      sent: { full: true },
      lastAnswer: { at: t1, meaning: 'approved', status: 'APPROVED', code: '00', message: 'Approved', amountMinor: 5000 },
      settledBy: { by: 'provider', lostAnswers: 1 },
    });
    expect(log.names()).toEqual(['submitRefund', 'lookUpRefund']);
    const [submit] = callsOf(log, 'submitRefund');
    const [lookUp] = callsOf(log, 'lookUpRefund');
    expect(lookUp!.atMs - submit!.atMs).toBeGreaterThanOrEqual(60_000);
    expect(lookUp!.atMs - submit!.atMs).toBeLessThan(60_000 + TOL);
    // The look-up asks for our refund since our first attempt; the amount sent is not known yet.
    expect(lookUp!.input).toEqual({ refundId: s.refundId, request, lockScope: h.taskQueue, submittedAfter: t0! } satisfies LookUpRefundInput);
    expect(r.summaries).toEqual([
      'submit the refund to OpenPayd',
      'let the lost request land at OpenPayd before looking it up',
      'look OpenPayd up for this refund before sending it again (answer 1 was lost)',
    ]);
  });

  it('the look-up finds nothing: sent a second time (attempt 2), which answers', async () => {
    const log = new CallLog(env);
    const h = await newRefundWorkerCached(env, recordFakes(log, { submitRefund: script([ambiguous(60_000), answered(approved)]), lookUpRefund: script<Found>([null]) }));
    const r = await withSettledRefund(h, requestFor('openpayd'), async (handle) => ({ state: await finishRefund(env, handle, { stepMs: HOUR }), summaries: await summaries(handle) }));
    expect(log.names()).toEqual(['submitRefund', 'lookUpRefund', 'submitRefund']);
    const submits = callsOf(log, 'submitRefund');
    expect(submits[1]!.input).toEqual(submits[0]!.input);
    expect(submits.map((c) => c.attempt)).toEqual([1, 1]); // sent again by the workflow, not retried by Temporal
    expect(r.state.status).toBe('approved');
    expect(r.state.submitAttempts).toBe(2);
    expect(r.state.lostAnswers).toBe(1);
    expect(r.state.transitions[1]!.cause).toBe('OpenPayd answered after a lost answer: APPROVED 00 "Approved"');
    expect(r.summaries).toEqual([
      'submit the refund to OpenPayd',
      'let the lost request land at OpenPayd before looking it up',
      'look OpenPayd up for this refund before sending it again (answer 1 was lost)',
      'submit the refund to OpenPayd (attempt 2)',
    ]);
  });

  it('ProviderAmbiguous without settleAfterMs: 30 s, then the look-up', async () => {
    const log = new CallLog(env);
    const h = await newRefundWorkerCached(env, recordFakes(log, { submitRefund: script([ambiguous()]), lookUpRefund: script<Found>([found({ kind: 'final', status: 'rejected', refusal: 'declined', providerStatus: 'DECLINED', code: '05', message: 'Do not honour' })]) }));
    const state = await withSettledRefund(h, requestFor('openpayd'), (handle) => finishRefund(env, handle, { stepMs: HOUR }));
    const gap = callsOf(log, 'lookUpRefund')[0]!.atMs - callsOf(log, 'submitRefund')[0]!.atMs;
    expect(gap).toBeGreaterThanOrEqual(IN_FLIGHT_SETTLE_MS);
    expect(gap).toBeLessThan(IN_FLIGHT_SETTLE_MS + TOL);
    expect(state.status).toBe('rejected');
    expect(state.lostAnswers).toBe(1);
    expect(state.transitions[1]!.cause).toBe('OpenPayd answered after a lost answer: DECLINED 05 "Do not honour"');
  });

  // A running activity holds the test server's clock, and a TimeoutFailure thrown by an activity
  // reaches the workflow as an ApplicationFailure of type "TimeoutFailure" (not a timeout): the only
  // faithful worker death is a real one, the submission's 1-minute start-to-close timeout in real time.
  it('the worker died mid-call (a real start-to-close timeout, one minute of real time): 30 s, then the look-up', { timeout: 150_000 }, async () => {
    const log = new CallLog(env);
    const hung = gate();
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      // The first submission never answers (its worker "died"); the second is sent after the look-up found nothing.
      submitRefund: script([() => hung.promise.then(() => answered(approved)), answered(approved)]),
      lookUpRefund: script<Found>([null]),
    }));
    await withSettledRefund(h, requestFor('openpayd'), async (handle) => {
      try {
        await env.sleep(MINUTE + IN_FLIGHT_SETTLE_MS + 5_000); // real time until the timeout, skipped after it
        const s = await finishRefund(env, handle, { stepMs: HOUR });
        const [submit, again] = callsOf(log, 'submitRefund');
        const [lookUp] = callsOf(log, 'lookUpRefund');
        // The timeout after a minute, then 30 s for the request to land, then the look-up.
        expect(lookUp!.atMs - submit!.atMs).toBeGreaterThanOrEqual(MINUTE + IN_FLIGHT_SETTLE_MS);
        expect(lookUp!.atMs - submit!.atMs).toBeLessThan(MINUTE + IN_FLIGHT_SETTLE_MS + TOL);
        expect(again!.atMs).toBeGreaterThanOrEqual(lookUp!.atMs);
        expect(s.status).toBe('approved');
        expect(s.submitAttempts).toBe(2);
        expect(s.lostAnswers).toBe(1);
        expect(s.transitions[1]!.cause).toBe('OpenPayd answered after a lost answer: APPROVED 00 "Approved"');
        const events = (await handle.fetchHistory()).events ?? [];
        expect(events.filter((e) => e.activityTaskTimedOutEventAttributes)).toHaveLength(1);
        expect(await summaries(handle)).toEqual([
          'submit the refund to OpenPayd',
          'let the lost request land at OpenPayd before looking it up',
          'look OpenPayd up for this refund before sending it again (answer 1 was lost)',
          'submit the refund to OpenPayd (attempt 2)',
        ]);
      } finally {
        hung.open(); // the worker's shutdown waits for the hung activity
      }
    });
  });

  it(`more than ${MAX_LOST_ANSWERS} lost answers: needs_attention after 5 submissions and 4 look-ups; resolved, the lock handed on`, async () => {
    const log = new CallLog(env);
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => {
        throw ambiguous(60_000, 'read ECONNRESET (outcome unknown: the request may have reached OpenPayd)');
      },
      lookUpRefund: async () => null,
      releasePaymentLock: async () => undefined,
    }));
    await withSettledRefund(h, requestFor('openpayd'), async (handle) => {
      await env.sleep(10 * 60_000);
      const s = await waitForRefund(handle, (x) => x.status === 'needs_attention');
      expect(log.names()).toEqual(['submitRefund', ...Array(4).fill(['lookUpRefund', 'submitRefund']).flat()]);
      expect(s.submitAttempts).toBe(5);
      expect(s.lostAnswers).toBe(5);
      expect(steps(s)).toEqual([['pending', 'submitting'], ['needs_attention', null]]);
      expect(s.attention).toBe('OpenPayd gave no definite answer after 5 submissions: check whether the refund exists at OpenPayd, then resolve');
      expect(s.provider).toEqual({ message: 'read ECONNRESET (outcome unknown: the request may have reached OpenPayd)' });
      expect(s.lock).toBe('held');
      expect(s.nextCheckAt).toBeUndefined();
      const lookUps = callsOf(log, 'lookUpRefund');
      const submits = callsOf(log, 'submitRefund');
      lookUps.forEach((l, i) => expect(l.atMs - submits[i]!.atMs).toBeGreaterThanOrEqual(60_000));
      expect(await summaries(handle)).toEqual([
        'submit the refund to OpenPayd',
        ...[1, 2, 3, 4].flatMap((k) => [
          'let the lost request land at OpenPayd before looking it up',
          `look OpenPayd up for this refund before sending it again (answer ${k} was lost)`,
          `submit the refund to OpenPayd (attempt ${k + 1})`,
        ]),
      ]);
      await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'approved', note: 'OpenPayd support confirmed one refund', operator: 'ops@example.com' }] });
      const state = await finishRefund(env, handle);
      expect(state.status).toBe('approved');
      expect(state.lock).toBeUndefined();
      expect(callsOf(log, 'releasePaymentLock').map((c) => c.input)).toEqual([{ refundId: state.refundId, request: state.request, lockScope: h.taskQueue, why: 'final: approved' }]);
    });
  });

  it('`exists` on our first request: somebody else refunded it -> needs_attention, no checks after', async () => {
    const log = new CallLog(env);
    const exists: RefundOutcome = { kind: 'exists', code: '94', message: 'Duplicate transmission' };
    const h = await newRefundWorkerCached(env, recordFakes(log, { submitRefund: async () => answered(exists), releasePaymentLock: async () => undefined }));
    await withSettledRefund(h, requestFor('openpayd'), async (handle) => {
      const s = await waitForRefund(handle, (x) => x.status === 'needs_attention');
      await env.sleep(2 * DAY);
      expect(log.names()).toEqual(['submitRefund']);
      expect(steps(s)).toEqual([['pending', 'submitting'], ['needs_attention', null]]);
      const cause = 'OpenPayd answered 94 "Duplicate transmission" to our first request: a refund of this payment exists that we did not make; check at OpenPayd, then resolve';
      expect(s.transitions[1]).toEqual({ at: s.since, status: 'needs_attention', cause, providerCode: '94', providerMessage: 'Duplicate transmission' });
      expect(s.attention).toBe(cause);
      expect(s.provider).toEqual({ code: '94', message: 'Duplicate transmission' });
      expect(s.lastAnswer).toEqual({ at: s.since, meaning: 'exists', code: '94', message: 'Duplicate transmission' });
      expect(s.submitAttempts).toBe(1);
      expect(s.lostAnswers).toBeUndefined();
      expect(s.nextCheckAt).toBeUndefined();
      expect(s.checks).toBeUndefined();
      expect(await summaries(handle)).toEqual(['submit the refund to OpenPayd']);
      await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'rejected', note: 'refunded by the merchant in the OpenPayd portal' }] });
      const state = await finishRefund(env, handle);
      expect(state.status).toBe('rejected');
      expect(state.transitions.at(-1)!.cause).toBe('operator resolve: refunded by the merchant in the OpenPayd portal');
      expect(log.names()).toEqual(['submitRefund', 'releasePaymentLock']);
      expect(await acceptedUpdates(handle as never)).toEqual(['resolveRefund']);
    });
  });

  it.each([
    ['openpayd', 'provider_processing', 'OpenPayd'],
    ['secpaid', 'awaiting_admin_review', 'SecPaid'],
  ] as const)('`exists` after a lost answer (%s): ours -> pending (%s), then checks', async (provider, reason, name) => {
    const log = new CallLog(env);
    const exists: RefundOutcome = { kind: 'exists', code: 'DUP', message: 'Refund already requested' };
    const final: RefundOutcome = { kind: 'final', status: 'approved', refundId: 'r-77', providerStatus: 'OK' };
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: script([ambiguous(60_000), answered(exists, { full: true }, false)]),
      lookUpRefund: script<Found>([null]),
      checkRefund: script([checked(final, provider !== 'secpaid')]),
    }));
    await withSettledRefund(h, requestFor(provider), async (handle) => {
      // The lost answer's 60 s, the look-up, the second submission; the first check is 30 s (or 2 min) later.
      await env.sleep(70_000);
      const waiting = await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
      expect(steps(waiting)).toEqual([['pending', 'submitting'], ['pending', reason]]);
      expect(waiting.transitions[1]).toEqual({
        at: waiting.since,
        status: 'pending',
        pendingReason: reason,
        cause: `${name} confirms our refund after a lost answer; waiting for its outcome`,
        providerCode: 'DUP',
        providerMessage: 'Refund already requested',
      });
      expect(waiting.lastAnswer?.meaning).toBe('exists');
      const state = await finishRefund(env, handle, { stepMs: HOUR });
      expect(state.status).toBe('approved');
      expect(state.transitions.at(-1)!.cause).toBe(`${name} check 1: OK (refund r-77)`);
      expect(log.names().filter((n) => n !== 'releasePaymentLock')).toEqual(['submitRefund', 'lookUpRefund', 'submitRefund', 'checkRefund']);
      expect(isNear(callsOf(log, 'checkRefund')[0]!.atMs, Date.parse(waiting.nextCheckAt!), TOL)).toBe(true);
    });
  });

  it('the look-up finds it pending: checks follow, the amount the look-up reports is sent with them', async () => {
    const log = new CallLog(env);
    const pending: RefundOutcome = { kind: 'pending', reason: 'provider_processing', refundId: 'rfn_5', providerStatus: 'pending' };
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: script([ambiguous(60_000)]),
      lookUpRefund: script<Found>([{ ...pending, amount: { full: false, sendMinor: 25050 }, lockReleased: false }]),
      checkRefund: script([checked({ kind: 'final', status: 'approved', refundId: 'rfn_5', providerStatus: 'succeeded' })]),
    }));
    const state = await withSettledRefund(h, requestFor('reservepay'), (handle) => finishRefund(env, handle, { stepMs: HOUR }));
    expect(steps(state)).toEqual([['pending', 'submitting'], ['pending', 'provider_processing'], ['approved', null]]);
    expect(state.transitions[1]!.cause).toBe('Reservepay answered after a lost answer: pending (refund rfn_5)');
    expect(state.sent).toEqual({ full: false, sendMinor: 25050 });
    expect(callsOf(log, 'checkRefund')[0]!.input).toMatchObject({ amount: { full: false, sendMinor: 25050 }, providerRefundId: 'rfn_5' });
    const gap = callsOf(log, 'checkRefund')[0]!.atMs - callsOf(log, 'lookUpRefund')[0]!.atMs;
    expect(gap).toBeGreaterThanOrEqual(30_000);
    expect(gap).toBeLessThan(30_000 + TOL);
  });
});
