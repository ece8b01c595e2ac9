/**
 * When a refund is expected to have reached its final status ("expectedBy"), from what each
 * provider documents. One rule for every way in (the client sets it at start, the workflow moves
 * it once SecPaid answers, the CLI and API show it). Pure: no clock reads, safe in workflow code.
 *
 *   secpaid     refundPayment's own answer promises "You will get update within 5-10 days"
 *               (provider-docs/secpaid-refundPayment.txt; REFERENCE.md "SecPaid"): its answer + the
 *               span (default 10d, the upper bound). Before SecPaid answered: the request + the span.
 *   linkmoney   "settled for less than 3 business days ... PENDING until the 3-business day threshold
 *               has been met", then AUTHORIZED (provider-docs/linkmoney-issue-a-refund.txt): the hold's
 *               end (domain/calendar.ts settlementHoldEnds of payment.settledAt) + a grace; a payment
 *               settled so long ago that its hold is over: the request + the grace. Without settledAt
 *               the payment is taken as settled the day the refund is requested (the earliest the
 *               hold can end; a payment still processing makes it later, and the refund overdue).
 *   openpayd    "you will get the result straight away" (provider-docs/openpayd-payment-refund.txt),
 *   reservepay  refund-payment answers with the refund's id: the request + a short grace.
 *
 * A span is business days and/or a fixed duration: "10d", "15m", "3bd+1h". N business days from an
 * instant end at 00:00 UTC after the Nth US Federal Reserve business day after its UTC date (the
 * same definition as the settlement hold); then the fixed part is added. Everything is UTC, so a
 * daylight-saving change moves nothing (a day is 24 h).
 */
import { settlementHoldEnds } from './calendar.js';
import { PROVIDERS, type Provider } from './providers.js';
import type { RefundRequest } from './refund.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface ExpectedBySpan {
  /** US business days (ending at 00:00 UTC after the last), counted first. */
  businessDays: number;
  /** Then this much more (ms). */
  ms: number;
}

export type ExpectedByRules = Record<Provider, ExpectedBySpan>;

/** What the refund's expectedBy counts from. */
export type ExpectedByAnchor = 'answer' | 'settlement' | 'request';
export const EXPECTED_BY_ANCHOR = {
  secpaid: 'answer',
  linkmoney: 'settlement',
  openpayd: 'request',
  reservepay: 'request',
} as const satisfies Record<Provider, ExpectedByAnchor>;

/** The defaults (REFUNDS_EXPECTED_BY overrides per provider): secpaid:10d,linkmoney:3bd+1h,openpayd:15m,reservepay:15m. */
export const DEFAULT_EXPECTED_BY: ExpectedByRules = {
  secpaid: { businessDays: 0, ms: 10 * DAY },
  linkmoney: { businessDays: 3, ms: HOUR },
  openpayd: { businessDays: 0, ms: 15 * MINUTE },
  reservepay: { businessDays: 0, ms: 15 * MINUTE },
};

/** What the workflow is started with (RefundInput.expectedBy): the date, and the span to move it by. */
export interface ExpectedByInput {
  /** ISO instant. */
  at: string;
  span: ExpectedBySpan;
}

/** Bounds of a configured span: a refund expected more than a year out, or 60 business days, is a typo. */
export const SPAN_LIMITS = { maxMs: 366 * DAY, maxBusinessDays: 60 } as const;

export class ExpectedByError extends Error {
  override readonly name = 'ExpectedByError';
}

const UNITS = { s: SECOND, m: MINUTE, h: HOUR, d: DAY } as const;
const TERM = /^(\d{1,6})(bd|d|h|m|s)$/;

/** "10d", "15m", "3bd+1h", "1d+12h": terms joined by "+". */
export function parseSpan(text: string): ExpectedBySpan {
  const terms = text.trim().toLowerCase().split('+').map((t) => t.trim());
  const span: ExpectedBySpan = { businessDays: 0, ms: 0 };
  for (const term of terms) {
    const m = TERM.exec(term);
    if (!m) throw new ExpectedByError(`${JSON.stringify(text)} is not a span: write terms like 10d, 15m, 2h, 30s or 3bd (US business days), joined by + (3bd+1h)`);
    const n = Number(m[1]);
    if (m[2] === 'bd') span.businessDays += n;
    else span.ms += n * UNITS[m[2] as keyof typeof UNITS];
  }
  if (span.businessDays === 0 && span.ms === 0) throw new ExpectedByError(`${JSON.stringify(text)} is zero: a refund cannot be expected the moment it starts`);
  if (span.businessDays > SPAN_LIMITS.maxBusinessDays) throw new ExpectedByError(`${JSON.stringify(text)}: at most ${SPAN_LIMITS.maxBusinessDays} business days`);
  if (span.ms > SPAN_LIMITS.maxMs) throw new ExpectedByError(`${JSON.stringify(text)}: at most 366 days`);
  return span;
}

/** The span as the configuration writes it: "3bd+1h", "10d", "15m". */
export function formatSpan(span: ExpectedBySpan): string {
  const parts: string[] = span.businessDays ? [`${span.businessDays}bd`] : [];
  let left = span.ms;
  for (const [unit, size] of [['d', DAY], ['h', HOUR], ['m', MINUTE], ['s', SECOND]] as const) {
    const n = Math.floor(left / size);
    if (n > 0) parts.push(`${n}${unit}`);
    left -= n * size;
  }
  return parts.join('+') || '0s';
}

/**
 * REFUNDS_EXPECTED_BY: `provider:span` entries separated by commas, for example
 * `secpaid:10d,linkmoney:3bd+1h,openpayd:15m`; a provider not listed keeps its default.
 */
export function parseExpectedByRules(text: string): ExpectedByRules {
  const rules: ExpectedByRules = { ...DEFAULT_EXPECTED_BY };
  const seen = new Set<string>();
  const entries = text.split(',').map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) throw new ExpectedByError('no entries (provider:span, comma-separated, for example secpaid:10d,openpayd:15m)');
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const provider = (colon < 0 ? entry : entry.slice(0, colon)).trim().toLowerCase();
    if (colon < 0) throw new ExpectedByError(`${JSON.stringify(entry)}: write provider:span, for example secpaid:10d`);
    if (!(PROVIDERS as readonly string[]).includes(provider)) throw new ExpectedByError(`${JSON.stringify(entry)}: unknown provider ${JSON.stringify(provider)} (one of ${PROVIDERS.join(', ')})`);
    if (seen.has(provider)) throw new ExpectedByError(`${provider} is given twice`);
    seen.add(provider);
    try {
      rules[provider as Provider] = parseSpan(entry.slice(colon + 1));
    } catch (err) {
      throw new ExpectedByError(`${provider}: ${(err as Error).message}`);
    }
  }
  return rules;
}

/** The rules written back (for the README, logs and errors). */
export function formatRules(rules: ExpectedByRules): string {
  return PROVIDERS.map((p) => `${p}:${formatSpan(rules[p])}`).join(',');
}

function toMs(at: string | number): number {
  const ms = typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(ms)) throw new ExpectedByError(`not an instant: ${JSON.stringify(at)}`);
  return ms;
}

/** `from` + the span: business days first (00:00 UTC after the Nth after from's UTC date), then the fixed part. */
export function addSpan(from: string | number, span: ExpectedBySpan): number {
  const ms = toMs(from);
  const base = span.businessDays > 0 ? Date.parse(settlementHoldEnds(new Date(ms).toISOString(), span.businessDays)) : ms;
  return base + span.ms;
}

export interface ExpectedByTimes {
  /** When the refund was requested (its start). */
  requestedAt: string | number;
  /** When the provider answered the submission, once it has (SecPaid's date follows it). */
  answeredAt?: string | number;
}

/** The refund's expectedBy (ISO) under `span`, from the provider's documented anchor. */
export function expectedByOf(request: RefundRequest, span: ExpectedBySpan, times: ExpectedByTimes): string {
  const requested = toMs(times.requestedAt);
  let at: number;
  switch (EXPECTED_BY_ANCHOR[request.provider]) {
    case 'answer':
      at = addSpan(times.answeredAt ?? requested, span);
      break;
    case 'settlement': {
      const settledAt = request.provider === 'linkmoney' ? request.payment.settledAt : undefined;
      // A hold already over when the refund is requested: Link Money authorizes at once, so the grace alone.
      at = settledAt ? Math.max(addSpan(settledAt, span), requested + span.ms) : addSpan(requested, span);
      break;
    }
    case 'request':
      at = addSpan(requested, span);
      break;
  }
  return new Date(at).toISOString();
}

/** Why the refund is expected by then, for the overdue transition and the docs. */
export function expectationText(request: RefundRequest, span: ExpectedBySpan): string {
  const s = formatSpan(span);
  switch (request.provider) {
    case 'secpaid':
      return `SecPaid's answer promised an update within 5-10 days (expected ${s} after it)`;
    case 'linkmoney':
      return request.payment.settledAt
        ? `Link Money's settlement hold (3 US business days after ${request.payment.settledAt}) should be over (expected ${s} after settlement)`
        : `Link Money's settlement hold should be over (no settledAt: counted as settled the day of the request; expected ${s} after it)`;
    case 'openpayd':
      return `OpenPayd answers refunds at once (expected within ${s})`;
    case 'reservepay':
      return `Reservepay answers refunds at once (expected within ${s})`;
  }
}
