/**
 * Input hygiene for every way in (HTTP API, CLI, RefundsClient): free text (reason, metadata,
 * note, operator) refuses control characters and Unicode bidi controls rather than stripping
 * them, and idempotency keys are limited to a safe character set. Refused, not cleaned: what a
 * caller sent is either stored as sent or not at all.
 *
 * Kept out of domain/refund.ts on purpose: the workflow parses its input with that schema, and a
 * stricter schema there would change how refunds already running replay.
 */
import { z } from 'zod';

/**
 * C0 controls (NUL, TAB, LF, CR, ESC, ...), DEL and C1 controls, and the Unicode bidi controls
 * and marks (ALM, LRM, RLM, LRE..RLO, LRI..PDI) that reorder what a terminal or log viewer shows.
 */
export const UNSAFE_TEXT_CHARS = '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
const UNSAFE = new RegExp(`[${UNSAFE_TEXT_CHARS}]`, 'u');
/** The JSON Schema `pattern` of safe free text (documented in the OpenAPI document). */
export const SAFE_TEXT_PATTERN = `^[^${UNSAFE_TEXT_CHARS}]*$`;
export const SAFE_TEXT_MESSAGE = 'must not contain control characters (NUL, tab, CR, LF, ESC, ...) or bidi controls';

/** Idempotency keys: a letter or digit, then letters, digits and . _ : - ; 1-200 characters. */
export const IDEMPOTENCY_KEY_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$';
export const IDEMPOTENCY_KEY_MESSAGE = 'must be 1-200 of A-Z a-z 0-9 . _ : - and start with a letter or digit';

export const IdempotencyKeySchema = z
  .string({ error: 'the Idempotency-Key header is required' })
  .min(1, 'the Idempotency-Key header is required')
  .regex(new RegExp(IDEMPOTENCY_KEY_PATTERN), `the Idempotency-Key ${IDEMPOTENCY_KEY_MESSAGE}`)
  .meta({ description: `the refund id is refund-<key>; ${IDEMPOTENCY_KEY_MESSAGE}` });

export function isSafeText(value: string): boolean {
  return !UNSAFE.test(value);
}

export interface HygieneIssue {
  path: string[];
  message: string;
}

/** Problems with the free text and the idempotency key of a refund request (of any shape). */
export function requestHygieneIssues(request: unknown): HygieneIssue[] {
  if (typeof request !== 'object' || request === null) return [];
  const r = request as Record<string, unknown>;
  const out: HygieneIssue[] = [];
  if (typeof r.idempotencyKey === 'string' && !new RegExp(IDEMPOTENCY_KEY_PATTERN).test(r.idempotencyKey)) {
    out.push({ path: ['idempotencyKey'], message: `idempotencyKey ${IDEMPOTENCY_KEY_MESSAGE}` });
  }
  if (typeof r.reason === 'string' && !isSafeText(r.reason)) out.push({ path: ['reason'], message: `reason ${SAFE_TEXT_MESSAGE}` });
  if (typeof r.metadata === 'object' && r.metadata !== null) {
    for (const [k, v] of Object.entries(r.metadata)) {
      if (!isSafeText(k)) out.push({ path: ['metadata'], message: `metadata keys ${SAFE_TEXT_MESSAGE}` });
      else if (typeof v === 'string' && !isSafeText(v)) out.push({ path: ['metadata', k], message: `metadata values ${SAFE_TEXT_MESSAGE}` });
    }
  }
  return out;
}

/** Problems with the free text of an operator action's input (note, reason, operator). */
export function actionHygieneIssues(input: unknown): HygieneIssue[] {
  if (typeof input !== 'object' || input === null) return [];
  return (['note', 'reason', 'operator'] as const).flatMap((field) => {
    const v = (input as Record<string, unknown>)[field];
    return typeof v === 'string' && !isSafeText(v) ? [{ path: [field], message: `${field} ${SAFE_TEXT_MESSAGE}` }] : [];
  });
}

/** A zod check adding those issues (for the HTTP API's request schemas). */
export function withHygiene<T extends z.ZodType>(schema: T, issues: (value: unknown) => HygieneIssue[]): T {
  return schema.superRefine((value, ctx) => {
    for (const i of issues(value)) ctx.addIssue({ code: 'custom', message: i.message, path: i.path });
  }) as T;
}
