/**
 * OpenPayd PSP wire format and the one map of its answers to RefundOutcome. Sources:
 * provider-docs/openpayd-payment-refund.txt (request/response fields, APPROVED "00" and DECLINED
 * 32 examples, full refund = neither amount nor currency), REFERENCE.md "OpenPayd PSP" (codes 283
 * PENDING, 188 DECLINED; "00" or a number) and docs/provider-assumptions.md "OpenPayd PSP"
 * (ERROR codes 5/12/13/14/54, DECLINED 13/96, the status read and its refunds).
 */
import { z } from 'zod';
import { MoneyError, assertMinorUnits, type CurrencyCode } from '../../domain/money.js';
import { matchWire, type ProviderFacts, type RefundOutcome } from '../../domain/outcome.js';
import { InvalidInputError, rawValue, type RefusalName } from '../errors.js';
import type { OutcomeShape } from '../types.js';

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
// Responses (extra fields accepted; numbers may come as strings)
// ---------------------------------------------------------------------------------------------

/** "00" in one example, 32 in another (REFERENCE.md): kept as a string; the number 0 is "00". */
const Code = z.union([z.string().trim().min(1), z.number().int()]).transform((v) => (v === 0 ? '00' : String(v)));
const Cents = z.union([z.string(), z.number()]);

export const OpenpaydRefundResponse = z.looseObject({
  code: Code,
  status: z.string(),
  message: z.string().nullish().transform((m) => m ?? ''),
  transactionId: z.union([z.string(), z.number()]).transform(String).optional(),
  referenceNo: z.union([z.string(), z.number()]).transform(String).optional(),
  amount: Cents.nullish(),
  currency: z.string().nullish(),
  date: z.union([z.number(), z.string()]).nullish(),
  isLive: z.union([z.boolean(), z.string()]).nullish(),
});
export type OpenpaydRefundResponse = z.infer<typeof OpenpaydRefundResponse>;

export const OpenpaydStatusRefund = z.looseObject({
  refundId: z.union([z.string(), z.number()]).transform((v) => String(v).trim()),
  amount: Cents,
  status: z.string(),
  date: z.union([z.number(), z.string()]).nullish(),
});
export type OpenpaydStatusRefund = z.infer<typeof OpenpaydStatusRefund>;

export const OpenpaydStatusResponse = z.looseObject({
  code: Code,
  status: z.string(),
  message: z.string().nullish(),
  refundedAmount: Cents.nullish(),
  refunds: z.array(OpenpaydStatusRefund).nullish(),
});
export type OpenpaydStatusResponse = z.infer<typeof OpenpaydStatusResponse>;

// ---------------------------------------------------------------------------------------------
// The maps. The refund answer's `status` decides, its `code` refines it.
// ---------------------------------------------------------------------------------------------

/** Refund answer `status` (openpayd-payment-refund.txt examples; PENDING per REFERENCE.md; ERROR per docs/provider-assumptions.md). */
export type OpenpaydStatus = 'APPROVED' | 'DECLINED' | 'PENDING' | 'ERROR';

/** APPROVED comes with code "00" (openpayd-payment-refund.txt): any other code is not proof of a refund. */
export const OPENPAYD_APPROVED_CODES = {
  '00': { kind: 'final', status: 'approved' },
} as const satisfies Record<'00', OutcomeShape>;

/** PENDING "Waiting" is code 283 (REFERENCE.md "Codes seen"). */
export const OPENPAYD_PENDING_CODES = {
  '283': { kind: 'pending', reason: 'provider_processing' },
} as const satisfies Record<'283', OutcomeShape>;

/**
 * DECLINED codes: 32 "Already refunded" (openpayd-payment-refund.txt), 188 "Amount is required"
 * (REFERENCE.md), 96 "Partial refund is not allowed" and 13 "Amount exceeds refundable amount"
 * (docs/provider-assumptions.md). DECLINED with another code is still a decline.
 */
export type OpenpaydDeclinedCode = '32' | '188' | '96' | '13';
export const OPENPAYD_DECLINED_CODES = {
  '32': 'exists',
  '188': 'invalid',
  '96': 'declined',
  '13': 'declined',
} as const satisfies Record<OpenpaydDeclinedCode, RefusalName>;
export const OPENPAYD_DECLINED_OTHERWISE: RefusalName = 'declined';

/**
 * ERROR codes (docs/provider-assumptions.md "OpenPayd PSP"): the request was refused before any
 * refund was attempted. An ERROR code not listed is unrecognized.
 */
export type OpenpaydErrorCode = '5' | '12' | '13' | '14' | '54';
export const OPENPAYD_ERROR_CODES = {
  '5': 'auth', // Invalid apiKey
  '12': 'invalid', // <field> is required
  '13': 'invalid', // Invalid amount / Invalid currency
  '14': 'not_found', // Transaction not found
  '54': 'declined', // Payment method is not refundable
} as const satisfies Record<OpenpaydErrorCode, RefusalName>;

/** What the refund answer's `status` says (the pages as for OpenpaydStatus above); its code map refines it. */
export const OPENPAYD_STATUSES = {
  APPROVED: 'approved',
  PENDING: 'pending',
  DECLINED: 'declined',
  ERROR: 'error',
} as const satisfies Record<OpenpaydStatus, 'approved' | 'pending' | 'declined' | 'error'>;

/** "00", 0, "0" -> "00"; "032" -> "32": codes are matched as numbers. */
export function canonicalCode(code: string): string {
  const t = code.trim();
  if (!/^\d+$/.test(t)) return t;
  const n = Number(t);
  return n === 0 ? '00' : String(n);
}

/**
 * What a refund answer is: an outcome, or an error body (status ERROR) to be read as a refusal
 * (`refusal` undefined = an ERROR code nobody documented).
 */
export type OpenpaydVerdict =
  | { type: 'outcome'; outcome: RefundOutcome }
  | { type: 'declined'; refusal: RefusalName; facts: ProviderFacts }
  | { type: 'error'; refusal: RefusalName | undefined; facts: ProviderFacts; raw: string };

/** The refund answer through the maps. Throws MoneyError for an amount that is not integer cents. */
export function refundVerdict(r: OpenpaydRefundResponse): OpenpaydVerdict {
  const code = canonicalCode(r.code);
  const facts: ProviderFacts = { providerStatus: r.status, code: r.code, message: r.message };
  const amountMinor = r.amount === undefined || r.amount === null || r.amount === '' ? undefined : fromOpenpaydAmount(r.amount);
  const unrecognized = (): OpenpaydVerdict => ({
    type: 'outcome',
    outcome: { ...facts, kind: 'unrecognized', raw: `${rawValue('status', r.status)} ${rawValue('code', r.code)}` },
  });
  const coded = (shape: OutcomeShape | undefined): OpenpaydVerdict =>
    shape ? { type: 'outcome', outcome: { ...facts, ...(amountMinor !== undefined ? { amountMinor } : {}), ...shape } } : unrecognized();
  switch (matchWire(r.status, OPENPAYD_STATUSES)) {
    case 'approved':
      return coded(matchWire(code, OPENPAYD_APPROVED_CODES));
    case 'pending':
      return coded(matchWire(code, OPENPAYD_PENDING_CODES));
    case 'declined':
      return { type: 'declined', refusal: matchWire(code, OPENPAYD_DECLINED_CODES) ?? OPENPAYD_DECLINED_OTHERWISE, facts };
    case 'error':
      return { type: 'error', refusal: matchWire(code, OPENPAYD_ERROR_CODES), facts, raw: `${rawValue('status', r.status)} ${rawValue('code', r.code)}` };
    case undefined:
      return unrecognized();
  }
}

/**
 * A refund in the status read (docs/provider-assumptions.md: APPROVED | PENDING | DECLINED; a
 * PENDING one is followed up here until it is APPROVED or DECLINED).
 */
export type OpenpaydRefundStatus = 'APPROVED' | 'PENDING' | 'DECLINED';
export const OPENPAYD_REFUND_STATUSES = {
  APPROVED: { kind: 'final', status: 'approved' },
  PENDING: { kind: 'pending', reason: 'provider_processing' },
  DECLINED: { kind: 'final', status: 'rejected', refusal: 'declined' },
} as const satisfies Record<OpenpaydRefundStatus, OutcomeShape>;

/** A refund of the status read as an outcome. Throws MoneyError for an amount that is not integer cents. */
export function statusRefundOutcome(r: OpenpaydStatusRefund): RefundOutcome {
  const facts: ProviderFacts = { refundId: r.refundId, providerStatus: r.status, amountMinor: fromOpenpaydAmount(r.amount) };
  const shape = matchWire(r.status, OPENPAYD_REFUND_STATUSES);
  if (!shape) return { ...facts, kind: 'unrecognized', raw: rawValue('status', r.status) };
  return { ...facts, ...shape };
}

// ---------------------------------------------------------------------------------------------
// Which refund of the status read is ours
// ---------------------------------------------------------------------------------------------

/** Clocks differ: a refund dated up to this long before our first attempt may still be ours. */
export const CLOCK_ALLOWANCE_MS = 5 * 60_000;

/** A refund's `date`: unix seconds (number or digit string), or an ISO time. Undefined when absent or unreadable. */
export function refundDateMs(date: string | number | null | undefined): number | undefined {
  if (date === undefined || date === null) return undefined;
  const text = String(date).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

export interface OurRefund {
  /** OpenPayd's id of our refund, once an answer or a read gave it. */
  providerRefundId?: string | undefined;
  /** ISO time of our first submission attempt. */
  submittedAfter: string;
  /** What we sent; undefined = a full refund (any amount). */
  amountMinor?: number | undefined;
  /** Refund ids of our other refunds of the payment: never ours. */
  excludeRefundIds?: readonly string[] | undefined;
}

/**
 * Our refund: the one with our id when we know it; else the newest refund dated at or after our
 * first attempt (minus the clock allowance) with our amount (any amount for a full refund) that
 * is not one of our other refunds. Only one refund of a payment is in flight at a time (the
 * payment lock), so that one is ours.
 */
export function findOurRefund(refunds: readonly OpenpaydStatusRefund[], ours: OurRefund): OpenpaydStatusRefund | undefined {
  if (ours.providerRefundId !== undefined) return refunds.find((r) => r.refundId === ours.providerRefundId!.trim());
  const since = Date.parse(ours.submittedAfter);
  if (Number.isNaN(since)) throw new InvalidInputError(`submittedAfter is not an ISO time: ${JSON.stringify(ours.submittedAfter)}`);
  const excluded = new Set((ours.excludeRefundIds ?? []).map((id) => id.trim()));
  let best: { r: OpenpaydStatusRefund; at: number } | undefined;
  for (const r of refunds) {
    if (excluded.has(r.refundId)) continue;
    const at = refundDateMs(r.date);
    if (at === undefined || at < since - CLOCK_ALLOWANCE_MS) continue;
    if (ours.amountMinor !== undefined && fromOpenpaydAmount(r.amount) !== ours.amountMinor) continue;
    if (!best || at >= best.at) best = { r, at };
  }
  return best?.r;
}
