/** The one amount rule (domain/amount.ts): request-time checks and the decision at a refund's turn. */
import { describe, expect, it } from 'vitest';
import { AMOUNT_RULES, amountViolations, expectedAmount, planAmount, type AmountRequest } from '../../domain/amount.js';
import { PROVIDERS } from '../../domain/providers.js';

const r = (provider: AmountRequest['provider'], amount: number | 'full', originalAmount?: number): AmountRequest => ({
  provider,
  amount,
  currency: provider === 'secpaid' ? 'EUR' : provider === 'linkmoney' ? 'USD' : provider === 'reservepay' ? 'THB' : 'EUR',
  ...(originalAmount !== undefined ? { originalAmount } : {}),
});

describe('amount rule: before anything starts', () => {
  it.each(PROVIDERS)('%s: "full" without originalAmount is refused only where the provider needs an amount on the wire', (p) => {
    expect(amountViolations(r(p, 'full')).length > 0).toBe(AMOUNT_RULES[p].fullNeedsOriginal);
  });
  it('an amount above the original is refused; equal is fine', () => {
    expect(amountViolations(r('reservepay', 1001, 1000))).toEqual([{ path: ['amount'], message: 'amount 1001 is above originalAmount 1000' }]);
    expect(amountViolations(r('reservepay', 1000, 1000))).toEqual([]);
  });
  it('expectedAmount: the amount, or the original for "full", else unknown', () => {
    expect(expectedAmount(r('openpayd', 5))).toBe(5);
    expect(expectedAmount(r('openpayd', 'full', 700))).toBe(700);
    expect(expectedAmount(r('openpayd', 'full'))).toBeUndefined();
  });
});

describe('amount rule: at the refund turn, after earlier refunds of the payment', () => {
  it('a partial refund: sent as asked while it fits what is left, refused by one minor unit over', () => {
    expect(planAmount(r('reservepay', 400), { originalAmount: 1000, succeededMinor: 600 })).toEqual({ ok: true, full: false, sendMinor: 400, expectedMinor: 400 });
    expect(planAmount(r('reservepay', 401), { originalAmount: 1000, succeededMinor: 600 })).toEqual({
      ok: false,
      reason: 'asks for more than is left of the payment: THB 4.00 of THB 10.00 after the refunds that succeeded',
    });
  });
  it('nothing left: every refund is refused, "full" included', () => {
    for (const p of PROVIDERS) expect(planAmount(r(p, 'full', 1000), { succeededMinor: 1000 })).toMatchObject({ ok: false, reason: expect.stringMatching(/nothing is left/) });
  });
  it('"full" with nothing refunded before: the provider\'s own full refund', () => {
    expect(planAmount(r('openpayd', 'full'), { succeededMinor: 0 })).toEqual({ ok: true, full: true });
    expect(planAmount(r('reservepay', 'full', 900), { succeededMinor: 0 })).toEqual({ ok: true, full: true, expectedMinor: 900 });
    expect(planAmount(r('secpaid', 'full', 900), { succeededMinor: 0 })).toEqual({ ok: true, full: true, sendMinor: 900, expectedMinor: 900 });
    expect(planAmount(r('linkmoney', 'full', 900), { succeededMinor: 0 })).toEqual({ ok: true, full: true, sendMinor: 900, expectedMinor: 900 });
  });
  it('"full" after a partial one: what is left, sent as an explicit amount, never the whole original', () => {
    expect(planAmount(r('openpayd', 'full', 1000), { succeededMinor: 250 })).toEqual({ ok: true, full: false, sendMinor: 750, expectedMinor: 750 });
    expect(planAmount(r('linkmoney', 'full', 1000), { succeededMinor: 250 })).toEqual({ ok: true, full: false, sendMinor: 750, expectedMinor: 750 });
    // The original known from an earlier request of the payment (the lock's account), not this one.
    expect(planAmount(r('reservepay', 'full'), { originalAmount: 1000, succeededMinor: 1 })).toEqual({ ok: true, full: false, sendMinor: 999, expectedMinor: 999 });
  });
  it('"full" of unknown original after a partial: the provider refunds what it has left (it omits the amount)', () => {
    expect(planAmount(r('reservepay', 'full'), { succeededMinor: 300 })).toEqual({ ok: true, full: true });
  });
  it('a provider that needs an amount cannot do "full" of an unknown original', () => {
    expect(planAmount(r('linkmoney', 'full'), { succeededMinor: 0 })).toMatchObject({ ok: false });
  });
  it('edge values: 1 minor unit, 2^53 - 1', () => {
    expect(planAmount(r('reservepay', 1, 1), { succeededMinor: 0 })).toMatchObject({ ok: true, sendMinor: 1 });
    const max = Number.MAX_SAFE_INTEGER;
    expect(planAmount(r('reservepay', max, max), { succeededMinor: 0 })).toMatchObject({ ok: true, sendMinor: max });
    expect(planAmount(r('reservepay', max, max), { succeededMinor: 1 })).toMatchObject({ ok: false });
  });
});
