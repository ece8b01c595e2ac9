/**
 * Undocumented values ({kind:'unrecognized', raw}): the refund stays pending with the raw value
 * shown, the next check comes within 20 minutes, and the 3rd such answer in a row (or an hour of
 * them, whichever comes first) puts it in needs_attention while the checks go on. A documented
 * answer in between resets the count. An undocumented value never makes a refund succeed.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import type { RefundOutcome } from '../../../domain/outcome.js';
import { isSucceeded } from '../../../domain/status.js';
import { UNRECOGNIZED_PATIENCE } from '../../../workflows/lifecycle.js';
import { UNRECOGNIZED_RECHECK_MS } from '../../../workflows/waiting.js';
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
  utcAround,
  waitForRefund,
  withSettledRefund,
  expectClockFree,
} from '../../helpers/refund-harness.js';
import { CallLog, createTimeSkippingEnv, DAY, HOUR, MINUTE, skipTo } from '../../helpers/time-skipping.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterEach(() => expectClockFree(env));
afterAll(async () => {
  await env?.teardown();
});

const TOL = 5_000;
const SETTLING: RefundOutcome = { kind: 'unrecognized', raw: 'status "SETTLING"' };
const keepsAnswering = (name: string) => `${name} keeps answering a value nobody documented (status "SETTLING"): find out what it means, then resolve; checks go on`;

describe('refund: undocumented answers', { timeout: 180_000 }, () => {
  it('Link Money: undocumented at submission and twice more -> needs_attention on the 3rd, checks every 20 min go on, a documented final ends it', async () => {
    // 10:00 UTC tomorrow: the next business day's check is hours away, so the 20-minute rule shows.
    const now = await env.currentTimeMs();
    await skipTo(env, Math.floor(now / DAY) * DAY + DAY + 10 * HOUR);
    const log = new CallLog(env);
    const authorized: RefundOutcome = { kind: 'final', status: 'authorized', refundId: 'rf_9', providerStatus: 'AUTHORIZED' };
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => answered(SETTLING, { full: false, sendMinor: 1999 }, false),
      checkRefund: script([checked(SETTLING), checked(SETTLING), checked(SETTLING), checked(authorized)]),
    }));
    await withSettledRefund(h, requestFor('linkmoney'), async (handle) => {
      const first = await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
      const t1 = first.transitions[1]!.at;
      // Still pending, the raw value kept as received, counted.
      expect(first.status).toBe('pending');
      expect(steps(first)).toEqual([['pending', 'submitting'], ['pending', 'provider_processing']]);
      expect(first.transitions[1]!.cause).toBe('Link Money answered: undocumented status "SETTLING", still waiting');
      expect(first.unrecognized).toEqual({ count: 1, since: t1, raw: 'status "SETTLING"' });
      expect(first.lastAnswer).toEqual({ at: t1, meaning: 'unrecognized', raw: 'status "SETTLING"' });
      expect(Date.parse(first.nextCheckAt!) - Date.parse(t1)).toBe(UNRECOGNIZED_RECHECK_MS);

      await env.sleep(45 * MINUTE);
      const attention = await waitForRefund(handle, (s) => s.status === 'needs_attention');
      const checks = callsOf(log, 'checkRefund');
      expect(checks).toHaveLength(2);
      expect(attention.unrecognized).toEqual({ count: 3, since: t1, raw: 'status "SETTLING"' });
      expect(steps(attention)).toEqual([['pending', 'submitting'], ['pending', 'provider_processing'], ['needs_attention', null]]);
      expect(attention.attention).toBe(keepsAnswering('Link Money'));
      expect(isNear(attention.since, checks[1]!.atMs)).toBe(true);
      // The checks go on, still within 20 minutes while the answers stay undocumented.
      expect(Date.parse(attention.nextCheckAt!) - Date.parse(attention.since)).toBe(UNRECOGNIZED_RECHECK_MS);

      const state = await finishRefund(env, handle, { stepMs: HOUR });
      const all = callsOf(log, 'checkRefund');
      expect(all).toHaveLength(4);
      const starts = [Date.parse(t1), ...all.map((c) => c.atMs)];
      all.forEach((c, i) => {
        expect(c.atMs - starts[i]!, `check ${i + 1}`).toBeGreaterThanOrEqual(UNRECOGNIZED_RECHECK_MS);
        expect(c.atMs - starts[i]!, `check ${i + 1}`).toBeLessThan(UNRECOGNIZED_RECHECK_MS + TOL);
      });
      expect(state.status).toBe('authorized');
      expect(steps(state)).toEqual([['pending', 'submitting'], ['pending', 'provider_processing'], ['needs_attention', null], ['authorized', null]]);
      expect(state.transitions.at(-1)!.cause).toBe('Link Money check 4: AUTHORIZED (refund rf_9)');
      // A documented answer clears the count; nothing of the undocumented value is left but the history.
      expect(state.unrecognized).toBeUndefined();
      expect(state.lastAnswer).toEqual({ at: state.since, meaning: 'authorized', refundId: 'rf_9', status: 'AUTHORIZED' });
      expect(state.checks).toBe(4);
      // Each early check says why it comes sooner than the next business day.
      const sums = await summaries(handle);
      expect(sums.filter((x) => x.includes('sooner than usual'))).toEqual(
        all.map((c, i) => expect.stringMatching(new RegExp(`^Link Money answered a value nobody documented: check ${i + 1} of the Link Money refund's status at ${utcAround(c.atMs)}, sooner than usual$`))),
      );
    });
  });

  it('a documented answer in between resets the count: U U P U U -> still pending, the next U -> needs_attention', async () => {
    const log = new CallLog(env);
    const pending: RefundOutcome = { kind: 'pending', reason: 'provider_processing', refundId: 'rfn_2', providerStatus: 'pending' };
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => answered(pending, { full: false, sendMinor: 25050 }),
      checkRefund: script([SETTLING, SETTLING, pending, SETTLING, SETTLING, SETTLING].map((o) => checked(o)), checked(pending)),
    }));
    await withSettledRefund(h, requestFor('reservepay'), async (handle) => {
      const started = await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
      const t1 = Date.parse(started.transitions[1]!.at);
      // Checks at +30 s, +90 s, +210 s, +450 s, +930 s, +1890 s.
      await skipTo(env, t1 + 1_000_000);
      const afterFive = await waitForRefund(handle, (s) => s.checks === 5);
      const checks = callsOf(log, 'checkRefund');
      expect(afterFive.status).toBe('pending');
      expect(afterFive.pendingReason).toBe('provider_processing');
      expect(afterFive.unrecognized?.count).toBe(2);
      expect(isNear(afterFive.unrecognized?.since, checks[3]!.atMs)).toBe(true);
      expect(afterFive.transitions).toHaveLength(2); // the undocumented answers change nothing visible but the count

      await skipTo(env, t1 + 2_000_000);
      const attention = await waitForRefund(handle, (s) => s.checks === 6);
      expect(attention.status).toBe('needs_attention');
      expect(attention.unrecognized?.count).toBe(3);
      expect(attention.attention).toBe(keepsAnswering('Reservepay'));
      expect(isNear(attention.since, callsOf(log, 'checkRefund')[5]!.atMs)).toBe(true);
      // Checks go on: a documented pending answer leaves it in needs_attention and clears the count.
      await env.sleep(30 * MINUTE);
      const later = await waitForRefund(handle, (s) => s.checks === 7);
      expect(later.status).toBe('needs_attention');
      expect(later.unrecognized).toBeUndefined();
      expect([...later.transitions.map((t) => t.status)].some(isSucceeded)).toBe(false);
    });
  });

  it('an hour of undocumented answers, whichever first: the 2nd, an hour after the 1st, -> needs_attention', async () => {
    const log = new CallLog(env);
    const pending: RefundOutcome = { kind: 'pending', reason: 'provider_processing', providerStatus: 'PENDING' };
    let attempt2 = 0;
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => answered(pending),
      checkRefund: script([
        checked(SETTLING),
        () => {
          // The provider is unreachable for an hour: the check's activity retries until it answers.
          if (++attempt2 === 1) throw ApplicationFailure.create({ type: 'ProviderTransient', message: 'HTTP 503', nonRetryable: false, nextRetryDelay: UNRECOGNIZED_PATIENCE.ms + MINUTE });
          return checked(SETTLING);
        },
      ], checked(SETTLING)),
    }));
    await withSettledRefund(h, requestFor('openpayd'), async (handle) => {
      await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
      // Check 1 at +30 s, check 2 at +90 s fails, its retry answers 61 minutes later.
      await env.sleep(UNRECOGNIZED_PATIENCE.ms + 3 * MINUTE);
      const attention = await waitForRefund(handle, (s) => s.status === 'needs_attention');
      const checks = callsOf(log, 'checkRefund');
      expect(checks.map((c) => c.attempt)).toEqual([1, 1, 2]);
      expect(attention.unrecognized?.count).toBe(2);
      expect(Date.parse(attention.since) - Date.parse(attention.unrecognized!.since)).toBeGreaterThanOrEqual(UNRECOGNIZED_PATIENCE.ms);
      expect(isNear(attention.since, checks[2]!.atMs)).toBe(true);
      expect(attention.attention).toBe(keepsAnswering('OpenPayd'));
      expect(attention.checks).toBe(2);
    });
  });

  it('never success: undocumented answers for a day leave it in needs_attention, never approved', async () => {
    const log = new CallLog(env);
    const h = await newRefundWorkerCached(env, recordFakes(log, { submitRefund: async () => answered(SETTLING), checkRefund: async () => checked(SETTLING) }));
    await withSettledRefund(h, requestFor('openpayd'), async (handle) => {
      await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
      await env.sleep(DAY);
      const s = await waitForRefund(handle, (x) => (x.checks ?? 0) >= 20);
      expect(s.status).toBe('needs_attention');
      expect(s.transitions.map((t) => t.status)).toEqual(['pending', 'pending', 'needs_attention']);
      expect(s.provider).toEqual({});
      expect(s.unrecognized?.count).toBe((s.checks ?? 0) + 1);
      expect((await handle.describe()).status.name).toBe('RUNNING');
    });
  });
});
