/**
 * A tiny recording HTTP server for the adapter tests: every request is recorded (method, path,
 * headers, raw body) and answered by the next queued reply (or the default one).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { expect } from 'vitest';
import type { Dispatcher } from 'undici';
import type { Provider } from '../../../domain/providers.js';
import type { RequestOf } from '../../../activities/adapter.js';
import type { CallContext } from '../../../activities/context.js';
import { createActivities, DEFAULT_LINKMONEY_STATUS_PATH } from '../../../activities/index.js';
import { createHttpDispatcher, type HttpDispatcherOptions } from '../../../activities/http.js';
import { linkmoneyAdapter } from '../../../activities/linkmoney/adapter.js';
import { LinkMoneyTokenCache } from '../../../activities/linkmoney/client.js';
import { openpaydAdapter } from '../../../activities/openpayd/adapter.js';
import { reservepayAdapter } from '../../../activities/reservepay/adapter.js';
import { secpaidAdapter } from '../../../activities/secpaid/adapter.js';
import { Secret } from '../../../activities/secret.js';
import type { ProviderConfig } from '../../../activities/types.js';
import { ProviderError, type ProviderErrorKind, type ProviderFailureDetails } from '../../../activities/errors.js';

export interface Recorded {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export type Reply =
  | { status: number; body?: string | object; headers?: Record<string, string> }
  | ((req: Recorded, res: ServerResponse, raw: IncomingMessage) => void);

export interface TestServer {
  baseUrl: string;
  requests: Recorded[];
  /** Queue replies, used in order; after that the default reply answers. */
  reply(...replies: Reply[]): void;
  setDefault(reply: Reply): void;
  close(): Promise<void>;
}

export async function startServer(): Promise<TestServer> {
  const requests: Recorded[] = [];
  const queue: Reply[] = [];
  let fallback: Reply = { status: 500, body: 'no reply queued' };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: Recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(rec);
      const r = queue.shift() ?? fallback;
      if (typeof r === 'function') {
        r(rec, res, req);
        return;
      }
      const body = r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
      const headers = { 'content-type': typeof r.body === 'object' ? 'application/json' : 'text/plain', ...r.headers };
      res.writeHead(r.status, headers);
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    reply: (...r) => queue.push(...r),
    setDefault: (r) => {
      fallback = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Replies that misbehave at the socket level. */
export const destroySocket: Reply = (_req, _res, raw) => raw.socket.destroy();
export const hang: Reply = () => undefined;
export function truncated(status: number, text: string): Reply {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(text.length + 50) });
    res.write(text);
    setTimeout(() => res.socket?.destroy(), 10);
  };
}

export const SECRETS = {
  secpaidToken: 'sp-token-0123456789',
  linkClientSecret: 'lm-client-secret-abc',
  openpaydKey: '4d41d21a935f5bba9dee7c7be4a7ca04',
  reservepayKey: 'rp-key-secret-xyz',
};

export const NOW = new Date('2026-03-02T10:00:00Z');

export function configFor(baseUrl: string, overrides: Partial<ProviderConfig> = {}): ProviderConfig {
  return {
    secpaid: { baseUrl: `${baseUrl}/secpaid/api/v2/`, token: new Secret(SECRETS.secpaidToken) },
    linkmoney: {
      baseUrl: `${baseUrl}/linkmoney`,
      clientId: 'client-1',
      clientSecret: new Secret(SECRETS.linkClientSecret),
      scope: 'Link-Payment',
      statusPath: '/v1/transactions/{paymentId}',
    },
    openpayd: { baseUrl: `${baseUrl}/openpayd`, apiKey: new Secret(SECRETS.openpaydKey) },
    reservepay: { baseUrl: `${baseUrl}/reservepay`, apiKey: new Secret(SECRETS.reservepayKey), apiVersion: '2025-04-01' },
    requestTimeoutMs: 5_000,
    ...overrides,
  };
}

export function makeActivities(baseUrl: string, opts: { config?: Partial<ProviderConfig>; http?: HttpDispatcherOptions; now?: () => Date } = {}) {
  const dispatcher = createHttpDispatcher({ connectTimeoutMs: 1_000, ...opts.http });
  const activities = createActivities({ config: configFor(baseUrl, opts.config), dispatcher, now: opts.now ?? (() => NOW) });
  return { activities, dispatcher };
}

/** Await a rejection and return it as an ApplicationFailure with its provider details. */
export async function failureOf(p: Promise<unknown>): Promise<{ failure: ApplicationFailure; details: ProviderFailureDetails }> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ApplicationFailure);
  const failure = caught as ApplicationFailure;
  const details = failure.details?.[0] as ProviderFailureDetails;
  // Never a credential in a failure.
  const text = JSON.stringify({ m: failure.message, d: failure.details });
  for (const s of Object.values(SECRETS)) expect(text).not.toContain(s);
  return { failure, details };
}

export function form(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

/** The four adapters against `baseUrl` (configFor), with one call context and a log that records warnings. */
export function makeAdapters(baseUrl: string, opts: { config?: Partial<ProviderConfig>; http?: HttpDispatcherOptions; now?: () => Date } = {}) {
  const config = configFor(baseUrl, opts.config);
  const dispatcher: Dispatcher & { close(): Promise<void> } = createHttpDispatcher({ connectTimeoutMs: 1_000, ...opts.http });
  const linkmoney = { ...config.linkmoney, statusPath: config.linkmoney.statusPath || DEFAULT_LINKMONEY_STATUS_PATH };
  const tokens = new LinkMoneyTokenCache(linkmoney);
  const warnings: { message: string; meta: Record<string, unknown> | undefined }[] = [];
  const ctx: CallContext = {
    dispatcher,
    now: opts.now ?? (() => NOW),
    timeoutMs: config.requestTimeoutMs ?? 5_000,
    log: { debug: () => undefined, info: () => undefined, warn: (message, meta) => warnings.push({ message, meta }), error: () => undefined },
  };
  const adapters = {
    secpaid: secpaidAdapter(config.secpaid),
    linkmoney: linkmoneyAdapter(linkmoney, tokens),
    openpayd: openpaydAdapter(config.openpayd),
    reservepay: reservepayAdapter(config.reservepay),
  };
  return { adapters, ctx, tokens, dispatcher, warnings };
}

/** Await a rejection and return it as a ProviderError (never a credential in it). */
export async function providerErrorOf(p: Promise<unknown>, kind?: ProviderErrorKind): Promise<ProviderError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ProviderError);
  const err = caught as ProviderError;
  if (kind !== undefined) expect(err.kind).toBe(kind);
  const text = JSON.stringify({ m: err.message, c: err.providerCode, pm: err.providerMessage });
  for (const s of Object.values(SECRETS)) expect(text).not.toContain(s);
  return err;
}

/** A valid refund request of each provider (domain/refund.ts), for the adapters' arguments. */
export function requestOf<P extends Provider>(provider: P, over: Partial<RequestOf<P>> = {}): RequestOf<P> {
  const base = {
    secpaid: { provider: 'secpaid', idempotencyKey: 'k-1', payment: { payId: '42011' }, amount: 2500, currency: 'EUR' },
    linkmoney: { provider: 'linkmoney', idempotencyKey: 'k-1', payment: { paymentId: 'debit-1' }, amount: 100, currency: 'USD' },
    openpayd: { provider: 'openpayd', idempotencyKey: 'k-1', payment: { transactionId: '529-1438673740-2', referenceNo: '1-1386413490-0089-14' }, amount: 'full', currency: 'EUR' },
    reservepay: { provider: 'reservepay', idempotencyKey: 'k-1', payment: { paymentId: 'pay_1' }, amount: 1999, currency: 'THB' },
  }[provider];
  return { ...base, ...over } as unknown as RequestOf<P>;
}
