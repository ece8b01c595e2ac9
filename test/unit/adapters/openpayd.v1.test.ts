import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildRefundRequest, fromOpenpaydAmount, toOpenpaydAmount } from '../../../activities/openpayd/transformers.js';
import { failureOf, makeActivities, SECRETS, startServer, type TestServer } from './harness.js';

// Copied from provider-docs/openpayd-payment-refund.txt
const APPROVED = { code: '00', status: 'APPROVED', message: 'Approved', transactionId: '12345-1234567890-123', referenceNo: '123456', amount: '1234', currency: 'EUR', date: 1476187198, isLive: false };
const DECLINED = { code: 32, status: 'DECLINED', message: 'Already refunded', transactionId: '12345-1234567890-123', referenceNo: '123456', amount: '1234', currency: 'EUR', date: 1476187472 };

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

const ref = { transactionId: '529-1438673740-2', referenceNo: '1-1386413490-0089-14' };
const submit = (over: object = {}) => acts.activities.openpaydSubmitRefund({ refundId: 'rf-1', ...ref, ...over });

describe('openpaydSubmitRefund: the outgoing request', () => {
  it('full refund: JSON with apiKey, transactionId, referenceNo and NEITHER amount nor currency', async () => {
    server.reply({ status: 200, body: APPROVED });
    await submit();
    const r = server.requests[0]!;
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/openpayd/pw/v3/payment/refund');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.body).toBe(JSON.stringify({ apiKey: SECRETS.openpaydKey, ...ref }));
  });

  it('partial refund: integer cents and currency', async () => {
    server.reply({ status: 200, body: APPROVED });
    await submit({ amountMinor: 1999, currency: 'EUR' });
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ apiKey: SECRETS.openpaydKey, ...ref, amount: 1999, currency: 'EUR' });
  });

  it('partial refund without currency is refused before sending', async () => {
    const { failure } = await failureOf(submit({ amountMinor: 1999 }));
    expect(failure.type).toBe('ProviderInvalidRequest');
    expect(server.requests).toHaveLength(0);
  });
});

describe('openpaydSubmitRefund: documented answers', () => {
  it('APPROVED "00" (string code)', async () => {
    server.reply({ status: 200, body: APPROVED });
    await expect(submit()).resolves.toEqual({ outcome: 'approved', code: '00', providerStatus: 'APPROVED', message: 'Approved', amountMinor: 1234 });
  });
  it('DECLINED 32 (number code) -> code "32"', async () => {
    server.reply({ status: 200, body: DECLINED });
    await expect(submit()).resolves.toEqual({ outcome: 'declined', code: '32', providerStatus: 'DECLINED', message: 'Already refunded', amountMinor: 1234 });
  });
  it('PENDING 283 "Waiting"', async () => {
    server.reply({ status: 200, body: { ...APPROVED, code: 283, status: 'PENDING', message: 'Waiting' } });
    await expect(submit()).resolves.toMatchObject({ outcome: 'pending', code: '283' });
  });
  it('DECLINED 96 "Partial refund is not allowed" and 188 "Amount is required"', async () => {
    server.reply({ status: 200, body: { code: 96, status: 'DECLINED', message: 'Partial refund is not allowed' } }, { status: 200, body: { code: 188, status: 'DECLINED', message: 'Amount is required' } });
    await expect(submit()).resolves.toEqual({ outcome: 'declined', code: '96', providerStatus: 'DECLINED', message: 'Partial refund is not allowed' });
    await expect(submit()).resolves.toMatchObject({ outcome: 'declined', code: '188' });
  });
  it('an undocumented status is "unknown", never approved', async () => {
    server.reply({ status: 200, body: { ...APPROVED, code: 77, status: 'REVIEW' } });
    await expect(submit()).resolves.toMatchObject({ outcome: 'unknown', providerStatus: 'REVIEW' });
  });
  it.each([
    [5, 'Invalid apiKey', 'ProviderAuth'],
    [12, 'referenceNo is required', 'ProviderInvalidRequest'],
    [14, 'Transaction not found', 'ProviderNotFound'],
    [54, 'Payment method is not refundable', 'ProviderDeclined'],
    [99, 'Something else', 'ProviderInvalidRequest'],
  ])('ERROR %i %s -> %s (non-retryable, code kept)', async (code, message, type) => {
    server.reply({ status: 200, body: { code, status: 'ERROR', message } });
    const { failure, details } = await failureOf(submit());
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(true);
    expect(details.providerCode).toBe(String(code));
    expect(details.providerMessage).toBe(message);
    expect(failure.message).not.toContain(SECRETS.openpaydKey);
  });
  it('a truncated answer is ambiguous', async () => {
    server.reply({ status: 200, body: '{"code":"00","status":"APPR' });
    expect((await failureOf(submit())).failure.type).toBe('ProviderAmbiguous');
  });
});

describe('openpaydGetStatus / openpaydAwaitRefund', () => {
  const status = {
    code: '00',
    status: 'PARTIALLY_REFUNDED',
    message: 'Approved',
    ...ref,
    amount: '5000',
    currency: 'EUR',
    refundedAmount: '1000',
    refunds: [
      { refundId: 'r-old', amount: '1000', status: 'APPROVED', date: 1 },
      { refundId: 'r-new', amount: '1999', status: 'PENDING', date: 2 },
    ],
  };
  it('POSTs apiKey/transactionId/referenceNo and maps refunds', async () => {
    server.reply({ status: 200, body: status });
    await expect(acts.activities.openpaydGetStatus(ref)).resolves.toEqual({
      paymentStatus: 'PARTIALLY_REFUNDED',
      refundedAmountMinor: 1000,
      refunds: [
        { refundId: 'r-old', amountMinor: 1000, status: 'approved', providerStatus: 'APPROVED' },
        { refundId: 'r-new', amountMinor: 1999, status: 'pending', providerStatus: 'PENDING' },
      ],
    });
    expect(server.requests[0]!.path).toBe('/openpayd/pw/v3/payment/status');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ apiKey: SECRETS.openpaydKey, ...ref });
  });
  it('await: StillPending while our new refund is PENDING, then APPROVED', async () => {
    server.reply({ status: 200, body: status });
    const { failure } = await failureOf(acts.activities.openpaydAwaitRefund({ ...ref, excludeRefundIds: ['r-old'] }));
    expect(failure.type).toBe('StillPending');
    expect(failure.nonRetryable).toBe(false);
    server.reply({ status: 200, body: { ...status, refunds: [status.refunds[0], { ...status.refunds[1], status: 'APPROVED' }] } });
    await expect(acts.activities.openpaydAwaitRefund({ ...ref, excludeRefundIds: ['r-old'] })).resolves.toEqual({ refundId: 'r-new', status: 'APPROVED', outcome: 'approved', amountMinor: 1999 });
  });
});

describe('OpenPayd money: integer cents', () => {
  it.each([1, 1999, 100001, Number.MAX_SAFE_INTEGER])('%i is sent as is', (minor) => {
    expect(toOpenpaydAmount(minor)).toBe(minor);
    expect(buildRefundRequest('k', { ...ref, amountMinor: minor, currency: 'EUR' }).amount).toBe(minor);
  });
  it.each([0, -1, 12.5, Number.MAX_SAFE_INTEGER + 1])('%d is rejected', (minor) => {
    expect(() => toOpenpaydAmount(minor)).toThrow();
  });
  it('full refund: no amount, no currency keys at all', () => {
    expect(Object.keys(buildRefundRequest('k', ref))).toEqual(['apiKey', 'transactionId', 'referenceNo']);
  });
  it('reads "1234" and 1234, rejects "12.34", "-1", "1e3"', () => {
    expect(fromOpenpaydAmount('1234')).toBe(1234);
    expect(fromOpenpaydAmount(1234)).toBe(1234);
    for (const bad of ['12.34', '-1', '1e3', '']) expect(() => fromOpenpaydAmount(bad)).toThrow();
  });
});
