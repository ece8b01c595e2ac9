/**
 * Operator actions' inputs as zod schemas, for the HTTP API, the CLI and the OpenAPI document,
 * built from the rules in operator-rules.ts, which the workflow's update validators check without
 * zod: one set of rules and messages for both (test/unit/operator-rules.test.ts compares them).
 */
import { z } from 'zod';
import { OPERATOR_INPUT_MESSAGES as M, OPERATOR_INPUT_RULES as R, type OperatorAction, type TextRule } from './operator-rules.js';
import { RESOLUTIONS } from './status.js';

export { RESOLUTIONS, type Resolution } from './status.js';
export { operatorInputProblem, type OperatorAction } from './operator-rules.js';

function text(field: string, rule: TextRule) {
  const s = z.string({ error: rule.required ? M.required(field) : M.notText(field) });
  return (rule.trim ? s.trim().min(1, M.empty(field)) : s).max(rule.max, M.tooLong(field, rule.max));
}

export const ApproveInputSchema = z.strictObject({
  operator: text('operator', R.approve.operator).optional(),
  note: text('note', R.approve.note).optional(),
});
export const CancelInputSchema = z.strictObject({
  operator: text('operator', R.cancel.operator).optional(),
  note: text('note', R.cancel.note).optional(),
});
export const RejectInputSchema = z.strictObject({
  reason: text('reason', R.reject.reason),
  operator: text('operator', R.reject.operator).optional(),
  note: text('note', R.reject.note).optional(),
});
export const ResolveInputSchema = z.strictObject({
  status: z.enum(RESOLUTIONS, { error: M.choice('status', RESOLUTIONS) }),
  note: text('note', R.resolve.note),
  operator: text('operator', R.resolve.operator).optional(),
});

export const OPERATOR_INPUT_SCHEMAS = {
  approve: ApproveInputSchema,
  reject: RejectInputSchema,
  cancel: CancelInputSchema,
  resolve: ResolveInputSchema,
} as const satisfies Record<OperatorAction, z.ZodType>;
