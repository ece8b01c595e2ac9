/**
 * worker/heap.ts: the limits set before Worker.create reach the workflow thread. Run in a child
 * process (V8 flags are process-wide and would otherwise reach this test runner's own threads).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { WORKER_NODE_FLAGS } from '../../worker/heap.js';

const ROOT = join(import.meta.dirname, '..', '..');

function threadHeapLimitMb(setup: string): { main: number; thread: number } {
  const script = `
    import { Worker } from 'node:worker_threads';
    import { getHeapStatistics } from 'node:v8';
    ${setup}
    const limit = () => getHeapStatistics().heap_size_limit / 1048576;
    const main = limit();
    const w = new Worker("Promise.all([import('node:worker_threads'), import('node:v8')]).then(([t, v8]) => t.parentPort.postMessage(v8.getHeapStatistics().heap_size_limit / 1048576));", { eval: true });
    w.once('message', (thread) => { console.log(JSON.stringify({ main, thread })); w.terminate(); });
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { main: number; thread: number };
}

describe('the workflow thread heap', () => {
  it('a thread started after limitWorkflowThreadHeap gets its limit; the main thread keeps its own', () => {
    const before = threadHeapLimitMb('');
    const after = threadHeapLimitMb(`const { limitWorkflowThreadHeap } = await import(${JSON.stringify(join(ROOT, 'worker', 'heap.ts'))}); limitWorkflowThreadHeap(164);`);
    expect(before.thread).toBeGreaterThan(1000); // V8's default on this machine
    // old generation 164 MiB plus the young generation (3 x 4 MiB semi-spaces)
    expect(after.thread).toBeGreaterThanOrEqual(164);
    expect(after.thread).toBeLessThan(200);
    expect(after.main).toBe(before.main);
  });
});

describe('the worker process flags (worker/heap.ts WORKER_NODE_FLAGS)', () => {
  const flags = [...WORKER_NODE_FLAGS];
  it('the Dockerfile starts the worker with them', () => {
    const cmd = /^CMD (\[.+\])$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...flags, 'dist/worker/main.js']);
  });
  it('the compose worker service too', () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: { worker: { command: string[] } } };
    expect(compose.services.worker.command).toEqual(['node', ...flags, 'dist/worker/main.js']);
  });
  it('and npm run worker', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['worker']).toBe(`node ${flags.join(' ')} --import tsx worker/main.ts`);
  });
});
