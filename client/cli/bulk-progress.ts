/**
 * The progress of a bulk batch as `refunds bulk create` and `refunds bulk status` show it: a bar
 * redrawn in place on a terminal, plain lines otherwise (a log, CI, a pipe). Rates are measured
 * over the last RATE_WINDOW_MS of samples; the ETA is for starting every row while rows remain
 * to start, then for the started refunds to be final.
 */
import type { BatchView } from '../batches.js';
import { FINAL_STATUSES, REFUND_STATUSES } from '../../domain/status.js';

const RATE_WINDOW_MS = 15_000;
const BAR_WIDTH = 24;
/** A non-terminal gets a line at most this often (and on every change of the batch's status). */
export const PLAIN_LINE_EVERY_MS = 5_000;

interface Sample {
  at: number;
  started: number;
  final: number;
}

/** Rows started and refunds finished per second over the last samples. */
export class RateMeter {
  private readonly samples: Sample[] = [];

  add(at: number, started: number, final: number): void {
    this.samples.push({ at, started, final });
    while (this.samples.length > 2 && at - this.samples[0]!.at > RATE_WINDOW_MS) this.samples.shift();
  }

  rates(): { started: number; final: number } | undefined {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 1000) return undefined;
    const s = (last.at - first.at) / 1000;
    return { started: (last.started - first.started) / s, final: (last.final - first.final) / s };
  }
}

const n = (x: number) => x.toLocaleString('en-US');

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** "approved 3,850, failed 50": the final statuses with a count, in the status model's order. */
function finals(view: BatchView): string {
  return FINAL_STATUSES.filter((s) => view.refunds[s]).map((s) => `${s} ${n(view.refunds[s]!)}`).join(', ');
}

/** The refunds not final yet, by status ("pending 310, needs_attention 2"). */
function open(view: BatchView): string {
  return REFUND_STATUSES.filter((s) => !(FINAL_STATUSES as readonly string[]).includes(s) && view.refunds[s]).map((s) => `${s} ${n(view.refunds[s]!)}`).join(', ');
}

/** Seconds left: to start the remaining rows, then for the started refunds to be final. */
export function eta(view: BatchView, rates: { started: number; final: number } | undefined): number | undefined {
  if (view.status === 'paused' || view.status === 'canceled') return undefined;
  const toStart = view.validRows - view.started - view.refused;
  if (toStart > 0) return rates && rates.started > 0 ? toStart / rates.started : undefined;
  const toFinish = view.created - view.final;
  if (toFinish <= 0) return 0;
  return rates && rates.final > 0 ? toFinish / rates.final : undefined;
}

function parts(view: BatchView, rates: { started: number; final: number } | undefined): string[] {
  const e = eta(view, rates);
  const starting = view.validRows - view.started - view.refused > 0;
  return [
    `started ${n(view.started)}/${n(view.validRows)}`,
    `final ${n(view.final)}${finals(view) ? ` (${finals(view)})` : ''}`,
    ...(open(view) ? [open(view)] : []),
    ...(view.refused ? [`refused ${n(view.refused)}`] : []),
    ...(view.skipped ? [`invalid ${n(view.skipped)}`] : []),
    ...(rates ? [starting ? `${rates.started.toFixed(1)} rows/s` : `${rates.final.toFixed(1)} final/s`] : []),
    ...(e !== undefined ? [`ETA ${duration(e)}`] : []),
  ];
}

/** The terminal's bar: final rows solid, started rows shaded, the rest light. */
export function bar(view: BatchView, width = BAR_WIDTH): string {
  const total = Math.max(1, view.validRows);
  const done = Math.min(width, Math.floor((view.final / total) * width));
  const started = Math.min(width - done, Math.floor(((view.started + view.refused) / total) * width) - done);
  return `[${'█'.repeat(done)}${'▒'.repeat(Math.max(0, started))}${'░'.repeat(Math.max(0, width - done - Math.max(0, started)))}]`;
}

/** One redrawn terminal line. */
export function ttyLine(view: BatchView, rates: { started: number; final: number } | undefined): string {
  return `${bar(view)} ${view.status === 'running' ? '' : `${view.status.toUpperCase()} `}${parts(view, rates).join(' · ')}`;
}

/** One plain line (no terminal): the batch id, its status, the same figures. */
export function plainLine(view: BatchView, rates: { started: number; final: number } | undefined): string {
  return `${view.batchId} ${view.status}: ${parts(view, rates).join(', ')}`;
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Shows successive views of a batch on `stream`: a bar on a terminal, plain lines otherwise. */
export class ProgressDisplay {
  private readonly meter = new RateMeter();
  private lastLineAt = -Infinity;
  private lastStatus: string | undefined;
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly now: () => number = Date.now,
  ) {}

  show(view: BatchView): void {
    const at = this.now();
    this.meter.add(at, view.started, view.final);
    const rates = this.meter.rates();
    if (this.stream.isTTY) {
      const line = ttyLine(view, rates).slice(0, Math.max((this.stream.columns || 100) - 1, 40));
      this.stream.write(`\r\x1b[K${line}`);
      this.drawn = true;
      return;
    }
    if (at - this.lastLineAt >= PLAIN_LINE_EVERY_MS || view.status !== this.lastStatus) {
      this.stream.write(`${plainLine(view, rates)}\n`);
      this.lastLineAt = at;
      this.lastStatus = view.status;
    }
  }

  /** The last view, always printed (a terminal's bar is ended with a newline). */
  finish(view: BatchView): void {
    if (this.stream.isTTY) {
      this.show(view);
      if (this.drawn) this.stream.write('\n');
      return;
    }
    this.stream.write(`${plainLine(view, this.meter.rates())}\n`);
  }
}
