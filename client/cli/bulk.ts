/**
 * `refunds bulk create|status|results|pause|resume|cancel`: bulk refund batches from the CLI
 * (docs/batch-format.md, docs/cli.md). The file is read and every row validated before anything
 * connects to Temporal; the batch runs in the worker, so the CLI may exit (or be interrupted)
 * at any time and `refunds bulk status ID` reattaches.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { MAX_BATCH_CONCURRENCY, MAX_BATCH_FILE_BYTES, type BatchState } from '../../domain/batch.js';
import { accountNames } from '../../domain/config.js';
import { FINAL_STATUSES, isSucceeded } from '../../domain/status.js';
import { BatchFileError, parseBatchFile, type ParsedBatch } from '../batch-file.js';
import { BatchActionRejectedError, BatchesClient, BatchNotFoundError, BatchRowsError, resultsCsv, type BatchView } from '../batches.js';
import { actionHygieneIssues } from '../input-hygiene.js';
import type { RefundsClient } from '../refunds-client.js';
import { ProgressDisplay, type ProgressStream } from './bulk-progress.js';
import { EXIT, UsageError } from './exit.js';
import { sleep } from './watch.js';

export const BULK_SUBCOMMANDS = ['create', 'status', 'results', 'pause', 'resume', 'cancel'] as const;
type Sub = (typeof BULK_SUBCOMMANDS)[number];

/** Which flags each subcommand takes (the `bulk` command's flags are their union). */
const SUB_FLAGS: Record<Sub, string[]> = {
  create: ['dry-run', 'allow-partial', 'concurrency', 'detach'],
  status: ['detach'],
  results: ['out'],
  pause: ['note', 'operator'],
  resume: ['note', 'operator'],
  cancel: ['note', 'operator'],
};

/** Invalid rows shown on the terminal (all of them are in --json and in the API's answer). */
const SHOWN_ROW_ERRORS = 50;

export interface BulkIo {
  out(text: string): void;
  err(text: string): void;
  /** Where progress goes (stderr): a bar when it is a terminal, plain lines otherwise. */
  progress: ProgressStream;
  json: boolean;
  intervalMs: number;
  signal: AbortSignal;
}

export interface BulkOutput {
  json: unknown;
  text: string;
  exitCode?: number;
}

type Flags = Record<string, string | boolean | string[] | undefined>;
const str = (flags: Flags, name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);

function readFile(path: string): { text: Buffer; name: string } {
  try {
    if (path !== '-') {
      const size = statSync(path).size;
      if (size > MAX_BATCH_FILE_BYTES) throw new BatchFileError(`${path} is ${size} bytes; a batch file is at most ${MAX_BATCH_FILE_BYTES} bytes (16 MiB)`, true);
    }
    return { text: path === '-' ? readFileSync(0) : readFileSync(path), name: path === '-' ? 'stdin' : basename(path) };
  } catch (err) {
    if (err instanceof BatchFileError) throw err;
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'bulk');
  }
}

function rowErrors(parsed: ParsedBatch): string[] {
  const lines = parsed.invalid.slice(0, SHOWN_ROW_ERRORS).map((r) => `  row ${r.row} (line ${r.line}): ${r.error}`);
  if (parsed.invalid.length > SHOWN_ROW_ERRORS) lines.push(`  ... and ${parsed.invalid.length - SHOWN_ROW_ERRORS} more (--json lists every one)`);
  return lines;
}

const invalidJson = (parsed: ParsedBatch) => parsed.invalid.map((r) => ({ row: r.row, line: r.line, error: r.error }));

function summary(view: BatchView): string {
  const statuses = Object.entries(view.refunds).map(([s, c]) => `${s} ${c}`).join(', ');
  return [
    `batch ${view.batchId} ${view.status}: ${view.totalRows} rows, ${view.started} started (${view.created} by this batch, ${view.existing} already existed), ${view.skipped} invalid, ${view.refused} refused`,
    `refunds: ${statuses || 'none yet'}`,
    `results: refunds bulk results ${view.batchId} > results.csv`,
  ].join('\n');
}

/** 0 when every refund of the batch succeeded; 1 when the batch was canceled or a row did not (refused, rejected, failed, canceled). */
function exitCodeOf(view: BatchView): number {
  const bad = FINAL_STATUSES.filter((s) => !isSucceeded(s)).reduce((n, s) => n + (view.refunds[s] ?? 0), 0);
  return view.status === 'canceled' || view.refused > 0 || bad > 0 ? EXIT.failed : EXIT.ok;
}

/** The workflow has ended (a cancel waits for the wave in flight) and visibility counts every refund it created final. */
const isDone = (v: BatchView) => v.finishedAt !== undefined && v.final >= v.created;

/** Follow a batch until it has ended and its refunds are final (or Ctrl-C). */
export async function followBatch(batches: BatchesClient, batchId: string, io: BulkIo): Promise<BulkOutput> {
  const display = io.json ? undefined : new ProgressDisplay(io.progress);
  let view = await batches.get(batchId);
  if (!io.json) io.err(`following ${batchId} (Ctrl-C stops following, not the batch; \`refunds bulk status ${batchId}\` reattaches)`);
  while (!isDone(view) && !io.signal.aborted) {
    display?.show(view);
    await sleep(io.intervalMs, io.signal);
    if (io.signal.aborted) break;
    view = await batches.get(batchId);
  }
  display?.finish(view);
  if (!isDone(view)) return { json: view, text: `stopped following (the batch goes on): refunds bulk status ${batchId}`, exitCode: EXIT.interrupted };
  return { json: view, text: summary(view), exitCode: exitCodeOf(view) };
}

function actionText(verb: string, s: BatchState): string {
  return `${verb} ${s.batchId}: now ${s.status} (${s.started} of ${s.validRows} rows started)`;
}

/**
 * The `bulk` command. Everything that needs no Temporal (the subcommand, flags, the whole file)
 * is checked before `client()` connects; errors of the batch's own kinds are reported here.
 */
export async function bulkCommand(args: string[], flags: Flags, client: () => Promise<RefundsClient>, io: BulkIo): Promise<BulkOutput> {
  const [sub, target = ''] = args as [string, string];
  if (!(BULK_SUBCOMMANDS as readonly string[]).includes(sub)) throw new UsageError(`bulk takes one of ${BULK_SUBCOMMANDS.join(', ')}; got ${JSON.stringify(sub)}`, 'bulk');
  for (const name of ['dry-run', 'allow-partial', 'concurrency', 'detach', 'out', 'note', 'operator']) {
    if (flags[name] !== undefined && !SUB_FLAGS[sub as Sub].includes(name)) throw new UsageError(`bulk ${sub} does not take --${name}`, 'bulk');
  }
  const fail = (exitCode: number, code: string, message: string, detail: string[] = [], extra: Record<string, unknown> = {}): BulkOutput => {
    io.err(`error: ${message}${detail.length ? `\n${detail.join('\n')}` : ''}`);
    return { json: { error: { code, exitCode, message, ...extra } }, text: '', exitCode };
  };
  try {
    switch (sub as Sub) {
      case 'create': {
        const concurrencyText = str(flags, 'concurrency');
        if (concurrencyText !== undefined && (!/^\d+$/.test(concurrencyText) || Number(concurrencyText) < 1 || Number(concurrencyText) > MAX_BATCH_CONCURRENCY)) {
          throw new UsageError(`--concurrency must be an integer from 1 to ${MAX_BATCH_CONCURRENCY}; got ${JSON.stringify(concurrencyText)}`, 'bulk');
        }
        const file = readFile(target);
        // The merchant accounts as RefundsClient reads them (<PROVIDER>_ACCOUNTS), before connecting.
        const parsed = parseBatchFile(file.text, { name: file.name, accounts: accountNames(process.env) });
        const valid = parsed.rows.length - parsed.invalid.length;
        if (flags['dry-run']) {
          const ok = parsed.invalid.length === 0;
          if (!ok) io.err([`${parsed.invalid.length} of ${parsed.rows.length} rows are invalid:`, ...rowErrors(parsed)].join('\n'));
          return {
            json: { dryRun: true, batchId: parsed.batchId, format: parsed.format, rows: parsed.rows.length, valid, invalid: invalidJson(parsed) },
            text: `dry run: ${parsed.rows.length} rows (${parsed.format}), ${valid} valid, ${parsed.invalid.length} invalid; the batch would be ${parsed.batchId}; nothing was started`,
            exitCode: ok ? EXIT.ok : EXIT.usage,
          };
        }
        if (parsed.invalid.length > 0 && !flags['allow-partial']) {
          return fail(EXIT.usage, 'invalid_rows', `${parsed.invalid.length} of ${parsed.rows.length} rows are invalid (nothing was started; --allow-partial starts the ${valid} valid rows)`, rowErrors(parsed), { batchId: parsed.batchId, invalid: invalidJson(parsed) });
        }
        const batches = new BatchesClient(await client());
        const { batch, created } = await batches.create(parsed, {
          allowPartial: flags['allow-partial'] === true,
          ...(concurrencyText ? { concurrency: Number(concurrencyText) } : {}),
          createdBy: 'cli',
          sourceName: file.name,
        });
        if (!io.json) {
          io.err(
            created
              ? `created ${batch.batchId}: ${valid} rows to start${parsed.invalid.length ? `, ${parsed.invalid.length} invalid rows skipped` : ''} (concurrency ${batch.concurrency})`
              : `already exists: ${batch.batchId} (these rows were submitted before; nothing new was started), ${batch.status}`,
          );
          if (parsed.invalid.length) io.err(rowErrors(parsed).join('\n'));
        }
        if (flags.detach) return { json: { created, batch }, text: `follow it with: refunds bulk status ${batch.batchId}` };
        const followed = await followBatch(batches, batch.batchId, io);
        return { ...followed, json: { created, batch: followed.json } };
      }
      case 'status': {
        const batches = new BatchesClient(await client());
        if (flags.detach) {
          const view = await batches.get(target);
          return { json: view, text: summary(view) };
        }
        return await followBatch(batches, target, io);
      }
      case 'results': {
        const rows = await new BatchesClient(await client()).results(target);
        const out = str(flags, 'out');
        if (io.json) return { json: { batchId: target, rows }, text: '' };
        if (out) {
          writeFileSync(out, resultsCsv(rows));
          return { json: null, text: `wrote ${rows.length} rows to ${out}` };
        }
        return { json: null, text: resultsCsv(rows).trimEnd() };
      }
      case 'pause':
      case 'resume':
      case 'cancel': {
        const input = { ...(str(flags, 'operator') !== undefined ? { operator: str(flags, 'operator') } : {}), ...(str(flags, 'note') !== undefined ? { note: str(flags, 'note') } : {}) };
        const unsafe = actionHygieneIssues(input)[0];
        if (unsafe) throw new UsageError(`--${unsafe.path[0]!} ${unsafe.message.replace(/^\S+ /, '')}`, 'bulk');
        const batches = new BatchesClient(await client());
        const state = await batches[sub as 'pause' | 'resume' | 'cancel'](target, input);
        return { json: state, text: actionText({ pause: 'paused', resume: 'resumed', cancel: 'canceled' }[sub as 'pause'], state) };
      }
    }
  } catch (err) {
    if (err instanceof BatchFileError) return fail(EXIT.usage, 'invalid_file', `${target}: ${err.message} (nothing was started)`);
    if (err instanceof BatchRowsError) return fail(EXIT.usage, 'invalid_rows', err.message);
    if (err instanceof BatchNotFoundError) return fail(EXIT.notFound, 'not_found', err.message, [], { batchId: err.batchId });
    if (err instanceof BatchActionRejectedError) return fail(EXIT.refused, 'refused', err.message, [], { batchId: err.batchId, action: err.action, reason: err.reason });
    throw err;
  }
  throw new UsageError(`bulk ${sub}`, 'bulk');
}
