/**
 * The HTTP API's own zod schemas (query string, operator action bodies, error and response
 * shapes). The refund request itself is domain/refund.ts's RefundRequestSchema. The same schemas
 * validate requests and generate the OpenAPI document (openapi.ts).
 */
import { z } from 'zod';
import { APPROVAL_STATES } from '../../domain/approval.js';
import { ACCOUNT_NAME, ACCOUNT_NAME_RULE } from '../../domain/accounts.js';
import { PROVIDERS } from '../../domain/providers.js';
import { PENDING_REASONS, REFUND_STATUSES } from '../../domain/status.js';
import { OPERATOR_INPUT_SCHEMAS } from '../../domain/operator.js';
import { RefundRequestSchema } from '../../domain/refund.js';
import { actionHygieneIssues, requestHygieneIssues, withHygiene } from '../input-hygiene.js';

/** Operator action bodies: the very schemas the workflow's update validators use (domain/operator.ts). */
export const ACTIONS = OPERATOR_INPUT_SCHEMAS;
export type Action = keyof typeof ACTIONS;

/**
 * What the HTTP API validates, the same schemas plus input hygiene (client/input-hygiene.ts):
 * the refund request (its idempotencyKey filled from the Idempotency-Key header) ...
 */
export const CreateRefundBodySchema = withHygiene(RefundRequestSchema, requestHygieneIssues);
/** ... and each action's body. */
export const ACTION_BODIES = {
  approve: withHygiene(ACTIONS.approve, actionHygieneIssues),
  reject: withHygiene(ACTIONS.reject, actionHygieneIssues),
  cancel: withHygiene(ACTIONS.cancel, actionHygieneIssues),
  resolve: withHygiene(ACTIONS.resolve, actionHygieneIssues),
} as const satisfies Record<Action, z.ZodType>;

const isoDate = (name: string) =>
  z.iso.datetime({ offset: true, error: `${name} must be an ISO 8601 date-time, for example 2026-01-31T00:00:00Z` });

/** GET /v1/refunds query string. Unknown parameters are refused, so a typo is not a silent no-op. */
export const ListQuerySchema = z.strictObject({
  status: z.enum(REFUND_STATUSES, { error: `status must be one of ${REFUND_STATUSES.join(', ')}` }).optional(),
  provider: z.enum(PROVIDERS, { error: `provider must be one of ${PROVIDERS.join(', ')}` }).optional(),
  paymentId: z.string().min(1).max(64).optional(),
  createdAfter: isoDate('createdAfter').optional(),
  createdBefore: isoDate('createdBefore').optional(),
  overdue: z
    .enum(['true', 'false'], { error: 'overdue must be true or false' })
    .transform((v) => v === 'true')
    .optional()
    .meta({ description: 'true: only refunds past their expectedBy that are not final (RefundExpectedBy < now AND RefundStatus pending or needs_attention)' }),
  awaitingApproval: z
    .enum(['true', 'false'], { error: 'awaitingApproval must be true or false' })
    .transform((v) => v === 'true')
    .optional()
    .meta({ description: 'true: only refunds awaiting four-eyes approval (RefundApproval = awaiting), not SecPaid review' }),
  account: z
    .string()
    .regex(ACCOUNT_NAME, `account must be ${ACCOUNT_NAME_RULE}`)
    .optional()
    .meta({ description: 'only refunds of this merchant account (RefundAccount; default includes refunds started before accounts); docs/accounts.md' }),
  limit: z
    .string()
    .regex(/^\d+$/, 'limit must be a whole number from 1 to 1000')
    .transform(Number)
    .pipe(z.number().int().min(1, 'limit must be at least 1').max(1000, 'limit is at most 1000'))
    .optional(),
  pageToken: z.string().regex(/^[A-Za-z0-9_-]+$/, 'pageToken must be a nextPageToken from a previous page').max(4096).optional(),
});

export const ErrorSchema = z
  .strictObject({
    error: z.strictObject({
      type: z.string().meta({ description: 'machine-readable kind, for example validation_error, not_found, idempotency_conflict' }),
      message: z.string(),
      fields: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
    }),
  });

const Transition = z.looseObject({
  at: z.string(),
  status: z.enum(REFUND_STATUSES),
  pendingReason: z.enum(PENDING_REASONS).optional(),
  cause: z.string(),
  providerCode: z.string().optional(),
  providerMessage: z.string().optional(),
  event: z.enum(['overdue']).optional().meta({ description: 'overdue: the refund passed its expectedBy while not final (status and pending reason unchanged)' }),
});

/** Documentation of domain/state.ts's RefundState (the shape every way in shows). */
export const RefundSchema = z
  .looseObject({
    refundId: z.string(),
    request: z.looseObject({}).meta({ description: 'the validated refund request (see RefundRequest)' }),
    status: z.enum(REFUND_STATUSES),
    pendingReason: z.enum(PENDING_REASONS).optional(),
    since: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    transitions: z.array(Transition),
    provider: z.looseObject({
      refundId: z.string().optional(),
      status: z.string().optional(),
      code: z.string().optional(),
      message: z.string().optional(),
      amountMinor: z.number().int().optional(),
    }),
    submitAttempts: z.number().int(),
    nextCheckAt: z.string().optional(),
    expectedBy: z.string().optional().meta({ description: "when the refund is expected to be final (ISO): SecPaid's answer + 10 days, Link Money's hold end + 1 h, OpenPayd/Reservepay the request + 15 min by default (REFUNDS_EXPECTED_BY); absent on refunds started before it" }),
    overdueAt: z.string().optional().meta({ description: 'when it was marked overdue (passed expectedBy while not final); set once' }),
    approval: z
      .looseObject({
        state: z.enum(APPROVAL_STATES),
        requester: z.string().meta({ description: "who asked for the refund (an API key's name, the CLI's REFUNDS_IDENTITY); may not decide it" }),
        threshold: z.looseObject({ currency: z.string(), provider: z.enum(PROVIDERS).optional(), amountMinor: z.number().int() }),
        requestedAt: z.string(),
        deadline: z.string().meta({ description: 'no decision by then: the refund is canceled' }),
        decidedAt: z.string().optional(),
        decidedBy: z.string().optional(),
        note: z.string().optional(),
        reason: z.string().optional(),
      })
      .optional()
      .meta({ description: 'four-eyes approval (not SecPaid review): only on refunds that reached an approval threshold' }),
    attention: z.string().optional(),
    resolvedBy: z.string().optional(),
  });

export const RefundRowSchema = z
  .looseObject({
    refundId: z.string(),
    status: z.enum(REFUND_STATUSES).optional(),
    provider: z.enum(PROVIDERS).optional(),
    paymentId: z.string().optional(),
    amountMinor: z.number().int().optional(),
    currency: z.string().optional(),
    account: z.string().optional().meta({ description: 'the merchant account (docs/accounts.md); default for refunds of before accounts' }),
    createdAt: z.string().optional(),
    expectedBy: z.string().optional().meta({ description: 'when it is expected to be final (ISO)' }),
    approval: z.enum(APPROVAL_STATES).optional().meta({ description: 'four-eyes approval (RefundApproval): absent when the refund needed none' }),
    closedAt: z.string().optional(),
  });

export const RefundListSchema = z
  .strictObject({ data: z.array(RefundRowSchema), nextPageToken: z.string().nullable() });
