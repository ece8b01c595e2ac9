/**
 * OpenPayd PSP wire format. Sources: provider-docs/openpayd-payment-refund.txt (request/response
 * fields, APPROVED "00" and DECLINED 32 examples, full refund = neither amount nor currency),
 * REFERENCE.md (codes 283 PENDING, 188 DECLINED) and docs/provider-assumptions.md (ERROR codes
 * 5/12/14/54, code 96, the status endpoint).
 */
import { z } from 'zod';
import { MoneyError, assertMinorUnits, type CurrencyCode } from '../../domain/money.js';
import { InvalidInputError, type ProviderErrorKind } from '../errors.js';
import type { OpenpaydRefundOutcome } from '../types.js';

// ---------------------------------------------------------------------------------------------
// Money: integer cents; a full refund sends neither amount nor currency. Only here.
// ---------------------------------------------------------------------------------------------

export function toOpenpaydAmount(amountMinor: number): number {
  assertMinorUnits(amountMinor);
  if (amountMinor <= 0) throw new MoneyError(`OpenPayd amount must be positive, got ${amountMinor}`);
  return amountMinor;
}

/** "1234" or 1234 -> 1234; anything but a non-negative integer is rejected. */
export function fromOpenpaydAmount(value: string | number): number {
  const text = typeof value === 'number' ? String(value) : value.trim();
  if (!/^\d+$/.test(text)) throw new MoneyError(`OpenPayd amount is not integer cents: ${JSON.stringify(value)}`);
  const n = Number(text);
  assertMinorUnits(n);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Requests (JSON)
// ---------------------------------------------------------------------------------------------

export interface OpenpaydRefundRequest {
  apiKey: string;
  transactionId: string;
  referenceNo: string;
  amount?: number;
  currency?: string;
}

export function buildRefundRequest(
  apiKey: string,
  input: { transactionId: string; referenceNo: string; amountMinor?: number | undefined; currency?: CurrencyCode | undefined },
): OpenpaydRefundRequest {
  const body: OpenpaydRefundRequest = { apiKey, transactionId: input.transactionId, referenceNo: input.referenceNo };
  if (input.amountMinor === undefined) {
    // Full refund: "Please be sure you are not sending amount and currency for full refund."
    return body;
  }
  if (input.currency === undefined) throw new InvalidInputError('OpenPayd partial refund needs a currency');
  body.amount = toOpenpaydAmount(input.amountMinor);
  body.currency = input.currency;
  return body;
}

export function buildStatusRequest(apiKey: string, input: { transactionId: string; referenceNo: string }): Record<string, string> {
  return { apiKey, transactionId: input.transactionId, referenceNo: input.referenceNo };
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

/** "00" in one example, 32 in another: normalise to a string ("00", "32"; the number 0 becomes "00"). */
const Code = z.union([z.string().trim().min(1), z.number().int()]).transform((v) => (v === 0 ? '00' : String(v)));
const Cents = z.union([z.string(), z.number()]);

export const OpenpaydRefundResponse = z.looseObject({
  code: Code,
  status: z.string(),
  message: z.string().default(''),
  transactionId: z.string().optional(),
  referenceNo: z.string().optional(),
  amount: Cents.nullish(),
  currency: z.string().nullish(),
  date: z.number().nullish(),
  isLive: z.boolean().nullish(),
});
export type OpenpaydRefundResponse = z.infer<typeof OpenpaydRefundResponse>;

export const OpenpaydStatusResponse = z.looseObject({
  code: Code,
  status: z.string(),
  message: z.string().optional(),
  refundedAmount: Cents.nullish(),
  refunds: z
    .array(z.looseObject({ refundId: z.union([z.string(), z.number()]).transform(String), amount: Cents, status: z.string(), date: z.unknown().optional() }))
    .nullish(),
});
export type OpenpaydStatusResponse = z.infer<typeof OpenpaydStatusResponse>;

// ---------------------------------------------------------------------------------------------
// Status maps
// ---------------------------------------------------------------------------------------------

/** Refund response `status` (openpayd-payment-refund.txt examples; PENDING per REFERENCE.md code 283). */
export type OpenpaydRefundStatus = 'APPROVED' | 'DECLINED' | 'PENDING';

export const REFUND_STATUS_MAP = {
  APPROVED: 'approved',
  DECLINED: 'declined',
  PENDING: 'pending',
} as const satisfies Record<OpenpaydRefundStatus, OpenpaydRefundOutcome>;

/** A status added later is 'unknown': keep waiting (logged), never success. */
export function mapRefundStatus(status: string): OpenpaydRefundOutcome {
  const key = status.trim().toUpperCase();
  return Object.prototype.hasOwnProperty.call(REFUND_STATUS_MAP, key) ? REFUND_STATUS_MAP[key as OpenpaydRefundStatus] : 'unknown';
}

/**
 * status "ERROR": the request was refused before any refund was attempted. Codes from
 * docs/provider-assumptions.md; an unrecognised ERROR code is an invalid request (not retried).
 */
export const ERROR_CODE_KINDS = {
  '5': 'auth', // Invalid apiKey
  '12': 'invalid_request', // <field> is required
  '14': 'not_found', // Transaction not found
  '54': 'declined', // Payment method is not refundable
} as const satisfies Record<string, ProviderErrorKind>;

export function errorKindForCode(code: string): ProviderErrorKind {
  const key = code.replace(/^0+(?=\d)/, '');
  return Object.prototype.hasOwnProperty.call(ERROR_CODE_KINDS, key) ? ERROR_CODE_KINDS[key as keyof typeof ERROR_CODE_KINDS] : 'invalid_request';
}

export const ERROR_STATUS = 'ERROR';
