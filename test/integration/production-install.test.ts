/**
 * The production install on this machine, as close to running the image as a machine without a
 * Docker engine gets. The Dockerfile's final stage is read and done in a temporary folder: its
 * files are copied (dist/ from a fresh `npm run build`, as its build stage makes it, into a folder
 * of the project so the bundler resolves the project's full install, like the build stage's
 * /app) and its `npm ci` line is run there. Then the Dockerfile's worker command and the compose
 * file's API command start from that folder with plain node and a minimal environment (no tsx
 * loader inherited), against the run's dev server and the provider sandbox, with payload
 * encryption on, and a refund of each provider is completed through the HTTP API.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { freePort, stopChild } from '../../scripts/processes.js';
import { PROJECT_ROOT } from '../../scripts/temporal-binaries.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { sandboxWorkerEnv } from '../../sandbox/worker-env.js';
import { eventually } from '../helpers/stack.js';

// ------------------------------------------------------------------ what the image does

interface RuntimeStage {
  /** In order: files copied from the build context, dist/ from the build stage, the npm ci line. */
  steps: ({ kind: 'copy'; sources: string[]; dest: string } | { kind: 'copy-from-build'; source: string; dest: string } | { kind: 'npm-ci'; args: string[] })[];
  cmd: string[];
}

/** The Dockerfile's last stage, as steps this test can perform. */
function runtimeStage(): RuntimeStage {
  const stage = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8').split(/^FROM /m).at(-1)!;
  const steps: RuntimeStage['steps'] = [];
  let cmd: string[] | undefined;
  for (const line of stage.split('\n')) {
    const copy = /^COPY (--from=\S+ )?(.+)$/.exec(line);
    if (copy) {
      const parts = copy[2]!.trim().split(/\s+/);
      const dest = parts.pop()!;
      if (copy[1]) steps.push({ kind: 'copy-from-build', source: parts[0]!, dest });
      else steps.push({ kind: 'copy', sources: parts, dest });
    }
    const run = /^RUN (.+)$/.exec(line);
    if (run) {
      for (const cmdPart of run[1]!.split('&&').map((s) => s.trim())) {
        if (cmdPart.startsWith('npm ci')) steps.push({ kind: 'npm-ci', args: cmdPart.split(/\s+/).slice(2) });
      }
    }
    const c = /^CMD (\[.+\])$/.exec(line);
    if (c) cmd = JSON.parse(c[1]!) as string[];
  }
  if (!cmd) throw new Error('Dockerfile: no CMD in the final stage');
  return { steps, cmd };
}

function composeCommand(service: string): string[] {
  const compose = parse(readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { command?: string[] }> };
  const command = compose.services[service]?.command;
  if (!command) throw new Error(`docker-compose.yml: service ${service} has no command`);
  return command;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${out.slice(-3000)}`))));
  });
}

// ------------------------------------------------------------------ processes of the install

interface Proc {
  child: ChildProcess;
  output: () => string;
}

/** Start `node ...` in the install folder; resolves with the match of `ready` in its output. */
function startNode(cwd: string, command: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs = 90_000): Promise<Proc & { match: RegExpExecArray }> {
  expect(command[0]).toBe('node');
  const child = spawn(process.execPath, command.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const output = () => out;
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command.join(' ')} not ready in ${timeoutMs} ms:\n${out.slice(-3000)}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += String(d);
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ child, output, match: m });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command.join(' ')} exited ${code} before it was ready:\n${out.slice(-3000)}`));
    });
  });
}

/** Only what the container would have: no NODE_OPTIONS, no loader, nothing of vitest's. */
function baseEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', TZ: 'UTC' };
}

// ------------------------------------------------------------------ the test

const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');
const taskQueue = `production-${randomUUID()}`;
const TOKEN = `production-install-${randomBytes(8).toString('hex')}`;
const KEYS = `k1:${randomBytes(32).toString('base64')}`;

let installDir: string;
let buildDir: string;
let sandbox: RunningSandbox;
let worker: Proc | undefined;
let api: (Proc & { match: RegExpExecArray }) | undefined;
let apiUrl: string;
let stage: RuntimeStage;

const temporalEnv = () => ({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, TEMPORAL_TASK_QUEUE: taskQueue, REFUNDS_ENCRYPTION_KEYS: KEYS });

function workerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...baseEnv(), ...temporalEnv(), METRICS_BIND_ADDRESS: 'off', ...sandboxWorkerEnv(sandbox), ...extra };
}

const admin = async (path: string, body: unknown) => {
  const res = await fetch(`${sandbox.urls.admin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return (await res.json()) as { id: string };
};
const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const until = async (id: string, done: (r: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await call('GET', `/v1/refunds/${id}`);
    if (r.status === 200 && done(r.body)) return r.body;
    if (Date.now() > deadline) throw new Error(`${id}: last answer ${JSON.stringify(r)}\nworker:\n${worker?.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};
const refund = async (provider: string, payment: Record<string, unknown>, request: (paymentId: string) => Record<string, unknown>) => {
  const { id: paymentId } = await admin('/payments', { provider, ...payment });
  const created = await call('POST', '/v1/refunds', { provider, ...request(paymentId) }, { 'idempotency-key': `prod-${provider}-${randomUUID().slice(0, 8)}` });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { provider, paymentId, refundId: created.body.refundId as string };
};

beforeAll(async () => {
  stage = runtimeStage();
  installDir = mkdtempSync(join(tmpdir(), 'refunds-production-'));
  mkdirSync(join(PROJECT_ROOT, '.data'), { recursive: true });
  buildDir = mkdtempSync(join(PROJECT_ROOT, '.data', 'production-build-'));
  // The build stage's `npm run build` (its output folder inside the project), alongside the install.
  const build = run(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'scripts/build.ts'), '--out-dir', join(buildDir, 'dist')], PROJECT_ROOT);
  build.catch(() => undefined); // awaited below
  for (const step of stage.steps) {
    if (step.kind === 'copy') {
      for (const src of step.sources) cpSync(join(PROJECT_ROOT, src), resolve(installDir, step.dest, step.sources.length > 1 || step.dest.endsWith('/') ? src : ''), { recursive: true });
    } else if (step.kind === 'npm-ci') {
      // --prefer-offline: from the local npm cache where it can; the packages are the lockfile's either way.
      await run('npm', ['ci', ...step.args, '--prefer-offline'], installDir, baseEnv());
    } else {
      await build;
      expect(step.source).toBe('/app/dist');
      cpSync(join(buildDir, 'dist'), resolve(installDir, step.dest), { recursive: true });
    }
  }
  await build;
}, 600_000);

afterAll(async () => {
  if (api) await stopChild(api.child);
  if (worker) await stopChild(worker.child);
  await sandbox?.close();
  if (installDir) rmSync(installDir, { recursive: true, force: true });
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

describe('the production install (the Dockerfile final stage, outside Docker)', () => {
  it('has the production dependencies and dist/ only: no tsx, no TypeScript, no test tools', () => {
    expect(stage.steps.find((s) => s.kind === 'npm-ci')?.args).toEqual(expect.arrayContaining(['--omit=dev', '--ignore-scripts']));
    for (const dev of ['tsx', 'typescript', 'vitest', 'eslint', '@temporalio/testing', 'playwright-core']) {
      expect(existsSync(join(installDir, 'node_modules', dev)), dev).toBe(false);
    }
    expect(existsSync(join(installDir, 'node_modules', '@temporalio', 'worker'))).toBe(true);
    const entryOf = (cmd: string[]) => cmd.slice(1).find((a) => !a.startsWith('--'))!; // after node's flags
    for (const entry of [entryOf(stage.cmd), entryOf(composeCommand('api')), entryOf(composeCommand('codec')), 'dist/workflow-bundle/manifest.json']) {
      expect(existsSync(join(installDir, entry)), entry).toBe(true);
    }
    expect(existsSync(join(installDir, 'dist', 'client', 'index.d.ts'))).toBe(true);
  });

  it('runs the postinstall step without tsx (it skips the Temporal binaries there)', async () => {
    cpSync(join(PROJECT_ROOT, 'scripts', 'postinstall.mjs'), join(installDir, 'scripts', 'postinstall.mjs'));
    const out = await run('npm', ['run', 'postinstall'], installDir, baseEnv());
    expect(out).toContain('production install (no dev dependencies)');
    rmSync(join(installDir, 'scripts'), { recursive: true, force: true });
  });

  it('the CLI runs from dist/ without tsx', () => {
    const r = spawnSync(process.execPath, ['bin/refunds.mjs', '--help'], { cwd: installDir, env: baseEnv(), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('usage: refunds');
  });

  it('starts the worker with the prebuilt bundle and the API, and completes a refund of each provider through the API', async () => {
    sandbox = await startSandbox({ port: 0 });
    worker = await startNode(installDir, stage.cmd, workerEnv(), /worker: polling task queue/);
    expect(worker.output()).toContain(`worker: workflow bundle ${join(installDir, 'dist', 'workflow-bundle', 'plain.js')} (prebuilt by npm run build)`);
    expect(worker.output()).not.toContain('bundling the workflows in-process');
    // Its start-up log line (after the polling line) says encryption is on.
    await eventually(async () => /"encryption":\s*"on"/.test(worker!.output()), 15_000);

    const port = await freePort();
    api = await startNode(installDir, composeCommand('api'), { ...baseEnv(), ...temporalEnv(), REFUNDS_API_TOKEN: TOKEN, REFUNDS_API_HOST: '127.0.0.1', REFUNDS_API_PORT: String(port) }, /api: listening on (http:\/\/\S+)/);
    apiUrl = api.match[1]!.replace(/\/$/, '');

    const [reservepay, openpayd, linkmoney, secpaid] = await Promise.all([
      refund('reservepay', { amount: 100_000, currency: 'THB' }, (id) => ({ payment: { paymentId: id }, amount: 25_050, currency: 'THB' })),
      refund('openpayd', { amount: 1234, currency: 'EUR', referenceNo: 'ref-prod-1' }, (id) => ({ payment: { transactionId: id, referenceNo: 'ref-prod-1' }, amount: 'full', currency: 'EUR' })),
      refund('linkmoney', { amount: 5000, currency: 'USD', settledAt: '2026-01-05T15:00:00Z' }, (id) => ({ payment: { paymentId: id, settledAt: '2026-01-05T15:00:00Z' }, amount: 1999, currency: 'USD' })),
      refund('secpaid', { amount: 10_000, currency: 'EUR' }, (id) => ({ payment: { payId: id }, amount: 2500, currency: 'EUR' })),
    ]);

    const finals = await Promise.all([
      until(reservepay.refundId, (r) => r.status === 'approved'),
      until(openpayd.refundId, (r) => r.status === 'approved'),
      until(linkmoney.refundId, (r) => r.status === 'authorized'),
      (async () => {
        await until(secpaid.refundId, (r) => r.pendingReason === 'awaiting_admin_review');
        const approved = await call('POST', `/v1/refunds/${secpaid.refundId}/approve`, { operator: 'ops@example.com', note: 'approved in the SecPaid dashboard' });
        expect(approved.status, JSON.stringify(approved.body)).toBe(200);
        return until(secpaid.refundId, (r) => r.status === 'approved');
      })(),
    ]);
    expect(finals.map((f) => f.status)).toEqual(['approved', 'approved', 'authorized', 'approved']);
    // The sandbox holds each provider's refund of its payment: the installed worker really called them.
    for (const r of [reservepay, openpayd, linkmoney, secpaid]) {
      const res = await fetch(`${sandbox.urls.admin}/refunds?provider=${r.provider}&paymentId=${encodeURIComponent(r.paymentId)}`);
      expect(((await res.json()) as { refunds: unknown[] }).refunds, r.provider).toHaveLength(1);
    }

    // Encryption on: the refund's input in the history is ciphertext, readable only with the keys.
    const connection = await Connection.connect({ address });
    try {
      const history = await new Client({ connection, namespace }).workflow.getHandle(reservepay.refundId).fetchHistory();
      const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      expect(Buffer.from(input!.metadata!.encoding!).toString()).toBe('binary/encrypted');
      expect(Buffer.from(input!.data!).toString('latin1')).not.toContain('25050');
    } finally {
      await connection.close();
    }
  }, 240_000);
  it('with tracing on, the worker loads the bundle with the OpenTelemetry interceptors, and the workflow spans come out of it', async () => {
    await stopChild(worker!.child);
    worker = await startNode(installDir, stage.cmd, workerEnv({ OTEL_TRACES_EXPORTER: 'console' }), /worker: polling task queue/);
    expect(worker.output()).toContain(`worker: workflow bundle ${join(installDir, 'dist', 'workflow-bundle', 'opentelemetry.js')} (prebuilt by npm run build)`);
    const r = await refund('reservepay', { amount: 50_000, currency: 'THB' }, (id) => ({ payment: { paymentId: id }, amount: 1000, currency: 'THB' }));
    expect((await until(r.refundId, (b) => b.status === 'approved')).status).toBe('approved');
    // RunWorkflow spans are made by the workflow interceptors inside the bundle (sent out through a sink).
    await eventually(async () => worker!.output().includes("name: 'RunWorkflow:"));
    expect(worker.output()).toMatch(/name: 'RunActivity:/);
    expect(worker.output()).not.toMatch(/Ignoring WorkerOptions\.interceptors\.workflowModules/);
  }, 120_000);
});
