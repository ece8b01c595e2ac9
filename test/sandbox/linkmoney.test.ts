import { describe, expect, it } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../../sandbox/credentials.js';
import { http, postForm, postJson, useSandbox } from './helpers.js';

const { sb, admin } = useSandbox();

const CREDS = {
  client_id: SANDBOX_CREDENTIALS.linkmoneyClientId,
  client_secret: SANDBOX_CREDENTIALS.linkmoneyClientSecret,
  scope: 'Link-Payment',
  grant_type: 'client_credentials',
};

async function token(): Promise<string> {
  const r = await postForm(`${sb().urls.linkmoney}/v1/tokens`, CREDS);
  expect(r.status).toBe(200);
  return (r.json as { access_token: string }).access_token;
}

function expectError(r: { status: number; json: unknown }, status: number, errorCode: string) {
  expect(r.status).toBe(status);
  const body = r.json as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['errorCode', 'errorId', 'errorMessage', 'errorSeverity']);
  expect(body.errorCode).toBe(errorCode);
  expect(body.errorSeverity).toBe('ERROR');
  expect(typeof body.errorId).toBe('string');
  expect(String(body.errorMessage).length).toBeGreaterThan(0);
  return body;
}

let keySeq = 0;
async function refund(body: Record<string, unknown>, tok?: string) {
  return postJson(
    `${sb().urls.linkmoney}/v1/refunds`,
    { requestKey: `key-${++keySeq}`, clientReferenceId: 'REFUND-1234', ...body },
    { authorization: `Bearer ${tok ?? (await token())}`, accept: 'application/json' },
  );
}

describe('Link Money tokens', () => {
  it('issues a bearer token for the client credentials', async () => {
    const r = await postForm(`${sb().urls.linkmoney}/v1/tokens`, CREDS);
    expect(r.status).toBe(200);
    const body = r.json as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'Link-Payment' });
    expect(body.access_token).toMatch(/^\S{20,}$/);
  });

  it('rejects a bad secret, a wrong grant type and a JSON body', async () => {
    expectError(await postForm(`${sb().urls.linkmoney}/v1/tokens`, { ...CREDS, client_secret: 'x' }), 401, 'INVALID_CLIENT');
    expectError(await postForm(`${sb().urls.linkmoney}/v1/tokens`, { ...CREDS, grant_type: 'password' }), 400, 'UNSUPPORTED_GRANT_TYPE');
    expectError(await postJson(`${sb().urls.linkmoney}/v1/tokens`, CREDS), 400, 'INVALID_REQUEST');
  });

  it('expires tokens after 3600 s of sandbox clock; bad tokens get 401', async () => {
    await admin.setClock('2026-01-05T10:00:00Z');
    const p = await admin.payment({ provider: 'linkmoney', amount: 1000, settledAt: '2025-12-01T00:00:00Z' });
    const tok = await token();
    await admin.call('POST', '/clock/advance', { seconds: 3599 });
    expect((await refund({ paymentId: p.id, amount: { currency: 'USD', value: 1 } }, tok)).status).toBe(201);
    await admin.call('POST', '/clock/advance', { seconds: 1 });
    expectError(await refund({ paymentId: p.id, amount: { currency: 'USD', value: 1 } }, tok), 401, 'UNAUTHORIZED');
    expectError(await refund({ paymentId: p.id, amount: { currency: 'USD', value: 1 } }, 'garbage'), 401, 'UNAUTHORIZED');
    const noAuth = await postJson(`${sb().urls.linkmoney}/v1/refunds`, { paymentId: p.id });
    expectError(noAuth, 401, 'UNAUTHORIZED');
  });
});

describe('Link Money refunds', () => {
  it('PENDING within 3 business days of settlement, AUTHORIZED after (sandbox clock), across Thanksgiving', async () => {
    await admin.setClock('2026-11-25T15:00:00Z');
    const p = await admin.payment({ provider: 'linkmoney', amount: 5000, settledAt: '2026-11-25T14:00:00Z' });
    const r = await refund({ paymentId: p.id, amount: { currency: 'USD', value: 25.5 } });
    expect(r.status).toBe(201);
    const body = r.json as { paymentId: string };
    expect(body).toEqual({ paymentId: body.paymentId, paymentStatus: 'PENDING', clientReferenceId: 'REFUND-1234' });
    expect(body.paymentId).not.toBe(p.id);
    // a fresh token per read: moving the sandbox clock by days expires tokens too
    const read = async () => (await http(`${sb().urls.linkmoney}/v1/transactions/${body.paymentId}`, { headers: { authorization: `Bearer ${await token()}` } })).json as Record<string, unknown>;
    await admin.setClock('2026-12-01T23:59:59Z');
    expect((await read()).paymentStatus).toBe('PENDING');
    await admin.setClock('2026-12-02T00:00:00Z');
    expect(await read()).toMatchObject({
      paymentId: body.paymentId,
      paymentStatus: 'AUTHORIZED',
      type: 'REFUND',
      originalPaymentId: p.id,
      amount: { currency: 'USD', value: '25.50' },
      clientReferenceId: 'REFUND-1234',
    });
  });

  it('AUTHORIZED at once when the hold is over; PENDING while the payment has no settlement', async () => {
    await admin.setClock('2026-03-10T12:00:00Z');
    const old = await admin.payment({ provider: 'linkmoney', amount: 5000, settledAt: '2026-03-01T00:00:00Z' });
    const r = await refund({ paymentId: old.id, amount: { currency: 'USD', value: '50.00' } });
    expect(r.json).toMatchObject({ paymentStatus: 'AUTHORIZED', clientReferenceId: 'REFUND-1234' });
    const unsettled = await admin.payment({ provider: 'linkmoney', amount: 5000, settledAt: null });
    const r2 = await refund({ paymentId: unsettled.id, amount: { currency: 'USD', value: 1 } });
    expect((r2.json as Record<string, unknown>).paymentStatus).toBe('PENDING');
    await admin.call('POST', '/clock/advance', { days: 30 });
    expect((await admin.refunds(`?paymentId=${unsettled.id}`))[0]).toMatchObject({ status: 'PENDING' });
    await admin.call('PATCH', `/payments/linkmoney/${unsettled.id}`, { settledAt: '2026-03-01T00:00:00Z' });
    expect((await admin.refunds(`?paymentId=${unsettled.id}`))[0]).toMatchObject({ status: 'AUTHORIZED' });
  });

  it('TERMINAL_FAILED with CUSTOMER_NOT_DEBITED when the original debit failed', async () => {
    const p = await admin.payment({ provider: 'linkmoney', amount: 5000, debitFailed: true });
    const r = await refund({ paymentId: p.id, amount: { currency: 'USD', value: 1.0 } });
    expect(r.status).toBe(201);
    const body = r.json as { paymentId: string };
    expect(body).toEqual({
      paymentId: body.paymentId,
      paymentStatus: 'TERMINAL_FAILED',
      clientReferenceId: 'REFUND-1234',
      errorDetails: { errorCode: 'CUSTOMER_NOT_DEBITED', errorMessage: 'Original debit transaction was not successful' },
    });
  });

  it('rejects a repeated requestKey with DUPLICATE_REQUEST_KEY', async () => {
    const p = await admin.payment({ provider: 'linkmoney', amount: 5000 });
    const tok = await token();
    const send = () => postJson(`${sb().urls.linkmoney}/v1/refunds`, { paymentId: p.id, amount: { currency: 'USD', value: 1 }, requestKey: 'same' }, { authorization: `Bearer ${tok}` });
    expect((await send()).status).toBe(201);
    const body = expectError(await send(), 400, 'DUPLICATE_REQUEST_KEY');
    expect(body.errorMessage).toBe('A payment with this requestKey already exists');
    expect(await admin.refunds()).toHaveLength(1);
  });

  it('validates the body: requestKey, amount format, currency, JSON only', async () => {
    const p = await admin.payment({ provider: 'linkmoney', amount: 5000 });
    const tok = await token();
    const url = `${sb().urls.linkmoney}/v1/refunds`;
    const auth = { authorization: `Bearer ${tok}` };
    expectError(await postJson(url, { paymentId: p.id, amount: { currency: 'USD', value: 1 } }, auth), 400, 'INVALID_REQUEST');
    expectError(await refund({ paymentId: p.id, amount: { currency: 'USD', value: 1.005 } }, tok), 400, 'INVALID_AMOUNT');
    expectError(await refund({ paymentId: p.id, amount: { currency: 'USD', value: '1.001' } }, tok), 400, 'INVALID_AMOUNT');
    expectError(await refund({ paymentId: p.id, amount: { currency: 'USD', value: 0 } }, tok), 400, 'INVALID_AMOUNT');
    expectError(await refund({ paymentId: p.id, amount: { currency: 'EUR', value: 1 } }, tok), 400, 'INVALID_AMOUNT');
    expectError(await postForm(url, { paymentId: p.id, requestKey: 'f' }, auth), 400, 'INVALID_REQUEST');
    expectError(await refund({ paymentId: 'nope', amount: { currency: 'USD', value: 1 } }, tok), 404, 'PAYMENT_NOT_FOUND');
    expect(await admin.refunds()).toEqual([]);
  });

  it('never refunds more than is left of the payment', async () => {
    const p = await admin.payment({ provider: 'linkmoney', amount: 5000 });
    const tok = await token();
    expect((await refund({ paymentId: p.id, amount: { currency: 'USD', value: 30 } }, tok)).status).toBe(201);
    expectError(await refund({ paymentId: p.id, amount: { currency: 'USD', value: 20.01 } }, tok), 400, 'REFUND_AMOUNT_EXCEEDED');
    expect((await refund({ paymentId: p.id, amount: { currency: 'USD', value: 20 } }, tok)).status).toBe(201);
    expectError(await refund({ paymentId: p.id, amount: { currency: 'USD', value: 0.01 } }, tok), 400, 'REFUND_AMOUNT_EXCEEDED');
  });

  it('GET /v1/transactions/{debitId} lists the refunds with their requestKey', async () => {
    const p = await admin.payment({ provider: 'linkmoney', amount: 5000, settledAt: '2026-01-02T00:00:00Z' });
    const tok = await token();
    await postJson(`${sb().urls.linkmoney}/v1/refunds`, { paymentId: p.id, amount: { currency: 'USD', value: 12.34 }, requestKey: 'rk-1', clientReferenceId: 'ours' }, { authorization: `Bearer ${tok}` });
    const r = await http(`${sb().urls.linkmoney}/v1/transactions/${p.id}`, { headers: { authorization: `Bearer ${tok}` } });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      paymentId: p.id,
      paymentStatus: 'SUCCEEDED',
      type: 'DEBIT',
      amount: { currency: 'USD', value: '50.00' },
      settledAt: '2026-01-02T00:00:00.000Z',
      refunds: [{ type: 'REFUND', requestKey: 'rk-1', clientReferenceId: 'ours', amount: { currency: 'USD', value: '12.34' }, originalPaymentId: p.id }],
    });
    expectError(await http(`${sb().urls.linkmoney}/v1/transactions/unknown`, { headers: { authorization: `Bearer ${tok}` } }), 404, 'PAYMENT_NOT_FOUND');
  });

  it('an admin status override (e.g. SUCCEEDED, CANCELED) shows on reads', async () => {
    const p = await admin.payment({ provider: 'linkmoney', amount: 5000, settledAt: null });
    const r = await refund({ paymentId: p.id, amount: { currency: 'USD', value: 1 } });
    const id = (r.json as { paymentId: string }).paymentId;
    await admin.call('POST', `/refunds/${id}/status`, { status: 'CANCELED' });
    const tok = await token();
    const read = await http(`${sb().urls.linkmoney}/v1/transactions/${id}`, { headers: { authorization: `Bearer ${tok}` } });
    expect((read.json as Record<string, unknown>).paymentStatus).toBe('CANCELED');
  });
});
