/**
 * Bench fixtures shared by bench/bench.ts and bench/memory.ts: the stack (dev server with the
 * SDK's stress pragmas, the provider sandbox, a client), payments at the sandbox with the refund
 * requests for them, and a refund worker process on its own task queue with RSS/CPU sampling.
 * Everything on 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Provider } from '../domain/providers.js';
import { startDevServer, type DevServer } from '../scripts/dev-server.js';
import { freePort } from '../scripts/processes.js';
import { WORKER_NODE_FLAGS } from '../worker/heap.js';
import { Admin, buildForBench, COMPILED_WORKER, onStop, pool, ProcSampler, startSandboxProcess, startWorkerProcess, workerEnv, type SandboxProcess, type WorkerProcess, type WorkerProcessOptions } from './lib.js';

export type RefundRequestInput = Record<string, unknown> & { idempotencyKey: string; provider: Provider };

export interface BenchStack {
  dir: string;
  dev: DevServer;
  sandbox: SandboxProcess;
  admin: Admin;
  connection: Connection;
  client: Client;
  close(): Promise<void>;
}

export async function startBenchStack(): Promise<BenchStack> {
  // The refund workers run compiled, as in production (COMPILED_WORKER): build them first.
  buildForBench((l) => console.log(`bench: ${l}`));
  const dir = mkdtempSync(join(tmpdir(), 'refunds-bench-'));
  const dev = await startDevServer({ dbFile: join(dir, 'temporal.db'), headless: true, logLevel: 'error', extraArgs: ['--sqlite-pragma', 'synchronous=OFF'], readyTimeoutMs: 120_000 });
  const forgetDev = onStop(() => dev.stop());
  const sandbox = await startSandboxProcess({ seed: 1 });
  const connection = await Connection.connect({ address: dev.address });
  const client = new Client({ connection, namespace: 'default' });
  return {
    dir,
    dev,
    sandbox,
    admin: new Admin(sandbox.admin),
    connection,
    client,
    close: async () => {
      await connection.close().catch(() => undefined);
      await sandbox.stop().catch(() => undefined);
      await dev.stop().catch(() => undefined);
      forgetDev();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface BenchWorker extends WorkerProcess {
  /** Prometheus endpoint of this worker (its own free port). */
  metricsUrl: string;
  /** ms from spawn to "worker: polling". */
  readyMs: number;
  /** Max RSS (MiB) seen from spawn to ready (bundling, start-up). */
  startPeakMiB: number;
  /** What the worker said about its workflow bundle (cached, built, in-process). */
  bundle: string;
}

/**
 * A refund worker (or the trivial baseline's) as its own process on `queue`, ready. `env` adds
 * variables (WORKER_MAX_*); `nodeArgs` adds V8 flags; `sandboxBase` points it at another sandbox.
 * RSS is sampled every 100 ms while it starts.
 */
export async function startBenchWorker(stack: BenchStack, queue: string, opts: { env?: Record<string, string>; nodeArgs?: string[]; script?: string; sandboxBase?: string } = {}): Promise<BenchWorker> {
  const metricsPort = await freePort();
  const env = workerEnv(opts.sandboxBase ?? stack.sandbox.base, stack.dev.address, queue, { PROVIDER_TIMEOUT_MS: '15000', METRICS_BIND_ADDRESS: `127.0.0.1:${metricsPort}`, ...(opts.env ?? {}) });
  const t0 = Date.now();
  let bundle = 'bundled by the SDK at start';
  const onStdout = (text: string) => {
    for (const line of text.split('\n')) if (/bundl/i.test(line)) bundle = line.replace(/^worker: /, '').trim();
  };
  // The flags every launcher gives the refund worker (worker/heap.ts), the baseline's too (same settings); extra flags after them.
  const flags = [...WORKER_NODE_FLAGS];
  const wopts: WorkerProcessOptions = { readyTimeoutMs: 300_000, onStdout, script: opts.script ?? COMPILED_WORKER, nodeArgs: [...flags, ...(opts.nodeArgs ?? [])] };
  const w = startWorkerProcess(env, wopts);
  const sampler = new ProcSampler(w.pid, 100).start();
  await w.ready.finally(() => sampler.stop());
  const stats = sampler.stop();
  return { ...w, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, readyMs: Date.now() - t0, startPeakMiB: stats.rssMaxMiB, bundle };
}

/** Reservepay and OpenPayd requests, interleaved (the synchronous providers). */
export async function makeSyncRequests(admin: Admin, n: number, tag: string): Promise<RefundRequestInput[]> {
  const a = await makeRequests(admin, 'reservepay', Math.ceil(n / 2), tag);
  const b = await makeRequests(admin, 'openpayd', Math.floor(n / 2), tag);
  const out: RefundRequestInput[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i]) out.push(a[i]!);
    if (b[i]) out.push(b[i]!);
  }
  return out;
}

let seq = 0;
/** `n` payments at the sandbox and a full refund request for each (SecPaid/Link Money with the amount). */
export async function makeRequests(admin: Admin, provider: Provider, n: number, tag: string, settledAt?: string, onProgress?: (done: number) => void): Promise<RefundRequestInput[]> {
  const out: RefundRequestInput[] = [];
  const run = `${Date.now().toString(36)}`;
  await pool(Array.from({ length: n }, (_, i) => i), 16, async () => {
    const amount = 5_000;
    const body = provider === 'linkmoney' ? { provider, amount, settledAt } : { provider, amount };
    const p = await admin.call<{ id: string; referenceNo: string }>('POST', '/payments', body);
    const key = `bench-${tag}-${run}-${seq++}`;
    const common = { idempotencyKey: key, amount: 'full' as const, originalAmount: amount };
    out.push(
      provider === 'secpaid' ? { ...common, amount, provider, currency: 'EUR', payment: { payId: p.id } }
        : provider === 'linkmoney' ? { ...common, amount, provider, currency: 'USD', payment: { paymentId: p.id, ...(settledAt ? { settledAt } : {}) } }
          : provider === 'openpayd' ? { ...common, provider, currency: 'EUR', payment: { transactionId: p.id, referenceNo: p.referenceNo } }
            : { ...common, provider, currency: 'THB', payment: { paymentId: p.id } },
    );
    onProgress?.(out.length);
  });
  return out;
}
