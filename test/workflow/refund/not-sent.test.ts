/**
 * Not sent: a submission that surely did not reach the provider (ProviderTransient: connection
 * refused; ProviderRateLimited: 429 with Retry-After) is sent again after a jittered backoff,
 * never retried by Temporal itself; the 20th -> needs_attention. ProviderAuth -> needs_attention
 * "credentials" at once.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RefundOutcome } from '../../../domain/outcome.js';
import { resolveRefundUpdate } from '../../../workflows/messages.js';
import { MAX_UNSENT_RETRIES } from '../../../workflows/submission.js';
import { answered, callsOf, failure, finishRefund, newRefundWorkerCached, recordFakes, requestFor, script, steps, summaries, waitForRefund, withSettledRefund, expectClockFree } from '../../helpers/refund-harness.js';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { cancelRefundUpdate } from '../../../workflows/messages.js';
import { CallLog, createTimeSkippingEnv, HOUR, waitFor } from '../../helpers/time-skipping.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterEach(() => expectClockFree(env));
afterAll(async () => {
  await env?.teardown();
});

const TOL = 5_000;
const approved: RefundOutcome = { kind: 'final', status: 'approved', providerStatus: 'APPROVED', code: '00', message: 'Approved' };
const refused = () => failure('ProviderTransient', 'connect ECONNREFUSED 10.0.0.1:443', { nonRetryable: false, details: { kind: 'transient', mayHaveReachedProvider: false } });
/** The backoff before send n+1 after n not-sent failures: 1 s doubling from 2 s, capped at 5 min, then jittered x [1, 2). */
const backoff = (n: number) => Math.min(1_000 * 2 ** Math.min(n, 12), 5 * 60_000);

describe('refund: not sent', { timeout: 180_000 }, () => {
  it('ProviderTransient (connection refused): sent again after a 2-4 s jittered backoff, by the workflow, not by Temporal', async () => {
    const log = new CallLog(env);
    const h = await newRefundWorkerCached(env, recordFakes(log, { submitRefund: script([refused(), answered(approved)]) }));
    const r = await withSettledRefund(h, requestFor('openpayd'), async (handle) => ({ state: await finishRefund(env, handle, { stepMs: HOUR }), summaries: await summaries(handle) }));
    const [first, second] = callsOf(log, 'submitRefund');
    expect([first!.attempt, second!.attempt]).toEqual([1, 1]);
    expect(second!.input).toEqual(first!.input);
    expect(second!.atMs - first!.atMs).toBeGreaterThanOrEqual(backoff(1));
    expect(second!.atMs - first!.atMs).toBeLessThan(2 * backoff(1) + TOL);
    const s = r.state;
    expect(s.status).toBe('approved');
    expect(steps(s)).toEqual([['pending', 'submitting'], ['approved', null]]);
    // Not a lost answer: nothing to look up, the answer is a plain one.
    expect(s.transitions[1]!.cause).toBe('OpenPayd answered: APPROVED 00 "Approved"');
    expect(s.lostAnswers).toBeUndefined();
    expect(s.unsentRetries).toBe(1);
    // Only a submission that may have reached the provider counts.
    expect(s.submitAttempts).toBe(1);
    expect(log.names()).toEqual(['submitRefund', 'submitRefund']);
    expect(r.summaries).toEqual(['submit the refund to OpenPayd', 'OpenPayd was not reached (ProviderTransient): send again', 'submit the refund to OpenPayd (attempt 2)']);
  });

  it("ProviderRateLimited with retryAfterMs 30 s: sent again after 30-60 s (the provider's Retry-After, jittered)", async () => {
    const log = new CallLog(env);
    const limited = failure('ProviderRateLimited', 'HTTP 429 Too Many Requests', { nonRetryable: false, details: { kind: 'rate_limited', retryAfterMs: 30_000, mayHaveReachedProvider: false } });
    const h = await newRefundWorkerCached(env, recordFakes(log, { submitRefund: script([limited, answered(approved)]) }));
    const r = await withSettledRefund(h, requestFor('reservepay'), async (handle) => ({ state: await finishRefund(env, handle, { stepMs: HOUR }), summaries: await summaries(handle) }));
    const [first, second] = callsOf(log, 'submitRefund');
    expect(second!.atMs - first!.atMs).toBeGreaterThanOrEqual(30_000);
    expect(second!.atMs - first!.atMs).toBeLessThan(60_000 + TOL);
    expect(r.state.status).toBe('approved');
    expect(r.state.unsentRetries).toBe(1);
    expect(r.summaries[1]).toBe('Reservepay was not reached (ProviderRateLimited): send again');
  });

  it(`${MAX_UNSENT_RETRIES + 1} not sent in a row: each after a growing jittered backoff, then needs_attention; resolved, the lock handed on`, async () => {
    const log = new CallLog(env);
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => {
        throw refused();
      },
      releasePaymentLock: async () => undefined,
    }));
    await withSettledRefund(h, requestFor('openpayd'), async (handle) => {
      // The backoffs add up to 3810 s before jitter, at most twice that with it.
      await env.sleep(3 * HOUR);
      const s = await waitForRefund(handle, (x) => x.status === 'needs_attention');
      const submits = callsOf(log, 'submitRefund');
      expect(submits).toHaveLength(MAX_UNSENT_RETRIES + 1);
      const gaps = submits.slice(1).map((c, i) => c.atMs - submits[i]!.atMs);
      gaps.forEach((gap, i) => {
        expect(gap, `wait ${i + 1}`).toBeGreaterThanOrEqual(backoff(i + 1));
        expect(gap, `wait ${i + 1}`).toBeLessThan(2 * backoff(i + 1) + TOL);
      });
      // Jittered: refunds refused together must not come back together.
      expect(gaps.some((g, i) => g > backoff(i + 1) * 1.05 + TOL)).toBe(true);
      expect(submits.every((c) => c.attempt === 1)).toBe(true);
      expect(steps(s)).toEqual([['pending', 'submitting'], ['needs_attention', null]]);
      expect(s.attention).toBe('could not reach OpenPayd after 20 tries (ProviderTransient: connect ECONNREFUSED 10.0.0.1:443): nothing was sent; resolve or check the connection');
      expect(s.unsentRetries).toBe(20);
      expect(s.submitAttempts).toBe(0);
      expect(s.lostAnswers).toBeUndefined();
      expect(s.provider).toEqual({});
      expect(s.lock).toBe('held');
      const sums = await summaries(handle);
      expect(sums.filter((x) => x === 'OpenPayd was not reached (ProviderTransient): send again')).toHaveLength(MAX_UNSENT_RETRIES);
      expect(sums.at(-1)).toBe('submit the refund to OpenPayd (attempt 20)');

      await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'failed', note: 'OpenPayd unreachable from this network; the merchant refunds by hand' }] });
      const state = await finishRefund(env, handle);
      expect(state.status).toBe('failed');
      expect(callsOf(log, 'releasePaymentLock').map((c) => (c.input as { why: string }).why)).toEqual(['final: failed']);
    });
  });

  it('nothing was sent: a cancel while it waits to send again succeeds; the payment lock the activity may have taken is handed on', async () => {
    const log = new CallLog(env);
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => {
        throw refused();
      },
      releasePaymentLock: async () => undefined,
    }));
    await withSettledRefund(h, requestFor('reservepay'), async (handle) => {
      await waitForRefund(handle, (s) => s.unsentRetries === 1);
      // The backoff is 2-4 s (real time, the clock is not skipped): a send that starts before the
      // cancel lands refuses it ("was submitted"), then the next backoff is taken.
      let updated;
      for (let i = 0; ; i++) {
        const n = callsOf(log, 'submitRefund').length;
        try {
          updated = await handle.executeUpdate(cancelRefundUpdate, { args: [{ operator: 'ops@example.com', note: 'provider unreachable, refunded by hand' }] });
          break;
        } catch (err) {
          if (i >= 2 || !(err instanceof WorkflowUpdateFailedError) || !/was submitted/.test(err.cause?.message ?? '')) throw err;
          await waitFor(() => callsOf(log, 'submitRefund').length > n, 'the next refused send');
        }
      }
      expect(updated.status).toBe('canceled');
      const sent = callsOf(log, 'submitRefund').length;
      const state = await finishRefund(env, handle, { stepMs: HOUR });
      expect(callsOf(log, 'submitRefund')).toHaveLength(sent);
      expect(steps(state)).toEqual([['pending', 'submitting'], ['canceled', null]]);
      expect(state.transitions[1]!.cause).toBe('operator ops@example.com cancel: provider unreachable, refunded by hand');
      expect(state.submitAttempts).toBe(0);
      expect(callsOf(log, 'releasePaymentLock').map((c) => (c.input as { why: string }).why)).toEqual(['final: canceled']);
    });
  });

  it('ProviderAuth: needs_attention "credentials" at once, nothing sent again', async () => {
    const log = new CallLog(env);
    const auth = failure('ProviderAuth', 'HTTP 401: invalid client credentials', { details: { kind: 'auth', mayHaveReachedProvider: true } });
    const h = await newRefundWorkerCached(env, recordFakes(log, { submitRefund: script([auth]) }));
    await withSettledRefund(h, requestFor('linkmoney'), async (handle) => {
      const s = await waitForRefund(handle, (x) => x.status === 'needs_attention');
      await env.sleep(HOUR);
      expect(log.names()).toEqual(['submitRefund']);
      expect(steps(s)).toEqual([['pending', 'submitting'], ['needs_attention', null]]);
      expect(s.transitions[1]).toEqual({
        at: s.since,
        status: 'needs_attention',
        cause: "Link Money refused our credentials (nothing was refunded): fix the worker's configuration, then resolve",
        providerMessage: 'HTTP 401: invalid client credentials',
      });
      expect(s.attention).toBe(s.transitions[1]!.cause);
      expect(s.provider).toEqual({ message: 'HTTP 401: invalid client credentials' });
      expect(s.unsentRetries).toBeUndefined();
      expect(s.lostAnswers).toBeUndefined();
      expect(s.submitAttempts).toBe(0); // nothing was refunded
      expect(await summaries(handle)).toEqual(['submit the refund to Link Money']);
    });
  });
});
