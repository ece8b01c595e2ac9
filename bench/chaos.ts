/**
 * `npm run chaos`: N refunds across the four providers while the worker processes (one, or
 * `--workers N` sharing the task queue) are SIGKILLed and restarted, each on its own schedule,
 * the Temporal dev server is stopped and restarted on its SQLite file, and the sandbox injects
 * faults on a share of the provider calls. At the end (faults removed, a bounded settle time) it
 * checks every refund's final state and every payment at the provider.
 *
 *   npm run chaos -- --refunds 500 --kills 5 --restarts 1 --fault-rate 0.2 --seed 7
 *   npm run chaos -- --workers 2          # two workers, each SIGKILLed --kills times
 *
 * Exit code 0 only when every refund is in its correct final state, there is no duplicate at the
 * providers and nothing is stuck. `runChaos` is also used by test/integration/chaos.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { RefundsClient } from '../client/refunds-client.js';
import { RefundActionRejectedError } from '../client/errors.js';
import { listQuery } from '../client/refunds-client.js';
import type { RefundState } from '../domain/state.js';
import { PROVIDERS, type Provider } from '../domain/providers.js';
import { isFinalStatus } from '../domain/status.js';
import { startDevServer, type DevServer } from '../scripts/dev-server.js';
import { freePort } from '../scripts/processes.js';
import { WORKER_NODE_FLAGS } from '../worker/heap.js';
import { Admin, numFlag, onStop, pool, prng, stopChildrenOnSignal, retry, sleep, startSandboxProcess, startWorkerProcess, withTimeout, workerEnv, type WorkerProcess } from './lib.js';

export interface ChaosOptions {
  refunds: number;
  /** Worker processes sharing the task queue (default 1). */
  workers?: number;
  /** SIGKILLs of EACH worker, on its own random schedule. */
  kills: number;
  restarts: number;
  faultRate: number;
  seed: number;
  /** Bound of the settle phase after the faults are removed. */
  settleTimeoutMs: number;
  /** Bound of the whole run. */
  totalTimeoutMs: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  started: number;
  correct: number;
  byProvider: Record<Provider, { started: number; correct: number }>;
  wrong: { refundId: string; provider: Provider; status: string; attention?: string }[];
  needsAttention: number;
  duplicates: { provider: Provider; paymentId: string; refundId?: string; asked: number; recorded: { id: string; amount: number; status: string }[]; calls?: string[] }[];
  missingAtProvider: string[];
  stuck: string[];
  workers: number;
  /** SIGKILLs in all; per worker in killsByWorker. */
  kills: number;
  killsByWorker: number[];
  restarts: number;
  unexpectedWorkerExits: number;
  faultsFired: Record<string, number>;
  providerCalls: number;
  operatorApprovals: number;
  durationMs: number;
  ok: boolean;
}

interface Planned {
  i: number;
  provider: Provider;
  paymentId: string;
  asked: number;
  request: Record<string, unknown>;
  refundId?: string;
}

const EXPECTED: Record<Provider, string> = { secpaid: 'approved', linkmoney: 'authorized', openpayd: 'approved', reservepay: 'approved' };
/** Refund statuses at the providers that mean no money moved. */
const NOT_REFUNDED = new Set(['Rejected', 'DECLINED', 'failed', 'TERMINAL_FAILED', 'CANCELED']);

const FAULT_KINDS: Record<string, unknown>[] = [
  { kind: 'http_error', status: 503 },
  { kind: 'http_error', status: 500 },
  { kind: 'rate_limit', retryAfterSeconds: 1 },
  { kind: 'delay', delayMs: 3_000 },
  { kind: 'reset' },
  { kind: 'malformed', variant: 'truncated' },
  { kind: 'malformed', variant: 'invalid_json' },
  { kind: 'commit_then_drop' },
];

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const t0 = Date.now();
  const hardDeadline = t0 + opts.totalTimeoutMs;
  const rnd = prng(opts.seed);
  const dir = mkdtempSync(join(tmpdir(), 'refunds-chaos-'));
  const taskQueue = 'refunds-chaos';
  let dev: DevServer | undefined;
  const nWorkers = Math.max(1, Math.floor(opts.workers ?? 1));
  /** One slot per worker process; a killed worker's slot gets its replacement. */
  const workers: (WorkerProcess | undefined)[] = Array.from({ length: nWorkers }, () => undefined);
  const killsByWorker = workers.map(() => 0);
  let connection: Connection | undefined;
  const stopping = { value: false };
  let kills = 0;
  let restarts = 0;
  let unexpectedWorkerExits = 0;
  let operatorApprovals = 0;
  let started = 0;
  let finalSeen = 0;
  const sandbox = await startSandboxProcess({ stateFile: join(dir, 'sandbox.json'), seed: opts.seed });
  const admin = new Admin(sandbox.admin);
  try {
    const port = await freePort();
    const dbFile = join(dir, 'temporal.db');
    const startDev = async () => {
      const d = await startDevServer({ dbFile, port, headless: true, logLevel: 'error', readyTimeoutMs: 120_000 });
      const forget = onStop(() => d.stop());
      d.process.once('exit', () => forget());
      return d;
    };
    dev = await startDev();
    const address = dev.address;
    // SecPaid's 60 requests/min are per token, and each worker keeps its own budget: N workers
    // share the default budget of 50/min, as an operator running N of them would configure.
    const secpaidBudget = String(Math.max(1, Math.floor(50 / nWorkers)));
    const metricsPorts = await Promise.all(workers.map(() => freePort()));
    const envFor = (slot: number) =>
      workerEnv(sandbox.base, address, taskQueue, { PROVIDER_TIMEOUT_MS: '2000', SECPAID_REQUESTS_PER_MINUTE: secpaidBudget, METRICS_BIND_ADDRESS: `127.0.0.1:${metricsPorts[slot]}` });

    // Each worker: restarted when we kill it and when it dies on its own (counted).
    const spawnWorker = (slot: number): WorkerProcess => {
      const w = startWorkerProcess(envFor(slot), { nodeArgs: [...WORKER_NODE_FLAGS] }); // as every launcher runs it (worker/heap.ts)
      w.child.once('exit', (code, signal) => {
        if (stopping.value || w !== workers[slot] || signal === 'SIGKILL') return;
        unexpectedWorkerExits++;
        log(`chaos: worker ${slot + 1} exited on its own (${signal ?? code}): ${w.stderr().split('\n').slice(-3).join(' | ')}; restarting`);
        workers[slot] = spawnWorker(slot);
      });
      return w;
    };
    for (let slot = 0; slot < nWorkers; slot++) workers[slot] = spawnWorker(slot);
    await Promise.all(workers.map((w) => w!.ready));
    log(`chaos: ${nWorkers} worker process${nWorkers > 1 ? 'es' : ''} on task queue ${taskQueue} (pids ${workers.map((w) => w!.pid).join(', ')})`);

    connection = await Connection.connect({ address });
    const refunds = new RefundsClient(new Client({ connection, namespace: 'default' }), taskQueue);

    // 1. Payments at the sandbox, one per refund.
    const planned: Planned[] = [];
    const settledLongAgo = '2024-03-04T15:00:00Z';
    await pool(
      Array.from({ length: opts.refunds }, (_, i) => i),
      16,
      async (i) => {
        const provider = PROVIDERS[i % PROVIDERS.length]!;
        const amount = 2_000 + Math.floor(rnd() * 50) * 100;
        const asked = amount / 2;
        const key = `chaos-${opts.seed}-${i}`;
        let body: Record<string, unknown>;
        switch (provider) {
          case 'secpaid': body = { provider, amount }; break;
          case 'linkmoney': body = { provider, amount, settledAt: settledLongAgo }; break;
          case 'openpayd': body = { provider, amount, partialRefunds: true }; break;
          case 'reservepay': body = { provider, amount }; break;
        }
        const p = await retry('create payment', () => admin.call<{ id: string; referenceNo: string }>('POST', '/payments', body), { tries: 10 });
        const common = { idempotencyKey: key, amount: asked, reason: 'chaos' };
        const request =
          provider === 'secpaid' ? { ...common, provider, currency: 'EUR', payment: { payId: p.id } }
            : provider === 'linkmoney' ? { ...common, provider, currency: 'USD', payment: { paymentId: p.id, settledAt: settledLongAgo } }
              : provider === 'openpayd' ? { ...common, provider, currency: 'EUR', payment: { transactionId: p.id, referenceNo: p.referenceNo } }
                : { ...common, provider, currency: 'THB', payment: { paymentId: p.id } };
        planned[i] = { i, provider, paymentId: p.id, asked, request };
      },
    );
    log(`chaos: ${planned.length} payments created in the sandbox`);

    // 2. Faults on ~faultRate of the provider calls: k faults per provider, each with probability
    //    p so that 1-(1-p)^k = faultRate (the first fault that wins its roll fires).
    await admin.call('POST', '/faults/seed', { seed: opts.seed });
    const p = opts.faultRate > 0 ? 1 - Math.pow(1 - opts.faultRate, 1 / FAULT_KINDS.length) : 0;
    if (p > 0) {
      for (const provider of PROVIDERS) {
        for (const f of FAULT_KINDS) await admin.call('POST', '/faults', { provider, route: '*', probability: Number(p.toFixed(5)), ...f });
      }
    }
    log(`chaos: faults on ${(opts.faultRate * 100).toFixed(0)}% of provider calls (${FAULT_KINDS.length} kinds x ${PROVIDERS.length} providers, p=${p.toFixed(4)} each), seed ${opts.seed}`);

    // Background: the operator approves SecPaid reviews the sandbox shows pending.
    const byPayment = new Map<string, Planned>(planned.filter((x) => x.provider === 'secpaid').map((x) => [x.paymentId, x]));
    const approved = new Set<string>();
    let approverRunning = true;
    const approver = (async () => {
      for (let round = 0; approverRunning && round < 100_000 && Date.now() < hardDeadline; round++) {
        try {
          const pending = (await admin.call<{ refunds: { id: string; paymentId: string }[] }>('GET', '/refunds?provider=secpaid&status=Pending')).refunds;
          await pool(pending, 8, async (r) => {
            const mine = byPayment.get(r.paymentId);
            if (mine) await admin.call('POST', `/refunds/${r.id}/approve`, {}).catch(() => undefined);
          });
          const approvedAtSandbox = (await admin.call<{ refunds: { paymentId: string }[] }>('GET', '/refunds?provider=secpaid&status=Approved')).refunds;
          const todo = approvedAtSandbox.map((r) => byPayment.get(r.paymentId)).filter((x): x is Planned => !!x?.refundId && !approved.has(x.refundId));
          await pool(todo, 8, async (x) => {
            try {
              await withTimeout(refunds.approve(x.refundId!, { operator: 'chaos-operator', note: 'approved in the SecPaid dashboard (sandbox)' }), 20_000, 'approve');
              operatorApprovals++;
              approved.add(x.refundId!);
            } catch (err) {
              // Already final (the workflow found the Refund entry itself): nothing to do.
              if (err instanceof RefundActionRejectedError && /already/.test(err.message)) approved.add(x.refundId!);
            }
          });
        } catch {
          // the dev server may be restarting: next round
        }
        await sleep(2_000);
      }
    })();

    // Progress line every few seconds.
    let progressRunning = true;
    const progress = (async () => {
      while (progressRunning && Date.now() < hardDeadline) {
        try {
          const res = await withTimeout(connection!.workflowService.countWorkflowExecutions({ namespace: 'default', query: `${listQuery({})} AND ExecutionStatus = 'Completed'` }), 5_000, 'count');
          finalSeen = Number(res.count ?? 0);
        } catch {
          // outage
        }
        const faults = await admin.call<{ faults: { fired: number }[] }>('GET', '/faults').then((f) => f.faults.reduce((s, x) => s + x.fired, 0)).catch(() => NaN);
        log(`chaos: t=${((Date.now() - t0) / 1000).toFixed(0)}s started=${started}/${opts.refunds} final=${finalSeen} kills=${kills}/${opts.kills * nWorkers}${nWorkers > 1 ? ` (${killsByWorker.join('+')})` : ''} dev-server restarts=${restarts}/${opts.restarts} faults fired=${faults} operator approvals=${operatorApprovals}`);
        await sleep(5_000);
      }
    })();

    // Chaos: each worker is killed at random moments on its own schedule (so two may be down at
    // once), and the dev server restarts, while refunds are started and run. One worker keeps the
    // previous single schedule: kills and restarts in one sequence, restarts spread among kills.
    const pause = (r: () => number) => 3_000 + Math.floor(r() * 12_000);
    const killOne = async (slot: number, r: () => number) => {
      const w = workers[slot]!;
      await w.kill();
      kills++;
      killsByWorker[slot]!++;
      log(`chaos: SIGKILLed worker ${slot + 1} pid ${w.pid} (kill ${killsByWorker[slot]} of this worker, ${kills} in all)`);
      await sleep(500 + Math.floor(r() * 3_000));
      workers[slot] = spawnWorker(slot);
      await workers[slot]!.ready.catch((e: Error) => log(`chaos: worker ${slot + 1} restart failed: ${e.message}`));
    };
    const restartDev = async (r: () => number) => {
      log('chaos: stopping the dev server (SIGTERM)');
      await dev!.stop();
      await sleep(2_000 + Math.floor(r() * 3_000));
      dev = await startDev();
      restarts++;
      log(`chaos: dev server back on ${dev.address} (restart ${restarts})`);
    };
    const tooLate = () => Date.now() > hardDeadline - opts.settleTimeoutMs;
    const chaosDone = (async () => {
      if (nWorkers === 1) {
        const events: ('kill' | 'restart')[] = Array<'kill' | 'restart'>(opts.kills).fill('kill');
        for (let r = 0; r < opts.restarts; r++) events.splice(Math.floor(((r + 1) * opts.kills) / (opts.restarts + 1)) + r, 0, 'restart');
        for (const ev of events) {
          if (tooLate()) break;
          await sleep(pause(rnd));
          if (ev === 'kill') await killOne(0, rnd);
          else await restartDev(rnd);
        }
        return;
      }
      const killLoop = async (slot: number) => {
        const r = prng(opts.seed * 1_000 + slot + 1);
        for (let k = 0; k < opts.kills && !tooLate(); k++) {
          await sleep(pause(r));
          if (!tooLate()) await killOne(slot, r);
        }
      };
      const restartLoop = async () => {
        // spread over the kills' expected span (about 11 s per kill)
        const span = opts.kills * 11_000;
        for (let k = 0; k < opts.restarts && !tooLate(); k++) {
          await sleep(span / (opts.restarts + 1));
          if (!tooLate()) await restartDev(rnd);
        }
      };
      await Promise.all([...workers.map((_, slot) => killLoop(slot)), restartLoop()]);
    })();

    // 3. Start the refunds (bounded concurrency; the outage and dead workers are tolerated).
    await pool(planned, 10, async (x) => {
      const res = await retry(`create ${x.request.idempotencyKey as string}`, () => refunds.create(x.request), { tries: 40, delayMs: 2_000, timeoutMs: 30_000 });
      x.refundId = res.refund.refundId;
      started++;
    });
    log(`chaos: all ${started} refunds started after ${((Date.now() - t0) / 1000).toFixed(0)}s`);
    await chaosDone;

    // 4. Faults off; settle with a bounded deadline.
    const faultList = await admin.call<{ faults: { kind: string; variant?: string; status?: number; fired: number }[] }>('GET', '/faults');
    const faultsFired: Record<string, number> = {};
    for (const f of faultList.faults) {
      const name = f.kind === 'malformed' ? `malformed:${f.variant}` : f.kind === 'http_error' ? `http_error:${f.status}` : f.kind;
      faultsFired[name] = (faultsFired[name] ?? 0) + f.fired;
    }
    await admin.call('DELETE', '/faults');
    log(`chaos: chaos over (kills ${kills}, restarts ${restarts}); faults removed: ${JSON.stringify(faultsFired)}; settling (at most ${opts.settleTimeoutMs / 1000}s)`);
    const settleDeadline = Math.min(hardDeadline, Date.now() + opts.settleTimeoutMs);
    const states = new Map<string, RefundState>();
    for (let round = 0; round < 10_000 && Date.now() < settleDeadline; round++) {
      const open = planned.filter((x) => !states.has(x.refundId!) || !isFinalStatus(states.get(x.refundId!)!.status));
      if (open.length === 0) break;
      await pool(open, 16, async (x) => {
        try {
          states.set(x.refundId!, await withTimeout(refunds.get(x.refundId!), 10_000, 'get'));
        } catch {
          // try again next round
        }
      });
      if (planned.every((x) => states.has(x.refundId!) && isFinalStatus(states.get(x.refundId!)!.status))) break;
      await sleep(3_000);
    }
    approverRunning = false;
    progressRunning = false;
    await Promise.all([approver, progress]);

    // 5. The report.
    const recorded = (await admin.call<{ refunds: { id: string; provider: Provider; paymentId: string; amount: number; status: string }[] }>('GET', '/refunds')).refunds;
    const atProvider = new Map<string, typeof recorded>();
    for (const r of recorded) {
      const k = `${r.provider}/${r.paymentId}`;
      atProvider.set(k, [...(atProvider.get(k) ?? []), r]);
    }
    const byProvider = Object.fromEntries(PROVIDERS.map((p) => [p, { started: 0, correct: 0 }])) as ChaosReport['byProvider'];
    const wrong: ChaosReport['wrong'] = [];
    const stuck: string[] = [];
    const duplicates: ChaosReport['duplicates'] = [];
    const missingAtProvider: string[] = [];
    let correct = 0;
    let needsAttention = 0;
    for (const x of planned) {
      byProvider[x.provider].started++;
      const s = x.refundId ? states.get(x.refundId) : undefined;
      if (s && s.status === EXPECTED[x.provider]) {
        correct++;
        byProvider[x.provider].correct++;
      } else {
        if (!s || !isFinalStatus(s.status)) stuck.push(x.refundId ?? `(not started ${x.i})`);
        if (s?.status === 'needs_attention') needsAttention++;
        wrong.push({ refundId: x.refundId ?? '-', provider: x.provider, status: s?.status ?? 'unknown', ...(s?.attention ? { attention: s.attention } : {}) });
      }
      const recs = (atProvider.get(`${x.provider}/${x.paymentId}`) ?? []).filter((r) => !NOT_REFUNDED.has(r.status));
      const sum = recs.reduce((a, r) => a + r.amount, 0);
      if (recs.length > 1 || sum > x.asked) duplicates.push({ provider: x.provider, paymentId: x.paymentId, ...(x.refundId ? { refundId: x.refundId } : {}), asked: x.asked, recorded: recs.map((r) => ({ id: r.id, amount: r.amount, status: r.status })) });
      if (s?.status === EXPECTED[x.provider] && recs.length === 0) missingAtProvider.push(x.refundId!);
    }
    type Logged = { seq: number; time: string; route: string; status: number | null; outcome: string; fault: string | null; durationMs: number; body: unknown };
    const requestLog = (await admin.call<{ requests: Logged[] }>('GET', '/requests')).requests;
    const providerCalls = requestLog.length;
    // Evidence for each duplicate: the provider calls that name its payment, in order.
    for (const d of duplicates) {
      d.calls = requestLog
        .filter((q) => JSON.stringify(q.body ?? '').includes(d.paymentId))
        .map((q) => `#${q.seq} ${q.time} ${q.route} -> ${q.status ?? '-'} ${q.outcome}${q.fault ? ` [fault ${q.fault}]` : ''} ${q.durationMs}ms`);
    }
    const report: ChaosReport = {
      started,
      correct,
      byProvider,
      wrong,
      needsAttention,
      duplicates,
      missingAtProvider,
      stuck,
      workers: nWorkers,
      kills,
      killsByWorker,
      restarts,
      unexpectedWorkerExits,
      faultsFired,
      providerCalls,
      operatorApprovals,
      durationMs: Date.now() - t0,
      ok: false,
    };
    report.ok = started === opts.refunds && correct === opts.refunds && duplicates.length === 0 && stuck.length === 0 && missingAtProvider.length === 0;
    return report;
  } finally {
    stopping.value = true;
    await Promise.all(workers.map((w) => w?.stop().catch(() => undefined)));
    await connection?.close().catch(() => undefined);
    await dev?.stop().catch(() => undefined);
    await sandbox.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatReport(r: ChaosReport, opts: ChaosOptions): string {
  const total = Object.values(r.faultsFired).reduce((a, b) => a + b, 0);
  const rows: [string, string][] = [
    ['refunds started', `${r.started} / ${opts.refunds}`],
    ...PROVIDERS.map((p): [string, string] => [`  ${p}`, `${r.byProvider[p].correct} correct of ${r.byProvider[p].started} (expected ${EXPECTED[p]})`]),
    ['correct final state', String(r.correct)],
    ['needs_attention', String(r.needsAttention)],
    ['duplicates at providers', String(r.duplicates.length)],
    ['approved here, nothing at provider', String(r.missingAtProvider.length)],
    ['stuck (not final by the deadline)', String(r.stuck.length)],
    ['worker processes (one task queue)', String(r.workers)],
    ['worker SIGKILLs', r.workers > 1 ? `${r.kills} (${r.killsByWorker.map((k, i) => `worker ${i + 1}: ${k}`).join(', ')})` : String(r.kills)],
    ['worker exits on its own', String(r.unexpectedWorkerExits)],
    ['dev-server restarts', String(r.restarts)],
    ['faults fired', `${total} (${Object.entries(r.faultsFired).map(([k, v]) => `${k} ${v}`).join(', ')})`],
    ['provider calls (sandbox log)', String(r.providerCalls)],
    ['operator approvals (SecPaid)', String(r.operatorApprovals)],
    ['duration', `${(r.durationMs / 1000).toFixed(0)} s`],
    ['result', r.ok ? 'PASS' : 'FAIL'],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  const lines = ['', `Chaos report (seed ${opts.seed}, fault rate ${opts.faultRate}, ${r.workers} worker${r.workers > 1 ? 's' : ''})`, '-'.repeat(w + 40), ...rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`)];
  for (const x of r.wrong.slice(0, 30)) lines.push(`  NOT CORRECT ${x.refundId} (${x.provider}): ${x.status}${x.attention ? ` -- ${x.attention}` : ''}`);
  for (const d of r.duplicates.slice(0, 30)) {
    lines.push(`  DUPLICATE ${d.provider}/${d.paymentId} (${d.refundId ?? '-'}): asked ${d.asked}, recorded ${JSON.stringify(d.recorded)}`);
    for (const c of d.calls ?? []) lines.push(`      ${c}`);
  }
  for (const m of r.missingAtProvider.slice(0, 30)) lines.push(`  MISSING AT PROVIDER ${m}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  stopChildrenOnSignal('chaos');
  const argv = process.argv.slice(2);
  const refunds = numFlag(argv, 'refunds', 500);
  const opts: ChaosOptions = {
    refunds,
    workers: numFlag(argv, 'workers', 1),
    kills: numFlag(argv, 'kills', 5),
    restarts: numFlag(argv, 'restarts', 1),
    faultRate: numFlag(argv, 'fault-rate', 0.2),
    seed: numFlag(argv, 'seed', 7),
    settleTimeoutMs: numFlag(argv, 'settle-seconds', 600) * 1000,
    totalTimeoutMs: numFlag(argv, 'timeout-seconds', 2400) * 1000,
  };
  console.log(`chaos: ${JSON.stringify(opts)}`);
  const report = await runChaos(opts);
  console.log(formatReport(report, opts));
  process.exitCode = report.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error('chaos: failed:', err);
    process.exit(2);
  });
}
