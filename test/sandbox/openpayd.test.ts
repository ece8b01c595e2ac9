import { describe, expect, it } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../../sandbox/credentials.js';
import { postForm, postJson, useSandbox } from './helpers.js';

const { sb, admin } = useSandbox();
const KEY = SANDBOX_CREDENTIALS.openpaydApiKey;
const OTHER_KEY = 'b'.repeat(32);

async function payment(extra: Record<string, unknown> = {}) {
  return admin.payment({ provider: 'openpayd', id: '529-1438673740-2', referenceNo: '1-1386413490-0089-14', amount: 1234, ...extra });
}
const refund = (body: Record<string, unknown>) =>
  postJson(`${sb().urls.openpayd}/pw/v3/payment/refund`, { apiKey: KEY, transactionId: '529-1438673740-2', referenceNo: '1-1386413490-0089-14', ...body });
const status = (body: Record<string, unknown> = {}) =>
  postJson(`${sb().urls.openpayd}/pw/v3/payment/status`, { apiKey: KEY, transactionId: '529-1438673740-2', referenceNo: '1-1386413490-0089-14', ...body });

const APPROVED_KEYS = ['code', 'status', 'message', 'transactionId', 'referenceNo', 'amount', 'currency', 'date', 'isLive'].sort();
const DECLINED_KEYS = ['code', 'status', 'message', 'transactionId', 'referenceNo', 'amount', 'currency', 'date'].sort();

describe('OpenPayd payment/refund', () => {
  it('full refund (no amount, no currency): the APPROVED example, code "00" as a string', async () => {
    await admin.setClock('2016-10-11T12:39:58Z');
    await payment();
    const r = await refund({});
    expect(r.status).toBe(200);
    expect(Object.keys(r.json as object).sort()).toEqual(APPROVED_KEYS);
    expect(r.json).toEqual({
      code: '00',
      status: 'APPROVED',
      message: 'Approved',
      transactionId: '529-1438673740-2',
      referenceNo: '1-1386413490-0089-14',
      amount: '1234',
      currency: 'EUR',
      date: 1476189598,
      isLive: false,
    });
  });

  it('a second refund: the DECLINED example, code 32 as a number, amount a string', async () => {
    await payment();
    await refund({});
    const r = await refund({});
    expect(Object.keys(r.json as object).sort()).toEqual(DECLINED_KEYS);
    expect(r.json).toMatchObject({ code: 32, status: 'DECLINED', message: 'Already refunded', amount: '1234', currency: 'EUR' });
    expect(typeof (r.json as { date: unknown }).date).toBe('number');
  });

  it('partial refunds are DECLINED while the account switch is off (default)', async () => {
    await payment();
    const r = await refund({ amount: 500, currency: 'EUR' });
    expect(r.json).toMatchObject({ code: 96, status: 'DECLINED', message: 'Partial refund is not allowed' });
    expect(await admin.refunds()).toEqual([]);
  });

  it('partial refunds up to the original once the account switch is on, then "Already refunded"', async () => {
    await payment();
    await admin.call('POST', `/openpayd/accounts/${KEY}`, { partialRefunds: true });
    expect((await refund({ amount: 500, currency: 'EUR' })).json).toMatchObject({ code: '00', status: 'APPROVED', amount: '500' });
    expect((await refund({ amount: '400', currency: 'EUR' })).json).toMatchObject({ code: '00', amount: '400' });
    expect((await refund({ amount: 335, currency: 'EUR' })).json).toMatchObject({ code: 13, status: 'DECLINED', message: 'Amount exceeds refundable amount' });
    expect((await refund({})).json).toMatchObject({ code: '00', status: 'APPROVED', amount: '334' });
    expect((await refund({ amount: 1, currency: 'EUR' })).json).toMatchObject({ code: 32, message: 'Already refunded' });
  });

  it('the partial-refund switch is per account (apiKey)', async () => {
    await payment();
    await admin.payment({ provider: 'openpayd', id: 'T-2', referenceNo: 'R-2', amount: 1000, account: OTHER_KEY, partialRefunds: true });
    expect((await refund({ amount: 100, currency: 'EUR' })).json).toMatchObject({ code: 96 });
    const other = await postJson(`${sb().urls.openpayd}/pw/v3/payment/refund`, { apiKey: OTHER_KEY, transactionId: 'T-2', referenceNo: 'R-2', amount: 100, currency: 'EUR' });
    expect(other.json).toMatchObject({ code: '00', amount: '100' });
    // a payment of one account is unknown to another
    const cross = await postJson(`${sb().urls.openpayd}/pw/v3/payment/refund`, { apiKey: OTHER_KEY, transactionId: '529-1438673740-2', referenceNo: '1-1386413490-0089-14' });
    expect(cross.json).toMatchObject({ code: 14, status: 'ERROR', message: 'Transaction not found' });
  });

  it('188 "Amount is required" when amount comes without currency or currency without amount', async () => {
    await payment();
    await admin.call('POST', `/openpayd/accounts/${KEY}`, { partialRefunds: true });
    expect((await refund({ amount: 500 })).json).toMatchObject({ code: 188, status: 'DECLINED', message: 'Amount is required' });
    expect((await refund({ currency: 'EUR' })).json).toMatchObject({ code: 188, status: 'DECLINED', message: 'Amount is required' });
    expect(await admin.refunds()).toEqual([]);
  });

  it('only CREDITCARD and VISA are refundable', async () => {
    await payment({ method: 'SEPA' });
    expect((await refund({})).json).toMatchObject({ code: 54, status: 'ERROR', message: 'Payment method is not refundable' });
    await admin.payment({ provider: 'openpayd', id: 'V-1', referenceNo: 'R-V', amount: 100, method: 'VISA' });
    const visa = await postJson(`${sb().urls.openpayd}/pw/v3/payment/refund`, { apiKey: KEY, transactionId: 'V-1', referenceNo: 'R-V' });
    expect(visa.json).toMatchObject({ code: '00' });
  });

  it('checks apiKey (32 chars), required fields, the transaction and its referenceNo, amounts in integer cents', async () => {
    await payment();
    await admin.call('POST', `/openpayd/accounts/${KEY}`, { partialRefunds: true });
    expect((await refund({ apiKey: KEY.slice(1) })).json).toMatchObject({ code: 5, status: 'ERROR', message: 'Invalid apiKey' });
    expect((await refund({ apiKey: 'c'.repeat(32) })).json).toMatchObject({ code: 5 });
    expect((await refund({ apiKey: undefined })).json).toMatchObject({ code: 12, message: 'apiKey is required' });
    expect((await refund({ referenceNo: '' })).json).toMatchObject({ code: 12, message: 'referenceNo is required' });
    expect((await refund({ transactionId: 'nope' })).json).toMatchObject({ code: 14, message: 'Transaction not found' });
    expect((await refund({ referenceNo: 'other' })).json).toMatchObject({ code: 14 });
    expect((await refund({ amount: 12.5, currency: 'EUR' })).json).toMatchObject({ code: 13, message: 'Invalid amount' });
    expect((await refund({ amount: 0, currency: 'EUR' })).json).toMatchObject({ code: 13, message: 'Invalid amount' });
    expect((await refund({ amount: 100, currency: 'USD' })).json).toMatchObject({ code: 13, message: 'Invalid currency' });
    expect(await admin.refunds()).toEqual([]);
  });

  it('accepts a form-urlencoded body too', async () => {
    await payment();
    const r = await postForm(`${sb().urls.openpayd}/pw/v3/payment/refund`, { apiKey: KEY, transactionId: '529-1438673740-2', referenceNo: '1-1386413490-0089-14' });
    expect(r.json).toMatchObject({ code: '00', amount: '1234' });
  });
});

describe('OpenPayd pending refunds and payment/status', () => {
  it('283 PENDING "Waiting" when the payment answers pending; status follows it to APPROVED', async () => {
    await payment({ respondPending: true });
    const r = await refund({});
    expect(r.json).toMatchObject({ code: 283, status: 'PENDING', message: 'Waiting', amount: '1234', currency: 'EUR', isLive: false });
    expect((await refund({})).json).toMatchObject({ code: 32 });
    const s1 = (await status()).json as { refunds: { refundId: string }[] };
    expect(s1).toMatchObject({ code: '00', transactionId: '529-1438673740-2', referenceNo: '1-1386413490-0089-14', amount: '1234', currency: 'EUR', refundedAmount: '0', refunds: [{ amount: '1234', status: 'PENDING' }] });
    await admin.call('POST', `/refunds/${s1.refunds[0]!.refundId}/approve`);
    expect((await status()).json).toMatchObject({ status: 'REFUNDED', refundedAmount: '1234', refunds: [{ status: 'APPROVED' }] });
  });

  it('a pending refund declined by the operator frees the amount', async () => {
    await payment({ respondPending: true });
    await refund({});
    const [rec] = await admin.refunds();
    await admin.call('POST', `/refunds/${String(rec!.id)}/reject`, { reason: 'issuer declined' });
    expect((await status()).json).toMatchObject({ status: 'APPROVED', refundedAmount: '0', refunds: [{ status: 'DECLINED' }] });
    await admin.call('PATCH', '/payments/openpayd/529-1438673740-2', { respondPending: false });
    expect((await refund({})).json).toMatchObject({ code: '00', amount: '1234' });
  });

  it('status checks the apiKey and the transaction', async () => {
    await payment();
    expect((await status({ apiKey: 'short' })).json).toMatchObject({ code: 5 });
    expect((await status({ transactionId: 'x' })).json).toMatchObject({ code: 14 });
  });
});
