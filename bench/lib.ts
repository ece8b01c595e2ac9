/**
 * Shared harness pieces for bench/chaos.ts and bench/bench.ts: the sandbox and the refund worker
 * as separate processes, the sandbox admin API, bounded retries, a seeded PRNG, small stats.
 * Everything talks to 127.0.0.1 only.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SANDBOX_CREDENTIALS } from '../sandbox/credentials.js';
import { freePort, isPortOpen, waitFor } from '../scripts/processes.js';
import { PROJECT_ROOT } from '../scripts/temporal-binaries.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Child processes to stop when the harness itself is stopped (Ctrl-C, `timeout`): no orphans. */
const cleanups = new Set<() => Promise<void>>();
export function onStop(fn: () => Promise<void>): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}
/** In a harness's main(): on SIGINT/SIGTERM stop every child started through this module, then exit. */
export function stopChildrenOnSignal(name: string): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      console.error(`${name}: ${sig}: stopping ${cleanups.size} child process(es)`);
      void Promise.allSettled([...cleanups].map((f) => f())).then(() => process.exit(130));
    });
  }
}

/** mulberry32, the same PRNG the sandbox uses. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Environment without anything that could point a child at another stack. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(TEMPORAL_|SECPAID_|LINKMONEY_|OPENPAYD_|RESERVEPAY_|SANDBOX_|REFUNDS_|WORKER_|PROVIDER_)/.test(k)),
  );
}

/** A TypeScript entry through tsx; a compiled one (`dist/....js`) with plain node, as production runs it. */
function tsxChild(script: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): ChildProcess {
  const loader = script.endsWith('.js') ? [] : ['--import', 'tsx'];
  return spawn(process.execPath, [...nodeArgs, ...loader, join(PROJECT_ROOT, script)], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The refund worker as the image runs it (`node dist/worker/main.js`, prebuilt workflow bundle). */
export const COMPILED_WORKER = 'dist/worker/main.js';

/** `npm run build` (dist/ and its workflow bundles), so that the bench measures the compiled worker. */
export function buildForBench(log: (line: string) => void): void {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'scripts', 'build.ts')], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  log(`npm run build: dist/ and the prebuilt workflow bundles in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

async function exited(child: ChildProcess, signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(t);
}

export interface SandboxProcess {
  port: number;
  base: string;
  admin: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startSandboxProcess(opts: { stateFile?: string; seed?: number; port?: number }): Promise<SandboxProcess> {
  const port = opts.port ?? (await freePort());
  const env: NodeJS.ProcessEnv = { ...cleanEnv(), SANDBOX_PORT: String(port), SANDBOX_HOST: '127.0.0.1', SANDBOX_SEED: String(opts.seed ?? 1) };
  if (opts.stateFile) env.SANDBOX_STATE_FILE = opts.stateFile;
  const child = tsxChild('sandbox/main.ts', env);
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + String(d)).slice(-4000)));
  child.stdout!.resume();
  await waitFor('provider sandbox', () => isPortOpen(port), { timeoutMs: 60_000, child }).catch((e: Error) => {
    throw new Error(`${e.message}\n${err}`);
  });
  const base = `http://127.0.0.1:${port}`;
  const forget = onStop(() => exited(child, 'SIGKILL', 0));
  child.once('exit', () => forget());
  return { port, base, admin: `${base}/_sandbox`, child, stop: () => exited(child, 'SIGTERM') };
}

export function workerEnv(sandboxBase: string, address: string, taskQueue: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const c = SANDBOX_CREDENTIALS;
  return {
    ...cleanEnv(),
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    SECPAID_BASE_URL: `${sandboxBase}/secpaid/api/v2`,
    SECPAID_TOKEN: c.secpaidToken,
    LINKMONEY_BASE_URL: `${sandboxBase}/linkmoney`,
    LINKMONEY_CLIENT_ID: c.linkmoneyClientId,
    LINKMONEY_CLIENT_SECRET: c.linkmoneyClientSecret,
    OPENPAYD_BASE_URL: `${sandboxBase}/openpayd`,
    OPENPAYD_API_KEY: c.openpaydApiKey,
    RESERVEPAY_BASE_URL: `${sandboxBase}/reservepay`,
    RESERVEPAY_API_KEY: c.reservepayApiKey,
    LOG_LEVEL: 'ERROR',
    ...extra,
  };
}

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves when the worker prints that it polls. */
  ready: Promise<void>;
  /** Last lines of its stderr, for reports. */
  stderr(): string;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export interface WorkerProcessOptions {
  /** Node/V8 flags before the entry point (for example `--max-semi-space-size=4`). */
  nodeArgs?: string[];
  /** Entry point (default worker/main.ts; COMPILED_WORKER; bench/trivial/worker.ts for the baseline). */
  script?: string;
  readyTimeoutMs?: number;
  /** Called with each stdout chunk (progress lines, bundle messages). */
  onStdout?: (text: string) => void;
}

/** A worker entry (`tsx worker/main.ts`, COMPILED_WORKER, the baseline's) as its own process. */
export function startWorkerProcess(env: NodeJS.ProcessEnv, readyTimeoutMsOrOpts: number | WorkerProcessOptions = 180_000): WorkerProcess {
  const opts: WorkerProcessOptions = typeof readyTimeoutMsOrOpts === 'number' ? { readyTimeoutMs: readyTimeoutMsOrOpts } : readyTimeoutMsOrOpts;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 180_000;
  const child = tsxChild(opts.script ?? 'worker/main.ts', env, opts.nodeArgs);
  const forget = onStop(() => exited(child, 'SIGKILL', 0));
  child.once('exit', () => forget());
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + String(d)).slice(-4000)));
  const ready = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`worker not ready after ${readyTimeoutMs} ms\n${err}`)), readyTimeoutMs);
    child.stdout!.on('data', (d) => {
      opts.onStdout?.(String(d));
      if (String(d).includes('worker: polling')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code, sig) => {
      clearTimeout(t);
      reject(new Error(`worker exited (${sig ?? code}) before it was ready\n${err}`));
    });
  });
  ready.catch(() => undefined);
  return {
    child,
    pid: child.pid!,
    ready,
    stderr: () => err,
    kill: () => exited(child, 'SIGKILL'),
    stop: () => exited(child, 'SIGTERM', 15_000),
  };
}

export class Admin {
  constructor(readonly url: string) {}
  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      signal: AbortSignal.timeout(30_000),
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`sandbox admin ${method} ${path} -> ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }
}

/** Retry `fn` (bounded in tries and time) while it throws; the last error is rethrown. */
export async function retry<T>(what: string, fn: () => Promise<T>, { tries = 60, delayMs = 1_000, timeoutMs = 30_000 } = {}): Promise<T> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      return await withTimeout(fn(), timeoutMs, what);
    } catch (err) {
      last = err;
      await sleep(delayMs);
    }
  }
  throw new Error(`${what}: gave up after ${tries} tries: ${last instanceof Error ? last.message : String(last)}`);
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

/** Run `fn` over `items` with at most `concurrency` in flight (and, with `perSecond`, no faster than that). */
export async function pool<T>(items: T[], concurrency: number, fn: (item: T, index: number) => Promise<void>, perSecond = 0): Promise<void> {
  let next = 0;
  const t0 = Date.now();
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      if (perSecond > 0) {
        const due = t0 + (i * 1000) / perSecond;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      await fn(items[i]!, i);
    }
  });
  await Promise.all(runners);
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx]!;
}

/** Flags: --name value or --name=value. */
export function flag(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) return argv[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

export function numFlag(argv: string[], name: string, fallback: number): number {
  const v = flag(argv, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: not a non-negative number: ${v}`);
  return n;
}

/** utime+stime (clock ticks) and RSS (kB) of a process, from /proc. */
export function procSample(pid: number): { ticks: number; rssKb: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+)/.exec(status);
    return { ticks, rssKb: rss ? Number(rss[1]) : NaN };
  } catch {
    return undefined;
  }
}

/** The worker is one node process (`node [--import tsx] <entry>`): its own pid is the process to sample. */
export const CLOCK_TICKS = 100;

/** RSS and CPU of one process, sampled from /proc every `intervalMs` until stopped. */
export class ProcSampler {
  private samples: { t: number; ticks: number; rssKb: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  constructor(
    readonly pid: number,
    readonly intervalMs = 1_000,
  ) {}
  start(): this {
    const take = () => {
      const s = procSample(this.pid);
      if (s) this.samples.push({ t: Date.now(), ...s });
    };
    take();
    this.timer = setInterval(take, this.intervalMs);
    return this;
  }
  stop(): ProcStats {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const s = procSample(this.pid);
    if (s) this.samples.push({ t: Date.now(), ...s });
    return procStats(this.samples);
  }
  /** The last sample's RSS in MiB (NaN before any). */
  lastRssMiB(): number {
    const last = this.samples.at(-1);
    return last ? last.rssKb / 1024 : NaN;
  }
}

export interface ProcStats {
  samples: number;
  seconds: number;
  /** Share of one core, percent. */
  cpuPct: number;
  rssAvgMiB: number;
  rssMaxMiB: number;
  rssLastMiB: number;
}

export function procStats(samples: { t: number; ticks: number; rssKb: number }[]): ProcStats {
  if (samples.length === 0) return { samples: 0, seconds: 0, cpuPct: NaN, rssAvgMiB: NaN, rssMaxMiB: NaN, rssLastMiB: NaN };
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const seconds = (last.t - first.t) / 1000;
  return {
    samples: samples.length,
    seconds,
    cpuPct: seconds > 0 ? ((last.ticks - first.ticks) / CLOCK_TICKS / seconds) * 100 : NaN,
    rssAvgMiB: samples.reduce((a, s) => a + s.rssKb, 0) / samples.length / 1024,
    rssMaxMiB: Math.max(...samples.map((s) => s.rssKb)) / 1024,
    rssLastMiB: last.rssKb / 1024,
  };
}

/** One gauge/counter from a Prometheus text endpoint (summed over label sets); undefined if absent. */
export async function scrapeMetric(url: string, name: string): Promise<number | undefined> {
  return (await scrapeMetrics(url)).get(name);
}

/**
 * Every metric of a Prometheus text endpoint, summed over label sets; with `labels`, only the
 * series whose label text matches it (for example /activity_type="submitRefund"/).
 */
export async function scrapeMetrics(url: string, labels?: RegExp): Promise<Map<string, number>> {
  const text = await fetch(url, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text());
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && (!labels || labels.test(m[2] ?? ''))) out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[3]));
  }
  return out;
}

/** A progress line with count, rate and ETA. */
export function progressLine(what: string, done: number, total: number, startedAt: number): string {
  const s = (Date.now() - startedAt) / 1000;
  const r = s > 0 ? done / s : 0;
  const eta = r > 0 ? (total - done) / r : NaN;
  return `${what} ${done}/${total} (${r.toFixed(1)}/s, ${s.toFixed(0)} s${Number.isFinite(eta) && done < total ? `, ETA ${eta.toFixed(0)} s` : ''})`;
}
