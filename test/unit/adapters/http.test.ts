import { inspect } from 'node:util';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { MoneyError } from '../../../domain/money.js';
import { ProviderError, PROVIDER_ERROR_KINDS, toActivityError, toActivityFailure, type ProviderErrorKind } from '../../../activities/errors.js';
import { createHttpDispatcher, joinUrl, networkFailure, parseRetryAfter, send } from '../../../activities/http.js';
import { Secret } from '../../../activities/secret.js';
import { destroySocket, failureOf, hang, makeActivities, NOW, startServer, type TestServer } from './harness.js';

describe('failure matrix: error kind x submit/read -> ApplicationFailure', () => {
  const cases: [ProviderErrorKind, boolean, 'submit' | 'read', string, boolean][] = [
    ['transient', true, 'submit', 'ProviderAmbiguous', true],
    ['transient', false, 'submit', 'ProviderTransient', false],
    ['transient', true, 'read', 'ProviderTransient', false],
    ['transient', false, 'read', 'ProviderTransient', false],
    ['rate_limited', false, 'submit', 'ProviderRateLimited', false],
    ['rate_limited', false, 'read', 'ProviderRateLimited', false],
    ['declined', true, 'submit', 'ProviderDeclined', true],
    ['declined', true, 'read', 'ProviderDeclined', true],
    ['invalid_request', true, 'submit', 'ProviderInvalidRequest', true],
    ['invalid_request', false, 'read', 'ProviderInvalidRequest', true],
    ['auth', false, 'submit', 'ProviderAuth', true],
    ['auth', false, 'read', 'ProviderAuth', true],
    ['not_found', true, 'submit', 'ProviderNotFound', true],
    ['not_found', true, 'read', 'ProviderNotFound', true],
  ];
  it('covers every kind', () => {
    expect(new Set(cases.map((c) => c[0]))).toEqual(new Set(PROVIDER_ERROR_KINDS));
  });
  it.each(cases)('%s (reached=%s) on %s -> %s nonRetryable=%s', (kind, reached, op, type, nonRetryable) => {
    const err = new ProviderError({ provider: 'openpayd', kind, message: 'x', providerCode: 'C1', httpStatus: 500, requestId: 'req-1', mayHaveReachedProvider: reached, ...(kind === 'rate_limited' ? { retryAfterMs: 7000 } : {}) });
    const f = toActivityFailure(err, op);
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f.type).toBe(type);
    expect(f.nonRetryable).toBe(nonRetryable);
    expect(f.nextRetryDelay).toBe(kind === 'rate_limited' ? 7000 : undefined);
    expect(f.details?.[0]).toMatchObject({ provider: 'openpayd', kind, providerCode: 'C1', httpStatus: 500, requestId: 'req-1', mayHaveReachedProvider: reached });
  });
  it('rate limited without Retry-After leaves the delay to the retry policy', () => {
    const f = toActivityFailure(new ProviderError({ provider: 'secpaid', kind: 'rate_limited', message: 'x', mayHaveReachedProvider: false }), 'submit');
    expect(f.nextRetryDelay).toBeUndefined();
  });
  it('the edge: MoneyError -> ProviderInvalidRequest (not sent); other errors pass through unchanged', () => {
    const f = toActivityError(new MoneyError('bad'), 'reservepay', 'submit') as ApplicationFailure;
    expect(f.type).toBe('ProviderInvalidRequest');
    expect(f.nonRetryable).toBe(true);
    const other = new TypeError('bug');
    expect(toActivityError(other, 'reservepay', 'submit')).toBe(other);
  });
  it('error classes carry explicit names', () => {
    expect(new ProviderError({ provider: 'secpaid', kind: 'auth', message: 'x', mayHaveReachedProvider: false }).name).toBe('ProviderError');
  });
});

describe('network failures -> ProviderError', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('connection refused: surely not sent -> submit stays retryable ProviderTransient', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const { activities, dispatcher } = makeActivities(`http://127.0.0.1:${port}`);
    const { failure, details } = await failureOf(activities.reservepaySubmitRefund({ paymentId: 'p' }));
    expect(details.kind).toBe('transient');
    expect(details.mayHaveReachedProvider).toBe(false);
    expect(details.providerCode).toBe('ECONNREFUSED');
    expect(failure.type).toBe('ProviderTransient');
    expect(failure.nonRetryable).toBe(false);
    await dispatcher.close();
  });

  it('reset after sending: may have been processed', async () => {
    server.reply(destroySocket);
    const dispatcher = createHttpDispatcher();
    const err = await send(dispatcher, { provider: 'secpaid', method: 'POST', url: `${server.baseUrl}/x`, headers: {}, body: 'a=1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).kind).toBe('transient');
    expect((err as ProviderError).mayHaveReachedProvider).toBe(true);
    await dispatcher.close();
  });

  it('headers timeout (tiny) on a submit -> ProviderAmbiguous; on a read -> retryable', async () => {
    server.reply(hang, hang);
    const { activities, dispatcher } = makeActivities(server.baseUrl, { http: { headersTimeoutMs: 100 } });
    const sub = await failureOf(activities.openpaydSubmitRefund({ refundId: 'r', transactionId: 't', referenceNo: 'n' }));
    expect(sub.details.mayHaveReachedProvider).toBe(true);
    expect(sub.failure.type).toBe('ProviderAmbiguous');
    expect(sub.failure.nonRetryable).toBe(true);
    const read = await failureOf(activities.openpaydGetStatus({ transactionId: 't', referenceNo: 'n' }));
    expect(read.failure.type).toBe('ProviderTransient');
    expect(read.failure.nonRetryable).toBe(false);
    await dispatcher.close();
  });

  it('whole-request deadline (config.requestTimeoutMs) -> ambiguous on submit', async () => {
    server.reply(hang);
    const { activities, dispatcher } = makeActivities(server.baseUrl, { config: { requestTimeoutMs: 100 } });
    const { failure, details } = await failureOf(activities.secpaidSubmitRefund({ refundId: 'r', payId: '1', amountMinor: 1, fullRefund: false }));
    expect(details.kind).toBe('transient');
    expect(details.mayHaveReachedProvider).toBe(true);
    expect(failure.type).toBe('ProviderAmbiguous');
    await dispatcher.close();
  });

  it('429 with Retry-After as an HTTP date', async () => {
    const at = new Date(NOW.getTime() + 120_000).toUTCString();
    server.reply({ status: 429, body: '', headers: { 'retry-after': at, 'x-request-id': 'rq-9' } });
    const { activities, dispatcher } = makeActivities(server.baseUrl);
    const { failure, details } = await failureOf(activities.reservepayFindRefund({ refundId: 'r' }));
    expect(failure.type).toBe('ProviderRateLimited');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(120_000);
    expect(details).toMatchObject({ kind: 'rate_limited', retryAfterMs: 120_000, mayHaveReachedProvider: false, requestId: 'rq-9', httpStatus: 429 });
    await dispatcher.close();
  });

  it('connect timeout / DNS are "not sent"; socket errors are "maybe sent"', () => {
    expect(networkFailure('linkmoney', Object.assign(new Error('t'), { code: 'UND_ERR_CONNECT_TIMEOUT' })).mayHaveReachedProvider).toBe(false);
    expect(networkFailure('linkmoney', Object.assign(new Error('d'), { code: 'ENOTFOUND' })).mayHaveReachedProvider).toBe(false);
    expect(networkFailure('linkmoney', new AggregateError([Object.assign(new Error('r'), { code: 'ECONNREFUSED' })])).mayHaveReachedProvider).toBe(false);
    expect(networkFailure('linkmoney', Object.assign(new Error('s'), { code: 'UND_ERR_SOCKET' })).mayHaveReachedProvider).toBe(true);
    expect(networkFailure('linkmoney', Object.assign(new Error('r'), { code: 'ECONNRESET' })).mayHaveReachedProvider).toBe(true);
  });
});

describe('parseRetryAfter / joinUrl', () => {
  it('seconds, HTTP date, past date, garbage', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter(new Date(NOW.getTime() + 5_000).toUTCString(), NOW)).toBe(5_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('-5', NOW)).toBeUndefined();
    expect(parseRetryAfter('1.5', NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  });
  it('joins with exactly one slash', () => {
    expect(joinUrl('https://app.secpaid.com/api/v2', 'refundPayment')).toBe('https://app.secpaid.com/api/v2/refundPayment');
    expect(joinUrl('https://app.secpaid.com/api/v2/', '/refundPayment')).toBe('https://app.secpaid.com/api/v2/refundPayment');
    expect(joinUrl('http://127.0.0.1:4010/secpaid/api/v2//', 'refundPayment')).toBe('http://127.0.0.1:4010/secpaid/api/v2/refundPayment');
    expect(joinUrl('https://api.link.money', '/v1/refunds')).toBe('https://api.link.money/v1/refunds');
  });
});

describe('Secret', () => {
  it('cannot be printed by accident', () => {
    const s = new Secret('hunter2');
    expect(String(s)).toBe('[redacted]');
    expect(`${s}`).toBe('[redacted]');
    expect(JSON.stringify({ s })).toBe('{"s":"[redacted]"}');
    expect(inspect({ s })).not.toContain('hunter2');
    expect(s.reveal()).toBe('hunter2');
  });
});
