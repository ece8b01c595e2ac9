/**
 * The workflow sees only domain outcomes: no provider wire status or code appears as a literal in
 * workflows/ (the frozen v1 workflow excepted, see workflows/v1/README.md). Values come from the
 * provider pages in ../shared/provider-docs and REFERENCE.md.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const WIRE_VALUES = [
  // OpenPayd
  'APPROVED', 'DECLINED', 'PENDING', 'ERROR', '00', '32', '283', '188', 'Already refunded', 'Waiting',
  // Link Money
  'AUTHORIZED', 'TERMINAL_FAILED', 'CREATED', 'SCHEDULED', 'INITIATED', 'SUCCEEDED', 'RETRYABLE_FAILED', 'CANCELED', 'DUPLICATE_REQUEST_KEY', 'CUSTOMER_NOT_DEBITED',
  // Reservepay
  'succeeded', 'NOT_FOUND', 'NOT_REFUNDABLE', 'AMOUNT_EXCEEDS_LIMIT', 'INVALID_ARGUMENTS', 'UNAUTHORIZED', 'BAD_VERSION', 'UNHANDLED_ERROR',
  // SecPaid
  'Refund already requested', 'Refund', 'Success', 'Pending', 'Approved', 'Rejected', 'Completed', 'is_refund', 'transaction_type',
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'v1' ? [] : files(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

describe('workflows/ holds no provider wire value', () => {
  const sources = files(join(ROOT, 'workflows')).map((p) => ({ path: relative(ROOT, p), text: readFileSync(p, 'utf8') }));

  it('looks at the workflow files', () => {
    expect(sources.map((s) => s.path)).toEqual(expect.arrayContaining(['workflows/refund.ts', 'workflows/waiting.ts', 'workflows/submission.ts']));
  });

  it.each(WIRE_VALUES)('no string literal %j', (value) => {
    const literal = new RegExp(`(['"\`])${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\1`);
    const found = sources.filter((s) => literal.test(s.text)).map((s) => s.path);
    expect(found).toEqual([]);
  });

  it('the check finds a wire value when there is one', () => {
    expect(new RegExp(`(['"\`])APPROVED\\1`).test("if (r.status === 'APPROVED')")).toBe(true);
  });
});
