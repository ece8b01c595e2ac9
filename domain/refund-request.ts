/**
 * What workflow code needs of a refund request, without zod: its payment reference, expected
 * amount, summary and id, and the workflow's own guard on its input.
 *
 * Why not the zod schema (domain/refund.ts) in the workflow: the worker evaluates the workflow
 * bundle's modules once per cached workflow (each workflow has its own module cache), so zod and
 * the schemas it builds cost about 1 MiB of heap per cached refund (measured: BENCHMARKS.md,
 * "waiting"). Every way in (RefundsClient, HTTP API, CLI, Nexus) parses the request with the
 * zod schema before it starts anything; the guard here only refuses an input that did not come
 * through one of them (a `temporal workflow start` by hand) and that the workflow could not run.
 * Pure TypeScript: safe to import from workflow code.
 */
import { ACCOUNT_NAME, ACCOUNT_NAME_RULE, isDefaultAccount } from './accounts.js';
import { expectedAmount } from './amount.js';
import { CURRENCY_CODES, formatMoney } from './money.js';
import { PROVIDER_NAMES, PROVIDERS } from './providers.js';
import type { RefundRequest } from './refund.js';

/** The payment reference that identifies the refunded payment at its provider, as one string. */
export function paymentKey(req: RefundRequest): string {
  switch (req.provider) {
    case 'secpaid':
      return req.payment.payId;
    case 'linkmoney':
      return req.payment.paymentId;
    case 'openpayd':
      return req.payment.transactionId;
    case 'reservepay':
      return req.payment.paymentId;
  }
}

/** The frozen v1 workflow's name for expectedAmount (domain/amount.ts); new code uses that. */
export function requestedAmount(req: Pick<RefundRequest, 'amount' | 'originalAmount'>): number | undefined {
  return expectedAmount(req);
}

/** "Refund EUR 25.00 of SecPaid payment 42011" (static summary shown in the Temporal UI). */
export function refundSummary(req: RefundRequest): string {
  const amount = expectedAmount(req);
  const what = amount === undefined ? `the full amount (${req.currency})` : formatMoney({ amountMinor: amount, currency: req.currency });
  return `Refund ${what} of ${PROVIDER_NAMES[req.provider]} payment ${paymentKey(req)}`;
}

/**
 * The workflow id of a refund: derived from the idempotency key, so a repeat finds the same refund.
 * A named merchant account's refunds are `refund@<account>:<key>`: idempotency keys are each
 * account's own (two merchants' order numbers may be equal), and no such id can equal a default
 * account's `refund-<key>` (docs/accounts.md).
 */
export function refundIdFor(idempotencyKey: string, account?: string): string {
  return isDefaultAccount(account) ? `refund-${idempotencyKey}` : `refund@${account}:${idempotencyKey}`;
}

/** The payment reference fields each provider's request must carry. */
const PAYMENT_FIELDS = {
  secpaid: ['payId'],
  linkmoney: ['paymentId'],
  openpayd: ['transactionId', 'referenceNo'],
  reservepay: ['paymentId'],
} as const;

const isMinorUnits = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * The workflow's guard: what is wrong with an input that did not come through the request schema,
 * as field messages (empty when the workflow can run it). Not the request's rules: those are the
 * zod schema's, applied by every caller before it starts a refund.
 */
export function refundInputProblems(input: unknown): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  if (!isRecord(input)) return [{ path: '', message: 'the refund request must be an object' }];
  const provider = input['provider'];
  if (typeof provider !== 'string' || !(PROVIDERS as readonly string[]).includes(provider)) {
    out.push({ path: 'provider', message: `provider must be one of ${PROVIDERS.join(', ')}` });
  } else {
    const payment = input['payment'];
    for (const field of PAYMENT_FIELDS[provider as keyof typeof PAYMENT_FIELDS]) {
      const value = isRecord(payment) ? payment[field] : undefined;
      if (typeof value !== 'string' || value.trim() === '') out.push({ path: `payment.${field}`, message: `${field} is required` });
    }
  }
  const key = input['idempotencyKey'];
  if (typeof key !== 'string' || key === '') out.push({ path: 'idempotencyKey', message: 'idempotencyKey is required' });
  if (input['amount'] !== 'full' && !isMinorUnits(input['amount'])) {
    out.push({ path: 'amount', message: 'amount must be a positive integer number of minor units, or "full"' });
  }
  if (typeof input['currency'] !== 'string' || !(CURRENCY_CODES as readonly string[]).includes(input['currency'])) {
    out.push({ path: 'currency', message: `currency must be one of ${CURRENCY_CODES.join(', ')}` });
  }
  if (input['originalAmount'] !== undefined && !isMinorUnits(input['originalAmount'])) {
    out.push({ path: 'originalAmount', message: 'originalAmount must be a positive integer number of minor units' });
  }
  for (const field of ['reason', 'callbackUrl'] as const) {
    if (input[field] !== undefined && typeof input[field] !== 'string') out.push({ path: field, message: `${field} must be a string` });
  }
  const account = input['account'];
  if (account !== undefined && (typeof account !== 'string' || !ACCOUNT_NAME.test(account))) {
    out.push({ path: 'account', message: `account must be a string of ${ACCOUNT_NAME_RULE}` });
  }
  const metadata = input['metadata'];
  if (metadata !== undefined && (!isRecord(metadata) || Object.values(metadata).some((v) => typeof v !== 'string'))) {
    out.push({ path: 'metadata', message: 'metadata must map names to strings' });
  }
  return out;
}
