/**
 * The Nexus service `refunds` with payload encryption on the refund worker
 * (REFUNDS_ENCRYPTION_KEYS): the refund's final state reaches the caller's history encrypted, and
 * a caller worker with the same payload codec reads it (createRefund's result and getRefund's).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ENCRYPTED_ENCODING } from '../../codec/codec.js';
import { dataConverter } from '../../codec/data-converter.js';
import type { OrderCancellation } from '../../examples/order-cancellation/workflows.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { ensureNexusEndpoint } from '../../scripts/nexus-endpoint.js';
import { createRefundWorker } from '../../worker/worker.js';
import { eventually, sandboxProviderConfig, uniqueKey } from '../helpers/stack.js';
import type { ProbeResult } from './fixtures/nexus-callers.js';

const CALLERS = fileURLToPath(new URL('./fixtures/nexus-callers.ts', import.meta.url));
const converter = dataConverter({ REFUNDS_ENCRYPTION_KEYS: `nx1:${randomBytes(32).toString('base64')}` })!;
const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');
const taskQueue = `nexus-enc-${randomUUID()}`;
const callerNamespace = `orders-enc-${randomUUID().slice(0, 8)}`;
const callerTaskQueue = `orders-enc-${randomUUID()}`;
const endpoint = `refunds-enc-${randomUUID().slice(0, 8)}`;

let sandbox: RunningSandbox;
let native: NativeConnection;
let connection: Connection;
let plain: Client;
let caller: Client;
const workers: { worker: Worker; running: Promise<void>; close?: () => Promise<void> }[] = [];

beforeAll(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // installed already in this process
  }
  sandbox = await startSandbox({ port: 0 });
  native = await NativeConnection.connect({ address });
  const refunds = await createRefundWorker({ connection: native, temporal: { namespace, taskQueue }, providers: sandboxProviderConfig(sandbox), dataConverter: converter, extra: { shutdownGraceTime: '1s' } });
  workers.push({ worker: refunds.worker, running: refunds.worker.run(), close: refunds.close });
  connection = await Connection.connect({ address });
  await connection.workflowService.registerNamespace({ namespace: callerNamespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
  await ensureNexusEndpoint(connection, { name: endpoint, namespace, taskQueue });
  const bundle = await bundleWorkflowCode({ workflowsPath: CALLERS, logger: new DefaultLogger('WARN') });
  const callerWorker = await Worker.create({ connection: native, namespace: callerNamespace, taskQueue: callerTaskQueue, workflowBundle: bundle, dataConverter: converter, shutdownGraceTime: '1s' });
  workers.push({ worker: callerWorker, running: callerWorker.run() });
  plain = new Client({ connection, namespace }); // no converter: what is really stored
  caller = new Client({ connection, namespace: callerNamespace, dataConverter: converter });
}, 180_000);

afterAll(async () => {
  for (const w of workers.reverse()) {
    w.worker.shutdown();
    await w.running;
    await w.close?.();
  }
  await native?.close();
  await connection?.close();
  await sandbox?.close();
});

describe('Nexus service refunds with encrypted payloads', () => {
  it('the final state reaches the caller encrypted; a caller with the codec reads it', async () => {
    const paymentId = (await (await fetch(`${sandbox.urls.admin}/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'reservepay', amount: 20_000, currency: 'THB' }) })).json() as { id: string }).id;
    const key = uniqueKey('order-enc');
    const handle = await eventually(
      () => caller.workflow.start('cancelOrder', { taskQueue: callerTaskQueue, workflowId: `order-${key}`, args: [{ orderId: key, endpoint, refund: { idempotencyKey: key, provider: 'reservepay', payment: { paymentId }, amount: 5_000, currency: 'THB' } }] }),
      30_000,
    );
    expect((await handle.result()) as OrderCancellation).toMatchObject({ orderId: key, status: 'canceled', refundId: `refund-${key}`, refundStatus: 'approved' });

    // The refund's result and the caller's record of it are stored encrypted.
    const refundHistory = await plain.workflow.getHandle(`refund-${key}`).fetchHistory();
    const refundResult = refundHistory.events?.find((e) => e.workflowExecutionCompletedEventAttributes)?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
    expect(Buffer.from(refundResult!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    const callerHistory = await new Client({ connection, namespace: callerNamespace }).workflow.getHandle(handle.workflowId).fetchHistory();
    const completed = callerHistory.events?.find((e) => e.nexusOperationCompletedEventAttributes)?.nexusOperationCompletedEventAttributes?.result;
    expect(Buffer.from(completed!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(completed!.data!).toString('latin1')).not.toContain(paymentId);

    // A synchronous operation's result is encoded by the refund worker's converter too.
    const probe = await caller.workflow.start('callRefunds', { taskQueue: callerTaskQueue, workflowId: `probe-${randomUUID()}`, args: [endpoint, 'getRefund', { refundId: `refund-${key}` }] });
    expect((await probe.result()) as ProbeResult).toMatchObject({ ok: true, result: { refundId: `refund-${key}`, status: 'approved', request: { payment: { paymentId } } } });
  });
});
