/**
 * Reservepay wire format. Sources: provider-docs/reservepay-refund-a-payment.txt (refund-payment,
 * bare-string answer, error codes), REFERENCE.md ([CODE, MESSAGE, DETAILS] arrays with HTTP 400,
 * Api-Version, read endpoints) and docs/provider-assumptions.md (refund statuses).
 */
import { z } from 'zod';
import { MoneyError, assertMinorUnits } from '../../domain/money.js';
import type { ProviderErrorKind } from '../errors.js';
import type { ReservepayRefundStatus, ReservepayRefundView, ReservepayRejectionCode } from '../types.js';

// ---------------------------------------------------------------------------------------------
// Money: integer satang; a full refund omits amount. Only here.
// ---------------------------------------------------------------------------------------------

export function toReservepayAmount(amountMinor: number): number {
  assertMinorUnits(amountMinor);
  if (amountMinor <= 0) throw new MoneyError(`Reservepay amount must be positive, got ${amountMinor}`);
  return amountMinor;
}

export function fromReservepayAmount(value: number): number {
  assertMinorUnits(value);
  return value;
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
// Responses
// ---------------------------------------------------------------------------------------------

/** refund-payment returns a bare JSON string: the new refund id ("rfn_..."). */
export const RefundPaymentResponse = z.string().min(1);

/** Errors: HTTP 400 with [CODE, MESSAGE, DETAILS]. */
export const ReservepayErrorArray = z.tuple([z.string(), z.string()], z.unknown()).transform(([code, message, ...rest]) => ({
  code,
  message,
  details: rest[0] ?? null,
}));

const Timestamp = z.union([z.string(), z.number()]).transform((v) => (typeof v === 'number' ? new Date(v < 1e12 ? v * 1000 : v).toISOString() : v));

export const ReservepayRefund = z.looseObject({
  refund_id: z.string().min(1),
  payment_id: z.string().min(1),
  status: z.string(),
  amount: z.number(),
  currency: z.string(),
  created_at: Timestamp,
  refunded_at: Timestamp.nullish(),
  full: z.boolean().optional().default(false),
});
export type ReservepayRefund = z.infer<typeof ReservepayRefund>;

/** list-refunds-by-payment: a bare array or a page object; the page fields are not public. */
export const ReservepayRefundPage = z.union([
  z.array(ReservepayRefund).transform((data) => ({ data, hasMore: undefined as boolean | undefined })),
  z
    .looseObject({
      data: z.array(ReservepayRefund).optional(),
      items: z.array(ReservepayRefund).optional(),
      refunds: z.array(ReservepayRefund).optional(),
      has_more: z.boolean().optional(),
    })
    .refine((p) => p.data !== undefined || p.items !== undefined || p.refunds !== undefined, 'no list of refunds')
    .transform((p) => ({ data: p.data ?? p.items ?? p.refunds ?? [], hasMore: p.has_more })),
]);

export const ReservepayPayment = z.looseObject({
  id: z.string().optional(),
  payment_id: z.string().optional(),
  status: z.string(),
  amount: z.number(),
  currency: z.string(),
  refundable: z.union([z.boolean(), z.number()]),
});

// ---------------------------------------------------------------------------------------------
// Maps
// ---------------------------------------------------------------------------------------------

/** find-refund statuses (docs/provider-assumptions.md; not on the public pages). */
export type ReservepayWireRefundStatus = 'pending' | 'succeeded' | 'failed';

export const REFUND_STATUS_MAP = {
  pending: 'pending',
  succeeded: 'succeeded',
  failed: 'failed',
} as const satisfies Record<ReservepayWireRefundStatus, ReservepayRefundStatus>;

/** A status added later is 'unknown': keep waiting (logged), never success. */
export function mapRefundStatus(status: string): ReservepayRefundStatus {
  return Object.prototype.hasOwnProperty.call(REFUND_STATUS_MAP, status) ? REFUND_STATUS_MAP[status as ReservepayWireRefundStatus] : 'unknown';
}

/** Error codes (reservepay-refund-a-payment.txt, "Errors specific to this endpoint" / "common to all"). */
export type ReservepayErrorCode = ReservepayRejectionCode | 'INVALID_ARGUMENTS' | 'UNAUTHORIZED' | 'BAD_VERSION' | 'UNHANDLED_ERROR';

/** 'rejected' = a business answer returned as data for refund-payment; otherwise a failure kind. */
export const ERROR_CODE_MAP = {
  NOT_FOUND: 'rejected',
  NOT_REFUNDABLE: 'rejected',
  AMOUNT_EXCEEDS_LIMIT: 'rejected',
  INVALID_ARGUMENTS: 'invalid_request',
  UNAUTHORIZED: 'auth',
  BAD_VERSION: 'invalid_request',
  UNHANDLED_ERROR: 'transient',
} as const satisfies Record<ReservepayErrorCode, ProviderErrorKind | 'rejected'>;

/** Unknown codes in a 400 are treated as invalid requests (not retried, surfaced). */
export function classifyErrorCode(code: string): ProviderErrorKind | 'rejected' {
  return Object.prototype.hasOwnProperty.call(ERROR_CODE_MAP, code) ? ERROR_CODE_MAP[code as ReservepayErrorCode] : 'invalid_request';
}

export function isRejectionCode(code: string): code is ReservepayRejectionCode {
  return code === 'NOT_FOUND' || code === 'NOT_REFUNDABLE' || code === 'AMOUNT_EXCEEDS_LIMIT';
}

export function toRefundView(r: ReservepayRefund): ReservepayRefundView {
  return {
    refundId: r.refund_id,
    paymentId: r.payment_id,
    status: mapRefundStatus(r.status),
    providerStatus: r.status,
    amountMinor: fromReservepayAmount(r.amount),
    currency: r.currency,
    createdAt: r.created_at,
    refundedAt: r.refunded_at ?? null,
    full: r.full,
  };
}
