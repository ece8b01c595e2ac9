/** The Reservepay adapter: the exact requests, and every documented answer as a RefundOutcome. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RefundOutcome } from '../../../domain/outcome.js';
import type { SubmitArgs } from '../../../activities/adapter.js';
import { RESERVEPAY_ERROR_CODES, RESERVEPAY_REFUND_STATUSES } from '../../../activities/reservepay/transformers.js';
import { destroySocket, makeAdapters, providerErrorOf, requestOf, SECRETS, startServer, type TestServer } from './harness.js';

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

const refund = (id: string, status = 'succeeded', amount: number | string = 1999, createdAt = '2026-03-02T10:00:00Z') => ({
  refund_id: id,
  payment_id: 'pay_1',
  status,
  amount,
  currency: 'THB',
  created_at: createdAt,
  refunded_at: status === 'succeeded' ? createdAt : null,
  full: false,
});
const ID = { status: 200, body: '"rfn_123"', headers: { 'content-type': 'application/json' } };
const found = (status = 'succeeded', extra: object = {}) => ({ status: 200, body: { ...refund('rfn_123', status), ...extra } });
const rpError = (code: string, status = 400) => ({ status, body: [code, `${code} message`, { refundable: 100 }] });

const partial: SubmitArgs<'reservepay'> = { refundId: 'refund-k-1', request: requestOf('reservepay'), amount: { full: false, sendMinor: 1999 } };
const full: SubmitArgs<'reservepay'> = { refundId: 'refund-k-1', request: requestOf('reservepay', { amount: 'full' }), amount: { full: true } };
const SUBMITTED = '2026-03-02T10:00:00Z';
const submit = (args: SubmitArgs<'reservepay'> = partial) => a.adapters.reservepay.submit(a.ctx, args);
const check = (providerRefundId: string | undefined, args: SubmitArgs<'reservepay'> = partial) =>
  a.adapters.reservepay.check(a.ctx, { ...args, submittedAfter: SUBMITTED, excludeRefundIds: [], providerRefundId });
const lookUp = (args: SubmitArgs<'reservepay'> = partial, excludeRefundIds: string[] = []) => a.adapters.reservepay.lookUp(a.ctx, { ...args, submittedAfter: SUBMITTED, excludeRefundIds });

describe('Reservepay submit: refund-payment, then find-refund in the same call', () => {
  it('the outgoing requests: JSON with Bearer key and Api-Version; the answer is a bare string id', async () => {
    server.reply(ID, found());
    await submit();
    expect(server.requests).toHaveLength(2);
    const [create, read] = server.requests;
    for (const r of [create!, read!]) {
      expect(r.method).toBe('POST');
      expect(r.headers['authorization']).toBe(`Bearer ${SECRETS.reservepayKey}`);
      expect(r.headers['api-version']).toBe('2025-04-01');
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['accept']).toBe('application/json');
    }
    expect(create!.path).toBe('/reservepay/merchants/refund-payment');
    expect(create!.body).toBe('{"payment_id":"pay_1","amount":1999}');
    expect(read!.path).toBe('/reservepay/merchants/find-refund');
    expect(read!.body).toBe('{"refund_id":"rfn_123"}');
  });

  it('a full refund omits the amount', async () => {
    server.reply(ID, found());
    await submit(full);
    expect(server.requests[0]!.body).toBe('{"payment_id":"pay_1"}');
  });

  it('an amount it cannot carry is refused before anything is sent', async () => {
    await providerErrorOf(submit({ ...partial, amount: { full: false, sendMinor: -5 } }), 'invalid_request');
    expect(server.requests).toHaveLength(0);
  });

  const statuses: [string, Partial<RefundOutcome>][] = [
    ['succeeded', { kind: 'final', status: 'approved' }],
    ['pending', { kind: 'pending', reason: 'provider_processing' }],
    ['failed', { kind: 'final', status: 'failed' }],
  ];
  it('the status table covers the map', () => {
    expect(new Set(statuses.map((s) => s[0]))).toEqual(new Set(Object.keys(RESERVEPAY_REFUND_STATUSES)));
  });
  it.each(statuses)('find-refund %s -> %o with the refund id and amount (any case, amount as a string, extra fields)', async (status, outcome) => {
    server.reply(ID, found(status), ID, found(` ${status.toUpperCase()} `, { amount: '1999', metadata: { a: 1 } }));
    await expect(submit()).resolves.toEqual({ ...outcome, refundId: 'rfn_123', providerStatus: status, amountMinor: 1999 });
    await expect(submit()).resolves.toEqual({ ...outcome, refundId: 'rfn_123', providerStatus: ` ${status.toUpperCase()} `, amountMinor: 1999 });
  });

  it('an undocumented status -> unrecognized with its raw value', async () => {
    server.reply(ID, found('reversed'));
    await expect(submit()).resolves.toEqual({ kind: 'unrecognized', raw: 'status "reversed"', refundId: 'rfn_123', providerStatus: 'reversed', amountMinor: 1999 });
  });

  it.each([
    ['a 500', { status: 500, body: 'boom' }],
    ['a 429', { status: 429, body: '', headers: { 'retry-after': '2' } }],
    ['NOT_FOUND', rpError('NOT_FOUND')],
    ['UNHANDLED_ERROR', rpError('UNHANDLED_ERROR')],
    ['a malformed body', { status: 200, body: { refund_id: 'rfn_123' } }],
    ['a reset connection', destroySocket],
  ] as const)('the refund was created and its find-refund failed (%s): pending with the id, never a failure', async (_name, reply) => {
    server.reply(ID, reply);
    await expect(submit()).resolves.toEqual({ kind: 'pending', reason: 'provider_processing', refundId: 'rfn_123' });
    expect(a.warnings.at(-1)?.meta?.refundId).toBe('rfn_123');
  });

  const refusals: [string, Partial<RefundOutcome>][] = [
    ['NOT_FOUND', { kind: 'final', status: 'failed', refusal: 'invalid' }],
    ['NOT_REFUNDABLE', { kind: 'final', status: 'rejected', refusal: 'declined' }],
    ['AMOUNT_EXCEEDS_LIMIT', { kind: 'final', status: 'rejected', refusal: 'declined' }],
    ['INVALID_ARGUMENTS', { kind: 'final', status: 'failed', refusal: 'invalid' }],
  ];
  it('the error tables cover the map', () => {
    expect(new Set([...refusals.map((r) => r[0]), 'UNAUTHORIZED', 'BAD_VERSION', 'UNHANDLED_ERROR'])).toEqual(new Set(Object.keys(RESERVEPAY_ERROR_CODES)));
  });
  it.each(refusals)('400 [%s, ...] -> %o, code and message kept (any case); no find-refund', async (code, outcome) => {
    for (const wire of [code, code.toLowerCase()]) {
      server.requests.length = 0;
      server.reply(rpError(wire));
      await expect(submit()).resolves.toEqual({ ...outcome, code: wire, message: `${wire} message` });
      expect(server.requests).toHaveLength(1);
    }
  });

  it.each([
    ['UNAUTHORIZED', 400, 'auth', false],
    ['BAD_VERSION', 400, 'invalid_request', true],
    ['UNHANDLED_ERROR', 400, 'transient', true],
    ['UNHANDLED_ERROR', 500, 'transient', true],
  ] as const)('[%s] with HTTP %i is thrown as %s', async (code, status, kind, reached) => {
    server.reply(rpError(code, status));
    const err = await providerErrorOf(submit(), kind);
    expect(err.providerCode).toBe(code);
    expect(err.mayHaveReachedProvider).toBe(reached);
  });

  it('an undocumented code -> unrecognized with its raw value', async () => {
    server.reply(rpError('PAYMENT_LOCKED'));
    await expect(submit()).resolves.toEqual({ kind: 'unrecognized', raw: 'code "PAYMENT_LOCKED"', code: 'PAYMENT_LOCKED', message: 'PAYMENT_LOCKED message' });
  });

  it.each([
    ['a 200 that is not a string', { status: 200, body: { id: 'rfn_1' } }],
    ['an empty 200', { status: 200, body: '' }],
    ['an HTML 404', { status: 404, body: '<html>not here</html>' }],
    ['a 400 that is not the error array', { status: 400, body: { error: 'x' } }],
  ] as const)('%s -> thrown transient, may have been processed', async (_name, reply) => {
    server.reply(reply);
    expect((await providerErrorOf(submit(), 'transient')).mayHaveReachedProvider).toBe(true);
  });

  it('429 with Retry-After -> rate_limited with the delay', async () => {
    server.reply({ status: 429, body: '', headers: { 'retry-after': '30' } });
    const err = await providerErrorOf(submit(), 'rate_limited');
    expect(err.retryAfterMs).toBe(30_000);
    expect(err.mayHaveReachedProvider).toBe(false);
  });
});

describe('Reservepay check: find-refund of our id', () => {
  it('the request and the outcome', async () => {
    server.reply(found('pending'));
    await expect(check('rfn_123')).resolves.toEqual({ kind: 'pending', reason: 'provider_processing', refundId: 'rfn_123', providerStatus: 'pending', amountMinor: 1999 });
    expect(server.requests[0]!.path).toBe('/reservepay/merchants/find-refund');
    expect(server.requests[0]!.body).toBe('{"refund_id":"rfn_123"}');
  });

  it('a read refused is thrown with its kind (NOT_FOUND not_found, UNAUTHORIZED auth), UNHANDLED_ERROR transient', async () => {
    server.reply(rpError('NOT_FOUND'), rpError('UNAUTHORIZED'), rpError('UNHANDLED_ERROR'));
    await providerErrorOf(check('rfn_123'), 'not_found');
    await providerErrorOf(check('rfn_123'), 'auth');
    await providerErrorOf(check('rfn_123'), 'transient');
  });

  it('without our id: the look-up; nothing found is thrown as invalid_request', async () => {
    server.reply({ status: 200, body: { data: [refund('rfn_9', 'succeeded', 1999, '2026-03-02T10:00:05Z')], has_more: false } }, { status: 200, body: { data: [], has_more: false } });
    await expect(check(undefined)).resolves.toMatchObject({ kind: 'final', status: 'approved', refundId: 'rfn_9' });
    await providerErrorOf(check(undefined), 'invalid_request');
  });
});

describe('Reservepay lookUp: list-refunds-by-payment', () => {
  const list = (data: object[], hasMore = false) => ({ status: 200, body: { data, has_more: hasMore } });
  const old = refund('rfn_old', 'succeeded', 1999, '2026-03-02T09:00:00Z');
  const mine = refund('rfn_mine', 'pending', 1999, '2026-03-02T09:56:00Z'); // within the 5-minute allowance
  const other = refund('rfn_other', 'succeeded', 500, '2026-03-02T10:01:00Z');

  it('the request; ours = the newest since the first attempt with our amount; any amount for a full refund', async () => {
    server.reply(list([old, mine, other]), list([old, mine, other]));
    await expect(lookUp()).resolves.toEqual({ kind: 'pending', reason: 'provider_processing', refundId: 'rfn_mine', providerStatus: 'pending', amountMinor: 1999 });
    expect(server.requests[0]!.path).toBe('/reservepay/merchants/list-refunds-by-payment');
    expect(server.requests[0]!.body).toBe('{"payment_id":"pay_1","per_page":25}');
    await expect(lookUp(full)).resolves.toMatchObject({ kind: 'final', status: 'approved', refundId: 'rfn_other', amountMinor: 500 });
  });

  it("our other refunds' ids (excludeRefundIds) are never ours", async () => {
    server.reply(list([old, mine, other]));
    await expect(lookUp(full, ['rfn_other'])).resolves.toMatchObject({ refundId: 'rfn_mine' });
  });

  it('follows the pages with `after`', async () => {
    const page1 = Array.from({ length: 25 }, (_, i) => refund(`rfn_${i}`, 'succeeded', 1, '2026-03-01T00:00:00Z'));
    server.reply(list(page1, true), list([mine]));
    await expect(lookUp()).resolves.toMatchObject({ refundId: 'rfn_mine' });
    expect(server.requests.map((r) => JSON.parse(r.body) as unknown)).toEqual([
      { payment_id: 'pay_1', per_page: 25 },
      { payment_id: 'pay_1', per_page: 25, after: 'rfn_24' },
    ]);
  });

  it('none since the first attempt (or not our amount) -> null', async () => {
    server.reply(list([old, other]), list([]));
    await expect(lookUp()).resolves.toBeNull();
    await expect(lookUp()).resolves.toBeNull();
  });

  it('an error answer to the list is thrown; a malformed list is transient', async () => {
    server.reply(rpError('NOT_FOUND'), rpError('BAD_VERSION'), { status: 200, body: { nothing: [] } }, list([{ ...mine, amount: 19.99 }]));
    await providerErrorOf(lookUp(), 'not_found');
    await providerErrorOf(lookUp(), 'invalid_request');
    await providerErrorOf(lookUp(), 'transient');
    await providerErrorOf(lookUp(), 'transient');
  });
});
