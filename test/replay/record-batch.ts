/**
 * Records the bulk batch's paths (workflows/batch.ts: `refundBatch`, `refundBatchRows`) into
 * test/replay/histories/batch/, on the time-skipping server, created through BatchesClient with the
 * real wave activity and a recording row starter (as test/workflow/batch.test.ts). The replay test
 * replays every history of the corpus on the current code; test/replay/batch-corpus.test.ts keeps
 * these paths required. Record from committed code: `npx tsx test/replay/record-batch.ts [--out DIR]`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createBatchActivities, type RowStarter } from '../../activities/batch.js';
import { parseBatchFile } from '../../client/batch-file.js';
import { BatchesClient } from '../../client/batches.js';
import { RefundConflictError } from '../../client/errors.js';
import { RefundsClient } from '../../client/refunds-client.js';
import { createTimeSkippingEnv, gate, plainClient, waitFor, workflowBundle } from '../helpers/time-skipping.js';
import { HISTORIES_DIR, historyFromProtoJSON, historyToProtoJSON, type HistoryMeta } from './corpus.js';

const outIndex = process.argv.indexOf('--out');
const DIR = join(outIndex > 0 ? process.argv[outIndex + 1]! : HISTORIES_DIR, 'batch');
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
const dirty = spawnSync('git', ['status', '--porcelain', '--', 'workflows/batch.ts', 'workflows/batch-messages.ts', 'domain/batch.ts'], { encoding: 'utf8' }).stdout.trim();

const env = await createTimeSkippingEnv();
const taskQueue = 'replay-batch';
const before = new Map<string, (row: number, key: string) => Promise<void> | void>();
const seen = new Set<string>();
const starter: RowStarter = async (request, batch) => {
  await before.get(batch.id)?.(batch.row, request.idempotencyKey);
  if (seen.has(request.idempotencyKey)) return { created: false };
  seen.add(request.idempotencyKey);
  return { created: true };
};
const worker = await Worker.create({ connection: env.nativeConnection, namespace: 'default', taskQueue, workflowBundle: await workflowBundle(), activities: createBatchActivities({ startRow: starter }) });
const running = worker.run();
const client = plainClient(env);
const batches = new BatchesClient(new RefundsClient(client, taskQueue));

const csv = (n: number, tag: string, extra: string[] = []) => ['provider,payment.payId,amount,currency,reason', ...Array.from({ length: n }, (_, i) => `secpaid,${i + 1},100,EUR,${tag}`), ...extra].join('\n');

async function start(text: string, opts: Parameters<BatchesClient['create']>[1], hook?: (row: number, key: string) => Promise<void> | void) {
  const parsed = parseBatchFile(text);
  if (hook) before.set(parsed.batchId, hook);
  await batches.create(parsed, { concurrency: 5, ...opts });
  return { id: parsed.batchId, handle: client.workflow.getHandle(parsed.batchId) };
}

async function write(name: string, description: string, handle: WorkflowHandle): Promise<void> {
  const history = await handle.fetchHistory();
  const json = historyToProtoJSON(history);
  const loaded = historyFromProtoJSON(JSON.parse(json));
  const started = loaded.events![0]!.workflowExecutionStartedEventAttributes!;
  const desc = await handle.describe();
  const meta: HistoryMeta = {
    scenario: name,
    description,
    workflowId: handle.workflowId,
    runId: desc.runId,
    workflowType: started.workflowType!.name!,
    taskQueue,
    executionStatus: desc.status.name,
    eventCount: loaded.events!.length,
    recordedAt: new Date().toISOString(),
    recordedOn: 'time-skipping test server',
    workflowCode: `workflows/batch.ts (registered through workflows/index.ts) at ${commit}${dirty ? ' WITH UNCOMMITTED CHANGES' : ''}`,
  };
  mkdirSync(DIR, { recursive: true });
  writeFileSync(join(DIR, `${name}.json`), `${json}\n`);
  writeFileSync(join(DIR, `${name}.meta.json`), `${JSON.stringify(meta, null, 2)}\n`);
  console.log(`recorded batch/${name} (${meta.eventCount} events)`);
}

try {
  // Every row started, one invalid row passed over (allow-partial), one refused (its key taken); the holder released.
  {
    const { id, handle } = await start(csv(25, 'completed', ['secpaid,1,100,USD,completed']), { allowPartial: true }, (row, key) => {
      if (row === 7) throw new RefundConflictError(`refund-${key}`, ['amount']);
    });
    await handle.result();
    await write('batch-completed', 'every row started in waves of 10, an invalid row skipped, a refused row kept; the holder released', handle);
    await write('batch-completed-holder', 'the row holder of batch-completed: answers the waves\' queries, ends on the release signal', client.workflow.getHandle(`${id}-rows-0`));
  }
  // Paused after the wave in flight, resumed.
  {
    const held = gate();
    let reached = false;
    const { id, handle } = await start(csv(40, 'paused'), {}, async (row) => {
      if (row === 20) {
        reached = true;
        await held.promise;
      }
    });
    await waitFor(() => reached, 'row 20');
    await batches.pause(id, { operator: 'ops@example.com', note: 'checking the file' });
    held.open();
    await waitFor(() => true, 'noop');
    for (;;) {
      const s = await batches.state(id);
      if (s.started === 20 && ((await handle.describe()).raw.pendingActivities ?? []).length === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await batches.resume(id, { operator: 'ops@example.com' });
    await handle.result();
    await write('batch-paused-resumed', 'paused while a wave was in flight, the wave finished, resumed, completed', handle);
  }
  // Canceled while a wave was in flight: that wave finished, nothing after it.
  {
    const held = gate();
    let reached = false;
    const { id, handle } = await start(csv(40, 'canceled'), {}, async (row) => {
      if (row === 15) {
        reached = true;
        await held.promise;
      }
    });
    await waitFor(() => reached, 'row 15');
    await batches.cancel(id, { note: 'wrong file' });
    held.open();
    await handle.result();
    await write('batch-canceled', 'canceled while a wave was in flight: it finished, no further row started', handle);
  }
  // Continue-as-new past a small threshold, and a wave retried after a failure: first run and last run.
  {
    let failed = false;
    const { id, handle } = await start(csv(60, 'can'), { continueAsNewAfter: 12 }, (row) => {
      if (row === 25 && !failed) {
        failed = true;
        throw new Error('Temporal unreachable (a recorded fault): the wave is retried');
      }
    });
    await handle.result();
    const first = (await handle.describe()).raw.workflowExecutionInfo?.firstRunId;
    if (first) await write('batch-continued-as-new-first-run', 'the first run: waves until the threshold, then continue-as-new with the cursor', client.workflow.getHandle(id, first));
    await write('batch-continued-as-new-last-run', 'the last run of a batch continued as new (a wave retried after a failure on the way), completed', handle);
  }
} finally {
  worker.shutdown();
  await running;
  await env.teardown();
}
