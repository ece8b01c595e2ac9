/**
 * Each provider's refund end to end: RefundsClient -> real Temporal dev server -> worker ->
 * adapters -> provider sandbox over real HTTP; listing by search attributes, with the SDK and
 * with the Temporal CLI.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefundConflictError } from '../../client/errors.js';
import { RefundRequestError } from '../../domain/refund.js';
import { requireTemporalBinary } from '../../scripts/temporal-binaries.js';
import { eventually, startStack, uniqueKey, type Stack } from '../helpers/stack.js';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  await s?.stop();
});

async function payment(body: Record<string, unknown>): Promise<string> {
  return (await s.admin('POST', '/payments', body)).id as string;
}

async function sandboxRefunds(provider: string, paymentId: string): Promise<Record<string, unknown>[]> {
  return (await s.admin('GET', `/refunds?provider=${provider}&paymentId=${encodeURIComponent(paymentId)}`)).refunds as Record<string, unknown>[];
}

describe('refunds end to end on the dev server and the sandbox', () => {
  it('Reservepay: approved, found by search attributes with the SDK and the temporal CLI', async () => {
    const paymentId = await payment({ provider: 'reservepay', amount: 100_000, currency: 'THB' });
    const { refund, created } = await s.refunds.create({ idempotencyKey: uniqueKey('rp'), provider: 'reservepay', payment: { paymentId }, amount: 25_050, currency: 'THB' });
    expect(created).toBe(true);
    const final = await s.refunds.waitForFinal(refund.refundId);
    expect(final.status).toBe('approved');
    expect(final.provider.refundId).toMatch(/^rfn_/);
    expect(await sandboxRefunds('reservepay', paymentId)).toHaveLength(1);

    const row = await eventually(async () => (await s.refunds.list({ provider: 'reservepay', paymentId })).refunds.find((r) => r.refundId === refund.refundId && r.status === 'approved'));
    expect(row).toMatchObject({ provider: 'reservepay', paymentId, amountMinor: 25_050, currency: 'THB', status: 'approved' });

    const cli = execFileSync(
      requireTemporalBinary('cli'),
      ['workflow', 'list', '--address', s.address, '--namespace', s.namespace, '--query', `RefundProvider='reservepay' AND RefundPaymentId='${paymentId}'`, '--output', 'json'],
      { encoding: 'utf8' },
    );
    expect(cli).toContain(refund.refundId);
  });

  it('OpenPayd: a full refund is approved and sends no amount', async () => {
    const transactionId = await payment({ provider: 'openpayd', amount: 1234, currency: 'EUR', method: 'VISA', referenceNo: 'ref-1' });
    const { refund } = await s.refunds.create({ idempotencyKey: uniqueKey('op'), provider: 'openpayd', payment: { transactionId, referenceNo: 'ref-1' }, amount: 'full', currency: 'EUR' });
    const final = await s.refunds.waitForFinal(refund.refundId);
    expect(final.status).toBe('approved');
    expect(final.provider).toMatchObject({ code: '00', status: 'APPROVED' });
    const reqs = (await s.admin('GET', '/requests?provider=openpayd')).requests as { path: string; body?: Record<string, unknown> }[];
    const refundCall = reqs.find((r) => r.path.endsWith('/payment/refund'));
    expect(refundCall?.body).not.toHaveProperty('amount');
    expect(refundCall?.body).not.toHaveProperty('currency');
  });

  it('Link Money: a payment settled long ago is authorized after one submission', async () => {
    const paymentId = await payment({ provider: 'linkmoney', amount: 5000, currency: 'USD', settledAt: '2026-01-05T15:00:00Z' });
    const { refund } = await s.refunds.create({ idempotencyKey: uniqueKey('lm'), provider: 'linkmoney', payment: { paymentId, settledAt: '2026-01-05T15:00:00Z' }, amount: 1999, currency: 'USD' });
    const final = await s.refunds.waitForFinal(refund.refundId);
    expect(final.status).toBe('authorized');
    expect(final.provider.status).toBe('AUTHORIZED');
  });

  it('SecPaid: waits in admin review, visible as pending, then an operator records the approval', async () => {
    const payId = await payment({ provider: 'secpaid', amount: 5000, currency: 'EUR' });
    const { refund } = await s.refunds.create({ idempotencyKey: uniqueKey('sp'), provider: 'secpaid', payment: { payId }, amount: 2500, currency: 'EUR' });
    const pending = await eventually(async () => {
      const r = await s.refunds.get(refund.refundId);
      return r.pendingReason === 'awaiting_admin_review' && r;
    });
    expect(pending.status).toBe('pending');
    expect(pending.nextCheckAt).toBeDefined();
    await eventually(async () => (await s.refunds.list({ status: 'pending', provider: 'secpaid', paymentId: payId })).refunds.length === 1);
    const approved = await s.refunds.approve(refund.refundId, { operator: 'ops@example.com', note: 'approved in SecPaid dashboard' });
    expect(approved.status).toBe('approved');
    expect((await s.refunds.waitForFinal(refund.refundId)).transitions.map((t) => t.status)).toEqual(['pending', 'pending', 'approved']);
  });

  it('the same idempotency key returns the same refund; a different request under it is a conflict', async () => {
    const paymentId = await payment({ provider: 'reservepay', amount: 10_000, currency: 'THB' });
    const req = { idempotencyKey: uniqueKey('idem'), provider: 'reservepay', payment: { paymentId }, amount: 100, currency: 'THB' };
    const first = await s.refunds.create(req);
    const again = await s.refunds.create(req);
    expect(again.created).toBe(false);
    expect(again.refund.refundId).toBe(first.refund.refundId);
    await expect(s.refunds.create({ ...req, amount: 200 })).rejects.toBeInstanceOf(RefundConflictError);
    await s.refunds.waitForFinal(first.refund.refundId);
    expect(await sandboxRefunds('reservepay', paymentId)).toHaveLength(1);
  });

  it('an invalid request is refused with field messages and starts nothing', async () => {
    const key = uniqueKey('bad');
    await expect(s.refunds.create({ idempotencyKey: key, provider: 'secpaid', payment: { payId: '1' }, amount: 10.5, currency: 'EUR' })).rejects.toBeInstanceOf(RefundRequestError);
    await expect(s.client.workflow.getHandle(`refund-${key}`).describe()).rejects.toThrow(/not found/i);
  });
});

describe('exactly once against commit-then-drop (the refund is recorded, the answer never arrives)', () => {
  it.each([
    ['reservepay', '/merchants/refund-payment'],
    ['openpayd', '/pw/v3/payment/refund'],
    ['linkmoney', '/v1/refunds'],
  ] as const)('%s: the lost answer is settled by a look-up, one refund at the provider', async (provider, route) => {
    const body =
      provider === 'reservepay'
        ? { provider, amount: 50_000, currency: 'THB' }
        : provider === 'openpayd'
          ? { provider, amount: 5_000, currency: 'EUR', method: 'CREDITCARD', referenceNo: 'ref-ctd', partialRefunds: true }
          : { provider, amount: 5_000, currency: 'USD', settledAt: '2026-01-05T15:00:00Z' };
    const id = await payment(body);
    await s.admin('POST', '/faults', { provider, route, kind: 'commit_then_drop', count: 1 });
    const request =
      provider === 'reservepay'
        ? { provider, payment: { paymentId: id }, amount: 1_000, currency: 'THB' }
        : provider === 'openpayd'
          ? { provider, payment: { transactionId: id, referenceNo: 'ref-ctd' }, amount: 1_000, currency: 'EUR' }
          : { provider, payment: { paymentId: id, settledAt: '2026-01-05T15:00:00Z' }, amount: 1_000, currency: 'USD' };
    const { refund } = await s.refunds.create({ idempotencyKey: uniqueKey(`ctd-${provider}`), ...request });
    const final = await s.refunds.waitForFinal(refund.refundId);
    expect(final.status).toBe(provider === 'linkmoney' ? 'authorized' : 'approved');
    expect(final.submitAttempts).toBe(1);
    expect(await sandboxRefunds(provider, id)).toHaveLength(1);
    await s.admin('DELETE', '/faults');
  });
});
