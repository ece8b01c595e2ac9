import { describe, expect, it } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../../sandbox/credentials.js';
import { startSandbox } from '../../sandbox/server.js';
import { http, postForm, postJson, useSandbox } from './helpers.js';

const { sb, admin } = useSandbox();
const TOKEN = { token: SANDBOX_CREDENTIALS.secpaidToken };
const refundUrl = () => `${sb().urls.secpaid}/refundPayment`;
const listUrl = () => `${sb().urls.secpaid}/getPayInTransactions`;

const SUCCESS = {
  ResponseCode: 1,
  ResponseMsg: 'Refund request has been sent successfully, You will get update within 5-10 days',
  Result: 'True',
  ServerTime: 'CEST',
};
const error = (msg: string) => ({ ResponseCode: 0, ResponseMsg: msg, Result: 'False', ServerTime: 'CEST' });

async function refund(fields: Record<string, string>, headers: Record<string, string> = TOKEN) {
  return postForm(refundUrl(), fields, headers);
}

describe('SecPaid refundPayment', () => {
  it('accepts a form-urlencoded request and answers the documented success envelope', async () => {
    await admin.payment({ provider: 'secpaid', id: '42011', amount: 10000 });
    const r = await refund({ pay_id: '42011', refund_amount: '25.00' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual(SUCCESS);
    const [rec] = await admin.refunds('?provider=secpaid');
    expect(rec).toMatchObject({ paymentId: '42011', amount: 2500, currency: 'EUR', status: 'Pending' });
  });

  it('accepts JSON with numbers and a boolean isFullRefund', async () => {
    await admin.payment({ provider: 'secpaid', id: '42012', amount: 1999 });
    const r = await postJson(refundUrl(), { pay_id: 42012, refund_amount: 19.99, isFullRefund: true }, TOKEN);
    expect(r.json).toEqual(SUCCESS);
    expect((await admin.refunds())[0]).toMatchObject({ amount: 1999, full: true, isFullRefund: true });
  });

  it('accepts multipart/form-data', async () => {
    await admin.payment({ provider: 'secpaid', id: '42013', amount: 5000 });
    const form = new FormData();
    form.set('pay_id', '42013');
    form.set('refund_amount', '0.1');
    const r = await http(refundUrl(), { method: 'POST', headers: TOKEN, body: form });
    expect(r.json).toEqual(SUCCESS);
    expect((await admin.refunds())[0]).toMatchObject({ amount: 10 });
  });

  it('rejects a missing or wrong token', async () => {
    await admin.payment({ provider: 'secpaid', id: '42014', amount: 5000 });
    expect((await refund({ pay_id: '42014', refund_amount: '1.00' }, {})).json).toEqual(error('Incorrect token or missing token'));
    expect((await refund({ pay_id: '42014', refund_amount: '1.00' }, { token: 'nope' })).json).toEqual(error('Incorrect token or missing token'));
    expect(await admin.refunds()).toEqual([]);
  });

  it('requires pay_id and refund_amount', async () => {
    expect((await refund({ refund_amount: '1.00' })).json).toEqual(error('Please enter pay_id'));
    expect((await refund({ pay_id: '42015' })).json).toEqual(error('Please enter refund_amount'));
    expect((await refund({ pay_id: '42015', refund_amount: '' })).json).toEqual(error('Please enter refund_amount'));
  });

  it('answers "Invalid link ID" for unknown links and links of another user', async () => {
    await admin.payment({ provider: 'secpaid', id: '42016', amount: 5000, owner: '2002' });
    expect((await refund({ pay_id: '99999', refund_amount: '1.00' })).json).toEqual(error('Invalid link ID'));
    expect((await refund({ pay_id: '42016', refund_amount: '1.00' })).json).toEqual(error('Invalid link ID'));
  });

  it('blocks cancelled links, invoice links and open or won disputes; a lost dispute does not block', async () => {
    await admin.payment({ provider: 'secpaid', id: '1', amount: 5000, cancelled: true });
    await admin.payment({ provider: 'secpaid', id: '2', amount: 5000, linkType: 'invoice' });
    await admin.payment({ provider: 'secpaid', id: '3', amount: 5000, dispute: 'open' });
    await admin.payment({ provider: 'secpaid', id: '4', amount: 5000, dispute: 'won' });
    await admin.payment({ provider: 'secpaid', id: '5', amount: 5000, dispute: 'lost' });
    expect((await refund({ pay_id: '1', refund_amount: '1.00' })).json).toEqual(error('Link is cancelled'));
    expect((await refund({ pay_id: '2', refund_amount: '1.00' })).json).toEqual(error('Cannot refund invoice-type links'));
    expect((await refund({ pay_id: '3', refund_amount: '1.00' })).json).toEqual(error('Refund blocked by dispute'));
    expect((await refund({ pay_id: '4', refund_amount: '1.00' })).json).toEqual(error('Refund blocked by dispute'));
    expect((await refund({ pay_id: '5', refund_amount: '1.00' })).json).toEqual(SUCCESS);
  });

  it('rejects amounts above the original, not above zero, with 3 decimals or not numbers', async () => {
    await admin.payment({ provider: 'secpaid', id: '42017', amount: 2500 });
    for (const amount of ['25.01', '0', '0.00', '-1.00', '10.001', 'abc', '1e1', '1,00']) {
      expect((await refund({ pay_id: '42017', refund_amount: amount })).json, amount).toEqual(error('Invalid refund amount'));
    }
    expect((await postJson(refundUrl(), { pay_id: 42017, refund_amount: 0.005 }, TOKEN)).json).toEqual(error('Invalid refund amount'));
    expect((await refund({ pay_id: '42017', refund_amount: '25.00', isFullRefund: 'false' })).json).toEqual(SUCCESS);
  });

  it('rejects isFullRefund "true" with a partial amount', async () => {
    await admin.payment({ provider: 'secpaid', id: '42018', amount: 2500 });
    expect((await refund({ pay_id: '42018', refund_amount: '10.00', isFullRefund: 'true' })).json).toEqual(error('Invalid refund amount'));
    expect((await refund({ pay_id: '42018', refund_amount: '25', isFullRefund: 'true' })).json).toEqual(SUCCESS);
  });

  it('allows one refund request per link, whatever its outcome', async () => {
    await admin.payment({ provider: 'secpaid', id: '42019', amount: 5000 });
    expect((await refund({ pay_id: '42019', refund_amount: '10.00' })).json).toEqual(SUCCESS);
    expect((await refund({ pay_id: '42019', refund_amount: '10.00' })).json).toEqual(error('Refund already requested'));
    const [rec] = await admin.refunds();
    await admin.call('POST', `/refunds/${String(rec!.id)}/reject`, { reason: 'customer not eligible' });
    expect((await refund({ pay_id: '42019', refund_amount: '5.00' })).json).toEqual(error('Refund already requested'));
  });
});

const ENTRY_KEYS = [
  'pay_id', 'creator_id', 'user_id', 'transaction_id', 'amount', 'net_amount', 'service_fee', 'service_fee_psp', 'status',
  'recipient_note', 'payout_status', 'created_at', 'is_split_link', 'is_dispute', 'is_refund', 'payment_method', 'transaction_type',
].sort();

type Entry = Record<string, unknown>;
async function list(fields: Record<string, string> = {}) {
  const r = await postForm(listUrl(), fields, TOKEN);
  expect(r.status).toBe(200);
  const body = r.json as { ResponseCode: number; data: Entry[]; totalRecords: number };
  expect(body).toMatchObject({ ResponseCode: 1, Result: 'True', ServerTime: 'CEST' });
  return body;
}

describe('SecPaid admin review and getPayInTransactions', () => {
  it('approval adds a negative Refund entry with every documented field', async () => {
    await admin.setClock('2026-06-10T08:30:00Z');
    await admin.payment({ provider: 'secpaid', id: '42011', amount: 10000 });
    await refund({ pay_id: '42011', refund_amount: '25.00' });
    expect((await list()).data.filter((e) => e.transaction_type === 'Refund')).toEqual([]);
    const [rec] = await admin.refunds();
    await admin.call('POST', '/clock/advance', { hours: 1 });
    const approved = await admin.call('POST', `/refunds/${String(rec!.id)}/approve`);
    expect(approved.status).toBe('Approved');
    const body = await list({ pay_id: '42011' });
    expect(body.totalRecords).toBe(2);
    const [refundEntry, original] = body.data;
    expect(Object.keys(refundEntry!).sort()).toEqual(ENTRY_KEYS);
    expect(refundEntry).toMatchObject({
      pay_id: 42011,
      creator_id: 1001,
      amount: '-25.00',
      net_amount: '-25.00',
      service_fee: '0.00',
      service_fee_psp: '0.00',
      status: 'Success',
      is_refund: 'true',
      is_dispute: 'false',
      is_split_link: 'false',
      transaction_type: 'Refund',
      payment_method: 'Card',
      created_at: '2026-06-10 11:30:00', // 09:30Z in CEST (UTC+2)
    });
    expect(refundEntry!.transaction_id).toMatch(/^20260610-pi-\d{10}$/);
    expect(Object.keys(original!).sort()).toEqual(ENTRY_KEYS);
    expect(original).toMatchObject({ amount: '100.00', is_refund: 'false', transaction_type: 'Basic', created_at: '2026-06-10 10:30:00' });
    expect(original!.transaction_id).not.toBe(refundEntry!.transaction_id);
  });

  it('rejection records the reason (admin API) and adds nothing', async () => {
    await admin.payment({ provider: 'secpaid', id: '42020', amount: 10000 });
    await refund({ pay_id: '42020', refund_amount: '25.00' });
    const [rec] = await admin.refunds();
    await admin.call('POST', `/refunds/${String(rec!.id)}/reject`, { reason: 'Outside refund window' });
    expect(await admin.call('GET', `/refunds/${String(rec!.id)}`)).toMatchObject({ status: 'Rejected', reason: 'Outside refund window' });
    const body = await list();
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({ transaction_type: 'Basic' });
    await expect(admin.call('POST', `/refunds/${String(rec!.id)}/approve`)).rejects.toThrow(/409/);
  });

  it('filters by page/limit, search, date, since and pay_id', async () => {
    await admin.setClock('2026-03-01T12:00:00Z');
    await admin.payment({ provider: 'secpaid', id: '100', amount: 1000, createdAt: '2026-02-01T12:00:00Z', method: 'SEPA' });
    await admin.payment({ provider: 'secpaid', id: '101', amount: 1100, createdAt: '2026-02-25T12:00:00Z' });
    await admin.payment({ provider: 'secpaid', id: '102', amount: 1200, createdAt: '2026-02-28T12:00:00Z' });
    expect((await list()).data.map((e) => e.pay_id)).toEqual([102, 101, 100]);
    expect((await list({ limit: '2' })).data.map((e) => e.pay_id)).toEqual([102, 101]);
    expect((await list({ limit: '2', page: '2' })).data.map((e) => e.pay_id)).toEqual([100]);
    expect((await list({ limit: '2', page: '2' })).totalRecords).toBe(3);
    expect((await list({ since: '7' })).data.map((e) => e.pay_id)).toEqual([102, 101]);
    expect((await list({ date: '2026-02-25' })).data.map((e) => e.pay_id)).toEqual([101]);
    expect((await list({ search: 'sepa' })).data.map((e) => e.pay_id)).toEqual([100]);
    expect((await list({ pay_id: '101' })).data.map((e) => e.pay_id)).toEqual([101]);
    const bad = await postForm(listUrl(), { limit: 'ten' }, TOKEN);
    expect(bad.json).toEqual(error('Invalid parameter'));
  });

  it('defaults to 200 items a page and caps limit at 1000', async () => {
    for (let i = 0; i < 205; i += 1) sb().store.state.payments.push(baseSecPaid(String(1000 + i)));
    expect((await list()).data).toHaveLength(200);
    expect((await list({ limit: '5000' })).data).toHaveLength(205);
    expect((await list({ page: '2' })).data).toHaveLength(5);
  });

  it('wants the token on getPayInTransactions too', async () => {
    expect((await postForm(listUrl(), {}, {})).json).toEqual(error('Incorrect token or missing token'));
  });
});

function baseSecPaid(id: string) {
  return {
    provider: 'secpaid' as const, id, amount: 100, currency: 'EUR' as const, method: 'Card', createdAt: '2020-01-01T00:00:00.000Z',
    settledAt: null, debitFailed: false, dispute: 'none' as const, linkType: 'basic' as const, cancelled: false, owner: '1001',
    transactionId: `20200101-pi-${id.padStart(10, '0')}`, account: '', referenceNo: '', billed: true, refundsEnabled: true, respondPending: false,
  };
}

describe('SecPaid rate limit', () => {
  it('answers HTTP 429 after 60 requests a minute per token', async () => {
    const own = await startSandbox({ port: 0 });
    try {
      const url = `${own.urls.secpaid}/getPayInTransactions`;
      for (let i = 0; i < 60; i += 1) expect((await postForm(url, {}, TOKEN)).status).toBe(200);
      const limited = await postForm(url, {}, TOKEN);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('60');
      expect(limited.json).toEqual(error('Too Many Attempts.'));
      // another token has its own window (and is then refused for the token itself)
      expect((await postForm(url, {}, { token: 'other' })).json).toEqual(error('Incorrect token or missing token'));
    } finally {
      await own.close();
    }
  });
});
