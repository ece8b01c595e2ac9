/**
 * Bulk refunds end to end: the batch file over the HTTP API (POST /v1/refund-batches) and the
 * CLI (`refunds bulk ...` spawned for real, its progress in the non-terminal form) -> the run's
 * Temporal dev server -> the batch workflow and its row holders -> one refund per row through
 * RefundsClient.create -> the provider sandbox. Counts by status come from visibility
 * (RefundBatchId); results are read back as CSV.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type RunningApiServer } from '../../client/api/server.js';
import { BatchesClient } from '../../client/batches.js';
import { MAX_BATCH_ROWS } from '../../domain/batch.js';
import { CLI_BIN, runCli, runWithStack, type CliRun } from '../helpers/cli.js';
import { eventually, startStack, uniqueKey, type Stack } from '../helpers/stack.js';

const SERVICE = 'bulk-service-key-0123456789abcdef';
const OPERATOR = 'bulk-operator-key-0123456789abcdef';

let s: Stack;
let api: RunningApiServer;
let batches: BatchesClient;

beforeAll(async () => {
  s = await startStack();
  api = await startApiServer({ port: 0, refunds: s.refunds, keys: [{ name: 'svc', role: 'service', key: SERVICE }, { name: 'ops', role: 'operator', key: OPERATOR }], rateLimit: false });
  batches = new BatchesClient(s.refunds);
});
afterAll(async () => {
  await api?.close();
  await s?.stop();
});

/** n Reservepay payments of THB 100.00 in the sandbox; their ids. */
async function payments(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await s.admin('POST', '/payments', { provider: 'reservepay', amount: 10_000, currency: 'THB' })).id as string);
  return ids;
}

const csvOf = (ids: string[], tag: string) => ['provider,payment.paymentId,amount,currency,reason', ...ids.map((id) => `reservepay,${id},2500,THB,${tag}`)].join('\n') + '\n';

async function post(path: string, body: string, opts: { type?: string; key?: string } = {}) {
  const res = await fetch(`${api.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${opts.key ?? SERVICE}`, 'content-type': opts.type ?? 'text/csv' }, body });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

async function get(path: string, key = SERVICE) {
  return fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
}

async function sandboxRefunds(paymentId: string): Promise<unknown[]> {
  return (await s.admin('GET', `/refunds?provider=reservepay&paymentId=${encodeURIComponent(paymentId)}`)).refunds as unknown[];
}

/** The batch, once it has ended and visibility counts all its refunds final. */
async function settled(batchId: string) {
  return eventually(async () => {
    const v = await batches.get(batchId);
    return v.finishedAt !== undefined && v.final >= v.created ? v : undefined;
  }, 60_000);
}

const cli = (args: string[]): Promise<CliRun> => runCli(s, args);
const spawnRun = (command: string, args: string[]): Promise<CliRun> => runWithStack(s, command, args);

describe('bulk refunds through the API', () => {
  it('starts one refund per row, reports them by status, returns the results as CSV, and finds the same batch for the same file', async () => {
    const ids = await payments(12);
    const file = csvOf(ids, uniqueKey('api'));
    const created = await post('/v1/refund-batches?concurrency=4&name=recall.csv', file);
    expect(created.status).toBe(201);
    expect(created.headers.get('idempotent-replayed')).toBe('false');
    const batchId = created.body.batchId as string;
    expect(created.headers.get('location')).toBe(`/v1/refund-batches/${batchId}`);
    expect(created.body).toMatchObject({ status: 'running', totalRows: 12, validRows: 12, concurrency: 4, createdBy: 'svc', source: { name: 'recall.csv', format: 'csv' }, invalidRows: [] });

    const view = await settled(batchId);
    expect(view).toMatchObject({ status: 'completed', started: 12, created: 12, existing: 0, refunds: { approved: 12 }, final: 12 });
    const shown = (await (await get(`/v1/refund-batches/${batchId}`)).json()) as Record<string, unknown>;
    expect(shown).toMatchObject({ batchId, status: 'completed', refunds: { approved: 12 } });

    const res = await get(`/v1/refund-batches/${batchId}/results`);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = parseCsv(await res.text(), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(12);
    expect(rows[0]).toEqual({ row: '1', refund_id: `refund-${batchId}-r1`, status: 'approved', provider_code: expect.any(String), provider_message: expect.any(String), note: '' });
    expect(rows.map((r) => r.status)).toEqual(Array(12).fill('approved'));

    // The same file again: the same batch, nothing new at the provider.
    const again = await post('/v1/refund-batches', file);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toMatchObject({ batchId, status: 'completed', started: 12 });
    for (const id of ids) expect(await sandboxRefunds(id)).toHaveLength(1);
  });

  it('starts nothing when a row is bad, reports every bad row by number, and starts the good ones only when asked', async () => {
    const ids = await payments(3);
    const tag = uniqueKey('bad');
    const file = ['provider,payment.paymentId,amount,currency,reason', `reservepay,${ids[0]},2500,THB,${tag}`, `reservepay,${ids[1]},2500,EUR,${tag}`, `reservepay,${ids[2]},25.00,THB,${tag}`, `reservepay,${ids[0]},2500,THB,${tag}`].join('\n');
    const dry = await post('/v1/refund-batches?dryRun=true', file);
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, rows: 4, valid: 1 });
    const refused = await post('/v1/refund-batches', file);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error: {
        type: 'invalid_rows',
        message: '3 of 4 rows are invalid (nothing was started)',
        fields: [
          { path: 'rows[2]', message: expect.stringMatching(/^line 3: currency: Reservepay refunds are in THB, not EUR/) },
          { path: 'rows[3]', message: expect.stringMatching(/^line 4: amount: /) },
          { path: 'rows[4]', message: 'line 5: the same refund as row 1 (every field equal); give each row its own idempotencyKey if both are meant' },
        ],
      },
    });
    const batchId = dry.body.batchId as string;
    expect((await get(`/v1/refund-batches/${batchId}`)).status).toBe(404);
    for (const id of ids) expect(await sandboxRefunds(id)).toHaveLength(0);

    const partial = await post('/v1/refund-batches?allowPartial=true', file);
    expect(partial.status).toBe(201);
    expect(partial.body).toMatchObject({ batchId, validRows: 1, invalidRows: [{ row: 2 }, { row: 3 }, { row: 4 }] });
    const view = await settled(batchId);
    expect(view).toMatchObject({ started: 1, skipped: 3, refunds: { approved: 1 } });
    const results = parseCsv(await (await get(`/v1/refund-batches/${batchId}/results`)).text(), { columns: true }) as Record<string, string>[];
    expect(results.map((r) => [r.row, r.status])).toEqual([['1', 'approved'], ['2', 'invalid'], ['3', 'invalid'], ['4', 'invalid']]);
  });

  it('takes a row whose key another refund has as existing when it is the same request, refused when it is not', async () => {
    const [a, b] = await payments(2);
    const tag = uniqueKey('keyed');
    await s.refunds.create({ idempotencyKey: `${tag}-a`, provider: 'reservepay', payment: { paymentId: a }, amount: 2500, currency: 'THB' });
    await s.refunds.create({ idempotencyKey: `${tag}-b`, provider: 'reservepay', payment: { paymentId: b }, amount: 1000, currency: 'THB' });
    const file = ['provider,payment.paymentId,amount,currency,idempotencyKey', `reservepay,${a},2500,THB,${tag}-a`, `reservepay,${b},2500,THB,${tag}-b`].join('\n');
    const created = await post('/v1/refund-batches', file);
    expect(created.status).toBe(201);
    const view = await settled(created.body.batchId as string);
    expect(view).toMatchObject({ started: 1, created: 0, existing: 1, refused: 1, refusals: [{ row: 2, refundId: `refund-${tag}-b`, code: 'conflict', message: expect.stringMatching(/differs in amount/) }] });
    const results = parseCsv(await (await get(`/v1/refund-batches/${view.batchId}/results`)).text(), { columns: true }) as Record<string, string>[];
    expect(results.map((r) => [r.row, r.refund_id, r.status])).toEqual([['1', `refund-${tag}-a`, 'approved'], ['2', `refund-${tag}-b`, 'refused']]);
    for (const id of [a!, b!]) expect(await sandboxRefunds(id)).toHaveLength(1);
  });

  it('refuses what is not a batch: a JSON body, too many rows, a bad option, a service key pausing', async () => {
    expect((await post('/v1/refund-batches', '{"rows":[]}', { type: 'application/json' })).body).toMatchObject({ error: { type: 'unsupported_media_type' } });
    const many = ['provider,payment.paymentId,amount,currency', ...Array.from({ length: MAX_BATCH_ROWS + 1 }, (_, i) => `reservepay,p${i},1,THB`)].join('\n');
    const big = await post('/v1/refund-batches', many);
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ error: { type: 'payload_too_large', message: expect.stringMatching(/at most 50000 rows/) } });
    expect((await post('/v1/refund-batches?concurrency=500', 'provider\nx')).status).toBe(400);
    const listed = await get('/v1/refund-batches');
    expect([listed.status, listed.headers.get('allow')]).toEqual([405, 'POST']);
    const paused = await post('/v1/refund-batches/batch-0123456789abcdef01234567/pause', '{}', { type: 'application/json' });
    expect(paused.status).toBe(403);
    expect((await post('/v1/refund-batches/batch-0123456789abcdef01234567/pause', '{}', { type: 'application/json', key: OPERATOR })).status).toBe(404);
  });

  it('pauses and cancels: the refunds already started go on, the rest are never started', async () => {
    const ids = await payments(150);
    const created = await post('/v1/refund-batches?concurrency=1', csvOf(ids, uniqueKey('cancel')));
    const batchId = created.body.batchId as string;
    const paused = await post(`/v1/refund-batches/${batchId}/pause`, '{"note":"checking the file"}', { type: 'application/json', key: OPERATOR });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ status: 'paused', actions: [{ action: 'pause', operator: 'ops', note: 'checking the file' }] });
    const canceled = await post(`/v1/refund-batches/${batchId}/cancel`, '{}', { type: 'application/json', key: OPERATOR });
    expect(canceled.body).toMatchObject({ status: 'canceled' });
    const view = await settled(batchId);
    // The wave in flight when the pause came (2 rows at concurrency 1) finished; nothing after it started.
    expect(view.status).toBe('canceled');
    expect(view.started).toBeGreaterThan(0);
    expect(view.started).toBeLessThan(150);
    expect(view.refunds).toEqual({ approved: view.started });
    const atProvider = await Promise.all(ids.map(async (id) => (await sandboxRefunds(id)).length));
    expect(atProvider).toEqual(ids.map((_, i) => (i < view.started ? 1 : 0)));
    const results = parseCsv(await (await get(`/v1/refund-batches/${batchId}/results`)).text(), { columns: true }) as Record<string, string>[];
    expect(results.filter((r) => r.status === 'not_started')).toHaveLength(150 - view.started);
    const again = await post(`/v1/refund-batches/${batchId}/resume`, '{}', { type: 'application/json', key: OPERATOR });
    expect(again.status).toBe(409);
  });
});

describe('bulk refunds through the CLI', () => {
  it('creates from a JSONL file and follows it with plain progress lines, then status, results and a refused action', async () => {
    const ids = await payments(5);
    const tag = uniqueKey('cli');
    const path = join(tmpdir(), `${tag}.jsonl`);
    writeFileSync(path, ids.map((id) => JSON.stringify({ provider: 'reservepay', payment: { paymentId: id }, amount: 1000, currency: 'THB', reason: tag })).join('\n'));
    const run = await cli(['bulk', 'create', path, '--concurrency', '2']);
    expect(run.code).toBe(0);
    const batchId = /created (batch-[0-9a-f]{24}): 5 rows to start \(concurrency 2\)/.exec(run.stderr)?.[1];
    expect(batchId).toBeDefined();
    expect(run.stderr).toContain(`following ${batchId} (Ctrl-C stops following, not the batch`);
    // Non-terminal: plain lines, no escape codes; the last one is final.
    expect(run.stderr).not.toContain('\x1b');
    expect(run.stderr.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^${batchId} completed: started 5/5, final 5 \\(approved 5\\)`));
    expect(run.stdout).toContain(`batch ${batchId} completed: 5 rows, 5 started (5 by this batch, 0 already existed), 0 invalid, 0 refused`);

    const status = await cli(['bulk', 'status', batchId!, '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ batchId, status: 'completed', refunds: { approved: 5 } });
    const results = await cli(['bulk', 'results', batchId!]);
    expect(results.stdout.split('\n')[0]).toBe('row,refund_id,status,provider_code,provider_message,note');
    expect(results.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(',')[2])).toEqual(Array(5).fill('approved'));
    const pause = await cli(['bulk', 'pause', batchId!]);
    expect(pause.code).toBe(3);
    expect(pause.stderr).toContain('the batch is already completed');
    const again = await cli(['bulk', 'create', path, '--detach']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`already exists: ${batchId}`);
    const missing = await cli(['bulk', 'status', 'batch-000000000000000000000000']);
    expect(missing.code).toBe(4);

    // On a terminal (a pseudo-terminal from util-linux `script`): the bar, drawn in place.
    const tty = await spawnRun('script', ['-q', '-e', '-c', `${process.execPath} ${CLI_BIN} bulk status ${batchId}`, '/dev/null']);
    expect(tty.code).toBe(0);
    expect(tty.stdout).toContain(`\r\x1b[K[${'█'.repeat(24)}] COMPLETED started 5/5 · final 5 (approved 5)`);
  });
});
