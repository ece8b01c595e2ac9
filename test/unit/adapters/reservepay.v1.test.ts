import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildRefundPaymentRequest, toReservepayAmount } from '../../../activities/reservepay/transformers.js';
import { failureOf, makeActivities, SECRETS, startServer, type TestServer } from './harness.js';

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

const refund = (id: string, status = 'succeeded', amount = 5000) => ({
  refund_id: id,
  payment_id: 'pay_1',
  status,
  amount,
  currency: 'THB',
  created_at: '2026-03-02T10:00:00Z',
  refunded_at: status === 'succeeded' ? '2026-03-02T10:00:01Z' : null,
  full: false,
});

describe('reservepaySubmitRefund', () => {
  it('POSTs JSON {payment_id, amount} with Bearer key and Api-Version; answer is a bare string', async () => {
    server.reply({ status: 200, body: '"rfn_123"', headers: { 'content-type': 'application/json' } });
    await expect(acts.activities.reservepaySubmitRefund({ paymentId: 'pay_1', amountMinor: 1999 })).resolves.toEqual({ outcome: 'created', refundId: 'rfn_123' });
    const r = server.requests[0]!;
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/reservepay/merchants/refund-payment');
    expect(r.headers['authorization']).toBe(`Bearer ${SECRETS.reservepayKey}`);
    expect(r.headers['api-version']).toBe('2025-04-01');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.body).toBe('{"payment_id":"pay_1","amount":1999}');
  });

  it('full refund omits amount', async () => {
    server.reply({ status: 200, body: '"rfn_124"' });
    await acts.activities.reservepaySubmitRefund({ paymentId: 'pay_1' });
    expect(server.requests[0]!.body).toBe('{"payment_id":"pay_1"}');
  });

  it.each(['NOT_REFUNDABLE', 'AMOUNT_EXCEEDS_LIMIT', 'NOT_FOUND'])('400 %s is a business answer', async (code) => {
    server.reply({ status: 400, body: [code, 'The refund amount exceeds the remaining refundable amount', { refundable: 100 }] });
    await expect(acts.activities.reservepaySubmitRefund({ paymentId: 'pay_1', amountMinor: 1999 })).resolves.toEqual({
      outcome: 'rejected',
      code,
      message: 'The refund amount exceeds the remaining refundable amount',
      details: { refundable: 100 },
    });
  });

  it.each([
    ['INVALID_ARGUMENTS', 'ProviderInvalidRequest', true],
    ['UNAUTHORIZED', 'ProviderAuth', true],
    ['BAD_VERSION', 'ProviderInvalidRequest', true],
    ['UNHANDLED_ERROR', 'ProviderAmbiguous', true],
  ])('400 %s -> %s', async (code, type, nonRetryable) => {
    server.reply({ status: 400, body: [code, 'msg', null] });
    const { failure, details } = await failureOf(acts.activities.reservepaySubmitRefund({ paymentId: 'pay_1' }));
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(nonRetryable);
    expect(details.providerCode).toBe(code);
  });

  it('any other status is unexpected (transient): a 404 HTML page on submit is ambiguous', async () => {
    server.reply({ status: 404, body: '<html>not here</html>' });
    const { failure, details } = await failureOf(acts.activities.reservepaySubmitRefund({ paymentId: 'pay_1' }));
    expect(failure.type).toBe('ProviderAmbiguous');
    expect(details.httpStatus).toBe(404);
  });

  it('a 200 that is not a string is malformed', async () => {
    server.reply({ status: 200, body: { id: 'rfn_1' } });
    expect((await failureOf(acts.activities.reservepaySubmitRefund({ paymentId: 'pay_1' }))).failure.type).toBe('ProviderAmbiguous');
  });
});

describe('Reservepay reads', () => {
  it('find-refund maps the refund; unknown status stays unknown', async () => {
    server.reply({ status: 200, body: refund('rfn_1', 'pending') }, { status: 200, body: refund('rfn_1', 'reversed') });
    await expect(acts.activities.reservepayFindRefund({ refundId: 'rfn_1' })).resolves.toEqual({
      refundId: 'rfn_1',
      paymentId: 'pay_1',
      status: 'pending',
      providerStatus: 'pending',
      amountMinor: 5000,
      currency: 'THB',
      createdAt: '2026-03-02T10:00:00Z',
      refundedAt: null,
      full: false,
    });
    expect(server.requests[0]!.path).toBe('/reservepay/merchants/find-refund');
    expect(server.requests[0]!.body).toBe('{"refund_id":"rfn_1"}');
    await expect(acts.activities.reservepayFindRefund({ refundId: 'rfn_1' })).resolves.toMatchObject({ status: 'unknown', providerStatus: 'reversed' });
  });

  it('list-refunds-by-payment follows pagination with `after`', async () => {
    const page1 = Array.from({ length: 25 }, (_, i) => refund(`rfn_${i}`));
    server.reply({ status: 200, body: { data: page1, has_more: true } }, { status: 200, body: { data: [refund('rfn_25')], has_more: false } });
    const all = await acts.activities.reservepayListRefunds({ paymentId: 'pay_1' });
    expect(all.map((r) => r.refundId)).toEqual([...page1.map((r) => r.refund_id), 'rfn_25']);
    expect(server.requests.map((r) => JSON.parse(r.body) as unknown)).toEqual([
      { payment_id: 'pay_1', per_page: 25 },
      { payment_id: 'pay_1', per_page: 25, after: 'rfn_24' },
    ]);
    expect(server.requests[0]!.path).toBe('/reservepay/merchants/list-refunds-by-payment');
  });

  it('reads: NOT_FOUND -> ProviderNotFound, UNHANDLED_ERROR -> retryable ProviderTransient', async () => {
    server.reply({ status: 400, body: ['NOT_FOUND', 'Refund not found', null] }, { status: 400, body: ['UNHANDLED_ERROR', 'oops', null] });
    expect((await failureOf(acts.activities.reservepayFindRefund({ refundId: 'x' }))).failure.type).toBe('ProviderNotFound');
    const { failure } = await failureOf(acts.activities.reservepayFindRefund({ refundId: 'x' }));
    expect(failure.type).toBe('ProviderTransient');
    expect(failure.nonRetryable).toBe(false);
  });

  it('await: StillPending while pending, the refund once failed/succeeded', async () => {
    server.reply({ status: 200, body: refund('rfn_1', 'pending') }, { status: 200, body: refund('rfn_1', 'failed') });
    expect((await failureOf(acts.activities.reservepayAwaitRefund({ refundId: 'rfn_1' }))).failure.type).toBe('StillPending');
    await expect(acts.activities.reservepayAwaitRefund({ refundId: 'rfn_1' })).resolves.toMatchObject({ status: 'failed' });
  });
});

describe('Reservepay money: integer satang', () => {
  it.each([1, 1999, 100001, Number.MAX_SAFE_INTEGER])('%i is sent as is', (minor) => {
    expect(buildRefundPaymentRequest({ paymentId: 'p', amountMinor: minor })).toEqual({ payment_id: 'p', amount: minor });
  });
  it.each([0, -1, 0.5, Number.MAX_SAFE_INTEGER + 1])('%d is rejected', (minor) => {
    expect(() => toReservepayAmount(minor)).toThrow();
  });
});
