/** Matching provider values (domain/outcome.ts): case, surrounding space, separators; nothing else. */
import { describe, expect, it } from 'vitest';
import { matchWire, normaliseWire, providerFacts } from '../../domain/outcome.js';

const MAP = { APPROVED: 'a', TERMINAL_FAILED: 'f', '00': 'zero' } as const;

describe('matchWire', () => {
  it.each([
    ['APPROVED', 'a'],
    [' approved ', 'a'],
    ['Approved\n', 'a'],
    ['terminal_failed', 'f'],
    ['Terminal-Failed', 'f'],
    ['terminal failed', 'f'],
    ['00', 'zero'],
  ])('%j -> %s', (value, expected) => {
    expect(matchWire(value, MAP)).toBe(expected);
  });
  it.each([['APPROVEDX'], ['APPRO VED'], [''], [null], [undefined], [{}], [true]])('%j is not matched', (value) => {
    expect(matchWire(value, MAP)).toBeUndefined();
  });
  it('numbers are matched as their text', () => {
    expect(matchWire(32, { '32': 'x' })).toBe('x');
  });
  it('normaliseWire', () => {
    expect(normaliseWire('  a-b c ')).toBe('A_B_C');
  });
});

describe('providerFacts', () => {
  it('keeps the provider\'s own words for the refund state, drops what the outcome means', () => {
    expect(providerFacts({ refundId: 'r', providerStatus: 'APPROVED', code: '00', message: 'Approved', amountMinor: 5 })).toEqual({
      refundId: 'r',
      status: 'APPROVED',
      code: '00',
      message: 'Approved',
      amountMinor: 5,
    });
    expect(providerFacts({})).toEqual({});
  });
});
