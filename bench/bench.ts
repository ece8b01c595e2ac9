/**
 * `npm run bench`: the refund engine's figures, in one run, printed and written to BENCHMARKS.md.
 * No timed assertions.
 *
 *   1. throughput: synchronous refunds (Reservepay + OpenPayd) vs a trivial workflow with one
 *      no-op activity (bench/trivial/), same server and tuning, alternating rounds; p50/p95;
 *   2. history events per refund of each provider's normal path (`fetchHistory()`), and of any
 *      other workflow the refunds started (payment locks);
 *   3. provider calls per refund of each normal path, from the sandbox's request log (a sandbox
 *      of its own), Link Money's shared token apart; SecPaid approved at the provider and found
 *      by the workflow's own check;
 *   4. N refunds waiting at once on ONE worker at its DEFAULT settings (Link Money holds plus a
 *      few SecPaid reviews, paced under SecPaid's 60 requests/min): worker RSS and CPU;
 *   5. the price of waking refunds the worker's cache no longer holds: operator actions on
 *      `--wake` of them (rate, p50, p95), and the SecPaid reviews approved by the operator;
 *   6. a bulk batch of `--batch-rows` rows (Reservepay + OpenPayd, JSONL) through the sandbox on
 *      one worker (workflows/batch.ts): rows started and refunds final per second, worker RSS.
 *
 *   npm run bench                         # the defaults below; writes BENCHMARKS.md
 *   npm run bench -- --throughput 100 --waiting 2000 --secpaid 20 --wake 300 --out /tmp/bench.md
 *
 * Flags (defaults): --throughput 400, --concurrency 50, --rounds 2, --paths 5 (refunds per provider
 * for sections 2 and 3), --waiting 10000, --secpaid 150 (of the waiting), --secpaid-per-minute 25,
 * --start-rate 30 (Link Money refunds created per second in section 4; 0 = at once),
 * --wake 1000, --wake-update 1000, --sample-seconds 60, --out FILE. Worker settings are the
 * worker's own defaults unless --activities, --workflow-tasks or --cache is given (then they are
 * set for every worker of the run, the baseline's too; --node-args "..." adds V8 flags to every
 * worker; --sections 1,2,3,4,5,6 runs a part; --batch-rows 10000 and --batch-concurrency 10 for 6). A run with any flag changed writes its
 * report to --out, or to the OS temp folder: only the default run writes BENCHMARKS.md.
 *
 * Everything runs as separate processes on 127.0.0.1: the Temporal dev server (SQLite file,
 * journal_mode=WAL + synchronous=OFF), the provider sandbox, and the workers (the refund worker
 * compiled by `npm run build` first and run as production runs it, `node dist/worker/main.js`;
 * `tsx bench/trivial/worker.ts` for the baseline).
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem, tmpdir } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RefundsClient, listQuery } from '../client/refunds-client.js';
import { RefundActionRejectedError } from '../client/errors.js';
import { parseBatchFile } from '../client/batch-file.js';
import { BatchesClient, type BatchView } from '../client/batches.js';
import { DEFAULT_BATCH_CONCURRENCY } from '../domain/batch.js';
import type { Provider } from '../domain/providers.js';
import { requireTemporalBinary, PROJECT_ROOT } from '../scripts/temporal-binaries.js';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../worker/worker.js';
import { makeRequests, makeSyncRequests, startBenchStack, startBenchWorker, type BenchStack, type BenchWorker, type RefundRequestInput } from './fixtures.js';
import { Admin, flag, numFlag, stopChildrenOnSignal, percentile, pool, ProcSampler, progressLine, scrapeMetrics, sleep, startSandboxProcess, withTimeout, type ProcStats, type SandboxProcess } from './lib.js';

const argv = process.argv.slice(2);
const DEFAULTS = {
  throughput: 400,
  concurrency: 50,
  rounds: 2,
  paths: 5,
  waiting: 10_000,
  secpaid: 150,
  'secpaid-per-minute': 25,
  'start-rate': 30,
  wake: 1000,
  'wake-update': 1000,
  'sample-seconds': 60,
  'batch-rows': 10_000,
  'batch-concurrency': DEFAULT_BATCH_CONCURRENCY,
} as const;
const KNOWN_FLAGS = new Set([...Object.keys(DEFAULTS), 'activities', 'workflow-tasks', 'cache', 'out', 'sections', 'node-args']);
for (let i = 0; i < argv.length; i++) {
  const m = /^--([a-z-]+)/.exec(argv[i]!);
  if (m && !KNOWN_FLAGS.has(m[1]!)) throw new Error(`bench: unknown flag --${m[1]} (known: ${[...KNOWN_FLAGS].join(', ')})`);
  if (argv[i] === '--node-args') i++; // its value is flags for the workers
}
const num = (name: keyof typeof DEFAULTS): number => numFlag(argv, name, DEFAULTS[name]);
const THROUGHPUT_N = num('throughput');
const CONCURRENCY = Math.max(1, num('concurrency'));
const ROUNDS = Math.max(1, num('rounds'));
const PATHS_N = Math.max(1, num('paths'));
const WAITING_N = num('waiting');
const SECPAID_N = Math.min(num('secpaid'), Math.floor(WAITING_N / 2));
const SECPAID_PER_MIN = Math.max(1, num('secpaid-per-minute'));
const LINK_N = WAITING_N - SECPAID_N;
/** Link Money refunds created per second in section 4 (0 = as fast as --concurrency allows). */
const START_RATE = num('start-rate');
const SAMPLE_S = num('sample-seconds');
/** Overrides given on the command line; none = the worker's own defaults. */
const TUNING: Record<string, string> = {
  ...(flag(argv, 'activities') ? { WORKER_MAX_CONCURRENT_ACTIVITIES: String(numFlag(argv, 'activities', 0)) } : {}),
  ...(flag(argv, 'workflow-tasks') ? { WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: String(numFlag(argv, 'workflow-tasks', 0)) } : {}),
  ...(flag(argv, 'cache') ? { WORKER_MAX_CACHED_WORKFLOWS: String(numFlag(argv, 'cache', 0)) } : {}),
};
/** V8/Node flags for every worker of the run (for example "--max-semi-space-size=4"). */
const NODE_ARGS = (flag(argv, 'node-args') ?? '').split(' ').filter(Boolean);
/** 1 throughput, 2 history events, 3 provider calls (2 and 3 run together), 4 waiting and 5 waking (together). */
const SECTIONS = new Set((flag(argv, 'sections') ?? '1,2,3,4,5,6').split(',').map((x) => x.trim()));
if (SECTIONS.has('5')) SECTIONS.add('4');
const IS_DEFAULT_RUN = argv.filter((a) => a.startsWith('--')).length === 0;
const OUT = flag(argv, 'out') ?? (IS_DEFAULT_RUN ? join(PROJECT_ROOT, 'BENCHMARKS.md') : join(tmpdir(), `refunds-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.md`));

const T0 = Date.now();
const log = (l: string) => console.log(`bench [${((Date.now() - T0) / 1000).toFixed(0).padStart(4)} s] ${l}`);
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '-');

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

interface Rate {
  n: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  failed: number;
  lat: number[];
}

function rate(lat: number[], ms: number, failed = 0): Rate {
  return { n: lat.length, seconds: ms / 1000, perSecond: lat.length / (ms / 1000), p50: percentile(lat, 50), p95: percentile(lat, 95), failed, lat };
}

/** Run `fn` over items, at most CONCURRENCY in flight, timing each; progress every 10 s. */
async function timed<T>(what: string, items: T[], fn: (item: T) => Promise<void>, concurrency = CONCURRENCY): Promise<Rate> {
  const lat: number[] = [];
  let failed = 0;
  const t0 = Date.now();
  const tick = setInterval(() => log(`   ${progressLine(what, lat.length + failed, items.length, t0)}${failed ? `, ${failed} failed` : ''}`), 10_000);
  try {
    await pool(items, concurrency, async (item) => {
      const s = Date.now();
      try {
        await fn(item);
        lat.push(Date.now() - s);
      } catch (err) {
        failed++;
        if (failed <= 5) log(`   ${what}: ${(err as Error).message}`);
      }
    });
  } finally {
    clearInterval(tick);
  }
  return rate(lat, Date.now() - t0, failed);
}

type LoggedRequest = { provider: string; route: string; body: unknown };
const requestLog = async (admin: Admin): Promise<LoggedRequest[]> => (await admin.call<{ requests: LoggedRequest[] }>('GET', '/requests')).requests;

/** Workflows on a task queue started at or after `since`, by type, with their history lengths. */
async function workflowsOn(stack: BenchStack, queue: string, since: Date): Promise<{ id: string; type: string }[]> {
  const out: { id: string; type: string }[] = [];
  let token: Uint8Array | undefined;
  for (let page = 0; page < 100; page++) {
    const res = await stack.connection.workflowService.listWorkflowExecutions({
      namespace: 'default',
      query: `TaskQueue = '${queue}' AND StartTime >= '${since.toISOString()}'`,
      pageSize: 1000,
      ...(token ? { nextPageToken: token } : {}),
    });
    for (const e of res.executions ?? []) out.push({ id: e.execution?.workflowId ?? '', type: e.type?.name ?? '' });
    token = res.nextPageToken && res.nextPageToken.length > 0 ? res.nextPageToken : undefined;
    if (!token) break;
  }
  return out;
}

async function historyLength(stack: BenchStack, workflowId: string): Promise<number> {
  const h = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  return h.events?.length ?? 0;
}

interface WaitResult {
  settledAt: string;
  sample: { nextCheckAt?: string } | undefined;
  startSeconds: number;
  inHold: number;
  pendingCount: number;
  idleStats: ProcStats;
  startStats: ProcStats;
  waitStats: ProcStats;
  metricsWait: Map<string, number>;
  cacheSize: number;
  lmStatusCalls: number;
  spPolls: number;
  wakeN: number;
  wakeUpdN: number;
  useApprove: boolean;
  wakeGet: Rate;
  wakeUpd: Rate | undefined;
  wakeWarm: Rate | undefined;
  wakeSerial: Rate | undefined;
  refusedOk: number;
  wrongState: number;
  drain: Rate | undefined;
  spApproveIds: number;
  wakeStats: ProcStats;
  missesGet: number;
  evictionsGet: number;
  missesUpd: number;
  evictionsUpd: number;
}

interface PathResult {
  provider: Provider;
  n: number;
  statuses: Record<string, number>;
  /** calls per refund by route (token apart) */
  calls: Record<string, number>;
  tokenCalls: number;
  refundEvents: number[];
  /** other workflows the refunds started (payment locks ...), per type: count and events */
  others: Record<string, { count: number; events: number }>;
  seconds: number;
  note?: string;
}

const TOKEN_ROUTE = /token/i;

async function main(): Promise<void> {
  stopChildrenOnSignal('bench');
  log(`run: ${JSON.stringify({ THROUGHPUT_N, CONCURRENCY, ROUNDS, PATHS_N, WAITING_N, SECPAID_N, SECPAID_PER_MIN, START_RATE, WAKE_N: num('wake'), WAKE_UPDATE_N: num('wake-update'), SAMPLE_S, TUNING: Object.keys(TUNING).length ? TUNING : 'worker defaults', out: OUT })}`);
  const stack = await startBenchStack();
  const workers: BenchWorker[] = [];
  let pathsSandbox: SandboxProcess | undefined;
  const stopWorker = async (w: BenchWorker | undefined) => {
    if (!w) return;
    await w.stop().catch(() => undefined);
    if (workers.includes(w)) workers.splice(workers.indexOf(w), 1);
  };
  const startWorker = async (queue: string, opts: { script?: string; sandboxBase?: string } = {}) => {
    const w = await startBenchWorker(stack, queue, { env: TUNING, ...(NODE_ARGS.length ? { nodeArgs: NODE_ARGS } : {}), ...opts });
    workers.push(w);
    log(`   worker ${queue} (pid ${w.pid}) ready in ${(w.readyMs / 1000).toFixed(1)} s, RSS peak while starting ${f0(w.startPeakMiB)} MiB; ${w.bundle}`);
    return w;
  };
  try {
    // ------------------------------------------------------------ 1. throughput
    let tp: { product: Rate; trivial: Rate; ratio: number; statuses: Record<string, number>; refundLat: Rate[]; trivialLat: Rate[]; cpuRefunds: number; cpuTrivial: number } | undefined;
    if (SECTIONS.has('1')) {
      log(`1. throughput: ${THROUGHPUT_N} Reservepay/OpenPayd refunds vs ${THROUGHPUT_N} trivial workflows, at most ${CONCURRENCY} in flight, ${ROUNDS} alternating rounds`);
      const refundWorker = await startWorker('bench-refunds');
      const trivialWorker = await startWorker('bench-trivial', { script: 'bench/trivial/worker.ts' });
      const refunds = new RefundsClient(stack.client, 'bench-refunds');
      const reqs = await makeSyncRequests(stack.admin, THROUGHPUT_N, 'tp');
      const warm = await makeSyncRequests(stack.admin, 20, 'warm');
      let trivialSeq = 0;
      const trivialOne = async () => {
        const h = await stack.client.workflow.start('benchTrivialWorkflow', { taskQueue: 'bench-trivial', workflowId: `trivial-${trivialSeq++}`, args: [] });
        await h.result();
      };
      const statuses: Record<string, number> = {};
      const refundOne = async (r: RefundRequestInput) => {
        const { refund } = await refunds.create(r);
        const final = await refunds.waitForFinal(refund.refundId);
        statuses[final.status] = (statuses[final.status] ?? 0) + 1;
      };
      // warm-up (bundle loaded, token, connections, JIT): not counted
      await pool(warm, 10, refundOne);
      await pool(Array.from({ length: 20 }), 10, trivialOne);
      for (const k of Object.keys(statuses)) delete statuses[k];
      const per = Math.ceil(THROUGHPUT_N / ROUNDS);
      const trivialLat: Rate[] = [];
      const refundLat: Rate[] = [];
      const cpu = { trivial: [] as ProcStats[], refunds: [] as ProcStats[] };
      for (let round = 0; round < ROUNDS; round++) {
        const n = Math.min(per, THROUGHPUT_N - round * per);
        if (n <= 0) break;
        let s = new ProcSampler(trivialWorker.pid, 500).start();
        trivialLat.push(await timedRaw(`round ${round + 1} trivial`, n, trivialOne));
        cpu.trivial.push(s.stop());
        s = new ProcSampler(refundWorker.pid, 500).start();
        refundLat.push(await timedRaw(`round ${round + 1} refunds`, n, (i) => refundOne(reqs[round * per + i]!)));
        cpu.refunds.push(s.stop());
        log(`   round ${round + 1}: trivial ${f1(trivialLat.at(-1)!.perSecond)}/s, refunds ${f1(refundLat.at(-1)!.perSecond)}/s`);
      }
      const trivial = merge(trivialLat);
      const product = merge(refundLat);
      const ratio = product.perSecond / trivial.perSecond;
      const cpuAvg = (xs: ProcStats[]) => xs.reduce((a, x) => a + x.cpuPct * x.seconds, 0) / xs.reduce((a, x) => a + x.seconds, 0);
      log(`   refunds ${f1(product.perSecond)}/s (p50 ${product.p50} ms, p95 ${product.p95} ms); trivial ${f1(trivial.perSecond)}/s (p50 ${trivial.p50} ms, p95 ${trivial.p95} ms); ratio ${ratio.toFixed(2)}; statuses ${JSON.stringify(statuses)}`);
      await stopWorker(trivialWorker);
      await stopWorker(refundWorker);
      tp = { product, trivial, ratio, statuses, refundLat, trivialLat, cpuRefunds: cpuAvg(cpu.refunds), cpuTrivial: cpuAvg(cpu.trivial) };
    }

    // ------------------------------------------------------------ 2+3. normal paths
    const paths: Partial<Record<Provider, PathResult>> = {};
    let secpaidPath: Promise<PathResult> | undefined;
    let pathsWorker: BenchWorker | undefined;
    if (SECTIONS.has('2') || SECTIONS.has('3')) {
      log(`2/3. normal path of each provider (${PATHS_N} refunds each, own sandbox): history events and provider calls`);
      pathsSandbox = await startSandboxProcess({ seed: 2 });
      const pathsAdmin = new Admin(pathsSandbox.admin);
      pathsWorker = await startWorker('bench-paths', { sandboxBase: pathsSandbox.base });
      const pathRefunds = new RefundsClient(stack.client, 'bench-paths');
      const runPath = async (provider: Provider, settledAt?: string): Promise<{ ids: string[]; since: Date; t0: number }> => {
        const list = await makeRequests(pathsAdmin, provider, PATHS_N, 'path', settledAt);
        await pathsAdmin.call('DELETE', '/requests');
        const since = new Date(Date.now() - 1_000);
        const t0 = Date.now();
        const ids: string[] = [];
        for (const r of list) ids.push((await pathRefunds.create(r)).refund.refundId);
        return { ids, since, t0 };
      };
      const finishPath = async (provider: Provider, run: { ids: string[]; since: Date; t0: number }, note?: string): Promise<PathResult> => {
        const st: Record<string, number> = {};
        for (const id of run.ids) {
          const f = await pathRefunds.waitForFinal(id);
          st[f.status] = (st[f.status] ?? 0) + 1;
        }
        const seconds = (Date.now() - run.t0) / 1000;
        const calls = await requestLog(pathsAdmin);
        const byRoute: Record<string, number> = {};
        let tokenCalls = 0;
        for (const c of calls) {
          if (TOKEN_ROUTE.test(c.route)) tokenCalls++;
          else byRoute[c.route] = (byRoute[c.route] ?? 0) + 1 / run.ids.length;
        }
        const refundEvents = await Promise.all(run.ids.map((id) => historyLength(stack, id)));
        const others: PathResult['others'] = {};
        await sleep(1_500); // visibility
        const idSet = new Set(run.ids);
        for (const wf of await workflowsOn(stack, 'bench-paths', run.since)) {
          if (idSet.has(wf.id)) continue;
          const o = (others[wf.type] ??= { count: 0, events: 0 });
          o.count++;
          o.events += await historyLength(stack, wf.id);
        }
        const r: PathResult = { provider, n: run.ids.length, statuses: st, calls: byRoute, tokenCalls, refundEvents, others, seconds, ...(note ? { note } : {}) };
        log(`   ${provider}: ${JSON.stringify(st)}; calls/refund ${JSON.stringify(Object.fromEntries(Object.entries(byRoute).map(([k, v]) => [k, Number(v.toFixed(2))])))} + token ${tokenCalls}; history events ${refundEvents.join(',')}; other workflows ${JSON.stringify(others)}`);
        return r;
      };
      paths.openpayd = await finishPath('openpayd', await runPath('openpayd'));
      paths.reservepay = await finishPath('reservepay', await runPath('reservepay'));
      paths.linkmoney = await finishPath('linkmoney', await runPath('linkmoney', '2024-03-04T15:00:00Z'));
      // SecPaid's normal path: submitted, SecPaid's admin approves (at the sandbox), the workflow's
      // own check finds the Refund entry. The first check is minutes after submission: finished in
      // the background while section 4 runs (this sandbox is used by nothing else).
      const secpaidRun = await runPath('secpaid');
      secpaidPath = (async (): Promise<PathResult> => {
        const deadline = Date.now() + 20 * 60_000;
        const approvedAtSandbox = new Set<string>();
        while (approvedAtSandbox.size < secpaidRun.ids.length && Date.now() < deadline) {
          const pending = (await pathsAdmin.call<{ refunds: { id: string }[] }>('GET', '/refunds?provider=secpaid&status=Pending')).refunds;
          for (const r of pending) {
            if (approvedAtSandbox.has(r.id)) continue;
            await pathsAdmin.call('POST', `/refunds/${r.id}/approve`, {});
            approvedAtSandbox.add(r.id);
          }
          await sleep(1_000);
        }
        const t = Date.now();
        const final = await withTimeout(Promise.all(secpaidRun.ids.map((id) => pathRefunds.waitForFinal(id))), Math.max(1_000, deadline - t), 'SecPaid normal path').catch((e: Error) => e);
        if (final instanceof Error) return { provider: 'secpaid' as const, n: secpaidRun.ids.length, statuses: {}, calls: {}, tokenCalls: 0, refundEvents: [], others: {}, seconds: NaN, note: final.message };
        return finishPath('secpaid', secpaidRun, 'approved at SecPaid (sandbox admin), found by the workflow\'s own check');
      })();
      secpaidPath.catch(() => undefined);
    }

    // ------------------------------------------------------------ 4+5. waiting at scale, waking
    let wt: WaitResult | undefined;
    if (SECTIONS.has('4')) {
      log(`4. waiting: ${WAITING_N} refunds at once on one worker with its default settings (${LINK_N} Link Money holds, ${SECPAID_N} SecPaid reviews paced at ${SECPAID_PER_MIN}/min)`);
      const waitWorker = await startWorker('bench-wait');
      const waitRefunds = new RefundsClient(stack.client, 'bench-wait');
      const idle = new ProcSampler(waitWorker.pid, 500).start();
      await sleep(5_000);
      const idleStats = idle.stop();
      const settledAt = new Date().toISOString(); // the hold ends 3 US business days later
      const tPay = Date.now();
      const linkReqs = await makeRequests(stack.admin, 'linkmoney', LINK_N, 'wait', settledAt, (d) => {
        if (d % 2000 === 0) log(`   ${progressLine('payments at the sandbox', d, LINK_N, tPay)}`);
      });
      const secpaidReqs = await makeRequests(stack.admin, 'secpaid', SECPAID_N, 'wait');
      const startSampler = new ProcSampler(waitWorker.pid, 1_000).start();
      const tStart = Date.now();
      let startedLink = 0;
      let startedSecpaid = 0;
      const prog = setInterval(() => log(`   ${progressLine('started', startedLink + startedSecpaid, WAITING_N, tStart)} (Link Money ${startedLink}/${LINK_N}, SecPaid ${startedSecpaid}/${SECPAID_N}); worker RSS ${f0(startSampler.lastRssMiB())} MiB`), 10_000);
      const secpaidIds: string[] = [];
      const secpaidStarts = (async () => {
        for (const r of secpaidReqs) {
          const t = Date.now();
          secpaidIds.push((await waitRefunds.create(r)).refund.refundId);
          startedSecpaid++;
          await sleep(Math.max(0, 60_000 / SECPAID_PER_MIN - (Date.now() - t)));
        }
      })();
      const linkIds = linkReqs.map((r) => `refund-${r.idempotencyKey}`);
      await pool(linkReqs, CONCURRENCY, async (r) => {
        await withTimeout(waitRefunds.create(r), 120_000, 'start');
        startedLink++;
      }, START_RATE);
      await secpaidStarts;
      clearInterval(prog);
      const startSeconds = (Date.now() - tStart) / 1000;
      log(`   all ${WAITING_N} started in ${startSeconds.toFixed(0)} s; waiting until every one is pending at its provider`);
      // Every refund pending with its waiting reason (visibility), bounded.
      const pendingQuery = `${listQuery({ status: 'pending' })} AND TaskQueue = 'bench-wait'`;
      const countPending = async (): Promise<number> => Number((await stack.connection.workflowService.countWorkflowExecutions({ namespace: 'default', query: pendingQuery })).count ?? 0);
      const tSettle = Date.now();
      let inHold = 0;
      for (let i = 0; i < 600; i++) {
        // The last of each kind waiting at its provider (submitted) = the burst is worked off.
        const [lastLink, lastSp] = await Promise.all([
          waitRefunds.get(linkIds.at(-1)!).catch(() => undefined),
          secpaidIds.length ? waitRefunds.get(secpaidIds.at(-1)!).catch(() => undefined) : Promise.resolve(undefined),
        ]);
        const linkOk = !LINK_N || (lastLink?.pendingReason !== undefined && lastLink.pendingReason !== 'submitting');
        const spOk = !SECPAID_N || (lastSp?.pendingReason !== undefined && lastSp.pendingReason !== 'submitting');
        if (linkOk && spOk) {
          inHold = await countPending().catch(() => 0);
          break;
        }
        if (i % 10 === 0) log(`   settling: ${((Date.now() - tSettle) / 1000).toFixed(0)} s; worker RSS ${f0(startSampler.lastRssMiB())} MiB`);
        await sleep(1_000);
      }
      // ... and the worker idle (no task slot used for 3 s in a row): nothing left of the burst.
      for (let i = 0, quiet = 0; i < 300 && quiet < 3; i++) {
        const m = await scrapeMetrics(waitWorker.metricsUrl).catch(() => undefined);
        quiet = m && (m.get('temporal_worker_task_slots_used') ?? 1) === 0 ? quiet + 1 : 0;
        await sleep(1_000);
      }
      const startStats = startSampler.stop();
      log(`   settled after ${((Date.now() - tSettle) / 1000).toFixed(0)} s; pending (visibility) ${inHold}; RSS max while starting ${f0(startStats.rssMaxMiB)} MiB; sampling for ${SAMPLE_S} s`);
      await stack.admin.call('DELETE', '/requests');
      const sampler = new ProcSampler(waitWorker.pid, 1_000).start();
      const tSample = Date.now();
      while (Date.now() - tSample < SAMPLE_S * 1000) {
        await sleep(Math.min(10_000, SAMPLE_S * 1000 - (Date.now() - tSample)));
        log(`   sampling ${((Date.now() - tSample) / 1000).toFixed(0)}/${SAMPLE_S} s: RSS ${f0(sampler.lastRssMiB())} MiB`);
      }
      const waitStats = sampler.stop();
      const pendingCount = await countPending().catch(() => NaN);
      const metricsWait = await scrapeMetrics(waitWorker.metricsUrl).catch(() => new Map<string, number>());
      const waitCalls = await requestLog(stack.admin);
      const lmStatusCalls = waitCalls.filter((c) => c.provider === 'linkmoney' && !TOKEN_ROUTE.test(c.route) && !/\/v1\/refunds$/.test(c.route)).length;
      const spPolls = waitCalls.filter((c) => c.provider === 'secpaid' && c.route !== '/refundPayment').length;
      const cacheSize = metricsWait.get('temporal_sticky_cache_size') ?? NaN;
      log(`   pending ${pendingCount}; worker CPU ${f1(waitStats.cpuPct)}% of one core, RSS avg ${f0(waitStats.rssAvgMiB)} MiB max ${f0(waitStats.rssMaxMiB)} MiB; sticky cache ${cacheSize}; provider calls while sampled: Link Money reads ${lmStatusCalls}, SecPaid checks ${spPolls}`);

      // ------------------------------------------------------------ 5. waking evicted refunds
      const before = metricsWait;
      const wakeN = Math.min(num('wake'), LINK_N);
      const wakeUpdN = Math.min(num('wake-update'), Math.max(0, LINK_N - wakeN));
      // The first started are the least recently used: long out of the cache.
      const wakeIds = linkIds.slice(0, wakeN);
      const wakeUpdIds = linkIds.slice(wakeN, wakeN + wakeUpdN);
      const useApprove = SECPAID_N >= wakeN;
      log(`5. wake-up price: ${useApprove ? `approve (update) of ${wakeN} SecPaid reviews` : `RefundsClient.get (getRefund query) of ${wakeN} Link Money refunds`}${wakeUpdN ? `, then cancel (an update its validator refuses: submitted) of ${wakeUpdN} others` : ''}`);
      const wakeSampler = new ProcSampler(waitWorker.pid, 1_000).start();
      let wrongState = 0;
      const wakeGet = useApprove
        ? await timed('approve', secpaidIds.slice(0, wakeN), async (id) => void (await waitRefunds.approve(id, { operator: 'bench' })))
        : await timed('get', wakeIds, async (id) => {
          const s = await waitRefunds.get(id);
          if (s.status !== 'pending') wrongState++;
        });
      const afterGet = await scrapeMetrics(waitWorker.metricsUrl).catch(() => new Map<string, number>());
      let refusedOk = 0;
      const wakeUpd = wakeUpdN
        ? await timed('cancel (refused)', wakeUpdIds, async (id) => {
          try {
            await waitRefunds.cancel(id, { operator: 'bench', note: 'bench: wake-up price' });
            throw new Error(`cancel of submitted refund ${id} was accepted`);
          } catch (err) {
            if (!(err instanceof RefundActionRejectedError) || err.kind !== 'not_allowed') throw err;
            refusedOk++;
          }
        })
        : undefined;
      const afterUpd = await scrapeMetrics(waitWorker.metricsUrl).catch(() => new Map<string, number>());
      // Warm: the same query on refunds just woken (the cache holds the most recent ones).
      const warmIds = (useApprove ? [] : wakeUpdN ? wakeUpdIds : wakeIds).slice(-Math.max(1, Math.min(50, Math.floor((Number.isFinite(cacheSize) ? cacheSize : 20) / 4))));
      const wakeWarm = warmIds.length ? await timed('get (warm)', warmIds, async (id) => void (await waitRefunds.get(id)), 10) : undefined;
      // One at a time: the price of one wake-up, without queueing behind the others.
      const serialIds = linkIds.slice(wakeN + wakeUpdN, wakeN + wakeUpdN + Math.min(50, Math.max(0, LINK_N - wakeN - wakeUpdN)));
      const wakeSerial = serialIds.length ? await timed('get (evicted, one at a time)', serialIds, async (id) => void (await waitRefunds.get(id)), 1) : undefined;
      const wakeStats = wakeSampler.stop();
      const delta = (a: Map<string, number>, b: Map<string, number>, k: string) => (b.get(k) ?? 0) - (a.get(k) ?? 0);
      log(`   get/approve ${f1(wakeGet.perSecond)}/s p50 ${wakeGet.p50} ms p95 ${wakeGet.p95} ms${wakeUpd ? `; refused cancel ${f1(wakeUpd.perSecond)}/s p50 ${wakeUpd.p50} ms p95 ${wakeUpd.p95} ms (${refusedOk} refused as expected)` : ''}${wakeWarm ? `; warm get p95 ${wakeWarm.p95} ms` : ''}${wakeSerial ? `; one at a time p50 ${wakeSerial.p50} ms p95 ${wakeSerial.p95} ms` : ''}; worker RSS max ${f0(wakeStats.rssMaxMiB)} MiB CPU ${f0(wakeStats.cpuPct)}%`);

      // SecPaid reviews approved by the operator (an update on each, evicted or not).
      const spApproveIds = useApprove ? secpaidIds.slice(wakeN) : secpaidIds;
      const drain = spApproveIds.length
        ? await timed('SecPaid approve', spApproveIds, async (id) => {
          await waitRefunds.approve(id, { operator: 'bench' });
          await waitRefunds.waitForFinal(id);
        })
        : undefined;
      if (drain) log(`   SecPaid operator approvals: ${f1(drain.perSecond)}/s p50 ${drain.p50} ms p95 ${drain.p95} ms`);
      const sample = linkIds.length ? await waitRefunds.get(linkIds[0]!).catch(() => undefined) : undefined;
      await stopWorker(waitWorker);
      wt = { settledAt, sample, startSeconds, inHold, pendingCount, idleStats, startStats, waitStats, metricsWait, cacheSize, lmStatusCalls, spPolls, wakeN, wakeUpdN, useApprove, wakeGet, wakeUpd, wakeWarm, wakeSerial, refusedOk, wrongState, drain, spApproveIds: spApproveIds.length, wakeStats, missesGet: delta(before, afterGet, 'temporal_sticky_cache_miss'), evictionsGet: delta(before, afterGet, 'temporal_sticky_cache_total_forced_eviction'), missesUpd: delta(afterGet, afterUpd, 'temporal_sticky_cache_miss'), evictionsUpd: delta(afterGet, afterUpd, 'temporal_sticky_cache_total_forced_eviction') };
    }
    if (secpaidPath) {
      log('   waiting for the SecPaid normal path (its first check comes minutes after submission)');
      paths.secpaid = await secpaidPath;
    }
    await stopWorker(pathsWorker);

    // ------------------------------------------------------------ 6. a bulk batch
    let bt: { rows: number; concurrency: number; parseMs: number; createMs: number; startSeconds: number; finalSeconds: number; view: BatchView; stats: ProcStats; idle: ProcStats } | undefined;
    if (SECTIONS.has('6')) {
      const rows = num('batch-rows');
      const concurrency = num('batch-concurrency');
      log(`6. bulk: a ${rows}-row batch (Reservepay + OpenPayd) on one worker, concurrency ${concurrency}`);
      const batchWorker = await startWorker('bench-batch');
      const batches = new BatchesClient(new RefundsClient(stack.client, 'bench-batch'));
      // The file a person would upload: one request per JSONL line, each with its own idempotency key.
      const file = (await makeSyncRequests(stack.admin, rows, 'batch')).map((r) => JSON.stringify(r)).join('\n');
      const idle = new ProcSampler(batchWorker.pid, 200).start();
      await sleep(2_000);
      const idleStats = idle.stop();
      let t = Date.now();
      const parsed = parseBatchFile(file, { name: 'bench.jsonl' });
      const parseMs = Date.now() - t;
      if (parsed.invalid.length) throw new Error(`bench batch: ${parsed.invalid.length} invalid rows, the first: ${parsed.invalid[0]!.error}`);
      const sampler = new ProcSampler(batchWorker.pid, 1_000).start();
      t = Date.now();
      await batches.create(parsed, { concurrency, createdBy: 'bench', sourceName: 'bench.jsonl' });
      const createMs = Date.now() - t;
      let view = await batches.get(parsed.batchId);
      let startSeconds = NaN;
      const deadline = Date.now() + 60 * 60_000;
      for (let lastLog = Date.now(); Date.now() < deadline; ) {
        await sleep(1_000);
        view = await batches.get(parsed.batchId);
        if (view.finishedAt && Number.isNaN(startSeconds)) startSeconds = (Date.now() - t) / 1000;
        if (view.finishedAt && view.final >= view.created) break;
        if (Date.now() - lastLog >= 10_000) {
          lastLog = Date.now();
          log(`   ${view.status}: started ${view.started}/${view.validRows}, final ${view.final}, RSS ${f0(sampler.lastRssMiB())} MiB`);
        }
      }
      const finalSeconds = (Date.now() - t) / 1000;
      const stats = sampler.stop();
      await stopWorker(batchWorker);
      bt = { rows, concurrency, parseMs, createMs, startSeconds, finalSeconds, view, stats, idle: idleStats };
      log(`   ${rows} rows: all started in ${f1(startSeconds)} s (${f1(rows / startSeconds)} rows/s), all final in ${f1(finalSeconds)} s (${f1(rows / finalSeconds)}/s); worker RSS avg ${f0(stats.rssAvgMiB)} max ${f0(stats.rssMaxMiB)} MiB`);
    }

    // ------------------------------------------------------------ report
    const machine = {
      nproc: sh('nproc', []),
      mem: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
      cpu: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      temporal: sh(requireTemporalBinary('cli'), ['--version']),
      date: new Date().toISOString(),
      load: sh('cat', ['/proc/loadavg']).split(' ').slice(0, 3).join(' '),
    };
    const p = (x: Provider) => paths[x];
    const routes = (x: Provider) => Object.entries(p(x)?.calls ?? {}).map(([r, n]) => `${r} ${n.toFixed(2)}`).join(', ') || '-';
    const total = (x: Provider) => Object.values(p(x)?.calls ?? {}).reduce((a, b) => a + b, 0);
    const evRange = (xs: number[]) => (xs.length ? (Math.min(...xs) === Math.max(...xs) ? String(xs[0]) : `${Math.min(...xs)}-${Math.max(...xs)}`) : '-');
    const others = (x: Provider) => {
      const o = p(x)?.others ?? {};
      const n = p(x)?.n ?? 1;
      return Object.entries(o).map(([t, v]) => `${(v.count / n).toFixed(1)} \`${t}\` (${(v.events / Math.max(1, v.count)).toFixed(0)} events each)`).join(', ') || 'none';
    };
    const st = (x: Provider) => Object.entries(p(x)?.statuses ?? {}).map(([k, v]) => `${v} ${k}`).join(', ') || (p(x)?.note ?? '-');
    const syncEvents = [...(p('openpayd')?.refundEvents ?? []), ...(p('reservepay')?.refundEvents ?? [])];
    const maxSync = syncEvents.length ? Math.max(...syncEvents) : NaN;
    const cmd = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
    const secpaidCalls = p('secpaid')?.calls ?? {};
    const out: string[] = [
      '# Benchmarks',
      '',
      `Measured ${machine.date} by \`${cmd}\` (bench/bench.ts; every figure below was printed by that run and written here by it). Whole run: ${((Date.now() - T0) / 60_000).toFixed(1)} min.`,
      '',
      '## Machine and setup',
      '',
      `- nproc: ${machine.nproc}; memory: ${machine.mem}; CPU: ${machine.cpu}; load average at the end: ${machine.load} (the machine is shared: figures move with what else runs)`,
      `- Node ${machine.node}; Temporal CLI: ${machine.temporal.split('\n').join('; ')}`,
      "- Temporal dev server (`temporal server start-dev`) with a SQLite file and `--sqlite-pragma journal_mode=WAL --sqlite-pragma synchronous=OFF` (the SDK's stress recipe: upper-end figures for the dev server), headless, log level error.",
      '- Provider sandbox (`tsx sandbox/main.ts`, no faults; a second one for section 3, so its request log holds only those refunds) and the workers (compiled by `npm run build` at the start of the run and started as production starts them, `node dist/worker/main.js` with the prebuilt workflow bundle; the baseline `tsx bench/trivial/worker.ts`) as separate processes, all on 127.0.0.1.',
      `- Worker settings: ${Object.keys(TUNING).length ? `${JSON.stringify(TUNING)} for every worker of the run` : `the worker's defaults (no WORKER_MAX_* set: ${DEFAULT_MAX_CACHED_WORKFLOWS} cached workflows, 40 workflow tasks, 100 activities), the same for the baseline's worker`}${NODE_ARGS.length ? `; node flags \`${NODE_ARGS.join(' ')}\` for every worker` : ''}.`,
      '',
    ];
    if (tp) {
      out.push(
        '## 1. Throughput: synchronous refunds vs the bare engine',
        '',
        `${THROUGHPUT_N} refunds (half Reservepay, half OpenPayd) and ${THROUGHPUT_N} runs of a trivial workflow with one no-op activity (bench/trivial/, own task queue and worker process, same server and settings), at most ${CONCURRENCY} in flight, in ${ROUNDS} alternating rounds (trivial, refunds, trivial, ...) after a warm-up of 20 each. A refund is timed from \`RefundsClient.create\` to \`waitForFinal\`, the baseline from \`client.workflow.start\` to \`result()\`. Refund outcomes: ${Object.entries(tp.statuses).map(([k, v]) => `${v} ${k}`).join(', ')}.`,
        '',
        '| | per second | p50 start-to-final | p95 start-to-final | worker CPU (one core = 100%) |',
        '|---|---|---|---|---|',
        `| refunds (Reservepay + OpenPayd) | ${f1(tp.product.perSecond)} | ${tp.product.p50} ms | ${tp.product.p95} ms | ${f0(tp.cpuRefunds)}% |`,
        `| trivial workflow + no-op activity | ${f1(tp.trivial.perSecond)} | ${tp.trivial.p50} ms | ${tp.trivial.p95} ms | ${f0(tp.cpuTrivial)}% |`,
        '',
        `Ratio refunds / bare engine: **${tp.ratio.toFixed(2)}** (goal >= 0.8). Per round (refunds vs trivial, per second): ${tp.refundLat.map((r, i) => `${f1(r.perSecond)} vs ${f1(tp!.trivialLat[i]!.perSecond)}`).join('; ')}.`,
        '',
      );
    }
    if (Object.keys(paths).length) {
      out.push(
        '## 2. History events per refund (normal path)',
        '',
        `${PATHS_N} refunds per provider; events of each refund's own history (\`handle.fetchHistory()\`), and of any other workflow started on the task queue while they ran (per refund).`,
        '',
        '| path | outcome | refund history events | other workflows per refund |',
        '|---|---|---|---|',
        `| OpenPayd, synchronous | ${st('openpayd')} | **${evRange(p('openpayd')?.refundEvents ?? [])}** | ${others('openpayd')} |`,
        `| Reservepay, synchronous | ${st('reservepay')} | **${evRange(p('reservepay')?.refundEvents ?? [])}** | ${others('reservepay')} |`,
        `| Link Money, hold already over (authorized at submission) | ${st('linkmoney')} | ${evRange(p('linkmoney')?.refundEvents ?? [])} | ${others('linkmoney')} |`,
        `| SecPaid, approved at SecPaid, found by the workflow's check | ${st('secpaid')} | ${evRange(p('secpaid')?.refundEvents ?? [])} | ${others('secpaid')} |`,
        '',
        `Synchronous refunds: at most **${f0(maxSync)}** events (goal <= 20).`,
        '',
        '## 3. Provider calls per refund on the normal path (sandbox request log)',
        '',
        `Same refunds, counted from \`/_sandbox/requests\` of a sandbox used by nothing else, per refund; Link Money's OAuth token is shared by the worker and counted apart.`,
        '',
        '| provider | calls per refund | by route | goal |',
        '|---|---|---|---|',
        `| OpenPayd | **${total('openpayd').toFixed(2)}** | ${routes('openpayd')} | 1 |`,
        `| Reservepay | **${total('reservepay').toFixed(2)}** | ${routes('reservepay')} | <= 2 |`,
        `| Link Money | **${total('linkmoney').toFixed(2)}** (+ ${p('linkmoney')?.tokenCalls ?? 0} token calls for all ${p('linkmoney')?.n ?? 0}) | ${routes('linkmoney')} | 1 + the shared token |`,
        `| SecPaid | **${total('secpaid').toFixed(2)}** | ${routes('secpaid')} | 1 + its checks |`,
        '',
        `SecPaid: ${secpaidCalls['/refundPayment'] !== undefined ? `${secpaidCalls['/refundPayment'].toFixed(2)} submission and ${(total('secpaid') - secpaidCalls['/refundPayment']).toFixed(2)} checks per refund` : 'see the route column'}; approved at the sandbox right after submission, so this is the shortest review; a longer one adds the checks of the workflow's schedule. ${p('secpaid')?.note ?? ''}`,
        '',
      );
    }
    if (wt) {
      const w = wt;
      out.push(
        `## 4. ${WAITING_N} refunds waiting on one worker (default settings)`,
        '',
        `${LINK_N} Link Money refunds in the settlement hold (payments settled at the start of the phase, ${w.settledAt}: each waits on a durable timer until ${w.sample?.nextCheckAt ?? 'the end of the hold'}) and ${SECPAID_N} SecPaid refunds awaiting the admin review, on ONE worker started with no WORKER_MAX_* set${Object.keys(TUNING).length ? ' (but see the settings above)' : ''}. SecPaid allows 60 requests/min per token and the worker's own budget is lower (SECPAID_REQUESTS_PER_MINUTE), and every review also costs checks, so SecPaid submissions were paced at ${SECPAID_PER_MIN}/min; Link Money ones were created ${START_RATE ? `at ${START_RATE}/s` : 'as fast as the client went'} (at most ${CONCURRENCY} \`create\` calls in flight): refunds arriving at a steady rate rather than all at once (a burst larger than the sticky cache makes refunds replay their history at each step: see bench/memory.ts).`,
        '',
        `- Started in ${w.startSeconds.toFixed(0)} s (${f1(WAITING_N / w.startSeconds)}/s); pending (visibility count) once the last ones waited at their providers: ${w.inHold}; while sampled: ${w.pendingCount}.`,
        `- Worker idle before: RSS ${f0(w.idleStats.rssAvgMiB)} MiB. While the ${WAITING_N} started and settled: RSS max ${f0(w.startStats.rssMaxMiB)} MiB, CPU ${f0(w.startStats.cpuPct)}%.`,
        `- **Waiting** (sampled every second for ${SAMPLE_S} s): RSS avg **${f0(w.waitStats.rssAvgMiB)} MiB** (${f0(w.waitStats.rssAvgMiB * 1.048576)} MB), max **${f0(w.waitStats.rssMaxMiB)} MiB** (${f0(w.waitStats.rssMaxMiB * 1.048576)} MB); CPU **${f1(w.waitStats.cpuPct)}%** of one core. Goal: < 300 MB.`,
        `- Sticky cache: ${w.cacheSize} workflows held (temporal_sticky_cache_size), ${w.metricsWait.get('temporal_sticky_cache_total_forced_eviction') ?? 0} forced evictions so far.`,
        `- Provider calls while sampled: Link Money status reads ${w.lmStatusCalls} (no timer is due), SecPaid checks ${w.spPolls} (the review schedule's first checks).`,
        '',
        '## 5. Waking refunds the cache no longer holds',
        '',
        w.useApprove
          ? `Operator approval (\`RefundsClient.approve\`, the \`approveRefund\` update) of ${w.wakeN} waiting SecPaid reviews, at most ${CONCURRENCY} in flight.`
          : `There are fewer than ${num('wake')} SecPaid reviews (SecPaid's rate limit), and a waiting Link Money refund accepts no operator action that changes it (cancel only before submission, approve/reject are SecPaid's, resolve only in needs_attention). So the wake-up is measured with what an operator can do to one: read it (\`RefundsClient.get\`: describe + the \`getRefund\` query) on the ${w.wakeN} refunds started first${w.wakeUpdN ? `, and try to cancel it (\`RefundsClient.cancel\`: the \`cancelRefund\` update; its validator runs in the workflow and refuses, nothing is written to history) on the next ${w.wakeUpdN}` : ''}. The refunds started first are the least recently used: none is in the worker's cache, so the worker fetches each one's history and replays it before it can answer. At most ${CONCURRENCY} in flight.`,
        '',
        '| operator action | refunds | per second | p50 | p95 | cache misses / forced evictions (metric deltas) |',
        '|---|---|---|---|---|---|',
        `| ${w.useApprove ? 'approve (update)' : 'get (getRefund query)'} on evicted refunds | ${w.wakeGet.n}${w.wakeGet.failed ? ` (+${w.wakeGet.failed} failed)` : ''} | **${f1(w.wakeGet.perSecond)}** | ${w.wakeGet.p50} ms | **${w.wakeGet.p95} ms** | ${w.missesGet} / ${w.evictionsGet} |`,
        ...(w.wakeUpd ? [`| cancel, refused by its validator (update), on evicted refunds | ${w.wakeUpd.n}${w.wakeUpd.failed ? ` (+${w.wakeUpd.failed} failed)` : ''} (${w.refusedOk} refused as expected) | **${f1(w.wakeUpd.perSecond)}** | ${w.wakeUpd.p50} ms | **${w.wakeUpd.p95} ms** | ${w.missesUpd} / ${w.evictionsUpd} |`] : []),
        ...(w.wakeSerial ? [`| get on evicted refunds, one at a time | ${w.wakeSerial.n} | ${f1(w.wakeSerial.perSecond)} | ${w.wakeSerial.p50} ms | **${w.wakeSerial.p95} ms** | |`] : []),
        ...(w.wakeWarm ? [`| get on refunds just woken (cached), 10 in flight | ${w.wakeWarm.n} | ${f1(w.wakeWarm.perSecond)} | ${w.wakeWarm.p50} ms | ${w.wakeWarm.p95} ms | |`] : []),
        ...(w.drain ? [`| approve the ${w.spApproveIds} SecPaid reviews (update), then \`waitForFinal\` | ${w.drain.n}${w.drain.failed ? ` (+${w.drain.failed} failed)` : ''} | ${f1(w.drain.perSecond)} | ${w.drain.p50} ms | ${w.drain.p95} ms | |`] : []),
        '',
        `Worker while woken: RSS max ${f0(w.wakeStats.rssMaxMiB)} MiB, CPU ${f0(w.wakeStats.cpuPct)}%.${w.wrongState ? ` ${w.wrongState} refunds read were not pending.` : ''}`,
        '',
      );
    }
    if (bt) {
      const b = bt;
      const statuses = Object.entries(b.view.refunds).map(([k, v]) => `${v} ${k}`).join(', ');
      out.push(
        `## 6. A bulk batch of ${b.rows} rows`,
        '',
        `One JSONL file of ${b.rows} rows (half Reservepay, half OpenPayd, each row with its idempotency key) read and validated by \`parseBatchFile\` in ${b.parseMs} ms, then \`BatchesClient.create\` (${b.view.chunks} row holders, the batch workflow; ${b.createMs} ms) at concurrency ${b.concurrency}, on ONE worker (the same process runs the batch, its wave activities and every refund). Progress read every second (\`BatchesClient.get\`: the batch's query plus visibility counts by RefundBatchId).`,
        '',
        '| | seconds | rows per second |',
        '|---|---|---|',
        `| every row started (the batch workflow ended; ${b.view.runs} runs, continue-as-new between them) | ${f1(b.startSeconds)} | **${f1(b.rows / b.startSeconds)}** |`,
        `| every refund final (visibility) | ${f1(b.finalSeconds)} | **${f1(b.rows / b.finalSeconds)}** |`,
        '',
        `- Outcomes: ${statuses || '-'}; started ${b.view.started} (${b.view.created} by the batch, ${b.view.existing} existing), refused ${b.view.refused}.`,
        `- Worker RSS: idle before ${f0(b.idle.rssAvgMiB)} MiB; during the batch avg **${f0(b.stats.rssAvgMiB)} MiB**, max **${f0(b.stats.rssMaxMiB)} MiB**; CPU ${f0(b.stats.cpuPct)}% of one core.`,
        '',
      );
    }
    out.push(
      '## Reproduce',
      '',
      '```sh',
      cmd,
      'npm run bench -- --throughput 100 --waiting 2000 --secpaid 20 --wake 300 --wake-update 300 --out /tmp/bench.md   # reduced',
      'npm run bench -- --sections 1 --out /tmp/tp.md                                                                   # throughput only',
      'npm run bench -- --sections 6 --batch-rows 300 --out /tmp/batch-bench.md                                         # a small bulk batch only',
      'npx tsx bench/memory.ts --waiting 2000 --caches 10,50,100,300 --out /tmp/memory.md                               # RSS per cache size, V8 flags',
      '```',
      '',
    );
    // The chaos runs are made by hand (`npm run chaos`): keep their section of the file this run replaces.
    const previous = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
    const chaos = previous.indexOf('\n## Chaos');
    writeFileSync(OUT, out.join('\n') + (chaos >= 0 ? `\n\n${previous.slice(chaos + 1)}` : ''));
    console.log(`\n${out.join('\n')}`);
    log(`wrote ${OUT}`);
  } finally {
    for (const w of [...workers]) await w.stop().catch(() => undefined);
    await pathsSandbox?.stop().catch(() => undefined);
    await stack.close();
  }
}

/** `n` calls of fn(i), at most CONCURRENCY in flight, timed. */
function timedRaw(what: string, n: number, fn: (i: number) => Promise<void>): Promise<Rate> {
  return timed(what, Array.from({ length: n }, (_, i) => i), fn);
}

/** The rounds together: total count over total time, percentiles over every latency. */
function merge(rs: Rate[]): Rate {
  const lat = rs.flatMap((r) => r.lat);
  const seconds = rs.reduce((a, r) => a + r.seconds, 0);
  return { ...rate(lat, seconds * 1000, rs.reduce((a, r) => a + r.failed, 0)) };
}

main().catch((err: unknown) => {
  console.error('bench: failed:', err);
  process.exit(1);
});
