/**
 * No credential ever reaches Temporal's history or the worker's logs. A refund of every provider
 * through the sandbox on the dev server (approved/authorized paths), declined and failed paths
 * (OpenPayd partial refund declined, Reservepay over the refundable amount, Link Money debit
 * failed, SecPaid rejected by an operator) and an auth failure of every provider (a second worker
 * with wrong credentials). Then every workflow's full history (fetchHistory, bytes decoded as
 * UTF-8), describe() (memo, search attributes, summary), the getRefund query, the failures, the
 * Runtime logger's records (raw, before any redaction) and everything written to stdout/stderr
 * are searched for every configured credential, plain and base64: the sandbox's SecPaid token,
 * Link Money client secret, OpenPayd apiKey, Reservepay key, every Link Money access token the
 * sandbox issued (read from its store, which keeps them), and the wrong credentials.
 */
import { randomUUID } from 'node:crypto';
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import type { LogLevel, LogMetadata } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../activities/secret.js';
import { REDACTED, Redactor } from '../../ops/redact.js';
import type { ProviderConfig } from '../../activities/types.js';
import { RefundsClient } from '../../client/refunds-client.js';
import { isFinalStatus } from '../../domain/status.js';
import { createRefundWorker } from '../../worker/worker.js';
import { eventually, sandboxProviderConfig, startStack, uniqueKey, type Stack } from '../helpers/stack.js';

// Everything the SDK, the workflows and the activities log, unfiltered and unredacted.
const records: string[] = [];
const recorder = {
  log: (level: LogLevel, message: string, meta?: LogMetadata) => void records.push(`${level} ${message} ${safeJson(meta)}`),
  trace: (m: string, meta?: LogMetadata) => recorder.log('TRACE', m, meta),
  debug: (m: string, meta?: LogMetadata) => recorder.log('DEBUG', m, meta),
  info: (m: string, meta?: LogMetadata) => recorder.log('INFO', m, meta),
  warn: (m: string, meta?: LogMetadata) => recorder.log('WARN', m, meta),
  error: (m: string, meta?: LogMetadata) => recorder.log('ERROR', m, meta),
};
Runtime.install({ logger: recorder, telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'INFO' }), forward: {} } } });

// Everything written to the console by this process (the worker runs here).
const consoleOut: string[] = [];
for (const stream of [process.stdout, process.stderr]) {
  const original = stream.write.bind(stream) as (...a: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    consoleOut.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return original(chunk, ...rest);
  }) as typeof stream.write;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(plain(v));
  } catch {
    return String(v);
  }
}

/** Protobuf/SDK objects to plain JSON: bytes decoded as UTF-8 (payloads are JSON text), Longs as strings. */
function plain(v: unknown, depth = 0): unknown {
  if (depth > 40 || v === null || v === undefined) return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Error) return { name: v.name, message: v.message, stack: v.stack, cause: plain((v as { cause?: unknown }).cause, depth + 1), ...plain({ ...v }, depth + 1) as object };
  if (Array.isArray(v)) return v.map((x) => plain(x, depth + 1));
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x, depth + 1)]));
  if (typeof v === 'object') {
    if (typeof (v as { low?: unknown }).low === 'number' && typeof (v as { high?: unknown }).high === 'number') return String(v);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x, depth + 1);
    return out;
  }
  return v;
}

let s: Stack;
let bad: { refunds: RefundsClient; stop(): Promise<void>; config: ProviderConfig };
const issuedTokens = new Set<string>();
const refundIds: { id: string; client: 'good' | 'bad' }[] = [];

function collectTokens(): void {
  for (const t of Object.keys(s.sandbox.store.state.linkmoneyTokens)) issuedTokens.add(t);
}

async function payment(body: Record<string, unknown>): Promise<string> {
  return (await s.admin('POST', '/payments', body)).id as string;
}

beforeAll(async () => {
  s = await startStack();
  // A second worker whose every credential is wrong: auth failures of all four providers.
  const config: ProviderConfig = {
    ...sandboxProviderConfig(s.sandbox),
    secpaid: { baseUrl: s.sandbox.urls.secpaid, token: new Secret('wrong-secpaid-token-7f3a9c') },
    openpayd: { baseUrl: s.sandbox.urls.openpayd, apiKey: new Secret('0123456789abcdef0123456789abcdef') },
    reservepay: { baseUrl: s.sandbox.urls.reservepay, apiKey: new Secret('skey_wrong_reservepay_5d2e8b'), apiVersion: '2025-04-01' },
  };
  config.linkmoney = { ...config.linkmoney, clientSecret: new Secret('wrong-linkmoney-secret-91bd') };
  const taskQueue = `it-bad-${randomUUID()}`;
  const native = await NativeConnection.connect({ address: s.address });
  const { worker, close } = await createRefundWorker({ connection: native, temporal: { namespace: s.namespace, taskQueue }, providers: config, extra: { shutdownGraceTime: '1s' } });
  const running = worker.run();
  bad = {
    config,
    refunds: new RefundsClient(s.client, taskQueue),
    async stop() {
      worker.shutdown();
      await running;
      await close();
      await native.close();
    },
  };
});

afterAll(async () => {
  await bad?.stop();
  await s?.stop();
});

describe('no secrets in history, logs, failures, memo or search attributes', () => {
  it('runs every provider through success, decline, failure and auth-failure paths', async () => {
    const create = async (client: 'good' | 'bad', request: Record<string, unknown>) => {
      const { refund } = await (client === 'good' ? s.refunds : bad.refunds).create({ idempotencyKey: uniqueKey(`sec-${client}`), ...request });
      refundIds.push({ id: refund.refundId, client });
      return refund.refundId;
    };
    // Successful paths.
    const rp = await payment({ provider: 'reservepay', amount: 10_000, currency: 'THB' });
    const op = await payment({ provider: 'openpayd', amount: 1234, currency: 'EUR', method: 'VISA', referenceNo: 'ref-sec-1' });
    const lm = await payment({ provider: 'linkmoney', amount: 5000, currency: 'USD', settledAt: '2026-01-05T15:00:00Z' });
    const sp = await payment({ provider: 'secpaid', amount: 5000, currency: 'EUR' });
    const ok = {
      reservepay: await create('good', { provider: 'reservepay', payment: { paymentId: rp }, amount: 2500, currency: 'THB' }),
      openpayd: await create('good', { provider: 'openpayd', payment: { transactionId: op, referenceNo: 'ref-sec-1' }, amount: 'full', currency: 'EUR' }),
      linkmoney: await create('good', { provider: 'linkmoney', payment: { paymentId: lm, settledAt: '2026-01-05T15:00:00Z' }, amount: 1999, currency: 'USD' }),
      secpaid: await create('good', { provider: 'secpaid', payment: { payId: sp }, amount: 2500, currency: 'EUR' }),
    };
    // Declined / failed paths.
    const op2 = await payment({ provider: 'openpayd', amount: 5000, currency: 'EUR', method: 'VISA', referenceNo: 'ref-sec-2' });
    const rp2 = await payment({ provider: 'reservepay', amount: 1000, currency: 'THB' });
    const lm2 = await payment({ provider: 'linkmoney', amount: 5000, currency: 'USD', debitFailed: true });
    const sp2 = await payment({ provider: 'secpaid', amount: 5000, currency: 'EUR' });
    const declined = {
      openpayd: await create('good', { provider: 'openpayd', payment: { transactionId: op2, referenceNo: 'ref-sec-2' }, amount: 100, currency: 'EUR' }),
      reservepay: await create('good', { provider: 'reservepay', payment: { paymentId: rp2 }, amount: 5000, currency: 'THB' }),
      linkmoney: await create('good', { provider: 'linkmoney', payment: { paymentId: lm2 }, amount: 100, currency: 'USD' }),
      secpaid: await create('good', { provider: 'secpaid', payment: { payId: sp2 }, amount: 100, currency: 'EUR' }),
    };
    // Auth failures.
    const auth = {
      reservepay: await create('bad', { provider: 'reservepay', payment: { paymentId: await payment({ provider: 'reservepay', amount: 1000, currency: 'THB' }) }, amount: 100, currency: 'THB' }),
      openpayd: await create('bad', { provider: 'openpayd', payment: { transactionId: await payment({ provider: 'openpayd', amount: 1000, currency: 'EUR', method: 'VISA', referenceNo: 'ref-sec-3' }), referenceNo: 'ref-sec-3' }, amount: 'full', currency: 'EUR' }),
      linkmoney: await create('bad', { provider: 'linkmoney', payment: { paymentId: await payment({ provider: 'linkmoney', amount: 1000, currency: 'USD' }) }, amount: 100, currency: 'USD' }),
      secpaid: await create('bad', { provider: 'secpaid', payment: { payId: await payment({ provider: 'secpaid', amount: 1000, currency: 'EUR' }) }, amount: 100, currency: 'EUR' }),
    };

    expect((await s.refunds.waitForFinal(ok.reservepay)).status).toBe('approved');
    expect((await s.refunds.waitForFinal(ok.openpayd)).status).toBe('approved');
    expect((await s.refunds.waitForFinal(ok.linkmoney)).status).toBe('authorized');
    collectTokens();
    await eventually(async () => (await s.refunds.get(ok.secpaid)).pendingReason === 'awaiting_admin_review');
    expect((await s.refunds.approve(ok.secpaid, { operator: 'ops@example.com' })).status).toBe('approved');

    expect((await s.refunds.waitForFinal(declined.openpayd)).status).toBe('rejected');
    expect((await s.refunds.waitForFinal(declined.reservepay)).status).toBe('rejected');
    expect((await s.refunds.waitForFinal(declined.linkmoney)).status).toBe('failed');
    collectTokens();
    await eventually(async () => (await s.refunds.get(declined.secpaid)).pendingReason === 'awaiting_admin_review');
    expect((await s.refunds.reject(declined.secpaid, { operator: 'ops@example.com', reason: 'Outside refund window' })).status).toBe('rejected');

    for (const id of Object.values(auth)) {
      const r = await eventually(async () => {
        const st = await bad.refunds.get(id);
        return (st.status === 'needs_attention' || isFinalStatus(st.status)) && st;
      }, 45_000);
      expect(r.transitions.map((t) => t.cause).join(' | ')).toMatch(/auth|credential|token|unauthori|api ?key/i);
    }
    collectTokens();
    expect(issuedTokens.size).toBeGreaterThan(0); // the Link Money access tokens are searched too
  }, 180_000);

  it('finds none of the secrets anywhere', async () => {
    const haystack: { where: string; text: string }[] = [];
    for (const { id } of refundIds) {
      const handle = s.client.workflow.getHandle(id);
      const history = await handle.fetchHistory();
      haystack.push({ where: `${id} history`, text: JSON.stringify(plain(history)) });
      const d = await handle.describe();
      haystack.push({ where: `${id} memo`, text: JSON.stringify(plain(d.memo)) });
      haystack.push({ where: `${id} search attributes`, text: JSON.stringify(plain(d.typedSearchAttributes)) + JSON.stringify(plain(d.raw.workflowExecutionInfo?.searchAttributes)) });
      haystack.push({ where: `${id} summary/details`, text: `${(await d.staticSummary()) ?? ''}\n${(await d.staticDetails()) ?? ''}` });
      haystack.push({ where: `${id} query`, text: JSON.stringify(await s.refunds.get(id).catch((e: unknown) => String(e))) });
      if (d.status.name !== 'RUNNING') {
        haystack.push({ where: `${id} result`, text: await handle.result().then((r) => JSON.stringify(r), (e: unknown) => JSON.stringify(plain(e))) });
      }
    }
    haystack.push({ where: 'runtime logger', text: records.join('\n') });
    haystack.push({ where: 'console', text: consoleOut.join('') });

    // The haystack is real: histories carry the failures' own messages, logs carry the failures.
    const all = haystack.map((h) => h.text).join('\n');
    expect(all).toContain('Invalid or missing API key'); // Reservepay UNAUTHORIZED
    expect(all).toContain('Incorrect token or missing token'); // SecPaid
    expect(all).toMatch(/ActivityTaskFailed|activityTaskFailedEventAttributes/);
    expect(records.join('\n')).toMatch(/(secpaid|linkmoney|openpayd|reservepay) (submit|read) failed|Activity failed/); // the activity logs were captured

    const c = s.sandbox.credentials;
    const secrets: Record<string, string> = {
      'SecPaid token': c.secpaidToken,
      'Link Money client secret': c.linkmoneyClientSecret,
      'OpenPayd apiKey': c.openpaydApiKey,
      'Reservepay key': c.reservepayApiKey,
      'wrong SecPaid token': bad.config.secpaid.token.reveal(),
      'wrong Link Money secret': bad.config.linkmoney.clientSecret.reveal(),
      'wrong OpenPayd apiKey': bad.config.openpayd.apiKey.reveal(),
      'wrong Reservepay key': bad.config.reservepay.apiKey.reveal(),
    };
    for (const [i, t] of [...issuedTokens].entries()) secrets[`Link Money access token #${i + 1}`] = t;
    const leaks: string[] = [];
    for (const [name, value] of Object.entries(secrets)) {
      for (const form of [value, Buffer.from(value).toString('base64'), encodeURIComponent(value)]) {
        for (const h of haystack) if (h.text.includes(form)) leaks.push(`${name} in ${h.where}`);
      }
    }
    expect(leaks).toEqual([]);

    // Every access token the worker obtained is known to the redaction (logs, provider text) from
    // the moment it arrived: the sandbox keeps plain strings, only the worker wraps them in Secret.
    const redactor = new Redactor();
    for (const t of issuedTokens) expect(redactor.text(`Bearer-less ${t} in an error`)).toBe(`Bearer-less ${REDACTED} in an error`);
  }, 120_000);
});
