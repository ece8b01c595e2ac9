/**
 * Where an idle refund worker's RSS goes, step by step, in one process (the steps worker/main.ts
 * takes, without the provider config): node + tsx, importing the SDK, the activities, the Runtime
 * and connection, the workflow bundle (built here with webpack, or read from PREBUILT), then
 * Worker.create and running idle.
 *
 *   TEMPORAL_ADDRESS=127.0.0.1:7233 node --expose-gc --import tsx bench/memory-probe.ts
 *   TEMPORAL_ADDRESS=... PREBUILT=.data/workflow-bundles/workflows-<hash>.js node --expose-gc --import tsx bench/memory-probe.ts
 *   (WRITE=/tmp/bundle.js writes the bundle it built)
 */
import { readFileSync, writeFileSync } from 'node:fs';

const rss = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
const heap = (): string => (process.memoryUsage().heapUsed / 2 ** 20).toFixed(0);
const step = (l: string): void => console.log(`${l.padEnd(48)} RSS ${rss().toFixed(0)} MiB, heapUsed ${heap()} MiB`);
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

step('start (node + tsx)');
const w = await import('@temporalio/worker');
step('import @temporalio/worker (webpack, core bridge)');
await import('../activities/index.js');
step('import activities (compiled by tsx)');
const { WORKFLOWS_PATH } = await import('../worker/worker.js');
w.Runtime.install({ logger: new w.DefaultLogger('ERROR') });
const connection = await w.NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
step('Runtime + NativeConnection');
let peak = 0;
const t = setInterval(() => (peak = Math.max(peak, rss())), 50);
let code: string;
if (process.env.PREBUILT) {
  code = readFileSync(process.env.PREBUILT, 'utf8');
  clearInterval(t);
  step('read the prebuilt bundle');
} else {
  code = (await w.bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new w.DefaultLogger('ERROR') })).code;
  clearInterval(t);
  step(`bundleWorkflowCode (peak ${peak.toFixed(0)} MiB, ${(code.length / 2 ** 20).toFixed(1)} MiB of code)`);
  if (process.env.WRITE) writeFileSync(process.env.WRITE, code);
}
gc();
step('after gc');
const worker = await w.Worker.create({ connection, taskQueue: `probe-${process.pid}`, workflowBundle: { code }, activities: {} });
step('Worker.create');
const run = worker.run();
await new Promise((r) => setTimeout(r, 5000));
gc();
step('running 5 s, after gc');
await new Promise((r) => setTimeout(r, 10000));
step('running 15 s');
worker.shutdown();
await run;
await connection.close();
