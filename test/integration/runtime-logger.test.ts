/**
 * The worker's Temporal Runtime logs through the pino logger (ops/runtime.ts installWorkerRuntime
 * with ops/logger.ts createLogger, as worker/main.ts does): the SDK's own lines and the
 * activities' lines arrive as JSON lines with today's fields (level, time, message, service,
 * refundId/workflowId, provider, the SDK's metadata), redacted: here a worker with a wrong
 * Reservepay key logs the auth failure of a refund's submission, and a value of a
 * credential-named variable (TEMPORAL_API_KEY) logged through the Runtime comes out masked.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Secret } from '../../activities/secret.js';
import { RefundsClient } from '../../client/refunds-client.js';
import { createLogger } from '../../ops/logger.js';
import { REDACTED } from '../../ops/redact.js';
import { installWorkerRuntime } from '../../ops/runtime.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { createRefundWorker } from '../../worker/worker.js';
import { eventually, sandboxProviderConfig, uniqueKey } from '../helpers/stack.js';

const API_KEY = `tmprl-api-key-${randomUUID()}`;
const lines: string[] = [];
installWorkerRuntime({ logger: createLogger({ LOG_LEVEL: 'INFO', TEMPORAL_API_KEY: API_KEY }, { base: { service: 'worker' }, write: (l) => lines.push(l) }) });

let sandbox: RunningSandbox;
let refunds: RefundsClient;
let stop: () => Promise<void>;

beforeAll(async () => {
  const address = inject('temporalAddress');
  const taskQueue = `logs-${randomUUID()}`;
  sandbox = await startSandbox({ port: 0 });
  const native = await NativeConnection.connect({ address });
  const providers = { ...sandboxProviderConfig(sandbox), reservepay: { baseUrl: sandbox.urls.reservepay, apiKey: new Secret('skey_wrong_for_logs_4c1d'), apiVersion: '2025-04-01' } };
  const { worker, close } = await createRefundWorker({ connection: native, temporal: { namespace: 'default', taskQueue }, providers, extra: { shutdownGraceTime: '1s' } });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  refunds = new RefundsClient(new Client({ connection }), taskQueue);
  stop = async () => {
    worker.shutdown();
    await running;
    await close();
    await native.close();
    await connection.close();
    await sandbox.close();
  };
}, 120_000);

afterAll(async () => {
  await stop?.();
});

const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the Runtime logger is the pino logger', () => {
  it("writes the SDK's and the activities' logs as redacted JSON lines with the refund's fields", async () => {
    const paymentId = ((await (await fetch(`${sandbox.urls.admin}/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'reservepay', amount: 5000, currency: 'THB' }) })).json()) as { id: string }).id;
    const { refund } = await refunds.create({ idempotencyKey: uniqueKey('logs'), provider: 'reservepay', payment: { paymentId }, amount: 1000, currency: 'THB' });
    await eventually(async () => (await refunds.get(refund.refundId)).status === 'needs_attention', 45_000);
    Runtime.instance().logger.info(`connecting with ${API_KEY}`, { sdkComponent: 'test' });

    const all = parsed();
    // The SDK's own lines.
    expect(all).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'Worker state changed', service: 'worker', sdkComponent: 'worker', state: 'RUNNING', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }));
    // The activity's line about the refused submission: refund id, provider, activity metadata.
    const failed = await eventually(async () => parsed().find((l) => l.message === 'reservepay submit failed' && l.refundId === refund.refundId), 15_000);
    expect(failed).toMatchObject({ level: 'WARN', service: 'worker', refundId: refund.refundId, workflowId: refund.refundId, provider: 'reservepay', activityType: 'submitRefund', error: expect.stringContaining('Invalid or missing API key') });
    // Redacted on the way: the variable's value and the wrong key never appear.
    // (With Core's logs forwarded, the Runtime buffers SDK lines briefly before they reach the logger.)
    expect(await eventually(async () => parsed().find((l) => l.sdkComponent === 'test'))).toMatchObject({ level: 'INFO', service: 'worker', message: `connecting with ${REDACTED}` });
    expect(lines.join('\n')).not.toContain(API_KEY);
    expect(lines.join('\n')).not.toContain('skey_wrong_for_logs_4c1d');
  }, 90_000);
});
