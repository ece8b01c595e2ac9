/**
 * Link Money wire format and the one map of its answers to RefundOutcome. Sources:
 * provider-docs/linkmoney-issue-a-refund.txt (POST /v1/refunds, PENDING/AUTHORIZED/TERMINAL_FAILED),
 * REFERENCE.md "Link Money" (tokens, error envelope, ACH lifecycle, the unofficial status set) and
 * docs/provider-assumptions.md (status read, DUPLICATE_REQUEST_KEY, error codes, status choices).
 */
import { z } from 'zod';
import { MoneyError, parseDecimalNumber, parseDecimalString, toDecimalString } from '../../domain/money.js';
import { matchWire, type ProviderFacts, type RefundOutcome } from '../../domain/outcome.js';
import { InvalidInputError, rawValue, type RefusalName } from '../errors.js';
import type { OutcomeShape } from '../types.js';

const CURRENCY = 'USD' as const;

// ---------------------------------------------------------------------------------------------
// Money: a JSON decimal number with at most 2 fraction digits (2500 -> 25, 1 -> 0.01). Only here.
// ---------------------------------------------------------------------------------------------

/**
 * Exact: the number is built from the exact decimal string, and rejected unless its JSON form
 * reads back as exactly the same cents (large amounts that a double cannot hold are refused,
 * never rounded).
 */
export function toLinkMoneyValue(amountMinor: number): number {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) {
    throw new MoneyError(`Link Money amount must be a positive integer number of cents, got ${String(amountMinor)}`);
  }
  const exact = toDecimalString(amountMinor, CURRENCY);
  const value = Number(exact);
  let back: number;
  try {
    back = parseDecimalNumber(value, CURRENCY);
  } catch {
    back = Number.NaN;
  }
  if (back !== amountMinor) {
    throw new MoneyError(`Link Money amount ${exact} USD cannot be sent exactly as a JSON number`);
  }
  return value;
}

export function fromLinkMoneyValue(value: number | string): number {
  return typeof value === 'string' ? parseDecimalString(value, CURRENCY) : parseDecimalNumber(value, CURRENCY);
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/** The requestKey of a refund: derived from our refund id, the same on every attempt. */
export function requestKeyFor(refundId: string): string {
  return `${refundId}:1`;
}

export interface LinkMoneyRefundRequest {
  paymentId: string;
  amount: { currency: 'USD'; value: number };
  clientReferenceId: string;
  requestKey: string;
}

export function buildRefundRequest(input: { refundId: string; paymentId: string; amountMinor: number; requestKey: string }): LinkMoneyRefundRequest {
  if (input.requestKey.trim() === '') throw new InvalidInputError('Link Money requestKey is required');
  return {
    paymentId: input.paymentId,
    amount: { currency: CURRENCY, value: toLinkMoneyValue(input.amountMinor) },
    clientReferenceId: input.refundId,
    requestKey: input.requestKey,
  };
}

export function buildTokenForm(input: { clientId: string; clientSecret: string; scope: string }): URLSearchParams {
  return new URLSearchParams([
    ['client_id', input.clientId],
    ['client_secret', input.clientSecret],
    ['scope', input.scope],
    ['grant_type', 'client_credentials'],
  ]);
}

export function statusPathFor(template: string, paymentId: string): string {
  return template.replace('{paymentId}', encodeURIComponent(paymentId));
}

// ---------------------------------------------------------------------------------------------
// Responses (extra fields accepted; numbers may come as strings)
// ---------------------------------------------------------------------------------------------

const positiveSeconds = z.union([z.number(), z.string().trim().regex(/^\d+$/).transform(Number)]).pipe(z.number().positive());

export const LinkMoneyToken = z.looseObject({
  token_type: z.string().optional(),
  expires_in: positiveSeconds,
  access_token: z.string().min(1),
  scope: z.string().optional(),
});

const ErrorDetails = z.looseObject({ errorCode: z.string(), errorMessage: z.string().nullish().transform((m) => m ?? '') });

/** 201 answer of POST /v1/refunds. paymentId is the NEW refund transaction's id. */
export const LinkMoneyRefundResponse = z.looseObject({
  paymentId: z.string().min(1),
  paymentStatus: z.string().min(1),
  clientReferenceId: z.string().nullish(),
  errorDetails: ErrorDetails.nullish(),
});
export type LinkMoneyRefundResponse = z.infer<typeof LinkMoneyRefundResponse>;

/** {errorId, errorCode, errorMessage, errorSeverity} with HTTP 400/401/404/500 (REFERENCE.md). */
export const LinkMoneyErrorEnvelope = z.looseObject({
  errorId: z.string().optional(),
  errorCode: z.string(),
  errorMessage: z.string().nullish().transform((m) => m ?? ''),
  errorSeverity: z.string().optional(),
});
export type LinkMoneyErrorEnvelope = z.infer<typeof LinkMoneyErrorEnvelope>;

/** Documented as a JSON number; a decimal string ("25.00") is read exactly too. */
const Amount = z.looseObject({ currency: z.string(), value: z.union([z.number(), z.string()]) });

/** A refund transaction as the status read returns it (assumption, see provider-assumptions.md). */
export const LinkMoneyRefundTransaction = z.looseObject({
  paymentId: z.string().min(1),
  paymentStatus: z.string().min(1),
  type: z.string().nullish(),
  originalPaymentId: z.string().nullish(),
  amount: Amount.nullish(),
  clientReferenceId: z.string().nullish(),
  requestKey: z.string().nullish(),
  errorDetails: ErrorDetails.nullish(),
});
export type LinkMoneyRefundTransaction = z.infer<typeof LinkMoneyRefundTransaction>;

/** The original debit as the status read returns it, with its refunds. */
export const LinkMoneyDebitTransaction = z.looseObject({
  paymentId: z.string().min(1),
  paymentStatus: z.string(),
  type: z.string().nullish(),
  refunds: z.array(LinkMoneyRefundTransaction).nullish().transform((r) => r ?? []),
});

// ---------------------------------------------------------------------------------------------
// The maps
// ---------------------------------------------------------------------------------------------

/**
 * paymentStatus of a refund, on POST /v1/refunds and on reads. PENDING, AUTHORIZED and
 * TERMINAL_FAILED are documented (linkmoney-issue-a-refund.txt "Returns"; its prose calls the
 * last one FAILED, a synonym); the others are the unofficial read set (REFERENCE.md "Status
 * look-up endpoint") in the ACH lifecycle order Created -> Pending -> Authorized -> Scheduled ->
 * Initiated -> Succeeded. The choices are docs/provider-assumptions.md "Link Money refund statuses".
 */
export type LinkMoneyStatus =
  | 'CREATED'
  | 'PENDING'
  | 'AUTHORIZED'
  | 'SCHEDULED'
  | 'INITIATED'
  | 'SUCCEEDED'
  | 'RETRYABLE_FAILED'
  | 'TERMINAL_FAILED'
  | 'FAILED'
  | 'CANCELED';

export const LINKMONEY_STATUSES = {
  // Recorded, money movement not started.
  CREATED: { kind: 'pending', reason: 'provider_processing' },
  // Original debit processing or settled < 3 business days ago.
  PENDING: { kind: 'pending', reason: 'settlement_hold' },
  // "the money movement has commenced": final for us.
  AUTHORIZED: { kind: 'final', status: 'authorized' },
  SCHEDULED: { kind: 'final', status: 'authorized' },
  INITIATED: { kind: 'final', status: 'authorized' },
  // The credit arrived.
  SUCCEEDED: { kind: 'final', status: 'approved' },
  // Link Money retries it itself: not final, not success.
  RETRYABLE_FAILED: { kind: 'pending', reason: 'provider_processing' },
  // "If the original transaction fails it is TERMINAL_FAILED" (CUSTOMER_NOT_DEBITED): the refund
  // never moved money. We stop reading at AUTHORIZED, so this is only ever seen before any money
  // movement: the one failure whose documentation proves nothing was paid (linked retry relies on it).
  TERMINAL_FAILED: { kind: 'final', status: 'failed', refusal: 'payment_failed' },
  FAILED: { kind: 'final', status: 'failed', refusal: 'payment_failed' },
  // No money moves, says only the unofficial read set: no refusal, so no proof of it.
  CANCELED: { kind: 'final', status: 'failed' },
} as const satisfies Record<LinkMoneyStatus, OutcomeShape>;

/**
 * errorCode of the error envelope on a 4xx (docs/provider-assumptions.md "Link Money": the
 * duplicate requestKey and the POST /v1/refunds errors). UNAUTHORIZED answers a 401, which is
 * refreshed once and then thrown as auth before this map is read.
 */
export type LinkMoneyErrorCode = 'DUPLICATE_REQUEST_KEY' | 'INVALID_REQUEST' | 'INVALID_AMOUNT' | 'PAYMENT_NOT_FOUND' | 'REFUND_AMOUNT_EXCEEDED' | 'UNAUTHORIZED';

export const LINKMONEY_ERROR_CODES = {
  DUPLICATE_REQUEST_KEY: 'exists',
  INVALID_REQUEST: 'invalid',
  INVALID_AMOUNT: 'invalid',
  PAYMENT_NOT_FOUND: 'not_found',
  REFUND_AMOUNT_EXCEEDED: 'declined',
  UNAUTHORIZED: 'auth',
} as const satisfies Record<LinkMoneyErrorCode, RefusalName>;

/**
 * `type` of a transaction on the status read (docs/provider-assumptions.md): a refund read must
 * be a REFUND (or say nothing); any other type (a DEBIT: a wrong id or status path) is never
 * taken for the refund's status.
 */
export type LinkMoneyTransactionType = 'REFUND' | 'DEBIT';
export const LINKMONEY_TRANSACTION_TYPES = { REFUND: true, DEBIT: false } as const satisfies Record<LinkMoneyTransactionType, boolean>;

export function linkmoneyRefusal(errorCode: string): RefusalName | undefined {
  return matchWire(errorCode, LINKMONEY_ERROR_CODES);
}

// ---------------------------------------------------------------------------------------------
// Outcomes
// ---------------------------------------------------------------------------------------------

/** A refund transaction (the 201 answer or a read) as an outcome. Throws MoneyError for an unreadable amount. */
export function transactionOutcome(
  tx: Pick<LinkMoneyRefundTransaction, 'paymentId' | 'paymentStatus' | 'errorDetails'> & Partial<Pick<LinkMoneyRefundTransaction, 'amount' | 'type'>>,
): RefundOutcome {
  const facts: ProviderFacts = { refundId: tx.paymentId, providerStatus: tx.paymentStatus };
  if (tx.errorDetails) {
    facts.code = tx.errorDetails.errorCode;
    facts.message = tx.errorDetails.errorMessage;
  }
  if (tx.amount) facts.amountMinor = fromLinkMoneyValue(tx.amount.value);
  if (tx.type !== undefined && tx.type !== null && matchWire(tx.type, LINKMONEY_TRANSACTION_TYPES) !== true) {
    return { ...facts, kind: 'unrecognized', raw: `${rawValue('type', tx.type)} ${rawValue('paymentStatus', tx.paymentStatus)}` };
  }
  const shape = matchWire(tx.paymentStatus, LINKMONEY_STATUSES);
  if (shape === undefined) return { ...facts, kind: 'unrecognized', raw: rawValue('paymentStatus', tx.paymentStatus) };
  return { ...facts, ...shape };
}
