/** The OpenAPI entries of the reconciliation routes (14b; client/api/reconcile-routes.ts, docs/reconciliation.md), built with openapi.ts's parts. */
import { z } from 'zod';
import { MISMATCH_KINDS } from '../../domain/reconciliation.js';
import { ReconciliationListQuerySchema, StartReconciliationBodySchema } from './reconcile-routes.js';
import type { OpenApiParts } from './retry-openapi.js';

type JsonSchema = Record<string, unknown>;

function inputSchema(schema: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  delete out.$schema;
  return out;
}

const total = { type: 'object', properties: { count: { type: 'integer' }, amounts: { type: 'object', additionalProperties: { type: 'integer' }, description: 'minor units per currency' } } };

/** The report (domain/reconciliation.ts ReconciliationReport). */
export const REPORT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['reconciliationId', 'window', 'providers', 'state', 'totals', 'mismatches'],
  properties: {
    reconciliationId: { type: 'string' },
    window: { type: 'object', properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' } } },
    providers: { type: 'array', items: { type: 'string' } },
    state: { enum: ['running', 'completed'] },
    startedAt: { type: 'string', format: 'date-time' },
    completedAt: { type: 'string', format: 'date-time' },
    progress: { type: 'object', description: 'while running: the provider, the phase, pages, records read so far, runs (continue-as-new)' },
    totals: {
      type: 'object',
      description: 'per provider: ours and the provider\'s records by status, pairs matched, mismatches by kind',
      additionalProperties: { type: 'object', properties: { ours: { type: 'object', additionalProperties: total }, provider: { type: 'object', additionalProperties: total }, matched: { type: 'integer' }, mismatches: { type: 'object', additionalProperties: { type: 'integer' } } } },
    },
    mismatches: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kind', 'provider', 'paymentKey', 'detail', 'actionable'],
        properties: {
          kind: { enum: [...MISMATCH_KINDS] },
          provider: { type: 'string' },
          account: { type: 'string' },
          paymentKey: { type: 'string' },
          refundId: { type: 'string' },
          ourStatus: { type: 'string' },
          ourAmountMinor: { type: 'integer' },
          providerRefundId: { type: 'string' },
          providerStatus: { type: 'string' },
          providerOutcome: { type: 'string' },
          providerAmountMinor: { type: 'integer' },
          currency: { type: 'string' },
          detail: { type: 'string' },
          actionable: { type: 'boolean' },
          action: { enum: ['flagged', 'already_flagged', 'report_only', 'flag_failed', 'none'] },
          actionNote: { type: 'string' },
        },
      },
    },
    unreadable: { type: 'array', items: { type: 'object', properties: { provider: { type: 'string' }, account: { type: 'string' }, paymentKey: { type: 'string' }, message: { type: 'string' } } } },
    mismatchesOmitted: { type: 'integer' },
  },
};

export function reconciliationPaths(p: Omit<OpenApiParts, 'refundIdParam' | 'bodyErrors'> & { bodyErrors?: Record<string, JsonSchema> }): Record<string, JsonSchema> {
  const hidden = p.errorResponse('an API key limited to merchant accounts: a report spans every account (type not_found)');
  const query = inputSchema(ReconciliationListQuerySchema) as { properties: Record<string, JsonSchema> };
  return {
    '/v1/reconciliations': {
      get: {
        operationId: 'listReconciliations',
        summary: 'Reconciliation runs, newest first',
        description: 'Role: service or operator. Each run compared each provider\'s records with our refunds of its window (docs/reconciliation.md).',
        parameters: Object.entries(query.properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
        responses: {
          '200': { description: 'one page', content: p.json({ type: 'object', properties: { data: { type: 'array', items: { type: 'object' } }, nextPageToken: { type: ['string', 'null'] } } }) },
          ...p.commonErrors,
          '404': hidden,
        },
      },
      post: {
        operationId: 'startReconciliation',
        summary: 'Start a reconciliation now',
        description: 'Role: operator. The run goes on in the worker; GET its Location for the report (its progress while it runs).',
        requestBody: { required: false, content: p.json(inputSchema(StartReconciliationBodySchema)) },
        responses: {
          '202': { description: 'started', content: p.json({ type: 'object', properties: { reconciliationId: { type: 'string' }, state: { const: 'running' } } }) },
          ...(p.bodyErrors ?? {}),
          ...p.commonErrors,
          '403': p.errorResponse("the API key's role may not start a run (a service key; type forbidden)"),
          '404': hidden,
        },
      },
    },
    '/v1/reconciliations/{id}': {
      get: {
        operationId: 'getReconciliation',
        summary: "A run's report: totals per provider and status, every mismatch",
        description: 'Role: service or operator. While the run goes on: its progress so far (state running).',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'the report', content: p.json(REPORT_SCHEMA) }, ...p.commonErrors, '404': p.errorResponse('no such reconciliation, or an account-limited key') },
      },
    },
  };
}
