/**
 * Completion callbacks: each status change of a refund that asked for a `callbackUrl` is POSTed
 * there as JSON, signed with HMAC-SHA256 (the keys live only in the worker's configuration).
 *
 * Header `Refunds-Signature: t=<unix seconds>,v2=<key id>:<hex HMAC-SHA256(secret, "<t>.<url>.<body>")>`,
 * one `v2` entry per active key (two during a rotation): the signature covers the destination
 * URL, so an event captured at one receiver does not verify at another (see docs/callbacks.md).
 *
 * Sent through the callbacks' own dispatcher (callback-dispatcher.ts), which refuses internal
 * addresses. At most `maxConcurrent` deliveries run at once in a worker: a delivery over that
 * gives its activity slot back at once and is retried a few seconds later, so slow receivers
 * can never hold the slots that provider calls need.
 *
 * The failure recorded (and shown by the API) is a generic kind, never socket or receiver text:
 *   refused    the destination is in a forbidden range (not contacted; not retried)
 *   http_4xx   the receiver refused the event (not retried; 408, 425 and 429 are retried)
 *   http_3xx   the receiver redirected (redirects are never followed; not retried)
 *   http_5xx, http_429, http_408, timeout, unreachable, dns, tls, network, busy   retried
 * by Temporal with backoff (429's Retry-After is honoured).
 */
import { createHmac } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { request, type Dispatcher } from 'undici';
import { DestinationRefusedError } from './callback-dispatcher.js';
import type { Secret } from './secret.js';

export interface CallbackEvent {
  /** Unique per event and stable across retries: receivers de-duplicate on it. */
  id: string;
  type: 'refund.status_changed';
  refundId: string;
  status: string;
  previousStatus: string;
  pendingReason?: string;
  at: string;
  cause: string;
  provider: string;
  amountMinor?: number;
  currency: string;
  providerCode?: string;
  providerMessage?: string;
}

/** The refund passed its expectedBy while not final (workflows/overdue.ts): sent once; `status` is its status, unchanged. */
export interface OverdueEvent {
  id: string;
  type: 'refund.overdue';
  refundId: string;
  status: string;
  pendingReason?: string;
  /** The date it was expected by (ISO). */
  expectedBy: string;
  at: string;
  cause: string;
  provider: string;
  amountMinor?: number;
  currency: string;
}

export interface DeliverCallbackInput {
  url: string;
  event: CallbackEvent | OverdueEvent;
}

export interface DeliverCallbackResult {
  httpStatus: number;
  deliveredAt: string;
  attempt: number;
}

/** A signing key: its id travels in the header so receivers know which secret to check with. */
export interface CallbackSigningKey {
  id: string;
  secret: Secret;
}

export interface CallbackDeps {
  /** The callbacks' own dispatcher (createCallbackDispatcher), never the providers' pool. */
  dispatcher: Dispatcher;
  /** Active keys, the current one first; every one signs (two during a rotation). */
  keys?: readonly CallbackSigningKey[];
  /** Per request (default 10 s), at most MAX_CALLBACK_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Deliveries in flight at once in this worker (default 10). */
  maxConcurrent?: number;
  now?: () => Date;
}

export const SIGNATURE_HEADER = 'refunds-signature';
export const DEFAULT_CALLBACK_CONCURRENCY = 10;
/**
 * A request ends before the activity's 30 s start-to-close timeout (workflows/callbacks.ts): an
 * activity Temporal has given up on would otherwise go on holding its slot and its place in the
 * concurrency limit until its own HTTP deadline.
 */
export const MAX_CALLBACK_TIMEOUT_MS = 25_000;

/** The kinds a failed delivery is recorded as (the ApplicationFailure's message). */
export type CallbackFailureKind = 'refused' | 'http_3xx' | 'http_4xx' | 'http_408' | 'http_429' | 'http_5xx' | 'timeout' | 'unreachable' | 'dns' | 'tls' | 'network' | 'busy';

/** The string every key signs: the timestamp, the exact destination URL and the raw body. */
export function signedPayload(timestamp: number, url: string, body: string): string {
  return `${timestamp}.${new URL(url).href}.${body}`;
}

/** The Refunds-Signature header value: `t=<t>,v2=<kid>:<hex>[,v2=<kid>:<hex>]`. */
export function signCallback(keys: readonly { id: string; secret: string }[], timestamp: number, url: string, body: string): string {
  const payload = signedPayload(timestamp, url, body);
  const sigs = keys.map((k) => `v2=${k.id}:${createHmac('sha256', k.secret).update(payload).digest('hex')}`);
  return [`t=${timestamp}`, ...sigs].join(',');
}

function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const seconds = Number(v);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** Every error in a chain (cause, AggregateError members). */
function* chain(err: unknown, depth = 0): Generator<unknown> {
  if (depth > 6 || err === undefined || err === null) return;
  yield err;
  if (err instanceof AggregateError) for (const e of err.errors) yield* chain(e, depth + 1);
  if (err instanceof Error) yield* chain(err.cause, depth + 1);
}

/** The generic kind of a failed send (the raw message is never kept: it maps internal hosts and ports). */
export function sendFailureKind(err: unknown): CallbackFailureKind {
  const codes: string[] = [];
  for (const e of chain(err)) {
    if (e instanceof DestinationRefusedError) return 'refused';
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string') codes.push(c);
    const n = (e as { name?: unknown }).name;
    if (n === 'TimeoutError' || n === 'AbortError') codes.push('TIMEOUT');
  }
  if (codes.some((c) => c === 'TIMEOUT' || /TIMEOUT|ETIMEDOUT/.test(c))) return 'timeout';
  if (codes.some((c) => c === 'ENOTFOUND' || c === 'EAI_AGAIN' || c === 'EAI_NONAME')) return 'dns';
  if (codes.some((c) => /CERT|TLS|SSL|UNABLE_TO_/.test(c))) return 'tls';
  if (codes.some((c) => ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'].includes(c))) return 'unreachable';
  return 'network';
}

function failure(kind: CallbackFailureKind, retryable: boolean, extra: { nextRetryDelay?: number; httpStatus?: number } = {}): ApplicationFailure {
  return ApplicationFailure.create({
    type: retryable ? 'CallbackTransient' : 'CallbackRefused',
    message: kind,
    nonRetryable: !retryable,
    ...(extra.nextRetryDelay !== undefined ? { nextRetryDelay: extra.nextRetryDelay } : {}),
    details: [{ kind, ...(extra.httpStatus !== undefined ? { httpStatus: extra.httpStatus } : {}) }],
  });
}

function httpKind(status: number): CallbackFailureKind {
  if (status === 408 || status === 425) return 'http_408';
  if (status === 429) return 'http_429';
  if (status < 400) return 'http_3xx';
  return status >= 500 ? 'http_5xx' : 'http_4xx';
}

export function createCallbackActivities(deps: CallbackDeps) {
  const now = deps.now ?? (() => new Date());
  const maxConcurrent = deps.maxConcurrent ?? DEFAULT_CALLBACK_CONCURRENCY;
  let inFlight = 0; // per createCallbackActivities call (one per worker), not module state
  return {
    async deliverCallback(input: DeliverCallbackInput): Promise<DeliverCallbackResult> {
      const keys = deps.keys ?? [];
      if (keys.length === 0) {
        throw ApplicationFailure.create({
          type: 'CallbackNotConfigured',
          message: 'REFUNDS_CALLBACK_SECRET is not set on the worker: callbacks cannot be signed',
          nonRetryable: true,
        });
      }
      if (inFlight >= maxConcurrent) {
        // Give the activity slot back at once; come back in 2-5 s (spread so they do not return together).
        throw failure('busy', true, { nextRetryDelay: 2_000 + Math.floor(Math.random() * 3_000) });
      }
      inFlight++;
      try {
        return await send(input, keys);
      } finally {
        inFlight--;
      }
    },
  };

  async function send(input: DeliverCallbackInput, keys: readonly CallbackSigningKey[]): Promise<DeliverCallbackResult> {
    const body = JSON.stringify(input.event);
    const t = Math.floor(now().getTime() / 1000);
    let attempt = 1;
    try {
      attempt = Context.current().info.attempt;
    } catch {
      // outside an activity (unit tests)
    }
    let status: number;
    let headers: Record<string, string | string[] | undefined>;
    try {
      const res = await request(input.url, {
        dispatcher: deps.dispatcher,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'refund-orchestrator-callbacks/2',
          'refunds-event-id': input.event.id,
          [SIGNATURE_HEADER]: signCallback(
            keys.map((k) => ({ id: k.id, secret: k.secret.reveal() })),
            t,
            input.url,
            body,
          ),
        },
        body,
        signal: AbortSignal.timeout(Math.min(deps.timeoutMs ?? 10_000, MAX_CALLBACK_TIMEOUT_MS)),
      });
      status = res.statusCode;
      headers = res.headers;
      await res.body.dump();
    } catch (err) {
      const kind = sendFailureKind(err);
      throw failure(kind, kind !== 'refused');
    }
    if (status >= 200 && status < 300) return { httpStatus: status, deliveredAt: now().toISOString(), attempt };
    const retryable = status === 408 || status === 425 || status === 429 || status >= 500;
    const delay = status === 429 ? retryAfterMs(headers['retry-after']) : undefined;
    throw failure(httpKind(status), retryable, { httpStatus: status, ...(delay !== undefined ? { nextRetryDelay: delay } : {}) });
  }
}
