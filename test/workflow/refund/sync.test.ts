/**
 * Synchronous final answers at submission, for every provider: the status each outcome maps to,
 * the whole refund state, the one submitRefund call (its input, lockScope = the task queue), and
 * a history that holds nothing else.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FinalOutcome } from '../../../domain/outcome.js';
import { PROVIDER_NAMES, type Provider } from '../../../domain/providers.js';
import { parseRefundRequest } from '../../../domain/refund.js';
import {
  answered,
  callsOf,
  finishRefund,
  isNear,
  newRefundWorkerCached,
  recordFakes,
  requestFor,
  scheduledActivities,
  SUCCESS,
  summaries,
  timerCounts,
  withSettledRefund,
  expectClockFree,
} from '../../helpers/refund-harness.js';
import { CallLog, createTimeSkippingEnv, historyEventCount } from '../../helpers/time-skipping.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterEach(() => expectClockFree(env));
afterAll(async () => {
  await env?.teardown();
});

type Facts = Omit<FinalOutcome, 'kind' | 'status' | 'refusal'>;
/** What each provider says, verbatim, for a success, a decline and an invalid request. */
const ANSWERS: Record<Provider, { success: Facts; declined: Facts; invalid: Facts; sent: { full: boolean; sendMinor?: number } }> = {
  secpaid: {
    success: { refundId: '20261201-pi-0000000001', providerStatus: 'Success', amountMinor: 2500 },
    declined: { providerStatus: 'Failed', code: '32', message: 'Already refunded' },
    invalid: { code: '12', message: 'Invalid pay_id' },
    sent: { full: false, sendMinor: 2500 },
  },
  linkmoney: {
    success: { refundId: 'rf_01', providerStatus: 'AUTHORIZED', amountMinor: 1999 },
    declined: { refundId: 'rf_02', providerStatus: 'REJECTED', code: 'NOT_REFUNDABLE', message: 'payment is not refundable' },
    invalid: { refundId: 'rf_03', providerStatus: 'TERMINAL_FAILED', code: 'R03', message: 'No account/unable to locate account' },
    sent: { full: false, sendMinor: 1999 },
  },
  openpayd: {
    success: { providerStatus: 'APPROVED', code: '00', message: 'Approved', amountMinor: 5000 },
    declined: { providerStatus: 'DECLINED', code: '05', message: 'Do not honour' },
    invalid: { providerStatus: 'ERROR', code: '12', message: 'Invalid transaction' },
    sent: { full: true },
  },
  reservepay: {
    success: { refundId: 'rfn_d259441db5f443a0', providerStatus: 'succeeded', amountMinor: 25050 },
    declined: { code: 'REFUND_AMOUNT_EXCEEDED', message: 'refund amount exceeds the refundable amount' },
    invalid: { code: 'PAYMENT_NOT_FOUND', message: 'payment pay_1 not found' },
    sent: { full: false, sendMinor: 25050 },
  },
};

/** The provider's facts as RefundState.provider keeps them (`status` there is the provider's word). */
function kept(f: Facts): Record<string, unknown> {
  const { providerStatus, ...rest } = f;
  return { ...rest, ...(providerStatus !== undefined ? { status: providerStatus } : {}) };
}
/** The cause text: "<Name> answered: <status word> <code> "<message>" (refund <id>)", the provider's words as received. */
function said(f: Facts, fallback: string): string {
  const words = [f.providerStatus, f.code, f.message ? `"${f.message}"` : undefined].filter(Boolean).join(' ') || fallback;
  return `${words}${f.refundId ? ` (refund ${f.refundId})` : ''}`;
}

const CASES = (Object.keys(ANSWERS) as Provider[]).flatMap((provider) => [
  { provider, outcome: { kind: 'final', status: SUCCESS[provider], ...ANSWERS[provider].success } as FinalOutcome },
  { provider, outcome: { kind: 'final', status: 'rejected', refusal: 'declined', ...ANSWERS[provider].declined } as FinalOutcome },
  { provider, outcome: { kind: 'final', status: 'failed', refusal: 'invalid', ...ANSWERS[provider].invalid } as FinalOutcome },
]);

describe('refund: a final answer at submission', { timeout: 180_000 }, () => {
  it.each(CASES.map((c) => [c.provider, c.outcome.status, c] as const))('%s answers %s', async (provider, status, { outcome }) => {
    const log = new CallLog(env);
    const sent = ANSWERS[provider].sent;
    // The activity releases a serialised provider's payment lock itself when the outcome is final;
    // SecPaid has none to release, so its activity reports false (and nothing is left to release).
    const serialised = provider !== 'secpaid';
    const h = await newRefundWorkerCached(env, recordFakes(log, { submitRefund: async () => answered(outcome, sent, serialised) }));
    const input = requestFor(provider);
    const r = await withSettledRefund(h, input, async (handle) => ({
      state: await finishRefund(env, handle),
      events: await historyEventCount(handle),
      summaries: await summaries(handle),
      activities: await scheduledActivities(handle),
      timers: await timerCounts(handle),
    }));
    const name = PROVIDER_NAMES[provider];
    const { kind: _k, status: _s, refusal: _r, ...facts } = outcome;
    const request = parseRefundRequest(input);
    const s = r.state;
    const at = s.transitions[1]!.at;

    expect(s).toEqual({
      refundId: `refund-${input.idempotencyKey}`,
      request,
      status,
      since: at,
      createdAt: s.createdAt,
      updatedAt: at,
      transitions: [
        { at: s.createdAt, status: 'pending', pendingReason: 'submitting', cause: 'refund requested' },
        {
          at,
          status,
          cause: `${name} answered: ${said(facts, status)}`,
          ...(facts.code !== undefined ? { providerCode: facts.code } : {}),
          ...(facts.message !== undefined ? { providerMessage: facts.message } : {}),
        },
      ],
      provider: kept(facts),
      submitAttempts: 1,
      submittedAt: s.createdAt,
      sent,
      lastAnswer: { at, meaning: status, ...kept(facts) },
      // How the final status was established (linked retry, domain/retry.ts): the answer, its refusal.
      settledBy: { by: 'provider', ...(outcome.refusal ? { refusal: outcome.refusal } : {}), lostAnswers: 0 },
    });
    const submit = callsOf(log, 'submitRefund');
    expect(submit).toHaveLength(1);
    expect(submit[0]!.attempt).toBe(1);
    expect(submit[0]!.input).toEqual({ refundId: s.refundId, request, lockScope: h.taskQueue });
    expect(isNear(at, submit[0]!.atMs)).toBe(true);
    expect(r.timers).toEqual({ started: 0, fired: 0, canceled: 0 });
    expect(log.names()).toEqual(['submitRefund']);
    expect(r.activities).toEqual(['submitRefund']);
    expect(r.summaries).toEqual([`submit the refund to ${name}`]);
    expect(r.events).toBeLessThanOrEqual(20);
  });

  it('OpenPayd approved: <= 20 history events, exactly one activity, no timer, no workflow task beyond the two', async () => {
    const log = new CallLog(env);
    const h = await newRefundWorkerCached(env, recordFakes(log, { submitRefund: async () => answered({ kind: 'final', status: 'approved', ...ANSWERS.openpayd.success }) }));
    const r = await withSettledRefund(h, requestFor('openpayd'), async (handle) => {
      const state = await finishRefund(env, handle);
      const events = (await handle.fetchHistory()).events ?? [];
      return { state, events };
    });
    expect(r.state.status).toBe('approved');
    expect(r.events.length).toBeLessThanOrEqual(20);
    expect(r.events.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(1);
    expect(r.events.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(2);
    expect(r.events.filter((e) => e.timerStartedEventAttributes)).toHaveLength(0);
    expect(r.events.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
  });

  it('a partial refund: the request travels unchanged (reason, metadata, originalAmount), the amount sent is what the activity reports', async () => {
    const log = new CallLog(env);
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => answered({ kind: 'final', status: 'approved', providerStatus: 'succeeded', amountMinor: 700 }, { full: false, sendMinor: 700 }),
    }));
    const input = requestFor('reservepay', { amount: 700, originalAmount: 25050, reason: 'one item returned', metadata: { order: '1001' } });
    const state = await withSettledRefund(h, input, (handle) => finishRefund(env, handle));
    expect(state.status).toBe('approved');
    expect(state.sent).toEqual({ full: false, sendMinor: 700 });
    expect(state.provider).toEqual({ status: 'succeeded', amountMinor: 700 });
    expect(callsOf(log, 'submitRefund').map((c) => c.input)).toEqual([{ refundId: state.refundId, request: parseRefundRequest(input), lockScope: h.taskQueue }]);
  });
});
