/**
 * The refund workflow guards its input without zod (domain/refund-request.ts): every request the
 * zod schema accepts, and what it makes of it, passes the guard; an input started by hand that
 * the workflow could not run is refused with field messages.
 */
import { describe, expect, it } from 'vitest';
import { parseRefundRequest, type RefundRequestInput } from '../../domain/refund.js';
import { refundInputProblems } from '../../domain/refund-request.js';

const VALID: RefundRequestInput[] = [
  { idempotencyKey: 'k-1', provider: 'secpaid', payment: { payId: '42011' }, amount: 2500, currency: 'EUR' },
  { idempotencyKey: 'k-2', provider: 'secpaid', payment: { payId: '42011' }, amount: 'full', originalAmount: 10_000, currency: 'eur', reason: 'r', metadata: { order: '1' } },
  { idempotencyKey: 'k-3', provider: 'linkmoney', payment: { paymentId: 'pay_1', settledAt: '2026-11-25T15:00:00Z' }, amount: 1, currency: 'USD', callbackUrl: 'https://example.com/cb' },
  { idempotencyKey: 'k-4', provider: 'openpayd', payment: { transactionId: '529-1438673740-2', referenceNo: '1-1386413490-0089-14' }, amount: 'full', currency: 'GBP' },
  { idempotencyKey: 'k-5', provider: 'reservepay', payment: { paymentId: ' pay_9 ' }, amount: Number.MAX_SAFE_INTEGER, currency: 'THB' },
];

describe('the refund workflow input guard', () => {
  it.each(VALID)('passes what the schema accepts: %j', (input) => {
    expect(refundInputProblems(parseRefundRequest(input))).toEqual([]);
  });

  it.each<[string, unknown, string[]]>([
    ['nothing', undefined, ['']],
    ['an array', [], ['']],
    ['an unknown provider', { ...VALID[0], provider: 'paypal' }, ['provider']],
    ['no payment', { ...VALID[3], payment: undefined }, ['payment.transactionId', 'payment.referenceNo']],
    ['an empty payment id', { ...VALID[0], payment: { payId: '  ' } }, ['payment.payId']],
    ['a numeric payment id', { ...VALID[4], payment: { paymentId: 9 } }, ['payment.paymentId']],
    ['no idempotency key', { ...VALID[0], idempotencyKey: '' }, ['idempotencyKey']],
    ['a fractional amount', { ...VALID[0], amount: 25.5 }, ['amount']],
    ['a zero amount', { ...VALID[0], amount: 0 }, ['amount']],
    ['an amount as a string', { ...VALID[0], amount: '2500' }, ['amount']],
    ['an amount above 2^53', { ...VALID[0], amount: 2 ** 53 }, ['amount']],
    ['a lowercase currency (the schema upper-cases it)', { ...VALID[0], currency: 'eur' }, ['currency']],
    ['an unknown currency', { ...VALID[0], currency: 'XXX' }, ['currency']],
    ['a negative original amount', { ...VALID[0], originalAmount: -1 }, ['originalAmount']],
    ['a numeric reason', { ...VALID[0], reason: 1 }, ['reason']],
    ['metadata with a number', { ...VALID[0], metadata: { a: 1 } }, ['metadata']],
  ])('refuses %s', (_what, input, paths) => {
    const problems = refundInputProblems(input);
    expect(problems.map((p) => p.path)).toEqual(paths);
    for (const p of problems) expect(p.message).not.toBe('');
  });
});
