/**
 * Operator actions' inputs as rules (plain data), and their check without zod for the workflow's
 * update validators. domain/operator.ts builds the zod schemas (HTTP API, CLI, OpenAPI) from the
 * same rules, so both say the same thing; test/unit/operator-rules.test.ts holds them to that.
 * Why no zod in workflow code: domain/refund-request.ts.
 * Pure TypeScript: safe to import from workflow code.
 */
import { RESOLUTIONS } from './status.js';

export interface TextRule {
  kind: 'text';
  required: boolean;
  /** Checked after trimming surrounding space (an all-space value is empty). */
  trim: boolean;
  max: number;
}
export interface ChoiceRule {
  kind: 'choice';
  required: true;
  values: readonly string[];
}
export type FieldRule = TextRule | ChoiceRule;

const operator: TextRule = { kind: 'text', required: false, trim: true, max: 200 };
const shortNote: TextRule = { kind: 'text', required: false, trim: false, max: 200 };
const longText: TextRule = { kind: 'text', required: true, trim: true, max: 500 };

export const OPERATOR_INPUT_RULES = {
  approve: { operator, note: shortNote },
  reject: { reason: longText, operator, note: shortNote },
  cancel: { operator, note: shortNote },
  resolve: { status: { kind: 'choice', required: true, values: RESOLUTIONS } as ChoiceRule, note: longText, operator },
} as const satisfies Record<string, Record<string, FieldRule>>;
export type OperatorAction = keyof typeof OPERATOR_INPUT_RULES;

/** The messages, one place for both checks. */
export const OPERATOR_INPUT_MESSAGES = {
  required: (field: string) => `${field} is required`,
  notText: (field: string) => `${field} must be text`,
  empty: (field: string) => `${field} must not be empty`,
  tooLong: (field: string, max: number) => `${field} is at most ${max} characters`,
  choice: (field: string, values: readonly string[]) => `${field} must be one of ${values.join(', ')}`,
  unknown: (key: string) => `Unrecognized key: "${key}"`,
  notObject: 'the input must be an object',
};

/** One field's problem, or undefined. */
export function fieldProblem(field: string, rule: FieldRule, value: unknown): string | undefined {
  const m = OPERATOR_INPUT_MESSAGES;
  // A missing choice is told its choices, like a wrong one.
  if (rule.kind === 'choice') return typeof value === 'string' && rule.values.includes(value) ? undefined : m.choice(field, rule.values);
  if (value === undefined) return rule.required ? m.required(field) : undefined;
  if (typeof value !== 'string') return rule.required ? m.required(field) : m.notText(field);
  const text = rule.trim ? value.trim() : value;
  if (rule.trim && text.length === 0) return m.empty(field);
  if (text.length > rule.max) return m.tooLong(field, rule.max);
  return undefined;
}

/** The problems with an input, as one line ("reason: reason is required"), or undefined. */
export function operatorInputProblem(action: OperatorAction, input: unknown): string | undefined {
  const value = input ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) return OPERATOR_INPUT_MESSAGES.notObject;
  const rules: Record<string, FieldRule> = OPERATOR_INPUT_RULES[action];
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const [field, rule] of Object.entries(rules)) {
    const p = fieldProblem(field, rule, record[field]);
    if (p) problems.push(`${field}: ${p}`);
  }
  const unknown = Object.keys(record).filter((k) => !(k in rules));
  if (unknown.length > 0) problems.push(unknown.length === 1 ? OPERATOR_INPUT_MESSAGES.unknown(unknown[0]!) : `Unrecognized keys: ${unknown.map((k) => `"${k}"`).join(', ')}`);
  return problems.length > 0 ? problems.join('; ') : undefined;
}
