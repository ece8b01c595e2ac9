/**
 * Integration stack for one test file: the provider sandbox on a free port, a refund worker on
 * its own task queue against the run's real Temporal dev server, and a RefundsClient.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { Secret } from '../../activities/secret.js';
import type { ProviderConfig } from '../../activities/types.js';
import { RefundsClient } from '../../client/refunds-client.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { createRefundWorker, type RefundWorkerOptions } from '../../worker/worker.js';

export interface Stack {
  sandbox: RunningSandbox;
  refunds: RefundsClient;
  client: Client;
  taskQueue: string;
  address: string;
  namespace: string;
  worker: Worker;
  admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export function sandboxProviderConfig(sandbox: RunningSandbox, requestTimeoutMs = 5_000): ProviderConfig {
  const c = sandbox.credentials;
  return {
    secpaid: { baseUrl: sandbox.urls.secpaid, token: new Secret(c.secpaidToken) },
    linkmoney: {
      baseUrl: sandbox.urls.linkmoney,
      clientId: c.linkmoneyClientId,
      clientSecret: new Secret(c.linkmoneyClientSecret),
      scope: 'Link-Payment',
      statusPath: '/v1/transactions/{paymentId}',
    },
    openpayd: { baseUrl: sandbox.urls.openpayd, apiKey: new Secret(c.openpaydApiKey) },
    reservepay: { baseUrl: sandbox.urls.reservepay, apiKey: new Secret(c.reservepayApiKey), apiVersion: '2025-04-01' },
    requestTimeoutMs,
  };
}

let runtimeInstalled = false;

/** The callbacks' HMAC key in tests. */
export const TEST_CALLBACK_SECRET = 'test-callback-secret-0123456789';

/** Callbacks may reach receivers on this machine in tests (the SSRF test passes [] to refuse them). */
export const TEST_CALLBACK_ALLOWED_NETWORKS = ['127.0.0.0/8', '::1'];

export async function startStack(
  opts: { requestTimeoutMs?: number; callbackAllowedNetworks?: string[]; callbackMaxConcurrent?: number; tuning?: RefundWorkerOptions['tuning'] } = {},
): Promise<Stack> {
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    try {
      Runtime.install({ logger: new DefaultLogger('ERROR') });
    } catch {
      // installed already in this process
    }
  }
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const taskQueue = `it-${randomUUID()}`;
  const sandbox = await startSandbox({ port: 0 });
  const nativeConnection = await NativeConnection.connect({ address });
  const { worker, close } = await createRefundWorker({
    connection: nativeConnection,
    temporal: { namespace, taskQueue },
    providers: sandboxProviderConfig(sandbox, opts.requestTimeoutMs),
    callbackSecret: new Secret(TEST_CALLBACK_SECRET),
    callbacks: { allowedNetworks: opts.callbackAllowedNetworks ?? TEST_CALLBACK_ALLOWED_NETWORKS, ...(opts.callbackMaxConcurrent ? { maxConcurrent: opts.callbackMaxConcurrent } : {}) },
    ...(opts.tuning ? { tuning: opts.tuning } : {}),
    extra: { shutdownGraceTime: '1s' },
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  const refunds = new RefundsClient(client, taskQueue);
  return {
    sandbox,
    refunds,
    client,
    taskQueue,
    address,
    namespace,
    worker,
    async admin(method, path, body) {
      const res = await fetch(`${sandbox.urls.admin}${path}`, {
        method,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`sandbox admin ${method} ${path} -> ${res.status}: ${text}`);
      return JSON.parse(text) as Record<string, unknown>;
    },
    async stop() {
      worker.shutdown();
      await running;
      await close();
      await nativeConnection.close();
      await connection.close();
      await sandbox.close();
    },
  };
}

/** Poll `fn` until it returns a truthy value (visibility is eventually consistent). */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function uniqueKey(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
