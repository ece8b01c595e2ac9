/**
 * Each adapter against the provider sandbox over real HTTP (sandbox/, docs/sandbox.md): the same
 * requests a worker sends, the sandbox's own answers mapped to outcomes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from '../../../domain/providers.js';
import type { LookUpArgs, SubmitArgs } from '../../../activities/adapter.js';
import { SANDBOX_CREDENTIALS } from '../../../sandbox/credentials.js';
import { Secret } from '../../../activities/secret.js';
import { useSandbox } from '../../sandbox/helpers.js';
import { makeAdapters, requestOf } from './harness.js';

const { sb, admin } = useSandbox();
let a: ReturnType<typeof makeAdapters>;

beforeAll(() => {
  const origin = new URL(sb().urls.admin).origin;
  const creds = SANDBOX_CREDENTIALS;
  a = makeAdapters(origin, {
    now: () => new Date(),
    config: {
      secpaid: { baseUrl: sb().urls.secpaid, token: new Secret(creds.secpaidToken) },
      linkmoney: { baseUrl: sb().urls.linkmoney, clientId: creds.linkmoneyClientId, clientSecret: new Secret(creds.linkmoneyClientSecret), scope: 'Link-Payment', statusPath: '' },
      openpayd: { baseUrl: sb().urls.openpayd, apiKey: new Secret(creds.openpaydApiKey) },
      reservepay: { baseUrl: sb().urls.reservepay, apiKey: new Secret(creds.reservepayApiKey), apiVersion: '2025-04-01' },
    },
  });
});
afterAll(async () => {
  await a.dispatcher.close();
});

/** A moment before the submission, as the workflow records it. */
function since(): string {
  return new Date(Date.now() - 1_000).toISOString();
}
function lookUpArgs<P extends Provider>(args: SubmitArgs<P>, submittedAfter: string): LookUpArgs<P> {
  return { ...args, submittedAfter, excludeRefundIds: [] };
}

describe('the adapters against the sandbox', () => {
  it('SecPaid: submitted -> awaiting review, resubmission -> exists, approved in the dashboard -> the Refund entry', async () => {
    await admin.payment({ provider: 'secpaid', id: '42011', amount: 10000 });
    const args: SubmitArgs<'secpaid'> = { refundId: 'refund-sp-1', request: requestOf('secpaid'), amount: { full: false, sendMinor: 2500 } };
    const after = since();
    await expect(a.adapters.secpaid.submit(a.ctx, args)).resolves.toMatchObject({ kind: 'pending', reason: 'awaiting_admin_review' });
    await expect(a.adapters.secpaid.lookUp(a.ctx, lookUpArgs(args, after))).resolves.toBeNull();
    await expect(a.adapters.secpaid.submit(a.ctx, args)).resolves.toEqual({ kind: 'exists', message: 'Refund already requested' });
    const [pending] = await admin.refunds('?provider=secpaid&paymentId=42011');
    await admin.call('POST', `/refunds/${String(pending!.id)}/approve`, {});
    await expect(a.adapters.secpaid.check(a.ctx, lookUpArgs(args, after))).resolves.toMatchObject({
      kind: 'final',
      status: 'approved',
      amountMinor: 2500,
      refundId: expect.stringMatching(/^\d{8}-pi-\d{10}$/),
    });
  });

  it('Link Money: past the hold -> authorized; the status read and the requestKey look-up agree; the same key again -> exists', async () => {
    const p = await admin.payment({ provider: 'linkmoney', amount: 5000, settledAt: '2026-01-05T15:00:00Z' });
    const args: SubmitArgs<'linkmoney'> = { refundId: 'refund-lm-1', request: requestOf('linkmoney', { payment: { paymentId: p.id } }), amount: { full: false, sendMinor: 1999 } };
    const submitted = await a.adapters.linkmoney.submit(a.ctx, args);
    expect(submitted).toMatchObject({ kind: 'final', status: 'authorized', providerStatus: 'AUTHORIZED' });
    const after = since();
    await expect(a.adapters.linkmoney.check(a.ctx, { ...lookUpArgs(args, after), providerRefundId: submitted.refundId })).resolves.toMatchObject({
      kind: 'final',
      status: 'authorized',
      refundId: submitted.refundId,
      amountMinor: 1999,
    });
    await expect(a.adapters.linkmoney.lookUp(a.ctx, lookUpArgs(args, after))).resolves.toMatchObject({ refundId: submitted.refundId });
    await expect(a.adapters.linkmoney.submit(a.ctx, args)).resolves.toMatchObject({ kind: 'exists', code: 'DUPLICATE_REQUEST_KEY' });

    const recent = await admin.payment({ provider: 'linkmoney', amount: 5000, settledAt: new Date().toISOString() });
    await expect(
      a.adapters.linkmoney.submit(a.ctx, { ...args, refundId: 'refund-lm-2', request: requestOf('linkmoney', { payment: { paymentId: recent.id } }) }),
    ).resolves.toMatchObject({ kind: 'pending', reason: 'settlement_hold' });
  });

  it('OpenPayd: a full refund answered Waiting -> pending; the status read finds it; approved -> approved; again -> exists', async () => {
    const p = (await admin.payment({ provider: 'openpayd', amount: 1234, respondPending: true })) as { id: string; referenceNo: string };
    const args: SubmitArgs<'openpayd'> = {
      refundId: 'refund-op-1',
      request: requestOf('openpayd', { payment: { transactionId: p.id, referenceNo: p.referenceNo } }),
      amount: { full: true },
    };
    const after = since();
    await expect(a.adapters.openpayd.submit(a.ctx, args)).resolves.toMatchObject({ kind: 'pending', reason: 'provider_processing', code: '283' });
    const seen = await a.adapters.openpayd.lookUp(a.ctx, lookUpArgs(args, after));
    expect(seen).toMatchObject({ kind: 'pending', refundId: expect.stringMatching(/^oprf_/), amountMinor: 1234 });
    await admin.call('POST', `/refunds/${seen!.refundId!}/approve`, {});
    await expect(a.adapters.openpayd.check(a.ctx, { ...lookUpArgs(args, after), providerRefundId: seen!.refundId })).resolves.toMatchObject({
      kind: 'final',
      status: 'approved',
      amountMinor: 1234,
    });
    await expect(a.adapters.openpayd.submit(a.ctx, args)).resolves.toMatchObject({ kind: 'exists', code: '32' });
  });

  it('Reservepay: one activity, two calls -> approved with the refund id; the look-up finds it; an unknown payment -> failed invalid', async () => {
    const p = await admin.payment({ provider: 'reservepay', amount: 10000 });
    const args: SubmitArgs<'reservepay'> = { refundId: 'refund-rp-1', request: requestOf('reservepay', { payment: { paymentId: p.id } }), amount: { full: false, sendMinor: 2500 } };
    const after = since();
    const done = await a.adapters.reservepay.submit(a.ctx, args);
    expect(done).toMatchObject({ kind: 'final', status: 'approved', providerStatus: 'succeeded', amountMinor: 2500, refundId: expect.stringMatching(/^rfn_/) });
    await expect(a.adapters.reservepay.lookUp(a.ctx, lookUpArgs(args, after))).resolves.toEqual(done);
    await expect(a.adapters.reservepay.submit(a.ctx, { ...args, amount: { full: false, sendMinor: 99999 } })).resolves.toMatchObject({
      kind: 'final',
      status: 'rejected',
      refusal: 'declined',
      code: 'AMOUNT_EXCEEDS_LIMIT',
    });
    await expect(a.adapters.reservepay.submit(a.ctx, { ...args, request: requestOf('reservepay', { payment: { paymentId: 'pay_missing' } }) })).resolves.toMatchObject({
      kind: 'final',
      status: 'failed',
      refusal: 'invalid',
      code: 'NOT_FOUND',
    });
  });
});
