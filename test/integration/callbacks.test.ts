/**
 * Completion callbacks over real HTTP: each status change is POSTed to the refund's callbackUrl
 * with an HMAC signature, retried with backoff while the receiver fails, and the delivery state
 * shows in the refund.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startStack, TEST_CALLBACK_SECRET, uniqueKey, type Stack } from '../helpers/stack.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

let s: Stack;
let receiver: Server;
let base: string;
const received = new Map<string, Received[]>();
/** Per path: the HTTP statuses to answer, in order; 200 once exhausted. */
const script = new Map<string, number[]>();

beforeAll(async () => {
  s = await startStack();
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += String(c)));
    req.on('end', () => {
      const path = req.url ?? '/';
      const answered = script.get(path)?.shift() ?? 200;
      received.set(path, [...(received.get(path) ?? []), { headers: req.headers, body, answered }]);
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await s?.stop();
  await new Promise((r) => receiver?.close(r));
});

/** The receiver's check (docs/callbacks.md): the v2 signature of key `kid` over "<t>.<url>.<raw body>". */
function verify(r: Received, url: string, secret = TEST_CALLBACK_SECRET, kid = 'k1'): boolean {
  const header = String(r.headers['refunds-signature']);
  const t = /(?:^|,)t=(\d+)(?:,|$)/.exec(header)?.[1];
  const sig = [...header.matchAll(/(?:^|,)v2=([A-Za-z0-9._-]+):([0-9a-f]{64})(?=,|$)/g)].find((m) => m[1] === kid)?.[2];
  if (!t || !sig) return false;
  return createHmac('sha256', secret).update(`${t}.${url}.${r.body}`).digest('hex') === sig;
}

async function reservepayPayment(): Promise<string> {
  return (await s.admin('POST', '/payments', { provider: 'reservepay', amount: 10_000, currency: 'THB' })).id as string;
}

describe('completion callbacks', () => {
  it('delivers the status change signed, after retrying a failing receiver, and records the delivery', async () => {
    const path = `/hook/${uniqueKey('retry')}`;
    script.set(path, [503, 500]);
    const paymentId = await reservepayPayment();
    const { refund } = await s.refunds.create({ idempotencyKey: uniqueKey('cb'), provider: 'reservepay', payment: { paymentId }, amount: 2_500, currency: 'THB', callbackUrl: `${base}${path}` });
    const final = await s.refunds.waitForFinal(refund.refundId);
    expect(final.status).toBe('approved');
    expect(final.callbacks).toEqual([
      expect.objectContaining({ eventId: `${refund.refundId}:1`, status: 'approved', state: 'delivered', attempts: 3, httpStatus: 200 }),
    ]);
    const calls = received.get(path)!;
    expect(calls.map((c) => c.answered)).toEqual([503, 500, 200]);
    for (const c of calls) {
      expect(c.headers['refunds-signature']).toMatch(/^t=\d+,v2=k1:[0-9a-f]{64}$/);
      expect(verify(c, `${base}${path}`)).toBe(true);
      expect(c.headers['refunds-event-id']).toBe(`${refund.refundId}:1`);
      expect(JSON.parse(c.body)).toMatchObject({ type: 'refund.status_changed', refundId: refund.refundId, status: 'approved', previousStatus: 'pending', provider: 'reservepay', amountMinor: 2_500, currency: 'THB' });
    }
    // A tampered body does not verify, nor does the same event at another destination, nor another key.
    expect(verify({ ...calls[0]!, body: calls[0]!.body.replace('2500', '2501') }, `${base}${path}`)).toBe(false);
    expect(verify(calls[0]!, `${base}/hook/another-receiver`)).toBe(false);
    expect(verify(calls[0]!, `${base}${path}`, 'another-secret-0123456789')).toBe(false);
  }, 120_000);

  it('a receiver that refuses (HTTP 410) is not retried; the refund shows the failed delivery', async () => {
    const path = `/hook/${uniqueKey('gone')}`;
    script.set(path, [410]);
    const paymentId = await reservepayPayment();
    const { refund } = await s.refunds.create({ idempotencyKey: uniqueKey('cb'), provider: 'reservepay', payment: { paymentId }, amount: 1_000, currency: 'THB', callbackUrl: `${base}${path}` });
    const final = await s.refunds.waitForFinal(refund.refundId);
    expect(final.status).toBe('approved');
    // A generic kind, never the receiver's own text.
    expect(final.callbacks).toEqual([expect.objectContaining({ state: 'failed', error: 'CallbackRefused: http_4xx' })]);
    expect(received.get(path)).toHaveLength(1);
  }, 60_000);

  it('sends every status change in order (needs_attention, then the operator resolution)', async () => {
    const path = `/hook/${uniqueKey('order')}`;
    const payId = (await s.admin('POST', '/payments', { provider: 'secpaid', amount: 5_000 })).id as string;
    // Someone else's refund request makes ours need attention on its first attempt.
    const other = await fetch(`${s.sandbox.urls.secpaid}/refundPayment`, {
      method: 'POST',
      headers: { token: s.sandbox.credentials.secpaidToken, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ pay_id: payId, refund_amount: '10.00' }).toString(),
    });
    expect(other.status).toBe(200);
    const { refund } = await s.refunds.create({ idempotencyKey: uniqueKey('cb'), provider: 'secpaid', payment: { payId }, amount: 1_000, currency: 'EUR', callbackUrl: `${base}${path}` });
    await eventually(async () => (await s.refunds.get(refund.refundId)).status === 'needs_attention');
    await s.refunds.resolve(refund.refundId, { status: 'canceled', note: 'duplicate of the dashboard refund', operator: 'ops' });
    const final = await s.refunds.waitForFinal(refund.refundId);
    expect(final.callbacks?.map((c) => [c.status, c.state])).toEqual([
      ['needs_attention', 'delivered'],
      ['canceled', 'delivered'],
    ]);
    expect(received.get(path)!.map((c) => (JSON.parse(c.body) as { status: string }).status)).toEqual(['needs_attention', 'canceled']);
  }, 60_000);

  it('refuses a callbackUrl that is not http(s), starting nothing', async () => {
    await expect(
      s.refunds.create({ idempotencyKey: uniqueKey('cb'), provider: 'reservepay', payment: { paymentId: 'p' }, amount: 1, currency: 'THB', callbackUrl: 'ftp://example.com/x' }),
    ).rejects.toThrow(/callbackUrl must be an http\(s\) URL/);
  });
});
