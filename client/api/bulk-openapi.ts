/** The OpenAPI entries of the bulk refund routes (14a; client/api/bulk-routes.ts), built with openapi.ts's parts. */
import { z } from 'zod';
import { MAX_BATCH_FILE_BYTES, MAX_BATCH_ROWS } from '../../domain/batch.js';
import { BatchQuerySchema } from './bulk-routes.js';

type JsonSchema = Record<string, unknown>;

export interface BulkOpenApiParts {
  json: (schema: JsonSchema) => JsonSchema;
  ref: (name: string) => JsonSchema;
  errorResponse: (description: string) => JsonSchema;
  commonErrors: Record<string, JsonSchema>;
}

const batchIdParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^batch-[0-9a-f]{24}$' }, description: 'batch id, batch-<hash of the normalised rows>' };

function queryParameters(): JsonSchema[] {
  const schema = z.toJSONSchema(BatchQuerySchema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, JsonSchema> };
  return Object.entries(schema.properties).map(([name, s]) => ({ name, in: 'query', required: false, schema: s }));
}

/** The batch as the routes answer it (domain/batch.ts BatchState; GET adds the counts). */
export const BATCH_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'The batch (domain/batch.ts BatchState). GET adds `refunds` (its refunds by current status, from visibility) and `final`.',
  properties: {
    batchId: { type: 'string' },
    status: { enum: ['running', 'paused', 'canceled', 'completed'] },
    totalRows: { type: 'integer' },
    validRows: { type: 'integer' },
    started: { type: 'integer', description: 'rows whose refund exists (created + existing)' },
    created: { type: 'integer' },
    existing: { type: 'integer', description: 'rows whose idempotency key had started a refund before' },
    refused: { type: 'integer', description: 'rows whose start was refused (the key belongs to another request)' },
    refusals: { type: 'array', items: { type: 'object' } },
    skipped: { type: 'integer', description: 'invalid rows passed over (allowPartial)' },
    concurrency: { type: 'integer' },
    actions: { type: 'array', items: { type: 'object' }, description: 'pause / resume / cancel, who and when' },
    refunds: { type: 'object', additionalProperties: { type: 'integer' } },
    final: { type: 'integer' },
    invalidRows: { type: 'array', items: { type: 'object', properties: { row: { type: 'integer' }, line: { type: 'integer' }, error: { type: 'string' } } }, description: 'POST only: the rows not started' },
  },
  additionalProperties: true,
};

export function bulkPaths(p: BulkOpenApiParts): Record<string, JsonSchema> {
  const action = (name: 'pause' | 'resume' | 'cancel', summary: string): JsonSchema => ({
    post: {
      operationId: `${name}RefundBatch`,
      summary,
      description: "Role: operator; the operator recorded is the API key's name.",
      parameters: [batchIdParam],
      requestBody: { required: false, content: p.json(p.ref('CancelBody')) },
      responses: {
        '200': { description: 'the batch after the action', content: p.json(p.ref('RefundBatch')) },
        ...p.commonErrors,
        '403': p.errorResponse('a service key (operator role needed)'),
        '404': p.errorResponse('no such batch'),
        '409': p.errorResponse('the batch does not allow it now (type action_not_allowed): already paused, not paused, ended'),
      },
    },
  });
  return {
    '/v1/refund-batches': {
      post: {
        operationId: 'createRefundBatch',
        summary: 'Start a bulk refund batch from a CSV or JSONL file (idempotent by its rows)',
        description: `Role: service. The body is the file itself (docs/batch-format.md): at most ${MAX_BATCH_FILE_BYTES} bytes and ${MAX_BATCH_ROWS} rows. Every row is validated first; when any is invalid nothing starts (400 invalid_rows, one field per row: rows[N], N the row number), unless allowPartial=true. The same rows again answer the same batch (Idempotent-Replayed: true).`,
        parameters: queryParameters(),
        requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } }, 'application/x-ndjson': { schema: { type: 'string' } } } },
        responses: {
          '200': { description: 'dryRun=true: the validation only (batchId, rows, valid, invalidRows); nothing was started', content: p.json({ type: 'object' }) },
          '201': { description: 'the batch (started now, or found for the same rows; then Idempotent-Replayed: true); Location names it', content: p.json(p.ref('RefundBatch')) },
          '400': p.errorResponse('invalid_rows (error.fields: rows[N]), invalid_file, or a bad query parameter; nothing was started'),
          '413': p.errorResponse('over the file size or row limit (type payload_too_large)'),
          '415': p.errorResponse('Content-Type is not text/csv or application/x-ndjson'),
          ...p.commonErrors,
        },
      },
    },
    '/v1/refund-batches/{id}': {
      get: {
        operationId: 'getRefundBatch',
        summary: 'A batch: its progress and its refunds by status',
        parameters: [batchIdParam],
        responses: { '200': { description: 'the batch', content: p.json(p.ref('RefundBatch')) }, ...p.commonErrors, '404': p.errorResponse('no such batch') },
      },
    },
    '/v1/refund-batches/{id}/results': {
      get: {
        operationId: 'getRefundBatchResults',
        summary: 'One CSV line per row: row, refund_id, status, provider_code, provider_message, note',
        parameters: [batchIdParam],
        responses: { '200': { description: 'text/csv with a header line', content: { 'text/csv': { schema: { type: 'string' } } } }, ...p.commonErrors, '404': p.errorResponse('no such batch') },
      },
    },
    '/v1/refund-batches/{id}/pause': action('pause', 'Pause a batch after the wave of rows in flight'),
    '/v1/refund-batches/{id}/resume': action('resume', 'Resume a paused batch where it stopped'),
    '/v1/refund-batches/{id}/cancel': action('cancel', 'Cancel a batch: no further row starts; the refunds already started go on'),
  };
}
