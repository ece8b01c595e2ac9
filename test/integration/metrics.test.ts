/**
 * The worker's Prometheus endpoint (Runtime telemetry, as worker/main.ts installs it with
 * METRICS_BIND_ADDRESS) carries the product's own metrics after a few refunds: refunds by
 * provider and final status, time to final status, provider call latency and errors by kind.
 */
import { Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/processes.js';
import { eventually, startStack, uniqueKey, type Stack } from '../helpers/stack.js';

let s: Stack;
let metricsUrl: string;

beforeAll(async () => {
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } } } });
  s = await startStack();
});
afterAll(async () => {
  await s?.stop();
});

async function payment(body: Record<string, unknown>): Promise<string> {
  return (await s.admin('POST', '/payments', body)).id as string;
}

/** `name{labels} value` lines of one metric family. */
function series(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(name) && !l.startsWith('#'));
}

describe('Prometheus metrics', () => {
  it('exposes refunds by provider and final status, time to final, provider call latency and errors', async () => {
    const rp = await payment({ provider: 'reservepay', amount: 10_000, currency: 'THB' });
    // Two HTTP 500s on the status read: the first, inside the submission, leaves the refund pending
    // with its id; the second fails the follow-up read, which is retried: an error of kind "transient".
    await s.admin('POST', '/faults', { provider: 'reservepay', route: '/merchants/find-refund', kind: 'http_error', status: 500, count: 2 });
    const ok = await s.refunds.create({ idempotencyKey: uniqueKey('m-rp'), provider: 'reservepay', payment: { paymentId: rp }, amount: 1000, currency: 'THB' });
    const op = await payment({ provider: 'openpayd', amount: 5000, currency: 'EUR', method: 'VISA', referenceNo: 'ref-m-1' });
    const declined = await s.refunds.create({ idempotencyKey: uniqueKey('m-op'), provider: 'openpayd', payment: { transactionId: op, referenceNo: 'ref-m-1' }, amount: 100, currency: 'EUR' });
    expect((await s.refunds.waitForFinal(ok.refund.refundId)).status).toBe('approved');
    expect((await s.refunds.waitForFinal(declined.refund.refundId)).status).toBe('rejected');

    const text = await eventually(async () => {
      const t = await (await fetch(metricsUrl)).text();
      return series(t, 'refunds_final').length >= 2 && series(t, 'refunds_provider_call_errors').length >= 1 && t;
    }, 20_000);
    const finals = series(text, 'refunds_final');
    expect(finals.some((l) => /provider="reservepay"/.test(l) && /status="approved"/.test(l))).toBe(true);
    expect(finals.some((l) => /provider="openpayd"/.test(l) && /status="rejected"/.test(l))).toBe(true);
    expect(series(text, 'refunds_time_to_final').some((l) => /_(bucket|count|sum)\{.*provider="reservepay".*status="approved"/.test(l) || /_(bucket|count|sum)\{.*status="approved".*provider="reservepay"/.test(l))).toBe(true);
    const latency = series(text, 'refunds_provider_call_latency');
    expect(latency.some((l) => /provider="reservepay"/.test(l) && /operation="submit"/.test(l) && /outcome="ok"/.test(l))).toBe(true);
    const errors = series(text, 'refunds_provider_call_errors');
    expect(errors.some((l) => /provider="reservepay"/.test(l) && /operation="read"/.test(l) && /kind="transient"/.test(l))).toBe(true);
    // The SDK's own metrics are there too.
    expect(text).toMatch(/temporal_workflow_completed|temporal_activity_execution_latency/);
  });
});
