import { describe, expect, it } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../../sandbox/credentials.js';
import { http, postJson, useSandbox } from './helpers.js';

const { sb, admin } = useSandbox();
const HEADERS = { authorization: `Bearer ${SANDBOX_CREDENTIALS.reservepayApiKey}`, 'api-version': '2025-04-01', accept: 'application/json' };
const call = (endpoint: string, body: unknown, headers: Record<string, string> = HEADERS) => postJson(`${sb().urls.reservepay}/merchants/${endpoint}`, body, headers);

function expectError(r: { status: number; json: unknown }, code: string) {
  expect(r.status).toBe(400);
  expect(Array.isArray(r.json)).toBe(true);
  const arr = r.json as unknown[];
  expect(arr).toHaveLength(3);
  expect(arr[0]).toBe(code);
  expect(typeof arr[1]).toBe('string');
  return arr;
}

describe('Reservepay refund-payment', () => {
  it('answers HTTP 200 with a bare JSON string "rfn_..."; amount omitted = whole remaining amount', async () => {
    const p = await admin.payment({ provider: 'reservepay', amount: 10000 });
    const r = await call('refund-payment', { payment_id: p.id });
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/^"rfn_[A-Za-z0-9]+"$/);
    const id = r.json as string;
    const found = await call('find-refund', { refund_id: id });
    expect(found.json).toEqual({
      refund_id: id,
      payment_id: p.id,
      status: 'succeeded',
      amount: 10000,
      currency: 'THB',
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      refunded_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      full: true,
    });
    expectError(await call('refund-payment', { payment_id: p.id }), 'NOT_REFUNDABLE');
  });

  it('several partial refunds up to the remaining amount, then AMOUNT_EXCEEDS_LIMIT / NOT_REFUNDABLE', async () => {
    const p = await admin.payment({ provider: 'reservepay', amount: 10000 });
    expect((await call('refund-payment', { payment_id: p.id, amount: 3000 })).status).toBe(200);
    expect((await call('refund-payment', { payment_id: p.id, amount: 3000 })).status).toBe(200);
    const over = expectError(await call('refund-payment', { payment_id: p.id, amount: 4001 }), 'AMOUNT_EXCEEDS_LIMIT');
    expect(over[2]).toEqual({ refundable: 4000, amount: 4001 });
    const rest = await call('refund-payment', { payment_id: p.id });
    expect((await call('find-refund', { refund_id: rest.json })).json).toMatchObject({ amount: 4000, full: false });
    expectError(await call('refund-payment', { payment_id: p.id, amount: 1 }), 'NOT_REFUNDABLE');
    expect((await call('find-payment', { payment_id: p.id })).json).toMatchObject({ status: 'billed', amount: 10000, currency: 'THB', refundable: 0 });
  });

  it('NOT_FOUND, NOT_REFUNDABLE (not billed, integration without refunds)', async () => {
    expectError(await call('refund-payment', { payment_id: 'pay_missing' }), 'NOT_FOUND');
    const unbilled = await admin.payment({ provider: 'reservepay', amount: 100, billed: false });
    expectError(await call('refund-payment', { payment_id: unbilled.id }), 'NOT_REFUNDABLE');
    const noRefunds = await admin.payment({ provider: 'reservepay', amount: 100, refundsEnabled: false });
    expectError(await call('refund-payment', { payment_id: noRefunds.id }), 'NOT_REFUNDABLE');
    expect(await admin.refunds()).toEqual([]);
  });

  it('INVALID_ARGUMENTS for non-integer, non-positive or string amounts and a missing payment_id', async () => {
    const p = await admin.payment({ provider: 'reservepay', amount: 10000 });
    for (const amount of [1.5, 0, -5, '100']) expectError(await call('refund-payment', { payment_id: p.id, amount }), 'INVALID_ARGUMENTS');
    expectError(await call('refund-payment', {}), 'INVALID_ARGUMENTS');
    expectError(await http(`${sb().urls.reservepay}/merchants/refund-payment`, { method: 'POST', headers: { ...HEADERS, 'content-type': 'application/json' }, body: '{oops' }), 'INVALID_ARGUMENTS');
    expect(await admin.refunds()).toEqual([]);
  });

  it('UNAUTHORIZED without the right Bearer key; BAD_VERSION without the right Api-Version', async () => {
    const p = await admin.payment({ provider: 'reservepay', amount: 10000 });
    expectError(await call('refund-payment', { payment_id: p.id }, { 'api-version': '2025-04-01' }), 'UNAUTHORIZED');
    expectError(await call('refund-payment', { payment_id: p.id }, { ...HEADERS, authorization: 'Bearer wrong' }), 'UNAUTHORIZED');
    expectError(await call('refund-payment', { payment_id: p.id }, { authorization: HEADERS.authorization }), 'BAD_VERSION');
    expectError(await call('refund-payment', { payment_id: p.id }, { ...HEADERS, 'api-version': '2020-01-01' }), 'BAD_VERSION');
    expect(await admin.refunds()).toEqual([]);
  });
});

describe('Reservepay reads', () => {
  it('list-refunds-by-payment pages by 25 with after/before cursors', async () => {
    const p = await admin.payment({ provider: 'reservepay', amount: 10000 });
    const ids: string[] = [];
    for (let i = 0; i < 30; i += 1) ids.push((await call('refund-payment', { payment_id: p.id, amount: 10 })).json as string);
    const first = (await call('list-refunds-by-payment', { payment_id: p.id })).json as { data: { refund_id: string }[]; has_more: boolean };
    expect(first.data.map((r) => r.refund_id)).toEqual(ids.slice(0, 25));
    expect(first.has_more).toBe(true);
    const next = (await call('list-refunds-by-payment', { payment_id: p.id, after: ids[24] })).json as typeof first;
    expect(next.data.map((r) => r.refund_id)).toEqual(ids.slice(25));
    expect(next.has_more).toBe(false);
    const prev = (await call('list-refunds-by-payment', { payment_id: p.id, before: ids[25], per_page: 5 })).json as typeof first;
    expect(prev.data.map((r) => r.refund_id)).toEqual(ids.slice(20, 25));
    expect(prev.has_more).toBe(true);
    expectError(await call('list-refunds-by-payment', { payment_id: 'nope' }), 'NOT_FOUND');
    expectError(await call('list-refunds-by-payment', { payment_id: p.id, per_page: 0 }), 'INVALID_ARGUMENTS');
  });

  it('find-payment shows status, amount, currency and what is refundable', async () => {
    const p = await admin.payment({ provider: 'reservepay', amount: 5000, billed: false });
    expect((await call('find-payment', { payment_id: p.id })).json).toEqual({
      payment_id: p.id, status: 'captured', amount: 5000, currency: 'THB', refundable: 0, refunded_amount: 0, created_at: expect.any(String),
    });
    await admin.call('PATCH', `/payments/reservepay/${p.id}`, { billed: true });
    expect((await call('find-payment', { payment_id: p.id })).json).toMatchObject({ status: 'billed', refundable: 5000 });
    expectError(await call('find-payment', { payment_id: 'x' }), 'NOT_FOUND');
    expectError(await call('find-refund', { refund_id: 'rfn_x' }), 'NOT_FOUND');
  });

  it('a pending refund (respondPending) is followed through find-refund until the operator decides', async () => {
    const p = await admin.payment({ provider: 'reservepay', amount: 5000, respondPending: true });
    const id = (await call('refund-payment', { payment_id: p.id, amount: 2000 })).json as string;
    expect((await call('find-refund', { refund_id: id })).json).toMatchObject({ status: 'pending', refunded_at: null });
    await admin.call('POST', `/refunds/${id}/approve`);
    expect((await call('find-refund', { refund_id: id })).json).toMatchObject({ status: 'succeeded', refunded_at: expect.any(String) });
    const id2 = (await call('refund-payment', { payment_id: p.id, amount: 3000 })).json as string;
    await admin.call('POST', `/refunds/${id2}/reject`, { reason: 'bank refused' });
    expect((await call('find-refund', { refund_id: id2 })).json).toMatchObject({ status: 'failed', refunded_at: null });
    expect((await call('find-payment', { payment_id: p.id })).json).toMatchObject({ refundable: 3000 });
  });
});
