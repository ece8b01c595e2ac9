/**
 * Bulk refunds over HTTP (14a; docs/batch-format.md, docs/http-api.md):
 *
 *   POST /v1/refund-batches[?dryRun=true][&allowPartial=true][&concurrency=N][&name=FILE]
 *        body: the file itself, Content-Type text/csv or application/x-ndjson (JSONL)   role service
 *   GET  /v1/refund-batches/{id}            the batch, its refunds by status            role service
 *   GET  /v1/refund-batches/{id}/results    text/csv, one line per row                  role service
 *   POST /v1/refund-batches/{id}/pause|resume|cancel  {note?}                           role operator
 *
 * The file is the body as it is on disk, so the API and `refunds bulk create` read the very same
 * bytes with the same parser (client/batch-file.ts) and find the same batch. Invalid rows: 400
 * invalid_rows, one field per row (`rows[N]`, N the row number), nothing started; a second
 * upload of the same rows: 201 with the existing batch and Idempotent-Replayed: true. A key
 * limited to merchant accounts may put only its accounts' rows in a batch, and does not see a
 * batch with rows of another account (404).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { accountOf } from '../../domain/accounts.js';
import { MAX_BATCH_CONCURRENCY, MAX_BATCH_FILE_BYTES, type BatchState } from '../../domain/batch.js';
import { BatchFileError, parseBatchFile, type BatchFormat, type ParsedBatch } from '../batch-file.js';
import { BatchActionRejectedError, BatchesClient, BatchNotFoundError, BatchRowsError, resultsCsv } from '../batches.js';
import { isSafeText, SAFE_TEXT_MESSAGE } from '../input-hygiene.js';
import { unknownAccount } from '../refund-start.js';
import type { RefundsClient } from '../refunds-client.js';
import { keyMayUse } from './accounts-scope.js';
import { ACTION_BODIES } from './schemas.js';
import { ApiError } from './server.js';

/** Content types of the body, and the format each means. */
export const BATCH_CONTENT_TYPES: Record<string, BatchFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
};

const flag = (name: string) =>
  z.enum(['true', 'false'], { error: `${name} must be true or false` }).transform((v) => v === 'true').optional();

export const BatchQuerySchema = z.strictObject({
  dryRun: flag('dryRun'),
  allowPartial: flag('allowPartial'),
  concurrency: z
    .string()
    .regex(/^\d+$/, `concurrency must be a whole number from 1 to ${MAX_BATCH_CONCURRENCY}`)
    .transform(Number)
    .pipe(z.number().int().min(1, 'concurrency must be at least 1').max(MAX_BATCH_CONCURRENCY, `concurrency is at most ${MAX_BATCH_CONCURRENCY}`))
    .optional(),
  name: z.string().min(1).max(200, 'name is at most 200 characters').refine(isSafeText, `name ${SAFE_TEXT_MESSAGE}`).optional(),
});

/** The pause / resume / cancel body: the refund actions' (note; the operator is the key's name). */
export const BatchActionBodySchema = ACTION_BODIES.cancel;

const BATCH_ID = /^batch-[0-9a-f]{24}$/;

function batchIdParam(req: FastifyRequest): string {
  const id = (req.params as { id: string }).id;
  if (!BATCH_ID.test(id)) throw new ApiError(404, 'not_found', `batch ${id.slice(0, 100)} not found`);
  return id;
}

function asApiError(err: unknown): unknown {
  if (err instanceof BatchNotFoundError) return new ApiError(404, 'not_found', err.message);
  if (err instanceof BatchActionRejectedError) return err.kind === 'not_allowed' ? new ApiError(409, 'action_not_allowed', err.message) : new ApiError(422, 'action_invalid', err.message);
  if (err instanceof BatchFileError) return err.tooLarge ? new ApiError(413, 'payload_too_large', err.message) : new ApiError(400, 'invalid_file', `${err.message} (nothing was started)`);
  if (err instanceof BatchRowsError) {
    return new ApiError(400, 'invalid_rows', err.message, err.invalid.map((r) => ({ path: `rows[${r.row}]`, message: `line ${r.line}: ${r.error ?? 'invalid'}` })));
  }
  return err;
}

async function mapped<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw asApiError(err);
  }
}

/** Rows of accounts the key may not use become invalid rows, told like an unknown account (nothing is revealed). */
function scoped(parsed: ParsedBatch, accounts: readonly string[] | undefined): ParsedBatch {
  if (!accounts) return parsed;
  const rows = parsed.rows.map((r) => (r.request && !keyMayUse(accounts, accountOf(r.request)) ? { row: r.row, line: r.line, error: unknownAccount(r.request).issues.map((i) => `${i.path}: ${i.message}`).join('; ') } : r));
  return { ...parsed, rows, invalid: rows.filter((r) => r.error !== undefined) };
}

const invalidRows = (parsed: ParsedBatch) => parsed.invalid.map((r) => ({ row: r.row, line: r.line, error: r.error }));

export async function registerBulkRoutes(app: FastifyInstance, deps: { refunds: RefundsClient }): Promise<void> {
  const batches = new BatchesClient(deps.refunds);
  /** The batch, when this key may see it (every account of its rows is one of the key's). */
  const visible = async (req: FastifyRequest): Promise<BatchState> => {
    const id = batchIdParam(req);
    const state = await batches.state(id);
    const accounts = req.apiKey?.accounts;
    if (accounts && !(state.accounts ?? ['default']).every((a) => keyMayUse(accounts, a))) throw new BatchNotFoundError(id);
    return state;
  };

  // Its own context: the batch file's content types are parsed here only (the rest of the API takes JSON).
  await app.register(async (scope) => {
    scope.addContentTypeParser(Object.keys(BATCH_CONTENT_TYPES), { parseAs: 'buffer', bodyLimit: MAX_BATCH_FILE_BYTES }, (_req, body, done) => done(null, body));

    scope.post('/v1/refund-batches', {
      bodyLimit: MAX_BATCH_FILE_BYTES,
      config: { permission: 'create' },
      schema: { querystring: BatchQuerySchema },
      preValidation: async (req) => {
        const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (!BATCH_CONTENT_TYPES[type] || !Buffer.isBuffer(req.body)) {
          throw new ApiError(415, 'unsupported_media_type', 'the body is the batch file: Content-Type text/csv or application/x-ndjson');
        }
      },
      handler: async (req, reply) =>
        mapped(async () => {
          const q = req.query as z.output<typeof BatchQuerySchema>;
          const format = BATCH_CONTENT_TYPES[(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()]!;
          const parsed = scoped(parseBatchFile(req.body as Buffer, { format, accounts: deps.refunds.accounts }), req.apiKey?.accounts);
          const valid = parsed.rows.length - parsed.invalid.length;
          if (q.dryRun) return reply.code(200).send({ dryRun: true, batchId: parsed.batchId, format, rows: parsed.rows.length, valid, invalidRows: invalidRows(parsed) });
          const { batch, created } = await batches.create(parsed, {
            allowPartial: q.allowPartial === true,
            ...(q.concurrency ? { concurrency: q.concurrency } : {}),
            createdBy: req.apiKey!.name,
            ...(q.name ? { sourceName: q.name } : {}),
          });
          return reply
            .code(201)
            .headers({ location: `/v1/refund-batches/${batch.batchId}`, 'idempotent-replayed': String(!created) })
            .send({ ...batch, invalidRows: invalidRows(parsed) });
        }),
    });

    scope.get('/v1/refund-batches/:id', { config: { permission: 'read' } }, async (req) =>
      mapped(async () => {
        const state = await visible(req);
        return batches.get(state.batchId);
      }),
    );

    scope.get('/v1/refund-batches/:id/results', { config: { permission: 'read' } }, async (req, reply) =>
      mapped(async () => {
        const state = await visible(req);
        const rows = await batches.results(state.batchId);
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${state.batchId}-results.csv"`).send(resultsCsv(rows));
      }),
    );

    // Every other method of these paths: 405 with Allow (checked in the server's onRequest hook, before the body is read).
    const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
    const paths: [string, string][] = [
      ['/v1/refund-batches', 'POST'],
      ['/v1/refund-batches/:id', 'GET'],
      ['/v1/refund-batches/:id/results', 'GET'],
      ...(['pause', 'resume', 'cancel'] as const).map((a): [string, string] => [`/v1/refund-batches/:id/${a}`, 'POST']),
    ];
    for (const [url, allow] of paths) scope.route({ method: METHODS.filter((m) => m !== allow), url, config: { allow }, handler: async () => undefined });

    for (const action of ['pause', 'resume', 'cancel'] as const) {
      scope.post(`/v1/refund-batches/:id/${action}`, {
        config: { permission: 'act' },
        schema: { body: BatchActionBodySchema },
        preValidation: async (req) => {
          req.body ??= {};
        },
        handler: async (req) =>
          mapped(async () => {
            const state = await visible(req);
            const { note } = req.body as { note?: string };
            return batches[action](state.batchId, { operator: req.apiKey!.name, ...(note !== undefined ? { note } : {}) });
          }),
      });
    }
  });
}
