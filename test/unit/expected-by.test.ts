import { describe, expect, it } from 'vitest';
import {
  addSpan,
  DEFAULT_EXPECTED_BY,
  expectedByOf,
  formatRules,
  formatSpan,
  parseExpectedByRules,
  parseSpan,
  type ExpectedBySpan,
} from '../../domain/expected-by.js';
import { isOverdue, overdueClause } from '../../client/expected-by.js';
import { ConfigError, expectedBySettings } from '../../domain/config.js';
import { parseRefundRequest, type RefundRequest } from '../../domain/refund.js';

const H = 3_600_000;
const D = 24 * H;

const secpaid = parseRefundRequest({ provider: 'secpaid', payment: { payId: '42011' }, amount: 2500, currency: 'EUR', idempotencyKey: 'k-sp' });
const openpayd = parseRefundRequest({ provider: 'openpayd', payment: { transactionId: 'tx', referenceNo: 'ref' }, amount: 'full', currency: 'EUR', idempotencyKey: 'k-op' });
const reservepay = parseRefundRequest({ provider: 'reservepay', payment: { paymentId: 'pay_1' }, amount: 100, currency: 'THB', idempotencyKey: 'k-rp' });
const linkmoney = (settledAt?: string): RefundRequest =>
  parseRefundRequest({ provider: 'linkmoney', payment: { paymentId: 'lm_1', ...(settledAt ? { settledAt } : {}) }, amount: 1999, currency: 'USD', idempotencyKey: 'k-lm' });

const LM = DEFAULT_EXPECTED_BY.linkmoney;

describe('expectedByOf: SecPaid follows its own answer ("within 5-10 days")', () => {
  it('the answer + 10 days; before the answer, the request + 10 days', () => {
    expect(expectedByOf(secpaid, DEFAULT_EXPECTED_BY.secpaid, { requestedAt: '2026-12-01T10:00:00.000Z' })).toBe('2026-12-11T10:00:00.000Z');
    expect(expectedByOf(secpaid, DEFAULT_EXPECTED_BY.secpaid, { requestedAt: '2026-12-01T10:00:00.000Z', answeredAt: '2026-12-01T13:30:05.000Z' })).toBe('2026-12-11T13:30:05.000Z');
  });
  it('daylight saving moves nothing: 10 days are 240 h across the US (8 Mar) and EU (29 Mar) changes', () => {
    const us = expectedByOf(secpaid, DEFAULT_EXPECTED_BY.secpaid, { requestedAt: '2026-03-05T12:00:00Z', answeredAt: '2026-03-05T12:00:00Z' });
    expect(us).toBe('2026-03-15T12:00:00.000Z');
    const eu = expectedByOf(secpaid, DEFAULT_EXPECTED_BY.secpaid, { requestedAt: '2026-03-25T12:00:00+01:00', answeredAt: '2026-03-25T12:00:00+01:00' });
    expect(Date.parse(eu) - Date.parse('2026-03-25T11:00:00Z')).toBe(240 * H);
    expect(eu).toBe('2026-04-04T11:00:00.000Z'); // 13:00 CEST: the wall clock moved, the instant did not
  });
  it('counted in business days when configured so (secpaid:10bd): weekends and Christmas skipped', () => {
    const span = parseSpan('10bd');
    // Fri 18 Dec 2026: Mon 21 .. Thu 24 (4), Fri 25 Christmas, Mon 28 .. Thu 31 (8), Fri 1 Jan New Year, Mon 4, Tue 5 (10)
    expect(expectedByOf(secpaid, span, { requestedAt: '2026-12-18T09:00:00Z', answeredAt: '2026-12-18T09:00:00Z' })).toBe('2027-01-06T00:00:00.000Z');
  });
});

describe("expectedByOf: Link Money's 3-US-business-day hold after settlement, + 1 h", () => {
  const at = (settledAt: string | undefined, requestedAt: string) => expectedByOf(linkmoney(settledAt), LM, { requestedAt });
  it('Thanksgiving: settled Wed 25 Nov 2026 -> Fri 27, Mon 30, Tue 1 Dec -> 2 Dec 00:00 UTC + 1 h', () => {
    expect(at('2026-11-25T16:00:00Z', '2026-11-25T17:00:00Z')).toBe('2026-12-02T01:00:00.000Z');
  });
  it('a weekend: settled Sat 5 Dec 2026 -> Mon 7, Tue 8, Wed 9 -> 10 Dec 01:00 UTC', () => {
    expect(at('2026-12-05T10:00:00Z', '2026-12-05T11:00:00Z')).toBe('2026-12-10T01:00:00.000Z');
  });
  it('Christmas on a Friday: settled Tue 22 Dec 2026 -> Wed 23, Thu 24, Mon 28 -> 29 Dec', () => {
    expect(at('2026-12-22T10:00:00Z', '2026-12-22T10:05:00Z')).toBe('2026-12-29T01:00:00.000Z');
  });
  it('a holiday on a Sunday closes the Monday (4 Jul 2027); on a Saturday it closes nothing (4 Jul 2026)', () => {
    expect(at('2027-07-02T12:00:00Z', '2027-07-02T12:00:00Z')).toBe('2027-07-09T01:00:00.000Z'); // Tue 6, Wed 7, Thu 8
    expect(at('2026-07-02T12:00:00Z', '2026-07-02T12:00:00Z')).toBe('2026-07-08T01:00:00.000Z'); // Fri 3 is open, Mon 6, Tue 7
  });
  it('the settlement date is the UTC date: a Friday evening in New York (EST) is a Saturday in UTC', () => {
    // 2026-03-06T20:00-05:00 = Sat 7 Mar 01:00Z -> Mon 9, Tue 10, Wed 11 (US DST begins Sun 8 Mar: no effect)
    expect(at('2026-03-06T20:00:00-05:00', '2026-03-07T02:00:00Z')).toBe('2026-03-12T01:00:00.000Z');
  });
  it('a hold already over when the refund is requested: the request + the grace', () => {
    expect(at('2026-11-02T10:00:00Z', '2026-12-01T10:00:00Z')).toBe('2026-12-01T11:00:00.000Z');
  });
  it('without settledAt: as if settled the day of the request (Fri 4 Dec -> Mon 7, Tue 8, Wed 9)', () => {
    expect(at(undefined, '2026-12-04T15:00:00Z')).toBe('2026-12-10T01:00:00.000Z');
  });
});

describe('expectedByOf: OpenPayd and Reservepay answer at once (+15 min)', () => {
  it('the request + 15 min, across midnight and the year', () => {
    expect(expectedByOf(openpayd, DEFAULT_EXPECTED_BY.openpayd, { requestedAt: '2026-12-31T23:50:00Z', answeredAt: '2026-12-31T23:50:01Z' })).toBe('2027-01-01T00:05:00.000Z');
    expect(expectedByOf(reservepay, DEFAULT_EXPECTED_BY.reservepay, { requestedAt: '2026-12-01T10:00:00Z' })).toBe('2026-12-01T10:15:00.000Z');
  });
  it('openpayd:1bd from a Friday: the end of Monday', () => {
    expect(expectedByOf(openpayd, parseSpan('1bd'), { requestedAt: '2026-12-04T10:00:00Z' })).toBe('2026-12-08T00:00:00.000Z');
  });
});

describe('spans and REFUNDS_EXPECTED_BY', () => {
  it('parses terms joined by +, in any case, and writes them back', () => {
    expect(parseSpan('3bd+1h')).toEqual({ businessDays: 3, ms: H } satisfies ExpectedBySpan);
    expect(parseSpan(' 1D + 12h ')).toEqual({ businessDays: 0, ms: 1.5 * D });
    expect(parseSpan('90s')).toEqual({ businessDays: 0, ms: 90_000 });
    expect(formatSpan(parseSpan('3bd+1h'))).toBe('3bd+1h');
    expect(formatSpan(parseSpan('36h'))).toBe('1d+12h');
    expect(formatSpan(parseSpan('90s'))).toBe('1m+30s');
    expect(addSpan('2026-12-01T00:00:00Z', parseSpan('2d'))).toBe(Date.parse('2026-12-03T00:00:00Z'));
  });
  it('a provider not listed keeps its default', () => {
    const rules = parseExpectedByRules('secpaid:7d, OpenPayd:30m');
    expect(rules).toEqual({ ...DEFAULT_EXPECTED_BY, secpaid: { businessDays: 0, ms: 7 * D }, openpayd: { businessDays: 0, ms: 30 * 60_000 } });
    expect(formatRules(DEFAULT_EXPECTED_BY)).toBe('secpaid:10d,linkmoney:3bd+1h,openpayd:15m,reservepay:15m');
  });
  it.each([
    ['', /no entries/],
    ['secpaid', /write provider:span/],
    ['paypal:1d', /unknown provider "paypal"/],
    ['secpaid:1d,secpaid:2d', /secpaid is given twice/],
    ['secpaid:1w', /secpaid: "1w" is not a span/],
    ['openpayd:0m', /openpayd: "0m" is zero/],
    ['openpayd:-5m', /not a span/],
    ['secpaid:400d', /at most 366 days/],
    ['linkmoney:61bd', /at most 60 business days/],
    ['secpaid:1.5d', /not a span/],
  ])('refuses %j', (text, message) => {
    expect(() => parseExpectedByRules(text)).toThrow(message);
  });

  it('REFUNDS_EXPECTED_BY: the defaults when unset; a bad value is a ConfigError naming the variable and the entry', () => {
    expect(expectedBySettings({})).toEqual(DEFAULT_EXPECTED_BY);
    expect(expectedBySettings({ REFUNDS_EXPECTED_BY: 'reservepay:1h' }).reservepay).toEqual({ businessDays: 0, ms: H });
    expect(() => expectedBySettings({ REFUNDS_EXPECTED_BY: 'secpaid:10d,reservepay:soon' })).toThrow(ConfigError);
    expect(() => expectedBySettings({ REFUNDS_EXPECTED_BY: 'secpaid:10d,reservepay:soon' })).toThrow(/^REFUNDS_EXPECTED_BY: reservepay: "soon" is not a span/);
  });
});

describe('overdue: past its date and not final, unless it awaits four-eyes approval (nothing sent yet)', () => {
  const now = new Date('2026-12-10T00:00:00.000Z');
  const past = '2026-12-09T00:00:00.000Z';
  it('isOverdue on a refund state and on a list row', () => {
    expect(isOverdue({ status: 'pending', expectedBy: past }, now)).toBe(true);
    expect(isOverdue({ status: 'needs_attention', expectedBy: past }, now)).toBe(true);
    expect(isOverdue({ status: 'approved', expectedBy: past }, now)).toBe(false);
    expect(isOverdue({ status: 'pending', expectedBy: '2026-12-11T00:00:00.000Z' }, now)).toBe(false);
    expect(isOverdue({ status: 'pending' }, now)).toBe(false);
    expect(isOverdue({ status: 'pending', expectedBy: past, approval: 'awaiting' }, now)).toBe(false);
    expect(isOverdue({ status: 'pending', expectedBy: past, approval: { state: 'awaiting' } }, now)).toBe(false);
    expect(isOverdue({ status: 'pending', expectedBy: past, approval: { state: 'granted' } }, now)).toBe(true);
  });
  it('the visibility clause leaves out refunds awaiting approval and keeps those without RefundApproval', () => {
    expect(overdueClause(now)).toBe(
      "RefundExpectedBy < '2026-12-10T00:00:00.000Z' AND RefundStatus IN ('pending', 'needs_attention') AND (RefundApproval IS NULL OR RefundApproval != 'awaiting')",
    );
  });
});
