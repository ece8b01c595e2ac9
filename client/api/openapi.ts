/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the zod schemas that validate the
 * requests (domain/refund.ts for the refund request, ./schemas.ts for the rest) with
 * `z.toJSONSchema`. Served at GET /openapi.json.
 */
import { z } from 'zod';
import { CURRENCY_CODES } from '../../domain/money.js';
import { MinorUnits } from '../../domain/refund.js';
import { IDEMPOTENCY_KEY_MESSAGE, IDEMPOTENCY_KEY_PATTERN, IdempotencyKeySchema, SAFE_TEXT_MESSAGE, SAFE_TEXT_PATTERN } from '../input-hygiene.js';
import { approvalPaths, approvalSchemas } from './approval-openapi.js';
import { retryOperation } from './retry-openapi.js';
import { BATCH_SCHEMA, bulkPaths } from './bulk-openapi.js';
import { reconciliationPaths } from './reconcile-openapi.js';
import { ACTION_BODIES, CreateRefundBodySchema, ErrorSchema, ListQuerySchema, RefundListSchema, RefundRowSchema, RefundSchema } from './schemas.js';

type JsonSchema = Record<string, unknown>;

/** JSON Schema (draft 2020-12, which OpenAPI 3.1 uses) of a request-side zod schema. */
function inputSchema(schema: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    // Refinements are not representable in JSON Schema: state what MinorUnits checks.
    override: (ctx) => {
      if (ctx.zodSchema === MinorUnits) {
        Object.assign(ctx.jsonSchema, {
          type: 'integer',
          minimum: 1,
          maximum: Number.MAX_SAFE_INTEGER,
          description: 'integer minor units (2500 = 25.00)',
        });
      }
    },
  }) as JsonSchema;
  delete out.$schema;
  return out;
}

function outputSchema(schema: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonSchema;
  delete out.$schema;
  return out;
}

/**
 * The body of POST /v1/refunds: the refund request, with idempotencyKey optional (the
 * Idempotency-Key header supplies it) and the accepted currency codes listed.
 */
/** Free text refuses control and bidi characters (refused with 400, not stripped): stated as a pattern. */
const safeText = (s: JsonSchema | undefined): JsonSchema => ({ ...s, pattern: SAFE_TEXT_PATTERN, description: `${s?.description ? `${String(s.description)}; ` : ''}${SAFE_TEXT_MESSAGE} (refused with 400, not stripped)` });

function createBodySchema(): JsonSchema {
  const schema = inputSchema(CreateRefundBodySchema);
  for (const branch of (schema.oneOf ?? schema.anyOf ?? []) as JsonSchema[]) {
    branch.required = (branch.required as string[]).filter((k) => k !== 'idempotencyKey');
    const props = branch.properties as Record<string, JsonSchema>;
    props.idempotencyKey = { ...props.idempotencyKey, pattern: IDEMPOTENCY_KEY_PATTERN, description: 'optional; when given it must equal the Idempotency-Key header' };
    props.currency = { ...props.currency, enum: CURRENCY_CODES, description: 'ISO 4217 code (case-insensitive); each provider accepts its own' };
    props.reason = safeText(props.reason);
    const metadata = props.metadata as JsonSchema & { propertyNames?: JsonSchema; additionalProperties?: JsonSchema };
    if (metadata) props.metadata = { ...metadata, propertyNames: safeText(metadata.propertyNames), additionalProperties: safeText(metadata.additionalProperties) };
  }
  return schema;
}

function actionBodySchema(action: keyof typeof ACTION_BODIES): JsonSchema {
  const schema = inputSchema(ACTION_BODIES[action]);
  const props = schema.properties as Record<string, JsonSchema>;
  for (const field of ['note', 'reason']) if (props[field]) props[field] = safeText(props[field]);
  if (props.operator) {
    props.operator = { ...props.operator, deprecated: true, description: "ignored: the operator recorded is the API key's name" };
  }
  return schema;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });

const COMMON_ERRORS = {
  '401': errorResponse('missing or wrong API key (WWW-Authenticate: Bearer)'),
  '429': {
    ...errorResponse('rate limited: per client address, per API key, or too many failed authentications from this address'),
    headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds to wait' } },
  },
  '500': errorResponse('unexpected error'),
};
const BODY_ERRORS = {
  '400': errorResponse('invalid JSON or invalid fields (error.fields lists each field); nothing was started'),
  '422': errorResponse('well-formed, but the provider cannot carry it out (its currency, an amount it needs, more than the original amount); type unprocessable_request, error.fields lists each field; nothing was started'),
  '413': errorResponse('body over the size limit'),
  '415': errorResponse('Content-Type is not application/json'),
};

const refundIdParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'refund id, refund-<idempotency key>' };

function listParameters(): JsonSchema[] {
  const schema = inputSchema(ListQuerySchema);
  const props = schema.properties as Record<string, JsonSchema>;
  return Object.entries(props).map(([name, s]) => ({ name, in: 'query', required: false, schema: s }));
}

function actionOperation(action: keyof typeof ACTION_BODIES, summary: string): JsonSchema {
  return {
    operationId: `${action}Refund`,
    summary,
    description: 'Role: operator. The operator recorded in the refund is the API key\'s name.',
    parameters: [refundIdParam],
    requestBody: { required: action === 'reject' || action === 'resolve', content: json(ref(`${action[0]!.toUpperCase()}${action.slice(1)}Body`)) },
    responses: {
      '200': { description: 'the refund after the action', content: json(ref('Refund')) },
      ...BODY_ERRORS,
      ...COMMON_ERRORS,
      '403': errorResponse('the API key\'s role may not act on refunds (a service key; type forbidden)'),
      '404': errorResponse('no refund with this id'),
      '409': errorResponse('the refund does not allow this action now (type action_not_allowed)'),
      '422': errorResponse('the refund refused the input (type action_invalid)'),
    },
  };
}

export function openApiDocument(serverUrl?: string): JsonSchema {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Refund orchestrator HTTP API',
      version: '1.0.0',
      description: 'Start refunds with SecPaid, Link Money, OpenPayd PSP and Reservepay and follow them to their final status. Amounts are integer minor units with an ISO 4217 currency.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ bearerAuth: [] }],
    paths: {
      '/v1/refunds': {
        post: {
          operationId: 'createRefund',
          summary: 'Start a refund (idempotent by Idempotency-Key)',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: true,
              schema: inputSchema(IdempotencyKeySchema),
              description: `the refund id is refund-<key>; ${IDEMPOTENCY_KEY_MESSAGE}; the same key and body returns the same refund with 201, a different body 409`,
            },
          ],
          requestBody: { required: true, content: json(ref('RefundRequest')) },
          responses: {
            '201': { description: 'the refund (created now, or replayed for the same key and body; then Idempotent-Replayed: true)', content: json(ref('Refund')) },
            ...BODY_ERRORS,
            ...COMMON_ERRORS,
            '409': errorResponse('the Idempotency-Key was used for a different request (type idempotency_conflict)'),
          },
        },
        get: {
          operationId: 'listRefunds',
          summary: 'List refunds, newest first, filtered by search attributes',
          parameters: listParameters(),
          responses: {
            '200': { description: 'one page', content: json(ref('RefundList')) },
            '400': errorResponse('invalid query parameter'),
            ...COMMON_ERRORS,
          },
        },
      },
      '/v1/refunds/{id}': {
        get: {
          operationId: 'getRefund',
          summary: "A refund's whole current state",
          parameters: [refundIdParam],
          responses: { '200': { description: 'the refund', content: json(ref('Refund')) }, ...COMMON_ERRORS, '404': errorResponse('no refund with this id') },
        },
      },
      '/v1/refunds/{id}/approve': { post: actionOperation('approve', "Record SecPaid's admin review: approved (SecPaid only, once submitted; not four-eyes approval)") },
      '/v1/refunds/{id}/reject': { post: actionOperation('reject', "Record SecPaid's admin review: rejected, with its reason (SecPaid only; not four-eyes approval)") },
      '/v1/refunds/{id}/cancel': { post: actionOperation('cancel', 'Cancel a refund not yet submitted') },
      '/v1/refunds/{id}/resolve': { post: actionOperation('resolve', 'Settle a refund in needs_attention') },
      '/v1/refunds/{id}/retry': { post: retryOperation({ refundIdParam, json, ref, errorResponse, commonErrors: COMMON_ERRORS, bodyErrors: BODY_ERRORS }) },
      ...approvalPaths({ refundIdParam, json, ref, errorResponse, commonErrors: COMMON_ERRORS, bodyErrors: BODY_ERRORS }, { approve: actionOperation('approve', "Record SecPaid's admin review: approved"), reject: actionOperation('reject', "Record SecPaid's admin review: rejected, with its reason") }),
      ...bulkPaths({ json, ref, errorResponse, commonErrors: COMMON_ERRORS }), // bulk refund batches (14a)
      ...reconciliationPaths({ json, ref, errorResponse, commonErrors: COMMON_ERRORS, bodyErrors: BODY_ERRORS }), // reconciliation (14b)
      '/healthz': {
        get: { operationId: 'healthz', summary: 'Liveness', security: [], responses: { '200': { description: 'the process is up', content: json({ type: 'object' }) } } },
      },
      '/readyz': {
        get: {
          operationId: 'readyz',
          summary: 'Readiness: Temporal is reachable',
          security: [],
          responses: { '200': { description: 'ready', content: json({ type: 'object' }) }, '503': errorResponse('Temporal is not reachable') },
        },
      },
      '/openapi.json': {
        get: { operationId: 'openapi', summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'Authorization: Bearer <API key>. Keys are named with a role in REFUNDS_API_KEYS: service (create, read, list) or operator (also approve, reject, cancel, resolve).',
        },
      },
      schemas: {
        RefundRequest: createBodySchema(),
        ApproveBody: actionBodySchema('approve'),
        RejectBody: actionBodySchema('reject'),
        CancelBody: actionBodySchema('cancel'),
        ResolveBody: actionBodySchema('resolve'),
        RetryBody: actionBodySchema('cancel'),
        ...approvalSchemas(),
        Refund: outputSchema(RefundSchema),
        RefundRow: outputSchema(RefundRowSchema),
        RefundList: outputSchema(RefundListSchema),
        Error: outputSchema(ErrorSchema),
        RefundBatch: BATCH_SCHEMA,
      },
    },
  };
}
