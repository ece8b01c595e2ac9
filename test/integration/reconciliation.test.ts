/**
 * Reconciliation end to end on the dev server: real refunds through the worker and the provider
 * sandbox, each kind of mismatch made in the sandbox (sandbox/reconciliation.ts), one run through
 * the real activities (visibility by provider and time on this task queue, each refund's state,
 * the adapters' reads); the pending refund the provider finalised is put in needs_attention; the
 * report through the HTTP API (roles) and as CSV from the CLI; the daily Schedule created twice is
 * one Schedule.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../client/api/server.js';
import { main as cli } from '../../client/cli.js';
import { ReconciliationClient } from '../../client/reconciliation.js';
import type { ReconciledRefundState, ReconciliationReport } from '../../domain/reconciliation.js';
import { eventually, startStack, uniqueKey, type Stack } from '../helpers/stack.js';

let s: Stack;
let recon: ReconciliationClient;
beforeAll(async () => {
  s = await startStack();
  recon = new ReconciliationClient(s.client, s.taskQueue);
});
afterAll(async () => {
  await s?.stop();
});

async function payment(body: Record<string, unknown>): Promise<string> {
  return (await s.admin('POST', '/payments', body)).id as string;
}
async function providerRefundOf(provider: string, paymentId: string): Promise<string> {
  const refunds = (await s.admin('GET', `/refunds?provider=${provider}&paymentId=${encodeURIComponent(paymentId)}`)).refunds as { id: string }[];
  return refunds[0]!.id;
}

describe('reconciliation on the dev server through the sandbox', () => {
  it('finds each mismatch kind in real refunds, flags the pending one, reports through the API and as CSV', { timeout: 180_000 }, async () => {
    // Reservepay: A approved, then its amount changes at the provider; B approved, then the provider loses it;
    // a refund nobody asked for on A's payment. C approved and untouched (matches).
    const payA = await payment({ provider: 'reservepay', amount: 100_000 });
    const payB = await payment({ provider: 'reservepay', amount: 100_000 });
    const payC = await payment({ provider: 'reservepay', amount: 100_000 });
    const a = await s.refunds.create({ idempotencyKey: uniqueKey('rc-a'), provider: 'reservepay', payment: { paymentId: payA }, amount: 10_000, currency: 'THB' });
    const b = await s.refunds.create({ idempotencyKey: uniqueKey('rc-b'), provider: 'reservepay', payment: { paymentId: payB }, amount: 20_000, currency: 'THB' });
    const c = await s.refunds.create({ idempotencyKey: uniqueKey('rc-c'), provider: 'reservepay', payment: { paymentId: payC }, amount: 30_000, currency: 'THB' });
    // Link Money: authorized (settled long ago), then it fails at the provider.
    const payL = await payment({ provider: 'linkmoney', amount: 5000, settledAt: '2026-01-05T15:00:00Z' });
    const l = await s.refunds.create({ idempotencyKey: uniqueKey('rc-l'), provider: 'linkmoney', payment: { paymentId: payL, settledAt: '2026-01-05T15:00:00Z' }, amount: 1999, currency: 'USD' });
    // SecPaid: submitted and waiting for SecPaid's review, which then approves with nobody told.
    const payS = await payment({ provider: 'secpaid', amount: 10_000 });
    const sp = await s.refunds.create({ idempotencyKey: uniqueKey('rc-s'), provider: 'secpaid', payment: { payId: payS }, amount: 2500, currency: 'EUR' });
    // SecPaid: a refund on a payment none of ours is of (found by the pay-in sweep).
    const payStray = await payment({ provider: 'secpaid', amount: 10_000 });

    for (const r of [a, b, c]) expect((await s.refunds.waitForFinal(r.refund.refundId)).status).toBe('approved');
    expect((await s.refunds.waitForFinal(l.refund.refundId)).status).toBe('authorized');
    await eventually(async () => (await s.refunds.get(sp.refund.refundId)).pendingReason === 'awaiting_admin_review');

    const rfnA = await providerRefundOf('reservepay', payA);
    await s.admin('POST', `/refunds/${rfnA}/amount`, { amount: 9_000 });
    await s.admin('DELETE', `/refunds/${await providerRefundOf('reservepay', payB)}`);
    const stray = await s.admin('POST', '/reconciliation/stray-refunds', { provider: 'reservepay', paymentId: payA, amount: 500 });
    await s.admin('POST', `/refunds/${await providerRefundOf('linkmoney', payL)}/status`, { status: 'TERMINAL_FAILED' });
    await s.admin('POST', `/refunds/${await providerRefundOf('secpaid', payS)}/finalise`, {});
    const straySp = await s.admin('POST', '/reconciliation/stray-refunds', { provider: 'secpaid', paymentId: payStray, amount: 700 });
    // Visibility is eventually consistent: the run starts once every refund is listed as it is now.
    await eventually(async () => (await s.refunds.list({ provider: 'reservepay' })).refunds.filter((r) => r.status === 'approved').length >= 3);

    const id = await recon.start({ sinceMs: 3_600_000, providers: ['reservepay', 'linkmoney', 'secpaid', 'openpayd'] });
    const seen: ReconciliationReport[] = [];
    const report = await recon.wait(id, (r) => seen.push(r), 200);
    const kinds = report.mismatches.map((m) => [m.kind, m.refundId ?? m.providerRefundId, m.action]).sort((x, y) => String(x[0]).localeCompare(String(y[0])));
    expect(kinds).toEqual(
      [
        ['amount_differs', a.refund.refundId, 'none'],
        ['missing_at_provider', b.refund.refundId, 'report_only'],
        ['pending_but_final', sp.refund.refundId, 'flagged'],
        ['status_differs', l.refund.refundId, 'none'],
        ['unknown_refund', String(stray.id), 'none'],
        ['unknown_refund', String(straySp.transactionId), 'none'],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    expect(report.mismatches.find((m) => m.kind === 'amount_differs')).toMatchObject({ ourAmountMinor: 10_000, providerAmountMinor: 9_000, currency: 'THB', providerRefundId: rfnA });
    expect(report.totals.reservepay).toMatchObject({ ours: { approved: { count: 3, amounts: { THB: 60_000 } } }, matched: 2, mismatches: { amount_differs: 1, missing_at_provider: 1, unknown_refund: 1 } });
    expect(report.totals.linkmoney).toMatchObject({ ours: { authorized: { count: 1 } }, provider: { failed: { count: 1 } }, matched: 1 });
    expect(report.totals.openpayd).toEqual({ ours: {}, provider: {}, matched: 0, mismatches: {} });
    expect(report.state).toBe('completed');

    // The SecPaid refund: needs_attention with the evidence, through the client like any state.
    const flagged = (await s.refunds.get(sp.refund.refundId)) as ReconciledRefundState;
    expect(flagged.status).toBe('needs_attention');
    expect(flagged.reconciliation).toMatchObject({ reconciliationId: id, kind: 'pending_but_final', providerOutcome: 'approved', providerAmountMinor: 2500 });
    expect(flagged.attention).toContain(`reconciliation ${id} found pending but final`);

    // The report through the HTTP API: a service key reads it and lists runs; only an operator starts one.
    const app = await createApiServer({
      refunds: s.refunds,
      keys: [
        { name: 'svc', role: 'service', key: 'svc-key-0123456789abcdef0123456789' },
        { name: 'ops', role: 'operator', key: 'ops-key-0123456789abcdef0123456789' },
        { name: 'eu-only', role: 'operator', key: 'eu-key-0123456789abcdef0123456789a', accounts: ['eu'] },
      ],
      rateLimit: false,
    });
    try {
      const as = (key: string) => ({ authorization: `Bearer ${key}` });
      const got = await app.inject({ method: 'GET', url: `/v1/reconciliations/${id}`, headers: as('svc-key-0123456789abcdef0123456789') });
      expect(got.statusCode).toBe(200);
      expect(got.json()).toEqual(JSON.parse(JSON.stringify(report)));
      const list = await app.inject({ method: 'GET', url: '/v1/reconciliations?limit=5', headers: as('svc-key-0123456789abcdef0123456789') });
      expect((list.json() as { data: { reconciliationId: string }[] }).data.map((r) => r.reconciliationId)).toContain(id);
      expect((await app.inject({ method: 'POST', url: '/v1/reconciliations', headers: as('svc-key-0123456789abcdef0123456789'), payload: {} })).statusCode).toBe(403);
      expect((await app.inject({ method: 'GET', url: `/v1/reconciliations/${id}`, headers: as('eu-key-0123456789abcdef0123456789a') })).statusCode).toBe(404);
      expect((await app.inject({ method: 'GET', url: '/v1/reconciliations/reconciliation-nope', headers: as('svc-key-0123456789abcdef0123456789') })).statusCode).toBe(404);
      const bad = await app.inject({ method: 'POST', url: '/v1/reconciliations', headers: as('ops-key-0123456789abcdef0123456789'), payload: { since: 'forever' } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ error: { type: 'validation_error', fields: [{ path: 'since' }] } });
    } finally {
      await app.close();
    }

    // CSV from the CLI: a header and one row per mismatch.
    const out: string[] = [];
    const code = await cli(['reconcile', 'show', id, '--csv', '-', '--address', s.address, '--namespace', s.namespace, '--task-queue', s.taskQueue], {}, { out: (t) => out.push(t), err: () => undefined });
    expect(code).toBe(0);
    const lines = out.join('').trim().split('\n');
    expect(lines[0]).toBe('kind,provider,account,payment,refund_id,our_status,our_amount_minor,provider_refund_id,provider_status,provider_outcome,provider_amount_minor,currency,actionable,action,detail');
    expect(lines).toHaveLength(1 + report.mismatches.length);
    expect(lines.find((l) => l.startsWith('amount_differs,'))).toContain(`amount_differs,reservepay,default,${payA},${a.refund.refundId},approved,10000,${rfnA},succeeded,approved,9000,THB,no,none,`);

    // A second run changes nothing more on the flagged refund.
    const again = await recon.wait(await recon.start({ sinceMs: 3_600_000, providers: ['secpaid'] }), () => undefined, 200);
    expect(again.mismatches.find((m) => m.kind === 'pending_but_final')?.action).toBe('already_flagged');
    expect(((await s.refunds.get(sp.refund.refundId)) as ReconciledRefundState).transitions).toHaveLength(flagged.transitions.length);
    await s.client.workflow.getHandle(sp.refund.refundId).terminate('test over');
  });

  it('the daily Schedule: created once however often it is ensured, brought in line when its settings change', { timeout: 60_000 }, async () => {
    const r = new ReconciliationClient(s.client, `${s.taskQueue}-${randomUUID().slice(0, 6)}`);
    try {
      expect(await r.ensureSchedule({ at: '02:30', sinceMs: 2 * 86_400_000 })).toMatchObject({ outcome: 'created' });
      expect(await r.ensureSchedule({ at: '02:30', sinceMs: 2 * 86_400_000 })).toMatchObject({ outcome: 'unchanged' });
      // Listed by query: other schedules of the shared dev server (a worker started with payload
      // encryption creates its own) carry memos this client cannot decode.
      const ids = await eventually(async () => {
        const found: string[] = [];
        for await (const sch of s.client.schedule.list({ query: `ScheduleId STARTS_WITH "${r.scheduleId}"` })) found.push(sch.scheduleId);
        return found.length > 0 && found;
      }, 20_000);
      expect(ids).toEqual([r.scheduleId]);
      expect(await r.ensureSchedule({ at: '04:00', sinceMs: 86_400_000 })).toMatchObject({ outcome: 'updated' });
      const d = await r.describeSchedule();
      expect(d).toMatchObject({ scheduleId: r.scheduleId, at: '04:00', sinceMs: 86_400_000, paused: false });
      expect(d!.nextRuns[0]).toMatch(/T04:00:00\.000Z$/);
      const desc = await s.client.schedule.getHandle(r.scheduleId).describe();
      expect(desc.action).toMatchObject({ type: 'startWorkflow', workflowType: 'reconciliation', taskQueue: r.taskQueue, args: [{ sinceMs: 86_400_000 }] });
    } finally {
      await s.client.schedule.getHandle(r.scheduleId).delete().catch(() => undefined);
    }
  });
});
