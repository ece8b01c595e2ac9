/**
 * Turns `refunds create` flags (and/or a JSON body) into a refund request, with field-level
 * messages for flags that do not fit. The request itself is then validated by the domain's zod
 * schema (parseRefundRequest), exactly as RefundsClient.create does.
 */
import { readFileSync } from 'node:fs';
import { isCurrencyCode, MoneyError, parseDecimalString } from '../../domain/money.js';
import { PROVIDER_NAMES, PROVIDERS, type Provider } from '../../domain/providers.js';
import { RefundRequestSchema, type RefundRequest } from '../../domain/refund.js';
import { FieldError, UsageError } from './exit.js';

export interface CreateFlags {
  provider?: string | undefined;
  amount?: string | undefined;
  'amount-decimal'?: string | undefined;
  currency?: string | undefined;
  key?: string | undefined;
  'pay-id'?: string | undefined;
  'payment-id'?: string | undefined;
  'settled-at'?: string | undefined;
  'transaction-id'?: string | undefined;
  'reference-no'?: string | undefined;
  'original-amount'?: string | undefined;
  reason?: string | undefined;
  /** The merchant account (docs/accounts.md); unset = default. */
  account?: string | undefined;
  metadata?: string[] | undefined;
  'json-body'?: string | undefined;
  file?: string | undefined;
}

/** Which flag sets which request field: used to name flags in validation messages. */
export const FIELD_FLAGS: Record<string, string> = {
  provider: '--provider',
  idempotencyKey: '--key',
  amount: '--amount',
  currency: '--currency',
  originalAmount: '--original-amount',
  reason: '--reason',
  account: '--account',
  metadata: '--metadata',
  'payment.payId': '--pay-id',
  'payment.paymentId': '--payment-id',
  'payment.settledAt': '--settled-at',
  'payment.transactionId': '--transaction-id',
  'payment.referenceNo': '--reference-no',
};

const PAYMENT_FLAGS = {
  'pay-id': { field: 'payId', providers: ['secpaid'] },
  'payment-id': { field: 'paymentId', providers: ['linkmoney', 'reservepay'] },
  'settled-at': { field: 'settledAt', providers: ['linkmoney'] },
  'transaction-id': { field: 'transactionId', providers: ['openpayd'] },
  'reference-no': { field: 'referenceNo', providers: ['openpayd'] },
} as const satisfies Record<string, { field: string; providers: readonly Provider[] }>;

const PAYMENT_FLAG_HINT: Record<Provider, string> = {
  secpaid: '--pay-id',
  linkmoney: '--payment-id [--settled-at]',
  openpayd: '--transaction-id and --reference-no',
  reservepay: '--payment-id',
};

function readBody(flags: CreateFlags): Record<string, unknown> {
  if (flags['json-body'] !== undefined && flags.file !== undefined) throw new UsageError('give --json-body or --file, not both', 'create');
  let text: string | undefined;
  let where = '--json-body';
  if (flags.file !== undefined) {
    where = flags.file;
    try {
      text = flags.file === '-' ? readFileSync(0, 'utf8') : readFileSync(flags.file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${flags.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'create');
    }
  } else {
    text = flags['json-body'];
  }
  if (text === undefined) return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${where} is not JSON: ${(err as Error).message}`, 'create');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new UsageError(`${where} must be a JSON object (a refund request)`, 'create');
  return body as Record<string, unknown>;
}

const INTEGER = /^\d+$/;

/**
 * The request from the flags: the JSON body first, flags override its fields. Validated with the
 * domain schema (the same messages as the API's); any problem throws FieldError (exit 2) listing
 * every field, before anything is sent to Temporal.
 */
export function buildCreateRequest(flags: CreateFlags): RefundRequest {
  const body = readBody(flags);
  const issues: { path: string; message: string }[] = [];
  const req: Record<string, unknown> = { ...body };
  if (flags.provider !== undefined) req.provider = flags.provider;
  if (flags.key !== undefined) req.idempotencyKey = flags.key;
  if (flags.currency !== undefined) req.currency = flags.currency.toUpperCase();
  if (flags.reason !== undefined) req.reason = flags.reason;
  if (flags.account !== undefined) req.account = flags.account;

  if (flags.amount !== undefined && flags['amount-decimal'] !== undefined) {
    issues.push({ path: 'amount', message: 'give --amount (minor units) or --amount-decimal, not both' });
  } else if (flags.amount !== undefined) {
    const a = flags.amount.trim();
    if (a === 'full') req.amount = 'full';
    else if (INTEGER.test(a)) req.amount = Number(a);
    else {
      issues.push({
        path: 'amount',
        message: `--amount takes integer minor units (2500 means 25.00) or "full", got ${JSON.stringify(flags.amount)}${/^\d*\.\d+$/.test(a) ? `; for a decimal use --amount-decimal ${a}` : ''}`,
      });
    }
  } else if (flags['amount-decimal'] !== undefined) {
    const currency = typeof req.currency === 'string' ? req.currency.toUpperCase() : undefined;
    if (currency === undefined) issues.push({ path: 'amount', message: '--amount-decimal needs --currency (the currency decides the minor units)' });
    else if (!isCurrencyCode(currency)) issues.push({ path: 'currency', message: `unknown currency ${currency}` });
    else {
      try {
        req.amount = parseDecimalString(flags['amount-decimal'], currency);
      } catch (err) {
        if (!(err instanceof MoneyError)) throw err;
        issues.push({ path: 'amount', message: `--amount-decimal: ${err.message}` });
      }
    }
  }

  if (flags['original-amount'] !== undefined) {
    if (INTEGER.test(flags['original-amount'].trim())) req.originalAmount = Number(flags['original-amount'].trim());
    else issues.push({ path: 'originalAmount', message: `--original-amount takes integer minor units, got ${JSON.stringify(flags['original-amount'])}` });
  }

  if (flags.metadata !== undefined) {
    const metadata: Record<string, string> = { ...(typeof body.metadata === 'object' && body.metadata ? (body.metadata as Record<string, string>) : {}) };
    for (const pair of flags.metadata) {
      const eq = pair.indexOf('=');
      if (eq <= 0) issues.push({ path: 'metadata', message: `--metadata takes key=value, got ${JSON.stringify(pair)}` });
      else metadata[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    req.metadata = metadata;
  }

  const provider = typeof req.provider === 'string' && (PROVIDERS as readonly string[]).includes(req.provider) ? (req.provider as Provider) : undefined;
  const paymentFlags = (Object.keys(PAYMENT_FLAGS) as (keyof typeof PAYMENT_FLAGS)[]).filter((f) => flags[f] !== undefined);
  if (paymentFlags.length > 0) {
    const payment: Record<string, unknown> = { ...(typeof body.payment === 'object' && body.payment ? (body.payment as Record<string, unknown>) : {}) };
    for (const flag of paymentFlags) {
      const spec = PAYMENT_FLAGS[flag];
      if (provider && !(spec.providers as readonly Provider[]).includes(provider)) {
        issues.push({
          path: `payment.${spec.field}`,
          message: `--${flag} does not apply to ${PROVIDER_NAMES[provider]} refunds; a ${PROVIDER_NAMES[provider]} payment is given with ${PAYMENT_FLAG_HINT[provider]}`,
        });
      } else {
        payment[spec.field] = flags[flag];
      }
    }
    req.payment = payment;
  } else if (req.payment === undefined && provider) {
    issues.push({ path: 'payment', message: `the payment to refund is required: ${PAYMENT_FLAG_HINT[provider]}` });
  }

  // The schema's own messages for the rest; a field the flags already explained is not repeated.
  const parsed = RefundRequestSchema.safeParse(req);
  if (parsed.success && issues.length === 0) return parsed.data;
  // Paths the flags already explained (a payment flag explains the whole payment) are not repeated.
  const seen = new Set(issues.map((i) => (i.path.startsWith('payment.') ? 'payment' : i.path)));
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const path = issue.path.map(String).join('.');
    if ([...seen].some((p) => path === p || path.startsWith(`${p}.`))) continue;
    // zod's generic "expected string, received undefined" means a missing field: say so.
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
    issues.push({ path, message: missing ? `${FIELD_FLAGS[path] ?? path} is required` : issue.message });
  }
  throw new FieldError(issues);
}
