/**
 * The HTTP API over RefundsClient (node:http, JSON). Every answer that is not a success has one
 * shape: {"error": {"type", "message", "fields"?: [{path, message}]}}. Requests are checked in
 * this order, and nothing reaches Temporal before all checks pass:
 *   health probes (no auth, no rate limit) -> rate limit (429) -> bearer token on /v1 (401) ->
 *   route (404) and method (405) -> Content-Type (415) -> size (413) -> JSON (400) ->
 *   Idempotency-Key and fields with zod (400) -> RefundsClient.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { Secret } from '../../activities/secret.js';
import { API_DEFAULTS } from '../../domain/config.js';
import { RefundRequestError } from '../../domain/refund.js';
import type { RefundState } from '../../domain/state.js';
import { RefundActionRejectedError, RefundConflictError, RefundNotFoundError } from '../errors.js';
import { BodyTooLargeError, readLimitedBody } from '../../ops/http-body.js';
import type { RefundsClient } from '../refunds-client.js';
import { openApiDocument } from './openapi.js';
import { TokenBuckets, type RateLimitOptions } from './rate-limit.js';
import { ACTIONS, ListQuerySchema, type Action } from './schemas.js';
import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { listen, type RunningServer } from '../../ops/listen.js';

export interface ApiServerOptions {
  refunds: RefundsClient;
  /** The bearer token every /v1 request must present. */
  token: Secret | string;
  /** Largest request body accepted (default 64 KiB); larger ones get 413. */
  maxBodyBytes?: number;
  /** Per client (remote address + presented token); false turns it off. Default 50 req/s, burst 100. */
  rateLimit?: Partial<RateLimitOptions> | false;
  /** How long /readyz waits for Temporal (default 2000 ms). */
  readyTimeoutMs?: number;
  /** Where unexpected errors are reported (default console.error). */
  logError?: (message: string, err: unknown) => void;
  /** One call per answered request (method, path, status, duration; the refund id when the path names one). */
  accessLog?: (entry: { method: string; path: string; status: number; durationMs: number; refundId?: string }) => void;
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

const JSON_TYPE = /^application\/json\s*(;.*)?$/i;
const ACTION_NAMES = Object.keys(ACTIONS) as Action[];

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, err: ApiError): void {
  send(res, err.status, { error: { type: err.type, message: err.message, ...(err.fields?.length ? { fields: err.fields } : {}) } }, err.headers);
}

function zodFields(error: z.ZodError): ErrorField[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

function validationError(fields: ErrorField[]): ApiError {
  const summary = fields.map((f) => (f.path ? `${f.path}: ${f.message}` : f.message)).join('; ');
  return new ApiError(400, 'validation_error', `invalid request: ${summary}`, fields);
}

function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
}

/**
 * Read a JSON body of at most `max` bytes. Without a body, `required` decides between 415/400
 * and `undefined`. Over the limit, reading stops and 413 is answered with Connection: close.
 */
async function readJson(req: IncomingMessage, max: number, required: boolean): Promise<unknown> {
  const type = req.headers['content-type'];
  if (!hasBody(req)) {
    if (!required) return undefined;
    if (!type || !JSON_TYPE.test(type)) throw new ApiError(415, 'unsupported_media_type', 'Content-Type must be application/json');
    throw new ApiError(400, 'invalid_json', 'a JSON body is required');
  }
  if (!type || !JSON_TYPE.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', `Content-Type must be application/json, not ${type ? JSON.stringify(type) : 'missing'}`, undefined, { connection: 'close' });
  }
  let raw: Buffer;
  try {
    raw = await readLimitedBody(req, max);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new ApiError(413, 'payload_too_large', err.message, undefined, { connection: 'close' });
    throw err;
  }
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (err) {
    throw new ApiError(400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
  }
}

type Route =
  | { kind: 'collection' }
  | { kind: 'refund'; id: string }
  | { kind: 'action'; id: string; action: Action };

function matchRoute(path: string): Route | undefined {
  if (path === '/v1/refunds' || path === '/v1/refunds/') return { kind: 'collection' };
  const m = /^\/v1\/refunds\/([^/]+)(?:\/([^/]+))?\/?$/.exec(path);
  if (!m) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
  if (m[2] === undefined) return { kind: 'refund', id };
  const action = m[2] as Action;
  return ACTION_NAMES.includes(action) ? { kind: 'action', id, action } : undefined;
}

const ALLOWED: Record<Route['kind'], string[]> = { collection: ['GET', 'POST'], refund: ['GET'], action: ['POST'] };

export function createApiServer(options: ApiServerOptions): Server {
  const { refunds } = options;
  const expected = sha256(typeof options.token === 'string' ? options.token : options.token.reveal());
  const maxBody = options.maxBodyBytes ?? API_DEFAULTS.maxBodyBytes;
  const buckets = options.rateLimit === false ? undefined : new TokenBuckets({ ...API_DEFAULTS.rateLimit, ...options.rateLimit });
  const readyTimeoutMs = options.readyTimeoutMs ?? 2000;
  const logError = options.logError ?? ((message: string, err: unknown) => console.error(`api: ${message}`, err));
  let openapi: string | undefined;

  function authenticate(req: IncomingMessage): void {
    const header = req.headers.authorization;
    const m = header ? /^Bearer +([^\s]+) *$/i.exec(header) : null;
    // Equal-length digests compared in constant time: neither the token nor its length leaks.
    if (!m || !timingSafeEqual(sha256(m[1]!), expected)) {
      throw new ApiError(401, 'unauthorized', header ? 'the bearer token is not valid' : 'an Authorization: Bearer <token> header is required', undefined, {
        'www-authenticate': header ? 'Bearer realm="refunds", error="invalid_token"' : 'Bearer realm="refunds"',
      });
    }
  }

  function rateLimit(req: IncomingMessage): void {
    if (!buckets) return;
    const key = `${req.socket.remoteAddress ?? '?'}|${sha256(req.headers.authorization ?? '').toString('base64url')}`;
    const decision = buckets.take(key);
    if (!decision.allowed) {
      throw new ApiError(429, 'rate_limited', `too many requests; retry after ${decision.retryAfterSeconds} s`, undefined, {
        'retry-after': String(decision.retryAfterSeconds),
      });
    }
  }

  async function create(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req, maxBody, true);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw validationError([{ path: '', message: 'the body must be a JSON object' }]);
    }
    const header = req.headers['idempotency-key'];
    const key = Array.isArray(header) ? header.join(', ') : header;
    if (key === undefined || key === '') {
      throw validationError([{ path: 'Idempotency-Key', message: 'the Idempotency-Key header is required' }]);
    }
    const inBody = (body as Record<string, unknown>).idempotencyKey;
    if (inBody !== undefined && inBody !== key) {
      throw validationError([{ path: 'idempotencyKey', message: 'differs from the Idempotency-Key header (leave it out of the body)' }]);
    }
    try {
      const { refund, created } = await refunds.create({ ...body, idempotencyKey: key });
      // A repeat of the same key and body replays the first answer: 201 and the same refund.
      send(res, 201, refund, { location: `/v1/refunds/${encodeURIComponent(refund.refundId)}`, 'idempotent-replayed': String(!created) });
    } catch (err) {
      if (err instanceof RefundRequestError) {
        const fields = err.issues.map((i) => (i.path === 'idempotencyKey' ? { path: 'Idempotency-Key', message: i.message } : i));
        if (err.unprocessable) throw new ApiError(422, 'unprocessable_request', `the provider cannot carry out this refund: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, fields);
        throw validationError(fields);
      }
      if (err instanceof RefundConflictError) {
        throw new ApiError(409, 'idempotency_conflict', err.message, err.differences.map((d) => ({ path: d, message: 'differs from the request first sent under this Idempotency-Key' })));
      }
      throw err;
    }
  }

  async function list(url: URL, res: ServerResponse): Promise<void> {
    const raw: Record<string, string> = {};
    for (const [k, v] of url.searchParams) {
      if (k in raw) throw validationError([{ path: k, message: `${k} is given more than once` }]);
      raw[k] = v;
    }
    const parsed = ListQuerySchema.safeParse(raw);
    if (!parsed.success) throw validationError(zodFields(parsed.error));
    const q = parsed.data;
    const page = await refunds.list({
      ...(q.status ? { status: q.status } : {}),
      ...(q.provider ? { provider: q.provider } : {}),
      ...(q.paymentId ? { paymentId: q.paymentId } : {}),
      ...(q.createdAfter ? { createdAfter: new Date(q.createdAfter) } : {}),
      ...(q.createdBefore ? { createdBefore: new Date(q.createdBefore) } : {}),
      ...(q.limit ? { pageSize: q.limit } : {}),
      ...(q.pageToken ? { pageToken: q.pageToken } : {}),
    });
    send(res, 200, { data: page.refunds, nextPageToken: page.nextPageToken ?? null });
  }

  async function act(req: IncomingMessage, res: ServerResponse, id: string, action: Action): Promise<void> {
    const body = (await readJson(req, maxBody, false)) ?? {};
    const parsed = ACTIONS[action].safeParse(body);
    if (!parsed.success) throw validationError(zodFields(parsed.error));
    const input = parsed.data;
    send(res, 200, await runAction(id, action, input));
  }

  async function runAction(id: string, action: Action, input: unknown): Promise<RefundState> {
    let refund: RefundState;
    switch (action) {
      case 'approve':
        refund = await refunds.approve(id, input as z.output<typeof ACTIONS.approve>);
        break;
      case 'cancel':
        refund = await refunds.cancel(id, input as z.output<typeof ACTIONS.cancel>);
        break;
      case 'reject':
        refund = await refunds.reject(id, input as z.output<typeof ACTIONS.reject>);
        break;
      case 'resolve':
        refund = await refunds.resolve(id, input as z.output<typeof ACTIONS.resolve>);
        break;
    }
    return refund;
  }

  async function ready(res: ServerResponse): Promise<void> {
    try {
      const conn = refunds.client.connection;
      const info = await conn.withDeadline(Date.now() + readyTimeoutMs, () => refunds.client.workflowService.getSystemInfo({}));
      send(res, 200, { status: 'ready', temporal: { serverVersion: info.serverVersion ?? null } });
    } catch (err) {
      sendError(res, new ApiError(503, 'unavailable', `Temporal is not reachable: ${(err as Error).message}`));
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://api.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/healthz' || path === '/readyz') {
      if (method !== 'GET') throw new ApiError(405, 'method_not_allowed', `${method} is not allowed on ${path}`, undefined, { allow: 'GET' });
      if (path === '/healthz') return send(res, 200, { status: 'ok' });
      return ready(res);
    }
    rateLimit(req);
    if (path === '/openapi.json') {
      if (method !== 'GET') throw new ApiError(405, 'method_not_allowed', `${method} is not allowed on ${path}`, undefined, { allow: 'GET' });
      openapi ??= JSON.stringify(openApiDocument());
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(openapi);
      return;
    }
    // Authenticate before routing: without a token, nothing about /v1 is revealed.
    if (path === '/v1' || path.startsWith('/v1/')) authenticate(req);
    const route = matchRoute(path);
    if (!route) throw new ApiError(404, 'not_found', `no route ${path}`);
    if (!ALLOWED[route.kind].includes(method)) {
      throw new ApiError(405, 'method_not_allowed', `${method} is not allowed on ${path}`, undefined, { allow: ALLOWED[route.kind].join(', ') });
    }
    switch (route.kind) {
      case 'collection':
        return method === 'POST' ? create(req, res) : list(url, res);
      case 'refund':
        return send(res, 200, await refunds.get(route.id));
      case 'action':
        return act(req, res, route.id, route.action);
    }
  }

  const server = createServer((req, res) => {
    if (options.accessLog) {
      const started = performance.now();
      res.once('finish', () => {
        const path = new URL(req.url ?? '/', 'http://api.invalid').pathname;
        const route = matchRoute(path);
        options.accessLog!({ method: req.method ?? 'GET', path, status: res.statusCode, durationMs: Math.round(performance.now() - started), ...(route && route.kind !== 'collection' ? { refundId: route.id } : {}) });
      });
    }
    const handled = options.tracer
      ? options.tracer.startActiveSpan(`${req.method ?? 'GET'} ${spanRoute(req.url)}`, (span) => {
          span.setAttribute('http.request.method', req.method ?? 'GET');
          res.once('finish', () => {
            span.setAttribute('http.response.status_code', res.statusCode);
            if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
            span.end();
          });
          return handle(req, res);
        })
      : handle(req, res);
    handled.catch((err: unknown) => {
      let apiError: ApiError;
      if (err instanceof ApiError) apiError = err;
      else if (err instanceof RefundNotFoundError) apiError = new ApiError(404, 'not_found', err.message);
      else if (err instanceof RefundActionRejectedError) {
        apiError =
          err.kind === 'not_allowed'
            ? new ApiError(409, 'action_not_allowed', err.message)
            : new ApiError(422, 'action_invalid', err.message);
      } else {
        logError(`${req.method} ${req.url}: unexpected error`, err);
        apiError = new ApiError(500, 'internal_error', 'internal error');
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(res, apiError);
    });
  });
  return server;
}

/** Span names carry the route, not the refund id: `POST /v1/refunds/{id}/approve`. */
function spanRoute(url: string | undefined): string {
  const path = new URL(url ?? '/', 'http://api.invalid').pathname;
  return path.replace(/^\/v1\/refunds\/[^/]+/, '/v1/refunds/{id}');
}

export type RunningApiServer = RunningServer;

/** Create the server and listen; port 0 picks a free port. */
export async function startApiServer(options: ApiServerOptions & { port: number; host?: string }): Promise<RunningApiServer> {
  const { port, host = '127.0.0.1', ...rest } = options;
  return listen(createApiServer(rest), port, host);
}

