/**
 * The client package as another team gets it: `npm pack` of packages/client (its prepack
 * compiles client/ and nexus/service.ts with tsconfig.build.json's settings), the tarball
 * installed into a temporary project outside the repository, the consumer of
 * examples/service-consumer type-checked with `tsc` and run against the dev server, the refund
 * worker and the provider sandbox.
 */
import { execFile } from 'node:child_process';
import { cpSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, uniqueKey, type Stack } from '../helpers/stack.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGE_DIR = join(ROOT, 'packages/client');
const CONSUMER = join(ROOT, 'examples/service-consumer');

/** The child's environment: no npm_* variables of the outer `npm test`, no keys of ours. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[name]) env[name] = process.env[name];
  return { ...env, ...extra };
}

let s: Stack;
let tmp: string;
beforeAll(async () => {
  s = await startStack();
  tmp = mkdtempSync(join(tmpdir(), 'refund-client-package-'));
});
afterAll(async () => {
  await s?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the client package (@refund-orchestrator/client)', () => {
  it('is packed, installed outside the repository, type-checked with tsc, and creates and awaits a refund', { timeout: 600_000 }, async () => {
    expect(relative(ROOT, tmp).startsWith('..')).toBe(true);

    // 1. npm pack: the tarball holds the compiled client and types, and no worker or workflow code.
    const packed = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: PACKAGE_DIR, env: childEnv(), maxBuffer: 16 << 20 });
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const files = info!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/client/index.js', 'dist/client/index.d.ts', 'dist/nexus/service.js', 'dist/nexus/service.d.ts', 'dist/domain/refund.d.ts']));
    expect(files.filter((f) => /^dist\/(worker|sandbox|scripts|ops\/(?!redact))/.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith('dist/workflows/')).sort()).toEqual([
      'dist/workflows/messages.d.ts',
      'dist/workflows/messages.js',
      'dist/workflows/search-attributes.d.ts',
      'dist/workflows/search-attributes.js',
    ]);
    expect(files.filter((f) => f.startsWith('dist/activities/')).sort()).toEqual(['dist/activities/secret.d.ts', 'dist/activities/secret.js']);
    const tarball = join(tmp, info!.filename);

    // 2. A project of its own, the tarball installed from the file (not linked to the repository).
    const project = join(tmp, 'consumer');
    cpSync(CONSUMER, project, { recursive: true, filter: (src) => !/node_modules|dist$/.test(src) });
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--save-exact', tarball], { cwd: project, env: childEnv(), maxBuffer: 16 << 20 });
    const installed = join(project, 'node_modules/@refund-orchestrator/client');
    expect(lstatSync(installed).isSymbolicLink()).toBe(false);
    expect(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'))).toMatchObject({ name: '@refund-orchestrator/client', version: '0.1.0' });

    // 3. tsc type-checks the consumer (a @ts-expect-error in it fails the build if the types were `any`) and compiles it.
    const tsc = await run(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: project, env: childEnv() }).catch((err: { stdout?: string }) => {
      throw new Error(`tsc failed:\n${err.stdout ?? String(err)}`);
    });
    expect(tsc.stdout).toBe('');

    // 4. The compiled consumer refunds against the dev server and the sandbox.
    const paymentId = (await s.admin('POST', '/payments', { provider: 'reservepay', amount: 50_000, currency: 'THB' })).id as string;
    const orderId = uniqueKey('pkg');
    const out = await run(process.execPath, ['dist/refund.js', orderId, paymentId], {
      cwd: project,
      env: childEnv({ TEMPORAL_ADDRESS: s.address, TEMPORAL_NAMESPACE: s.namespace, TEMPORAL_TASK_QUEUE: s.taskQueue }),
    });
    const refundId = `refund-order-${orderId}-refund`;
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).toBe(`started ${refundId}: pending`);
    expect(lines[1]).toMatch(new RegExp(`^${refundId}: approved \\(provider refund rfn_`));
    expect(lines).toContain('refused: amount: must be an integer number of minor units (2500 means 25.00), not a fraction');
    expect(lines.at(-1)).toBe(`conflict: ${refundId} differs in amount`);
    expect((await s.refunds.get(refundId)).status).toBe('approved');
    await expect(s.refunds.get(`refund-order-${orderId}-bad`)).rejects.toThrow(/not found/);
    const sandboxRefunds = (await s.admin('GET', `/refunds?provider=reservepay&paymentId=${paymentId}`)).refunds as unknown[];
    expect(sandboxRefunds).toHaveLength(1);
  });
});
