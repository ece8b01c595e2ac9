import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../../sandbox/credentials.js';
import { startSandbox } from '../../sandbox/server.js';
import { http, postForm, postJson, useSandbox } from './helpers.js';

const { sb, admin } = useSandbox();

describe('admin API', () => {
  it('reads, sets (frozen or ticking), advances and resets the sandbox clock', async () => {
    const real = await admin.call('GET', '/clock');
    expect(Math.abs(Date.parse(String(real.now)) - Date.now())).toBeLessThan(5000);
    expect(await admin.setClock('2026-11-25T10:00:00.000Z')).toMatchObject({ now: '2026-11-25T10:00:00.000Z', frozen: true });
    expect(await admin.call('POST', '/clock/advance', { days: 1, hours: 2 })).toMatchObject({ now: '2026-11-26T12:00:00.000Z' });
    const ticking = await admin.call('POST', '/clock', { now: '2030-01-01T00:00:00Z' });
    expect(ticking.frozen).toBe(false);
    expect(String(ticking.now)).toMatch(/^2030-01-01T00:00:0/);
    const reset = await admin.call('POST', '/clock/reset');
    expect(Math.abs(Date.parse(String(reset.now)) - Date.now())).toBeLessThan(5000);
    expect((await postJson(`${sb().urls.admin}/clock`, { now: 'tomorrow' })).status).toBe(400);
  });

  it('creates payments with per-provider defaults and shows them with their refunds', async () => {
    const sp = await admin.payment({ provider: 'secpaid', amount: 100 });
    expect(sp).toMatchObject({ provider: 'secpaid', currency: 'EUR', owner: SANDBOX_CREDENTIALS.secpaidUserId, linkType: 'basic', dispute: 'none' });
    expect(sp.id).toMatch(/^\d+$/);
    const lm = await admin.payment({ provider: 'linkmoney', amount: 100, settledAt: '2026-11-25T00:00:00Z' });
    expect(lm).toMatchObject({ currency: 'USD', holdEndsAt: '2026-12-02T00:00:00.000Z' });
    const op = await admin.payment({ provider: 'openpayd', amount: 100 });
    expect(op).toMatchObject({ currency: 'EUR', method: 'CREDITCARD', account: SANDBOX_CREDENTIALS.openpaydApiKey, partialRefunds: false });
    const rp = await admin.payment({ provider: 'reservepay', amount: 100 });
    expect(rp).toMatchObject({ currency: 'THB', billed: true, refundsEnabled: true });
    expect(rp.id).toMatch(/^pay_/);
    expect(((await admin.call('GET', '/payments')).payments as unknown[]).length).toBe(4);
    expect(((await admin.call('GET', '/payments?provider=openpayd')).payments as unknown[]).length).toBe(1);
    expect(await admin.call('GET', `/payments/reservepay/${rp.id}`)).toMatchObject({ id: rp.id, refunds: [], remainingAmount: 100 });
    const dup = await postJson(`${sb().urls.admin}/payments`, { provider: 'reservepay', id: rp.id, amount: 1 });
    expect(dup.status).toBe(409);
    const bad = await postJson(`${sb().urls.admin}/payments`, { provider: 'secpaid', amount: 1.5 });
    expect(bad.status).toBe(400);
    expect((bad.json as { details: unknown[] }).details.length).toBeGreaterThan(0);
    expect((await http(`${sb().urls.admin}/nope`)).status).toBe(404);
  });

  it('logs every provider request with method, path, provider, status and time, credentials redacted', async () => {
    await postForm(`${sb().urls.secpaid}/refundPayment`, { pay_id: '1', refund_amount: '1.00' }, { token: SANDBOX_CREDENTIALS.secpaidToken });
    await postJson(`${sb().urls.openpayd}/pw/v3/payment/refund`, { apiKey: SANDBOX_CREDENTIALS.openpaydApiKey, transactionId: 'x', referenceNo: 'y' });
    await postForm(`${sb().urls.linkmoney}/v1/tokens`, { client_id: SANDBOX_CREDENTIALS.linkmoneyClientId, client_secret: SANDBOX_CREDENTIALS.linkmoneyClientSecret, scope: 'Link-Payment', grant_type: 'client_credentials' });
    await postJson(`${sb().urls.reservepay}/merchants/find-payment`, { payment_id: 'x' }, { authorization: `Bearer ${SANDBOX_CREDENTIALS.reservepayApiKey}` });
    const { requests } = (await admin.call('GET', '/requests')) as { requests: Record<string, unknown>[] };
    expect(requests.map((r) => [r.provider, r.method, r.path, r.status])).toEqual([
      ['secpaid', 'POST', '/secpaid/api/v2/refundPayment', 200],
      ['openpayd', 'POST', '/openpayd/pw/v3/payment/refund', 200],
      ['linkmoney', 'POST', '/linkmoney/v1/tokens', 200],
      ['reservepay', 'POST', '/reservepay/merchants/find-payment', 400],
    ]);
    for (const r of requests) expect(Date.parse(String(r.time))).toBeGreaterThan(0);
    expect(requests[1]!.body).toMatchObject({ apiKey: '[redacted]', transactionId: 'x' });
    const text = JSON.stringify(requests);
    for (const secret of [SANDBOX_CREDENTIALS.openpaydApiKey, SANDBOX_CREDENTIALS.linkmoneyClientSecret, SANDBOX_CREDENTIALS.secpaidToken, SANDBOX_CREDENTIALS.reservepayApiKey]) {
      expect(text).not.toContain(secret);
    }
    expect(((await admin.call('GET', '/requests?provider=openpayd&limit=5')).requests as unknown[]).length).toBe(1);
    await admin.call('DELETE', '/requests');
    expect((await admin.call('GET', '/requests')).requests).toEqual([]);
  });

  it('reset forgets payments, refunds, faults and the request log', async () => {
    await admin.payment({ provider: 'secpaid', amount: 100 });
    await admin.call('POST', '/faults', { provider: 'secpaid', kind: 'reset' });
    await admin.call('POST', '/reset', {});
    expect((await admin.call('GET', '/payments')).payments).toEqual([]);
    expect((await admin.call('GET', '/faults')).faults).toEqual([]);
  });

  it('switches OpenPayd partial refunds per account', async () => {
    const key = 'a'.repeat(32);
    await admin.call('POST', `/openpayd/accounts/${key}`, { partialRefunds: true });
    const { accounts } = (await admin.call('GET', '/openpayd/accounts')) as { accounts: { apiKey: string; partialRefunds: boolean }[] };
    expect(accounts).toContainEqual({ apiKey: key, partialRefunds: true });
    expect(accounts).toContainEqual({ apiKey: SANDBOX_CREDENTIALS.openpaydApiKey, partialRefunds: false });
    expect((await postJson(`${sb().urls.admin}/openpayd/accounts/short`, { partialRefunds: true })).status).toBe(400);
  });
});

describe('state file', () => {
  it('keeps payments, refunds and the clock across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-state-'));
    const stateFile = join(dir, 'state.json');
    try {
      const first = await startSandbox({ port: 0, stateFile, now: '2026-05-01T00:00:00Z' });
      await postJson(`${first.urls.admin}/payments`, { provider: 'secpaid', id: '555', amount: 1000 });
      await postForm(`${first.urls.secpaid}/refundPayment`, { pay_id: '555', refund_amount: '2.50' }, { token: SANDBOX_CREDENTIALS.secpaidToken });
      await first.close();
      expect(JSON.parse(readFileSync(stateFile, 'utf8')).payments).toHaveLength(1);
      const second = await startSandbox({ port: 0, stateFile });
      try {
        const p = (await http(`${second.urls.admin}/payments/secpaid/555`)).json as { refunds: { amount: number }[] };
        expect(p.refunds).toEqual([expect.objectContaining({ amount: 250, status: 'Pending' })]);
        expect(second.clock.nowIso().slice(0, 10)).toBe('2026-05-01');
        const again = await postForm(`${second.urls.secpaid}/refundPayment`, { pay_id: '555', refund_amount: '1.00' }, { token: SANDBOX_CREDENTIALS.secpaidToken });
        expect((again.json as { ResponseMsg: string }).ResponseMsg).toBe('Refund already requested');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes overridden credentials', async () => {
    const own = await startSandbox({ port: 0, credentials: { secpaidToken: 'custom-token' } });
    try {
      const r = await postForm(`${own.urls.secpaid}/getPayInTransactions`, {}, { token: 'custom-token' });
      expect((r.json as { ResponseCode: number }).ResponseCode).toBe(1);
      await expect(startSandbox({ port: 0, credentials: { openpaydApiKey: 'short' } })).rejects.toThrow(/32 characters/);
    } finally {
      await own.close();
    }
  });
});

describe('admin: a status override takes any word, verbatim', () => {
  it('a Reservepay refund shows the overridden status as given; SecPaid refuses an override', async () => {
    const sb = await startSandbox({ port: 0 });
    try {
      const post = (path: string, body: unknown) => fetch(`${sb.urls.admin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const pay = (await (await post('/payments', { provider: 'reservepay', amount: 5000, currency: 'THB', respondPending: true })).json()) as { id: string };
      const res = await fetch(`${sb.urls.reservepay}/merchants/refund-payment`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sb.credentials.reservepayApiKey}`, 'content-type': 'application/json', 'api-version': '2025-04-01' },
        body: JSON.stringify({ payment_id: pay.id, amount: 100 }),
      });
      const refundId = (await res.json()) as string;
      expect((await post(`/refunds/${refundId}/status`, { status: 'SETTLING' })).status).toBe(200);
      const found = await fetch(`${sb.urls.reservepay}/merchants/find-refund`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sb.credentials.reservepayApiKey}`, 'content-type': 'application/json', 'api-version': '2025-04-01' },
        body: JSON.stringify({ refund_id: refundId }),
      });
      expect(((await found.json()) as { status: string }).status).toBe('SETTLING');
      expect((await post(`/refunds/${refundId}/status`, { status: 'bad\u0000word' })).status).toBe(400);
      const sp = (await (await post('/payments', { provider: 'secpaid', amount: 5000 })).json()) as { id: string };
      await fetch(`${sb.urls.secpaid}/refundPayment`, { method: 'POST', headers: { token: sb.credentials.secpaidToken, 'content-type': 'application/x-www-form-urlencoded' }, body: `pay_id=${sp.id}&refund_amount=10.00` });
      const list = (await (await fetch(`${sb.urls.admin}/refunds?provider=secpaid&paymentId=${sp.id}`)).json()) as { refunds: { id: string }[] };
      expect((await post(`/refunds/${list.refunds[0]!.id}/status`, { status: 'Approved' })).status).toBe(409);
    } finally {
      await sb.close();
    }
  });
});
