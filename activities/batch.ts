/**
 * The batch workflow's one activity (workflows/batch.ts): start a wave of rows.
 *
 * Why an activity calling RefundsClient.create rather than child workflows: the refund is then
 * started exactly as the HTTP API, the CLI and Nexus start it (client/refund-start.ts): the same
 * validation, search attributes, memo and summary; the same idempotency (workflow id from the
 * key, REJECT_DUPLICATE) with the same answer to a key already used for another request
 * (RefundConflictError, kept as the row's refusal). The refund is a top-level workflow: it
 * outlives the batch, its continue-as-new and its cancellation without a parent close policy,
 * and it costs the batch's history nothing per row (a child costs 3+ events each, plus its
 * result). A wave retried after a lost answer finds its rows' refunds already there ("existing").
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { mapLimit } from '../client/batches.js';
import { RefundConflictError } from '../client/errors.js';
import { RefundsClient } from '../client/refunds-client.js';
import type { BatchRow, RowStart, StartBatchRowsInput } from '../domain/batch.js';
import { RefundRequestError, refundIdFor, type RefundRequest } from '../domain/refund.js';
import { getBatchRowsQuery } from '../workflows/batch-messages.js';

/**
 * Starts one row's refund; answers whether this call created it, and, when it did not, whether
 * the refund there is this batch row's own (a retried wave meets the rows its first attempt started).
 */
export type RowStarter = (request: RefundRequest, batch: { id: string; row: number }) => Promise<{ created: boolean; sameRow?: boolean }>;

export interface BatchActivityDeps {
  /** How a row's refund is started (default: RefundsClient.create on the worker's client and task queue). */
  startRow?: RowStarter;
}

function defaultStarter(client: Client, taskQueue: string): RowStarter {
  const refunds = new RefundsClient(client, taskQueue);
  return async (request, batch) => {
    const { created, refund } = await refunds.create(request, { batch });
    if (created) return { created };
    // Its memo says which batch row started it (client/refund-start.ts).
    const memo = (await client.workflow.getHandle(refund.refundId).describe()).memo as { batch?: { id?: string; row?: number } } | undefined;
    return { created, sameRow: memo?.batch?.id === batch.id && memo.batch.row === batch.row };
  };
}

export function createBatchActivities(deps: BatchActivityDeps = {}) {
  return {
    async startBatchRows(input: StartBatchRowsInput): Promise<RowStart[]> {
      const ctx = Context.current();
      const client = ctx.client;
      const rows: BatchRow[] = await client.workflow.getHandle(input.holder).query(getBatchRowsQuery, input.from, input.count);
      const start = deps.startRow ?? defaultStarter(client, ctx.info.taskQueue);
      let done = 0;
      return mapLimit(rows, input.concurrency, async (r): Promise<RowStart> => {
        if (!r.request) return { row: r.row, outcome: 'skipped' };
        const refundId = refundIdFor(r.request.idempotencyKey);
        try {
          const { created, sameRow } = await start(r.request, { id: input.batchId, row: r.row });
          // A row this batch had started already (a retried wave) counts as the batch's own, once.
          return { row: r.row, refundId, outcome: created || sameRow ? 'created' : 'existing' };
        } catch (err) {
          // What a retry cannot change is the row's answer; anything else (Temporal away) retries the wave.
          if (err instanceof RefundConflictError) return { row: r.row, refundId, outcome: 'refused', code: 'conflict', message: err.message };
          if (err instanceof RefundRequestError) return { row: r.row, refundId, outcome: 'refused', code: 'invalid', message: err.message };
          throw err;
        } finally {
          ctx.heartbeat(++done);
        }
      });
    },
  };
}

export type BatchActivities = ReturnType<typeof createBatchActivities>;
