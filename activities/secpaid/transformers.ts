/**
 * SecPaid wire format. Sources: provider-docs/secpaid-refundPayment.txt (refundPayment, envelope,
 * error messages), provider-docs/secpaid-refunds-concept.txt (form-urlencoded example, refunds as
 * negative getPayInTransactions items), REFERENCE.md and docs/provider-assumptions.md.
 */
import { z } from 'zod';
import { MoneyError, parseDecimalString, toDecimalString } from '../../domain/money.js';
import type { ProviderErrorKind } from '../errors.js';

const CURRENCY = 'EUR' as const;

// ---------------------------------------------------------------------------------------------
// Money: EUR decimal string, "25.00". Only here.
// ---------------------------------------------------------------------------------------------

export function toSecpaidAmount(amountMinor: number): string {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) {
    throw new MoneyError(`SecPaid refund_amount must be a positive integer number of cents, got ${String(amountMinor)}`);
  }
  return toDecimalString(amountMinor, CURRENCY);
}

/** "-25.00" -> 2500 (absolute value, cents). */
export function fromSecpaidAmountAbs(text: string): number {
  return Math.abs(parseDecimalString(text, CURRENCY));
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/** refundPayment body, form-urlencoded. refund_amount is ALWAYS sent, also for a full refund. */
export function buildRefundPaymentForm(input: { payId: string; amountMinor: number; fullRefund: boolean }): URLSearchParams {
  return new URLSearchParams([
    ['pay_id', input.payId],
    ['refund_amount', toSecpaidAmount(input.amountMinor)],
    ['isFullRefund', input.fullRefund ? 'true' : 'false'],
  ]);
}

export const PAYIN_PAGE_LIMIT = 200;

export function buildGetPayInTransactionsForm(input: { payId: string; since?: number | undefined; page: number }): URLSearchParams {
  const form = new URLSearchParams([
    ['pay_id', input.payId],
    ['page', String(input.page)],
    ['limit', String(PAYIN_PAGE_LIMIT)],
  ]);
  if (input.since !== undefined) form.set('since', String(input.since));
  return form;
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

const stringish = z.union([z.string(), z.number()]).transform((v) => String(v));
const boolish = z.union([z.string(), z.boolean()]).transform((v) => String(v).toLowerCase() === 'true');

/** {ResponseCode: 1|0, ResponseMsg, Result: "True"|"False", ServerTime, data?} */
export const SecpaidEnvelope = z.object({
  ResponseCode: z.union([z.literal(0), z.literal(1), z.literal('0'), z.literal('1')]).transform((v) => Number(v) as 0 | 1),
  ResponseMsg: z.string(),
  Result: z.string().optional(),
  ServerTime: z.string().optional(),
  data: z.unknown().optional(),
});
export type SecpaidEnvelope = z.infer<typeof SecpaidEnvelope>;

/** One getPayInTransactions item (only the fields we read; the others pass through). */
export const SecpaidPayInTransaction = z.looseObject({
  pay_id: stringish,
  transaction_id: stringish,
  amount: stringish,
  status: z.string().optional().default(''),
  created_at: z.string().optional().default(''),
  is_refund: boolish.optional().default(false),
  transaction_type: z.string().optional().default(''),
});
export type SecpaidPayInTransaction = z.infer<typeof SecpaidPayInTransaction>;

export const SecpaidPayInTransactions = z.array(SecpaidPayInTransaction);

/** An approved refund: a new negative item with is_refund "true" and transaction_type "Refund" (not "Dispute Refund"). */
export function isRefundOf(item: SecpaidPayInTransaction, payId: string): boolean {
  return item.is_refund && item.transaction_type.trim().toLowerCase() === 'refund' && item.pay_id === payId;
}

// ---------------------------------------------------------------------------------------------
// Business answers. ResponseMsg wordings from secpaid-refundPayment.txt and REFERENCE.md (two
// wordings exist for some; match both, case-insensitively, ignoring trailing punctuation).
// ---------------------------------------------------------------------------------------------

export type SecpaidAnswer =
  | { type: 'submitted' }
  | { type: 'already_requested' }
  | { type: 'error'; kind: ProviderErrorKind; code: string };

const SECPAID_ERRORS = {
  'incorrect token or missing token': { kind: 'auth', code: 'INCORRECT_TOKEN' },
  'please enter pay_id': { kind: 'invalid_request', code: 'MISSING_PAY_ID' },
  'please enter refund_amount': { kind: 'invalid_request', code: 'MISSING_REFUND_AMOUNT' },
  'refund amount is required': { kind: 'invalid_request', code: 'MISSING_REFUND_AMOUNT' },
  'invalid link id': { kind: 'not_found', code: 'INVALID_LINK_ID' },
  'link not found': { kind: 'not_found', code: 'LINK_NOT_FOUND' },
  'link is cancelled': { kind: 'declined', code: 'LINK_CANCELLED' },
  'refund blocked by dispute': { kind: 'declined', code: 'REFUND_BLOCKED_BY_DISPUTE' },
  'invalid refund amount': { kind: 'declined', code: 'INVALID_REFUND_AMOUNT' },
  'cannot refund invoice-type links': { kind: 'declined', code: 'INVOICE_TYPE_LINK' },
} as const satisfies Record<string, { kind: ProviderErrorKind; code: string }>;

function normaliseMsg(msg: string): string {
  return msg.trim().toLowerCase().replace(/\s+/g, ' ').replace(/[.!]+$/, '');
}

export function classifySecpaidAnswer(env: SecpaidEnvelope): SecpaidAnswer {
  const msg = normaliseMsg(env.ResponseMsg);
  if (env.ResponseCode === 1) return { type: 'submitted' };
  if (msg === 'refund already requested') return { type: 'already_requested' };
  const known = Object.entries(SECPAID_ERRORS).find(([text]) => msg === text);
  if (known) return { type: 'error', ...known[1] };
  // An unrecognised refusal: not retried, surfaced for a human (the exact ResponseMsg is kept).
  return { type: 'error', kind: 'invalid_request', code: 'UNRECOGNISED_ERROR' };
}
