/**
 * The HTTP API over real HTTP: API server on a free port -> RefundsClient -> the run's real
 * Temporal dev server -> worker -> provider sandbox. Every route and every error answer; malformed
 * requests get a 4xx in the one error shape and start no workflow.
 */
import { request as httpRequest } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type RunningApiServer } from '../../client/api/server.js';
import { RefundsClient } from '../../client/refunds-client.js';
import { freePort } from '../../scripts/processes.js';
import { eventually, startStack, uniqueKey, type Stack } from '../helpers/stack.js';

const TOKEN = 'test-token-0123456789';
let s: Stack;
let api: RunningApiServer;

beforeAll(async () => {
  s = await startStack();
  api = await startApiServer({ port: 0, refunds: s.refunds, token: TOKEN, rateLimit: false });
});
afterAll(async () => {
  await api?.close();
  await s?.stop();
});

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(
  method: string,
  path: string,
  opts: { body?: unknown; raw?: string; headers?: Record<string, string>; auth?: string | null; base?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.auth !== null) headers.authorization ??= `Bearer ${opts.auth ?? TOKEN}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${opts.base ?? api.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as Record<string, unknown> };
}

const create = (key: string | undefined, body: unknown, extra: Parameters<typeof call>[2] = {}) =>
  call('POST', '/v1/refunds', { body, ...extra, headers: { ...(key !== undefined ? { 'idempotency-key': key } : {}), ...extra.headers } });

function expectError(a: Answer, status: number, type: string): { type: string; message: string; fields?: { path: string; message: string }[] } {
  expect(a.status).toBe(status);
  expect(Object.keys(a.body)).toEqual(['error']);
  const error = a.body.error as { type: string; message: string; fields?: { path: string; message: string }[] };
  expect(error.type).toBe(type);
  expect(typeof error.message).toBe('string');
  expect(error.message.length).toBeGreaterThan(0);
  for (const f of error.fields ?? []) expect(f).toEqual({ path: expect.any(String), message: expect.any(String) });
  return error;
}

async function expectNoWorkflow(key: string): Promise<void> {
  await expect(s.client.workflow.getHandle(`refund-${key}`).describe()).rejects.toThrow(/not found/i);
}

async function payment(body: Record<string, unknown>): Promise<string> {
  return (await s.admin('POST', '/payments', body)).id as string;
}

async function sandboxRefunds(provider: string, paymentId: string): Promise<Record<string, unknown>[]> {
  return (await s.admin('GET', `/refunds?provider=${provider}&paymentId=${encodeURIComponent(paymentId)}`)).refunds as Record<string, unknown>[];
}

async function getUntil(id: string, ok: (r: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const a = await call('GET', `/v1/refunds/${id}`);
    expect(a.status).toBe(200);
    return ok(a.body) && a.body;
  }, timeoutMs);
}

/** POST with a raw node:http request: the server may answer 413 and close before reading it all. */
function rawPost(path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${api.url}${path}`, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += String(d)));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'EPIPE' || (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    req.end(body);
  });
}

describe('POST /v1/refunds: malformed requests are refused with the error shape and start nothing', () => {
  let rpPayment: string;
  let spPayment: string;
  let opPayment: string;
  beforeAll(async () => {
    rpPayment = await payment({ provider: 'reservepay', amount: 100_000, currency: 'THB' });
    spPayment = await payment({ provider: 'secpaid', amount: 5000, currency: 'EUR' });
    opPayment = await payment({ provider: 'openpayd', amount: 5000, currency: 'EUR', referenceNo: 'ref-bad' });
  });
  const rp = () => ({ provider: 'reservepay', payment: { paymentId: rpPayment }, amount: 1000, currency: 'THB' });
  const sp = () => ({ provider: 'secpaid', payment: { payId: spPayment }, amount: 1000, currency: 'EUR' });

  // [name, body, expected status, error type, the field path the error must name]
  const cases: [string, () => unknown, number, string, string | undefined][] = [
    ['amount as a decimal string', () => ({ ...rp(), amount: '25.00' }), 400, 'validation_error', 'amount'],
    ['negative amount', () => ({ ...rp(), amount: -100 }), 400, 'validation_error', 'amount'],
    ['zero amount', () => ({ ...rp(), amount: 0 }), 400, 'validation_error', 'amount'],
    ['fractional minor units', () => ({ ...rp(), amount: 10.5 }), 400, 'validation_error', 'amount'],
    ['amount above 2^53', () => ({ ...rp(), amount: 2 ** 53 + 2 }), 400, 'validation_error', 'amount'],
    ['amount 1e20', () => ({ ...rp(), amount: 1e20 }), 400, 'validation_error', 'amount'],
    ['amount null', () => ({ ...rp(), amount: null }), 400, 'validation_error', 'amount'],
    ['amount boolean', () => ({ ...rp(), amount: true }), 400, 'validation_error', 'amount'],
    ['amount missing', () => ({ provider: 'reservepay', payment: { paymentId: rpPayment }, currency: 'THB' }), 400, 'validation_error', 'amount'],
    ['unknown currency', () => ({ ...rp(), currency: 'XYZ' }), 400, 'validation_error', 'currency'],
    ['currency missing', () => ({ provider: 'reservepay', payment: { paymentId: rpPayment }, amount: 1000 }), 400, 'validation_error', 'currency'],
    ['currency as a number', () => ({ ...rp(), currency: 764 }), 400, 'validation_error', 'currency'],
    ['unknown provider', () => ({ ...rp(), provider: 'paypal' }), 400, 'validation_error', 'provider'],
    ['provider missing', () => ({ payment: { paymentId: rpPayment }, amount: 1000, currency: 'THB' }), 400, 'validation_error', 'provider'],
    ['wrong currency for Reservepay', () => ({ ...rp(), currency: 'EUR' }), 422, 'unprocessable_request', 'currency'],
    ['wrong currency for SecPaid', () => ({ ...sp(), currency: 'USD' }), 422, 'unprocessable_request', 'currency'],
    ['unknown top-level field', () => ({ ...rp(), foo: 'bar' }), 400, 'validation_error', undefined],
    ['unknown payment field', () => ({ ...rp(), payment: { paymentId: rpPayment, extra: 1 } }), 400, 'validation_error', 'payment'],
    ['payment missing', () => ({ provider: 'reservepay', amount: 1000, currency: 'THB' }), 400, 'validation_error', 'payment'],
    ["another provider's payment reference", () => ({ ...sp(), payment: { paymentId: spPayment } }), 400, 'validation_error', 'payment'],
    ['non-numeric SecPaid payId', () => ({ ...sp(), payment: { payId: 'abc' } }), 400, 'validation_error', 'payment.payId'],
    ['SecPaid "full" without originalAmount', () => ({ ...sp(), amount: 'full' }), 422, 'unprocessable_request', 'amount'],
    ['Link Money "full" without originalAmount (Link Money needs an amount)', () => ({ provider: 'linkmoney', payment: { paymentId: 'lm-1' }, amount: 'full', currency: 'USD' }), 422, 'unprocessable_request', 'amount'],
    ['amount above originalAmount', () => ({ ...rp(), originalAmount: 500 }), 422, 'unprocessable_request', 'amount'],
    ['fractional originalAmount', () => ({ ...rp(), originalAmount: 1500.5 }), 400, 'validation_error', 'originalAmount'],
    ['Link Money settledAt not a date-time', () => ({ provider: 'linkmoney', payment: { paymentId: 'lm-1', settledAt: 'yesterday' }, amount: 100, currency: 'USD' }), 400, 'validation_error', 'payment.settledAt'],
    ['OpenPayd without referenceNo', () => ({ provider: 'openpayd', payment: { transactionId: opPayment }, amount: 100, currency: 'EUR' }), 400, 'validation_error', 'payment.referenceNo'],
    ['reason over 500 characters', () => ({ ...rp(), reason: 'x'.repeat(501) }), 400, 'validation_error', 'reason'],
    ['metadata with 21 keys', () => ({ ...rp(), metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) }), 400, 'validation_error', 'metadata'],
    ['metadata value not a string', () => ({ ...rp(), metadata: { order: 42 } }), 400, 'validation_error', 'metadata.order'],
    ['body is an array', () => [rp()], 400, 'validation_error', ''],
    ['body is a string', () => 'refund please', 400, 'validation_error', ''],
    ['body is null', () => null, 400, 'validation_error', ''],
  ];

  it.each(cases)('%s -> %i %s', async (_name, body, status, type, path) => {
    const key = uniqueKey('bad');
    const error = expectError(await create(key, body()), status, type);
    if (path !== undefined) expect(error.fields?.map((f) => f.path)).toContain(path);
    await expectNoWorkflow(key);
  });

  it('a body idempotencyKey that differs from the header -> 400', async () => {
    const key = uniqueKey('bad');
    const other = uniqueKey('bad');
    const error = expectError(await create(key, { ...rp(), idempotencyKey: other }), 400, 'validation_error');
    expect(error.fields).toEqual([{ path: 'idempotencyKey', message: expect.stringMatching(/Idempotency-Key/) }]);
    await expectNoWorkflow(key);
    await expectNoWorkflow(other);
  });

  it('a missing Idempotency-Key header -> 400, even with idempotencyKey in the body', async () => {
    const key = uniqueKey('bad');
    const error = expectError(await create(undefined, { ...rp(), idempotencyKey: key }), 400, 'validation_error');
    expect(error.fields?.[0]?.path).toBe('Idempotency-Key');
    await expectNoWorkflow(key);
  });

  it.each([
    ['with a space', 'has space'],
    ['over 200 characters', 'k'.repeat(201)],
  ])('an Idempotency-Key %s -> 400', async (_name, key) => {
    const error = expectError(await create(key, rp()), 400, 'validation_error');
    expect(error.fields?.[0]?.path).toBe('Idempotency-Key');
    await expectNoWorkflow(key);
  });

  it('invalid JSON -> 400 invalid_json', async () => {
    const key = uniqueKey('bad');
    expectError(await create(key, undefined, { raw: '{"provider": "reservepay",', headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
    await expectNoWorkflow(key);
  });

  it('an empty JSON body -> 400 invalid_json', async () => {
    const key = uniqueKey('bad');
    expectError(await create(key, undefined, { headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
    await expectNoWorkflow(key);
  });

  it('a wrong Content-Type -> 415', async () => {
    const key = uniqueKey('bad');
    expectError(await create(key, undefined, { raw: JSON.stringify({ ...rp() }), headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type');
    expectError(await create(key, undefined, { raw: 'provider=reservepay&amount=1000', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type');
    await expectNoWorkflow(key);
  });

  it('no Content-Type and no body -> 415', async () => {
    const key = uniqueKey('bad');
    expectError(await create(key, undefined), 415, 'unsupported_media_type');
    await expectNoWorkflow(key);
  });

  it('a body over 64 KiB -> 413, and the server stops reading', async () => {
    const key = uniqueKey('bad');
    const big = Buffer.from(JSON.stringify({ ...rp(), reason: 'x'.repeat(70 * 1024) }));
    const res = await rawPost('/v1/refunds', { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'idempotency-key': key }, big);
    expect(res.status).toBe(413);
    expect((res.body.error as { type: string }).type).toBe('payload_too_large');
    expect(res.headers.connection).toBe('close');
    await expectNoWorkflow(key);
  });

  it('a chunked body over the limit (no Content-Length) -> 413', async () => {
    const key = uniqueKey('bad');
    const small = await startApiServer({ port: 0, refunds: s.refunds, token: TOKEN, rateLimit: false, maxBodyBytes: 1024 });
    try {
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < 8; i++) c.enqueue(new TextEncoder().encode(i === 0 ? '{"reason":"' : 'x'.repeat(400)));
          c.close();
        },
      });
      const res = await fetch(`${small.url}/v1/refunds`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'idempotency-key': key },
        body,
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe('payload_too_large');
    } finally {
      await small.close();
    }
    await expectNoWorkflow(key);
  });

  it('without a bearer token a valid request is refused with 401 and starts nothing', async () => {
    const key = uniqueKey('noauth');
    const a = await create(key, rp(), { auth: null });
    expectError(a, 401, 'unauthorized');
    expect(a.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await expectNoWorkflow(key);
  });

  it('none of the refused requests reached a provider', async () => {
    expect(await sandboxRefunds('reservepay', rpPayment)).toEqual([]);
    expect(await sandboxRefunds('secpaid', spPayment)).toEqual([]);
    expect(await sandboxRefunds('openpayd', opPayment)).toEqual([]);
  });
});

describe('POST /v1/refunds: creation and idempotency', () => {
  it('the same key and body -> 201 and the same refund, one provider refund; a different body -> 409', async () => {
    const paymentId = await payment({ provider: 'reservepay', amount: 10_000, currency: 'THB' });
    const key = uniqueKey('idem');
    const body = { provider: 'reservepay', payment: { paymentId }, amount: 2500, currency: 'THB', reason: 'damaged' };
    const first = await create(key, body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ refundId: `refund-${key}`, request: { ...body, idempotencyKey: key } });
    expect(first.headers.get('location')).toBe(`/v1/refunds/refund-${key}`);
    expect(first.headers.get('idempotent-replayed')).toBe('false');

    const again = await create(key, { ...body, idempotencyKey: key }); // the body may repeat the key
    expect(again.status).toBe(201);
    expect(again.body.refundId).toBe(first.body.refundId);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const conflict = expectError(await create(key, { ...body, amount: 2600 }), 409, 'idempotency_conflict');
    expect(conflict.fields?.map((f) => f.path)).toEqual(['amount']);

    const final = await getUntil(`refund-${key}`, (r) => r.status === 'approved');
    expect((final.provider as { refundId: string }).refundId).toMatch(/^rfn_/);
    expect(await sandboxRefunds('reservepay', paymentId)).toHaveLength(1);
  });

  it('Link Money with a settlement long past: created, then authorized', async () => {
    const paymentId = await payment({ provider: 'linkmoney', amount: 5000, currency: 'USD', settledAt: '2026-01-05T15:00:00Z' });
    const key = uniqueKey('lm');
    const a = await create(key, { provider: 'linkmoney', payment: { paymentId, settledAt: '2026-01-05T15:00:00Z' }, amount: 1999, currency: 'usd' });
    expect(a.status).toBe(201);
    expect((a.body.request as { currency: string }).currency).toBe('USD');
    const final = await getUntil(`refund-${key}`, (r) => r.status === 'authorized');
    expect((final.provider as { status: string }).status).toBe('AUTHORIZED');
  });
});

describe('GET /v1/refunds and /v1/refunds/{id}', () => {
  it('gets a refund, 404 for an unknown one, lists with filters and pages', async () => {
    expectError(await call('GET', `/v1/refunds/refund-${uniqueKey('nope')}`), 404, 'not_found');

    const paymentId = await payment({ provider: 'reservepay', amount: 10_000, currency: 'THB' });
    const keys = [uniqueKey('list'), uniqueKey('list')];
    for (const [i, key] of keys.entries()) {
      expect((await create(key, { provider: 'reservepay', payment: { paymentId }, amount: 100 + i, currency: 'THB' })).status).toBe(201);
    }
    const got = await call('GET', `/v1/refunds/refund-${keys[0]}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ refundId: `refund-${keys[0]}`, request: { amount: 100, currency: 'THB' } });

    const all = await eventually(async () => {
      const a = await call('GET', `/v1/refunds?provider=reservepay&paymentId=${paymentId}`);
      return (a.body.data as unknown[]).length === 2 && a;
    });
    expect(all.status).toBe(200);
    expect(all.body.nextPageToken).toBeNull();
    expect((all.body.data as { refundId: string }[]).map((r) => r.refundId).sort()).toEqual(keys.map((k) => `refund-${k}`).sort());
    expect(all.body.data).toContainEqual(expect.objectContaining({ provider: 'reservepay', paymentId, currency: 'THB', amountMinor: 101 }));

    const page1 = await call('GET', `/v1/refunds?paymentId=${paymentId}&limit=1`);
    expect(page1.body.data).toHaveLength(1);
    expect(page1.body.nextPageToken).toEqual(expect.any(String));
    const page2 = await call('GET', `/v1/refunds?paymentId=${paymentId}&limit=1&pageToken=${page1.body.nextPageToken as string}`);
    expect(page2.body.data).toHaveLength(1);
    expect((page2.body.data as { refundId: string }[])[0]!.refundId).not.toBe((page1.body.data as { refundId: string }[])[0]!.refundId);

    const none = await call('GET', `/v1/refunds?paymentId=${paymentId}&createdBefore=2000-01-01T00:00:00Z`);
    expect(none.body).toEqual({ data: [], nextPageToken: null });
  });

  it.each([
    ['status=done', 'status'],
    ['provider=paypal', 'provider'],
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1001', 'limit'],
    ['createdAfter=yesterday', 'createdAfter'],
    ['pageToken=not%20a%20token', 'pageToken'],
    ['colour=red', ''],
    ['status=pending&status=approved', 'status'],
  ])('GET /v1/refunds?%s -> 400', async (query, path) => {
    const error = expectError(await call('GET', `/v1/refunds?${query}`), 400, 'validation_error');
    expect(error.fields?.map((f) => f.path)).toContain(path);
  });
});

describe('operator actions', () => {
  it('SecPaid: bad bodies are refused, approve records the review, a second approve is 409', async () => {
    const payId = await payment({ provider: 'secpaid', amount: 5000, currency: 'EUR' });
    const key = uniqueKey('sp');
    expect((await create(key, { provider: 'secpaid', payment: { payId }, amount: 2500, currency: 'EUR' })).status).toBe(201);
    const id = `refund-${key}`;
    await getUntil(id, (r) => r.pendingReason === 'awaiting_admin_review');

    expect(expectError(await call('POST', `/v1/refunds/${id}/approve`, { body: { operator: 5 } }), 400, 'validation_error').fields?.[0]?.path).toBe('operator');
    expect(expectError(await call('POST', `/v1/refunds/${id}/approve`, { body: { approvedBy: 'x' } }), 400, 'validation_error').fields).toBeDefined();
    expect(expectError(await call('POST', `/v1/refunds/${id}/reject`, { body: {} }), 400, 'validation_error').fields?.[0]?.path).toBe('reason');
    expect(expectError(await call('POST', `/v1/refunds/${id}/reject`, { body: { reason: '   ' } }), 400, 'validation_error').fields?.[0]?.path).toBe('reason');
    expectError(await call('POST', `/v1/refunds/${id}/reject`, { body: undefined }), 400, 'validation_error');
    expectError(await call('POST', `/v1/refunds/${id}/approve`, { raw: 'operator=ops', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type');
    expectError(await call('POST', `/v1/refunds/${id}/approve`, { raw: '{', headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
    expect(expectError(await call('POST', `/v1/refunds/${id}/resolve`, { body: { status: 'done', note: 'x' } }), 400, 'validation_error').fields?.[0]?.path).toBe('status');
    expect((await call('GET', `/v1/refunds/${id}`)).body.status).toBe('pending'); // none of that changed anything

    expectError(await call('POST', `/v1/refunds/${id}/cancel`, { body: { operator: 'ops' } }), 409, 'action_not_allowed');
    expectError(await call('POST', `/v1/refunds/${id}/resolve`, { body: { status: 'approved', note: 'seen in dashboard' } }), 409, 'action_not_allowed');

    const approved = await call('POST', `/v1/refunds/${id}/approve`, { body: { operator: 'ops@example.com', note: 'approved in the SecPaid dashboard' } });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ refundId: id, status: 'approved' });
    expect((approved.body.transitions as { status: string }[]).map((t) => t.status)).toEqual(['pending', 'pending', 'approved']);

    const again = expectError(await call('POST', `/v1/refunds/${id}/approve`, { body: {} }), 409, 'action_not_allowed');
    expect(again.message).toMatch(/approve refused/);
    expectError(await call('POST', `/v1/refunds/${id}/reject`, { body: { reason: 'too late' } }), 409, 'action_not_allowed');
  });

  it('SecPaid reject with the reason; approve without a body is allowed', async () => {
    const payId = await payment({ provider: 'secpaid', amount: 5000, currency: 'EUR' });
    const key = uniqueKey('sp');
    await create(key, { provider: 'secpaid', payment: { payId }, amount: 1000, currency: 'EUR' });
    await getUntil(`refund-${key}`, (r) => r.pendingReason === 'awaiting_admin_review');
    const rejected = await call('POST', `/v1/refunds/refund-${key}/reject`, { body: { reason: 'Outside refund window', operator: 'ops' } });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', provider: { message: 'Outside refund window' } });
  });

  it('approve on a Reservepay refund is 409; actions on an unknown refund are 404', async () => {
    const paymentId = await payment({ provider: 'reservepay', amount: 10_000, currency: 'THB' });
    const key = uniqueKey('rp');
    await create(key, { provider: 'reservepay', payment: { paymentId }, amount: 500, currency: 'THB' });
    await getUntil(`refund-${key}`, (r) => r.status === 'approved');
    expectError(await call('POST', `/v1/refunds/refund-${key}/approve`, { body: {} }), 409, 'action_not_allowed');
    const unknown = `refund-${uniqueKey('nope')}`;
    for (const action of ['approve', 'cancel'] as const) expectError(await call('POST', `/v1/refunds/${unknown}/${action}`, { body: {} }), 404, 'not_found');
    expectError(await call('POST', `/v1/refunds/${unknown}/reject`, { body: { reason: 'x' } }), 404, 'not_found');
    expectError(await call('POST', `/v1/refunds/${unknown}/resolve`, { body: { status: 'failed', note: 'x' } }), 404, 'not_found');
  });

  it('resolve: a needs_attention refund (someone else refunded first) refuses the wrong success status with 422, then is resolved', async () => {
    const transactionId = await payment({ provider: 'openpayd', amount: 1500, currency: 'EUR', method: 'VISA', referenceNo: 'ref-na' });
    const body = { provider: 'openpayd', payment: { transactionId, referenceNo: 'ref-na' }, amount: 'full', currency: 'EUR' };
    const firstKey = uniqueKey('op');
    await create(firstKey, body);
    await getUntil(`refund-${firstKey}`, (r) => r.status === 'approved');
    const key = uniqueKey('op');
    await create(key, body);
    const attention = await getUntil(`refund-${key}`, (r) => r.status === 'needs_attention');
    expect(attention.attention).toEqual(expect.any(String));
    const invalid = expectError(await call('POST', `/v1/refunds/refund-${key}/resolve`, { body: { status: 'authorized', note: 'checked' } }), 422, 'action_invalid');
    expect(invalid.message).toMatch(/approved, not authorized/);
    const resolved = await call('POST', `/v1/refunds/refund-${key}/resolve`, { body: { status: 'failed', note: 'duplicate of the first refund', operator: 'ops' } });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'failed' });
  });
});

describe('auth, routing, rate limit, documents and probes', () => {
  it('bearer auth on /v1: none, wrong, other scheme -> 401 with WWW-Authenticate; the right token -> 200', async () => {
    for (const auth of [null, 'wrong-token', `${TOKEN}x`, TOKEN.slice(0, -1)]) {
      const a = await call('GET', '/v1/refunds', { auth });
      expectError(a, 401, 'unauthorized');
      expect(a.headers.get('www-authenticate')).toMatch(/^Bearer realm="refunds"/);
    }
    expectError(await call('GET', '/v1/refunds', { headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` } }), 401, 'unauthorized');
    expectError(await call('GET', '/v1/refunds/anything', { auth: null }), 401, 'unauthorized');
    expect((await call('GET', '/v1/refunds?limit=1')).status).toBe(200);
    expect((await call('GET', '/v1/refunds?limit=1', { headers: { authorization: `bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('unknown routes -> 404, wrong methods -> 405 with Allow', async () => {
    expectError(await call('GET', '/nope'), 404, 'not_found');
    expectError(await call('GET', '/v1/payments'), 404, 'not_found');
    expectError(await call('POST', '/v1/refunds/refund-x/refund', { body: {} }), 404, 'not_found');
    const del = await call('DELETE', '/v1/refunds');
    expectError(del, 405, 'method_not_allowed');
    expect(del.headers.get('allow')).toBe('GET, POST');
    const put = await call('PUT', '/v1/refunds/refund-x', { body: {} });
    expectError(put, 405, 'method_not_allowed');
    expect(put.headers.get('allow')).toBe('GET');
    expect((await call('GET', '/v1/refunds/refund-x/approve')).headers.get('allow')).toBe('POST');
    expectError(await call('POST', '/healthz', { body: {} }), 405, 'method_not_allowed');
  });

  it('rate limit per client: 429 with Retry-After once the burst is spent; another token has its own bucket', async () => {
    const limited = await startApiServer({ port: 0, refunds: s.refunds, token: TOKEN, rateLimit: { ratePerSecond: 0.5, burst: 3 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await call('GET', '/v1/refunds?limit=1', { base: limited.url })).status);
      expect(statuses).toEqual([200, 200, 200]);
      const over = await call('GET', '/v1/refunds?limit=1', { base: limited.url });
      expectError(over, 429, 'rate_limited');
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expectError(await call('POST', '/v1/refunds', { base: limited.url, body: {} }), 429, 'rate_limited');
      // A different presented token is a different client (and here 401, not 429).
      expectError(await call('GET', '/v1/refunds', { base: limited.url, auth: 'someone-else' }), 401, 'unauthorized');
      // Probes are never limited.
      expect((await call('GET', '/healthz', { base: limited.url, auth: null })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('GET /openapi.json: OpenAPI 3.1 with every route, the request body schema, the error shape and bearer security', async () => {
    const a = await call('GET', '/openapi.json', { auth: null });
    expect(a.status).toBe(200);
    const doc = a.body as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { $ref: string } }> }; responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, { oneOf?: { properties: Record<string, Record<string, unknown>>; required: string[] }[] }>; securitySchemes: Record<string, unknown> };
      security: unknown[];
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      ['/healthz', '/openapi.json', '/readyz', '/v1/refunds', '/v1/refunds/{id}', '/v1/refunds/{id}/approve', '/v1/refunds/{id}/cancel', '/v1/refunds/{id}/reject', '/v1/refunds/{id}/resolve', '/v1/refunds/{id}/retry', ...['four-eyes/approve', 'four-eyes/refuse', 'secpaid-review/approve', 'secpaid-review/reject'].map((p) => `/v1/refunds/{id}/${p}`), '/v1/reconciliations', '/v1/reconciliations/{id}', '/v1/refund-batches', ...['', '/results', '/pause', '/resume', '/cancel'].map((p) => `/v1/refund-batches/{id}${p}`)].sort(),
    );
    expect(Object.keys(doc.paths['/v1/refunds']!).sort()).toEqual(['get', 'post']);
    for (const action of ['approve', 'reject', 'cancel', 'resolve']) expect(doc.paths[`/v1/refunds/{id}/${action}`]!.post).toBeDefined();
    const post = doc.paths['/v1/refunds']!.post!;
    expect(post.requestBody!.content['application/json']!.schema.$ref).toBe('#/components/schemas/RefundRequest');
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '409', '413', '415', '429']));
    const body = doc.components.schemas.RefundRequest!.oneOf!;
    expect(body.map((b) => b.properties.provider!.const).sort()).toEqual(['linkmoney', 'openpayd', 'reservepay', 'secpaid']);
    expect(body[0]!.required).not.toContain('idempotencyKey');
    expect(JSON.stringify(body[0]!.properties.amount)).toContain('"type":"integer"');
    expect(doc.components.schemas.Error).toMatchObject({ required: ['error'], properties: { error: { required: ['type', 'message'] } } });
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
  });

  it('GET /healthz and /readyz need no token; /readyz is 503 when Temporal is unreachable', async () => {
    expect(await call('GET', '/healthz', { auth: null })).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await call('GET', '/readyz', { auth: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', temporal: { serverVersion: expect.any(String) } });

    const deadAddress = `127.0.0.1:${await freePort()}`;
    const dead = new RefundsClient(new Client({ connection: Connection.lazy({ address: deadAddress }) }), 'nowhere');
    const down = await startApiServer({ port: 0, refunds: dead, token: TOKEN, readyTimeoutMs: 1000 });
    try {
      expectError(await call('GET', '/readyz', { base: down.url, auth: null }), 503, 'unavailable');
      expect((await call('GET', '/healthz', { base: down.url, auth: null })).status).toBe(200);
    } finally {
      await down.close();
      await dead.close().catch(() => undefined);
    }
  });
});
