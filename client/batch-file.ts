/**
 * A bulk refund file (docs/batch-format.md): CSV with a header, or JSONL, one refund request per
 * row, read and validated whole before anything starts. Each row is checked with the request's
 * own validation (validRefundRequest: the zod schema of domain/refund.ts, then input hygiene),
 * so the file accepts exactly what POST /v1/refunds accepts, new optional fields included.
 * Then across rows: a repeated idempotency key, and (for rows without a key) the same refund
 * twice. The batch id is a hash of the normalised rows: the same rows again, as CSV or JSONL,
 * find the same batch.
 */
import { createHash } from 'node:crypto';
import { parse as parseCsv, CsvError } from 'csv-parse/sync';
import {
  CHUNK_MAX_BYTES,
  CHUNK_MAX_ROWS,
  derivedRowKey,
  MAX_BATCH_FILE_BYTES,
  MAX_BATCH_ROWS,
  rowsHolderId,
  type BatchChunkRef,
  type BatchRow,
} from '../domain/batch.js';
import type { AccountNames } from '../domain/config.js';
import { RefundRequestError, type RefundRequest } from '../domain/refund.js';
import { stableJson, validRefundRequest } from './refund-start.js';

export type BatchFormat = 'csv' | 'jsonl';

/** The file cannot be read as a batch at all (too large, no rows, not CSV/JSONL): nothing is checked further. */
export class BatchFileError extends Error {
  override readonly name = 'BatchFileError';
  constructor(
    message: string,
    /** The file is over a stated limit (HTTP 413). */
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

export interface ParsedBatch {
  batchId: string;
  format: BatchFormat;
  /** SHA-256 of the file's bytes (shown; the batch id is from the normalised rows, not the bytes). */
  sha256: string;
  rows: BatchRow[];
  /** The rows with an error (also in `rows`). */
  invalid: BatchRow[];
  /** Rows whose idempotency key was derived from the batch id and the row number. */
  derivedKeys: number;
}

/** Columns that hold integer minor units: "2500" becomes 2500 ("full" stays a word, "25.00" stays text and is refused). */
const NUMBER_COLUMNS = new Set(['amount', 'originalAmount']);
/** Stands in for a missing key while a row is validated; never used as a key. */
const KEY_PLACEHOLDER = 'batch-row-key-placeholder';

export function detectFormat(text: string, name?: string): BatchFormat {
  if (name && /\.(jsonl|ndjson)$/i.test(name)) return 'jsonl';
  if (name && /\.csv$/i.test(name)) return 'csv';
  return text.replace(/^\uFEFF/, '').trimStart().startsWith('{') ? 'jsonl' : 'csv';
}

interface RawRow {
  row: number;
  line: number;
  value?: Record<string, unknown>;
  error?: string;
}

function csvRows(text: string): RawRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true }) as unknown as typeof records;
  } catch (err) {
    if (err instanceof CsvError) throw new BatchFileError(`not readable as CSV: ${err.message}`);
    throw err;
  }
  const [header, ...data] = records;
  if (!header) throw new BatchFileError('the file is empty: a header line and at least one row are needed');
  const columns = header.record.map((c) => c.trim());
  const seen = new Set<string>();
  for (const [i, c] of columns.entries()) {
    if (c === '') throw new BatchFileError(`header: column ${i + 1} has no name`);
    if (seen.has(c)) throw new BatchFileError(`header: column ${JSON.stringify(c)} is given twice`);
    seen.add(c);
  }
  for (const c of columns) {
    if (columns.some((o) => o.startsWith(`${c}.`))) throw new BatchFileError(`header: column ${JSON.stringify(c)} and its nested columns (${c}.…) cannot both be given`);
  }
  return data.map(({ record, info }, i) => {
    const base = { row: i + 1, line: info.lines };
    if (record.length !== columns.length) return { ...base, error: `has ${record.length} fields, the header has ${columns.length}` };
    const value: Record<string, unknown> = {};
    record.forEach((cell, j) => {
      if (cell === '') return; // an empty cell is an absent field
      const path = columns[j]!.split('.');
      let target = value;
      for (const part of path.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
      const name = path.at(-1)!;
      target[name] = path.length === 1 && NUMBER_COLUMNS.has(name) && /^\d+$/.test(cell.trim()) ? Number(cell.trim()) : cell;
    });
    return { ...base, value };
  });
}

function jsonlRows(text: string): RawRow[] {
  const out: RawRow[] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const base = { row: out.length + 1, line: i + 1 };
    try {
      const value: unknown = JSON.parse(line);
      if (!value || typeof value !== 'object' || Array.isArray(value)) out.push({ ...base, error: 'must be a JSON object (one refund request)' });
      else out.push({ ...base, value: value as Record<string, unknown> });
    } catch (err) {
      out.push({ ...base, error: `not JSON: ${(err as Error).message}` });
    }
  });
  if (out.length === 0) throw new BatchFileError('the file has no rows');
  return out;
}

function issuesText(err: RefundRequestError): string {
  return err.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

/**
 * Read and validate a whole batch file. Throws BatchFileError when it cannot be a batch at all.
 * `accounts`: the merchant accounts configured (RefundsClient.accounts), as POST /v1/refunds checks them.
 */
export function parseBatchFile(input: string | Buffer, opts: { name?: string; format?: BatchFormat; accounts?: AccountNames } = {}): ParsedBatch {
  const bytes = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (bytes > MAX_BATCH_FILE_BYTES) throw new BatchFileError(`the file is ${bytes} bytes; a batch file is at most ${MAX_BATCH_FILE_BYTES} bytes (16 MiB)`, true);
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const format = opts.format ?? detectFormat(text, opts.name);
  const raw = format === 'csv' ? csvRows(text) : jsonlRows(text);
  if (raw.length === 0) throw new BatchFileError('the file has a header but no rows');
  if (raw.length > MAX_BATCH_ROWS) throw new BatchFileError(`the file has ${raw.length} rows; a batch is at most ${MAX_BATCH_ROWS} rows (split it)`, true);

  // Each row alone: the request's own validation.
  type Checked = RawRow & { keyed: boolean; request?: RefundRequest };
  const checked = raw.map((r): Checked => {
    if (r.error || !r.value) return { ...r, keyed: false };
    const keyed = r.value.idempotencyKey !== undefined;
    try {
      const request = validRefundRequest(keyed ? r.value : { ...r.value, idempotencyKey: KEY_PLACEHOLDER }, opts.accounts);
      return { ...r, request, keyed };
    } catch (err) {
      if (!(err instanceof RefundRequestError)) throw err;
      return { ...r, error: issuesText(err), keyed };
    }
  });

  // Across rows: a key used twice, or the same refund twice without keys (both would run).
  const byKey = new Map<string, number>();
  const bySame = new Map<string, number>();
  for (const r of checked) {
    if (!r.request) continue;
    if (r.keyed) {
      const first = byKey.get(r.request.idempotencyKey);
      if (first !== undefined) r.error = `idempotencyKey: ${JSON.stringify(r.request.idempotencyKey)} is also the key of row ${first}`;
      else byKey.set(r.request.idempotencyKey, r.row);
    } else {
      const { idempotencyKey: _k, ...rest } = r.request;
      const same = stableJson(rest);
      const first = bySame.get(same);
      if (first !== undefined) r.error = `the same refund as row ${first} (every field equal); give each row its own idempotencyKey if both are meant`;
      else bySame.set(same, r.row);
    }
    if (r.error) delete r.request;
  }

  // The batch id: a hash of the normalised rows (what the schema made of them), the file's bytes aside.
  const normal = checked.map((r) => {
    if (!r.request) return [r.row, null];
    const { idempotencyKey, ...rest } = r.request;
    return [r.row, r.keyed ? { ...rest, idempotencyKey } : rest];
  });
  const batchId = `batch-${createHash('sha256').update(stableJson({ v: 1, rows: normal })).digest('hex').slice(0, 24)}`;

  const rows: BatchRow[] = checked.map((r) => {
    const base = { row: r.row, line: r.line };
    if (!r.request) return { ...base, error: r.error ?? 'invalid' };
    const request: RefundRequest = r.keyed ? r.request : { ...r.request, idempotencyKey: derivedRowKey(batchId, r.row) };
    return { ...base, request };
  });
  return {
    batchId,
    format,
    sha256: createHash('sha256').update(input).digest('hex'),
    rows,
    invalid: rows.filter((r) => r.error !== undefined),
    derivedKeys: checked.filter((r) => r.request && !r.keyed).length,
  };
}

/** The rows in holder-sized chunks (at most CHUNK_MAX_ROWS rows and ~CHUNK_MAX_BYTES of JSON each). */
export function chunkRows(batchId: string, rows: BatchRow[]): { ref: BatchChunkRef; rows: BatchRow[] }[] {
  const out: { ref: BatchChunkRef; rows: BatchRow[] }[] = [];
  let current: BatchRow[] = [];
  let size = 0;
  const flush = () => {
    if (current.length === 0) return;
    out.push({ ref: { workflowId: rowsHolderId(batchId, out.length), firstRow: current[0]!.row, rows: current.length }, rows: current });
    current = [];
    size = 0;
  };
  for (const r of rows) {
    const bytes = Buffer.byteLength(JSON.stringify(r));
    if (current.length >= CHUNK_MAX_ROWS || (current.length > 0 && size + bytes > CHUNK_MAX_BYTES)) flush();
    current.push(r);
    size += bytes;
  }
  flush();
  return out;
}
