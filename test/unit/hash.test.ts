import { describe, expect, it } from 'vitest';
import { fnv1a64 } from '../../domain/hash.js';

describe('fnv1a64', () => {
  it('matches the published FNV-1a 64-bit test vectors', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });

  it('hashes UTF-8 bytes, so payment references in any script are stable', () => {
    expect(fnv1a64('ชำระเงิน-42')).toBe(fnv1a64('ชำระเงิน-42'));
    expect(fnv1a64('pay_1')).not.toBe(fnv1a64('pay_2'));
  });
});
