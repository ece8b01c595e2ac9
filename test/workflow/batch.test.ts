/**
 * The batch workflow (workflows/batch.ts) on the time-skipping server, created through
 * BatchesClient from a parsed file, with the real wave activity (activities/batch.ts: it reads
 * its rows from the holder) and a row starter that records each start instead of starting a
 * refund (the real start path runs in test/integration/bulk.test.ts). The starter is idempotent
 * by key, as a refund's workflow id is: a second start of a key answers "not created, this row's own".
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchActivities, type RowStarter } from '../../activities/batch.js';
import { parseBatchFile } from '../../client/batch-file.js';
import { BatchActionRejectedError, BatchesClient } from '../../client/batches.js';
import { RefundConflictError } from '../../client/errors.js';
import { RefundsClient } from '../../client/refunds-client.js';
import type { BatchState } from '../../domain/batch.js';
import { createTimeSkippingEnv, gate, plainClient, waitFor, workflowBundle } from '../helpers/time-skipping.js';

interface Fake {
  /** Calls per idempotency key. */
  calls: Map<string, number>;
  created: Set<string>;
  /** Row numbers in the order they were started. */
  rows: number[];
  /** Called before each start; may hold it (a gate) or throw. */
  before?: (row: number, key: string) => Promise<void> | void;
}

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let batches: BatchesClient;
const fakes = new Map<string, Fake>();

const starter: RowStarter = async (request, batch) => {
  const fake = fakes.get(batch.id)!;
  await fake.before?.(batch.row, request.idempotencyKey);
  fake.calls.set(request.idempotencyKey, (fake.calls.get(request.idempotencyKey) ?? 0) + 1);
  fake.rows.push(batch.row);
  if (fake.created.has(request.idempotencyKey)) return { created: false, sameRow: true };
  fake.created.add(request.idempotencyKey);
  return { created: true };
};

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  const taskQueue = `batch-${randomUUID()}`;
  worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createBatchActivities({ startRow: starter }),
  });
  running = worker.run();
  batches = new BatchesClient(new RefundsClient(plainClient(env), taskQueue));
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

/** A CSV of n SecPaid rows (payIds 1..n) whose reason names the test, so each test has its own batch. */
function csv(n: number, tag: string, extra: string[] = []): string {
  return ['provider,payment.payId,amount,currency,reason', ...Array.from({ length: n }, (_, i) => `secpaid,${i + 1},100,EUR,${tag}`), ...extra].join('\n');
}

async function start(text: string, opts: Parameters<BatchesClient['create']>[1] = {}, before?: Fake['before']) {
  const parsed = parseBatchFile(text);
  const fake: Fake = { calls: new Map(), created: new Set(), rows: [], ...(before ? { before } : {}) };
  fakes.set(parsed.batchId, fake);
  const { batch, created } = await batches.create(parsed, { concurrency: 5, ...opts });
  expect(created).toBe(true);
  const handle = plainClient(env).workflow.getHandle(parsed.batchId);
  return { parsed, fake, batch, handle, result: () => handle.result() as Promise<BatchState> };
}

function startedOnce(fake: Fake, n: number): void {
  expect(fake.created.size).toBe(n);
  expect([...fake.calls.values()].every((c) => c === 1)).toBe(true);
}

describe('a batch', () => {
  it('starts every valid row once, in order, passes over invalid rows (allow-partial) and ends its holders', async () => {
    const { fake, result, parsed } = await start(csv(230, 'all', ['secpaid,1,100,USD,all']), { allowPartial: true });
    const state = await result();
    expect(state).toMatchObject({ status: 'completed', totalRows: 231, validRows: 230, started: 230, created: 230, existing: 0, refused: 0, skipped: 1, runs: 1, chunks: 1 });
    startedOnce(fake, 230);
    expect([...fake.rows].sort((a, b) => a - b)).toEqual(Array.from({ length: 230 }, (_, i) => i + 1));
    // The holder ended when the batch did: its rows are kept by its history only.
    const holder = await plainClient(env).workflow.getHandle(`${parsed.batchId}-rows-0`).describe();
    expect(holder.status.name).toBe('COMPLETED');
    // The same rows again find the same batch.
    const again = await batches.create(parseBatchFile(csv(230, 'all', ['secpaid,1,100,USD,all'])), { allowPartial: true });
    expect(again).toMatchObject({ created: false, batch: { batchId: parsed.batchId, status: 'completed', started: 230 } });
  });

  it('pauses after the wave in flight, starts nothing while paused, and resumes where it stopped', async () => {
    const held = gate();
    const { fake, handle, parsed, result } = await start(csv(250, 'pause'), {}, (row) => (row === 150 ? held.promise : undefined));
    await waitFor(() => fake.rows.length >= 140, 'the second wave');
    const paused = await batches.pause(parsed.batchId, { operator: 'ops@example.com', note: 'provider incident' });
    expect(paused.status).toBe('paused');
    await expect(batches.pause(parsed.batchId)).rejects.toThrow(BatchActionRejectedError);
    held.open();
    // The wave in flight (rows 141-150: twice the concurrency) finishes; then nothing is in flight and nothing more starts.
    let state: BatchState;
    for (;;) {
      state = await batches.state(parsed.batchId);
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      if (state.started === 150 && pending.length === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(state).toMatchObject({ status: 'paused', started: 150, cursor: { chunk: 0, offset: 150 } });
    expect(fake.created.size).toBe(150);
    expect(state.actions).toEqual([expect.objectContaining({ action: 'pause', operator: 'ops@example.com', note: 'provider incident' })]);
    const resumed = await batches.resume(parsed.batchId, { operator: 'ops@example.com' });
    expect(resumed.status).toBe('running');
    const done = await result();
    expect(done).toMatchObject({ status: 'completed', started: 250 });
    startedOnce(fake, 250);
  });

  it('cancels: the rows already started stay started, no further row starts, and it cannot be resumed', async () => {
    const held = gate();
    const { fake, parsed, result } = await start(csv(250, 'cancel'), {}, (row) => (row === 120 ? held.promise : undefined));
    await waitFor(() => fake.rows.length >= 115, 'the second wave');
    const canceled = await batches.cancel(parsed.batchId, { note: 'wrong file' });
    expect(canceled.status).toBe('canceled');
    held.open();
    const state = await result();
    expect(state).toMatchObject({ status: 'canceled', started: 120, created: 120 });
    expect(state.finishedAt).toBeDefined();
    startedOnce(fake, 120);
    expect(Math.max(...fake.rows)).toBe(120);
    await expect(batches.resume(parsed.batchId)).rejects.toThrow(/already canceled/);
  });

  it('continues as new past its event threshold without starting a row twice; a retried wave counts its rows once', async () => {
    let failedOnce = false;
    const { fake, handle, result } = await start(csv(450, 'can'), { continueAsNewAfter: 12 }, (row) => {
      if (row === 330 && !failedOnce) {
        failedOnce = true;
        throw new Error('Temporal unreachable (a test fault): the wave is retried');
      }
    });
    const state = await result();
    expect(state.runs).toBeGreaterThanOrEqual(3);
    expect(state).toMatchObject({ status: 'completed', started: 450, refused: 0 });
    // Every key created once; the retried wave (rows 321-330) met the rows its first attempt had
    // started again: they are still the batch's own, counted once.
    expect(fake.created.size).toBe(450);
    expect([...fake.calls.values()].filter((c) => c === 2).length).toBeGreaterThan(0);
    expect([...fake.calls.values()].every((c) => c <= 2)).toBe(true);
    expect(state).toMatchObject({ created: 450, existing: 0 });
    // The run that ended is not the first: the history was cut.
    const last = await handle.describe();
    expect(last.historyLength).toBeLessThan(40);
  });

  it('keeps a row whose key belongs to another request as refused, and goes on', async () => {
    const { result } = await start(csv(30, 'conflict'), {}, (row, key) => {
      if (row === 7) throw new RefundConflictError(`refund-${key}`, ['amount']);
    });
    const state = await result();
    expect(state).toMatchObject({ status: 'completed', started: 29, refused: 1 });
    expect(state.refusals).toEqual([{ row: 7, refundId: expect.stringMatching(/-r7$/), code: 'conflict', message: expect.stringMatching(/differs in amount/) }]);
  });
});
