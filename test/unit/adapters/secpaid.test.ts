/** The SecPaid adapter: the exact requests, and every documented answer as a RefundOutcome. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RefundOutcome } from '../../../domain/outcome.js';
import type { LookUpArgs, SubmitArgs } from '../../../activities/adapter.js';
import { SECPAID_ERROR_MESSAGES } from '../../../activities/secpaid/transformers.js';
import { destroySocket, form, makeAdapters, providerErrorOf, requestOf, SECRETS, startServer, truncated, type TestServer } from './harness.js';

const env = (code: 0 | 1 | '0' | '1', msg: string, extra: object = {}) => ({ ResponseCode: code, ResponseMsg: msg, Result: Number(code) ? 'True' : 'False', ServerTime: 'CEST', ...extra });

let server: TestServer;
let a: ReturnType<typeof makeAdapters>;
beforeAll(async () => {
  server = await startServer();
  a = makeAdapters(server.baseUrl);
});
afterAll(async () => {
  await a.dispatcher.close();
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
});

const args: SubmitArgs<'secpaid'> = { refundId: 'refund-k-1', request: requestOf('secpaid'), amount: { full: false, sendMinor: 2500 } };
const lookUpArgs: LookUpArgs<'secpaid'> = { ...args, submittedAfter: '2026-03-02T09:00:00Z', excludeRefundIds: [] };
const submit = (over: Partial<SubmitArgs<'secpaid'>> = {}) => a.adapters.secpaid.submit(a.ctx, { ...args, ...over });
const check = (excludeRefundIds: string[] = []) => a.adapters.secpaid.check(a.ctx, { ...lookUpArgs, excludeRefundIds });
const lookUp = (excludeRefundIds: string[] = []) => a.adapters.secpaid.lookUp(a.ctx, { ...lookUpArgs, excludeRefundIds });

const payment = { pay_id: 42011, creator_id: 7, user_id: 9, transaction_id: '20260301-pi-0000000001', amount: '25.00', net_amount: '24.00', service_fee: '1.00', service_fee_psp: '0.00', status: 'Success', recipient_note: 'x', payout_status: 'Paid', created_at: '2026-03-01 10:00:00', is_split_link: 'false', is_dispute: 'false', is_refund: 'false', payment_method: 'card', transaction_type: 'Basic' };
const refund = { ...payment, transaction_id: '20260302-pi-0000000002', amount: '-19.99', net_amount: '-19.99', created_at: '2026-03-02 09:00:00', is_refund: 'true', transaction_type: 'Refund', payout_status: 'Pending' };
const disputeRefund = { ...refund, transaction_id: '20260302-pi-0000000003', transaction_type: 'Dispute Refund' };

describe('SecPaid submit: the outgoing request', () => {
  it('POSTs form-urlencoded pay_id, refund_amount (from sendMinor) and isFullRefund with the token header', async () => {
    server.reply({ status: 200, body: env(1, 'Refund request submitted successfully') });
    await submit();
    expect(server.requests).toHaveLength(1);
    const r = server.requests[0]!;
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/secpaid/api/v2/refundPayment');
    expect(r.headers['token']).toBe(SECRETS.secpaidToken);
    expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(r.headers['accept']).toBe('application/json');
    expect(r.body).toBe('pay_id=42011&refund_amount=25.00&isFullRefund=false');
  });

  it('a full refund sends isFullRefund=true and still the amount', async () => {
    server.reply({ status: 200, body: env(1, 'Refund request submitted successfully') });
    await submit({ request: requestOf('secpaid', { amount: 'full', originalAmount: 100001 }), amount: { full: true, sendMinor: 100001 } });
    expect(form(server.requests[0]!.body)).toEqual({ pay_id: '42011', refund_amount: '1000.01', isFullRefund: 'true' });
  });

  it('without an amount to send (or an amount it cannot carry) nothing is sent: invalid_request', async () => {
    for (const amount of [{ full: true }, { full: false, sendMinor: 0 }, { full: false, sendMinor: 1.5 }]) {
      const err = await providerErrorOf(submit({ amount }), 'invalid_request');
      expect(err.mayHaveReachedProvider).toBe(false);
    }
    expect(server.requests).toHaveLength(0);
  });
});

describe('SecPaid submit: every documented answer', () => {
  it.each([
    'Refund request has been sent successfully, You will get update within 5-10 days',
    'Refund request submitted successfully',
  ])('ResponseCode 1 "%s" -> pending awaiting_admin_review, message kept', async (msg) => {
    server.reply({ status: 200, body: env(1, msg) });
    await expect(submit()).resolves.toEqual({ kind: 'pending', reason: 'awaiting_admin_review', message: msg });
  });

  it('ResponseCode "1" as a string, extra fields: the same', async () => {
    server.reply({ status: 200, body: env('1', 'Refund request submitted successfully', { data: null, requestRef: 'abc' }) });
    await expect(submit()).resolves.toMatchObject({ kind: 'pending', reason: 'awaiting_admin_review' });
  });

  const rejected = { kind: 'final', status: 'rejected', refusal: 'declined' } as const;
  const invalid = { kind: 'final', status: 'failed', refusal: 'invalid' } as const;
  const cases: [string, Partial<RefundOutcome>][] = [
    ['Refund already requested', { kind: 'exists' }],
    ['Please enter pay_id', invalid],
    ['Please enter refund_amount', invalid],
    ['Refund amount is required', invalid],
    ['Invalid link ID', invalid],
    ['Link not found', invalid],
    ['Link is cancelled', rejected],
    ['Refund blocked by dispute', rejected],
    ['Invalid refund amount', rejected],
    ['Cannot refund invoice-type links', rejected],
    ['Invalid isFullRefund', invalid],
    ['Invalid parameter', invalid],
  ];

  it('the table covers every message of the map but the token refusal', () => {
    expect(new Set([...cases.map((c) => c[0]), 'Incorrect token or missing token'])).toEqual(new Set(Object.keys(SECPAID_ERROR_MESSAGES)));
  });

  it.each(cases)('ResponseCode 0 "%s" -> %o (HTTP 200 and 400, any case and spacing, message kept)', async (msg, outcome) => {
    for (const [status, text] of [
      [200, msg],
      [400, msg],
      [200, `  ${msg.toUpperCase()}. `],
      [200, msg.toLowerCase().replace(/ /g, '  ')],
    ] as const) {
      server.reply({ status, body: env(0, text) });
      await expect(submit()).resolves.toEqual({ ...outcome, message: text });
    }
  });

  it('"Incorrect token or missing token" is thrown as auth (surely not processed)', async () => {
    for (const status of [200, 400]) {
      server.reply({ status, body: env('0', 'Incorrect token or missing token') });
      const err = await providerErrorOf(submit(), 'auth');
      expect(err.mayHaveReachedProvider).toBe(false);
      expect(err.providerMessage).toBe('Incorrect token or missing token');
      expect(err.httpStatus).toBe(status);
    }
  });

  it('an undocumented message -> unrecognized with its raw value, never success', async () => {
    server.reply({ status: 200, body: env(0, 'Refund window closed') });
    await expect(submit()).resolves.toEqual({ kind: 'unrecognized', raw: 'ResponseMsg "Refund window closed"', message: 'Refund window closed' });
  });

  it.each([
    ['HTML 502', { status: 502, body: '<html><body>Bad Gateway</body></html>', headers: { 'content-type': 'text/html' } }],
    ['empty 200', { status: 200, body: '' }],
    ['HTML 200', { status: 200, body: '<html>maintenance</html>' }],
    ['JSON without the envelope', { status: 200, body: { ok: true } }],
    ['an undocumented ResponseCode', { status: 200, body: env(1, 'x', { ResponseCode: 2 }) }],
  ] as const)('%s -> thrown transient, may have been processed', async (_name, reply) => {
    server.reply(reply);
    const err = await providerErrorOf(submit(), 'transient');
    expect(err.mayHaveReachedProvider).toBe(true);
  });

  it('truncated JSON and a reset connection -> thrown transient', async () => {
    server.reply(truncated(200, '{"ResponseCode": 1, "ResponseMsg": "Refund req'), destroySocket);
    expect((await providerErrorOf(submit(), 'transient')).mayHaveReachedProvider).toBe(true);
    expect((await providerErrorOf(submit(), 'transient')).mayHaveReachedProvider).toBe(true);
  });

  it('429 with Retry-After -> rate_limited with the delay, surely not processed', async () => {
    server.reply({ status: 429, body: env(0, 'Too Many Attempts.'), headers: { 'retry-after': '60' } });
    const err = await providerErrorOf(submit(), 'rate_limited');
    expect(err.retryAfterMs).toBe(60_000);
    expect(err.mayHaveReachedProvider).toBe(false);
  });
});

describe('SecPaid check / lookUp: getPayInTransactions for the pay_id', () => {
  it('the outgoing request: POST form pay_id, page, limit with the token header', async () => {
    server.reply({ status: 200, body: env(1, 'Pay-in transactions fetched successfully', { totalRecords: 1, data: [payment] }) });
    await check();
    const r = server.requests[0]!;
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/secpaid/api/v2/getPayInTransactions');
    expect(r.headers['token']).toBe(SECRETS.secpaidToken);
    expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(r.body).toBe('pay_id=42011&page=1&limit=200');
  });

  it('the negative Refund entry -> approved with its transaction id, absolute amount and status', async () => {
    server.reply({ status: 200, body: env(1, 'ok', { totalRecords: 3, data: [payment, disputeRefund, refund] }) });
    await expect(check()).resolves.toEqual({ kind: 'final', status: 'approved', refundId: '20260302-pi-0000000002', providerStatus: 'Success', amountMinor: 1999 });
  });

  it('any case and spacing of is_refund / transaction_type / status, a boolean is_refund, numbers as numbers, extra fields', async () => {
    const variants = [
      { ...refund, is_refund: 'TRUE', transaction_type: ' refund ', status: ' success ' },
      { ...refund, is_refund: true, amount: -19.99, pay_id: '42011', transaction_id: 20260302, status: 'Pending', extra: { a: 1 } },
    ];
    server.reply({ status: 200, body: env(1, 'ok', { data: [variants[0]] }) }, { status: 200, body: env(1, 'ok', { data: [variants[1]] }) });
    await expect(check()).resolves.toMatchObject({ kind: 'final', status: 'approved', providerStatus: ' success ', amountMinor: 1999 });
    await expect(check()).resolves.toMatchObject({ kind: 'final', status: 'approved', refundId: '20260302', providerStatus: 'Pending', amountMinor: 1999 });
  });

  it('no Refund entry (the payment, a Dispute Refund, a refund of another pay_id): check pending, lookUp null', async () => {
    const body = env(1, 'ok', { data: [payment, disputeRefund, { ...refund, pay_id: 999 }] });
    server.reply({ status: 200, body }, { status: 200, body });
    await expect(check()).resolves.toEqual({ kind: 'pending', reason: 'awaiting_admin_review' });
    await expect(lookUp()).resolves.toBeNull();
  });

  it('an entry of one of our other refunds (excludeRefundIds) is never ours', async () => {
    const body = env(1, 'ok', { data: [refund] });
    server.reply({ status: 200, body }, { status: 200, body });
    await expect(check(['20260302-pi-0000000002'])).resolves.toEqual({ kind: 'pending', reason: 'awaiting_admin_review' });
    await expect(lookUp(['20260302-pi-0000000002'])).resolves.toBeNull();
  });

  it('lookUp: the entry -> its outcome', async () => {
    server.reply({ status: 200, body: env(1, 'ok', { data: [refund] }) });
    await expect(lookUp()).resolves.toMatchObject({ kind: 'final', status: 'approved', refundId: '20260302-pi-0000000002' });
  });

  it('an undocumented entry status -> unrecognized with its raw value', async () => {
    server.reply({ status: 200, body: env(1, 'ok', { data: [{ ...refund, status: 'Reversed' }] }) });
    await expect(check()).resolves.toEqual({ kind: 'unrecognized', raw: 'status "Reversed"', refundId: '20260302-pi-0000000002', providerStatus: 'Reversed', amountMinor: 1999 });
  });

  it('a full page without the entry reads the next page', async () => {
    const page1 = Array.from({ length: 200 }, (_, i) => ({ ...payment, transaction_id: `t-${i}` }));
    server.reply({ status: 200, body: env(1, 'ok', { data: page1 }) }, { status: 200, body: env(1, 'ok', { data: [refund] }) });
    await expect(check()).resolves.toMatchObject({ kind: 'final', status: 'approved' });
    expect(server.requests.map((r) => form(r.body).page)).toEqual(['1', '2']);
  });

  it('an empty result as ResponseCode 0 "No data found" is no entry', async () => {
    server.reply({ status: 200, body: env(0, 'No data found') });
    await expect(lookUp()).resolves.toBeNull();
  });

  it('a read refused is thrown, never an outcome: the token as auth, "Invalid parameter" as invalid_request', async () => {
    server.reply({ status: 200, body: env(0, 'Incorrect token or missing token') }, { status: 200, body: env(0, 'Invalid parameter') });
    await providerErrorOf(check(), 'auth');
    await providerErrorOf(check(), 'invalid_request');
  });

  it('malformed data, an unreadable amount, a 5xx and a 429 are thrown', async () => {
    server.reply(
      { status: 200, body: env(1, 'ok', { data: 'nope' }) },
      { status: 200, body: env(1, 'ok', { data: [{ ...refund, amount: '-19.999' }] }) },
      { status: 503, body: 'down' },
      { status: 429, body: '', headers: { 'retry-after': '5' } },
    );
    await providerErrorOf(check(), 'transient');
    await providerErrorOf(check(), 'transient');
    await providerErrorOf(check(), 'transient');
    expect((await providerErrorOf(check(), 'rate_limited')).retryAfterMs).toBe(5_000);
  });
});
