import { describe, expect, it } from 'vitest';
import { parseRefundRequest, RefundRequestError, refundSummary, type RefundRequestInput } from '../../domain/refund.js';

const secpaid: RefundRequestInput = { idempotencyKey: 'k-1', provider: 'secpaid', payment: { payId: '42011' }, amount: 2500, currency: 'EUR' };

function issues(input: unknown): string[] {
  try {
    parseRefundRequest(input);
  } catch (err) {
    expect(err).toBeInstanceOf(RefundRequestError);
    return (err as RefundRequestError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the request to be rejected');
}

describe('refund request', () => {
  it('accepts a valid request per provider and normalises the currency', () => {
    expect(parseRefundRequest({ ...secpaid, currency: 'eur' }).currency).toBe('EUR');
    expect(parseRefundRequest({ idempotencyKey: 'k', provider: 'linkmoney', payment: { paymentId: 'pay_1', settledAt: '2026-11-25T15:00:00Z' }, amount: 1, currency: 'USD' }).amount).toBe(1);
    expect(parseRefundRequest({ idempotencyKey: 'k', provider: 'openpayd', payment: { transactionId: '529-1438673740-2', referenceNo: '1-1386413490-0089-14' }, amount: 'full', currency: 'EUR' }).amount).toBe('full');
    expect(parseRefundRequest({ idempotencyKey: 'k', provider: 'reservepay', payment: { paymentId: 'pay_9' }, amount: 150000, currency: 'THB' }).amount).toBe(150000);
  });

  it('writes the UI summary with exact money', () => {
    expect(refundSummary(parseRefundRequest(secpaid))).toBe('Refund EUR 25.00 of SecPaid payment 42011');
    expect(refundSummary(parseRefundRequest({ ...secpaid, amount: 1 }))).toBe('Refund EUR 0.01 of SecPaid payment 42011');
    expect(
      refundSummary(parseRefundRequest({ idempotencyKey: 'k', provider: 'openpayd', payment: { transactionId: 't', referenceNo: 'r' }, amount: 'full', currency: 'USD' })),
    ).toBe('Refund the full amount (USD) of OpenPayd payment t');
  });

  it.each<[string, unknown, RegExp]>([
    ['fractional minor units', { ...secpaid, amount: 25.5 }, /amount: .*integer/],
    ['zero', { ...secpaid, amount: 0 }, /amount: .*greater than zero|amount: .*positive/],
    ['negative', { ...secpaid, amount: -100 }, /amount/],
    ['above 2^53', { ...secpaid, amount: 2 ** 53 + 2 }, /amount/],
    ['amount as a string', { ...secpaid, amount: '25.00' }, /amount/],
    ['unknown currency', { ...secpaid, currency: 'XXX' }, /currency: must be one of/],
    ['SecPaid in USD', { ...secpaid, currency: 'USD' }, /currency: SecPaid refunds are in EUR, not USD/],
    ['SecPaid full without an amount', { ...secpaid, amount: 'full' }, /amount: SecPaid needs an amount even for a full refund/],
    ['Link Money full without an amount', { idempotencyKey: 'k', provider: 'linkmoney', payment: { paymentId: 'p' }, amount: 'full', currency: 'USD' }, /amount: Link Money needs an amount even for a full refund/],
    ['Link Money in EUR', { idempotencyKey: 'k', provider: 'linkmoney', payment: { paymentId: 'p' }, amount: 100, currency: 'EUR' }, /Link Money refunds are in USD/],
    ['Reservepay in USD', { idempotencyKey: 'k', provider: 'reservepay', payment: { paymentId: 'p' }, amount: 100, currency: 'USD' }, /Reservepay refunds are in THB/],
    ['unknown provider', { ...secpaid, provider: 'paypal' }, /provider must be one of secpaid, linkmoney, openpayd, reservepay/],
    ['missing idempotency key', { ...secpaid, idempotencyKey: undefined }, /idempotencyKey/],
    ['OpenPayd without referenceNo', { idempotencyKey: 'k', provider: 'openpayd', payment: { transactionId: 't' }, amount: 100, currency: 'EUR' }, /payment.referenceNo/],
    ['SecPaid pay_id not numeric', { ...secpaid, payment: { payId: 'abc' } }, /payment.payId/],
    ['an unknown field', { ...secpaid, extra: 1 }, /extra|Unrecognized/],
    ['amount above originalAmount', { ...secpaid, originalAmount: 2000 }, /amount: amount 2500 is above originalAmount 2000/],
    ['settledAt not ISO', { idempotencyKey: 'k', provider: 'linkmoney', payment: { paymentId: 'p', settledAt: 'yesterday' }, amount: 1, currency: 'USD' }, /settledAt/],
  ])('rejects %s with a field-level message', (_name, input, message) => {
    expect(issues(input).join('\n')).toMatch(message);
  });

  it('tells a request the provider cannot carry out (422) from a malformed one (400)', () => {
    const kind = (input: unknown) => {
      try {
        parseRefundRequest(input);
      } catch (err) {
        return (err as RefundRequestError).unprocessable;
      }
      throw new Error('accepted');
    };
    expect(kind({ ...secpaid, amount: 'full' })).toBe(true);
    expect(kind({ ...secpaid, currency: 'USD' })).toBe(true);
    expect(kind({ ...secpaid, originalAmount: 2000 })).toBe(true);
    expect(kind({ ...secpaid, amount: 25.5 })).toBe(false);
    expect(kind({ ...secpaid, currency: 'USD', amount: 25.5 })).toBe(false); // malformed and impossible: malformed wins
  });
});
