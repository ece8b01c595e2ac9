/**
 * Merchant accounts (14c, docs/accounts.md) over the HTTP API on the dev server, with the sandbox
 * holding three Reservepay merchants (default, eu, asia) and the worker configured with each
 * one's credentials: every account's refund reaches the sandbox with that account's own key (the
 * sandbox's request log names the merchant); one idempotency key in two accounts makes two
 * refunds; the payment lock is per account (an eu refund waiting for the payment's eu lock does
 * not hold back asia's or the default's refund of the same payment); an API key limited to eu gets
 * 404 for every other account's refund on every route, 422 "no such account" for creating in
 * another account (the same words as an account that does not exist) and lists eu's refunds
 * only. Last, no credential of any account is in any of these refunds' histories, memos, search
 * attributes or in anything the worker logged.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { LogLevel, LogMetadata } from '@temporalio/common';
import { NativeConnection, Runtime, makeTelemetryFilterString, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { Secret } from '../../activities/secret.js';
import { temporalPaymentLocks } from '../../activities/payment-lock.js';
import type { ProviderConfig } from '../../activities/types.js';
import { ACTIONS } from '../../client/api/schemas.js';
import { startApiServer, type RunningApiServer } from '../../client/api/server.js';
import { RefundsClient } from '../../client/refunds-client.js';
import { WORKFLOW_TYPES } from '../../domain/messages.js';
import { paymentLockIdFor } from '../../domain/payment-lock.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { getRefundQuery } from '../../workflows/messages.js';
import { RefundStatusKey } from '../../workflows/search-attributes.js';
import { createRefundWorker } from '../../worker/worker.js';
import { eventually, sandboxProviderConfig, uniqueKey } from '../helpers/stack.js';

// Everything the SDK, the workflows and the activities log, unredacted.
const records: string[] = [];
const record = (level: LogLevel, message: string, meta?: LogMetadata) => void records.push(`${level} ${message} ${safeJson(meta)}`);
const recorder = { log: record, trace: (m: string, x?: LogMetadata) => record('TRACE', m, x), debug: (m: string, x?: LogMetadata) => record('DEBUG', m, x), info: (m: string, x?: LogMetadata) => record('INFO', m, x), warn: (m: string, x?: LogMetadata) => record('WARN', m, x), error: (m: string, x?: LogMetadata) => record('ERROR', m, x) };
Runtime.install({ logger: recorder, telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'INFO' }), forward: {} } } });

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? Buffer.from(x).toString('utf8') : typeof x === 'bigint' ? String(x) : x));
  } catch {
    return String(v);
  }
}

const ALL = `all_${randomBytes(24).toString('base64url')}`;
const EU = `eu_${randomBytes(24).toString('base64url')}`;
const EU_SVC = `eus_${randomBytes(24).toString('base64url')}`;
const KEYS = [
  { name: 'ops-all', role: 'operator' as const, key: ALL },
  { name: 'ops-eu', role: 'operator' as const, key: EU, accounts: ['eu'] },
  { name: 'svc-eu', role: 'service' as const, key: EU_SVC, accounts: ['eu'] },
];

let sandbox: RunningSandbox;
let native: NativeConnection;
let connection: Connection;
let client: Client;
let worker: Worker;
let running: Promise<void>;
let closeWorker: () => Promise<void>;
let api: RunningApiServer;
let config: ProviderConfig;
const taskQueue = `it-accounts-${randomUUID()}`;
const refundIds: string[] = [];
/** Listings look at this file's refunds' window only (other files share the dev server). */
const fileStart = new Date(Date.now() - 5_000);

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, merchants: { eu: {}, asia: {} } });
  const m = sandbox.merchants;
  config = {
    ...sandboxProviderConfig(sandbox),
    accounts: {
      reservepay: {
        eu: { baseUrl: sandbox.urls.reservepay, apiKey: new Secret(m.eu!.reservepayApiKey), apiVersion: '2025-04-01' },
        asia: { baseUrl: sandbox.urls.reservepay, apiKey: new Secret(m.asia!.reservepayApiKey), apiVersion: '2025-04-01' },
      },
    },
  };
  native = await NativeConnection.connect({ address: inject('temporalAddress') });
  ({ worker, close: closeWorker } = await createRefundWorker({ connection: native, temporal: { namespace: inject('temporalNamespace'), taskQueue }, providers: config, extra: { shutdownGraceTime: '1s' } }));
  running = worker.run();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: inject('temporalNamespace') });
  const refunds = new RefundsClient(client, taskQueue);
  refunds.accounts = { secpaid: [], linkmoney: [], openpayd: [], reservepay: ['eu', 'asia'] };
  api = await startApiServer({ port: 0, refunds, keys: KEYS, rateLimit: false, authFailures: false });
}, 120_000);

afterAll(async () => {
  await api?.close();
  worker?.shutdown();
  await running;
  await closeWorker?.();
  await native?.close();
  await connection?.close();
  await sandbox?.close();
});

async function call(method: string, path: string, key: string, body?: unknown, idempotencyKey?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function payment(amount = 100_000): Promise<string> {
  const res = await fetch(`${sandbox.urls.admin}/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'reservepay', amount, currency: 'THB' }) });
  return ((await res.json()) as { id: string }).id;
}

async function create(key: string, idem: string, body: Record<string, unknown>) {
  const res = await call('POST', '/v1/refunds', key, { provider: 'reservepay', currency: 'THB', ...body }, idem);
  if (res.status === 201) refundIds.push(res.body.refundId as string);
  return res;
}

const finalOf = (id: string) => eventually(async () => {
  const r = await call('GET', `/v1/refunds/${encodeURIComponent(id)}`, ALL);
  return ['approved', 'rejected', 'failed', 'canceled', 'needs_attention'].includes(r.body.status as string) && r.body;
}, 30_000);

const refs: Record<string, string> = {};

describe('merchant accounts', () => {
  it('each account refunds with its own credentials; one idempotency key in two accounts is two refunds', async () => {
    const key = uniqueKey('order');
    const pays = { eu: await payment(), asia: await payment(), default: await payment() };
    const eu = await create(ALL, key, { account: 'eu', payment: { paymentId: pays.eu }, amount: 1_000 });
    const asia = await create(ALL, key, { account: 'asia', payment: { paymentId: pays.asia }, amount: 2_000 });
    const dflt = await create(ALL, key, { payment: { paymentId: pays.default }, amount: 3_000 });
    expect([eu.status, asia.status, dflt.status]).toEqual([201, 201, 201]);
    expect(eu.body.refundId).toBe(`refund@eu:${key}`);
    expect(asia.body.refundId).toBe(`refund@asia:${key}`);
    expect(dflt.body.refundId).toBe(`refund-${key}`); // the default account's id is the one of before
    for (const r of [eu, asia, dflt]) expect((await finalOf(r.body.refundId as string)).status).toBe('approved');
    refs.eu = eu.body.refundId as string;
    refs.asia = asia.body.refundId as string;
    refs.default = dflt.body.refundId as string;
    // At the sandbox: each payment's refund request carried its own account's key.
    const sent = sandbox.requests.list('reservepay').filter((e) => e.route === '/merchants/refund-payment');
    const merchantOf = (pay: string) => sent.filter((e) => (e.body as { payment_id?: string }).payment_id === pay).map((e) => e.merchant);
    expect(merchantOf(pays.eu)).toEqual(['eu']);
    expect(merchantOf(pays.asia)).toEqual(['asia']);
    expect(merchantOf(pays.default)).toEqual(['default']);
    // The account is in the refund's request and its RefundAccount.
    const d = await client.workflow.getHandle(refs.eu).describe();
    expect(d.searchAttributes['RefundAccount']).toEqual(['eu']);
    expect((await client.workflow.getHandle(refs.default).describe()).searchAttributes['RefundAccount']).toEqual(['default']);
  });

  it('an unknown account is refused with a field error before anything starts', async () => {
    const key = uniqueKey('unknown');
    const res = await create(ALL, key, { account: 'nope', payment: { paymentId: 'pay-x' }, amount: 100 });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ type: 'unprocessable_request', fields: [{ path: 'account', message: 'no Reservepay merchant account "nope" is configured' }] });
    await expect(client.workflow.getHandle(`refund@nope:${key}`).describe()).rejects.toThrow();
  });

  it('the payment lock is per account: a waiting eu refund does not hold back asia or the default', async () => {
    const pay = await payment();
    // A stand-in eu refund, in flight (pending, on a queue no worker polls), holds the payment's eu lock.
    const holder = `refund-holder-${randomUUID().slice(0, 8)}`;
    await client.workflow.start(WORKFLOW_TYPES.refund, { workflowId: holder, taskQueue: `${taskQueue}-nobody`, args: [], typedSearchAttributes: [{ key: RefundStatusKey, value: 'pending' }] });
    const locks = temporalPaymentLocks(() => client);
    expect(await locks.acquire({ scope: taskQueue, provider: 'reservepay', paymentKey: pay, account: 'eu', refundId: holder })).toMatchObject({ kind: 'held' });
    expect(paymentLockIdFor(taskQueue, 'reservepay', pay, 'eu')).not.toBe(paymentLockIdFor(taskQueue, 'reservepay', pay));
    try {
      const eu = await create(ALL, uniqueKey('lock-eu'), { account: 'eu', payment: { paymentId: pay }, amount: 1_000 });
      const euId = eu.body.refundId as string;
      // The eu refund waits for its turn (the holder's lock) ...
      await eventually(async () => (await client.workflow.getHandle(euId).query(getRefundQuery)).waitingFor === holder);
      // ... while asia's and the default's refunds of the same payment go through.
      const asia = await create(ALL, uniqueKey('lock-asia'), { account: 'asia', payment: { paymentId: pay }, amount: 2_000 });
      const dflt = await create(ALL, uniqueKey('lock-default'), { payment: { paymentId: pay }, amount: 3_000 });
      expect((await finalOf(asia.body.refundId as string)).status).toBe('approved');
      expect((await finalOf(dflt.body.refundId as string)).status).toBe('approved');
      const waiting = await call('GET', `/v1/refunds/${encodeURIComponent(euId)}`, ALL);
      expect(waiting.body).toMatchObject({ status: 'pending', waitingFor: holder });
      expect(sandbox.requests.list('reservepay').filter((e) => (e.body as { payment_id?: string }).payment_id === pay && e.merchant === 'eu')).toEqual([]);
      await call('POST', `/v1/refunds/${encodeURIComponent(euId)}/cancel`, ALL, { note: 'test over' });
    } finally {
      await client.workflow.getHandle(holder).terminate('test over').catch(() => undefined);
    }
  });

  it('a key limited to eu: another account\'s refund is not found on every route, its own is', async () => {
    const missing = await call('GET', `/v1/refunds/${encodeURIComponent('refund@eu:no-such-refund')}`, EU);
    expect(missing.status).toBe(404);
    for (const other of [refs.asia!, refs.default!]) {
      const path = `/v1/refunds/${encodeURIComponent(other)}`;
      const got = await call('GET', path, EU);
      expect(got.status).toBe(404);
      expect(got.body).toEqual({ error: { type: 'not_found', message: (missing.body.error as { message: string }).message.replace('refund@eu:no-such-refund', other) } });
      expect((await call('GET', path, EU_SVC)).status).toBe(404);
      for (const action of Object.keys(ACTIONS)) {
        const acted = await call('POST', `${path}/${action}`, EU, { note: 'not mine', reason: 'not mine', resolution: 'approved' });
        expect([action, acted.status, (acted.body.error as { type: string }).type]).toEqual([action, 404, 'not_found']);
      }
    }
    // Every route of one refund that the API documents (other parts' included: retry, four-eyes, SecPaid review, ...).
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/v1/refunds/{id}'))
      .flatMap(([path, ops]) => Object.keys(ops).filter((m) => ['get', 'post'].includes(m)).map((m) => [m.toUpperCase(), path] as const));
    expect(routes.length).toBeGreaterThan(Object.keys(ACTIONS).length);
    for (const [method, path] of routes) {
      const url = path.replace('{id}', encodeURIComponent(refs.asia!));
      const res = await call(method, url, EU, method === 'POST' ? { note: 'not mine', reason: 'not mine' } : undefined);
      expect([method, path, res.status, (res.body.error as { type?: string } | undefined)?.type]).toEqual([method, path, 404, 'not_found']);
    }
    // Its own account's refund: read.
    const own = await call('GET', `/v1/refunds/${encodeURIComponent(refs.eu!)}`, EU);
    expect(own).toMatchObject({ status: 200, body: { refundId: refs.eu, request: { account: 'eu' } } });
    // Nothing was changed by the refused actions.
    expect((await call('GET', `/v1/refunds/${encodeURIComponent(refs.asia!)}`, ALL)).body.status).toBe('approved');
  });

  it('a key limited to eu cannot create in another account: the answer of an account that does not exist', async () => {
    const pay = await payment();
    const nope = await create(EU, uniqueKey('x'), { account: 'nope', payment: { paymentId: pay }, amount: 100 });
    for (const account of ['asia', undefined]) {
      const key = uniqueKey('other');
      const res = await create(EU, key, { ...(account ? { account } : {}), payment: { paymentId: pay }, amount: 100 });
      expect(res.status).toBe(422);
      // Word for word the answer about "nope", with the account's name in its place.
      expect(JSON.stringify(res.body)).toBe(JSON.stringify(nope.body).replaceAll('\\"nope\\"', `\\"${account ?? 'default'}\\"`));
      await expect(client.workflow.getHandle(account ? `refund@${account}:${key}` : `refund-${key}`).describe()).rejects.toThrow();
    }
    const mine = await create(EU, uniqueKey('mine'), { account: 'eu', payment: { paymentId: pay }, amount: 100 });
    expect(mine.status).toBe(201);
    expect((await finalOf(mine.body.refundId as string)).status).toBe('approved');
  });

  it('listing with a key limited to eu shows eu refunds only', async () => {
    const ours = (rows: { refundId: string }[]) => rows.map((r) => r.refundId).filter((id) => refundIds.includes(id));
    const all = await eventually(async () => {
      const res = await call('GET', `/v1/refunds?limit=1000&createdAfter=${encodeURIComponent(fileStart.toISOString())}`, ALL);
      const ids = ours(res.body.data as { refundId: string }[]);
      return ids.includes(refs.eu!) && ids.includes(refs.asia!) && ids.includes(refs.default!) && ids;
    });
    expect(all.some((id) => !id.startsWith('refund@eu:'))).toBe(true);
    const euIds = refundIds.filter((id) => id.startsWith('refund@eu:'));
    const eu = await eventually(async () => {
      const ids = ours((await call('GET', `/v1/refunds?limit=1000&createdAfter=${encodeURIComponent(fileStart.toISOString())}`, EU)).body.data as { refundId: string }[]);
      return euIds.every((id) => ids.includes(id)) && ids;
    });
    expect(eu.length).toBeGreaterThanOrEqual(3);
    expect(eu.filter((id) => !id.startsWith('refund@eu:'))).toEqual([]);
    // ?account= for any key; for a limited key, another account's is an empty page (as for an account without refunds).
    const window = `&createdAfter=${encodeURIComponent(fileStart.toISOString())}`;
    const asia = ours((await call('GET', `/v1/refunds?limit=1000&account=asia${window}`, ALL)).body.data as { refundId: string }[]);
    expect(asia).toContain(refs.asia);
    expect(asia.filter((id) => !id.startsWith('refund@asia:'))).toEqual([]);
    expect(await call('GET', `/v1/refunds?account=asia${window}`, EU)).toEqual({ status: 200, body: { data: [], nextPageToken: null } });
    expect(ours((await call('GET', `/v1/refunds?limit=1000&account=eu${window}`, EU)).body.data as { refundId: string }[])).toEqual(eu);
  });

  it('listing the default account includes a refund of before accounts (no RefundAccount), and no named one', async () => {
    const before = `refund-before-${randomUUID().slice(0, 8)}`;
    await client.workflow.start(WORKFLOW_TYPES.refund, { workflowId: before, taskQueue: `${taskQueue}-nobody`, args: [], typedSearchAttributes: [{ key: RefundStatusKey, value: 'pending' }] });
    try {
      const refunds = new RefundsClient(client, taskQueue);
      const ids = await eventually(async () => {
        const rows = (await refunds.list({ accounts: ['default'], createdAfter: fileStart, pageSize: 1000 })).refunds.map((r) => r.refundId);
        return rows.includes(before) && rows.includes(refs.default!) && rows;
      });
      expect(ids.filter((id) => id.startsWith('refund@'))).toEqual([]);
      const row = (await refunds.list({ accounts: ['default'], createdAfter: fileStart, pageSize: 1000 })).refunds.find((r) => r.refundId === before);
      expect(row?.account).toBe('default');
    } finally {
      await client.workflow.getHandle(before).terminate('test over').catch(() => undefined);
    }
  });

  it('no credential of any account is in a refund\'s history, memo, search attributes or the logs', async () => {
    const secrets = Object.values(sandbox.merchants).flatMap((c) => [c.reservepayApiKey, c.openpaydApiKey, c.secpaidToken, c.linkmoneyClientSecret]);
    expect(secrets.length).toBeGreaterThan(6);
    const forms = secrets.flatMap((s) => [s, Buffer.from(s).toString('base64'), Buffer.from(s).toString('base64').replace(/=+$/, '')]);
    expect(refundIds.length).toBeGreaterThan(5);
    for (const id of refundIds) {
      const handle = client.workflow.getHandle(id);
      const text = safeJson(await handle.fetchHistory()) + safeJson(await handle.describe());
      expect(text).toContain(id); // the history is really there
      for (const f of forms) expect(text.includes(f), `${id} holds a credential`).toBe(false);
    }
    const logs = records.join('\n');
    for (const f of forms) expect(logs.includes(f)).toBe(false);
  });
});
