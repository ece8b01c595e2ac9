/**
 * Four-eyes approval end to end, on one dev server with its Web UI (shared by the whole file): the
 * HTTP API (keys alice and bob, operators; svc, a service key), the CLI spawned for real
 * (REFUNDS_IDENTITY), a refund worker and the provider sandbox, and the Web UI in headless Chromium.
 * Thresholds: THB 500.00 (REFUNDS_APPROVAL_THRESHOLDS=THB:50000). Checked: a refund over it waits
 * with nothing sent until another operator approves; the requester's own approval 403, a service
 * key 403, approving twice / one that needs no approval / after the timeout 409, each with nothing
 * changed; a refusal cancels; the RefundApproval search attribute and the list filters; the UI details.
 */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type RunningApiServer } from '../../client/api/server.js';
import { RefundsClient } from '../../client/refunds-client.js';
import { approvalSettings } from '../../domain/config.js';
import { startDevServer, type DevServer } from '../../scripts/dev-server.js';
import { freePort } from '../../scripts/processes.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { createRefundWorker } from '../../worker/worker.js';
import { utc } from '../../workflows/time.js';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { eventually, sandboxProviderConfig, uniqueKey } from '../helpers/stack.js';

const BIN = fileURLToPath(new URL('../../bin/refunds.mjs', import.meta.url));
const THRESHOLDS = 'THB:50000';
const KEYS = { alice: 'alice-operator-key-0123456789', bob: 'bob-operator-key-0123456789', svc: 'svc-service-key-0123456789' } as const;
const TASK_QUEUE = 'approval-it';

let server: DevServer;
let sandbox: RunningSandbox;
let refunds: RefundsClient;
let api: RunningApiServer;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  server = await startDevServer({ uiPort: await freePort(), logLevel: 'error' });
  sandbox = await startSandbox({ port: 0 });
  const native = await NativeConnection.connect({ address: server.address });
  const { worker, close } = await createRefundWorker({ connection: native, temporal: { namespace: 'default', taskQueue: TASK_QUEUE }, providers: sandboxProviderConfig(sandbox), extra: { shutdownGraceTime: '1s' } });
  const running = worker.run();
  stopWorker = async () => {
    worker.shutdown();
    await running;
    await close();
    await native.close();
  };
  refunds = new RefundsClient(new Client({ connection: await Connection.connect({ address: server.address }) }), TASK_QUEUE);
  refunds.approval = approvalSettings({ REFUNDS_APPROVAL_THRESHOLDS: THRESHOLDS });
  api = await startApiServer({
    port: 0,
    refunds,
    rateLimit: false,
    keys: [
      { name: 'alice', role: 'operator', key: KEYS.alice },
      { name: 'bob', role: 'operator', key: KEYS.bob },
      { name: 'svc', role: 'service', key: KEYS.svc },
    ],
  });
}, 180_000);

afterAll(async () => {
  await api?.close();
  await stopWorker?.();
  await refunds?.close();
  await sandbox?.close();
  await server?.stop();
});

type Body = Record<string, unknown> & { error?: { type: string; message: string } };
async function call(method: string, path: string, as: keyof typeof KEYS, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEYS[as]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

async function payment(amount: number): Promise<string> {
  const res = await fetch(`${sandbox.urls.admin}/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'reservepay', amount, currency: 'THB' }) });
  return ((await res.json()) as { id: string }).id;
}
async function sandboxRefunds(paymentId: string): Promise<unknown[]> {
  const res = await fetch(`${sandbox.urls.admin}/refunds?provider=reservepay&paymentId=${encodeURIComponent(paymentId)}`);
  return ((await res.json()) as { refunds: unknown[] }).refunds;
}
const createAs = (as: keyof typeof KEYS, paymentId: string, amount: number | 'full', key = uniqueKey('4e')) =>
  call('POST', '/v1/refunds', as, { provider: 'reservepay', payment: { paymentId }, amount, currency: 'THB' }, { 'idempotency-key': key });
const listIds = async (query: string) => ((await call('GET', `/v1/refunds?${query}`, 'svc')).body.data as { refundId: string; approval?: string }[]).map((r) => r.refundId);

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: tmpdir(),
    env: { ...process.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: TASK_QUEUE, REFUNDS_APPROVAL_THRESHOLDS: THRESHOLDS, REFUNDS_IDENTITY: '', REFUNDS_DEBUG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe.concurrent('four-eyes approval over the HTTP API', { timeout: 120_000 }, () => {
  it('over the threshold: pending awaiting_approval, nothing sent; alice (requester) 403, svc 403, bob approves; approving again 409', async () => {
    const paymentId = await payment(200_000);
    const created = await createAs('alice', paymentId, 100_000);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'pending', pendingReason: 'awaiting_approval', approval: { state: 'awaiting', requester: 'alice', threshold: { currency: 'THB', amountMinor: 50_000 } } });
    const id = created.body.refundId as string;
    await eventually(async () => (await listIds('awaitingApproval=true')).includes(id));

    const self = await call('POST', `/v1/refunds/${id}/four-eyes/approve`, 'alice', {});
    expect(self.status).toBe(403);
    expect(self.body.error).toEqual({ type: 'forbidden', message: `grant approval refused for refund ${id}: alice requested this refund and may not decide its four-eyes approval: another operator must approve or refuse it` });
    const service = await call('POST', `/v1/refunds/${id}/four-eyes/approve`, 'svc', {});
    expect(service.status).toBe(403);
    expect(service.body.error?.type).toBe('forbidden');
    expect((await call('POST', `/v1/refunds/${id}/four-eyes/approve`, 'bob', { approver: 'carol' })).status).toBe(400); // who approves is the key, never the body
    expect(await sandboxRefunds(paymentId)).toEqual([]);
    expect((await call('GET', `/v1/refunds/${id}`, 'bob')).body).toMatchObject({ status: 'pending', pendingReason: 'awaiting_approval', approval: { state: 'awaiting' } });

    const granted = await call('POST', `/v1/refunds/${id}/four-eyes/approve`, 'bob', { note: 'customer called' });
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ status: 'pending', pendingReason: 'submitting', approval: { state: 'granted', decidedBy: 'bob', note: 'customer called' } });
    expect((await refunds.waitForFinal(id)).status).toBe('approved');
    expect(await sandboxRefunds(paymentId)).toHaveLength(1);
    const again = await call('POST', `/v1/refunds/${id}/four-eyes/approve`, 'bob', {});
    expect(again.status).toBe(409);
    expect(again.body.error?.type).toBe('action_not_allowed');
    expect(again.body.error?.message).toMatch(/: four-eyes approval was already granted by bob at .+; the refund is approved$/);
    const final = (await call('GET', `/v1/refunds/${id}`, 'bob')).body as { transitions: { cause: string }[]; approval: unknown };
    expect(final.transitions.map((t) => t.cause)).toEqual([
      'refund requested by alice; it awaits four-eyes approval by another operator',
      'four-eyes approval granted by bob (customer called): submitting to Reservepay',
      expect.stringMatching(/Reservepay/),
    ]);
    await eventually(async () => !(await listIds('awaitingApproval=true')).includes(id));
  });

  it('under the threshold: no approval, submitted at once; a four-eyes decision on it 409', async () => {
    const paymentId = await payment(100_000);
    const created = await createAs('alice', paymentId, 10_000);
    expect(created.body).toMatchObject({ pendingReason: 'submitting' });
    expect(created.body.approval).toBeUndefined();
    const id = created.body.refundId as string;
    expect((await refunds.waitForFinal(id)).status).toBe('approved');
    const a = await call('POST', `/v1/refunds/${id}/four-eyes/approve`, 'bob', {});
    expect(a.status).toBe(409);
    expect(a.body.error?.message).toMatch(/needs no four-eyes approval/);
  });

  it('refused by bob: canceled with the reason, nothing sent; the SecPaid-review route refuses it (not submitted)', async () => {
    const paymentId = await payment(100_000);
    const id = (await createAs('alice', paymentId, 60_000)).body.refundId as string;
    const secpaid = await call('POST', `/v1/refunds/${id}/secpaid-review/approve`, 'bob', {});
    expect(secpaid.status).toBe(409);
    expect(secpaid.body.error?.message).toMatch(/record SecPaid's admin review; this is a Reservepay refund/);
    const refused = await call('POST', `/v1/refunds/${id}/four-eyes/refuse`, 'bob', { reason: 'duplicate of order 1001' });
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ status: 'canceled', approval: { state: 'refused', decidedBy: 'bob', reason: 'duplicate of order 1001' } });
    expect(await sandboxRefunds(paymentId)).toEqual([]);
  });

  it('awaiting approval is not late at its provider: the overdue list leaves it out, a pending refund past its date of the same run is in', async () => {
    const { refund: waiting } = await refunds.create({ idempotencyKey: uniqueKey('4e-od'), provider: 'reservepay', payment: { paymentId: await payment(100_000) }, amount: 60_000, currency: 'THB' }, { requester: 'alice' });
    expect(waiting.pendingReason).toBe('awaiting_approval');
    const res = await fetch(`${sandbox.urls.admin}/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'secpaid', amount: 5000, currency: 'EUR' }) });
    const payId = ((await res.json()) as { id: string }).id;
    const { refund: review } = await refunds.create({ idempotencyKey: uniqueKey('4e-od-sp'), provider: 'secpaid', payment: { payId }, amount: 2500, currency: 'EUR' }, { requester: 'alice' });
    expect(review.approval).toBeUndefined(); // EUR has no threshold here
    // Eleven days on, both are past their dates (Reservepay's 15 min, SecPaid's 10 days) and neither is final.
    const asOf = new Date(Date.now() + 11 * 86_400_000);
    expect(Date.parse(waiting.expectedBy!)).toBeLessThan(asOf.getTime());
    const late = await eventually(async () => {
      const ids = (await refunds.list({ overdue: true, asOf })).refunds.map((r) => r.refundId);
      return ids.includes(review.refundId) && ids;
    }, 30_000);
    expect(late).not.toContain(waiting.refundId);
    expect((await refunds.list({ awaitingApproval: true })).refunds.map((r) => r.refundId)).toContain(waiting.refundId);
    await refunds.cancel(waiting.refundId, { operator: 'bob', note: 'test done' });
  });

  it('a full refund of unknown amount needs approval; no decision in time: canceled, saying so; approving afterwards 409', async () => {
    const quick = new RefundsClient(refunds.client, TASK_QUEUE);
    quick.approval = { ...refunds.approval, timeoutMs: 1_500 }; // the library takes any timeout; the environment's is 1m-30d
    const paymentId = await payment(100_000);
    const { refund } = await quick.create({ idempotencyKey: uniqueKey('4e-full'), provider: 'reservepay', payment: { paymentId }, amount: 'full', currency: 'THB' }, { requester: 'alice' });
    expect(refund.approval?.threshold).toEqual({ currency: 'THB', amountMinor: 50_000 });
    const final = await refunds.waitForFinal(refund.refundId);
    expect(final.status).toBe('canceled');
    expect(final.approval?.state).toBe('expired');
    expect(final.transitions.at(-1)!.cause).toMatch(/^four-eyes approval expired: nobody approved or refused it within 2 s/);
    const late = await call('POST', `/v1/refunds/${refund.refundId}/four-eyes/approve`, 'bob', {});
    expect(late.status).toBe(409);
    expect(late.body.error?.message).toMatch(/: four-eyes approval expired at .+: nobody decided by its deadline, and the refund was canceled$/);
    expect(await sandboxRefunds(paymentId)).toEqual([]);
  });
});

describe.concurrent('four-eyes approval with the CLI', { timeout: 120_000 }, () => {
  it('create as alice (REFUNDS_IDENTITY), list --awaiting-approval, alice exits 3 (forbidden), bob approves, again exits 3', async () => {
    const paymentId = await payment(200_000);
    const key = uniqueKey('4e-cli');
    const created = await cli(['create', '--provider', 'reservepay', '--payment-id', paymentId, '--amount-decimal', '800.00', '--currency', 'THB', '--key', key, '--json'], { REFUNDS_IDENTITY: 'alice' });
    expect(created.code).toBe(0);
    const id = `refund-${key}`;
    expect(JSON.parse(created.stdout)).toMatchObject({ created: true, refund: { pendingReason: 'awaiting_approval', approval: { requester: 'alice' } } });
    const listed = await eventually(async () => {
      const r = await cli(['list', '--awaiting-approval'], {});
      return r.stdout.includes(id) && r;
    });
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+pending \\(awaiting_approval\\)\\s+reservepay`, 'm'));
    const shown = await cli(['show', id], {});
    expect(shown.stdout).toMatch(/^Four-eyes\s+requested by alice; reaches the approval threshold THB 500\.00$/m);
    expect(shown.stdout).toMatch(/^Approval\s+AWAITING another operator until .+Z \(then canceled\)/m);

    const self = await cli(['four-eyes', 'approve', id, '--json'], { REFUNDS_IDENTITY: 'alice' });
    expect(self.code).toBe(3);
    expect(JSON.parse(self.stdout).error).toMatchObject({ code: 'refused', kind: 'forbidden', reason: 'alice requested this refund and may not decide its four-eyes approval: another operator must approve or refuse it' });
    expect(await sandboxRefunds(paymentId)).toEqual([]);

    const ok = await cli(['four-eyes', 'approve', id, '--note', 'ok by phone'], { REFUNDS_IDENTITY: 'bob' });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`four-eyes approval granted for ${id} by bob: now pending (submitting)`);
    expect((await refunds.waitForFinal(id)).status).toBe('approved');
    const again = await cli(['four-eyes', 'refuse', id, '--reason', 'changed my mind', '--json'], { REFUNDS_IDENTITY: 'bob' });
    expect(again.code).toBe(3);
    expect(JSON.parse(again.stdout).error).toMatchObject({ kind: 'not_allowed' });
  });

  it('without REFUNDS_IDENTITY: a decision exits 2, and a create over the threshold exits 2 with nothing started', async () => {
    const decision = await cli(['four-eyes', 'approve', 'refund-whatever'], {});
    expect(decision.code).toBe(2);
    expect(decision.stderr).toContain('four-eyes needs REFUNDS_IDENTITY');
    const key = uniqueKey('4e-anon');
    const created = await cli(['create', '--provider', 'reservepay', '--payment-id', 'pay_x', '--amount', '90000', '--currency', 'THB', '--key', key], {});
    expect(created.code).toBe(2);
    expect(created.stderr).toMatch(/requester.*four-eyes approval threshold THB 500\.00/);
    await expect(refunds.client.workflow.getHandle(`refund-${key}`).describe()).rejects.toThrow(/not found/i);
  });
});

describe.skipIf(!chromiumAvailable && process.env.CI !== 'true')('four-eyes approval in the Temporal Web UI', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("an awaiting refund: found by RefundApproval, its details say awaiting four-eyes approval, the requester and the deadline", async () => {
    const paymentId = await payment(200_000);
    const { refund } = await refunds.create({ idempotencyKey: uniqueKey('4e-ui'), provider: 'reservepay', payment: { paymentId }, amount: 75_000, currency: 'THB' }, { requester: 'alice' });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`${server.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent('RefundApproval="awaiting"')}`);
    await page.getByRole('link', { name: refund.refundId }).first().click({ timeout: 30_000 });
    await page.getByText('User Metadata').first().click();
    const shown = async () => (await Promise.all(page.frames().map((f) => f.locator('body').innerText().catch(() => '')))).join('\n');
    const text = await eventually(async () => {
      const all = await shown();
      return all.includes('Awaiting four-eyes approval before it is submitted to Reservepay') && all;
    }, 30_000);
    const deadline = (await refunds.get(refund.refundId)).approval!.deadline;
    expect(text).toContain('Four-eyes approval: requested by alice; the amount reaches the threshold THB 500.00');
    expect(text).toContain(`Awaiting approval by another operator until ${utc(deadline)} (then canceled)`);
    await page.close();
    await refunds.refuseApproval(refund.refundId, { approver: 'bob', reason: 'test over' });
  }, 120_000);
});
