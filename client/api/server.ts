/**
 * The HTTP API over RefundsClient, on Fastify. Every answer that is not a success has one shape:
 * {"error": {"type", "message", "fields"?: [{path, message}]}}. Requests are checked in this
 * order, and nothing reaches Temporal before all checks pass:
 *   health probes (no auth, no rate limit; /readyz cached) -> rate limit per client address (429)
 *   -> on /v1: failed-authentication throttle per address (429), API key (401), rate limit per key
 *   (429) -> route (404) and method (405) -> role (403) -> Content-Type (415) -> size (413) ->
 *   JSON (400) -> Idempotency-Key and fields with the zod schemas (400/422) -> RefundsClient.
 * Routing, body reading and limits, content-type parsing and rate limiting are Fastify's and
 * @fastify/rate-limit's; the OpenAPI document (openapi.ts, from the same zod schemas) is served
 * at /openapi.json and browsable at /docs (@fastify/swagger-ui, assets from the installed package).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import rateLimitPlugin from '@fastify/rate-limit';
import swaggerPlugin from '@fastify/swagger';
import swaggerUiPlugin from '@fastify/swagger-ui';
import { context, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { z } from 'zod';
import type { Secret } from '../../activities/secret.js';
import { WorkflowNotFoundError } from '@temporalio/client';
import { API_DEFAULTS } from '../../domain/config.js';
import { WORKFLOW_TYPES } from '../../domain/messages.js';
import { RefundRequestError } from '../../domain/refund.js';
import type { RefundState } from '../../domain/state.js';
import { RefundActionRejectedError, RefundConflictError, RefundNotFoundError } from '../errors.js';
import { IdempotencyKeySchema } from '../input-hygiene.js';
import type { RefundsClient } from '../refunds-client.js';
import { accountsToList, installAccountScope } from './accounts-scope.js';
import { allowed, ApiKeys, type ApiKey, type Identity, type Permission } from './auth.js';
import { openApiDocument } from './openapi.js';
import { registerApprovalRoutes } from './approval-routes.js';
import { registerRetryRoutes } from './retry-routes.js';
import { registerReconciliationRoutes } from './reconcile-routes.js';
import { ReconciliationClient } from '../reconciliation.js';
import { registerBulkRoutes } from './bulk-routes.js';
import { ACTION_BODIES, ACTIONS, CreateRefundBodySchema, ListQuerySchema, type Action } from './schemas.js';

export interface RateLimitOptions {
  /** Sustained requests per second per API key. */
  ratePerSecond: number;
  /** Requests a key may make at once. */
  burst: number;
}

export interface ApiServerOptions {
  refunds: RefundsClient;
  /** Named keys with roles (REFUNDS_API_KEYS). */
  keys?: ApiKey[];
  /** One shared token (REFUNDS_API_TOKEN, as before keys): an operator key named "token". */
  token?: Secret | string;
  /** Largest request body accepted (default 64 KiB); larger ones get 413. */
  maxBodyBytes?: number;
  /**
   * Per API key after authentication (default 50 req/s, burst 100: 100 requests per 2 s window);
   * per client address before it, `addressFactor` times that. false turns both off.
   */
  rateLimit?: Partial<RateLimitOptions> | false;
  addressFactor?: number;
  /** Failed authentications per address per window before 429 (default 10 a minute); false = off. */
  authFailures?: { max: number; windowMs: number } | false;
  /** How long /readyz waits for Temporal (default 2000 ms). */
  readyTimeoutMs?: number;
  /** How long a /readyz answer is reused (default 1000 ms): at most one Temporal call per period. */
  readyCacheMs?: number;
  /** Where unexpected errors are reported (default console.error). */
  logError?: (message: string, err: unknown) => void;
  /** One call per answered request (method, path, status, duration; the refund id when the path names one). */
  accessLog?: (entry: { method: string; path: string; status: number; durationMs: number; refundId?: string; apiKey?: string }) => void;
  /** OpenTelemetry: one span per request, the parent of the workflow's spans (ops/tracing.ts). */
  tracer?: Tracer;
}

export interface ErrorField {
  path: string;
  message: string;
}

/** An answer other than success, in the one error shape. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly fields?: ErrorField[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A zod schema refused part of the request (from the validator compiler below). */
class RequestValidationError extends Error {
  constructor(
    readonly issues: z.core.$ZodIssue[],
    readonly part: string,
  ) {
    super('invalid request');
  }
}

interface RouteConfig {
  permission?: Permission;
  /** A path's other methods: 405 with this Allow header. */
  allow?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: Identity;
  }
}

function errorBody(err: ApiError): unknown {
  return { error: { type: err.type, message: err.message, ...(err.fields?.length ? { fields: err.fields } : {}) } };
}

function fieldsOf(issues: z.core.$ZodIssue[]): ErrorField[] {
  return issues.map((i) => {
    const path = i.path.map(String).join('.');
    return { path: path === 'idempotencyKey' ? 'Idempotency-Key' : path, message: i.message };
  });
}

function validationError(fields: ErrorField[]): ApiError {
  const summary = fields.map((f) => (f.path ? `${f.path}: ${f.message}` : f.message)).join('; ');
  return new ApiError(400, 'validation_error', `invalid request: ${summary}`, fields);
}

const isProviderRule = (i: z.core.$ZodIssue) => i.code === 'custom' && (i as { params?: { providerRule?: boolean } }).params?.providerRule === true;

/** Fastify's own errors (body parsing, limits) in the one shape. */
function fromFastifyError(err: FastifyError): ApiError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(415, 'unsupported_media_type', 'Content-Type must be application/json', undefined, { connection: 'close' });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'payload_too_large', 'the request body is over the size limit', undefined, { connection: 'close' });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(400, 'invalid_json', 'the body is not valid JSON');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(400, 'bad_request', 'Content-Length does not match the body', undefined, { connection: 'close' });
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) return new ApiError(err.statusCode, 'bad_request', 'the request is malformed');
  return undefined;
}

const ROUTES: { url: string; methods: string[] }[] = [
  { url: '/v1/refunds', methods: ['GET', 'POST'] },
  { url: '/v1/refunds/:id', methods: ['GET'] },
  ...(Object.keys(ACTIONS) as Action[]).map((a) => ({ url: `/v1/refunds/:id/${a}`, methods: ['POST'] })),
  { url: '/healthz', methods: ['GET'] },
  { url: '/readyz', methods: ['GET'] },
  { url: '/openapi.json', methods: ['GET'] },
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/** Refund ids: refund-<key>, refund@<account>:<key> (domain/accounts.ts). Anything else through /v1/refunds/{id} is not found (object-level check). */
const REFUND_ID = /^refund(-|@[a-z0-9-]{1,32}:)[\x21-\x7e]{1,200}$/;

function refundIdParam(req: FastifyRequest): string {
  const id = (req.params as { id: string }).id;
  if (!REFUND_ID.test(id)) throw new RefundNotFoundError(id.slice(0, 210));
  return id;
}

/** Span names and logs carry the route, not the refund id: `POST /v1/refunds/{id}/approve`. */
function routeName(req: FastifyRequest): string {
  const url = req.routeOptions.url;
  return url ? url.replace(':id', '{id}') : req.url.split('?')[0]!;
}

function keysOf(options: ApiServerOptions): ApiKey[] {
  const keys = [...(options.keys ?? [])];
  if (options.token !== undefined) keys.push({ name: 'token', role: 'operator', key: options.token });
  return keys;
}

export async function createApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const { refunds } = options;
  const keys = new ApiKeys(keysOf(options));
  const maxBody = options.maxBodyBytes ?? API_DEFAULTS.maxBodyBytes;
  const readyTimeoutMs = options.readyTimeoutMs ?? 2000;
  const readyCacheMs = options.readyCacheMs ?? 1000;
  const logError = options.logError ?? ((message: string, err: unknown) => console.error(`api: ${message}`, err));

  const app = Fastify({
    bodyLimit: maxBody,
    logger: false,
    exposeHeadRoutes: false,
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 700 },
    // The router's own refusals (an id too long, a malformed %-encoding): no such refund.
    frameworkErrors: (err, _req, reply) => {
      const apiError = err.code === 'FST_ERR_MAX_PARAM_LENGTH' || err.code === 'FST_ERR_BAD_URL' ? new ApiError(404, 'not_found', 'no such route or refund') : new ApiError(400, 'bad_request', 'the request is malformed');
      void (reply as FastifyReply).code(apiError.status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(errorBody(apiError));
    },
    // Malformed HTTP (bad framing, duplicate Content-Length, ...) never reaches a route: answer in the one shape and close.
    clientErrorHandler: (err, socket) => {
      if (!socket.writable) return socket.destroy();
      const status = (err as NodeJS.ErrnoException).code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const body = JSON.stringify(errorBody(new ApiError(status, 'bad_request', 'the HTTP request is malformed')));
      socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`);
    },
  });

  // Validation with the zod schemas themselves (one source with the OpenAPI document).
  app.setValidatorCompiler(({ schema, httpPart }) => (data: unknown) => {
    const parsed = (schema as z.ZodType).safeParse(data);
    return parsed.success ? { value: parsed.data } : { error: new RequestValidationError(parsed.error.issues, httpPart ?? 'body') };
  });

  // JSON only, with Fastify's prototype-poisoning checks; an empty body is "no body".
  app.removeAllContentTypeParsers();
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '') return done(null, undefined);
    defaultJson(req, body as string, done);
  });

  // ------------------------------------------------------------------ rate limits and auth
  await app.register(rateLimitPlugin, { global: false });
  const limits = options.rateLimit === false ? undefined : { ...API_DEFAULTS.rateLimit, ...options.rateLimit };
  if (limits && (!(limits.ratePerSecond > 0) || !(limits.burst >= 1))) throw new RangeError('rate limit: ratePerSecond must be > 0 and burst >= 1');
  const windowMs = limits ? Math.max(1000, Math.round((limits.burst / limits.ratePerSecond) * 1000)) : 0;
  const perAddress = limits
    ? app.createRateLimit({ max: Math.ceil(limits.burst * (options.addressFactor ?? API_DEFAULTS.addressFactor)), timeWindow: windowMs, keyGenerator: (req) => `addr|${req.ip}` })
    : undefined;
  const perKey = limits ? app.createRateLimit({ max: Math.ceil(limits.burst), timeWindow: windowMs, keyGenerator: (req) => `key|${req.apiKey?.name ?? '?'}` }) : undefined;
  const failures = options.authFailures === false ? undefined : (options.authFailures ?? API_DEFAULTS.authFailures);
  const authFailures = failures ? app.createRateLimit({ max: failures.max, timeWindow: failures.windowMs, keyGenerator: (req) => `authfail|${req.ip}` }) : undefined;

  const rateLimited = (seconds: number, what: string) =>
    new ApiError(429, 'rate_limited', `too many ${what}; retry after ${Math.max(1, seconds)} s`, undefined, { 'retry-after': String(Math.max(1, seconds)) });

  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0]!;
    // Node keeps the first of two Content-Type headers and joins two Idempotency-Keys: refuse both.
    const seen = new Set<string>();
    for (let i = 0; i < req.raw.rawHeaders.length; i += 2) {
      const name = req.raw.rawHeaders[i]!.toLowerCase();
      if (name === 'content-type' || name === 'idempotency-key') {
        if (seen.has(name)) throw new ApiError(400, 'bad_request', `the ${name} header is given more than once`, undefined, { connection: 'close' });
        seen.add(name);
      }
    }
    if (path === '/healthz' || path === '/readyz') {
      if (req.method !== 'GET') throw new ApiError(405, 'method_not_allowed', `${req.method} is not allowed on ${path}`, undefined, { allow: 'GET' });
      return;
    }
    if (perAddress) {
      const r = await perAddress(req);
      if (!r.isAllowed && r.isExceeded) throw rateLimited(r.ttlInSeconds, 'requests from this address');
    }
    // Authenticate before routing: without a key, nothing about /v1 is revealed.
    if (path === '/v1' || path.startsWith('/v1/')) {
      if (authFailures) {
        const seen = await authFailures(req, { increment: false });
        if (!seen.isAllowed && seen.remaining === 0) throw rateLimited(seen.ttlInSeconds, 'failed authentications from this address');
      }
      const auth = keys.authenticate(req.raw.rawHeaders);
      if (!auth.ok) {
        if (authFailures) await authFailures(req);
        throw new ApiError(401, 'unauthorized', auth.message, undefined, {
          'www-authenticate': auth.invalidToken ? 'Bearer realm="refunds", error="invalid_token"' : 'Bearer realm="refunds"',
        });
      }
      req.apiKey = auth.identity;
      if (perKey) {
        const r = await perKey(req);
        if (!r.isAllowed && r.isExceeded) throw rateLimited(r.ttlInSeconds, 'requests with this API key');
      }
    }
    const config = req.routeOptions.config as RouteConfig;
    if (config.allow) throw new ApiError(405, 'method_not_allowed', `${req.method} is not allowed on ${path}`, undefined, { allow: config.allow });
    if (config.permission && !(req.apiKey && allowed(req.apiKey.role, config.permission))) {
      throw new ApiError(403, 'forbidden', `the API key ${req.apiKey?.name ?? ''} (role ${req.apiKey?.role ?? 'none'}) may not ${config.permission === 'act' ? 'act on refunds (operator role needed)' : config.permission}`);
    }
  });

  // A key limited to merchant accounts: other accounts' refunds are not found (client/api/accounts-scope.ts).
  installAccountScope(app);

  // ------------------------------------------------------------------ tracing, access log, headers
  if (options.tracer) {
    const tracer = options.tracer;
    app.addHook('onRequest', (req, reply, done) => {
      const span = tracer.startSpan(`${req.method} ${routeName(req)}`, { attributes: { 'http.request.method': req.method } });
      reply.raw.once('finish', () => {
        span.setAttribute('http.response.status_code', reply.raw.statusCode);
        if (reply.raw.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      // The rest of the request runs inside the span's context: the workflow client's spans are its children.
      context.with(trace.setSpan(context.active(), span), done);
    });
  }
  if (options.accessLog) {
    const log = options.accessLog;
    app.addHook('onResponse', async (req, reply) => {
      const id = (req.params as { id?: string } | undefined)?.id;
      log({
        method: req.method,
        path: req.url.split('?')[0]!,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime),
        ...(id ? { refundId: id } : {}),
        ...(req.apiKey ? { apiKey: req.apiKey.name } : {}),
      });
    });
  }
  app.addHook('onSend', async (req, reply) => {
    if (!req.url.startsWith('/docs')) reply.header('cache-control', 'no-store');
  });

  // ------------------------------------------------------------------ errors
  app.setNotFoundHandler((req) => {
    throw new ApiError(404, 'not_found', `no route ${req.url.split('?')[0]!.slice(0, 200)}`);
  });
  app.setErrorHandler((err: unknown, req, reply) => {
    let apiError: ApiError;
    if (err instanceof ApiError) apiError = err;
    else if (err instanceof RequestValidationError) {
      const fields = fieldsOf(err.issues);
      apiError =
        err.part === 'body' && err.issues.length > 0 && err.issues.every(isProviderRule)
          ? new ApiError(422, 'unprocessable_request', `the provider cannot carry out this refund: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, fields)
          : validationError(fields);
    } else if (err instanceof RefundNotFoundError) apiError = new ApiError(404, 'not_found', err.message);
    else if (err instanceof RefundActionRejectedError) {
      apiError =
        err.kind === 'not_allowed' ? new ApiError(409, 'action_not_allowed', err.message) : err.kind === 'forbidden' ? new ApiError(403, 'forbidden', err.message) : new ApiError(422, 'action_invalid', err.message);
    } else if (err instanceof RefundConflictError) {
      apiError = new ApiError(409, 'idempotency_conflict', err.message, err.differences.map((d) => ({ path: d, message: 'differs from the request first sent under this Idempotency-Key' })));
    } else if (err instanceof RefundRequestError) {
      const fields = err.issues.map((i) => (i.path === 'idempotencyKey' ? { path: 'Idempotency-Key', message: i.message } : i));
      apiError = err.unprocessable
        ? new ApiError(422, 'unprocessable_request', `the provider cannot carry out this refund: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, fields)
        : validationError(fields);
    } else {
      const fromFastify = err instanceof Error && 'code' in err ? fromFastifyError(err as FastifyError) : undefined;
      if (fromFastify) apiError = fromFastify;
      else {
        logError(`${req.method} ${routeName(req)}: unexpected error`, err);
        apiError = new ApiError(500, 'internal_error', 'internal error');
      }
    }
    void reply.code(apiError.status).headers(apiError.headers).type('application/json; charset=utf-8').send(errorBody(apiError));
  });

  // ------------------------------------------------------------------ documents
  const document = openApiDocument();
  await app.register(swaggerPlugin, { mode: 'static', specification: { document: document as never } });
  await app.register(swaggerUiPlugin, {
    routePrefix: '/docs',
    uiConfig: { persistAuthorization: false, displayRequestDuration: true },
    staticCSP: true,
  });
  const openapiText = JSON.stringify(document);
  app.get('/openapi.json', async (_req, reply) => reply.type('application/json; charset=utf-8').send(openapiText));

  // ------------------------------------------------------------------ probes
  app.get('/healthz', async () => ({ status: 'ok' }));
  let readiness: { at: number; pending: boolean; answer: Promise<{ ok: boolean; serverVersion: string | null }> } | undefined;
  const checkReady = async () => {
    try {
      const conn = refunds.client.connection;
      const info = await conn.withDeadline(Date.now() + readyTimeoutMs, () => refunds.client.workflowService.getSystemInfo({}));
      return { ok: true, serverVersion: info.serverVersion ?? null };
    } catch (err) {
      logError('readyz: Temporal is not reachable', err);
      return { ok: false, serverVersion: null };
    }
  };
  app.get('/readyz', async (_req, reply) => {
    const now = Date.now();
    // One Temporal call at a time, its answer reused for readyCacheMs: probes cannot flood Temporal.
    if (!readiness || (!readiness.pending && now - readiness.at >= readyCacheMs)) {
      const entry = { at: now, pending: true, answer: checkReady() };
      void entry.answer.then(() => {
        entry.pending = false;
        entry.at = Date.now();
      });
      readiness = entry;
    }
    const r = await readiness.answer;
    if (!r.ok) throw new ApiError(503, 'unavailable', 'Temporal is not reachable');
    return reply.send({ status: 'ready', temporal: { serverVersion: r.serverVersion } });
  });

  // ------------------------------------------------------------------ /v1
  const createHeaders = (req: FastifyRequest): string => {
    const header = req.headers['idempotency-key'];
    const key = Array.isArray(header) ? header.join(', ') : header;
    if (key === undefined || key === '') throw validationError([{ path: 'Idempotency-Key', message: 'the Idempotency-Key header is required' }]);
    const parsed = IdempotencyKeySchema.safeParse(key);
    if (!parsed.success) throw validationError(parsed.error.issues.map((i) => ({ path: 'Idempotency-Key', message: i.message })));
    return parsed.data;
  };

  app.post('/v1/refunds', {
    config: { permission: 'create' } satisfies RouteConfig,
    schema: { body: CreateRefundBodySchema },
    preValidation: async (req) => {
      if (req.body === undefined) {
        if (!req.headers['content-type']) throw new ApiError(415, 'unsupported_media_type', 'Content-Type must be application/json');
        throw new ApiError(400, 'invalid_json', 'a JSON body is required');
      }
      const key = createHeaders(req);
      const body = req.body;
      if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
        const inBody = (body as Record<string, unknown>).idempotencyKey;
        if (inBody !== undefined && inBody !== key) {
          throw validationError([{ path: 'idempotencyKey', message: 'differs from the Idempotency-Key header (leave it out of the body)' }]);
        }
        req.body = { ...body, idempotencyKey: key };
      }
    },
    handler: async (req, reply) => {
      // The requester (four-eyes approval) is the API key's name, never a string from the body.
      const { refund, created } = await refunds.create(req.body, { requester: req.apiKey!.name });
      // A repeat of the same key and body replays the first answer: 201 and the same refund.
      return reply
        .code(201)
        .headers({ location: `/v1/refunds/${encodeURIComponent(refund.refundId)}`, 'idempotent-replayed': String(!created) })
        .send(refund);
    },
  });

  app.get('/v1/refunds', {
    config: { permission: 'list' } satisfies RouteConfig,
    schema: { querystring: ListQuerySchema },
    preValidation: async (req) => {
      for (const [k, v] of Object.entries(req.query as Record<string, unknown>)) {
        if (Array.isArray(v)) throw validationError([{ path: k, message: `${k} is given more than once` }]);
      }
    },
    handler: async (req) => {
      const q = req.query as z.output<typeof ListQuerySchema>;
      // ?account=, within the accounts of a key limited to some (another's: an empty page, as for an account without refunds).
      const accounts = accountsToList(q.account, req.apiKey?.accounts);
      if (accounts?.length === 0) return { data: [], nextPageToken: null };
      const page = await refunds.list({
        ...(q.status ? { status: q.status } : {}),
        ...(q.provider ? { provider: q.provider } : {}),
        ...(q.paymentId ? { paymentId: q.paymentId } : {}),
        ...(q.createdAfter ? { createdAfter: new Date(q.createdAfter) } : {}),
        ...(q.createdBefore ? { createdBefore: new Date(q.createdBefore) } : {}),
        ...(accounts ? { accounts } : {}),
        ...(q.overdue ? { overdue: true } : {}),
        ...(q.awaitingApproval ? { awaitingApproval: true } : {}),
        ...(q.limit ? { pageSize: q.limit } : {}),
        ...(q.pageToken ? { pageToken: q.pageToken } : {}),
      });
      return { data: page.refunds, nextPageToken: page.nextPageToken ?? null };
    },
  });

  app.get('/v1/refunds/:id', { config: { permission: 'read' } satisfies RouteConfig }, async (req) => refunds.get(refundIdParam(req)));
  registerRetryRoutes(app, { refunds, refundIdParam }); // linked retry (13b)
  await registerBulkRoutes(app, { refunds }); // bulk refund batches (14a)
  registerApprovalRoutes(app, { refunds, refundIdParam, ensureRefundWorkflow }); // four-eyes approval, SecPaid review aliases (13a)
  registerReconciliationRoutes(app, { recon: new ReconciliationClient(refunds.client, refunds.taskQueue), error: (status, type, message) => new ApiError(status, type, message) }); // reconciliation (14b)

  for (const action of Object.keys(ACTIONS) as Action[]) {
    app.post(`/v1/refunds/:id/${action}`, {
      config: { permission: 'act' } satisfies RouteConfig,
      schema: { body: ACTION_BODIES[action] },
      preValidation: async (req) => {
        req.body ??= {};
      },
      handler: async (req) => {
        const id = refundIdParam(req);
        await ensureRefundWorkflow(refunds, id);
        // The operator recorded is the API key's name; an `operator` in the body is ignored (deprecated).
        const input = { ...(req.body as Record<string, unknown>), operator: req.apiKey!.name };
        return runAction(refunds, id, action, input);
      },
    });
  }

  // Every other method of a known path: 405 with Allow (checked in onRequest, before the body is read).
  for (const route of ROUTES) {
    const others = METHODS.filter((m) => !route.methods.includes(m));
    app.route({ method: others, url: route.url, config: { allow: route.methods.join(', ') } satisfies RouteConfig, handler: async () => undefined });
  }

  return app;
}

/** Object-level check before an update: the id must name a refund workflow (either type), not a lock or anything else. */
async function ensureRefundWorkflow(refunds: RefundsClient, id: string): Promise<void> {
  let type: string;
  try {
    type = (await refunds.client.workflow.getHandle(id).describe()).type;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new RefundNotFoundError(id);
    throw err;
  }
  if (type !== WORKFLOW_TYPES.refund && type !== WORKFLOW_TYPES.refundV1) throw new RefundNotFoundError(id);
}

async function runAction(refunds: RefundsClient, id: string, action: Action, input: unknown): Promise<RefundState> {
  switch (action) {
    case 'approve':
      return refunds.approve(id, input as Parameters<RefundsClient['approve']>[1]);
    case 'cancel':
      return refunds.cancel(id, input as Parameters<RefundsClient['cancel']>[1]);
    case 'reject':
      return refunds.reject(id, input as Parameters<RefundsClient['reject']>[1]);
    case 'resolve':
      return refunds.resolve(id, input as Parameters<RefundsClient['resolve']>[1]);
  }
}

export interface RunningApiServer {
  server: Server;
  app: FastifyInstance;
  /** http://host:port */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Create the server and listen; port 0 picks a free port. */
export async function startApiServer(options: ApiServerOptions & { port: number; host?: string }): Promise<RunningApiServer> {
  const { port, host = '127.0.0.1', ...rest } = options;
  const app = await createApiServer(rest);
  await app.listen({ port, host });
  const addr = app.server.address() as AddressInfo;
  return {
    server: app.server,
    app,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`,
    port: addr.port,
    close: async () => {
      app.server.closeIdleConnections();
      await app.close();
    },
  };
}
