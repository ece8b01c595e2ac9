import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildRefundRequest, toLinkMoneyValue } from '../../../activities/linkmoney/transformers.js';
import { failureOf, form, makeActivities, SECRETS, startServer, type Recorded, type TestServer } from './harness.js';

const TOKEN = { token_type: 'Bearer', expires_in: 3600, access_token: 'access-token-1', scope: 'Link-Payment' };
const CREATED = { status: 201, body: { paymentId: '5914646d1-7ab5-9553-8389-db80c5c5dda', paymentStatus: 'PENDING', clientReferenceId: 'REFUND-1234' } };

let server: TestServer;
let acts: ReturnType<typeof makeActivities>;
let clock: Date;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  clock = new Date('2026-03-02T10:00:00Z');
  // A fresh worker (and so a fresh token cache) per test.
  acts = makeActivities(server.baseUrl, { now: () => clock });
  // Token requests are answered by routing; everything else by the queue.
  server.setDefault({ status: 500, body: 'unexpected' });
});
afterEach(async () => {
  await acts.dispatcher.close();
});

const tokenReqs = () => server.requests.filter((r) => r.path === '/linkmoney/v1/tokens');
const apiReqs = () => server.requests.filter((r) => r.path !== '/linkmoney/v1/tokens');
const submit = (over: object = {}) =>
  acts.activities.linkmoneySubmitRefund({ refundId: 'REFUND-1234', paymentId: 'debit-1', amountMinor: 100, requestKey: 'REFUND-1234:1', ...over });

describe('linkmoneySubmitRefund: the outgoing requests', () => {
  it('gets a token (form body) then POSTs the JSON refund with Bearer auth', async () => {
    server.reply({ status: 200, body: TOKEN }, CREATED);
    await submit({ amountMinor: 123456789 });
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
    expect(refund.body).toBe('{"paymentId":"debit-1","amount":{"currency":"USD","value":1234567.89},"clientReferenceId":"REFUND-1234","requestKey":"REFUND-1234:1"}');
  });

  it.each([
    [2500, '25'],
    [1, '0.01'],
    [1999, '19.99'],
    [100001, '1000.01'],
    [123456789, '1234567.89'],
  ])('amount %i is sent as the JSON number %s', async (minor, text) => {
    server.reply({ status: 200, body: TOKEN }, CREATED);
    await submit({ amountMinor: minor });
    expect(apiReqs()[0]!.body).toContain(`"value":${text}}`);
  });
});

describe('linkmoneySubmitRefund: documented answers', () => {
  it.each([
    ['PENDING', 'pending'],
    ['AUTHORIZED', 'authorized'],
  ])('201 %s -> %s', async (providerStatus, status) => {
    server.reply({ status: 200, body: TOKEN }, { status: 201, body: { ...CREATED.body, paymentStatus: providerStatus } });
    await expect(submit()).resolves.toEqual({ outcome: 'accepted', refundPaymentId: CREATED.body.paymentId, status, providerStatus });
  });

  it('201 TERMINAL_FAILED keeps errorDetails', async () => {
    server.reply(
      { status: 200, body: TOKEN },
      { status: 201, body: { ...CREATED.body, paymentStatus: 'TERMINAL_FAILED', errorDetails: { errorCode: 'CUSTOMER_NOT_DEBITED', errorMessage: 'Original debit transaction was not successful' } } },
    );
    await expect(submit()).resolves.toEqual({
      outcome: 'accepted',
      refundPaymentId: CREATED.body.paymentId,
      status: 'failed',
      providerStatus: 'TERMINAL_FAILED',
      errorDetails: { errorCode: 'CUSTOMER_NOT_DEBITED', errorMessage: 'Original debit transaction was not successful' },
    });
  });

  it('an undocumented status is "unknown" (keep waiting), never success', async () => {
    server.reply({ status: 200, body: TOKEN }, { status: 201, body: { ...CREATED.body, paymentStatus: 'ON_HOLD' } });
    await expect(submit()).resolves.toMatchObject({ status: 'unknown', providerStatus: 'ON_HOLD' });
  });

  it('400 DUPLICATE_REQUEST_KEY -> duplicate_request_key', async () => {
    server.reply(
      { status: 200, body: TOKEN },
      { status: 400, body: { errorId: 'e-1', errorCode: 'DUPLICATE_REQUEST_KEY', errorMessage: 'A payment with this requestKey already exists', errorSeverity: 'ERROR' } },
    );
    await expect(submit()).resolves.toEqual({ outcome: 'duplicate_request_key' });
  });

  it('another 400 envelope -> ProviderInvalidRequest with code and errorId', async () => {
    server.reply({ status: 200, body: TOKEN }, { status: 400, body: { errorId: 'e-2', errorCode: 'INVALID_AMOUNT', errorMessage: 'Amount exceeds original', errorSeverity: 'ERROR' } });
    const { failure, details } = await failureOf(submit());
    expect(failure.type).toBe('ProviderInvalidRequest');
    expect(failure.nonRetryable).toBe(true);
    expect(details).toMatchObject({ providerCode: 'INVALID_AMOUNT', providerMessage: 'Amount exceeds original', requestId: 'e-2', httpStatus: 400 });
  });

  it('404 envelope -> ProviderNotFound', async () => {
    server.reply({ status: 200, body: TOKEN }, { status: 404, body: { errorId: 'e-3', errorCode: 'PAYMENT_NOT_FOUND', errorMessage: 'Payment not found', errorSeverity: 'ERROR' } });
    const { failure } = await failureOf(submit());
    expect(failure.type).toBe('ProviderNotFound');
  });

  it('500 envelope or HTML 502 -> ProviderAmbiguous on submit', async () => {
    server.reply({ status: 200, body: TOKEN }, { status: 500, body: { errorId: 'e-4', errorCode: 'INTERNAL', errorMessage: 'boom', errorSeverity: 'ERROR' } });
    expect((await failureOf(submit())).failure.type).toBe('ProviderAmbiguous');
    server.reply({ status: 502, body: '<html>Bad Gateway</html>', headers: { 'content-type': 'text/html' } });
    expect((await failureOf(submit())).failure.type).toBe('ProviderAmbiguous');
  });

  it('amounts a JSON number cannot carry exactly are refused before anything is sent', async () => {
    for (const amountMinor of [0, -5, Number.MAX_SAFE_INTEGER]) {
      const { failure, details } = await failureOf(submit({ amountMinor }));
      expect(failure.type).toBe('ProviderInvalidRequest');
      expect(details.mayHaveReachedProvider).toBe(false);
    }
    expect(server.requests).toHaveLength(0);
  });
});

describe('Link Money token cache', () => {
  it('many concurrent calls share one token request', async () => {
    server.reply((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(TOKEN));
      }, 50);
    });
    for (let i = 0; i < 10; i++) server.reply(CREATED);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => submit({ requestKey: `k-${i}` })));
    expect(results.every((r) => r.outcome === 'accepted')).toBe(true);
    expect(tokenReqs()).toHaveLength(1);
    expect(apiReqs()).toHaveLength(10);
    expect(apiReqs().every((r) => r.headers['authorization'] === 'Bearer access-token-1')).toBe(true);
  });

  it('reuses the token until ~60 s before expiry, then refreshes', async () => {
    server.reply({ status: 200, body: TOKEN }, CREATED, CREATED, { status: 200, body: { ...TOKEN, access_token: 'access-token-2' } }, CREATED);
    await submit();
    clock = new Date(clock.getTime() + 3_500_000); // 100 s before expiry: still good
    await submit();
    clock = new Date(clock.getTime() + 50_000); // 50 s before expiry: refresh
    await submit();
    expect(tokenReqs()).toHaveLength(2);
    expect(apiReqs().map((r) => r.headers['authorization'])).toEqual(['Bearer access-token-1', 'Bearer access-token-1', 'Bearer access-token-2']);
  });

  it('a 401 refreshes the token once and retries once', async () => {
    server.reply(
      { status: 200, body: TOKEN },
      { status: 401, body: { errorId: 'e', errorCode: 'UNAUTHORIZED', errorMessage: 'Token expired', errorSeverity: 'ERROR' } },
      { status: 200, body: { ...TOKEN, access_token: 'access-token-2' } },
      CREATED,
    );
    await expect(submit()).resolves.toMatchObject({ outcome: 'accepted' });
    expect(tokenReqs()).toHaveLength(2);
    expect(apiReqs().map((r) => r.headers['authorization'])).toEqual(['Bearer access-token-1', 'Bearer access-token-2']);
  });

  it('a second 401 is ProviderAuth (not retried, no token in the failure)', async () => {
    const unauthorized = { status: 401, body: { errorId: 'e', errorCode: 'UNAUTHORIZED', errorMessage: 'Unauthorized', errorSeverity: 'ERROR' } };
    server.reply({ status: 200, body: TOKEN }, unauthorized, { status: 200, body: TOKEN }, unauthorized);
    const { failure, details } = await failureOf(submit());
    expect(failure.type).toBe('ProviderAuth');
    expect(failure.nonRetryable).toBe(true);
    expect(JSON.stringify([failure.message, details])).not.toContain('access-token-1');
    expect(apiReqs()).toHaveLength(2);
  });

  it('a failed token request means the refund surely was not sent: submit stays retryable', async () => {
    server.reply({ status: 503, body: 'down' });
    const { failure, details } = await failureOf(submit());
    expect(failure.type).toBe('ProviderTransient');
    expect(failure.nonRetryable).toBe(false);
    expect(details.mayHaveReachedProvider).toBe(false);
    expect(apiReqs()).toHaveLength(0);
  });

  it('bad client credentials -> ProviderAuth', async () => {
    server.reply({ status: 401, body: { errorId: 'e', errorCode: 'INVALID_CLIENT', errorMessage: 'Invalid client', errorSeverity: 'ERROR' } });
    const { failure } = await failureOf(submit());
    expect(failure.type).toBe('ProviderAuth');
  });
});

describe('Link Money reads', () => {
  const refundTx = {
    paymentId: 'rfd-1',
    paymentStatus: 'SCHEDULED',
    type: 'REFUND',
    originalPaymentId: 'debit-1',
    amount: { currency: 'USD', value: 19.99 },
    clientReferenceId: 'REFUND-1234',
    requestKey: 'REFUND-1234:1',
  };

  it('linkmoneyGetRefundStatus GETs the configured status path', async () => {
    server.reply({ status: 200, body: TOKEN }, { status: 200, body: refundTx });
    const r = await acts.activities.linkmoneyGetRefundStatus({ refundPaymentId: 'rfd-1' });
    expect(r).toEqual({ refundPaymentId: 'rfd-1', status: 'authorized', providerStatus: 'SCHEDULED', amountMinor: 1999, clientReferenceId: 'REFUND-1234', requestKey: 'REFUND-1234:1' });
    const req = apiReqs()[0]!;
    expect(req.method).toBe('GET');
    expect(req.path).toBe('/linkmoney/v1/transactions/rfd-1');
    expect(req.headers['authorization']).toBe('Bearer access-token-1');
    expect(req.body).toBe('');
  });

  it('reads a decimal-string amount and null fields too', async () => {
    server.reply({ status: 200, body: TOKEN }, { status: 200, body: { ...refundTx, amount: { currency: 'USD', value: '25.00' }, clientReferenceId: null } });
    await expect(acts.activities.linkmoneyGetRefundStatus({ refundPaymentId: 'rfd-1' })).resolves.toMatchObject({ amountMinor: 2500 });
  });

  it('linkmoneyFindRefundByRequestKey finds our refund on the debit, or null', async () => {
    const debit = { paymentId: 'debit-1', paymentStatus: 'SUCCEEDED', type: 'DEBIT', amount: { currency: 'USD', value: 50 }, settledAt: '2026-02-25T00:00:00Z', refunds: [{ ...refundTx, requestKey: 'other', paymentId: 'rfd-0' }, refundTx] };
    server.reply({ status: 200, body: TOKEN }, { status: 200, body: debit }, { status: 200, body: { ...debit, refunds: [] } });
    await expect(acts.activities.linkmoneyFindRefundByRequestKey({ paymentId: 'debit-1', requestKey: 'REFUND-1234:1' })).resolves.toMatchObject({ refundPaymentId: 'rfd-1' });
    await expect(acts.activities.linkmoneyFindRefundByRequestKey({ paymentId: 'debit-1', requestKey: 'REFUND-1234:1' })).resolves.toBeNull();
    expect(apiReqs()[0]!.path).toBe('/linkmoney/v1/transactions/debit-1');
  });

  it('a 500 on a read is a retryable ProviderTransient', async () => {
    server.reply({ status: 200, body: TOKEN }, { status: 500, body: { errorId: 'e', errorCode: 'INTERNAL', errorMessage: 'x', errorSeverity: 'ERROR' } });
    const { failure } = await failureOf(acts.activities.linkmoneyGetRefundStatus({ refundPaymentId: 'rfd-1' }));
    expect(failure.type).toBe('ProviderTransient');
    expect(failure.nonRetryable).toBe(false);
  });
});

describe('Link Money transformer', () => {
  it.each([
    [1, 0.01],
    [2500, 25],
    [1999, 19.99],
    [100001, 1000.01],
    [123456789, 1234567.89],
    [900719925474099, 9007199254740.99],
  ])('%i cents -> %d', (minor, value) => {
    expect(toLinkMoneyValue(minor)).toBe(value);
    expect(JSON.stringify(buildRefundRequest({ refundId: 'r', paymentId: 'p', amountMinor: minor, requestKey: 'k' }).amount.value)).toBe(String(value));
  });

  // 90071992547409.91 and 88888888888888.87 have no exact double: JSON would carry .9 / .88.
  it.each([0, -1, 0.5, Number.MAX_SAFE_INTEGER, 8888888888888887, Number.MAX_SAFE_INTEGER + 2])('%d is rejected, not rounded', (minor) => {
    expect(() => toLinkMoneyValue(minor)).toThrow();
  });

  it('large amounts whose JSON text is exact are accepted (90071992547409.9 is exactly ...09.90)', () => {
    expect(toLinkMoneyValue(9007199254740990)).toBe(90071992547409.9);
    expect(toLinkMoneyValue(9007199254740989)).toBe(90071992547409.89);
  });
});
