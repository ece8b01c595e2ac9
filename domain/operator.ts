/**
 * Operator actions' inputs: one zod schema each, used by the workflow's update validators and by
 * the HTTP API and the CLI before anything is sent (one schema, one set of messages).
 * Pure TypeScript + zod: safe to import from workflow code.
 */
import { z } from 'zod';

/** Outcomes a person can settle a needs_attention refund with. */
export const RESOLUTIONS = ['approved', 'authorized', 'rejected', 'failed', 'canceled'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

const operator = z.string().trim().min(1, 'operator must not be empty').max(200, 'operator is at most 200 characters');
const shortNote = z.string().max(200, 'note is at most 200 characters');
const longText = (field: string) =>
  z
    .string({ error: `${field} is required` })
    .trim()
    .min(1, `${field} must not be empty`)
    .max(500, `${field} is at most 500 characters`);

export const ApproveInputSchema = z.strictObject({ operator: operator.optional(), note: shortNote.optional() });
export const CancelInputSchema = z.strictObject({ operator: operator.optional(), note: shortNote.optional() });
export const RejectInputSchema = z.strictObject({ reason: longText('reason'), operator: operator.optional(), note: shortNote.optional() });
export const ResolveInputSchema = z.strictObject({
  status: z.enum(RESOLUTIONS, { error: `status must be one of ${RESOLUTIONS.join(', ')}` }),
  note: longText('note'),
  operator: operator.optional(),
});

export const OPERATOR_INPUT_SCHEMAS = {
  approve: ApproveInputSchema,
  reject: RejectInputSchema,
  cancel: CancelInputSchema,
  resolve: ResolveInputSchema,
} as const;
export type OperatorAction = keyof typeof OPERATOR_INPUT_SCHEMAS;

/** The first problem with an input, as one line ("reason: reason is required"), or undefined. */
export function operatorInputProblem(action: OperatorAction, input: unknown): string | undefined {
  const r = OPERATOR_INPUT_SCHEMAS[action].safeParse(input ?? {});
  if (r.success) return undefined;
  return r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}
