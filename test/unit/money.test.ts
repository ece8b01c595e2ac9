import { describe, expect, it } from 'vitest';
import { CURRENCY_CODES, formatMoney, MoneyError, money, parseDecimalNumber, parseDecimalString, toDecimalString } from '../../domain/money.js';

describe('toDecimalString', () => {
  it.each([
    [0, 'EUR', '0.00'],
    [1, 'EUR', '0.01'],
    [10, 'EUR', '0.10'],
    [1999, 'USD', '19.99'],
    [2500, 'EUR', '25.00'],
    [100001, 'THB', '1000.01'],
    [-5, 'EUR', '-0.05'],
    [-12345, 'GBP', '-123.45'],
    [Number.MAX_SAFE_INTEGER, 'EUR', '90071992547409.91'],
    [1500, 'JPY', '1500'],
    [-7, 'JPY', '-7'],
  ] as const)('%i %s -> %s', (minor, cur, text) => {
    expect(toDecimalString(minor, cur)).toBe(text);
  });
  it.each([0.5, Number.NaN, Infinity, Number.MAX_SAFE_INTEGER + 1])('rejects %d', (v) => {
    expect(() => toDecimalString(v, 'EUR')).toThrow(MoneyError);
  });
});

describe('parseDecimalString', () => {
  it.each([
    ['25.00', 'EUR', 2500],
    ['25', 'EUR', 2500],
    ['0.1', 'EUR', 10],
    ['0.01', 'EUR', 1],
    ['1.230', 'EUR', 123],
    ['-0.01', 'EUR', -1],
    ['-25.00', 'EUR', -2500],
    ['-0.00', 'EUR', 0],
    ['007.50', 'USD', 750],
    [' 19.99 ', 'USD', 1999],
    ['90071992547409.91', 'EUR', Number.MAX_SAFE_INTEGER],
    ['1500', 'JPY', 1500],
    ['1500.000', 'JPY', 1500],
  ] as const)('%j %s -> %i', (text, cur, minor) => {
    expect(parseDecimalString(text, cur)).toBe(minor);
  });
  it('-0.00 is plain zero, not -0', () => {
    expect(Object.is(parseDecimalString('-0.00', 'EUR'), 0)).toBe(true);
  });
  it.each([
    ['1e3', 'EUR'],
    ['1,000', 'EUR'],
    ['1,000.00', 'EUR'],
    ['1.234', 'EUR'],
    ['1.5', 'JPY'],
    ['', 'EUR'],
    ['.5', 'EUR'],
    ['5.', 'EUR'],
    ['+5', 'EUR'],
    ['abc', 'EUR'],
    ['0x10', 'EUR'],
    ['Infinity', 'EUR'],
    ['90071992547409.92', 'EUR'],
    ['99999999999999999999', 'JPY'],
  ] as const)('rejects %j (%s)', (text, cur) => {
    expect(() => parseDecimalString(text, cur)).toThrow(MoneyError);
  });
  it('round-trips toDecimalString for every currency on edge values', () => {
    const values = [0, 1, 9, 10, 99, 100, 1999, 100001, -1, -1999, 123456789, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
    for (const cur of CURRENCY_CODES) {
      for (const v of values) expect(parseDecimalString(toDecimalString(v, cur), cur)).toBe(v);
    }
  });
});

describe('parseDecimalNumber', () => {
  it.each([
    [25, 2500],
    [0.01, 1],
    [19.99, 1999],
    [1234567.89, 123456789],
    [-0.01, -1],
  ])('%d USD -> %i', (n, minor) => {
    expect(parseDecimalNumber(n, 'USD')).toBe(minor);
  });
  it.each([0.1 + 0.2, 1.005, 1e21, 1e-7, Number.NaN, Infinity])('rejects %d instead of rounding', (n) => {
    expect(() => parseDecimalNumber(n, 'USD')).toThrow(MoneyError);
  });
  it('JPY: integers only', () => {
    expect(parseDecimalNumber(1500, 'JPY')).toBe(1500);
    expect(() => parseDecimalNumber(15.5, 'JPY')).toThrow(MoneyError);
  });
});

describe('money / formatMoney', () => {
  it('formats for people', () => {
    expect(formatMoney(money(2500, 'EUR'))).toBe('EUR 25.00');
    expect(formatMoney(money(1500, 'JPY'))).toBe('JPY 1500');
  });
  it('rejects non-integers', () => {
    expect(() => money(1.5, 'EUR')).toThrow(MoneyError);
  });
});
