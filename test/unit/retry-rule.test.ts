/**
 * Linked retry's rule (domain/retry.ts) over every way a refund ends, and the attempt ids.
 * The workflow records `settledBy` (workflows/lifecycle.ts); test/workflow/refund/retry.test.ts
 * checks it records what these cases assume.
 */
import { describe, expect, it } from 'vitest';
import { REFUSAL_KINDS } from '../../domain/outcome.js';
import { parseRefundRequest } from '../../domain/refund.js';
import { attemptIdFor, chainOf, MAX_ATTEMPTS, nextAttemptOf, retryLinkProblems, retryVerdict } from '../../domain/retry.js';
import { initialRefundState, type RefundState, type Settlement } from '../../domain/state.js';
import type { RefundStatus } from '../../domain/status.js';

const request = parseRefundRequest({ idempotencyKey: 'order-1', provider: 'reservepay', payment: { paymentId: 'pay_1' }, amount: 25050, currency: 'THB' });
const ended = (status: RefundStatus, settledBy?: Settlement, refundId = 'refund-order-1', extra: Partial<RefundState> = {}): RefundState => ({
  ...initialRefundState(refundId, request, '2026-12-01T10:00:00.000Z'),
  status,
  ...(status === 'pending' ? { pendingReason: 'provider_processing' as const } : { pendingReason: undefined }),
  ...(settledBy ? { settledBy } : {}),
  ...extra,
});

describe('retryVerdict: allowed only when the retried refund provably paid nothing', () => {
  it.each([
    ['rejected', { by: 'provider', refusal: 'declined', lostAnswers: 0 }, 'Reservepay declined it: nothing was paid'],
    ['failed', { by: 'provider', refusal: 'invalid', lostAnswers: 0 }, 'Reservepay refused the request as invalid: nothing was paid'],
    ['failed', { by: 'provider', refusal: 'payment_failed', lostAnswers: 0 }, 'Reservepay reported the payment failed, so the refund never moved money: nothing was paid'],
    ['rejected', { by: 'amount_rule', lostAnswers: 0 }, 'the amount rule refused it before anything was sent: nothing was paid'],
    ['failed', { by: 'request_refused', failure: 'ProviderInvalidRequest', lostAnswers: 0 }, 'the request was refused before Reservepay carried out anything (ProviderInvalidRequest): nothing was paid'],
  ] as [RefundStatus, Settlement, string][])('%s settled by %o -> allowed: %s', (status, settledBy, proof) => {
    expect(retryVerdict(ended(status, settledBy))).toEqual({ ok: true, attemptId: 'refund-order-1~retry-2', attempt: 2, proof });
  });

  it('every refusal kind of the outcome model is a proof', () => {
    for (const refusal of REFUSAL_KINDS) expect(retryVerdict(ended('failed', { by: 'provider', refusal, lostAnswers: 0 })).ok).toBe(true);
  });

  it.each([
    ['pending', undefined, 'not_final', /still pending \(provider_processing\)/],
    ['needs_attention', undefined, 'not_final', /needs attention and is not final/],
    ['approved', { by: 'provider', lostAnswers: 0 }, 'succeeded', /succeeded \(approved\): a retry would pay twice/],
    ['authorized', { by: 'provider', lostAnswers: 0 }, 'succeeded', /succeeded \(authorized\)/],
    ['canceled', { by: 'operator', operator: 'ops' }, 'canceled', /canceled by an operator/],
    // Ended failed/rejected without proof.
    ['failed', undefined, 'unproven', /before this version recorded how its outcome was established/],
    ['failed', { by: 'operator', operator: 'ops@example.com' }, 'unproven', /set by an operator \(ops@example.com\), not by Reservepay's answer/],
    ['rejected', { by: 'operator' }, 'unproven', /set by an operator, not by Reservepay's answer/],
    ['failed', { by: 'other' }, 'unproven', /not set by Reservepay's answer/],
    ['failed', { by: 'provider', lostAnswers: 0 }, 'unproven', /final answer is not one its documentation says moves no money/],
    ['rejected', { by: 'provider', refusal: 'declined', lostAnswers: 1 }, 'unproven', /1 answer of its submissions to Reservepay was lost/],
    ['failed', { by: 'request_refused', failure: 'ProviderDeclined', lostAnswers: 2 }, 'unproven', /2 answers of its submissions to Reservepay were lost/],
    ['rejected', { by: 'amount_rule', lostAnswers: 1 }, 'unproven', /was lost/],
  ] as [RefundStatus, Settlement | undefined, string, RegExp][])('%s settled by %o -> refused (%s)', (status, settledBy, kind, reason) => {
    const v = retryVerdict(ended(status, settledBy));
    expect(v).toMatchObject({ ok: false, kind });
    if (!v.ok) expect(v.reason).toMatch(reason);
    if (!v.ok && kind === 'unproven') expect(v.reason).toMatch(/check at Reservepay, then create a new refund with a new idempotency key$/);
  });

  it('a needs_attention refund resolved to failed by an operator keeps the operator (the resolver) in the reason', () => {
    const v = retryVerdict(ended('failed', { by: 'operator' }, 'refund-order-1', { resolvedBy: 'alice' }));
    expect(v).toMatchObject({ ok: false, kind: 'unproven' });
    if (!v.ok) expect(v.reason).toContain('(alice)');
  });

  it('a retry of a retry chains on the first refund; attempt 10 is the last', () => {
    const proof = { by: 'provider', refusal: 'declined', lostAnswers: 0 } as const;
    expect(retryVerdict(ended('rejected', proof, 'refund-order-1~retry-2'))).toMatchObject({ ok: true, attemptId: 'refund-order-1~retry-3', attempt: 3 });
    expect(retryVerdict(ended('rejected', proof, `refund-order-1~retry-${MAX_ATTEMPTS - 1}`))).toMatchObject({ ok: true, attempt: MAX_ATTEMPTS });
    const last = retryVerdict(ended('rejected', proof, `refund-order-1~retry-${MAX_ATTEMPTS}`));
    expect(last).toMatchObject({ ok: false, kind: 'limit' });
  });
});

describe('attempt ids', () => {
  it('are deterministic from the first refund and the attempt number, and parse back', () => {
    expect(attemptIdFor('refund-order-1', 2)).toBe('refund-order-1~retry-2');
    expect(chainOf('refund-order-1')).toEqual({ rootId: 'refund-order-1', attempt: 1 });
    expect(chainOf('refund-order-1~retry-7')).toEqual({ rootId: 'refund-order-1', attempt: 7 });
    expect(nextAttemptOf('refund-order-1')).toEqual({ attemptId: 'refund-order-1~retry-2', attempt: 2 });
    expect(nextAttemptOf('refund-order-1~retry-2')).toEqual({ attemptId: 'refund-order-1~retry-3', attempt: 3 });
  });
  it('an id that only looks like one is a first refund', () => {
    for (const id of ['refund-a~retry-1', 'refund-a~retry-02', 'refund-a~retry-x', '~retry-2', 'refund-a~retry-']) expect(chainOf(id)).toEqual({ rootId: id, attempt: 1 });
  });
  it("retryLinkProblems: absent is fine; a link must name its own attempt's id", () => {
    expect(retryLinkProblems(undefined, 'refund-a')).toEqual([]);
    expect(retryLinkProblems({ refundId: 'refund-a', attempt: 2, proof: 'declined' }, 'refund-a~retry-2')).toEqual([]);
    expect(retryLinkProblems({ refundId: 'refund-a', attempt: 3, proof: 'declined' }, 'refund-a~retry-2')[0]?.message).toMatch(/is attempt 2 and runs as refund-a~retry-2/);
    expect(retryLinkProblems({ refundId: 'refund-a', attempt: 2, proof: 'x' }, 'refund-b')).toHaveLength(1);
    expect(retryLinkProblems('refund-a', 'refund-a~retry-2')).toEqual([{ path: 'retryOf', message: 'must be an object' }]);
    expect(retryLinkProblems({ attempt: 1 }, 'x').map((p) => p.path)).toEqual(['retryOf.refundId', 'retryOf.attempt', 'retryOf.proof']);
  });
});
