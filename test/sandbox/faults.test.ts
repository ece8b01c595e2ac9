import { describe, expect, it } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../../sandbox/credentials.js';
import { http, postForm, postJson, useSandbox } from './helpers.js';

const { sb, admin } = useSandbox();
const RP = { authorization: `Bearer ${SANDBOX_CREDENTIALS.reservepayApiKey}`, 'api-version': '2025-04-01' };
const TOKEN = { token: SANDBOX_CREDENTIALS.secpaidToken };

const rpRefund = (paymentId: string, init: Partial<RequestInit> = {}) =>
  fetch(`${sb().urls.reservepay}/merchants/refund-payment`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...RP },
    body: JSON.stringify({ payment_id: paymentId, amount: 100 }),
    ...init,
  });

async function networkError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return `${(err as Error).name}: ${cause?.code ?? ''} ${cause?.message ?? (err as Error).message}`;
  }
  throw new Error('expected the request to fail at the network level');
}

const fault = (spec: Record<string, unknown>) => admin.call('POST', '/faults', spec);

describe('fault injection', () => {
  it('http_error: the given 5xx once (count), then normal answers; nothing recorded', async () => {
    const p = await admin.payment({ provider: 'reservepay', amount: 10000 });
    await fault({ provider: 'reservepay', route: '/merchants/refund-payment', kind: 'http_error', status: 503, count: 1 });
    const r = await rpRefund(p.id);
    expect(r.status).toBe(503);
    expect(r.headers.get('content-type')).toContain('text/html');
    expect(await r.text()).toContain('503');
    expect(await admin.refunds()).toEqual([]);
    const ok = await rpRefund(p.id);
    expect(ok.status).toBe(200);
    expect(await admin.refunds()).toHaveLength(1);
    expect((await admin.call('GET', '/faults')).faults).toEqual([]);
  });

  it('rate_limit: HTTP 429 with Retry-After', async () => {
    await fault({ provider: 'secpaid', route: '*', kind: 'rate_limit', retryAfterSeconds: 7, count: 2 });
    for (let i = 0; i < 2; i += 1) {
      const r = await postForm(`${sb().urls.secpaid}/getPayInTransactions`, {}, TOKEN);
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('7');
    }
    expect((await postForm(`${sb().urls.secpaid}/getPayInTransactions`, {}, TOKEN)).status).toBe(200);
  });

  it('delay: the client times out, the request is still handled afterwards (refund recorded)', async () => {
    const p = await admin.payment({ provider: 'reservepay', amount: 10000 });
    await fault({ provider: 'reservepay', route: '/merchants/refund-payment', kind: 'delay', delayMs: 600, count: 1 });
    const started = Date.now();
    const err = await networkError(rpRefund(p.id, { signal: AbortSignal.timeout(150) }));
    expect(err).toMatch(/TimeoutError|AbortError/);
    expect(Date.now() - started).toBeLessThan(550);
    expect(await admin.refunds()).toEqual([]);
    await new Promise((r) => setTimeout(r, 700));
    expect(await admin.refunds()).toHaveLength(1);
  });

  it('reset: the connection is reset and nothing is recorded', async () => {
    const p = await admin.payment({ provider: 'reservepay', amount: 10000 });
    await fault({ provider: 'reservepay', route: '/merchants/refund-payment', kind: 'reset', count: 1 });
    const err = await networkError(rpRefund(p.id));
    expect(err).toMatch(/ECONNRESET|UND_ERR_SOCKET|other side closed|socket/i);
    expect(await admin.refunds()).toEqual([]);
    const log = (await admin.call('GET', '/requests?provider=reservepay')).requests as Record<string, unknown>[];
    expect(log.at(-1)).toMatchObject({ status: null, outcome: 'reset', fault: 'reset' });
  });

  it('commit_then_drop: the client sees a reset AND the refund is recorded', async () => {
    const p = await admin.payment({ provider: 'reservepay', amount: 10000 });
    await fault({ provider: 'reservepay', route: '/merchants/refund-payment', kind: 'commit_then_drop', count: 1 });
    const err = await networkError(rpRefund(p.id));
    expect(err).toMatch(/ECONNRESET|UND_ERR_SOCKET|other side closed|socket/i);
    const refunds = await admin.refunds();
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ paymentId: p.id, amount: 100, status: 'succeeded' });
    const list = await postJson(`${sb().urls.reservepay}/merchants/list-refunds-by-payment`, { payment_id: p.id }, RP);
    expect((list.json as { data: unknown[] }).data).toHaveLength(1);
  });

  it('commit_then_drop on SecPaid: "Refund already requested" on the retry', async () => {
    await admin.payment({ provider: 'secpaid', id: '7', amount: 5000 });
    await fault({ provider: 'secpaid', route: 'refundPayment', kind: 'commit_then_drop', count: 1 });
    await networkError(postForm(`${sb().urls.secpaid}/refundPayment`, { pay_id: '7', refund_amount: '5.00' }, TOKEN));
    expect(await admin.refunds()).toHaveLength(1);
    const retry = await postForm(`${sb().urls.secpaid}/refundPayment`, { pay_id: '7', refund_amount: '5.00' }, TOKEN);
    expect((retry.json as { ResponseMsg: string }).ResponseMsg).toBe('Refund already requested');
  });

  it('malformed: truncated JSON (request handled), invalid JSON and an HTML page (not handled)', async () => {
    const p = await admin.payment({ provider: 'openpayd', id: 'T1', referenceNo: 'R1', amount: 1000 });
    const url = `${sb().urls.openpayd}/pw/v3/payment/refund`;
    const body = { apiKey: SANDBOX_CREDENTIALS.openpaydApiKey, transactionId: p.id, referenceNo: 'R1' };
    await fault({ provider: 'openpayd', route: '/pw/v3/payment/refund', kind: 'malformed', variant: 'truncated', count: 1 });
    const truncated = await postJson(url, body);
    expect(truncated.status).toBe(200);
    expect(truncated.text.length).toBeGreaterThan(0);
    expect(truncated.text.startsWith('{"code":"00"')).toBe(true);
    expect(() => truncated.json).toThrow(/not JSON/);
    expect(await admin.refunds()).toHaveLength(1);

    await fault({ provider: 'openpayd', route: '*', kind: 'malformed', variant: 'invalid_json', count: 1 });
    const invalid = await postJson(url, body);
    expect(invalid.headers.get('content-type')).toContain('application/json');
    expect(() => invalid.json).toThrow(/not JSON/);

    await fault({ provider: 'openpayd', route: '*', kind: 'malformed', variant: 'html', count: 1 });
    const html = await postJson(url, body);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.text).toMatch(/<html>/);
    expect(await admin.refunds()).toHaveLength(1);
    expect((await postJson(url, body)).json).toMatchObject({ code: 32 });
  });

  it('route matching: a fault on one route leaves the others alone; globs work', async () => {
    await fault({ provider: 'linkmoney', route: '/v1/transactions/*', kind: 'http_error', status: 502 });
    const tokens = await postForm(`${sb().urls.linkmoney}/v1/tokens`, { client_id: SANDBOX_CREDENTIALS.linkmoneyClientId, client_secret: SANDBOX_CREDENTIALS.linkmoneyClientSecret, scope: 'Link-Payment', grant_type: 'client_credentials' });
    expect(tokens.status).toBe(200);
    expect((await http(`${sb().urls.linkmoney}/v1/transactions/abc`)).status).toBe(502);
    expect((await http(`${sb().urls.linkmoney}/v1/transactions/def`)).status).toBe(502);
    const [f] = (await admin.call('GET', '/faults')).faults as { id: string; fired: number }[];
    expect(f!.fired).toBe(2);
    await admin.call('DELETE', `/faults/${f!.id}`);
    expect((await http(`${sb().urls.linkmoney}/v1/transactions/abc`)).status).toBe(401);
  });

  it('probability uses a seedable PRNG: the same seed gives the same pattern', async () => {
    const pattern = async (seed: number) => {
      await admin.call('POST', '/reset', {});
      await admin.call('POST', '/faults/seed', { seed });
      await fault({ provider: 'reservepay', route: '*', kind: 'http_error', probability: 0.5 });
      const out: number[] = [];
      for (let i = 0; i < 24; i += 1) out.push((await postJson(`${sb().urls.reservepay}/merchants/find-payment`, { payment_id: 'x' }, RP)).status);
      return out;
    };
    const a = await pattern(42);
    const b = await pattern(42);
    expect(a).toEqual(b);
    expect(a.filter((s) => s === 500).length).toBeGreaterThan(3);
    expect(a.filter((s) => s === 400).length).toBeGreaterThan(3);
    expect(await pattern(7)).not.toEqual(a);
  });

  it('rejects invalid fault specs', async () => {
    const r = await postJson(`${sb().urls.admin}/faults`, { provider: 'paypal', kind: 'reset' });
    expect(r.status).toBe(400);
    const r2 = await postJson(`${sb().urls.admin}/faults`, { provider: 'secpaid', kind: 'explode' });
    expect(r2.status).toBe(400);
  });
});
