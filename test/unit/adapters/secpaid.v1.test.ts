import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildRefundPaymentForm, toSecpaidAmount } from '../../../activities/secpaid/transformers.js';
import { destroySocket, failureOf, form, makeActivities, SECRETS, startServer, truncated, type TestServer } from './harness.js';

const env = (code: 0 | 1, msg: string, extra: object = {}) => ({ ResponseCode: code, ResponseMsg: msg, Result: code ? 'True' : 'False', ServerTime: 'CEST', ...extra });

let server: TestServer;
let acts: ReturnType<typeof makeActivities>;
beforeAll(async () => {
  server = await startServer();
  acts = makeActivities(server.baseUrl);
});
afterAll(async () => {
  await acts.dispatcher.close();
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
});

const submit = (over: object = {}) =>
  acts.activities.secpaidSubmitRefund({ refundId: 'rf-1', payId: '42011', amountMinor: 2500, fullRefund: false, ...over });

describe('secpaidSubmitRefund: the outgoing request', () => {
  it('POSTs form-urlencoded pay_id, refund_amount and isFullRefund with the token header', async () => {
    server.reply({ status: 200, body: env(1, 'Refund request submitted successfully') });
    await submit();
    expect(server.requests).toHaveLength(1);
    const r = server.requests[0]!;
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/secpaid/api/v2/refundPayment'); // base URL ends with "/": no double slash
    expect(r.headers['token']).toBe(SECRETS.secpaidToken);
    expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(r.body).toBe('pay_id=42011&refund_amount=25.00&isFullRefund=false');
  });

  it('always sends refund_amount, also for a full refund', async () => {
    server.reply({ status: 200, body: env(1, 'Refund request submitted successfully') });
    await submit({ amountMinor: 100001, fullRefund: true });
    expect(form(server.requests[0]!.body)).toEqual({ pay_id: '42011', refund_amount: '1000.01', isFullRefund: 'true' });
  });
});

describe('secpaidSubmitRefund: documented answers', () => {
  it.each([
    'Refund request has been sent successfully, You will get update within 5-10 days',
    'Refund request submitted successfully',
  ])('success: %s', async (msg) => {
    server.reply({ status: 200, body: env(1, msg) });
    await expect(submit()).resolves.toEqual({ outcome: 'submitted', message: msg });
  });

  it.each([200, 400])('"Refund already requested" (HTTP %i) is an answer, not a failure', async (status) => {
    server.reply({ status, body: env(0, 'Refund already requested') });
    await expect(submit()).resolves.toEqual({ outcome: 'already_requested', message: 'Refund already requested' });
  });

  it.each([
    ['Invalid refund amount', 'ProviderDeclined'],
    ['Link is cancelled', 'ProviderDeclined'],
    ['Refund blocked by dispute', 'ProviderDeclined'],
    ['Cannot refund invoice-type links', 'ProviderDeclined'],
    ['Invalid link ID', 'ProviderNotFound'],
    ['Link not found', 'ProviderNotFound'],
    ['Please enter pay_id', 'ProviderInvalidRequest'],
    ['Please enter refund_amount', 'ProviderInvalidRequest'],
    ['Refund amount is required', 'ProviderInvalidRequest'],
    ['Incorrect token or missing token', 'ProviderAuth'],
    ['Something nobody documented', 'ProviderInvalidRequest'],
  ])('%s -> %s, non-retryable, exact ResponseMsg kept (HTTP 200 and 400)', async (msg, type) => {
    for (const status of [200, 400]) {
      server.reply({ status, body: env(0, msg) });
      const { failure, details } = await failureOf(submit());
      expect(failure.type).toBe(type);
      expect(failure.nonRetryable).toBe(true);
      expect(details.providerMessage).toBe(msg);
      expect(details.httpStatus).toBe(status);
      expect(failure.message).toContain(msg);
    }
  });
});

describe('secpaidSubmitRefund: failures', () => {
  it.each([
    ['HTML 502', { status: 502, body: '<html><body>Bad Gateway</body></html>', headers: { 'content-type': 'text/html' } }],
    ['empty 200', { status: 200, body: '' }],
    ['HTML 200', { status: 200, body: '<html>maintenance</html>' }],
    ['JSON without envelope', { status: 200, body: { ok: true } }],
  ] as const)('%s: may have been processed -> ProviderAmbiguous', async (_name, reply) => {
    server.reply(reply);
    const { failure, details } = await failureOf(submit());
    expect(failure.type).toBe('ProviderAmbiguous');
    expect(failure.nonRetryable).toBe(true);
    expect(details.kind).toBe('transient');
    expect(details.mayHaveReachedProvider).toBe(true);
  });

  it('truncated JSON -> ProviderAmbiguous', async () => {
    server.reply(truncated(200, '{"ResponseCode": 1, "ResponseMsg": "Refund req'));
    const { failure } = await failureOf(submit());
    expect(failure.type).toBe('ProviderAmbiguous');
  });

  it('connection reset after sending -> ProviderAmbiguous', async () => {
    server.reply(destroySocket);
    const { failure, details } = await failureOf(submit());
    expect(failure.type).toBe('ProviderAmbiguous');
    expect(details.mayHaveReachedProvider).toBe(true);
  });

  it('429 with Retry-After seconds -> retryable ProviderRateLimited with nextRetryDelay', async () => {
    server.reply({ status: 429, body: 'Too Many Requests', headers: { 'retry-after': '30' } });
    const { failure, details } = await failureOf(submit());
    expect(failure.type).toBe('ProviderRateLimited');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(30_000);
    expect(details.mayHaveReachedProvider).toBe(false);
  });

  it('a zero or negative amount is refused before sending', async () => {
    for (const amountMinor of [0, -1]) {
      const { failure, details } = await failureOf(submit({ amountMinor }));
      expect(failure.type).toBe('ProviderInvalidRequest');
      expect(details.mayHaveReachedProvider).toBe(false);
    }
    expect(server.requests).toHaveLength(0);
  });
});

describe('secpaidAwaitRefund (the v1 pay-ins check)', () => {
  const payment = { pay_id: 42011, creator_id: 7, user_id: 9, transaction_id: '20260301-pi-0000000001', amount: '25.00', net_amount: '24.00', service_fee: '1.00', service_fee_psp: '0.00', status: 'Success', created_at: '2026-03-01 10:00:00', is_split_link: 'false', is_dispute: 'false', is_refund: 'false', payment_method: 'card', transaction_type: 'Basic' };
  const refund = { ...payment, transaction_id: '20260302-pi-0000000002', amount: '-19.99', net_amount: '-19.99', created_at: '2026-03-02 09:00:00', is_refund: 'true', transaction_type: 'Refund' };
  const disputeRefund = { ...refund, transaction_id: '20260302-pi-0000000003', transaction_type: 'Dispute Refund' };

  it('sends pay_id, page, limit and since; finds the negative Refund entry', async () => {
    server.reply({ status: 200, body: env(1, 'Transactions listed', { totalRecords: 3, data: [payment, disputeRefund, refund] }) });
    const r = await acts.activities.secpaidAwaitRefund({ payId: '42011', since: 30 });
    expect(r).toEqual({ found: true, transactionId: '20260302-pi-0000000002', amountMinor: 1999, createdAt: '2026-03-02 09:00:00', providerStatus: 'Success' });
    const req = server.requests[0]!;
    expect(req.path).toBe('/secpaid/api/v2/getPayInTransactions');
    expect(req.headers['token']).toBe(SECRETS.secpaidToken);
    expect(form(req.body)).toEqual({ pay_id: '42011', page: '1', limit: '200', since: '30' });
  });

  it('no refund entry (only the payment and a Dispute Refund) -> StillPending', async () => {
    server.reply({ status: 200, body: env(1, 'Transactions listed', { data: [payment, disputeRefund] }) });
    expect((await failureOf(acts.activities.secpaidAwaitRefund({ payId: '42011' }))).failure.type).toBe('StillPending');
    expect(form(server.requests[0]!.body)).not.toHaveProperty('since');
  });

  it('a refund entry of another pay_id is not ours', async () => {
    server.reply({ status: 200, body: env(1, 'ok', { data: [{ ...refund, pay_id: '999' }] }) });
    expect((await failureOf(acts.activities.secpaidAwaitRefund({ payId: '42011' }))).failure.type).toBe('StillPending');
  });

  it('a read failure stays retryable (ProviderTransient, not ambiguous)', async () => {
    server.reply({ status: 503, body: 'down' });
    const { failure } = await failureOf(acts.activities.secpaidAwaitRefund({ payId: '42011' }));
    expect(failure.type).toBe('ProviderTransient');
    expect(failure.nonRetryable).toBe(false);
  });

  it('secpaidAwaitRefund: StillPending (retryable) until the entry shows, then the entry', async () => {
    server.reply({ status: 200, body: env(1, 'ok', { data: [payment] }) });
    const { failure } = await failureOf(acts.activities.secpaidAwaitRefund({ payId: '42011' }));
    expect(failure.type).toBe('StillPending');
    expect(failure.nonRetryable).toBe(false);
    server.reply({ status: 200, body: env(1, 'ok', { data: [refund] }) });
    await expect(acts.activities.secpaidAwaitRefund({ payId: '42011' })).resolves.toMatchObject({ found: true, amountMinor: 1999 });
  });
});

describe('SecPaid money: EUR decimal string', () => {
  it.each([
    [1, '0.01'],
    [1999, '19.99'],
    [2500, '25.00'],
    [100001, '1000.01'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
  ])('%i -> %s', (minor, text) => {
    expect(toSecpaidAmount(minor)).toBe(text);
    expect(buildRefundPaymentForm({ payId: '1', amountMinor: minor, fullRefund: false }).get('refund_amount')).toBe(text);
  });
  it.each([0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN])('%d is rejected', (minor) => {
    expect(() => toSecpaidAmount(minor)).toThrow();
  });
});
