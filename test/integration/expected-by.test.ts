/**
 * Expected-by on the dev server (real time, real search attributes, the sandbox): the client
 * starts each refund with RefundExpectedBy, SecPaid's answer moves it (an upsert), the workflow
 * marks the refund overdue once its date has passed, and `RefundExpectedBy < now AND RefundStatus
 * = "pending"` lists the late ones, as do RefundsClient.list({ overdue }), GET /v1/refunds?overdue=true
 * and `refunds list --overdue`; the worker counts it in `refunds_overdue`. Spans of a second (REFUNDS_EXPECTED_BY syntax) make "late" come at
 * once: nothing here sleeps, it polls the eventually consistent visibility.
 */
import { Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type RunningApiServer } from '../../client/api/server.js';
import { RefundsClient } from '../../client/refunds-client.js';
import { DEFAULT_EXPECTED_BY, parseExpectedByRules } from '../../domain/expected-by.js';
import { freePort } from '../../scripts/processes.js';
import { RefundExpectedByKey } from '../../workflows/search-attributes.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { eventually, startStack, uniqueKey, type Stack } from '../helpers/stack.js';

const TOKEN = 'test-token-expected-by-0123';

let s: Stack;
let api: RunningApiServer;
/** A client whose SecPaid and OpenPayd refunds are late a second after they start (or answer). */
let hasty: RefundsClient;
let metricsUrl: string;
beforeAll(async () => {
  // The worker's Prometheus endpoint, as worker/main.ts installs it (before any connection).
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } } } });
  s = await startStack();
  hasty = new RefundsClient(s.client, s.taskQueue, parseExpectedByRules('secpaid:1s,openpayd:1s'));
  api = await startApiServer({ port: 0, refunds: s.refunds, token: TOKEN, rateLimit: false });
});
afterAll(async () => {
  await api?.close();
  await s?.stop();
});

const payment = async (body: Record<string, unknown>) => (await s.admin('POST', '/payments', body)).id as string;

const cli = (args: string[]): Promise<CliRun> => runCli(s, args);

async function listIds(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of s.client.workflow.list({ query })) ids.push(w.workflowId);
  return ids;
}

describe('expected-by on the dev server', { timeout: 120_000 }, () => {
  it('RefundExpectedBy < now AND RefundStatus = "pending" lists the late ones; the overdue filter of the library, the API and the CLI too', async () => {
    const [spLate, spOnTime] = [await payment({ provider: 'secpaid', amount: 5000, currency: 'EUR' }), await payment({ provider: 'secpaid', amount: 5000, currency: 'EUR' })];
    const op = await payment({ provider: 'openpayd', amount: 5000, currency: 'EUR', method: 'VISA', referenceNo: 'ref-eb-1' });

    const late = (await hasty.create({ idempotencyKey: uniqueKey('eb-late'), provider: 'secpaid', payment: { payId: spLate }, amount: 2500, currency: 'EUR' })).refund;
    const onTime = (await s.refunds.create({ idempotencyKey: uniqueKey('eb-ontime'), provider: 'secpaid', payment: { payId: spOnTime }, amount: 2500, currency: 'EUR' })).refund;
    const done = (await hasty.create({ idempotencyKey: uniqueKey('eb-done'), provider: 'openpayd', payment: { transactionId: op, referenceNo: 'ref-eb-1' }, amount: 'full', currency: 'EUR' })).refund;
    // What create returns already carries the date: the request + the span (SecPaid's moves when it answers).
    expect(Date.parse(onTime.expectedBy!) - Date.parse(onTime.createdAt)).toBe(DEFAULT_EXPECTED_BY.secpaid.ms);
    expect(Date.parse(late.expectedBy!) - Date.parse(late.createdAt)).toBe(1_000);
    expect((await s.refunds.waitForFinal(done.refundId)).status).toBe('approved');

    // The workflow marks the late one overdue, once, and it stays pending awaiting SecPaid's review.
    const marked = await eventually(async () => {
      const st = await s.refunds.get(late.refundId);
      return st.overdueAt !== undefined && st;
    }, 30_000);
    expect(marked.status).toBe('pending');
    expect(marked.pendingReason).toBe('awaiting_admin_review');
    expect(marked.transitions.filter((t) => t.event === 'overdue')).toHaveLength(1);
    const answeredAt = marked.transitions.find((t) => t.pendingReason === 'awaiting_admin_review')!.at;
    expect(marked.expectedBy).toBe(new Date(Date.parse(answeredAt) + 1_000).toISOString()); // moved to SecPaid's answer + 1 s
    // ... and the search attribute with it (the workflow's one upsert).
    expect((await s.client.workflow.getHandle(late.refundId).describe()).typedSearchAttributes.get(RefundExpectedByKey)?.toISOString()).toBe(marked.expectedBy);
    expect((await s.refunds.get(done.refundId)).overdueAt).toBeUndefined();
    // The metric: once, for SecPaid, pending (this worker marked only this refund).
    const overdueSeries = await eventually(async () => {
      const lines = (await (await fetch(metricsUrl)).text()).split('\n').filter((l) => l.startsWith('refunds_overdue{'));
      return lines.length > 0 && lines;
    }, 20_000);
    expect(overdueSeries).toHaveLength(1);
    expect(overdueSeries[0]).toMatch(/^refunds_overdue\{.*provider="secpaid".*\} 1$/);
    expect(overdueSeries[0]).toMatch(/status="pending"/);

    // The issue's own query.
    const ids = await eventually(async () => {
      const found = await listIds(`RefundExpectedBy < "${new Date().toISOString()}" AND RefundStatus = "pending"`);
      return found.includes(late.refundId) && found;
    }, 30_000);
    expect(ids).not.toContain(onTime.refundId); // due in 10 days
    expect(ids).not.toContain(done.refundId); // late by its date, but final
    // With a later "now", the on-time one is late too: the attribute holds its date.
    expect(await listIds(`RefundExpectedBy < "${new Date(Date.now() + 11 * 86_400_000).toISOString()}" AND RefundStatus = "pending" AND RefundPaymentId = "${spOnTime}"`)).toEqual([onTime.refundId]);

    // RefundsClient.list({ overdue }), the HTTP API and the CLI.
    const rows = (await s.refunds.list({ overdue: true, provider: 'secpaid' })).refunds;
    expect(rows.map((r) => r.refundId)).toContain(late.refundId);
    expect(rows.map((r) => r.refundId)).not.toContain(onTime.refundId);
    expect(rows.find((r) => r.refundId === late.refundId)?.expectedBy).toBe(marked.expectedBy);
    const res = await fetch(`${api.url}/v1/refunds?overdue=true&provider=secpaid`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { refundId: string; expectedBy?: string }[] };
    expect(body.data.map((r) => r.refundId)).toContain(late.refundId);
    expect(body.data.map((r) => r.refundId)).not.toContain(onTime.refundId);
    const bad = await fetch(`${api.url}/v1/refunds?overdue=yes`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('overdue must be true or false');
    const fromCli = await cli(['list', '--overdue', '--provider', 'secpaid']);
    expect(fromCli.code).toBe(0);
    const line = fromCli.stdout.split('\n').find((l) => l.startsWith(late.refundId));
    expect(line).toMatch(/\s+pending\s+secpaid\s+.*\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ overdue$/);
    expect(fromCli.stdout).not.toContain(onTime.refundId);
    const shown = await cli(['show', late.refundId]);
    expect(shown.stdout).toMatch(/^Expected by\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ {2}OVERDUE \(marked \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\)$/m);
    expect(shown.stdout).toMatch(/pending \(awaiting_admin_review\)\s+overdue: expected by .* SecPaid's answer promised an update within 5-10 days/);
  });
});
