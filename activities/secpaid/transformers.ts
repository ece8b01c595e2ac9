/**
 * SecPaid wire format and the one map of its answers to RefundOutcome. Sources:
 * provider-docs/secpaid-refundPayment.txt (refundPayment, envelope, error messages),
 * provider-docs/secpaid-refunds-concept.txt (form-urlencoded example, refunds as negative
 * getPayInTransactions items), REFERENCE.md ("SecPaid") and docs/provider-assumptions.md.
 */
import { z } from 'zod';
import { MoneyError, parseDecimalString, toDecimalString } from '../../domain/money.js';
import { matchWire, type ProviderFacts, type RefundOutcome } from '../../domain/outcome.js';
import { rawValue, type RefusalName } from '../errors.js';

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

/** Without a payId: every pay-in of the account (the reconciliation's list). */
export function buildGetPayInTransactionsForm(input: { payId?: string | undefined; since?: number | undefined; page: number }): URLSearchParams {
  const form = new URLSearchParams([
    ...(input.payId !== undefined ? [['pay_id', input.payId] as [string, string]] : []),
    ['page', String(input.page)],
    ['limit', String(PAYIN_PAGE_LIMIT)],
  ]);
  if (input.since !== undefined) form.set('since', String(input.since));
  return form;
}

// ---------------------------------------------------------------------------------------------
// Responses (extra fields are accepted everywhere; ids and amounts may be numbers or strings)
// ---------------------------------------------------------------------------------------------

const stringish = z.union([z.string(), z.number()]).transform((v) => String(v).trim());

/** {ResponseCode: 1|0, ResponseMsg, Result: "True"|"False", ServerTime, data?} (secpaid-refundPayment.txt "Response"). */
export const SecpaidEnvelope = z.looseObject({
  ResponseCode: z.union([z.literal(0), z.literal(1), z.literal('0'), z.literal('1')]).transform((v) => Number(v) as 0 | 1),
  ResponseMsg: z.string(),
  Result: z.string().optional(),
  ServerTime: z.string().optional(),
  data: z.unknown().optional(),
});
export type SecpaidEnvelope = z.infer<typeof SecpaidEnvelope>;

/** One getPayInTransactions item (REFERENCE.md lists the fields; we read these, the others pass through). */
export const SecpaidPayInTransaction = z.looseObject({
  pay_id: stringish,
  transaction_id: stringish,
  amount: stringish,
  status: z.string().optional().default(''),
  created_at: z.string().optional().default(''),
  is_refund: z.union([z.string(), z.boolean()]).optional(),
  transaction_type: z.string().optional().default(''),
});
export type SecpaidPayInTransaction = z.infer<typeof SecpaidPayInTransaction>;

export const SecpaidPayInTransactions = z.array(SecpaidPayInTransaction);

// ---------------------------------------------------------------------------------------------
// The maps
// ---------------------------------------------------------------------------------------------

/**
 * ResponseMsg of a ResponseCode 0 answer (secpaid-refundPayment.txt "Error (ResponseCode: 0)";
 * REFERENCE.md "Error messages seen (two wordings exist; match both)"; the last two are the
 * sandbox's, docs/provider-assumptions.md "SecPaid"). Matched without regard to case, spacing
 * or a trailing full stop. ResponseCode 1 is success whatever its wording (the two success
 * wordings in REFERENCE.md are both ResponseCode 1).
 */
export type SecpaidErrorMessage =
  | 'Incorrect token or missing token'
  | 'Please enter pay_id'
  | 'Please enter refund_amount'
  | 'Refund amount is required'
  | 'Invalid link ID'
  | 'Link not found'
  | 'Link is cancelled'
  | 'Refund already requested'
  | 'Refund blocked by dispute'
  | 'Invalid refund amount'
  | 'Cannot refund invoice-type links'
  | 'Invalid isFullRefund'
  | 'Invalid parameter';

export const SECPAID_ERROR_MESSAGES = {
  'Incorrect token or missing token': 'auth',
  'Please enter pay_id': 'invalid',
  'Please enter refund_amount': 'invalid',
  'Refund amount is required': 'invalid',
  'Invalid link ID': 'not_found',
  'Link not found': 'not_found',
  'Link is cancelled': 'declined',
  // One request per link, whatever its outcome (secpaid-refundPayment.txt "Notes").
  'Refund already requested': 'exists',
  'Refund blocked by dispute': 'declined',
  // "Amount exceeds original payment or is <= 0": over the limit.
  'Invalid refund amount': 'declined',
  'Cannot refund invoice-type links': 'declined',
  'Invalid isFullRefund': 'invalid',
  'Invalid parameter': 'invalid',
} as const satisfies Record<SecpaidErrorMessage, RefusalName>;

/** Which refusal a ResponseCode 0 message is; undefined = a message nobody documented. */
export function secpaidRefusal(responseMsg: string): RefusalName | undefined {
  return matchWire(responseMsg.trim().replace(/[.!]+$/, ''), SECPAID_ERROR_MESSAGES);
}

/** getPayInTransactions `transaction_type` (REFERENCE.md "Items in data[]"). Only "Refund" is a refund of ours. */
export type SecpaidTransactionType = 'Basic' | 'Split' | 'Personal QR' | 'Refund' | 'Dispute' | 'Dispute Refund';
export const SECPAID_TRANSACTION_TYPES = {
  Basic: false,
  Split: false,
  'Personal QR': false,
  Refund: true,
  Dispute: false,
  'Dispute Refund': false,
} as const satisfies Record<SecpaidTransactionType, boolean>;

/** `is_refund` "true"/"false" (REFERENCE.md), a boolean too. */
export const SECPAID_IS_REFUND = { true: true, false: false } as const satisfies Record<'true' | 'false', boolean>;

/**
 * `status` of the Refund entry (REFERENCE.md: items are Success|Pending). The entry appears only
 * once SecPaid's admin approved the refund (secpaid-refunds-concept.txt "How Refunds Work"), so
 * both mean approved; Pending is the payout still to come (docs/provider-assumptions.md).
 */
export type SecpaidEntryStatus = 'Success' | 'Pending';
export const SECPAID_ENTRY_STATUSES = {
  Success: 'approved',
  Pending: 'approved',
} as const satisfies Record<SecpaidEntryStatus, 'approved'>;

/** An approved refund: a new (negative) item with is_refund "true" and transaction_type "Refund" (not "Dispute Refund"). */
export function isRefundEntry(item: SecpaidPayInTransaction): boolean {
  const isRefund = typeof item.is_refund === 'boolean' ? item.is_refund : matchWire(item.is_refund, SECPAID_IS_REFUND) === true;
  return isRefund && matchWire(item.transaction_type, SECPAID_TRANSACTION_TYPES) === true;
}

/** The Refund entry of our pay_id. */
export function isRefundOf(item: SecpaidPayInTransaction, payId: string): boolean {
  return isRefundEntry(item) && item.pay_id === payId.trim();
}

// ---------------------------------------------------------------------------------------------
// Outcomes
// ---------------------------------------------------------------------------------------------

/** A ResponseCode 1 answer to refundPayment: submitted, the admin review starts. */
export function submittedOutcome(env: SecpaidEnvelope): RefundOutcome {
  return { kind: 'pending', reason: 'awaiting_admin_review', message: env.ResponseMsg };
}

/** The refund entry as read (amount already converted). */
export interface SecpaidRefundEntry {
  transactionId: string;
  /** Absolute value, EUR cents. */
  amountMinor: number;
  createdAt: string;
  status: string;
}

/** The Refund entry of getPayInTransactions: approved, with its transaction id and amount. */
export function entryOutcome(entry: SecpaidRefundEntry): RefundOutcome {
  const facts: ProviderFacts = { refundId: entry.transactionId, providerStatus: entry.status, amountMinor: entry.amountMinor };
  const status = matchWire(entry.status, SECPAID_ENTRY_STATUSES);
  if (status === undefined) return { ...facts, kind: 'unrecognized', raw: rawValue('status', entry.status) };
  return { ...facts, kind: 'final', status };
}

/** No Refund entry yet: SecPaid's admin has not approved (a pending or rejected request is not visible). */
export const AWAITING_REVIEW: RefundOutcome = { kind: 'pending', reason: 'awaiting_admin_review' };
