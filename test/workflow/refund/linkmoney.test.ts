/**
 * Link Money: PENDING in the 3-business-day settlement hold. With `settledAt`, exactly one check,
 * 5 min after the hold ends (domain/calendar.ts: US Federal Reserve business days, so a settlement
 * on the eve of Thanksgiving waits over the holiday and the weekend); without it, one check at the
 * start of each next US business day; 5 business days of patience, then needs_attention.
 * The test server's clock is moved to the dates each test needs (later tests move it further on).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addBusinessDays, dayOfWeek, fedHolidays, settlementHoldEnds } from '../../../domain/calendar.js';
import type { RefundOutcome } from '../../../domain/outcome.js';
import { parseRefundRequest } from '../../../domain/refund.js';
import { resolveRefundUpdate } from '../../../workflows/messages.js';
import { utc } from '../../../workflows/time.js';
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
  waitForRefund,
  withSettledRefund,
  expectClockFree,
} from '../../helpers/refund-harness.js';
import { CallLog, createTimeSkippingEnv, DAY, expectUpdateRefused, HOUR, MINUTE, skipTo } from '../../helpers/time-skipping.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterEach(() => expectClockFree(env));
afterAll(async () => {
  await env?.teardown();
});

const TOL = 5_000;
const GRACE = 5 * MINUTE;
const pending: RefundOutcome = { kind: 'pending', reason: 'settlement_hold', refundId: 'rf_01', providerStatus: 'PENDING' };
const authorized: RefundOutcome = { kind: 'final', status: 'authorized', refundId: 'rf_01', providerStatus: 'AUTHORIZED', amountMinor: 1999 };
const at0005 = (isoDate: string) => Date.parse(`${isoDate}T00:00:00Z`) + GRACE;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** 15:00 UTC on the Wednesday before the next Thanksgiving that is at least a day ahead. */
async function thanksgivingEve(): Promise<string> {
  const now = await env.currentTimeMs();
  for (let y = new Date(now).getUTCFullYear(); ; y++) {
    const thanksgiving = fedHolidays(y).find((d) => d.name === 'Thanksgiving Day')!.date;
    const eve = new Date(Date.parse(`${thanksgiving}T15:00:00Z`) - DAY).toISOString();
    if (Date.parse(eve) > now + DAY) return eve;
  }
}
/** 10:00 UTC of the next Friday at least a day ahead whose next business day is the Monday. */
async function nextFriday(): Promise<string> {
  let ms = (await env.currentTimeMs()) + DAY;
  for (;;) {
    const day = isoDay(ms);
    if (dayOfWeek(day) === 5 && dayOfWeek(addBusinessDays(day, 1)) === 1) return `${day}T10:00:00.000Z`;
    ms += DAY;
  }
}

describe('Link Money: the settlement hold', { timeout: 180_000 }, () => {
  it('settled on the eve of Thanksgiving: one check, at the hold end (Thu holiday, weekend: Fri, Mon, Tue) + 5 min', async () => {
    const settledAt = await thanksgivingEve();
    await skipTo(env, Date.parse(settledAt) + HOUR);
    const holdEnd = Date.parse(settlementHoldEnds(settledAt));
    // The business-day rule at work: Thursday is Thanksgiving, Saturday and Sunday are closed, so the
    // three business days are Fri, Mon, Tue and the hold ends at 00:00 UTC on the Wednesday a week on
    // (three weekdays from the settlement would have ended it on Tuesday, three days on Sunday).
    expect(holdEnd).toBe(Date.parse(`${isoDay(Date.parse(settledAt) + 7 * DAY)}T00:00:00Z`));
    expect(dayOfWeek(isoDay(holdEnd))).toBe(3);

    const log = new CallLog(env);
    const h = await newRefundWorkerCached(env, recordFakes(log, { submitRefund: async () => answered(pending, { full: false, sendMinor: 1999 }, false), checkRefund: script([checked(authorized)]) }));
    const input = requestFor('linkmoney', { payment: { paymentId: 'lm_1', settledAt } });
    const r = await withSettledRefund(h, input, async (handle) => {
      const waiting = await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
      return { waiting, state: await finishRefund(env, handle, { stepMs: 12 * HOUR }), summaries: await summaries(handle) };
    });
    expect(r.waiting).toMatchObject({ status: 'pending', pendingReason: 'settlement_hold', nextCheckAt: new Date(holdEnd + GRACE).toISOString(), lock: 'held' });

    const s = r.state;
    const [t0, t1, t2] = s.transitions.map((t) => t.at);
    expect(s).toEqual({
      refundId: `refund-${input.idempotencyKey}`,
      request: parseRefundRequest(input),
      status: 'authorized',
      since: t2,
      createdAt: t0,
      updatedAt: t2,
      transitions: [
        { at: t0, status: 'pending', pendingReason: 'submitting', cause: 'refund requested' },
        { at: t1, status: 'pending', pendingReason: 'settlement_hold', cause: 'Link Money answered: PENDING (refund rf_01)' },
        { at: t2, status: 'authorized', cause: 'Link Money check 1: AUTHORIZED (refund rf_01)' },
      ],
      provider: { refundId: 'rf_01', status: 'AUTHORIZED', amountMinor: 1999 },
      submitAttempts: 1,
      submittedAt: t0,
      sent: { full: false, sendMinor: 1999 },
      checks: 1,
      lastAnswer: { at: t2, meaning: 'authorized', refundId: 'rf_01', status: 'AUTHORIZED', amountMinor: 1999 },
      settledBy: { by: 'provider', lostAnswers: 0 },
    });
    expect(log.names()).toEqual(['submitRefund', 'checkRefund']);
    const check = callsOf(log, 'checkRefund')[0]!;
    expect(isNear(check.atMs, holdEnd + GRACE, TOL)).toBe(true);
    expect(check.input).toMatchObject({ providerRefundId: 'rf_01', amount: { full: false, sendMinor: 1999 }, submittedAfter: t0 });
    expect(r.summaries).toEqual([
      'submit the refund to Link Money',
      `Link Money hold ends ${utc(holdEnd)}: check 1 of the refund's status at ${utc(holdEnd + GRACE)}`,
      "check 1 of the Link Money refund's status",
    ]);
  });

  it('without settledAt: one check at 00:05 UTC of each next US business day (Friday -> Mon, Tue, Wed)', async () => {
    const friday = await nextFriday();
    await skipTo(env, Date.parse(friday));
    const log = new CallLog(env);
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => answered(pending, { full: false, sendMinor: 1999 }, false),
      checkRefund: script([checked(pending), checked(pending), checked(authorized)]),
    }));
    const r = await withSettledRefund(h, requestFor('linkmoney'), async (handle) => ({ state: await finishRefund(env, handle, { stepMs: 12 * HOUR }), summaries: await summaries(handle) }));
    const d1 = addBusinessDays(isoDay(Date.parse(friday)), 1);
    const d2 = addBusinessDays(d1, 1);
    const d3 = addBusinessDays(d2, 1);
    expect(dayOfWeek(d1)).toBe(1); // the Monday: nothing on Saturday or Sunday
    const due = [d1, d2, d3].map(at0005);
    const checks = callsOf(log, 'checkRefund');
    expect(checks).toHaveLength(3);
    checks.forEach((c, i) => expect(isNear(c.atMs, due[i]!, TOL), `check ${i + 1} at ${new Date(c.atMs).toISOString()}`).toBe(true));
    expect(r.state.status).toBe('authorized');
    expect(steps(r.state)).toEqual([['pending', 'submitting'], ['pending', 'settlement_hold'], ['authorized', null]]);
    expect(r.state.checks).toBe(3);
    expect(r.summaries).toEqual([
      'submit the refund to Link Money',
      ...due.flatMap((at, i) => [`Link Money: check ${i + 1} of the refund's status at ${utc(at)} (next US business day)`, `check ${i + 1} of the Link Money refund's status`]),
    ]);
  });

  it('5 business days of patience after the hold: needs_attention on the 6th check, checks go on each business day, resolved authorized', async () => {
    // Settled on a Friday: the hold covers Mon, Tue, Wed; the first check is Thursday 00:05.
    const friday = await nextFriday();
    const settledAt = friday.replace('T10:', 'T15:');
    await skipTo(env, Date.parse(settledAt) + HOUR);
    const log = new CallLog(env);
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => answered(pending, { full: false, sendMinor: 1999 }, false),
      checkRefund: async () => checked(pending),
      releasePaymentLock: async () => undefined,
    }));
    const input = requestFor('linkmoney', { payment: { paymentId: 'lm_1', settledAt } });
    await withSettledRefund(h, input, async (handle) => {
      const first = isoDay(Date.parse(settlementHoldEnds(settledAt)));
      const days = [first, ...Array.from({ length: 6 }, (_, i) => addBusinessDays(first, i + 1))];
      await skipTo(env, at0005(days[5]!) + HOUR);
      const attention = await waitForRefund(handle, (s) => s.status === 'needs_attention');
      const checks = callsOf(log, 'checkRefund');
      expect(checks).toHaveLength(6);
      checks.forEach((c, i) => expect(isNear(c.atMs, at0005(days[i]!), TOL), `check ${i + 1}`).toBe(true));
      expect(steps(attention)).toEqual([['pending', 'submitting'], ['pending', 'settlement_hold'], ['needs_attention', null]]);
      expect(attention.transitions[2]!.cause).toBe(WAITING.linkmoney.patienceText);
      expect(isNear(attention.transitions[2]!.at, checks[5]!.atMs)).toBe(true);
      expect(attention.nextCheckAt).toBe(new Date(at0005(days[6]!)).toISOString());
      expect(attention.lock).toBe('held');

      // A check each business day goes on.
      await skipTo(env, at0005(days[6]!) + HOUR);
      await waitForRefund(handle, (s) => s.checks === 7);
      expect(isNear(callsOf(log, 'checkRefund')[6]!.atMs, at0005(days[6]!), TOL)).toBe(true);

      // Link Money refunds succeed as authorized.
      await expectUpdateRefused(
        handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'approved', note: 'seen in the dashboard' }] }),
        'InvalidOperatorInput',
        /^a Link Money refund succeeds as authorized, not approved$/,
      );
      const updated = await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'authorized', note: ' Link Money support confirmed the ACH credit ', operator: 'ops@example.com' }] });
      expect(updated.status).toBe('authorized');
      const state = await finishRefund(env, handle);
      expect(state.transitions.at(-1)).toEqual({ at: state.since, status: 'authorized', cause: 'operator ops@example.com resolve: Link Money support confirmed the ACH credit' });
      expect(state.resolvedBy).toBe('ops@example.com');
      expect(state.nextCheckAt).toBeUndefined();
      expect(state.lock).toBeUndefined();
      // The refund held the payment's lock; finished by a person, it hands the payment on, once.
      expect(callsOf(log, 'releasePaymentLock').map((c) => c.input)).toEqual([{ refundId: state.refundId, request: state.request, lockScope: h.taskQueue, why: 'final: authorized' }]);
      expect(log.names().filter((n) => n !== 'checkRefund')).toEqual(['submitRefund', 'releasePaymentLock']);
    });
  });

  it('settled long ago (the hold is over) and still PENDING: the first check at once', async () => {
    const now = await env.currentTimeMs();
    const settledAt = new Date(now - 30 * DAY).toISOString();
    const log = new CallLog(env);
    const h = await newRefundWorkerCached(env, recordFakes(log, { submitRefund: async () => answered(pending, { full: false, sendMinor: 1999 }, false), checkRefund: script([checked(authorized)]) }));
    const state = await withSettledRefund(h, requestFor('linkmoney', { payment: { paymentId: 'lm_1', settledAt } }), (handle) => finishRefund(env, handle));
    expect(state.status).toBe('authorized');
    expect(isNear(callsOf(log, 'checkRefund')[0]!.atMs, Date.parse(state.transitions[1]!.at), TOL)).toBe(true);
  });

  // Found by this suite, fixed in ecd9126: the summary derived the hold's end from the timer's due
  // time (`at - 5 min`), so a check due at once named a time 5 minutes before the start as the hold's end.
  it('settled long ago: the first check\'s summary names the real end of the hold ("ended"), not "5 minutes ago"', async () => {
    const now = await env.currentTimeMs();
    const settledAt = new Date(now - 30 * DAY).toISOString();
    const h = await newRefundWorkerCached(env, { submitRefund: async () => answered(pending, { full: false, sendMinor: 1999 }, false), checkRefund: script([checked(authorized)]) });
    const sums = await withSettledRefund(h, requestFor('linkmoney', { payment: { paymentId: 'lm_1', settledAt } }), async (handle) => {
      await finishRefund(env, handle);
      return summaries(handle);
    });
    expect(sums[1]).toMatch(new RegExp(`^Link Money hold ended ${utc(Date.parse(settlementHoldEnds(settledAt)))}: check 1 of the refund's status at `));
  });

  // Found by this suite: after an undocumented answer the check comes within 20 minutes, and the
  // summary then said the hold ends 15 minutes from now (fixed in ecd9126, reworded in c1a1bcf).
  it('an undocumented answer while the hold runs: the first check comes within 20 minutes, its summary says why it is early', async () => {
    const settledAt = new Date((await env.currentTimeMs()) - HOUR).toISOString();
    const holdEnd = Date.parse(settlementHoldEnds(settledAt));
    const log = new CallLog(env);
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => answered({ kind: 'unrecognized', raw: 'status "SETTLING"' }, { full: false, sendMinor: 1999 }, false),
      checkRefund: script([checked(authorized)]),
    }));
    const r = await withSettledRefund(h, requestFor('linkmoney', { payment: { paymentId: 'lm_1', settledAt } }), async (handle) => {
      const state = await finishRefund(env, handle, { stepMs: 10 * MINUTE });
      return { state, summaries: await summaries(handle) };
    });
    expect(r.state.status).toBe('authorized');
    const check = callsOf(log, 'checkRefund')[0]!;
    const answeredAt = Date.parse(r.state.transitions[1]!.at);
    expect(check.atMs - answeredAt).toBeGreaterThanOrEqual(20 * MINUTE);
    expect(check.atMs - answeredAt).toBeLessThan(20 * MINUTE + TOL);
    expect(check.atMs).toBeLessThan(holdEnd);
    expect(r.summaries[1]).toBe(`Link Money answered a value nobody documented: check 1 of the Link Money refund's status at ${utc(answeredAt + 20 * MINUTE)}, sooner than usual`);
  });
});
