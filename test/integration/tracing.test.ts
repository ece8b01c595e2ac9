/**
 * One trace from the HTTP API request through the workflow to the provider call, exported over
 * OTLP: the API and the worker each get their tracing from the standard variables
 * (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES is read by the
 * SDK) exactly as worker/main.ts and client/api/main.ts do; a local OTLP/HTTP receiver in this
 * file decodes the export requests (JSON ExportTraceServiceRequest) and sees the API's request
 * span, the client's StartWorkflow span, the workflow's and the activity's spans of one refund
 * share one trace id, each under its own service name.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApiServer, type RunningApiServer } from '../../client/api/server.js';
import { RefundsClient } from '../../client/refunds-client.js';
import { tracingFromEnv, type Tracing } from '../../ops/tracing.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { createRefundWorker } from '../../worker/worker.js';
import { eventually, sandboxProviderConfig, uniqueKey } from '../helpers/stack.js';

/** One span as the receiver decoded it, with the service.name of its resource. */
interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
}

interface OtlpJsonValue {
  stringValue?: string;
}
interface OtlpJsonRequest {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: OtlpJsonValue }[] };
    scopeSpans?: { spans?: { name: string; traceId: string; spanId: string; parentSpanId?: string }[] }[];
  }[];
}

const spans: ReceivedSpan[] = [];
const requests: { path: string; headers: IncomingHttpHeaders }[] = [];
let receiver: Server;
let apiTracing: Tracing;
let workerTracing: Tracing;
let sandbox: RunningSandbox;
let api: RunningApiServer;
let refunds: RefundsClient;
let stop: () => Promise<void>;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += String(c)));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers });
      const decoded = JSON.parse(body) as OtlpJsonRequest;
      for (const rs of decoded.resourceSpans ?? []) {
        const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ service, name: s.name, traceId: s.traceId, spanId: s.spanId, ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}) });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
    OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20collector-token',
  };
  apiTracing = tracingFromEnv('refund-api', env)!;
  workerTracing = tracingFromEnv('refund-worker', env)!;

  const address = inject('temporalAddress');
  const taskQueue = `trace-${randomUUID()}`;
  sandbox = await startSandbox({ port: 0 });
  const native = await NativeConnection.connect({ address });
  const { worker, close } = await createRefundWorker({
    connection: native,
    temporal: { namespace: 'default', taskQueue },
    providers: sandboxProviderConfig(sandbox),
    extra: { plugins: [workerTracing.plugin], shutdownGraceTime: '1s' },
  });
  const running = worker.run();
  refunds = new RefundsClient(new Client({ connection: await Connection.connect({ address }), plugins: [apiTracing.plugin] }), taskQueue);
  api = await startApiServer({ refunds, token: 'trace-token', port: 0, host: '127.0.0.1', tracer: apiTracing.tracer });
  stop = async () => {
    await api.close();
    worker.shutdown();
    await running;
    await close();
    await native.close();
    await refunds.close();
    await sandbox.close();
    await apiTracing.shutdown();
    await workerTracing.shutdown();
    await new Promise((r) => receiver.close(r));
  };
}, 120_000);

afterAll(async () => {
  await stop?.();
});

describe('tracing over OTLP', () => {
  it('exports the API, workflow and activity spans of one refund in one trace', async () => {
    expect(tracingFromEnv('x', {})).toBeUndefined(); // no endpoint, no exporter: off
    const paymentId = ((await (await fetch(`${sandbox.urls.admin}/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'reservepay', amount: 5000, currency: 'THB' }) })).json()) as { id: string }).id;
    const res = await fetch(`${api.url}/v1/refunds`, {
      method: 'POST',
      headers: { authorization: 'Bearer trace-token', 'content-type': 'application/json', 'idempotency-key': uniqueKey('trace') },
      body: JSON.stringify({ provider: 'reservepay', payment: { paymentId }, amount: 1000, currency: 'THB' }),
    });
    expect(res.status).toBe(201);
    const { refundId } = (await res.json()) as { refundId: string };
    expect((await refunds.waitForFinal(refundId)).status).toBe('approved');

    // Spans are batched (OTEL_BSP_SCHEDULE_DELAY, 5 s by default): wait for the worker's to arrive.
    const request = await eventually(async () => {
      const r = spans.find((s) => s.name === 'POST /v1/refunds');
      return r && spans.some((s) => s.traceId === r.traceId && s.name === 'RunActivity:submitRefund') && spans.some((s) => s.traceId === r.traceId && s.name === 'RunWorkflow:refund') && r;
    }, 30_000);
    const inTrace = spans.filter((s) => s.traceId === request.traceId);
    const byName = (name: string) => inTrace.find((s) => s.name === name);
    expect(byName('POST /v1/refunds')).toMatchObject({ service: 'refund-api' });
    expect(byName('StartWorkflow:refund')).toMatchObject({ service: 'refund-api' });
    expect(byName('RunWorkflow:refund')).toMatchObject({ service: 'refund-worker' });
    expect(byName('RunActivity:submitRefund')).toMatchObject({ service: 'refund-worker' });
    // The start is a child of the request: the context crossed from the API into the client call.
    expect(byName('StartWorkflow:refund')!.parentSpanId).toBe(request.spanId);
    expect(request.traceId).toMatch(/^[0-9a-f]{32}$/);

    // OTLP/HTTP with JSON bodies at <endpoint>/v1/traces, with the configured headers.
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) {
      expect(r.path).toBe('/v1/traces');
      expect(r.headers['content-type']).toMatch(/application\/json/);
      expect(r.headers.authorization).toBe('Bearer collector-token');
    }
  }, 90_000);
});
