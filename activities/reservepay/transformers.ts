/**
 * Reservepay wire format and the one map of its answers to RefundOutcome. Sources:
 * provider-docs/reservepay-refund-a-payment.txt (refund-payment, bare-string answer, error codes),
 * REFERENCE.md "Reservepay" ([CODE, MESSAGE, DETAILS] arrays with HTTP 400, Api-Version, read
 * endpoints) and docs/provider-assumptions.md "Reservepay" (refund statuses, list pages).
 */
import { z } from 'zod';
import { MoneyError, assertMinorUnits } from '../../domain/money.js';
import { matchWire, type ProviderFacts, type RefundOutcome } from '../../domain/outcome.js';
import { InvalidInputError, rawValue, type RefusalName } from '../errors.js';
import type { OutcomeShape } from '../types.js';

// ---------------------------------------------------------------------------------------------
// Money: integer satang; a full refund omits amount. Only here.
// ---------------------------------------------------------------------------------------------

export function toReservepayAmount(amountMinor: number): number {
  assertMinorUnits(amountMinor);
  if (amountMinor <= 0) throw new MoneyError(`Reservepay amount must be positive, got ${amountMinor}`);
  return amountMinor;
}

/** 5000 or "5000" -> 5000; anything but a non-negative integer is rejected. */
export function fromReservepayAmount(value: number | string): number {
  const text = typeof value === 'number' ? String(value) : value.trim();
  if (!/^\d+$/.test(text)) throw new MoneyError(`Reservepay amount is not integer satang: ${JSON.stringify(value)}`);
  const n = Number(text);
  assertMinorUnits(n);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Requests (JSON)
// ---------------------------------------------------------------------------------------------

export function buildRefundPaymentRequest(input: { paymentId: string; amountMinor?: number | undefined }): { payment_id: string; amount?: number } {
  if (input.amountMinor === undefined) return { payment_id: input.paymentId };
  return { payment_id: input.paymentId, amount: toReservepayAmount(input.amountMinor) };
}

export const LIST_PAGE_SIZE = 25;

export function buildListRefundsRequest(paymentId: string, after: string | undefined): { payment_id: string; per_page: number; after?: string } {
  return after === undefined ? { payment_id: paymentId, per_page: LIST_PAGE_SIZE } : { payment_id: paymentId, per_page: LIST_PAGE_SIZE, after };
}

// ---------------------------------------------------------------------------------------------
// Responses (extra fields accepted; numbers may come as strings)
// ---------------------------------------------------------------------------------------------

/** refund-payment returns a bare JSON string: the new refund id ("rfn_..."). */
export const RefundPaymentResponse = z.string().trim().min(1);

/** Errors: HTTP 400 with [CODE, MESSAGE, DETAILS]. */
export const ReservepayErrorArray = z.tuple([z.string(), z.string()], z.unknown()).transform(([code, message, ...rest]) => ({
  code,
  message,
  details: rest[0] ?? null,
}));
export type ReservepayErrorArray = z.infer<typeof ReservepayErrorArray>;

const Timestamp = z.union([z.string(), z.number()]).transform((v) => (typeof v === 'number' ? new Date(v < 1e12 ? v * 1000 : v).toISOString() : v));
const Satang = z.union([z.number(), z.string()]);
const Bool = z.union([z.boolean(), z.string()]).transform((v) => (typeof v === 'boolean' ? v : v.trim().toLowerCase() === 'true'));

export const ReservepayRefund = z.looseObject({
  refund_id: z.string().trim().min(1),
  payment_id: z.string().min(1),
  status: z.string(),
  amount: Satang,
  currency: z.string(),
  created_at: Timestamp,
  refunded_at: Timestamp.nullish(),
  full: Bool.optional().default(false),
});
export type ReservepayRefund = z.infer<typeof ReservepayRefund>;

/** list-refunds-by-payment: `{data, has_more}` (docs/provider-assumptions.md); a bare array or other list names are read too. */
export const ReservepayRefundPage = z.union([
  z.array(ReservepayRefund).transform((data) => ({ data, hasMore: undefined as boolean | undefined })),
  z
    .looseObject({
      data: z.array(ReservepayRefund).optional(),
      items: z.array(ReservepayRefund).optional(),
      refunds: z.array(ReservepayRefund).optional(),
      has_more: Bool.optional(),
    })
    .refine((p) => p.data !== undefined || p.items !== undefined || p.refunds !== undefined, 'no list of refunds')
    .transform((p) => ({ data: p.data ?? p.items ?? p.refunds ?? [], hasMore: p.has_more })),
]);

// ---------------------------------------------------------------------------------------------
// The maps
// ---------------------------------------------------------------------------------------------

/**
 * find-refund `status`: not on the public pages (REFERENCE.md "Refund status values: unknown");
 * the values the sandbox spells, docs/provider-assumptions.md "Reservepay".
 */
export type ReservepayRefundStatus = 'pending' | 'succeeded' | 'failed';
export const RESERVEPAY_REFUND_STATUSES = {
  pending: { kind: 'pending', reason: 'provider_processing' },
  succeeded: { kind: 'final', status: 'approved' },
  failed: { kind: 'final', status: 'failed' },
} as const satisfies Record<ReservepayRefundStatus, OutcomeShape>;

/**
 * Error CODEs (reservepay-refund-a-payment.txt "Errors specific to this endpoint" and "Errors
 * common to all endpoints"; UNAUTHORIZED from REFERENCE.md). NOT_FOUND is classified once: the
 * payment (or refund) does not exist, so the request cannot succeed as it is.
 */
export type ReservepayErrorCode = 'NOT_FOUND' | 'NOT_REFUNDABLE' | 'AMOUNT_EXCEEDS_LIMIT' | 'INVALID_ARGUMENTS' | 'UNAUTHORIZED' | 'BAD_VERSION' | 'UNHANDLED_ERROR';
export const RESERVEPAY_ERROR_CODES = {
  NOT_FOUND: 'not_found',
  // Not billed yet, already fully refunded, or an integration without refunds.
  NOT_REFUNDABLE: 'declined',
  // Over the remaining refundable amount.
  AMOUNT_EXCEEDS_LIMIT: 'declined',
  INVALID_ARGUMENTS: 'invalid',
  UNAUTHORIZED: 'auth',
  // Our Api-Version is wrong: configuration, a person must fix it.
  BAD_VERSION: 'configuration',
  UNHANDLED_ERROR: 'transient',
} as const satisfies Record<ReservepayErrorCode, RefusalName>;

export function reservepayRefusal(code: string): RefusalName | undefined {
  return matchWire(code, RESERVEPAY_ERROR_CODES);
}

// ---------------------------------------------------------------------------------------------
// Outcomes
// ---------------------------------------------------------------------------------------------

/** A refund (find-refund, or an item of list-refunds-by-payment) as an outcome. Throws MoneyError for an amount that is not integer satang. */
export function refundOutcome(r: ReservepayRefund): RefundOutcome {
  const facts: ProviderFacts = { refundId: r.refund_id, providerStatus: r.status, amountMinor: fromReservepayAmount(r.amount) };
  const shape = matchWire(r.status, RESERVEPAY_REFUND_STATUSES);
  if (!shape) return { ...facts, kind: 'unrecognized', raw: rawValue('status', r.status) };
  return { ...facts, ...shape };
}

/** Created, its status not read (find-refund failed): Reservepay has it; the workflow follows up. */
export function createdOutcome(refundId: string): RefundOutcome {
  return { refundId, kind: 'pending', reason: 'provider_processing' };
}

// ---------------------------------------------------------------------------------------------
// Which refund of the payment is ours
// ---------------------------------------------------------------------------------------------

/** Clocks differ: a refund created up to this long before our first attempt may still be ours. */
export const CLOCK_ALLOWANCE_MS = 5 * 60_000;

/**
 * Our refund among the payment's: the newest created at or after our first attempt (minus the
 * clock allowance) with our amount (any amount for a full refund) that is not one of our other
 * refunds. Only one refund of a payment is in flight at a time (the payment lock), so that one is
 * ours.
 */
export function findOurRefund(
  refunds: readonly ReservepayRefund[],
  ours: { submittedAfter: string; amountMinor?: number | undefined; excludeRefundIds?: readonly string[] | undefined },
): ReservepayRefund | undefined {
  const since = Date.parse(ours.submittedAfter);
  if (Number.isNaN(since)) throw new InvalidInputError(`submittedAfter is not an ISO time: ${JSON.stringify(ours.submittedAfter)}`);
  const excluded = new Set((ours.excludeRefundIds ?? []).map((id) => id.trim()));
  let best: { r: ReservepayRefund; at: number } | undefined;
  for (const r of refunds) {
    if (excluded.has(r.refund_id)) continue;
    const at = Date.parse(r.created_at);
    if (Number.isNaN(at) || at < since - CLOCK_ALLOWANCE_MS) continue;
    if (ours.amountMinor !== undefined && fromReservepayAmount(r.amount) !== ours.amountMinor) continue;
    if (!best || at >= best.at) best = { r, at };
  }
  return best?.r;
}
