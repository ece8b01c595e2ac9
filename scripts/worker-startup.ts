/**
 * Worker start-up, from process start to "worker: polling task queue", with and without the
 * prebuilt workflow bundle of `npm run build`. Figures for the README, not a test (no timed
 * assertions in tests). Needs dist/ (`npm run build`); starts its own dev server and sandbox.
 *
 *   tsx scripts/worker-startup.ts [--runs 5]
 *
 * Variants, run round-robin, each a fresh `node` process:
 *   prebuilt      node dist/worker/main.js with dist/workflow-bundle/ (the image now);
 *   cold-cache    node dist/worker/main.js without it and an empty bundle cache: the bundle is
 *                 built by a child process at every start (a fresh container without it);
 *   in-process    the same with no writable cache folder: the SDK bundles in the worker process;
 *   tsx-source    node --import tsx worker/main.ts, empty cache (the image before: tsx at run
 *                 time, the bundle built at every container start).
 * RSS is read from /proc when the polling line appears.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startSandbox } from '../sandbox/server.js';
import { sandboxWorkerEnv } from '../sandbox/worker-env.js';
import { startDevServer } from './dev-server.js';
import { PROJECT_ROOT } from './temporal-binaries.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);

const work = mkdtempSync(join(PROJECT_ROOT, '.data', 'worker-startup-'));
const noBundleDist = join(work, 'nobundle', 'dist');
cpSync(join(PROJECT_ROOT, 'dist'), noBundleDist, { recursive: true });
rmSync(join(noBundleDist, 'workflow-bundle'), { recursive: true, force: true });
const source = join(work, 'source');
// The source folders `npm run build` compiles (tsconfig.build.json).
const { include } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
for (const dir of include.filter((d) => existsSync(join(PROJECT_ROOT, d)))) cpSync(join(PROJECT_ROOT, dir), join(source, dir), { recursive: true });
for (const f of ['package.json', 'tsconfig.json']) cpSync(join(PROJECT_ROOT, f), join(source, f));
const notADir = join(work, 'not-a-dir');
writeFileSync(notADir, '');

interface Variant {
  name: string;
  args: string[];
  /** Before each run: make the cache state the variant needs; returns TMPDIR. */
  prepare(): string;
}

const freshTmp = () => mkdtempSync(join(work, 'tmp-'));
const variants: Variant[] = [
  { name: 'prebuilt', args: [join(PROJECT_ROOT, 'dist', 'worker', 'main.js')], prepare: freshTmp },
  {
    name: 'cold-cache',
    args: [join(noBundleDist, 'worker', 'main.js')],
    prepare: () => {
      rmSync(join(noBundleDist, '.data'), { recursive: true, force: true });
      return freshTmp();
    },
  },
  {
    name: 'in-process',
    args: [join(noBundleDist, 'worker', 'main.js')],
    prepare: () => {
      rmSync(join(noBundleDist, '.data'), { recursive: true, force: true });
      writeFileSync(join(noBundleDist, '.data'), ''); // a file: the cache folder cannot be made
      return notADir;
    },
  },
  {
    name: 'tsx-source',
    args: ['--import', 'tsx', join(source, 'worker', 'main.ts')],
    prepare: () => {
      rmSync(join(source, '.data'), { recursive: true, force: true });
      return freshTmp();
    },
  },
];

const server = await startDevServer({ headless: true, logLevel: 'error' });
const sandbox = await startSandbox({ port: 0 });
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  NODE_ENV: 'production',
  TEMPORAL_ADDRESS: server.address,
  METRICS_BIND_ADDRESS: 'off',
  ...sandboxWorkerEnv(sandbox),
};

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function once(v: Variant, i: number): Promise<{ ms: number; rss: number }> {
  const tmp = v.prepare();
  const t0 = performance.now();
  const child = spawn(process.execPath, v.args, { cwd: PROJECT_ROOT, env: { ...env, TMPDIR: tmp, TEMPORAL_TASK_QUEUE: `startup-${v.name}-${i}` }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const result = await new Promise<{ ms: number; rss: number }>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += String(d);
      if (out.includes('worker: polling task queue')) resolve({ ms: performance.now() - t0, rss: rssMiB(child.pid!) });
    });
    child.stderr.on('data', (d) => (out += String(d)));
    child.once('exit', (code) => reject(new Error(`${v.name}: exited ${code}\n${out.slice(-2000)}`)));
  });
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  if (v.name === 'prebuilt' && !out.includes('(prebuilt by npm run build)')) throw new Error('prebuilt: the worker did not load dist/workflow-bundle');
  if (v.name === 'in-process' && !out.includes('bundling the workflows in-process')) throw new Error('in-process: the worker did not bundle in-process');
  if ((v.name === 'cold-cache' || v.name === 'tsx-source') && !out.includes('built the workflow bundle in')) throw new Error(`${v.name}: the worker did not build its bundle`);
  return result;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const results = new Map<string, { ms: number; rss: number }[]>(variants.map((v) => [v.name, []]));
try {
  for (let i = 0; i < runs; i++) {
    for (const v of variants) {
      const r = await once(v, i);
      results.get(v.name)!.push(r);
      console.log(`run ${i + 1}/${runs} ${v.name.padEnd(10)} ${(r.ms / 1000).toFixed(2)} s  RSS ${r.rss.toFixed(0)} MiB`);
    }
  }
  console.log(`\n| variant | start-up median (min-max), ${runs} runs | RSS at polling, median |\n|---|---|---|`);
  for (const [name, rs] of results) {
    const ms = rs.map((r) => r.ms);
    console.log(`| ${name} | ${(median(ms) / 1000).toFixed(2)} s (${(Math.min(...ms) / 1000).toFixed(2)}-${(Math.max(...ms) / 1000).toFixed(2)}) | ${median(rs.map((r) => r.rss)).toFixed(0)} MiB |`);
  }
} finally {
  await sandbox.close();
  await server.stop();
  mkdirSync(work, { recursive: true });
  rmSync(work, { recursive: true, force: true });
}
