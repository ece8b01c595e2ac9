/**
 * Reconciliation over HTTP (14b; docs/reconciliation.md, README "Reconciliation"):
 *
 *   GET  /v1/reconciliations          the runs, newest first ({data, nextPageToken})
 *   GET  /v1/reconciliations/{id}     one run's report (while it runs: its progress so far)
 *   POST /v1/reconciliations          {since?: "2d", providers?: [...]} start one now (202)
 *
 * Roles: reading reports is `read`/`list` (service and operator keys: finance tooling reads them);
 * starting a run is `act` (operator). A report spans every merchant account, so a key limited to
 * accounts gets 404 on all three (nothing about other accounts is revealed; docs/accounts.md).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PROVIDERS } from '../../domain/providers.js';
import { parseSince } from '../../domain/reconciliation.js';
import { ReconciliationClient, ReconciliationNotFoundError } from '../reconciliation.js';

export const ReconciliationListQuerySchema = z.strictObject({
  limit: z.coerce.number({ error: 'limit must be an integer from 1 to 500' }).int('limit must be an integer from 1 to 500').min(1, 'limit must be an integer from 1 to 500').max(500, 'limit must be an integer from 1 to 500').optional(),
  pageToken: z.string().min(1).max(2000).optional(),
});

export const StartReconciliationBodySchema = z.strictObject({
  since: z
    .string({ error: 'since must be a duration like 2d, 36h or 90m' })
    .refine((s) => parseSince(s) !== undefined, 'since must be a duration like 2d, 36h or 90m, at most 90 days')
    .optional()
    .meta({ description: 'the window: from this long ago until now (default 2d)', example: '2d' }),
  providers: z
    .array(z.enum(PROVIDERS, { error: `providers must be among ${PROVIDERS.join(', ')}` }))
    .min(1, 'providers must not be empty')
    .optional(),
});

/** Reconciliation ids: a run started here or by the CLI, or by the daily Schedule. */
const RECONCILIATION_ID = /^(reconciliation-|refund-reconciliation-daily-)[A-Za-z0-9._:-]{1,200}$/;

interface Deps {
  recon: ReconciliationClient;
  /** The server's error in its one shape (ApiError). */
  error: (status: number, type: string, message: string) => Error;
}

export const RECONCILIATION_ROUTES = [
  { url: '/v1/reconciliations', methods: ['GET', 'POST'] },
  { url: '/v1/reconciliations/:id', methods: ['GET'] },
] as const;

export function registerReconciliationRoutes(app: FastifyInstance, deps: Deps): void {
  const { recon } = deps;
  const notFound = (what: string) => deps.error(404, 'not_found', what);
  /** A key limited to merchant accounts sees no report: every report spans all accounts. */
  const allAccounts = (req: FastifyRequest) => {
    if (req.apiKey?.accounts !== undefined) throw notFound('no such route or reconciliation');
  };

  app.get('/v1/reconciliations', {
    config: { permission: 'list' },
    schema: { querystring: ReconciliationListQuerySchema },
    handler: async (req) => {
      allAccounts(req);
      const q = req.query as z.output<typeof ReconciliationListQuerySchema>;
      const page = await recon.list({ ...(q.limit ? { pageSize: q.limit } : {}), ...(q.pageToken ? { pageToken: q.pageToken } : {}) });
      return { data: page.reconciliations, nextPageToken: page.nextPageToken ?? null };
    },
  });

  app.get('/v1/reconciliations/:id', {
    config: { permission: 'read' },
    handler: async (req) => {
      allAccounts(req);
      const id = (req.params as { id: string }).id;
      if (!RECONCILIATION_ID.test(id)) throw notFound(`no reconciliation ${id.slice(0, 200)}`);
      try {
        return await recon.get(id);
      } catch (err) {
        if (err instanceof ReconciliationNotFoundError) throw notFound(err.message);
        throw err;
      }
    },
  });

  app.post('/v1/reconciliations', {
    config: { permission: 'act' },
    schema: { body: StartReconciliationBodySchema },
    preValidation: async (req) => {
      req.body ??= {};
    },
    handler: async (req, reply) => {
      allAccounts(req);
      const body = req.body as z.output<typeof StartReconciliationBodySchema>;
      const id = await recon.start({ sinceMs: parseSince(body.since ?? '2d')!, ...(body.providers ? { providers: [...new Set(body.providers)] } : {}) });
      return reply.code(202).header('location', `/v1/reconciliations/${id}`).send({ reconciliationId: id, state: 'running' });
    },
  });

  // Every other method of these paths: 405 with Allow (checked in the server's onRequest hook).
  for (const route of RECONCILIATION_ROUTES) {
    const others = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].filter((m) => !(route.methods as readonly string[]).includes(m));
    app.route({ method: others as never, url: route.url, config: { allow: route.methods.join(', ') }, handler: async () => undefined });
  }
}
