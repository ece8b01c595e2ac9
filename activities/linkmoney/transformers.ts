/**
 * Link Money wire format. Sources: provider-docs/linkmoney-issue-a-refund.txt (POST /v1/refunds,
 * PENDING/AUTHORIZED/TERMINAL_FAILED), REFERENCE.md (tokens, error envelope, ACH lifecycle) and
 * docs/provider-assumptions.md (status read, DUPLICATE_REQUEST_KEY, wider status set).
 */
import { z } from 'zod';
import { MoneyError, parseDecimalNumber, parseDecimalString, toDecimalString } from '../../domain/money.js';
import { InvalidInputError } from '../errors.js';
import type { LinkMoneyRefundStatus, LinkMoneyRefundView } from '../types.js';

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
// Responses
// ---------------------------------------------------------------------------------------------

export const LinkMoneyToken = z.object({
  token_type: z.string().optional(),
  expires_in: z.number().positive(),
  access_token: z.string().min(1),
  scope: z.string().optional(),
});

const ErrorDetails = z.object({ errorCode: z.string(), errorMessage: z.string().default('') });

/** 201 answer of POST /v1/refunds. paymentId is the NEW refund transaction's id. */
export const LinkMoneyRefundResponse = z.object({
  paymentId: z.string().min(1),
  paymentStatus: z.string().min(1),
  clientReferenceId: z.string().nullish(),
  errorDetails: ErrorDetails.nullish(),
});

/** {errorId, errorCode, errorMessage, errorSeverity} with HTTP 400/401/404/500. */
export const LinkMoneyErrorEnvelope = z.object({
  errorId: z.string().optional(),
  errorCode: z.string(),
  errorMessage: z.string().default(''),
  errorSeverity: z.string().optional(),
});
export type LinkMoneyErrorEnvelope = z.infer<typeof LinkMoneyErrorEnvelope>;
export const DUPLICATE_REQUEST_KEY = 'DUPLICATE_REQUEST_KEY';

/** Documented as a JSON number; a decimal string ("25.00") is read exactly too. */
const Amount = z.object({ currency: z.string(), value: z.union([z.number(), z.string()]) });

/** A refund transaction as the status read returns it (assumption, see provider-assumptions.md). */
export const LinkMoneyRefundTransaction = z.object({
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
export const LinkMoneyDebitTransaction = z.object({
  paymentId: z.string().min(1),
  paymentStatus: z.string(),
  type: z.string().nullish(),
  refunds: z.array(LinkMoneyRefundTransaction).nullish().transform((r) => r ?? []),
});

// ---------------------------------------------------------------------------------------------
// Status maps
// ---------------------------------------------------------------------------------------------

/** The three statuses documented for POST /v1/refunds (linkmoney-issue-a-refund.txt, "Returns"). */
export type LinkMoneySubmitStatus = 'PENDING' | 'AUTHORIZED' | 'TERMINAL_FAILED';

/**
 * The transaction statuses seen on reads (REFERENCE.md "ACH payment lifecycle" and the unofficial
 * GET /v1/transactions/{id} integration; mapping per docs/provider-assumptions.md):
 * SCHEDULED/INITIATED/SUCCEEDED = money movement started (authorized); CANCELED = failed;
 * CREATED/RETRYABLE_FAILED keep waiting.
 */
export type LinkMoneyTransactionStatus =
  | LinkMoneySubmitStatus
  | 'CREATED'
  | 'SCHEDULED'
  | 'INITIATED'
  | 'SUCCEEDED'
  | 'RETRYABLE_FAILED'
  | 'CANCELED';

export const SUBMIT_STATUS_MAP = {
  PENDING: 'pending',
  AUTHORIZED: 'authorized',
  TERMINAL_FAILED: 'failed',
} as const satisfies Record<LinkMoneySubmitStatus, LinkMoneyRefundStatus>;

export const TRANSACTION_STATUS_MAP = {
  ...SUBMIT_STATUS_MAP,
  CREATED: 'pending',
  SCHEDULED: 'authorized',
  INITIATED: 'authorized',
  SUCCEEDED: 'authorized',
  RETRYABLE_FAILED: 'pending',
  CANCELED: 'failed',
} as const satisfies Record<LinkMoneyTransactionStatus, LinkMoneyRefundStatus>;

function lookup<M extends Record<string, LinkMoneyRefundStatus>>(map: M, providerStatus: string): LinkMoneyRefundStatus {
  return Object.prototype.hasOwnProperty.call(map, providerStatus) ? (map[providerStatus] as LinkMoneyRefundStatus) : 'unknown';
}

/** A status the provider adds later is 'unknown': keep waiting (the caller logs it), never success. */
export function mapSubmitStatus(providerStatus: string): LinkMoneyRefundStatus {
  return lookup(SUBMIT_STATUS_MAP, providerStatus);
}
export function mapTransactionStatus(providerStatus: string): LinkMoneyRefundStatus {
  return lookup(TRANSACTION_STATUS_MAP, providerStatus);
}

export function toRefundView(tx: LinkMoneyRefundTransaction): LinkMoneyRefundView {
  const view: LinkMoneyRefundView = {
    refundPaymentId: tx.paymentId,
    status: mapTransactionStatus(tx.paymentStatus),
    providerStatus: tx.paymentStatus,
  };
  if (tx.amount) view.amountMinor = fromLinkMoneyValue(tx.amount.value);
  if (tx.clientReferenceId) view.clientReferenceId = tx.clientReferenceId;
  if (tx.requestKey) view.requestKey = tx.requestKey;
  if (tx.errorDetails) view.errorDetails = { errorCode: tx.errorDetails.errorCode, errorMessage: tx.errorDetails.errorMessage };
  return view;
}
