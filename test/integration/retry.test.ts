/**
 * Linked retry (13b) end to end on the run's dev server with the provider sandbox:
 *  - HTTP API: a Reservepay refund declined (the payment is not billed yet) -> a service key's
 *    retry is 403 and starts nothing -> the payment is billed -> an operator's retry starts
 *    `<id>~retry-2` (201, Location, retryOf; the Temporal UI summary and details name the link)
 *    -> approved; the same retry again returns the same attempt (Idempotent-Replayed); the
 *    original shows retriedBy; the sandbox holds exactly one refund of the payment; retrying the
 *    succeeded attempt or a pending refund is 409 with the reason, an unknown id 404;
 *  - CLI: a Link Money refund TERMINAL_FAILED (the debit failed) -> `refunds retry` -> attempt 2
 *    fails the same way -> the debit is fixed -> `refunds retry <attempt 2>` -> attempt 3
 *    authorized: three Link Money refunds under three requestKeys, one authorized; `show` prints
 *    both sides of each link; refusals exit 3, an unknown id 4, nothing started.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type RunningApiServer } from '../../client/api/server.js';
import type { RefundState } from '../../domain/state.js';
import { runCli } from '../helpers/cli.js';
import { eventually, startStack, uniqueKey, type Stack } from '../helpers/stack.js';

const OPS = 'ops-key-0123456789abcdef0123456789';
const SVC = 'svc-key-0123456789abcdef0123456789';

let s: Stack;
let api: RunningApiServer;
beforeAll(async () => {
  s = await startStack();
  api = await startApiServer({
    port: 0,
    refunds: s.refunds,
    keys: [
      { name: 'ops@example.com', role: 'operator', key: OPS },
      { name: 'billing', role: 'service', key: SVC },
    ],
    rateLimit: false,
  });
});
afterAll(async () => {
  await api?.close();
  await s?.stop();
});

async function call(method: string, path: string, key = OPS, body?: unknown): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}
const final = (id: string) => s.refunds.waitForFinal(id);
const sandboxRefunds = async (provider: string, paymentId: string) => (await s.admin('GET', `/refunds?provider=${provider}&paymentId=${encodeURIComponent(paymentId)}`)).refunds as Record<string, unknown>[];
const notStarted = (id: string) => expect(s.client.workflow.getHandle(id).describe()).rejects.toThrow(/not found/i);

const cli = (...args: string[]) => runCli(s, args);

/** A SecPaid refund waiting for SecPaid's admin review: pending, for the refusals. */
let pendingId: string;
beforeAll(async () => {
  const payId = (await s.admin('POST', '/payments', { provider: 'secpaid', amount: 5000 })).id as string;
  const { refund } = await s.refunds.create({ idempotencyKey: uniqueKey('retry-pending'), provider: 'secpaid', payment: { payId }, amount: 1000, currency: 'EUR' });
  pendingId = refund.refundId;
  await eventually(async () => (await s.refunds.get(pendingId)).pendingReason === 'awaiting_admin_review');
});

describe('POST /v1/refunds/{id}/retry', { timeout: 120_000 }, () => {
  it('declined -> (service key 403) -> billed -> retried once: one Reservepay refund in the end; each side shows the link', async () => {
    const paymentId = (await s.admin('POST', '/payments', { provider: 'reservepay', amount: 100_000, currency: 'THB', billed: false })).id as string;
    const key = uniqueKey('retry-api');
    const created = await fetch(`${api.url}/v1/refunds`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPS}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ provider: 'reservepay', payment: { paymentId }, amount: 25_050, currency: 'THB' }),
    });
    expect(created.status).toBe(201);
    const id = `refund-${key}`;
    const attemptId = `${id}~retry-2`;
    expect(await final(id)).toMatchObject({ status: 'rejected', provider: { code: 'NOT_REFUNDABLE' }, settledBy: { by: 'provider', refusal: 'declined', lostAnswers: 0 } });

    const forbidden = await call('POST', `/v1/refunds/${id}/retry`, SVC, {});
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error).toMatchObject({ type: 'forbidden' });
    await notStarted(attemptId);

    await s.admin('PATCH', `/payments/reservepay/${paymentId}`, { billed: true });
    const retried = await call('POST', `/v1/refunds/${id}/retry`, OPS, { note: 'billed now' });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('location')).toBe(`/v1/refunds/${encodeURIComponent(attemptId)}`);
    expect(retried.headers.get('idempotent-replayed')).toBe('false');
    expect(retried.body).toMatchObject({
      refundId: attemptId,
      status: 'pending',
      retryOf: { refundId: id, attempt: 2, proof: 'Reservepay declined it: nothing was paid', requestedBy: 'ops@example.com', note: 'billed now' },
    });
    expect(await final(attemptId)).toMatchObject({ status: 'approved', provider: { amountMinor: 25_050 } });

    const again = await call('POST', `/v1/refunds/${id}/retry`, OPS);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toMatchObject({ refundId: attemptId, status: 'approved' });
    expect((await call('GET', `/v1/refunds/${id}`, SVC)).body).toMatchObject({ status: 'rejected', retriedBy: attemptId });
    expect((await call('GET', `/v1/refunds/${encodeURIComponent(attemptId)}`, SVC)).body).toMatchObject({ retryOf: { refundId: id, attempt: 2 } });

    // Exactly one refund paid at the provider (the declined request created none).
    const atProvider = await sandboxRefunds('reservepay', paymentId);
    expect(atProvider.map((r) => [r.status, r.amount])).toEqual([['succeeded', 25_050]]);

    // What the Temporal UI shows of the attempt.
    const desc = await s.client.workflow.getHandle(attemptId).describe();
    expect(await desc.staticSummary()).toBe(`Retry 2: Refund THB 250.50 of Reservepay payment ${paymentId}`);
    expect(await desc.staticDetails()).toContain(`Retry (attempt 2) of ${id}: Reservepay declined it: nothing was paid\nRequested by: ops@example.com (billed now)`);
    const meta = (await s.client.workflow.getHandle(attemptId).query('__temporal_workflow_metadata')) as { currentDetails?: string };
    expect(meta.currentDetails).toContain(`- Retry (attempt 2) of \`${id}\``);

    // Bad input: nothing started.
    const succeeded = await call('POST', `/v1/refunds/${encodeURIComponent(attemptId)}/retry`, OPS, {});
    expect(succeeded.status).toBe(409);
    expect(succeeded.body.error).toMatchObject({ type: 'action_not_allowed', message: `retry refused for refund ${attemptId}: the refund succeeded (approved): a retry would pay twice` });
    await notStarted(`${id}~retry-3`);
    const pending = await call('POST', `/v1/refunds/${pendingId}/retry`, OPS, {});
    expect(pending.status).toBe(409);
    expect((pending.body.error as { message: string }).message).toMatch(/still pending \(awaiting_admin_review\): only a refund that ended failed or rejected can be retried/);
    await notStarted(`${pendingId}~retry-2`);
    const unknown = await call('POST', '/v1/refunds/refund-no-such-refund-13b/retry', OPS, {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ type: 'not_found' });
    expect((await call('GET', `/v1/refunds/${id}/retry`)).status).toBe(405);
  });
});

describe('refunds retry (CLI)', { timeout: 120_000 }, () => {
  it('TERMINAL_FAILED -> retry -> failed again -> debit fixed -> retry of the retry -> authorized: three requestKeys, one refund paid', async () => {
    const settledAt = '2026-01-05T15:00:00Z';
    const paymentId = (await s.admin('POST', '/payments', { provider: 'linkmoney', amount: 5000, currency: 'USD', settledAt, debitFailed: true })).id as string;
    const key = uniqueKey('retry-cli');
    const id = `refund-${key}`;
    const made = await cli('create', '--provider', 'linkmoney', '--payment-id', paymentId, '--settled-at', settledAt, '--amount', '1999', '--currency', 'USD', '--key', key);
    expect(made.code).toBe(0);
    expect(await final(id)).toMatchObject({ status: 'failed', settledBy: { by: 'provider', refusal: 'payment_failed' } });

    const first = await cli('retry', id, '--operator', 'ops@example.com', '--note', 'customer says the debit went through');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`retry of ${id}: started attempt 2, ${id}~retry-2 (Link Money reported the payment failed, so the refund never moved money: nothing was paid)`);
    expect(await final(`${id}~retry-2`)).toMatchObject({ status: 'failed' });

    await s.admin('PATCH', `/payments/linkmoney/${paymentId}`, { debitFailed: false });
    // The CLI's identity (REFUNDS_IDENTITY) is the requester recorded, over --operator.
    const second = await runCli(s, ['retry', `${id}~retry-2`, '--json', '--operator', 'not-me'], { REFUNDS_IDENTITY: 'alice@example.com' });
    expect(second.code).toBe(0);
    const out = JSON.parse(second.stdout) as { created: boolean; refund: RefundState };
    expect(out).toMatchObject({ created: true, refund: { refundId: `${id}~retry-3`, retryOf: { refundId: `${id}~retry-2`, attempt: 3, requestedBy: 'alice@example.com' } } });
    expect(await final(`${id}~retry-3`)).toMatchObject({ status: 'authorized' });

    // Fresh requestKeys: a repeated one would have been refused (DUPLICATE_REQUEST_KEY); one refund moved money.
    const atProvider = await sandboxRefunds('linkmoney', paymentId);
    expect(new Set(atProvider.map((r) => r.requestKey)).size).toBe(3);
    expect(atProvider.map((r) => r.status).sort()).toEqual(['AUTHORIZED', 'TERMINAL_FAILED', 'TERMINAL_FAILED']);

    const again = await cli('retry', id);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`already retried: ${id} is retried by ${id}~retry-2 (nothing new was started)`);
    const shown = await cli('show', `${id}~retry-2`);
    expect(shown.stdout).toMatch(new RegExp(`Retry of +${id} \\(this is attempt 2: Link Money reported the payment failed`));
    expect(shown.stdout).toMatch(new RegExp(`Retried by +${id}~retry-3 \\(a new attempt of this refund\\)`));

    const succeeded = await cli('retry', `${id}~retry-3`);
    expect(succeeded.code).toBe(3);
    expect(succeeded.stderr).toContain(`error: retry refused for refund ${id}~retry-3: the refund succeeded (authorized): a retry would pay twice`);
    await notStarted(`${id}~retry-4`);
    const pending = await cli('retry', pendingId, '--json');
    expect(pending.code).toBe(3);
    expect(JSON.parse(pending.stdout)).toMatchObject({ error: { code: 'refused', action: 'retry', kind: 'not_allowed' } });
    await notStarted(`${pendingId}~retry-2`);
    const unknown = await cli('retry', 'refund-no-such-refund-13b-cli');
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('refund refund-no-such-refund-13b-cli not found');
  });
});
