/**
 * The sandbox's reconciliation routes (sandbox/reconciliation.ts), seen through the provider
 * endpoints the way the worker sees them: each adapter's record reader (activities/<provider>/
 * adapter.ts) over real HTTP. A stray refund shows up, a dropped one is gone, a changed amount and
 * a silent finalisation are what the next read says; bad input is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkmoneyRecords } from '../../activities/linkmoney/adapter.js';
import { openpaydRecords } from '../../activities/openpayd/adapter.js';
import { reservepayRecords } from '../../activities/reservepay/adapter.js';
import { secpaidRecords } from '../../activities/secpaid/adapter.js';
import { Secret } from '../../activities/secret.js';
import { SANDBOX_CREDENTIALS as creds } from '../../sandbox/credentials.js';
import { makeAdapters } from '../unit/adapters/harness.js';
import { postJson, postForm, useSandbox, http } from './helpers.js';

const { sb, admin } = useSandbox();
let a: ReturnType<typeof makeAdapters>;
let readers: {
  secpaid: ReturnType<typeof secpaidRecords>;
  linkmoney: ReturnType<typeof linkmoneyRecords>;
  openpayd: ReturnType<typeof openpaydRecords>;
  reservepay: ReturnType<typeof reservepayRecords>;
};

beforeAll(() => {
  const config = {
    secpaid: { baseUrl: sb().urls.secpaid, token: new Secret(creds.secpaidToken) },
    linkmoney: { baseUrl: sb().urls.linkmoney, clientId: creds.linkmoneyClientId, clientSecret: new Secret(creds.linkmoneyClientSecret), scope: 'Link-Payment', statusPath: '/v1/transactions/{paymentId}' },
    openpayd: { baseUrl: sb().urls.openpayd, apiKey: new Secret(creds.openpaydApiKey) },
    reservepay: { baseUrl: sb().urls.reservepay, apiKey: new Secret(creds.reservepayApiKey), apiVersion: '2025-04-01' },
  };
  a = makeAdapters(new URL(sb().urls.admin).origin, { now: () => new Date(), config });
  readers = {
    secpaid: secpaidRecords(config.secpaid),
    linkmoney: linkmoneyRecords(config.linkmoney, a.tokens),
    openpayd: openpaydRecords(config.openpayd),
    reservepay: reservepayRecords(config.reservepay),
  };
});
afterAll(async () => {
  await a.dispatcher.close();
});

const stray = (body: Record<string, unknown>) => admin.call('POST', '/reconciliation/stray-refunds', body);

describe('sandbox: reconciliation mismatches', () => {
  it('a stray refund nobody asked for shows in each provider\'s records, final', async () => {
    await admin.payment({ provider: 'secpaid', id: '42100', amount: 10000 });
    await admin.payment({ provider: 'linkmoney', id: 'lm_recon_1', amount: 5000, settledAt: '2026-01-05T15:00:00Z' });
    await admin.payment({ provider: 'openpayd', id: 'op_recon_1', referenceNo: 'ref-recon-1', amount: 3000 });
    await admin.payment({ provider: 'reservepay', id: 'pay_recon_1', amount: 90000 });
    await stray({ provider: 'secpaid', paymentId: '42100', amount: 1500 });
    await stray({ provider: 'linkmoney', paymentId: 'lm_recon_1', amount: 700 });
    await stray({ provider: 'openpayd', paymentId: 'op_recon_1', amount: 300, outcome: 'failed' });
    await stray({ provider: 'reservepay', paymentId: 'pay_recon_1', amount: 12000 });

    const sp = await readers.secpaid.ofPayment(a.ctx, { paymentKey: '42100', payment: { payId: '42100' } });
    expect(sp).toEqual([{ provider: 'secpaid', paymentKey: '42100', status: 'approved', providerStatus: 'Success', amountMinor: 1500, currency: 'EUR', providerRefundId: expect.stringMatching(/^\d{8}-pi-\d{10}$/), createdAt: expect.any(String) }]);
    // The pay-in list without a pay_id has it too (the reconciliation's sweep).
    const list = await readers.secpaid.listPage(a.ctx, { since: 2, page: 1 });
    expect(list).toEqual({ records: [expect.objectContaining({ paymentKey: '42100', providerRefundId: sp[0]!.providerRefundId, amountMinor: 1500 })], more: false });
    expect(await readers.linkmoney.ofPayment(a.ctx, { paymentKey: 'lm_recon_1', payment: { paymentId: 'lm_recon_1' } })).toEqual([
      expect.objectContaining({ status: 'authorized', providerStatus: 'AUTHORIZED', amountMinor: 700, currency: 'USD' }),
    ]);
    expect(await readers.openpayd.ofPayment(a.ctx, { paymentKey: 'op_recon_1', payment: { transactionId: 'op_recon_1', referenceNo: 'ref-recon-1' } })).toEqual([
      expect.objectContaining({ status: 'rejected', providerStatus: 'DECLINED', amountMinor: 300, providerRefundId: expect.stringMatching(/^oprf_/) }),
    ]);
    expect(await readers.reservepay.ofPayment(a.ctx, { paymentKey: 'pay_recon_1', payment: { paymentId: 'pay_recon_1' } })).toEqual([
      expect.objectContaining({ status: 'approved', providerStatus: 'succeeded', amountMinor: 12000, currency: 'THB', providerRefundId: expect.stringMatching(/^rfn_/) }),
    ]);
  });

  it('drops a refund, changes an amount, finalises a pending one silently (Link Money\'s too)', async () => {
    await admin.payment({ provider: 'reservepay', id: 'pay_recon_2', amount: 90000 });
    const r1 = await http(`${sb().urls.reservepay}/merchants/refund-payment`, {
      method: 'POST',
      headers: { authorization: `Bearer ${creds.reservepayApiKey}`, 'api-version': '2025-04-01', 'content-type': 'application/json' },
      body: JSON.stringify({ payment_id: 'pay_recon_2', amount: 1000 }),
    });
    const r2 = await http(`${sb().urls.reservepay}/merchants/refund-payment`, {
      method: 'POST',
      headers: { authorization: `Bearer ${creds.reservepayApiKey}`, 'api-version': '2025-04-01', 'content-type': 'application/json' },
      body: JSON.stringify({ payment_id: 'pay_recon_2', amount: 2000 }),
    });
    const [id1, id2] = [r1.json as string, r2.json as string];
    expect(await admin.call('DELETE', `/refunds/${id1}`)).toEqual({ dropped: id1, provider: 'reservepay', paymentId: 'pay_recon_2' });
    expect(await admin.call('POST', `/refunds/${id2}/amount`, { amount: 1900 })).toMatchObject({ id: id2, amount: 1900 });
    expect(await readers.reservepay.ofPayment(a.ctx, { paymentKey: 'pay_recon_2', payment: { paymentId: 'pay_recon_2' } })).toEqual([
      expect.objectContaining({ providerRefundId: id2, amountMinor: 1900 }),
    ]);

    // SecPaid: a request awaiting review, approved with nobody told: the Refund entry appears.
    await admin.payment({ provider: 'secpaid', id: '42101', amount: 10000 });
    const sub = await postForm(`${sb().urls.secpaid}/refundPayment`, { pay_id: '42101', refund_amount: '25.00', isFullRefund: 'false' }, { token: creds.secpaidToken });
    expect(sub.json).toMatchObject({ ResponseCode: 1 });
    expect(await readers.secpaid.ofPayment(a.ctx, { paymentKey: '42101', payment: { payId: '42101' } })).toEqual([]);
    const [pending] = await admin.refunds('?provider=secpaid&paymentId=42101');
    expect(await admin.call('POST', `/refunds/${String(pending!.id)}/finalise`, {})).toMatchObject({ status: 'Approved' });
    expect(await readers.secpaid.ofPayment(a.ctx, { paymentKey: '42101', payment: { payId: '42101' } })).toEqual([expect.objectContaining({ status: 'approved', amountMinor: 2500 })]);

    // Link Money: still in its settlement hold (settled now), finalised as failed.
    await admin.payment({ provider: 'linkmoney', id: 'lm_recon_2', amount: 5000, settledAt: new Date().toISOString() });
    const token = (await postForm(`${sb().urls.linkmoney}/v1/tokens`, { client_id: creds.linkmoneyClientId, client_secret: creds.linkmoneyClientSecret, scope: 'Link-Payment', grant_type: 'client_credentials' })).json as { access_token: string };
    const lm = await postJson(`${sb().urls.linkmoney}/v1/refunds`, { paymentId: 'lm_recon_2', amount: { currency: 'USD', value: 10 }, requestKey: 'recon-lm-2', clientReferenceId: 'refund-recon-lm-2' }, { authorization: `Bearer ${token.access_token}` });
    expect(lm.json).toMatchObject({ paymentStatus: 'PENDING' });
    const before = await readers.linkmoney.ofPayment(a.ctx, { paymentKey: 'lm_recon_2', payment: { paymentId: 'lm_recon_2' } });
    expect(before).toEqual([expect.objectContaining({ status: 'pending', ourRefundId: 'refund-recon-lm-2', amountMinor: 1000 })]);
    await admin.call('POST', `/refunds/${before[0]!.providerRefundId!}/finalise`, { outcome: 'failed' });
    expect(await readers.linkmoney.ofPayment(a.ctx, { paymentKey: 'lm_recon_2', payment: { paymentId: 'lm_recon_2' } })).toEqual([
      expect.objectContaining({ status: 'failed', providerStatus: 'TERMINAL_FAILED', ourRefundId: 'refund-recon-lm-2' }),
    ]);
  });

  it('refuses what it cannot do', async () => {
    await admin.payment({ provider: 'reservepay', id: 'pay_recon_3', amount: 100 });
    const base = sb().urls.admin;
    expect((await postJson(`${base}/reconciliation/stray-refunds`, { provider: 'reservepay', paymentId: 'nope', amount: 1 })).status).toBe(404);
    expect((await postJson(`${base}/reconciliation/stray-refunds`, { provider: 'reservepay', paymentId: 'pay_recon_3', amount: 0 })).status).toBe(400);
    expect((await postJson(`${base}/reconciliation/stray-refunds`, { provider: 'paypal', paymentId: 'pay_recon_3', amount: 1 })).status).toBe(400);
    const r = await stray({ provider: 'reservepay', paymentId: 'pay_recon_3', amount: 50 });
    expect((await postJson(`${base}/refunds/${String(r.id)}/finalise`, {})).status).toBe(409);
    expect((await postJson(`${base}/refunds/${String(r.id)}/amount`, { amount: 1.5 })).status).toBe(400);
    expect((await http(`${base}/refunds/rfn_missing`, { method: 'DELETE' })).status).toBe(404);
  });
});
