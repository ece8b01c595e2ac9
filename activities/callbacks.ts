/**
 * Completion callbacks: each status change of a refund that asked for a `callbackUrl` is POSTed
 * there as JSON, signed with HMAC-SHA256 (the secret lives only in the worker's configuration).
 *
 * Header `Refunds-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`:
 * receivers recompute it over the raw body and reject stale timestamps (see docs/callbacks.md).
 * 2xx = delivered. 408, 425, 429, 5xx, timeouts and connection errors are retried by Temporal
 * with backoff (429's Retry-After is honoured); any other 4xx means the receiver refuses the
 * event: not retried, recorded as failed.
 */
import { createHmac } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { request, type Dispatcher } from 'undici';
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

export interface DeliverCallbackInput {
  url: string;
  event: CallbackEvent;
}

export interface DeliverCallbackResult {
  httpStatus: number;
  deliveredAt: string;
  attempt: number;
}

export interface CallbackDeps {
  dispatcher: Dispatcher;
  secret?: Secret;
  timeoutMs?: number;
  now?: () => Date;
}

export const SIGNATURE_HEADER = 'refunds-signature';

export function signCallback(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const seconds = Number(v);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

export function createCallbackActivities(deps: CallbackDeps) {
  const now = deps.now ?? (() => new Date());
  return {
    async deliverCallback(input: DeliverCallbackInput): Promise<DeliverCallbackResult> {
      if (!deps.secret) {
        throw ApplicationFailure.create({
          type: 'CallbackNotConfigured',
          message: 'REFUNDS_CALLBACK_SECRET is not set on the worker: callbacks cannot be signed',
          nonRetryable: true,
        });
      }
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
            'user-agent': 'refund-orchestrator-callbacks/1',
            'refunds-event-id': input.event.id,
            [SIGNATURE_HEADER]: signCallback(deps.secret.reveal(), t, body),
          },
          body,
          signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
        });
        status = res.statusCode;
        headers = res.headers;
        await res.body.dump();
      } catch (err) {
        throw ApplicationFailure.create({
          type: 'CallbackTransient',
          message: `callback to ${new URL(input.url).origin} failed: ${(err as Error).name}: ${(err as Error).message}`,
          nonRetryable: false,
        });
      }
      if (status >= 200 && status < 300) return { httpStatus: status, deliveredAt: now().toISOString(), attempt };
      const retryable = status === 408 || status === 425 || status === 429 || status >= 500;
      const delay = status === 429 ? retryAfterMs(headers['retry-after']) : undefined;
      throw ApplicationFailure.create({
        type: retryable ? 'CallbackTransient' : 'CallbackRefused',
        message: `callback receiver answered HTTP ${status}`,
        nonRetryable: !retryable,
        ...(delay !== undefined ? { nextRetryDelay: delay } : {}),
        details: [{ httpStatus: status }],
      });
    },
  };
}
