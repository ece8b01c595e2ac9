/**
 * Bulk refund batches for every way in (HTTP API, CLI): create one from a validated file
 * (client/batch-file.ts), read its progress, pause / resume / cancel it, and list each row's
 * result. The batch itself runs in the worker (workflows/batch.ts) and needs none of this to go
 * on: the CLI may exit at any time.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { stringify } from 'csv-stringify/sync';
import {
  BATCH_WORKFLOW_TYPES,
  DEFAULT_BATCH_CONCURRENCY,
  MAX_BATCH_CONCURRENCY,
  rowsHolderId,
  type BatchActionInput,
  type BatchInput,
  type BatchRow,
  type BatchState,
  type StatusCounts,
} from '../domain/batch.js';
import { accountOf } from '../domain/accounts.js';
import { refundIdFor } from '../domain/refund.js';
import { FINAL_STATUSES, REFUND_STATUSES, type RefundStatus } from '../domain/status.js';
import { BATCH_ERROR_TYPES, cancelBatchUpdate, getBatchQuery, getBatchRowsQuery, pauseBatchUpdate, resumeBatchUpdate } from '../workflows/batch-messages.js';
import type { BatchRowsInput } from '../workflows/batch.js';
import { chunkRows, type ParsedBatch } from './batch-file.js';
import { RefundNotFoundError } from './errors.js';
import type { RefundsClient } from './refunds-client.js';

export class BatchNotFoundError extends Error {
  override readonly name = 'BatchNotFound';
  constructor(readonly batchId: string) {
    super(`batch ${batchId} not found`);
  }
}

/** Rows are invalid and a partial batch was not asked for: nothing was started. */
export class BatchRowsError extends Error {
  override readonly name = 'BatchRowsError';
  constructor(
    readonly batchId: string,
    readonly invalid: BatchRow[],
    readonly totalRows: number,
    message = `${invalid.length} of ${totalRows} rows are invalid (nothing was started)`,
  ) {
    super(message);
  }
}

/** The batch refused a pause, resume or cancel (its status does not allow it, or bad input). */
export class BatchActionRejectedError extends Error {
  override readonly name = 'BatchActionRejected';
  constructor(
    readonly batchId: string,
    readonly action: string,
    readonly reason: string,
    readonly kind: 'not_allowed' | 'invalid_input',
  ) {
    super(`${action} refused for batch ${batchId}: ${reason}`);
  }
}

export interface CreateBatchOptions {
  /** Start the valid rows although some are invalid (the invalid ones are reported and never started). */
  allowPartial?: boolean;
  concurrency?: number;
  createdBy?: string;
  sourceName?: string;
  /** Continue as new past this many history events (tests; default BATCH_CONTINUE_AS_NEW_EVENTS). */
  continueAsNewAfter?: number;
}

export interface BatchView extends BatchState {
  /** The batch's refunds by current status (visibility, RefundBatchId: eventually consistent, about a second behind). */
  refunds: StatusCounts;
  /** How many of them are final. */
  final: number;
}

/** One row of the results CSV. */
export interface BatchResultRow {
  row: number;
  refundId: string;
  /** A refund status, or invalid (never started: the file's row), refused (its start was refused), not_started (the batch has not reached it, or was canceled first). */
  status: RefundStatus | 'invalid' | 'refused' | 'not_started';
  providerCode: string;
  providerMessage: string;
  note: string;
}

/** The results as CSV (RFC 4180, a header line): row, refund_id, status, provider_code, provider_message, note. */
export function resultsCsv(rows: BatchResultRow[]): string {
  return stringify(
    rows.map((r) => [r.row, r.refundId, r.status, r.providerCode, r.providerMessage, r.note]),
    { header: true, columns: ['row', 'refund_id', 'status', 'provider_code', 'provider_message', 'note'] },
  );
}

/** Run `fn` over `items` with at most `limit` calls at once, keeping the order of the results. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return out;
}

const BATCH_ID = /^batch-[0-9a-f]{24}$/;

export class BatchesClient {
  constructor(private readonly refunds: RefundsClient) {}

  private get client(): Client {
    return this.refunds.client;
  }

  /** The batch's state, or BatchNotFoundError (also for an id that is not a batch). */
  async state(batchId: string): Promise<BatchState> {
    if (!BATCH_ID.test(batchId)) throw new BatchNotFoundError(batchId);
    const handle = this.client.workflow.getHandle(batchId);
    try {
      const desc = await handle.describe();
      if (desc.type !== BATCH_WORKFLOW_TYPES.batch) throw new BatchNotFoundError(batchId);
      if (desc.status.name === 'COMPLETED') return (await handle.result()) as BatchState;
      return await handle.query(getBatchQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new BatchNotFoundError(batchId);
      throw err;
    }
  }

  /**
   * Start the batch of a parsed file, or find the one these rows started before (created: false).
   * Invalid rows without allowPartial throw BatchRowsError and start nothing.
   */
  async create(parsed: ParsedBatch, opts: CreateBatchOptions = {}): Promise<{ batch: BatchState; created: boolean }> {
    const valid = parsed.rows.length - parsed.invalid.length;
    if (parsed.invalid.length > 0 && !opts.allowPartial) throw new BatchRowsError(parsed.batchId, parsed.invalid, parsed.rows.length);
    if (valid === 0) throw new BatchRowsError(parsed.batchId, parsed.invalid, parsed.rows.length, `none of the ${parsed.rows.length} rows is valid (nothing was started)`);
    const concurrency = opts.concurrency ?? DEFAULT_BATCH_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_BATCH_CONCURRENCY) throw new RangeError(`concurrency must be an integer from 1 to ${MAX_BATCH_CONCURRENCY}`);
    try {
      return { batch: await this.state(parsed.batchId), created: false };
    } catch (err) {
      if (!(err instanceof BatchNotFoundError)) throw err;
    }
    const chunks = chunkRows(parsed.batchId, parsed.rows);
    const taskQueue = this.refunds.taskQueue;
    // The holders first (a repeat after a crash finds them: same ids, same rows), then the batch.
    await mapLimit(chunks, 4, (c, index) =>
      this.client.workflow
        .start(BATCH_WORKFLOW_TYPES.rows, {
          taskQueue,
          workflowId: c.ref.workflowId,
          args: [{ batchId: parsed.batchId, index, rows: c.rows } satisfies BatchRowsInput],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          staticSummary: `Rows ${c.ref.firstRow}-${c.ref.firstRow + c.ref.rows - 1} of ${parsed.batchId}`,
        })
        .then(() => undefined),
    );
    const input: BatchInput = {
      batchId: parsed.batchId,
      chunks: chunks.map((c) => c.ref),
      totalRows: parsed.rows.length,
      validRows: valid,
      concurrency,
      createdAt: new Date().toISOString(),
      ...(opts.createdBy ? { createdBy: opts.createdBy } : {}),
      ...(opts.sourceName ? { source: { name: opts.sourceName, format: parsed.format, sha256: parsed.sha256 } } : {}),
      ...(opts.continueAsNewAfter ? { continueAsNewAfter: opts.continueAsNewAfter } : {}),
      accounts: [...new Set(parsed.rows.flatMap((r) => (r.request ? [accountOf(r.request)] : [])))].sort(),
    };
    try {
      await this.client.workflow.start(BATCH_WORKFLOW_TYPES.batch, {
        taskQueue,
        workflowId: parsed.batchId,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        staticSummary: `Bulk refund: ${valid} rows${opts.sourceName ? ` from ${opts.sourceName}` : ''}`,
        staticDetails: `Concurrency ${concurrency}; ${parsed.invalid.length} invalid rows skipped; ${chunks.length} row holders (${rowsHolderId(parsed.batchId, 0)} ...)`,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      return { batch: await this.state(parsed.batchId), created: false };
    }
    const now = input.createdAt;
    const { chunks: c, ...meta } = input;
    const batch: BatchState = {
      ...meta,
      chunks: c.length,
      status: 'running',
      cursor: { chunk: 0, offset: 0 },
      started: 0,
      created: 0,
      existing: 0,
      refused: 0,
      refusals: [],
      skipped: 0,
      actions: [],
      startedAt: now,
      updatedAt: now,
      runs: 1,
    };
    return { batch, created: true };
  }

  /** Counts of the batch's refunds by status, from visibility (RefundBatchId). */
  async counts(batchId: string): Promise<StatusCounts> {
    const ns = this.client.options.namespace;
    const entries = await Promise.all(
      REFUND_STATUSES.map(async (s) => {
        const res = await this.client.workflowService.countWorkflowExecutions({ namespace: ns, query: `RefundBatchId = '${batchId}' AND RefundStatus = '${s}'` });
        return [s, Number(res.count ?? 0)] as const;
      }),
    );
    return Object.fromEntries(entries.filter(([, n]) => n > 0));
  }

  /** The batch with its refunds' counts by status. */
  async get(batchId: string): Promise<BatchView> {
    const state = await this.state(batchId);
    const refunds = await this.counts(batchId);
    const final = FINAL_STATUSES.reduce((n, s) => n + (refunds[s] ?? 0), 0);
    return { ...state, refunds, final };
  }

  pause(batchId: string, input: BatchActionInput = {}): Promise<BatchState> {
    return this.act(batchId, 'pause', () => this.client.workflow.getHandle(batchId).executeUpdate(pauseBatchUpdate, { args: [input] }));
  }

  resume(batchId: string, input: BatchActionInput = {}): Promise<BatchState> {
    return this.act(batchId, 'resume', () => this.client.workflow.getHandle(batchId).executeUpdate(resumeBatchUpdate, { args: [input] }));
  }

  cancel(batchId: string, input: BatchActionInput = {}): Promise<BatchState> {
    return this.act(batchId, 'cancel', () => this.client.workflow.getHandle(batchId).executeUpdate(cancelBatchUpdate, { args: [input] }));
  }

  private async act(batchId: string, action: string, run: () => Promise<BatchState>): Promise<BatchState> {
    const state = await this.state(batchId); // not found, not a batch
    if (state.status === 'completed' || state.status === 'canceled') throw new BatchActionRejectedError(batchId, action, `the batch is already ${state.status}`, 'not_allowed');
    try {
      return await run();
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        throw new BatchActionRejectedError(batchId, action, err.cause.message, err.cause.type === BATCH_ERROR_TYPES.invalidInput ? 'invalid_input' : 'not_allowed');
      }
      if (err instanceof WorkflowNotFoundError || (err instanceof Error && /workflow execution already completed/i.test(err.message))) {
        throw new BatchActionRejectedError(batchId, action, 'the batch has already ended', 'not_allowed');
      }
      throw err;
    }
  }

  /** Every row's result, in row order: its refund's current status and provider answer, or why it has none. */
  async results(batchId: string, opts: { concurrency?: number } = {}): Promise<BatchResultRow[]> {
    const state = await this.state(batchId);
    const refused = new Map(state.refusals.map((r) => [r.row, r]));
    const out: BatchResultRow[] = [];
    for (let i = 0; i < state.chunks; i++) {
      const rows = await this.client.workflow.getHandle(rowsHolderId(batchId, i)).query(getBatchRowsQuery);
      const results = await mapLimit(rows, opts.concurrency ?? 16, async (r, index): Promise<BatchResultRow> => {
        const base = { row: r.row, refundId: r.request ? refundIdFor(r.request.idempotencyKey) : '', providerCode: '', providerMessage: '' };
        if (!r.request) return { ...base, status: 'invalid', note: r.error ?? '' };
        const refusal = refused.get(r.row);
        if (refusal) return { ...base, status: 'refused', note: refusal.message };
        const reached = i < state.cursor.chunk || (i === state.cursor.chunk && index < state.cursor.offset) || state.status === 'completed';
        if (!reached) return { ...base, status: 'not_started', note: `the batch is ${state.status}` };
        try {
          const refund = await this.refunds.get(base.refundId);
          return { ...base, status: refund.status, providerCode: refund.provider.code ?? '', providerMessage: refund.provider.message ?? '', note: refund.status === 'needs_attention' ? (refund.attention ?? '') : '' };
        } catch (err) {
          if (err instanceof RefundNotFoundError) return { ...base, status: 'not_started', note: 'no refund with this id' };
          throw err;
        }
      });
      out.push(...results);
    }
    return out;
  }
}
