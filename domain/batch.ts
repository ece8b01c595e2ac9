/**
 * Bulk refunds (issue 14, part 1): what a batch is, its limits, and the names shared by the
 * client (client/batch-file.ts, client/batches.ts) and the batch workflows (workflows/batch.ts).
 * Pure TypeScript, no zod: safe to import from workflow code. The file format: docs/batch-format.md.
 */
import type { RefundRequest } from './refund.js';
import type { RefundStatus } from './status.js';

/** The largest batch file accepted (bytes, as read from disk or received over HTTP). */
export const MAX_BATCH_FILE_BYTES = 16 * 1024 * 1024;
/** The most data rows one batch may hold. */
export const MAX_BATCH_ROWS = 50_000;
/** Refund starts in flight at once when the caller does not say. */
export const DEFAULT_BATCH_CONCURRENCY = 10;
export const MAX_BATCH_CONCURRENCY = 50;
/**
 * Rows of one holder workflow (workflows/batch.ts, `refundBatchRows`): at most this many rows and
 * about this many bytes of JSON, well under Temporal's 2 MB limit on one workflow input.
 */
export const CHUNK_MAX_ROWS = 1000;
export const CHUNK_MAX_BYTES = 512 * 1024;
/**
 * Rows one start activity handles (a wave): twice the concurrency, at most MAX_WAVE_ROWS. Pause
 * and cancel take effect between waves, so at most one wave of rows is started after them.
 */
export const MAX_WAVE_ROWS = 100;
export function waveRows(concurrency: number): number {
  return Math.max(1, Math.min(MAX_WAVE_ROWS, 2 * concurrency));
}
/** A batch continues as new past this many history events (a test passes fewer). */
export const BATCH_CONTINUE_AS_NEW_EVENTS = 2000;
/** Rows refused at start whose reason the batch keeps (the count goes on past it). */
export const MAX_KEPT_REFUSALS = 1000;

export const BATCH_WORKFLOW_TYPES = {
  /** The batch itself: id `batch-<hash>`. */
  batch: 'refundBatch',
  /** One holder of up to CHUNK_MAX_ROWS rows: id `batch-<hash>-rows-<n>`. */
  rows: 'refundBatchRows',
} as const;

export const BATCH_MESSAGE_NAMES = {
  getBatch: 'getBatch',
  getRows: 'getBatchRows',
  pause: 'pauseBatch',
  resume: 'resumeBatch',
  cancel: 'cancelBatch',
  release: 'releaseBatchRows',
} as const;

/** One data row of a batch file, after validation. */
export interface BatchRow {
  /** 1-based number of the data row (the header is not a row). */
  row: number;
  /** Line of the file where the row ends (CSV fields may span lines). */
  line: number;
  /** The validated request (idempotencyKey filled in), when the row is valid. */
  request?: RefundRequest;
  /** Why the row is not valid: `field: message; ...` (skipped with allow-partial). */
  error?: string;
}

export interface BatchChunkRef {
  workflowId: string;
  /** Row number of its first row. */
  firstRow: number;
  rows: number;
}

export type BatchStatus = 'running' | 'paused' | 'canceled' | 'completed';

export interface BatchAction {
  at: string;
  action: 'pause' | 'resume' | 'cancel';
  operator?: string;
  note?: string;
}

/** A row whose refund could not be started: its idempotency key belongs to another request, or the request was refused. */
export interface BatchRefusal {
  row: number;
  refundId: string;
  code: 'conflict' | 'invalid';
  message: string;
}

/** What a batch keeps, carried from run to run when it continues as new. */
export interface BatchProgress {
  status: BatchStatus;
  /** The next row to start: chunk index and offset inside it. */
  cursor: { chunk: number; offset: number };
  /** Rows whose refund exists now (created + existing). */
  started: number;
  /** ... started by this batch. */
  created: number;
  /** ... that the idempotency key had already started elsewhere (another batch, the API); a retried wave's own rows count as created. */
  existing: number;
  /** Rows refused at start (kept in `refusals`, the first MAX_KEPT_REFUSALS). */
  refused: number;
  refusals: BatchRefusal[];
  /** Invalid rows passed over (allow-partial). */
  skipped: number;
  actions: BatchAction[];
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** Runs of the workflow so far (1 + continue-as-new count). */
  runs: number;
}

export interface BatchInput {
  batchId: string;
  chunks: BatchChunkRef[];
  /** Data rows in the file. */
  totalRows: number;
  /** Rows to start (the valid ones). */
  validRows: number;
  concurrency: number;
  createdAt: string;
  /** Who submitted it (API key name, or "cli"). */
  createdBy?: string;
  source?: { name: string; format: 'csv' | 'jsonl'; sha256: string };
  /** The merchant accounts of its rows (accounts, 14c): an API key limited to accounts sees the batch only when it may use them all. */
  accounts?: string[];
  /** Continue as new past this many history events (default BATCH_CONTINUE_AS_NEW_EVENTS). */
  continueAsNewAfter?: number;
  /** Set when continued as new: where the previous run stopped. */
  progress?: BatchProgress;
}

/** The batch as every way in shows it (the workflow's query, the API, the CLI). */
export type BatchState = Omit<BatchInput, 'progress' | 'continueAsNewAfter' | 'chunks'> & BatchProgress & { chunks: number };

/** Input of the start activity: rows [from, from + count) of one holder. */
export interface StartBatchRowsInput {
  batchId: string;
  holder: string;
  from: number;
  count: number;
  concurrency: number;
}

export interface RowStart {
  row: number;
  refundId?: string;
  outcome: 'created' | 'existing' | 'refused' | 'skipped';
  code?: BatchRefusal['code'];
  message?: string;
}

/** Input of a pause, resume or cancel. */
export interface BatchActionInput {
  operator?: string;
  note?: string;
}

/** The derived idempotency key of a row without one: the batch id and the row number. */
export function derivedRowKey(batchId: string, row: number): string {
  return `${batchId}-r${row}`;
}

/** The holder workflow of the n-th chunk (0-based). */
export function rowsHolderId(batchId: string, index: number): string {
  return `${batchId}-rows-${index}`;
}

/** Counts of the batch's refunds by status (from visibility: RefundBatchId). */
export type StatusCounts = Partial<Record<RefundStatus, number>>;
