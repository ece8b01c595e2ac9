/**
 * The Nexus service `refunds` end to end on the dev server: caller workflows in namespace B
 * (the example order cancellation, and a probe of single operations) call the endpoint that
 * routes to the refund worker in namespace A, which refunds against the provider sandbox.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CancelOrderInput, OrderCancellation } from '../../examples/order-cancellation/workflows.js';
import { orderStatusQuery } from '../../examples/order-cancellation/workflows.js';
import { REFUNDS_FAILURE_TYPES } from '../../nexus/service.js';
import { ensureNexusEndpoint } from '../../scripts/nexus-endpoint.js';
import { eventually, startStack, uniqueKey, type Stack } from '../helpers/stack.js';
import type { ProbeResult } from './fixtures/nexus-callers.js';

const CALLERS = fileURLToPath(new URL('./fixtures/nexus-callers.ts', import.meta.url));
const CALLER_WORKER = fileURLToPath(new URL('./fixtures/nexus-caller-worker.ts', import.meta.url));

let s: Stack;
let callerNamespace: string;
let endpoint: string;
let callerTaskQueue: string;
let connection: Connection;
let caller: Client;
let nativeConnection: NativeConnection;
let bundle: { code: string };
let bundleDir: string;
let bundlePath: string;
let callerWorker: { worker: Worker; running: Promise<void> } | undefined;

async function startCallerWorker(): Promise<void> {
  const worker = await Worker.create({ connection: nativeConnection, namespace: callerNamespace, taskQueue: callerTaskQueue, workflowBundle: bundle, shutdownGraceTime: '1s' });
  callerWorker = { worker, running: worker.run() };
}

async function stopCallerWorker(): Promise<void> {
  if (!callerWorker) return;
  callerWorker.worker.shutdown();
  await callerWorker.running;
  callerWorker = undefined;
}

beforeAll(async () => {
  s = await startStack();
  connection = await Connection.connect({ address: s.address });
  callerNamespace = `orders-${randomUUID().slice(0, 8)}`;
  await connection.workflowService.registerNamespace({ namespace: callerNamespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
  endpoint = `refunds-${randomUUID().slice(0, 8)}`;
  expect(await ensureNexusEndpoint(connection, { name: endpoint, namespace: s.namespace, taskQueue: s.taskQueue })).toBe('created');
  expect(await ensureNexusEndpoint(connection, { name: endpoint, namespace: s.namespace, taskQueue: s.taskQueue })).toBe('unchanged');
  caller = new Client({ connection, namespace: callerNamespace });
  callerTaskQueue = `orders-${randomUUID()}`;
  nativeConnection = await NativeConnection.connect({ address: s.address });
  bundle = await bundleWorkflowCode({ workflowsPath: CALLERS, logger: new DefaultLogger('WARN') });
  bundleDir = mkdtempSync(join(tmpdir(), 'nexus-callers-'));
  bundlePath = join(bundleDir, 'callers.js');
  writeFileSync(bundlePath, bundle.code);
  // A namespace just registered takes a moment to reach every part of the server.
  await eventually(async () => (await caller.workflow.count()).count !== undefined, 30_000);
  await startCallerWorker();
});

afterAll(async () => {
  await stopCallerWorker();
  await nativeConnection?.close();
  await connection?.close();
  await s?.stop();
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

async function payment(body: Record<string, unknown>): Promise<string> {
  return (await s.admin('POST', '/payments', body)).id as string;
}

async function sandboxRefunds(provider: string, paymentId: string): Promise<unknown[]> {
  return (await s.admin('GET', `/refunds?provider=${provider}&paymentId=${encodeURIComponent(paymentId)}`)).refunds as unknown[];
}

function startCancelOrder(input: Omit<CancelOrderInput, 'endpoint'>): Promise<WorkflowHandle> {
  return eventually(() => caller.workflow.start('cancelOrder', { taskQueue: callerTaskQueue, workflowId: `order-${input.orderId}-${randomUUID().slice(0, 6)}`, args: [{ ...input, endpoint }] }), 30_000);
}

async function probe(operation: 'createRefund' | 'getRefund' | 'cancelRefund', input: unknown): Promise<ProbeResult> {
  const handle = await eventually(() => caller.workflow.start('callRefunds', { taskQueue: callerTaskQueue, workflowId: `probe-${randomUUID()}`, args: [endpoint, operation, input] }), 30_000);
  return (await handle.result()) as ProbeResult;
}

async function awaitingReview(refundId: string): Promise<void> {
  await eventually(async () => (await s.refunds.get(refundId)).pendingReason === 'awaiting_admin_review', 30_000);
}

/** The caller's pending Nexus operations (the operation is scheduled, the refund runs on). */
async function pendingOperations(handle: WorkflowHandle): Promise<number> {
  return (await handle.describe()).raw.pendingNexusOperations?.length ?? 0;
}

describe('Nexus service refunds: a caller workflow in another namespace', () => {
  it('refunds through the endpoint and receives the final state', async () => {
    const paymentId = await payment({ provider: 'reservepay', amount: 50_000, currency: 'THB' });
    const key = uniqueKey('order-rp');
    const handle = await startCancelOrder({ orderId: key, refund: { idempotencyKey: key, provider: 'reservepay', payment: { paymentId }, amount: 12_000, currency: 'THB' } });
    const result = (await handle.result()) as OrderCancellation;
    expect(result).toMatchObject({ orderId: key, status: 'canceled', refundId: `refund-${key}`, refundStatus: 'approved' });
    const state = await s.refunds.get(`refund-${key}`);
    expect(state.status).toBe('approved');
    expect(await sandboxRefunds('reservepay', paymentId)).toHaveLength(1);
    // The caller's history records the operation's completion with the refund's final state.
    const history = await handle.fetchHistory();
    const completed = history.events?.find((e) => e.nexusOperationCompletedEventAttributes);
    expect(completed).toBeDefined();
    const scheduled = history.events?.find((e) => e.nexusOperationScheduledEventAttributes)?.nexusOperationScheduledEventAttributes;
    expect(scheduled).toMatchObject({ endpoint, service: 'refunds', operation: 'createRefund' });

    // getRefund (synchronous) from the caller's side gives the same final state.
    const got = await probe('getRefund', { refundId: state.refundId });
    expect(got).toEqual({ ok: true, result: state });
  });

  it("the caller's worker is SIGKILLed while it waits; the result arrives once a worker is back", async () => {
    // A caller worker of its own, in a child process, on a task queue of its own.
    const taskQueue = `orders-kill-${randomUUID()}`;
    const callerProcess = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, ['--import', 'tsx', CALLER_WORKER, s.address, callerNamespace, taskQueue, bundlePath], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d) => String(d).includes('caller worker: polling') && resolve());
        child.once('exit', (code) => reject(new Error(`caller worker exited (${code}) before polling`)));
      });
      return child;
    };
    const killed = (child: ChildProcess) => new Promise<unknown>((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGKILL');
    });
    const payId = await payment({ provider: 'secpaid', amount: 9_000, currency: 'EUR' });
    const key = uniqueKey('order-sp');
    let child = await callerProcess();
    try {
      const handle = await eventually(
        () => caller.workflow.start('cancelOrder', { taskQueue, workflowId: `order-${key}`, args: [{ orderId: key, endpoint, refund: { idempotencyKey: key, provider: 'secpaid', payment: { payId }, amount: 4_000, currency: 'EUR' } }] }),
        30_000,
      );
      await awaitingReview(`refund-${key}`);
      expect(await handle.query(orderStatusQuery)).toBe('awaiting_refund');
      expect(await killed(child)).toBe(null); // exit code null: killed by the signal
      // SecPaid's admin review approves the refund while no worker of the caller runs.
      const approved = await s.refunds.approve(`refund-${key}`, { operator: 'ops@example.com', note: 'approved in SecPaid dashboard' });
      expect(approved.status).toBe('approved');
      // The completion reached the caller's history without a worker: the workflow has not moved on.
      await eventually(async () => (await handle.fetchHistory()).events?.some((e) => e.nexusOperationCompletedEventAttributes), 30_000);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      child = await callerProcess();
      const result = (await handle.result()) as OrderCancellation;
      expect(result).toMatchObject({ orderId: key, status: 'canceled', refundId: `refund-${key}`, refundStatus: 'approved' });
    } finally {
      if (child.exitCode === null && child.signalCode === null) await killed(child);
    }
  });

  it('two callers with the same key get one refund; a third after it ended gets its final state', async () => {
    const payId = await payment({ provider: 'secpaid', amount: 7_000, currency: 'EUR' });
    const key = uniqueKey('order-twice');
    const refund = { idempotencyKey: key, provider: 'secpaid' as const, payment: { payId }, amount: 3_000, currency: 'EUR' };
    const first = await startCancelOrder({ orderId: `${key}-a`, refund });
    await awaitingReview(`refund-${key}`);
    const second = await startCancelOrder({ orderId: `${key}-b`, refund });
    // The second caller's operation has started (attached to the running refund), not failed.
    await eventually(async () => (await second.fetchHistory()).events?.some((e) => e.nexusOperationStartedEventAttributes), 30_000);
    expect(await pendingOperations(second)).toBe(1);
    await s.refunds.approve(`refund-${key}`, { operator: 'ops@example.com' });
    const [a, b] = (await Promise.all([first.result(), second.result()])) as OrderCancellation[];
    expect(a).toMatchObject({ status: 'canceled', refundId: `refund-${key}`, refundStatus: 'approved' });
    expect(b).toMatchObject({ status: 'canceled', refundId: `refund-${key}`, refundStatus: 'approved' });
    expect(await sandboxRefunds('secpaid', payId)).toHaveLength(1);
    const third = (await (await startCancelOrder({ orderId: `${key}-c`, refund })).result()) as OrderCancellation;
    expect(third).toMatchObject({ status: 'canceled', refundId: `refund-${key}`, refundStatus: 'approved' });
    expect(await sandboxRefunds('secpaid', payId)).toHaveLength(1);
    const runs = await s.client.workflow.count(`WorkflowId = 'refund-${key}'`);
    expect(runs.count).toBe(1);
  });
});

describe('Nexus service refunds: bad input', () => {
  it('an invalid request fails the operation, non-retryable, with the field messages, and starts nothing', async () => {
    const key = uniqueKey('nx-bad');
    const res = await probe('createRefund', { idempotencyKey: key, provider: 'secpaid', payment: { payId: 'abc' }, amount: 10.5, currency: 'EUR' });
    expect(res).toMatchObject({ ok: false, type: REFUNDS_FAILURE_TYPES.invalidRequest, nonRetryable: true });
    const issues = (res as { details: { path: string; message: string }[][] }).details[0]!;
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'payment.payId', message: "payId is SecPaid's numeric pay_id" },
        { path: 'amount', message: expect.stringMatching(/minor units/) },
      ]),
    );
    expect((res as { message: string }).message).toMatch(/payment\.payId: payId is SecPaid's numeric pay_id/);
    await expect(s.client.workflow.getHandle(`refund-${key}`).describe()).rejects.toThrow(/not found/i);

    // The free-text rules of every way in (client/input-hygiene.ts) apply too.
    const bidi = await probe('createRefund', { idempotencyKey: key, provider: 'reservepay', payment: { paymentId: 'p-1' }, amount: 100, currency: 'THB', reason: 'refund \u202egnp.exe' });
    expect(bidi).toMatchObject({ ok: false, type: REFUNDS_FAILURE_TYPES.invalidRequest, details: [[{ path: 'reason', message: expect.stringMatching(/bidi controls/) }]] });
    await expect(s.client.workflow.getHandle(`refund-${key}`).describe()).rejects.toThrow(/not found/i);

    // The example caller acts on it: the order is not canceled, with the reason.
    const order = (await (await startCancelOrder({ orderId: key, refund: { idempotencyKey: key, provider: 'reservepay', payment: { paymentId: 'p-1' }, amount: 100, currency: 'EUR' } })).result()) as OrderCancellation;
    expect(order).toMatchObject({ orderId: key, status: 'refund_refused_by_us', reason: expect.stringMatching(/currency: Reservepay refunds are in THB/) });
    await expect(s.client.workflow.getHandle(`refund-${key}`).describe()).rejects.toThrow(/not found/i);
  });

  it('the same idempotency key with a different body is a conflict', async () => {
    const paymentId = await payment({ provider: 'reservepay', amount: 10_000, currency: 'THB' });
    const key = uniqueKey('nx-conflict');
    const req = { idempotencyKey: key, provider: 'reservepay', payment: { paymentId }, amount: 100, currency: 'THB' };
    const first = await probe('createRefund', req);
    expect(first).toMatchObject({ ok: true, result: { refundId: `refund-${key}`, status: 'approved' } });
    const res = await probe('createRefund', { ...req, amount: 200 });
    expect(res).toMatchObject({ ok: false, type: REFUNDS_FAILURE_TYPES.conflict, nonRetryable: true, details: [{ refundId: `refund-${key}`, differences: ['amount'] }] });
    expect(await sandboxRefunds('reservepay', paymentId)).toHaveLength(1);
  });

  it('an unknown refund id is a not-found failure in getRefund and cancelRefund', async () => {
    for (const operation of ['getRefund', 'cancelRefund'] as const) {
      const res = await probe(operation, { refundId: 'refund-no-such-key' });
      expect(res).toMatchObject({ ok: false, type: REFUNDS_FAILURE_TYPES.notFound, nonRetryable: true, details: [{ refundId: 'refund-no-such-key' }] });
    }
    const missing = await probe('getRefund', {});
    expect(missing).toMatchObject({ ok: false, type: REFUNDS_FAILURE_TYPES.invalidRequest, details: [[{ path: 'refundId' }]] });
  });

  it('cancelRefund cancels a refund waiting for its turn; the caller waiting on it gets the canceled state and acts on it', async () => {
    // Reservepay refunds of one payment go one at a time; this payment's refunds stay pending at Reservepay.
    const paymentId = await payment({ provider: 'reservepay', amount: 10_000, currency: 'THB', respondPending: true });
    const { refund: first } = await s.refunds.create({ idempotencyKey: uniqueKey('nx-holder'), provider: 'reservepay', payment: { paymentId }, amount: 1_000, currency: 'THB' });
    await eventually(async () => (await s.refunds.get(first.refundId)).pendingReason === 'provider_processing', 30_000);
    const key = uniqueKey('order-wait');
    const order = await startCancelOrder({ orderId: key, refund: { idempotencyKey: key, provider: 'reservepay', payment: { paymentId }, amount: 2_000, currency: 'THB' } });
    const waiting = await eventually(async () => {
      const st = await s.refunds.get(`refund-${key}`);
      return st.lock === 'waiting' && st;
    }, 30_000);
    expect(waiting.waitingFor).toBe(first.refundId);
    const canceled = await probe('cancelRefund', { refundId: `refund-${key}`, operator: 'orders-team', note: 'order kept after all' });
    expect(canceled).toMatchObject({ ok: true, result: { refundId: `refund-${key}`, status: 'canceled' } });
    const result = (await order.result()) as OrderCancellation;
    expect(result).toMatchObject({ orderId: key, status: 'refund_failed', refundId: `refund-${key}`, refundStatus: 'canceled' });
    expect((await s.refunds.get(`refund-${key}`)).submitAttempts).toBe(0);
    expect(await sandboxRefunds('reservepay', paymentId)).toHaveLength(1);
  });

  it('cancelRefund follows the cancel update: a refund already with its provider is refused', async () => {
    const payId = await payment({ provider: 'secpaid', amount: 6_000, currency: 'EUR' });
    const { refund } = await s.refunds.create({ idempotencyKey: uniqueKey('nx-cancel'), provider: 'secpaid', payment: { payId }, amount: 1_000, currency: 'EUR' });
    await awaitingReview(refund.refundId);
    const res = await probe('cancelRefund', { refundId: refund.refundId, operator: 'ops@example.com' });
    expect(res).toMatchObject({ ok: false, type: REFUNDS_FAILURE_TYPES.actionRejected, nonRetryable: true, details: [{ refundId: refund.refundId, action: 'cancel', kind: 'not_allowed' }] });
    expect((await s.refunds.get(refund.refundId)).status).toBe('pending');
    await s.refunds.approve(refund.refundId, {});
  });
});
