/** The OpenPayd PSP adapter: the exact requests, and every documented answer as a RefundOutcome. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RefundOutcome } from '../../../domain/outcome.js';
import type { SubmitArgs } from '../../../activities/adapter.js';
import { OPENPAYD_DECLINED_CODES, OPENPAYD_ERROR_CODES, OPENPAYD_REFUND_STATUSES } from '../../../activities/openpayd/transformers.js';
import { makeAdapters, providerErrorOf, requestOf, SECRETS, startServer, truncated, type TestServer } from './harness.js';

// Copied from provider-docs/openpayd-payment-refund.txt
const APPROVED = { code: '00', status: 'APPROVED', message: 'Approved', transactionId: '12345-1234567890-123', referenceNo: '123456', amount: '1234', currency: 'EUR', date: 1476187198, isLive: false };
const DECLINED = { code: 32, status: 'DECLINED', message: 'Already refunded', transactionId: '12345-1234567890-123', referenceNo: '123456', amount: '1234', currency: 'EUR', date: 1476187472 };

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

const ref = { transactionId: '529-1438673740-2', referenceNo: '1-1386413490-0089-14' };
const full: SubmitArgs<'openpayd'> = { refundId: 'refund-k-1', request: requestOf('openpayd'), amount: { full: true } };
const partial: SubmitArgs<'openpayd'> = { refundId: 'refund-k-1', request: requestOf('openpayd', { amount: 1999, currency: 'GBP' }), amount: { full: false, sendMinor: 1999 } };
const submit = (args: SubmitArgs<'openpayd'> = full) => a.adapters.openpayd.submit(a.ctx, args);
const SUBMITTED = '2026-03-02T10:00:00Z';
const at = (iso: string) => Math.floor(Date.parse(iso) / 1000);

describe('OpenPayd submit: the outgoing request', () => {
  it('full refund: JSON with apiKey, transactionId, referenceNo and NEITHER amount nor currency', async () => {
    server.reply({ status: 200, body: APPROVED });
    await submit();
    const r = server.requests[0]!;
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/openpayd/pw/v3/payment/refund');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['accept']).toBe('application/json');
    expect(r.body).toBe(JSON.stringify({ apiKey: SECRETS.openpaydKey, ...ref }));
  });

  it('partial refund: integer cents from sendMinor and the request currency', async () => {
    server.reply({ status: 200, body: APPROVED });
    await submit(partial);
    expect(server.requests[0]!.body).toBe(JSON.stringify({ apiKey: SECRETS.openpaydKey, ...ref, amount: 1999, currency: 'GBP' }));
  });

  it('an amount it cannot carry is refused before anything is sent', async () => {
    const err = await providerErrorOf(submit({ ...partial, amount: { full: false, sendMinor: 12.5 } }), 'invalid_request');
    expect(err.mayHaveReachedProvider).toBe(false);
    expect(server.requests).toHaveLength(0);
  });
});

describe('OpenPayd submit: every documented answer', () => {
  it.each([
    ['the page example', APPROVED],
    ['code 0 (number), amount a number, extra fields', { ...APPROVED, code: 0, amount: 1234, threeDs: { x: 1 } }],
    ['code "0", status " approved "', { ...APPROVED, code: '0', status: ' approved ' }],
  ])('APPROVED (%s) -> approved with the amount', async (_name, body) => {
    server.reply({ status: 200, body });
    await expect(submit()).resolves.toEqual({ kind: 'final', status: 'approved', providerStatus: body.status, code: String(body.code === 0 ? '00' : body.code), message: 'Approved', amountMinor: 1234 });
  });

  it.each([283, '283', ' 283 '])('PENDING %j "Waiting" -> pending provider_processing', async (code) => {
    server.reply({ status: 200, body: { ...APPROVED, code, status: 'PENDING', message: 'Waiting' } });
    await expect(submit()).resolves.toEqual({ kind: 'pending', reason: 'provider_processing', providerStatus: 'PENDING', code: String(code).trim(), message: 'Waiting', amountMinor: 1234 });
  });

  const declined: [string, Partial<RefundOutcome>][] = [
    ['32', { kind: 'exists' }],
    ['188', { kind: 'final', status: 'failed', refusal: 'invalid' }],
    ['96', { kind: 'final', status: 'rejected', refusal: 'declined' }],
    ['13', { kind: 'final', status: 'rejected', refusal: 'declined' }],
  ];
  it('the DECLINED table covers the map', () => {
    expect(new Set(declined.map((d) => d[0]))).toEqual(new Set(Object.keys(OPENPAYD_DECLINED_CODES)));
  });
  it.each(declined)('DECLINED %s -> %o (code as a number or a string)', async (code, outcome) => {
    for (const wire of [Number(code), code]) {
      server.reply({ status: 200, body: { ...DECLINED, code: wire, message: 'm' } });
      await expect(submit()).resolves.toEqual({ ...outcome, providerStatus: 'DECLINED', code, message: 'm' });
    }
  });
  it('DECLINED with an undocumented code is still a decline; "declined" in any case', async () => {
    server.reply({ status: 200, body: { ...DECLINED, code: 777, status: 'declined', message: 'Do not honour' } });
    await expect(submit()).resolves.toEqual({ kind: 'final', status: 'rejected', refusal: 'declined', providerStatus: 'declined', code: '777', message: 'Do not honour' });
  });

  const errors: [string, Partial<RefundOutcome>][] = [
    ['12', { kind: 'final', status: 'failed', refusal: 'invalid' }],
    ['13', { kind: 'final', status: 'failed', refusal: 'invalid' }],
    ['14', { kind: 'final', status: 'failed', refusal: 'invalid' }],
    ['54', { kind: 'final', status: 'rejected', refusal: 'declined' }],
  ];
  it('the ERROR table covers the map but code 5', () => {
    expect(new Set([...errors.map((e) => e[0]), '5'])).toEqual(new Set(Object.keys(OPENPAYD_ERROR_CODES)));
  });
  it.each(errors)('ERROR %s -> %o', async (code, outcome) => {
    server.reply({ status: 200, body: { code: Number(code), status: 'ERROR', message: 'm', ...ref } });
    await expect(submit()).resolves.toEqual({ ...outcome, providerStatus: 'ERROR', code, message: 'm' });
  });
  it('ERROR 5 "Invalid apiKey" is thrown as auth, without the key', async () => {
    server.reply({ status: 200, body: { code: 5, status: 'ERROR', message: 'Invalid apiKey' } });
    const err = await providerErrorOf(submit(), 'auth');
    expect(err.providerCode).toBe('5');
    expect(err.mayHaveReachedProvider).toBe(false);
  });

  it.each([
    [{ code: 99, status: 'ERROR', message: 'Something else' }, 'status "ERROR" code "99"'],
    [{ ...APPROVED, code: 77 }, 'status "APPROVED" code "77"'],
    [{ ...APPROVED, code: 283, status: 'PENDING_REVIEW' }, 'status "PENDING_REVIEW" code "283"'],
    [{ ...APPROVED, code: 1, status: 'PENDING' }, 'status "PENDING" code "1"'],
  ])('undocumented %o -> unrecognized, never approved', async (body, raw) => {
    server.reply({ status: 200, body });
    await expect(submit()).resolves.toMatchObject({ kind: 'unrecognized', raw, providerStatus: body.status, code: String(body.code) });
  });

  it.each([
    ['truncated JSON', truncated(200, '{"code":"00","status":"APPR')],
    ['an HTML page', { status: 200, body: '<html>x</html>' }],
    ['JSON without code/status', { status: 200, body: { ok: true } }],
    ['an amount that is not integer cents', { status: 200, body: { ...APPROVED, amount: '12.34' } }],
    ['a 500', { status: 500, body: 'boom' }],
  ] as const)('%s -> thrown transient, may have been processed', async (_name, reply) => {
    server.reply(reply);
    expect((await providerErrorOf(submit(), 'transient')).mayHaveReachedProvider).toBe(true);
  });

  it('429 with Retry-After -> rate_limited with the delay', async () => {
    server.reply({ status: 429, body: '', headers: { 'retry-after': '3' } });
    expect((await providerErrorOf(submit(), 'rate_limited')).retryAfterMs).toBe(3_000);
  });
});

describe('OpenPayd check / lookUp: the payment status read', () => {
  const status = (refunds: object[], extra: object = {}) => ({
    status: 200,
    body: { code: '00', status: 'PARTIALLY_REFUNDED', message: 'Approved', ...ref, amount: '5000', currency: 'EUR', refundedAmount: '1000', refunds, isLive: false, ...extra },
  });
  const old = { refundId: 'r-old', amount: '1999', status: 'APPROVED', date: at('2026-03-02T09:00:00Z') };
  const mine = { refundId: 'r-mine', amount: '1999', status: 'PENDING', date: at('2026-03-02T09:56:00Z') }; // within the 5-minute allowance
  const other = { refundId: 'r-other', amount: '500', status: 'APPROVED', date: at('2026-03-02T10:01:00Z') };
  const check = (args: SubmitArgs<'openpayd'>, providerRefundId?: string) => a.adapters.openpayd.check(a.ctx, { ...args, submittedAfter: SUBMITTED, excludeRefundIds: [], providerRefundId });
  const lookUp = (args: SubmitArgs<'openpayd'>, excludeRefundIds: string[] = []) => a.adapters.openpayd.lookUp(a.ctx, { ...args, submittedAfter: SUBMITTED, excludeRefundIds });

  it('POSTs apiKey, transactionId, referenceNo as JSON to /pw/v3/payment/status', async () => {
    server.reply(status([]));
    await check(partial);
    const r = server.requests[0]!;
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/openpayd/pw/v3/payment/status');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.body).toBe(JSON.stringify({ apiKey: SECRETS.openpaydKey, ...ref }));
  });

  it('ours = the newest since the first attempt (5-minute allowance) with our amount; any amount for a full refund', async () => {
    server.reply(status([old, mine, other]), status([old, mine, other]));
    await expect(lookUp(partial)).resolves.toEqual({ kind: 'pending', reason: 'provider_processing', refundId: 'r-mine', providerStatus: 'PENDING', amountMinor: 1999 });
    await expect(lookUp(full)).resolves.toEqual({ kind: 'final', status: 'approved', refundId: 'r-other', providerStatus: 'APPROVED', amountMinor: 500 });
  });

  it("our other refunds' ids (excludeRefundIds) are never ours", async () => {
    server.reply(status([old, mine, other]));
    await expect(lookUp(full, ['r-other'])).resolves.toMatchObject({ refundId: 'r-mine' });
  });

  it('with our refund id: that one, whatever its date', async () => {
    server.reply(status([old, mine]));
    await expect(check(partial, 'r-old')).resolves.toMatchObject({ kind: 'final', status: 'approved', refundId: 'r-old' });
  });

  it.each([
    ['APPROVED', { kind: 'final', status: 'approved' }],
    [' approved ', { kind: 'final', status: 'approved' }],
    ['PENDING', { kind: 'pending', reason: 'provider_processing' }],
    ['DECLINED', { kind: 'final', status: 'rejected', refusal: 'declined' }],
    ['Declined', { kind: 'final', status: 'rejected', refusal: 'declined' }],
  ] as const)('a refund %j -> %o (date and amount as strings too)', async (s, outcome) => {
    server.reply(status([{ ...mine, status: s, date: String(mine.date), amount: 1999 }]));
    await expect(check(partial)).resolves.toEqual({ ...outcome, refundId: 'r-mine', providerStatus: s, amountMinor: 1999 });
  });

  it('the refund status table covers the map', () => {
    expect(Object.keys(OPENPAYD_REFUND_STATUSES).sort()).toEqual(['APPROVED', 'DECLINED', 'PENDING']);
  });

  it('an undocumented refund status -> unrecognized with its raw value', async () => {
    server.reply(status([{ ...mine, status: 'REVERSED' }]));
    await expect(check(partial)).resolves.toEqual({ kind: 'unrecognized', raw: 'status "REVERSED"', refundId: 'r-mine', providerStatus: 'REVERSED', amountMinor: 1999 });
  });

  it('none of ours (too old, another amount, no date): check pending, lookUp null', async () => {
    const body = status([old, { ...mine, date: undefined }, other]);
    server.reply(body, body, status([], { refunds: null }));
    await expect(check(partial)).resolves.toEqual({ kind: 'pending', reason: 'provider_processing' });
    await expect(lookUp(partial)).resolves.toBeNull();
    await expect(lookUp(full)).resolves.toBeNull();
  });

  it('an error answer to the read is thrown with its kind; a malformed one is transient', async () => {
    server.reply(
      { status: 200, body: { code: 14, status: 'ERROR', message: 'Transaction not found' } },
      { status: 200, body: { code: 5, status: 'ERROR', message: 'Invalid apiKey' } },
      { status: 200, body: { code: 99, status: 'ERROR', message: '?' } },
      status([{ ...mine, amount: '19.99' }]),
      { status: 200, body: '' },
    );
    await providerErrorOf(lookUp(partial), 'not_found');
    await providerErrorOf(lookUp(partial), 'auth');
    await providerErrorOf(lookUp(partial), 'invalid_request');
    await providerErrorOf(lookUp(partial), 'transient');
    await providerErrorOf(lookUp(partial), 'transient');
  });
});
