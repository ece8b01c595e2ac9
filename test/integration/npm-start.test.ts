/**
 * `npm start` as a user runs it: dev server + Web UI + sandbox + worker from one command, on
 * free ports; a refund survives a stop and a start (SQLite in the data folder); Ctrl-C (SIGINT
 * to the process group, as a terminal sends it) leaves no process behind. And a worker process
 * SIGKILLed in the middle of a refund: the refund completes once a worker is back.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RefundsClient } from '../../client/refunds-client.js';
import { freePort, isPortOpen } from '../../scripts/processes.js';
import { PROJECT_ROOT } from '../../scripts/temporal-binaries.js';
import { startSandbox } from '../../sandbox/server.js';
import { eventually, uniqueKey } from '../helpers/stack.js';

const cleanEnv = (): NodeJS.ProcessEnv =>
  ({ ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TEMPORAL_|SECPAID_|LINKMONEY_|OPENPAYD_|RESERVEPAY_|SANDBOX_|REFUNDS_|METRICS_)/.test(k))), METRICS_BIND_ADDRESS: 'off' });

interface Started {
  child: ChildProcess;
  output: () => string;
}

async function npmStart(env: NodeJS.ProcessEnv): Promise<Started> {
  // Its own process group, so that SIGINT reaches every process as a terminal's Ctrl-C does.
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'scripts/start.ts')], { cwd: PROJECT_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${out}`);
    return out.includes('Refund orchestrator is running');
  }, 120_000);
  return { child, output: () => out };
}

async function ctrlC(s: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => s.child.once('exit', (code) => resolve(code)));
  process.kill(-s.child.pid!, 'SIGINT');
  return exited;
}

function processesMentioning(text: string): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout;
  return ps.split('\n').filter((l) => l.includes(text) && !l.includes('ps -eo'));
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('npm start', () => {
  it('serves the Web UI, keeps a refund across a restart, and stops everything on Ctrl-C', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'refunds-start-'));
    dirs.push(dataDir);
    const [port, uiPort, sandboxPort, apiPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const env = { ...cleanEnv(), TEMPORAL_PORT: String(port), TEMPORAL_UI_PORT: String(uiPort), SANDBOX_PORT: String(sandboxPort), REFUNDS_API_PORT: String(apiPort), REFUNDS_DATA_DIR: dataDir };

    let started = await npmStart(env);
    expect(started.output()).toContain(`Temporal Web UI     http://localhost:${uiPort}`);
    const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/<html/i);
    // The HTTP API, with the local default token.
    expect(started.output()).toContain(`HTTP API            http://127.0.0.1:${apiPort}  (Bearer dev-token)`);
    expect((await fetch(`http://127.0.0.1:${apiPort}/readyz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${apiPort}/v1/refunds?limit=1`, { headers: { authorization: 'Bearer dev-token' } })).status).toBe(200);
    // The Nexus endpoint of the service refunds, and the callers' namespace (issue 15).
    expect(started.output()).toContain('Nexus endpoint      "refunds" -> service "refunds" on namespace default, task queue "refunds" (created); callers in namespace orders');
    const operator = await Connection.connect({ address: `127.0.0.1:${port}` });
    const { endpoints } = await operator.operatorService.listNexusEndpoints({ name: 'refunds' });
    expect(endpoints?.map((e) => e.spec?.target?.worker)).toEqual([expect.objectContaining({ namespace: 'default', taskQueue: 'refunds' })]);
    expect((await operator.workflowService.describeNamespace({ namespace: 'orders' })).namespaceInfo?.name).toBe('orders');
    await operator.close();

    // A SecPaid refund waits for the admin review: still pending when we stop.
    const admin = `http://127.0.0.1:${sandboxPort}/_sandbox`;
    const pay = (await (await fetch(`${admin}/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'secpaid', amount: 4200 }) })).json()) as { id: string };
    let refunds = new RefundsClient(new Client({ connection: await Connection.connect({ address: `127.0.0.1:${port}` }) }), 'refunds');
    const { refund } = await refunds.create({ idempotencyKey: uniqueKey('restart'), provider: 'secpaid', payment: { payId: pay.id }, amount: 4200, currency: 'EUR' });
    await eventually(async () => (await refunds.get(refund.refundId)).pendingReason === 'awaiting_admin_review', 30_000);
    await refunds.close();

    expect(await ctrlC(started)).toBe(0);
    for (const p of [port, uiPort, sandboxPort, apiPort]) expect(await isPortOpen(p)).toBe(false);
    expect(processesMentioning(dataDir)).toEqual([]);

    started = await npmStart(env);
    expect(started.output()).toContain('task queue "refunds" (unchanged); callers in namespace orders');
    refunds = new RefundsClient(new Client({ connection: await Connection.connect({ address: `127.0.0.1:${port}` }) }), 'refunds');
    const after = await refunds.get(refund.refundId);
    expect(after.status).toBe('pending');
    expect(after.pendingReason).toBe('awaiting_admin_review');
    expect((await refunds.approve(refund.refundId, { operator: 'ops' })).status).toBe('approved');
    await refunds.close();

    expect(await ctrlC(started)).toBe(0);
    expect(processesMentioning(dataDir)).toEqual([]);
  }, 300_000);

  it('a worker SIGKILLed in the middle of a refund: the refund completes once a worker is back', async () => {
    const address = inject('temporalAddress');
    const sandbox = await startSandbox({ port: 0 });
    const c = sandbox.credentials;
    const taskQueue = uniqueKey('kill');
    const env = {
      ...cleanEnv(),
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      SECPAID_BASE_URL: sandbox.urls.secpaid,
      SECPAID_TOKEN: c.secpaidToken,
      LINKMONEY_BASE_URL: sandbox.urls.linkmoney,
      LINKMONEY_CLIENT_ID: c.linkmoneyClientId,
      LINKMONEY_CLIENT_SECRET: c.linkmoneyClientSecret,
      OPENPAYD_BASE_URL: sandbox.urls.openpayd,
      OPENPAYD_API_KEY: c.openpaydApiKey,
      RESERVEPAY_BASE_URL: sandbox.urls.reservepay,
      RESERVEPAY_API_KEY: c.reservepayApiKey,
      LOG_LEVEL: 'ERROR',
    };
    const worker = () => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'worker/main.ts')], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
      const ready = new Promise<void>((resolve) => child.stdout!.on('data', (d) => String(d).includes('worker: polling') && resolve()));
      return { child, ready };
    };
    const refunds = new RefundsClient(new Client({ connection: await Connection.connect({ address }) }), taskQueue);
    try {
      // The provider answers slowly: the worker dies while the submission is in flight.
      const paymentId = (await (await fetch(`${sandbox.urls.admin}/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'reservepay', amount: 9000, currency: 'THB' }) })).json() as { id: string }).id;
      await fetch(`${sandbox.urls.admin}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'reservepay', route: '/merchants/refund-payment', kind: 'delay', delayMs: 3000, count: 1 }) });
      const first = worker();
      await first.ready;
      const { refund } = await refunds.create({ idempotencyKey: uniqueKey('kill'), provider: 'reservepay', payment: { paymentId }, amount: 3000, currency: 'THB' });
      await eventually(async () => {
        const reqs = (await (await fetch(`${sandbox.urls.admin}/requests?provider=reservepay`)).json()) as { requests: { path: string }[] };
        return reqs.requests.some((r) => r.path.endsWith('/refund-payment'));
      }, 30_000);
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));

      const second = worker();
      await second.ready;
      const final = await refunds.waitForFinal(refund.refundId);
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
      expect(final.status).toBe('approved');
      const recorded = (await (await fetch(`${sandbox.urls.admin}/refunds?provider=reservepay&paymentId=${paymentId}`)).json()) as { refunds: unknown[] };
      expect(recorded.refunds).toHaveLength(1);
    } finally {
      await refunds.close();
      await sandbox.close();
    }
  }, 180_000);
});
