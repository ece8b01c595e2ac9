/**
 * `npx tsx bench/memory.ts`: what the refund worker holds in memory. Not part of `npm run bench`
 * (which measures the default settings only); this one compares settings:
 *
 *   - idle: a worker started and left alone, per variant (V8 flags), RSS while it starts
 *     (bundling) and when idle;
 *   - cache: per sticky-cache size, a fresh worker; N Link Money refunds (payments settled now:
 *     a durable timer of 3+ days) created at once and worked off (the price of a cache smaller
 *     than the burst: evicted refunds replay their history at each step); RSS while they all
 *     wait; then the `getRefund` query (RefundsClient.get) on the first `--wake` of them, the
 *     least recently used: the price of waking an evicted refund; and on a few cached ones.
 *
 *   npx tsx bench/memory.ts --waiting 2000 --wake 500 --caches 10,50,100,300,default --concurrency 50 --out /tmp/memory.md
 *
 * Flags: --phases idle,cache; --variants default,semi2,... (see VARIANTS); --idle-seconds 15;
 * --cache-node-args '--flag ...' and --cache-env K=V,... for the cache phase's workers.
 */
import { writeFileSync } from 'node:fs';
import { RefundsClient } from '../client/refunds-client.js';
import { startBenchStack, startBenchWorker, makeRequests, type BenchStack, type BenchWorker } from './fixtures.js';
import { flag, numFlag, stopChildrenOnSignal, percentile, pool, progressLine, ProcSampler, scrapeMetrics, sleep, withTimeout } from './lib.js';

const argv = process.argv.slice(2);
const WAITING = numFlag(argv, 'waiting', 2000);
const WAKE = numFlag(argv, 'wake', 500);
/** Refunds created per second in the cache phase (0 = as fast as --concurrency allows). */
const START_RATE = numFlag(argv, 'start-rate', 0);
const CONCURRENCY = numFlag(argv, 'concurrency', 50);
const IDLE_S = numFlag(argv, 'idle-seconds', 15);
const CACHES = (flag(argv, 'caches') ?? '10,50,100,300,default').split(',');
const PHASES = new Set((flag(argv, 'phases') ?? 'idle,cache').split(','));
const OUT = flag(argv, 'out');
const CACHE_NODE_ARGS = (flag(argv, 'cache-node-args') ?? '').split(' ').filter(Boolean);
/** Extra environment for the cache phase's workers: `--cache-env MALLOC_ARENA_MAX=2,FOO=bar`. */
const CACHE_ENV: Record<string, string> = Object.fromEntries(
  (flag(argv, 'cache-env') ?? '')
    .split(',')
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);

/** V8 flag variants for the idle phase (and --cache-node-args for the cache phase). */
const VARIANTS: Record<string, string[]> = {
  default: [],
  semi1: ['--max-semi-space-size=1'],
  semi4: ['--max-semi-space-size=4'],
  old256: ['--max-old-space-size=256'],
  size: ['--optimize-for-size'],
  'semi4+size': ['--max-semi-space-size=4', '--optimize-for-size'],
};
const VARIANT_NAMES = (flag(argv, 'variants') ?? Object.keys(VARIANTS).join(',')).split(',');

const log = (l: string) => console.log(`memory: ${l}`);
const lines: string[] = [];
const out = (l: string) => {
  lines.push(l);
  console.log(l);
};

async function idleRun(stack: BenchStack, label: string, nodeArgs: string[], env: Record<string, string> = {}): Promise<void> {
  const w = await startBenchWorker(stack, `mem-idle-${label}-${Date.now()}`, { nodeArgs, env });
  const sampler = new ProcSampler(w.pid, 500).start();
  await sleep(IDLE_S * 1000);
  const s = sampler.stop();
  const metrics = await scrapeMetrics(w.metricsUrl).catch(() => new Map<string, number>());
  const cache = metrics.get('temporal_sticky_cache_size');
  log(`${label}: cache metrics ${JSON.stringify(Object.fromEntries([...metrics].filter(([k]) => /cache/.test(k))))}`);
  await w.stop();
  log(`${label}: ${w.bundle}`);
  out(`| ${label} | \`${nodeArgs.join(' ') || '-'}\` | ${(w.readyMs / 1000).toFixed(1)} s | ${w.startPeakMiB.toFixed(0)} | ${s.rssAvgMiB.toFixed(0)} | ${s.rssMaxMiB.toFixed(0)} | ${s.cpuPct.toFixed(1)}% | ${cache ?? '-'} |`);
}

async function wake(refunds: RefundsClient, ids: string[], what: string): Promise<{ perSecond: number; p50: number; p95: number; failed: number }> {
  const lat: number[] = [];
  let failed = 0;
  const t0 = Date.now();
  const tick = setInterval(() => log(`   ${progressLine(what, lat.length + failed, ids.length, t0)}`), 10_000);
  await pool(ids, CONCURRENCY, async (id) => {
    const s = Date.now();
    try {
      const st = await withTimeout(refunds.get(id), 60_000, 'get');
      if (st.status !== 'pending') log(`   ${id} is ${st.status}`);
      lat.push(Date.now() - s);
    } catch (err) {
      failed++;
      if (failed <= 3) log(`   ${what} ${id} failed: ${(err as Error).message}`);
    }
  });
  clearInterval(tick);
  const secs = (Date.now() - t0) / 1000;
  return { perSecond: lat.length / secs, p50: percentile(lat, 50), p95: percentile(lat, 95), failed };
}

async function main(): Promise<void> {
  stopChildrenOnSignal('memory');
  const stack = await startBenchStack();
  let w: BenchWorker | undefined;
  try {
    out(`# Worker memory (${new Date().toISOString()}, \`npx tsx bench/memory.ts ${argv.join(' ')}\`)`);
    out('');
    if (PHASES.has('idle')) {
      out(`## Idle worker (started, then ${IDLE_S} s with nothing to do)`);
      out('');
      out('| variant | node flags | start to polling | RSS peak while starting (MiB) | idle RSS avg (MiB) | idle RSS max (MiB) | idle CPU | sticky cache size |');
      out('|---|---|---|---|---|---|---|---|');
      for (const name of VARIANT_NAMES) {
        const args = VARIANTS[name];
        if (!args) throw new Error(`unknown variant ${name}; known: ${Object.keys(VARIANTS).join(', ')}`);
        await idleRun(stack, name, args);
      }
      out('');
    }
    if (PHASES.has('cache')) {
      out(`## Sticky cache: ${WAITING} Link Money refunds started at once, then waiting in the settlement hold`);
      out('');
      out(`Per cache size, on a fresh task queue, a fresh worker${CACHE_NODE_ARGS.length ? ` (node ${CACHE_NODE_ARGS.join(' ')})` : ''}${Object.keys(CACHE_ENV).length ? ` (env ${JSON.stringify(CACHE_ENV)})` : ''}: idle 5 s; ${WAITING} Link Money refunds of payments settled now created ${START_RATE ? `at ${START_RATE}/s` : 'at once'} (at most ${CONCURRENCY} \`create\` in flight) and worked off until every one waits on its hold timer (burst); RSS sampled ${IDLE_S} s while they all wait; then \`RefundsClient.get\` (describe + \`getRefund\` query) of the ${WAKE} started first (least recently used: evicted when the cache is smaller than ${WAITING}), at most ${CONCURRENCY} in flight; then the same on a few just woken (warm).`);
      out('');
      out('| WORKER_MAX_CACHED_WORKFLOWS | idle RSS | burst: refunds/s to waiting | burst: RSS max | waiting: RSS avg / max | cached | forced evictions | wake evicted: /s, p50, p95 | RSS after wake | warm p95 | CPU in burst / wake |');
      out('|---|---|---|---|---|---|---|---|---|---|---|');
      for (const c of CACHES) {
        const queue = `mem-c${c}-${Date.now().toString(36)}`;
        const refunds = new RefundsClient(stack.client, queue);
        const reqs = await makeRequests(stack.admin, 'linkmoney', WAITING, `mem${c}`, new Date().toISOString());
        const ids = reqs.map((r) => `refund-${r.idempotencyKey}`);
        const env: Record<string, string> = { ...CACHE_ENV, ...(c === 'default' ? {} : { WORKER_MAX_CACHED_WORKFLOWS: c }) };
        w = await startBenchWorker(stack, queue, { env, nodeArgs: CACHE_NODE_ARGS });
        log(`cache ${c}: ${w.bundle}`);
        const idle = new ProcSampler(w.pid, 500).start();
        await sleep(5_000);
        const idleStats = idle.stop();
        const burst = new ProcSampler(w.pid, 500).start();
        const t0 = Date.now();
        let created = 0;
        let submitted = 0;
        const tick = setInterval(() => log(`   cache ${c}: ${progressLine('created', created, WAITING, t0)}; submitted ${submitted}; RSS ${burst.lastRssMiB().toFixed(0)} MiB`), 10_000);
        await pool(reqs, CONCURRENCY, async (r) => {
          await withTimeout(refunds.create(r), 120_000, 'create');
          created++;
        }, START_RATE);
        // Worked off: every refund submitted (one activity each) and no workflow task in flight.
        let quiet = 0;
        for (let i = 0; i < 1800 && quiet < 3; i++) {
          const m = await scrapeMetrics(w.metricsUrl).catch(() => new Map<string, number>());
          const subs = await scrapeMetrics(w.metricsUrl, /activity_type="[^"]*[sS]ubmit[^"]*"/).catch(() => new Map<string, number>());
          submitted = subs.get('temporal_activity_execution_latency_count') ?? 0;
          const busy = m.get('temporal_worker_task_slots_used') ?? 0;
          quiet = submitted >= WAITING && busy === 0 ? quiet + 1 : 0;
          await sleep(1_000);
        }
        clearInterval(tick);
        const burstStats = burst.stop();
        const burstSecs = (Date.now() - t0) / 1000 - 3;
        const waiting = new ProcSampler(w.pid, 500).start();
        await sleep(IDLE_S * 1000);
        const waitingStats = waiting.stop();
        const m1 = await scrapeMetrics(w.metricsUrl).catch(() => new Map<string, number>());
        const cached = m1.get('temporal_sticky_cache_size') ?? NaN;
        const evictions = m1.get('temporal_sticky_cache_total_forced_eviction') ?? 0;
        log(`cache ${c}: burst ${burstSecs.toFixed(0)} s, waiting RSS ${waitingStats.rssAvgMiB.toFixed(0)} MiB, cached ${cached}, forced evictions ${evictions}; waking ${Math.min(WAKE, ids.length)}`);
        const during = new ProcSampler(w.pid, 500).start();
        const cold = await wake(refunds, ids.slice(0, WAKE), `cache ${c} wake`);
        const duringStats = during.stop();
        const after = new ProcSampler(w.pid, 500).start();
        await sleep(5_000);
        const afterStats = after.stop();
        const warmIds = ids.slice(0, WAKE).slice(-Math.max(1, Math.min(20, Math.floor((Number.isFinite(cached) ? cached : 10) / 4))));
        const warm = await wake(refunds, warmIds, `cache ${c} warm`);
        out(`| ${c} | ${idleStats.rssAvgMiB.toFixed(0)} | ${(WAITING / burstSecs).toFixed(1)} (${burstSecs.toFixed(0)} s) | ${burstStats.rssMaxMiB.toFixed(0)} | **${waitingStats.rssAvgMiB.toFixed(0)}** / ${waitingStats.rssMaxMiB.toFixed(0)} | ${cached} | ${evictions} | ${cold.perSecond.toFixed(1)}, ${cold.p50} ms, **${cold.p95} ms**${cold.failed ? ` (${cold.failed} failed)` : ''} | ${afterStats.rssAvgMiB.toFixed(0)} | ${warm.p95} ms | ${burstStats.cpuPct.toFixed(0)}% / ${duringStats.cpuPct.toFixed(0)}% |`);
        await w.stop();
        w = undefined;
      }
      out('');
      out('RSS in MiB. CPU: share of one core.');
      out('');
    }
    if (OUT) {
      writeFileSync(OUT, lines.join('\n') + '\n');
      log(`wrote ${OUT}`);
    }
  } finally {
    await w?.stop().catch(() => undefined);
    await stack.close();
  }
}

main().catch((err: unknown) => {
  console.error('memory: failed:', err);
  process.exit(1);
});
