/**
 * Bulk refunds: the batch workflow (type `refundBatch`, id `batch-<hash of the normalised rows>`)
 * and its row holders (type `refundBatchRows`). docs/batch-format.md tells the whole design.
 *
 * Why holders: a 10,000-row file does not fit one workflow input (Temporal refuses payloads over
 * ~2 MB), and whatever a workflow carries across continue-as-new must fit its input too. So the
 * client starts one holder per chunk of rows (at most CHUNK_MAX_ROWS and ~512 KiB), each holding
 * its rows as its own input, and then the batch with only the list of holders. The batch never
 * holds rows: each wave's activity reads its rows from the holder (a query) and starts them.
 * The holders wait until the batch ends (or 30 days) and end then.
 *
 * The batch walks the rows in order, one wave (twice `concurrency` rows) at a time, and keeps a cursor; a
 * wave's activity starts its rows through RefundsClient.create (the same start path as the API,
 * activities/batch.ts says why not child workflows), with at most `concurrency` starts at once.
 * Each row's refund id comes from its idempotency key, so a retried wave, a continued-as-new run
 * or a second upload never starts a row twice. Pause and cancel take effect between waves;
 * canceling leaves every refund already started alone.
 */
import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, getExternalWorkflowHandle, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { BatchActivities } from '../activities/batch.js';
import {
  BATCH_CONTINUE_AS_NEW_EVENTS,
  MAX_KEPT_REFUSALS,
  waveRows,
  type BatchAction,
  type BatchActionInput,
  type BatchInput,
  type BatchProgress,
  type BatchRow,
  type BatchState,
  type BatchStatus,
} from '../domain/batch.js';
import { BATCH_ERROR_TYPES, cancelBatchUpdate, getBatchQuery, getBatchRowsQuery, pauseBatchUpdate, releaseBatchRowsSignal, resumeBatchUpdate } from './batch-messages.js';

/** Starting rows is idempotent (ids from the keys): retried until Temporal takes them, for up to a week. */
const { startBatchRows } = proxyActivities<BatchActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  scheduleToCloseTimeout: '7 days',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

function refuse(message: string): never {
  throw ApplicationFailure.create({ type: BATCH_ERROR_TYPES.notAllowed, message, nonRetryable: true });
}

function checkActionInput(input: unknown): void {
  const i = (input ?? {}) as Record<string, unknown>;
  for (const [field, max] of [['operator', 200], ['note', 500]] as const) {
    const v = i[field];
    if (v !== undefined && (typeof v !== 'string' || v.length > max)) {
      throw ApplicationFailure.create({ type: BATCH_ERROR_TYPES.invalidInput, message: `${field} must be text of at most ${max} characters`, nonRetryable: true });
    }
  }
}

export async function refundBatch(input: BatchInput): Promise<BatchState> {
  const now = () => new Date().toISOString();
  const p: BatchProgress = input.progress
    ? { ...input.progress, runs: input.progress.runs + 1 }
    : { status: 'running', cursor: { chunk: 0, offset: 0 }, started: 0, created: 0, existing: 0, refused: 0, refusals: [], skipped: 0, actions: [], startedAt: now(), updatedAt: now(), runs: 1 };
  const state = (): BatchState => {
    const { progress: _p, continueAsNewAfter: _c, chunks, ...meta } = input;
    return { ...meta, ...p, chunks: chunks.length };
  };
  const act = (action: BatchAction['action'], status: BatchStatus, by: BatchActionInput): BatchState => {
    p.status = status;
    p.updatedAt = now();
    p.actions.push({ at: p.updatedAt, action, ...(by?.operator ? { operator: by.operator } : {}), ...(by?.note ? { note: by.note } : {}) });
    if (p.actions.length > 50) p.actions.splice(0, p.actions.length - 50);
    return state();
  };

  setHandler(getBatchQuery, state);
  setHandler(pauseBatchUpdate, (by) => act('pause', 'paused', by), {
    validator: (by) => {
      checkActionInput(by);
      if (p.status !== 'running') refuse(`only a running batch can be paused; this one is ${p.status}`);
    },
  });
  setHandler(resumeBatchUpdate, (by) => act('resume', 'running', by), {
    validator: (by) => {
      checkActionInput(by);
      if (p.status !== 'paused') refuse(`only a paused batch can be resumed; this one is ${p.status}`);
    },
  });
  setHandler(cancelBatchUpdate, (by) => act('cancel', 'canceled', by), {
    validator: (by) => {
      checkActionInput(by);
      if (p.status !== 'running' && p.status !== 'paused') refuse(`the batch is already ${p.status}`);
    },
  });

  const limit = input.continueAsNewAfter ?? BATCH_CONTINUE_AS_NEW_EVENTS;
  const chunks = input.chunks;
  while (p.cursor.chunk < chunks.length) {
    await condition(() => p.status !== 'paused');
    if (p.status === 'canceled') break;
    const info = workflowInfo();
    if (info.historyLength >= limit || info.continueAsNewSuggested) {
      // Updates in flight finish first: their answers belong to this run.
      await condition(allHandlersFinished);
      return continueAsNew<typeof refundBatch>({ ...input, progress: p });
    }
    const chunk = chunks[p.cursor.chunk]!;
    const count = Math.min(waveRows(input.concurrency), chunk.rows - p.cursor.offset);
    const results = await startBatchRows({ batchId: input.batchId, holder: chunk.workflowId, from: p.cursor.offset, count, concurrency: input.concurrency });
    for (const r of results) {
      if (r.outcome === 'skipped') p.skipped += 1;
      else if (r.outcome === 'refused') {
        p.refused += 1;
        if (p.refusals.length < MAX_KEPT_REFUSALS) p.refusals.push({ row: r.row, refundId: r.refundId ?? '', code: r.code ?? 'invalid', message: r.message ?? '' });
      } else {
        p.started += 1;
        if (r.outcome === 'created') p.created += 1;
        else p.existing += 1;
      }
    }
    p.cursor.offset += count;
    if (p.cursor.offset >= chunk.rows) p.cursor = { chunk: p.cursor.chunk + 1, offset: 0 };
    p.updatedAt = now();
  }

  if (p.status !== 'canceled') p.status = 'completed';
  p.finishedAt = now();
  p.updatedAt = p.finishedAt;
  // The holders' rows are no longer needed: they end (a holder already gone is no matter).
  await Promise.all(chunks.map((c) => getExternalWorkflowHandle(c.workflowId).signal(releaseBatchRowsSignal).catch(() => undefined)));
  await condition(allHandlersFinished);
  return state();
}

export interface BatchRowsInput {
  batchId: string;
  index: number;
  rows: BatchRow[];
}

/** How long a holder keeps its rows when its batch never ends them (a batch paused for a month). */
const HOLDER_LIFETIME = '30 days';

/** One chunk of a batch's rows, as its own input; answers the batch's wave activities. */
export async function refundBatchRows(input: BatchRowsInput): Promise<{ rows: number }> {
  let released = false;
  setHandler(getBatchRowsQuery, (from = 0, count = input.rows.length) => input.rows.slice(from, from + count));
  setHandler(releaseBatchRowsSignal, () => {
    released = true;
  });
  await condition(() => released, HOLDER_LIFETIME);
  return { rows: input.rows.length };
}
