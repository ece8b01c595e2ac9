/**
 * The workflow's update validators check operator inputs without zod (domain/operator-rules.ts);
 * the API and the CLI check them with the zod schemas built from the same rules
 * (domain/operator.ts). Both must give the same answer with the same message.
 */
import { describe, expect, it } from 'vitest';
import { OPERATOR_INPUT_SCHEMAS } from '../../domain/operator.js';
import { OPERATOR_INPUT_RULES, operatorInputProblem, type OperatorAction } from '../../domain/operator-rules.js';

function zodProblem(action: OperatorAction, input: unknown): string | undefined {
  const r = OPERATOR_INPUT_SCHEMAS[action].safeParse(input ?? {});
  if (r.success) return undefined;
  return r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

const long = (n: number) => 'x'.repeat(n);
const INPUTS: [OperatorAction, unknown][] = [
  ['approve', undefined],
  ['approve', {}],
  ['approve', { operator: 'ops@example.com', note: 'checked' }],
  ['approve', { operator: ' ' }],
  ['approve', { operator: long(200), note: long(200) }],
  ['approve', { operator: long(201) }],
  ['approve', { operator: `  ${long(200)}  ` }],
  ['approve', { note: long(201) }],
  ['approve', { note: '   ' }],
  ['approve', { operator: 42 }],
  ['approve', { note: null }],
  ['approve', { amount: 100 }],
  ['approve', { amount: 100, extra: true }],
  ['approve', { operator: ' ', note: long(201), extra: 1 }],
  ['cancel', { note: long(201) }],
  ['cancel', { operator: 'a', note: 'b' }],
  ['reject', {}],
  ['reject', { reason: '   ' }],
  ['reject', { reason: long(500) }],
  ['reject', { reason: long(501) }],
  ['reject', { reason: 7 }],
  ['reject', { reason: 'declined in the dashboard', operator: 'ops', note: 'n' }],
  ['resolve', { status: 'done', note: 'ok' }],
  ['resolve', { status: 'approved' }],
  ['resolve', { status: 'approved', note: ' ' }],
  ['resolve', { status: 'approved', note: long(501) }],
  ['resolve', { note: 'ok' }],
  ['resolve', { status: 'canceled', note: 'customer withdrew', operator: 'ops' }],
  ['resolve', { status: 'APPROVED', note: 'ok' }],
];

describe('operator input rules: the workflow check and the zod schema agree', () => {
  it.each(INPUTS)('%s %j', (action, input) => {
    expect(operatorInputProblem(action, input)).toBe(zodProblem(action, input));
  });

  it('refuses what it must, with the field and its message', () => {
    expect(operatorInputProblem('reject', {})).toBe('reason: reason is required');
    expect(operatorInputProblem('approve', { operator: ' ' })).toBe('operator: operator must not be empty');
    expect(operatorInputProblem('approve', { amount: 1 })).toBe('Unrecognized key: "amount"');
    expect(operatorInputProblem('resolve', { status: 'done', note: 'ok' })).toBe('status: status must be one of approved, authorized, rejected, failed, canceled');
    expect(operatorInputProblem('approve', 'yes')).toBeDefined();
  });

  it('every schema has exactly the fields of its rules', () => {
    for (const action of Object.keys(OPERATOR_INPUT_RULES) as OperatorAction[]) {
      expect(Object.keys(OPERATOR_INPUT_SCHEMAS[action].shape).sort()).toEqual(Object.keys(OPERATOR_INPUT_RULES[action]).sort());
    }
  });
});
