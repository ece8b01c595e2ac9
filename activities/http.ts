/**
 * HTTP glue shared by the four adapters: ONE undici Agent per worker (created by the worker with
 * createHttpDispatcher() and passed into createActivities), and send(), which returns the status,
 * headers and text body of any answer and turns network failures into ProviderError.
 */
import { Agent, request, type Dispatcher } from 'undici';
import type { Provider } from '../domain/providers.js';
import { ProviderError } from './errors.js';

export interface HttpDispatcherOptions {
  /** Max sockets per origin. Default 16. */
  connections?: number;
  /** TCP/TLS connect timeout. Default 5 s. A connect timeout surely did not reach the provider. */
  connectTimeoutMs?: number;
  /** Time to wait for the response headers once the request is sent. Default 30 s. */
  headersTimeoutMs?: number;
  /** Max idle time between body chunks. Default 30 s. */
  bodyTimeoutMs?: number;
  /** Idle keep-alive sockets are closed after this. Default 10 s. */
  keepAliveTimeoutMs?: number;
}

/** Build the worker's connection pool. Create it once per worker; close it on shutdown. */
export function createHttpDispatcher(options: HttpDispatcherOptions = {}): Agent {
  return new Agent({
    connections: options.connections ?? 16,
    connect: { timeout: options.connectTimeoutMs ?? 5_000 },
    headersTimeout: options.headersTimeoutMs ?? 30_000,
    bodyTimeout: options.bodyTimeoutMs ?? 30_000,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 10_000,
  });
}

/**
 * The worker's entry point: like createHttpDispatcher, with `timeoutMs` as a shorthand for the
 * headers and body timeouts.
 */
export function createDispatcher(options: HttpDispatcherOptions & { timeoutMs?: number } = {}): Agent {
  const { timeoutMs, ...rest } = options;
  return createHttpDispatcher({
    ...(timeoutMs !== undefined ? { headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs } : {}),
    ...rest,
  });
}

export interface HttpRequest {
  provider: Provider;
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Whole-request deadline (headers + body). */
  timeoutMs?: number;
  /** Activity cancellation: when it fires, its reason is rethrown unchanged. */
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  text: string;
  requestId: string | undefined;
}

const REQUEST_ID_HEADERS = ['x-request-id', 'request-id', 'x-correlation-id', 'x-amzn-requestid'];

/** Error codes that prove the request never left this machine or never reached a listening server. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
]);

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Happy-eyeballs connects fail with an AggregateError whose members carry the code.
  if (err instanceof AggregateError) {
    for (const inner of err.errors) {
      const c = errorCode(inner);
      if (c) return c;
    }
  }
  const name = (err as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

/** Turn a network-level failure into a ProviderError (credentials never appear: only codes and undici's message). */
export function networkFailure(provider: Provider, err: unknown): ProviderError {
  const code = errorCode(err) ?? 'UNKNOWN';
  const notSent = NOT_SENT_CODES.has(code);
  const detail = err instanceof Error && err.message ? `: ${err.message}` : '';
  return new ProviderError({
    provider,
    kind: 'transient',
    providerCode: code,
    message: `${provider}: ${notSent ? 'request not sent' : 'no complete answer'} (${code}${detail})`,
    mayHaveReachedProvider: !notSent,
    cause: err,
  });
}

export async function send(dispatcher: Dispatcher, req: HttpRequest): Promise<HttpResponse> {
  const signals: AbortSignal[] = [];
  if (req.timeoutMs !== undefined) signals.push(AbortSignal.timeout(req.timeoutMs));
  if (req.signal) signals.push(req.signal);
  const signal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
  try {
    const res = await request(req.url, {
      dispatcher,
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal,
    });
    const text = await res.body.text();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    const requestId = REQUEST_ID_HEADERS.map((h) => headers[h]).find((v) => v !== undefined && v !== '');
    return { status: res.statusCode, headers, text, requestId };
  } catch (err) {
    if (req.signal?.aborted) throw req.signal.reason ?? err; // cancelled by Temporal: not a provider failure
    throw networkFailure(req.provider, err);
  }
}

/**
 * Retry-After: delay-seconds or an HTTP date. Returns milliseconds (>= 0) or undefined when
 * absent or unparseable.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) {
    const seconds = Number(v);
    return Number.isSafeInteger(seconds) ? seconds * 1000 : undefined;
  }
  // HTTP-date (IMF-fixdate, or the obsolete RFC 850 / asctime forms Date.parse also reads).
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

/**
 * Failures every provider shares: 429 (rate limited, surely not processed) and 5xx (transient,
 * possibly processed). Returns undefined for other statuses, which the provider's client reads.
 */
export function commonStatusFailure(provider: Provider, res: HttpResponse, now: Date): ProviderError | undefined {
  if (res.status === 429) {
    const retryAfterMs = parseRetryAfter(res.headers['retry-after'], now);
    return new ProviderError({
      provider,
      kind: 'rate_limited',
      httpStatus: 429,
      requestId: res.requestId,
      retryAfterMs,
      message: `${provider}: rate limited (HTTP 429${retryAfterMs === undefined ? '' : `, retry after ${retryAfterMs} ms`})`,
      mayHaveReachedProvider: false,
    });
  }
  if (res.status >= 500) {
    return new ProviderError({
      provider,
      kind: 'transient',
      httpStatus: res.status,
      requestId: res.requestId,
      message: `${provider}: server error (HTTP ${res.status})`,
      mayHaveReachedProvider: true,
    });
  }
  return undefined;
}

/** An answer we cannot read: transient, and it may have been processed. */
export function malformedAnswer(provider: Provider, res: HttpResponse, what: string): ProviderError {
  const type = res.headers['content-type'] ?? 'no content type';
  return new ProviderError({
    provider,
    kind: 'transient',
    providerCode: 'MALFORMED_RESPONSE',
    httpStatus: res.status,
    requestId: res.requestId,
    message: `${provider}: malformed answer (HTTP ${res.status}, ${type}, ${res.text.length} chars): ${what}`,
    mayHaveReachedProvider: true,
  });
}

/** Parse JSON, or undefined for an empty/unparseable body. */
export function tryParseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Join a base URL (which may carry a path prefix) and a path, with exactly one slash between them. */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
