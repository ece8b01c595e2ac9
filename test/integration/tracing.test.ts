/**
 * One trace from the HTTP API request through the workflow to the provider call: the API's
 * request span, the client's StartWorkflow span, the workflow's and the activity's spans share
 * one trace id (OpenTelemetry, in-memory exporter).
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApiServer, type RunningApiServer } from '../../client/api/server.js';
import { RefundsClient } from '../../client/refunds-client.js';
import { createTracing, type Tracing } from '../../ops/tracing.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { createRefundWorker } from '../../worker/worker.js';
import { eventually, sandboxProviderConfig, uniqueKey } from '../helpers/stack.js';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let sandbox: RunningSandbox;
let api: RunningApiServer;
let refunds: RefundsClient;
let stop: () => Promise<void>;

beforeAll(async () => {
  tracing = createTracing('refunds-test', new SimpleSpanProcessor(exporter));
  const address = inject('temporalAddress');
  const taskQueue = `trace-${randomUUID()}`;
  sandbox = await startSandbox({ port: 0 });
  const native = await NativeConnection.connect({ address });
  const { worker, close } = await createRefundWorker({
    connection: native,
    temporal: { namespace: 'default', taskQueue },
    providers: sandboxProviderConfig(sandbox),
    extra: { plugins: [tracing.plugin], shutdownGraceTime: '1s' },
  });
  const running = worker.run();
  refunds = new RefundsClient(new Client({ connection: await Connection.connect({ address }), plugins: [tracing.plugin] }), taskQueue);
  api = await startApiServer({ refunds, token: 'trace-token', port: 0, host: '127.0.0.1', tracer: tracing.tracer });
  stop = async () => {
    await api.close();
    worker.shutdown();
    await running;
    await close();
    await native.close();
    await refunds.close();
    await sandbox.close();
    await tracing.shutdown();
  };
}, 120_000);

afterAll(async () => {
  await stop?.();
});

describe('tracing', () => {
  it('follows a refund from the API request to the provider call in one trace', async () => {
    const paymentId = ((await (await fetch(`${sandbox.urls.admin}/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'reservepay', amount: 5000, currency: 'THB' }) })).json()) as { id: string }).id;
    const key = uniqueKey('trace');
    const res = await fetch(`${api.url}/v1/refunds`, {
      method: 'POST',
      headers: { authorization: 'Bearer trace-token', 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ provider: 'reservepay', payment: { paymentId }, amount: 1000, currency: 'THB' }),
    });
    expect(res.status).toBe(201);
    const { refundId } = (await res.json()) as { refundId: string };
    expect((await refunds.waitForFinal(refundId)).status).toBe('approved');

    const spans = await eventually(async () => {
      const all = exporter.getFinishedSpans();
      return all.some((s) => s.name === 'RunActivity:submitRefund') && all.some((s) => s.name.startsWith('RunWorkflow:')) && all;
    }, 20_000);
    const request = spans.find((s) => s.name === 'POST /v1/refunds');
    expect(request).toBeDefined();
    const traceId = request!.spanContext().traceId;
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId).map((s) => s.name);
    expect(inTrace).toEqual(expect.arrayContaining(['POST /v1/refunds', 'StartWorkflow:refund', 'RunWorkflow:refund', 'RunActivity:submitRefund']));
  }, 60_000);
});
