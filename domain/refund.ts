/**
 * The refund request (zod) and the provider rules checked before anything starts.
 * Pure TypeScript + zod. Workflow code imports only its types (zod stays out of the workflow
 * bundle: see refund-request.ts).
 */
import { z } from 'zod';
import { CURRENCY_CODES, type CurrencyCode } from './money.js';
import { ACCOUNT_NAME, ACCOUNT_NAME_RULE, DEFAULT_ACCOUNT } from './accounts.js';
import { amountViolations, type AmountRequest } from './amount.js';
import { PROVIDER_NAMES, PROVIDERS, type Provider } from './providers.js';

const ref = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .min(1, `${what} must not be empty`)
    .max(64, `${what} is at most 64 characters`)
    .regex(/^[A-Za-z0-9._:\-]+$/, `${what} may contain letters, digits and . _ : - only`);

/** Integer minor units, positive, exactly representable. */
export const MinorUnits = z.number({ error: 'must be an integer number of minor units' }).superRefine((n, ctx) => {
  if (!Number.isInteger(n)) {
    ctx.addIssue({ code: 'custom', message: 'must be an integer number of minor units (2500 means 25.00), not a fraction' });
  } else if (n <= 0) {
    ctx.addIssue({ code: 'custom', message: 'must be greater than zero' });
  } else if (!Number.isSafeInteger(n)) {
    ctx.addIssue({ code: 'custom', message: 'is too large (above 2^53 - 1)' });
  }
});

const Currency = z
  .string({ error: 'currency is required' })
  .transform((c) => c.toUpperCase())
  .pipe(z.enum(CURRENCY_CODES, { error: `must be one of ${CURRENCY_CODES.join(', ')}` }));

export const PaymentRefSchemas = {
  secpaid: z.strictObject({ payId: z.string().regex(/^\d{1,19}$/, 'payId is SecPaid\'s numeric pay_id') }),
  linkmoney: z.strictObject({
    paymentId: ref('paymentId'),
    /** When the original ACH debit settled (ISO 8601); starts the 3-business-day hold. */
    settledAt: z.iso.datetime({ offset: true, error: 'settledAt must be an ISO 8601 date-time' }).optional(),
  }),
  openpayd: z.strictObject({ transactionId: ref('transactionId'), referenceNo: ref('referenceNo') }),
  reservepay: z.strictObject({ paymentId: ref('paymentId') }),
} as const;

const common = {
  idempotencyKey: z
    .string({ error: 'idempotencyKey is required' })
    .min(1, 'idempotencyKey must not be empty')
    .max(200, 'idempotencyKey is at most 200 characters')
    .regex(/^[\x21-\x7e]+$/, 'idempotencyKey must be printable ASCII without spaces'),
  amount: z.union([MinorUnits, z.literal('full')], {
    error: 'amount must be a positive integer number of minor units, or "full"',
  }),
  currency: Currency,
  /** The original payment's amount, when known: bounds the sum of refunds. */
  originalAmount: MinorUnits.optional(),
  reason: z.string().max(500, 'reason is at most 500 characters').optional(),
  /** Each status change is POSTed here, signed (docs/callbacks.md). */
  callbackUrl: z
    .url({ protocol: /^https?$/, error: 'callbackUrl must be an http(s) URL' })
    .max(2048, 'callbackUrl is at most 2048 characters')
    .optional(),
  /**
   * The merchant account at the provider (docs/accounts.md); absent = the default account. Written
   * "default", it is left out: a default-account refund is the same request as before accounts.
   */
  account: z
    .string({ error: 'account must be a string' })
    .regex(ACCOUNT_NAME, `account must be ${ACCOUNT_NAME_RULE}`)
    .transform((a) => (a === DEFAULT_ACCOUNT ? undefined : a))
    .optional(),
  metadata: z
    .record(z.string().max(40), z.string().max(500))
    .refine((m) => Object.keys(m).length <= 20, 'metadata has at most 20 keys')
    .optional(),
};

export const RefundRequestSchema = z
  .discriminatedUnion(
    'provider',
    [
      z.strictObject({ provider: z.literal('secpaid'), payment: PaymentRefSchemas.secpaid, ...common }),
      z.strictObject({ provider: z.literal('linkmoney'), payment: PaymentRefSchemas.linkmoney, ...common }),
      z.strictObject({ provider: z.literal('openpayd'), payment: PaymentRefSchemas.openpayd, ...common }),
      z.strictObject({ provider: z.literal('reservepay'), payment: PaymentRefSchemas.reservepay, ...common }),
    ],
    { error: `provider must be one of ${PROVIDERS.join(', ')}` },
  )
  .superRefine((req, ctx) => {
    // Marked: a well-formed request that this provider cannot carry out (HTTP 422, not 400).
    for (const issue of providerRuleViolations(req)) ctx.addIssue({ code: 'custom', ...issue, params: { providerRule: true } });
  });

export type RefundRequest = z.output<typeof RefundRequestSchema>;
export type RefundRequestInput = z.input<typeof RefundRequestSchema>;

/** Currencies each provider refunds in. OpenPayd cards settle in several. */
export const PROVIDER_CURRENCIES = {
  secpaid: ['EUR'],
  linkmoney: ['USD'],
  openpayd: ['EUR', 'USD', 'GBP', 'CHF'],
  reservepay: ['THB'],
} as const satisfies Record<Provider, readonly CurrencyCode[]>;

interface Violation {
  path: (string | number)[];
  message: string;
}

function providerRuleViolations(req: AmountRequest): Violation[] {
  const out: Violation[] = [];
  const allowed: readonly CurrencyCode[] = PROVIDER_CURRENCIES[req.provider];
  if (!allowed.includes(req.currency)) {
    out.push({
      path: ['currency'],
      message: `${PROVIDER_NAMES[req.provider]} refunds are in ${allowed.join(' or ')}, not ${req.currency}`,
    });
  }
  // What "full" and a partial amount mean for each provider: the one amount rule.
  out.push(...amountViolations(req));
  return out;
}

// What workflow code needs of a request lives without zod in refund-request.ts (why: there).
export { paymentKey, refundIdFor, refundSummary, requestedAmount } from './refund-request.js';

export class RefundRequestError extends Error {
  override readonly name = 'RefundRequestError';
  constructor(
    readonly issues: { path: string; message: string }[],
    /** Well-formed, but the provider cannot carry it out (its currency, the amount rule): HTTP 422. */
    readonly unprocessable = false,
  ) {
    super(`invalid refund request: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`);
  }
}

/** Validate a request; throws RefundRequestError with field-level messages. */
export function parseRefundRequest(input: unknown): RefundRequest {
  const parsed = RefundRequestSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  throw new RefundRequestError(
    issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    issues.every((i) => i.code === 'custom' && (i as { params?: { providerRule?: boolean } }).params?.providerRule === true),
  );
}
