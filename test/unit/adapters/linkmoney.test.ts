/** The Link Money adapter: the exact requests, and every documented answer as a RefundOutcome. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RefundOutcome } from '../../../domain/outcome.js';
import type { LookUpArgs, SubmitArgs } from '../../../activities/adapter.js';
import { LINKMONEY_ERROR_CODES, LINKMONEY_STATUSES, requestKeyFor } from '../../../activities/linkmoney/transformers.js';
import { configFor, form, makeAdapters, providerErrorOf, requestOf, SECRETS, startServer, type Recorded, type TestServer } from './harness.js';

const TOKEN = { token_type: 'Bearer', expires_in: 3600, access_token: 'access-token-1', scope: 'Link-Payment' };
const created = (paymentStatus: string, extra: object = {}) => ({ status: 201, body: { paymentId: 'rfd-1', paymentStatus, clientReferenceId: 'refund-k-1', ...extra } });
const envelope = (status: number, errorCode: string, errorMessage = 'msg') => ({ status, body: { errorId: 'e-1', errorCode, errorMessage, errorSeverity: 'ERROR' } });

let server: TestServer;
let a: ReturnType<typeof makeAdapters>;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  server.setDefault({ status: 500, body: 'unexpected' });
  a = makeAdapters(server.baseUrl); // a fresh worker: a fresh token cache
});
afterEach(async () => {
  await a.dispatcher.close();
});

const apiReqs = () => server.requests.filter((r) => r.path !== '/linkmoney/v1/tokens');
const tokenReqs = () => server.requests.filter((r) => r.path === '/linkmoney/v1/tokens');
const args: SubmitArgs<'linkmoney'> = { refundId: 'refund-k-1', request: requestOf('linkmoney'), amount: { full: false, sendMinor: 1999 } };
const lookUpArgs: LookUpArgs<'linkmoney'> = { ...args, submittedAfter: '2026-03-02T09:00:00Z', excludeRefundIds: [] };
const submit = (over: Partial<SubmitArgs<'linkmoney'>> = {}) => a.adapters.linkmoney.submit(a.ctx, { ...args, ...over });
const check = (providerRefundId: string | undefined) => a.adapters.linkmoney.check(a.ctx, { ...lookUpArgs, providerRefundId });
const lookUp = () => a.adapters.linkmoney.lookUp(a.ctx, lookUpArgs);

describe('Link Money submit: the outgoing requests', () => {
  it('a token (form body), then POST /v1/refunds as JSON with Bearer auth, requestKey derived from the refund id', async () => {
    server.reply({ status: 200, body: TOKEN }, created('PENDING'));
    await submit();
    const [tok, refund] = server.requests as [Recorded, Recorded];
    expect(tok.method).toBe('POST');
    expect(tok.path).toBe('/linkmoney/v1/tokens');
    expect(tok.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form(tok.body)).toEqual({ client_id: 'client-1', client_secret: SECRETS.linkClientSecret, scope: 'Link-Payment', grant_type: 'client_credentials' });
    expect(refund.method).toBe('POST');
    expect(refund.path).toBe('/linkmoney/v1/refunds');
    expect(refund.headers['authorization']).toBe('Bearer access-token-1');
    expect(refund.headers['content-type']).toBe('application/json');
    expect(refund.headers['accept']).toBe('application/json');
    expect(refund.body).toBe('{"paymentId":"debit-1","amount":{"currency":"USD","value":19.99},"clientReferenceId":"refund-k-1","requestKey":"refund-k-1:1"}');
    expect(requestKeyFor('refund-k-1')).toBe('refund-k-1:1');
  });

  it('the token is cached per worker (expires_in as a string too)', async () => {
    server.reply({ status: 200, body: { ...TOKEN, expires_in: '3600' } }, created('PENDING'), created('PENDING'));
    await submit();
    await submit();
    expect(tokenReqs()).toHaveLength(1);
    expect(apiReqs().map((r) => r.headers['authorization'])).toEqual(['Bearer access-token-1', 'Bearer access-token-1']);
  });

  it('without an amount (or one JSON cannot carry exactly) nothing is sent: invalid_request', async () => {
    for (const amount of [{ full: true }, { full: false, sendMinor: Number.MAX_SAFE_INTEGER }]) {
      const err = await providerErrorOf(submit({ amount }), 'invalid_request');
      expect(err.mayHaveReachedProvider).toBe(false);
    }
    expect(server.requests).toHaveLength(0);
  });
});

describe('Link Money submit: every documented answer', () => {
  it.each([
    ['PENDING', { kind: 'pending', reason: 'settlement_hold' }],
    ['AUTHORIZED', { kind: 'final', status: 'authorized' }],
    [' authorized ', { kind: 'final', status: 'authorized' }],
    ['Pending', { kind: 'pending', reason: 'settlement_hold' }],
  ] as const)('201 %s -> %o with the refund transaction id', async (paymentStatus, outcome) => {
    server.reply({ status: 200, body: TOKEN }, created(paymentStatus, { extraField: { nested: true } }));
    await expect(submit()).resolves.toEqual({ ...outcome, refundId: 'rfd-1', providerStatus: paymentStatus });
  });

  it.each(['TERMINAL_FAILED', 'terminal-failed', 'FAILED'])('201 %s -> failed with errorDetails code and message', async (paymentStatus) => {
    server.reply(
      { status: 200, body: TOKEN },
      created(paymentStatus, { errorDetails: { errorCode: 'CUSTOMER_NOT_DEBITED', errorMessage: 'Original debit transaction was not successful' } }),
    );
    await expect(submit()).resolves.toEqual({
      kind: 'final',
      status: 'failed',
      refusal: 'payment_failed',
      refundId: 'rfd-1',
      providerStatus: paymentStatus,
      code: 'CUSTOMER_NOT_DEBITED',
      message: 'Original debit transaction was not successful',
    });
  });

  it('an undocumented status -> unrecognized with its raw value (logged), never success', async () => {
    server.reply({ status: 200, body: TOKEN }, created('ON_HOLD'));
    await expect(submit()).resolves.toEqual({ kind: 'unrecognized', raw: 'paymentStatus "ON_HOLD"', refundId: 'rfd-1', providerStatus: 'ON_HOLD' });
    expect(a.warnings.map((w) => w.meta?.providerStatus)).toContain('ON_HOLD');
  });

  const cases: [number, string, Partial<RefundOutcome>][] = [
    [400, 'DUPLICATE_REQUEST_KEY', { kind: 'exists' }],
    [400, 'INVALID_REQUEST', { kind: 'final', status: 'failed', refusal: 'invalid' }],
    [400, 'INVALID_AMOUNT', { kind: 'final', status: 'failed', refusal: 'invalid' }],
    [404, 'PAYMENT_NOT_FOUND', { kind: 'final', status: 'failed', refusal: 'invalid' }],
    [400, 'REFUND_AMOUNT_EXCEEDED', { kind: 'final', status: 'rejected', refusal: 'declined' }],
  ];
  it('the table covers every error code of the map but UNAUTHORIZED', () => {
    expect(new Set([...cases.map((c) => c[1]), 'UNAUTHORIZED'])).toEqual(new Set(Object.keys(LINKMONEY_ERROR_CODES)));
  });
  it.each(cases)('HTTP %i %s -> %o, code and message kept (any case)', async (status, code, outcome) => {
    for (const wire of [code, ` ${code.toLowerCase()} `]) {
      server.reply({ status: 200, body: TOKEN }, envelope(status, wire, 'A payment with this requestKey already exists'));
      await expect(submit()).resolves.toEqual({ ...outcome, code: wire, message: 'A payment with this requestKey already exists' });
      a.tokens.invalidate(await a.tokens.get(a.ctx)); // fresh token for the next round
    }
  });

  it('an undocumented error code -> unrecognized with the code and HTTP status', async () => {
    server.reply({ status: 200, body: TOKEN }, envelope(409, 'PAYMENT_LOCKED', 'Try later'));
    await expect(submit()).resolves.toEqual({ kind: 'unrecognized', raw: 'errorCode "PAYMENT_LOCKED" (HTTP 409)', code: 'PAYMENT_LOCKED', message: 'Try later' });
  });

  it('a 401 refreshes the token once; a second 401 and a 403 are thrown as auth', async () => {
    server.reply({ status: 200, body: TOKEN }, envelope(401, 'UNAUTHORIZED'), { status: 200, body: { ...TOKEN, access_token: 'access-token-2' } }, created('PENDING'));
    await expect(submit()).resolves.toMatchObject({ kind: 'pending' });
    expect(apiReqs().map((r) => r.headers['authorization'])).toEqual(['Bearer access-token-1', 'Bearer access-token-2']);
    server.reply(envelope(401, 'UNAUTHORIZED'), { status: 200, body: TOKEN }, envelope(401, 'UNAUTHORIZED'));
    await providerErrorOf(submit(), 'auth');
    server.reply(envelope(403, 'FORBIDDEN'));
    await providerErrorOf(submit(), 'auth');
  });

  it.each([
    ['a 500 envelope', envelope(500, 'INTERNAL', 'boom')],
    ['an HTML 502', { status: 502, body: '<html>Bad Gateway</html>', headers: { 'content-type': 'text/html' } }],
    ['an HTML 400', { status: 400, body: '<html>Bad Request</html>' }],
    ['an empty 201', { status: 201, body: '' }],
    ['a 201 without paymentStatus', { status: 201, body: { paymentId: 'rfd-1' } }],
  ] as const)('%s -> thrown transient, may have been processed', async (_name, reply) => {
    server.reply({ status: 200, body: TOKEN }, reply);
    expect((await providerErrorOf(submit(), 'transient')).mayHaveReachedProvider).toBe(true);
  });

  it('429 with Retry-After -> rate_limited with the delay, surely not processed', async () => {
    server.reply({ status: 200, body: TOKEN }, { status: 429, body: '', headers: { 'retry-after': '12' } });
    const err = await providerErrorOf(submit(), 'rate_limited');
    expect(err.retryAfterMs).toBe(12_000);
    expect(err.mayHaveReachedProvider).toBe(false);
  });

  it('a failed token request: thrown, and the refund surely was not sent', async () => {
    server.reply({ status: 503, body: 'down' });
    const err = await providerErrorOf(submit(), 'transient');
    expect(err.mayHaveReachedProvider).toBe(false);
    expect(apiReqs()).toHaveLength(0);
  });
});

describe('Link Money check: the status read of the refund transaction', () => {
  const tx = (paymentStatus: string, extra: object = {}) => ({
    status: 200,
    body: { paymentId: 'rfd-1', paymentStatus, type: 'REFUND', originalPaymentId: 'debit-1', amount: { currency: 'USD', value: '19.99' }, clientReferenceId: 'refund-k-1', requestKey: 'refund-k-1:1', ...extra },
  });

  it('GETs the configured status path with Bearer auth and no body', async () => {
    server.reply({ status: 200, body: TOKEN }, tx('PENDING'));
    await check('rfd-1');
    const r = apiReqs()[0]!;
    expect(r.method).toBe('GET');
    expect(r.path).toBe('/linkmoney/v1/transactions/rfd-1');
    expect(r.headers['authorization']).toBe('Bearer access-token-1');
    expect(r.headers['content-type']).toBeUndefined();
    expect(r.body).toBe('');
  });

  it('a configured statusPath is used as given', async () => {
    const custom = makeAdapters(server.baseUrl, { config: { linkmoney: { ...configFor(server.baseUrl).linkmoney, statusPath: '/v2/refunds/{paymentId}/status' } } });
    server.reply({ status: 200, body: TOKEN }, tx('PENDING'));
    await custom.adapters.linkmoney.check(custom.ctx, { ...lookUpArgs, providerRefundId: 'rfd/1' });
    expect(server.requests.at(-1)!.path).toBe('/linkmoney/v2/refunds/rfd%2F1/status');
    await custom.dispatcher.close();
  });

  const statuses: [string, Partial<RefundOutcome>][] = [
    ['CREATED', { kind: 'pending', reason: 'provider_processing' }],
    ['PENDING', { kind: 'pending', reason: 'settlement_hold' }],
    ['AUTHORIZED', { kind: 'final', status: 'authorized' }],
    ['SCHEDULED', { kind: 'final', status: 'authorized' }],
    ['INITIATED', { kind: 'final', status: 'authorized' }],
    ['SUCCEEDED', { kind: 'final', status: 'approved' }],
    ['RETRYABLE_FAILED', { kind: 'pending', reason: 'provider_processing' }],
    ['TERMINAL_FAILED', { kind: 'final', status: 'failed', refusal: 'payment_failed' }],
    ['FAILED', { kind: 'final', status: 'failed', refusal: 'payment_failed' }],
    ['CANCELED', { kind: 'final', status: 'failed' }],
  ];
  it('the table covers every status of the map', () => {
    expect(new Set(statuses.map((s) => s[0]))).toEqual(new Set(Object.keys(LINKMONEY_STATUSES)));
  });
  it.each(statuses)('%s -> %o with the amount read exactly (decimal string)', async (paymentStatus, outcome) => {
    server.reply({ status: 200, body: TOKEN }, tx(paymentStatus), tx(` ${paymentStatus.toLowerCase()} `, { amount: { currency: 'USD', value: 19.99 } }));
    await expect(check('rfd-1')).resolves.toEqual({ ...outcome, refundId: 'rfd-1', providerStatus: paymentStatus, amountMinor: 1999 });
    await expect(check('rfd-1')).resolves.toEqual({ ...outcome, refundId: 'rfd-1', providerStatus: ` ${paymentStatus.toLowerCase()} `, amountMinor: 1999 });
  });

  it('an undocumented status -> unrecognized; an unreadable amount or body -> thrown transient; a 404 -> thrown not_found', async () => {
    server.reply(
      { status: 200, body: TOKEN },
      tx('SETTLING'),
      tx('PENDING', { amount: { currency: 'USD', value: '19.999' } }),
      { status: 200, body: '{"paymentId":' },
      envelope(404, 'PAYMENT_NOT_FOUND'),
    );
    await expect(check('rfd-1')).resolves.toMatchObject({ kind: 'unrecognized', raw: 'paymentStatus "SETTLING"' });
    await providerErrorOf(check('rfd-1'), 'transient');
    await providerErrorOf(check('rfd-1'), 'transient');
    await providerErrorOf(check('rfd-1'), 'not_found');
  });

  it('a DEBIT answered for the refund id (a wrong id or status path) is never taken for the refund: unrecognized', async () => {
    server.reply({ status: 200, body: TOKEN }, tx('SUCCEEDED', { type: 'DEBIT', paymentId: 'debit-1' }));
    await expect(check('rfd-1')).resolves.toMatchObject({ kind: 'unrecognized', raw: 'type "DEBIT" paymentStatus "SUCCEEDED"' });
  });

  it('without the refund id: found by requestKey on the debit, else thrown invalid_request', async () => {
    const debit = { paymentId: 'debit-1', paymentStatus: 'SUCCEEDED', type: 'DEBIT', refunds: [tx('AUTHORIZED').body] };
    server.reply({ status: 200, body: TOKEN }, { status: 200, body: debit }, { status: 200, body: { ...debit, refunds: [] } });
    await expect(check(undefined)).resolves.toMatchObject({ kind: 'final', status: 'authorized', refundId: 'rfd-1' });
    expect(apiReqs()[0]!.path).toBe('/linkmoney/v1/transactions/debit-1');
    await providerErrorOf(check(undefined), 'invalid_request');
  });
});

describe('Link Money lookUp: our requestKey among the debit refunds', () => {
  const refundTx = { paymentId: 'rfd-1', paymentStatus: 'PENDING', type: 'REFUND', amount: { currency: 'USD', value: '19.99' }, requestKey: 'refund-k-1:1' };
  const debit = (refunds: object[] | null) => ({ status: 200, body: { paymentId: 'debit-1', paymentStatus: 'SUCCEEDED', type: 'DEBIT', amount: { currency: 'USD', value: 50 }, settledAt: '2026-02-25T00:00:00Z', refunds } });

  it('GETs the debit through the status path; our refund -> its outcome, another key or none -> null', async () => {
    server.reply({ status: 200, body: TOKEN }, debit([{ ...refundTx, requestKey: 'other:1', paymentId: 'rfd-0' }, refundTx]), debit([{ ...refundTx, requestKey: 'other:1' }]), debit(null));
    await expect(lookUp()).resolves.toEqual({ kind: 'pending', reason: 'settlement_hold', refundId: 'rfd-1', providerStatus: 'PENDING', amountMinor: 1999 });
    const r = apiReqs()[0]!;
    expect(r.method).toBe('GET');
    expect(r.path).toBe('/linkmoney/v1/transactions/debit-1');
    await expect(lookUp()).resolves.toBeNull();
    await expect(lookUp()).resolves.toBeNull();
  });

  it('a read refused is thrown (404 not_found, 400 invalid_request), a 500 transient', async () => {
    server.reply({ status: 200, body: TOKEN }, envelope(404, 'PAYMENT_NOT_FOUND'), envelope(400, 'INVALID_REQUEST'), envelope(500, 'INTERNAL'));
    await providerErrorOf(lookUp(), 'not_found');
    await providerErrorOf(lookUp(), 'invalid_request');
    await providerErrorOf(lookUp(), 'transient');
  });
});
