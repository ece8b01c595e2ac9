/**
 * `refunds reconcile [--since 2d] [--provider P,...] [--csv FILE] [--detach]`: a reconciliation
 * now, its progress followed on stderr, its summary on stdout and its mismatches as CSV;
 * `refunds reconcile schedule [--at HH:MM] [--since 2d]` creates (or brings in line) the daily
 * Schedule; `refunds reconcile show ID [--csv FILE]` and `refunds reconcile list`. Input is checked
 * before anything connects. docs/reconciliation.md, docs/cli.md.
 */
import { writeFileSync } from 'node:fs';
import { PROVIDER_NAMES } from '../../domain/providers.js';
import type { ReconciliationReport } from '../../domain/reconciliation.js';
import { DEFAULT_SCHEDULE, mismatchesCsv, parseAt, providersOf, ReconciliationClient, ReconciliationInputError, sinceMsOf } from '../reconciliation.js';
import type { RefundsClient } from '../refunds-client.js';
import { UsageError } from './exit.js';

export const RECONCILE_SUBCOMMANDS = ['run', 'schedule', 'show', 'list'] as const;
type Sub = (typeof RECONCILE_SUBCOMMANDS)[number];
const SUB_FLAGS: Record<Sub, string[]> = {
  run: ['since', 'provider', 'csv', 'detach'],
  schedule: ['at', 'since'],
  show: ['csv'],
  list: ['limit'],
};

type Flags = Partial<Record<string, string | boolean | string[]>>;
export interface ReconcileIo {
  out(text: string): void;
  /** Progress lines (stderr). */
  progress(text: string): void;
  json: boolean;
  intervalMs?: number;
}
export interface ReconcileOutput {
  json: unknown;
  text: string;
  exitCode?: number;
}

const str = (flags: Flags, name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);

/** One line of where a run is. */
export function progressLine(r: ReconciliationReport): string {
  const found = r.mismatches.length + r.mismatchesOmitted;
  const where = r.progress.provider ? `${PROVIDER_NAMES[r.progress.provider]} (${r.progress.phase === 'provider_list' ? "its pay-in list" : 'our refunds'})` : r.state;
  return `reconciling ${where}: ${r.progress.pages} pages, ${r.progress.ours} of our refunds, ${r.progress.providerRecords} provider records, ${found} mismatches${r.progress.runs > 1 ? `, run ${r.progress.runs}` : ''}`;
}

/** The summary people read: the window, totals per provider and status, the mismatches. */
export function reportText(r: ReconciliationReport): string {
  const lines = [`reconciliation ${r.reconciliationId} (${r.state}): ${r.window.from} .. ${r.window.to}`];
  for (const p of r.providers) {
    const t = r.totals[p];
    if (!t) continue;
    const side = (s: Record<string, { count: number; amounts: Record<string, number> }>) =>
      Object.entries(s)
        .map(([status, v]) => `${status} ${v.count}${Object.keys(v.amounts).length ? ` (${Object.entries(v.amounts).map(([c, a]) => `${c} ${a}`).join(', ')})` : ''}`)
        .join(', ') || 'none';
    const mism = Object.entries(t.mismatches).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
    lines.push(`  ${PROVIDER_NAMES[p].padEnd(10)} ours: ${side(t.ours)}; provider: ${side(t.provider)}; matched ${t.matched}; mismatches: ${mism}`);
  }
  if (r.mismatches.length === 0) lines.push('no mismatches');
  for (const m of r.mismatches) {
    lines.push(`  ${m.kind.padEnd(19)} ${m.provider}${m.account ? `@${m.account}` : ''} payment ${m.paymentKey}${m.refundId ? ` ${m.refundId}` : ''}: ${m.detail}${m.action && m.action !== 'none' ? ` [${m.action.replace(/_/g, ' ')}]` : ''}`);
  }
  if (r.mismatchesOmitted) lines.push(`  ... and ${r.mismatchesOmitted} more (the totals count them)`);
  for (const u of r.unreadable) lines.push(`  unreadable: ${u.provider}${u.account ? `@${u.account}` : ''} payment ${u.paymentKey}: ${u.message}`);
  return lines.join('\n');
}

function csvTo(target: string | undefined, report: ReconciliationReport, io: ReconcileIo): string | undefined {
  if (target === undefined) return undefined;
  const csv = mismatchesCsv(report);
  if (target === '-') return csv;
  writeFileSync(target, csv);
  io.progress(`wrote ${report.mismatches.length} mismatches to ${target}`);
  return undefined;
}

/**
 * The command: `args` are the positionals after `reconcile` (none = run now). Everything that can
 * be checked without Temporal is checked before `connect` is called.
 */
export function reconcileCommand(args: string[], flags: Flags, connect: () => Promise<RefundsClient>, io: ReconcileIo): () => Promise<ReconcileOutput> {
  const sub = (args[0] ?? 'run') as Sub;
  if (!(RECONCILE_SUBCOMMANDS as readonly string[]).includes(sub)) throw new UsageError(`reconcile: unknown subcommand ${JSON.stringify(args[0])} (one of ${RECONCILE_SUBCOMMANDS.join(', ')})`, 'reconcile');
  const wantArgs = sub === 'show' ? 2 : args.length === 0 ? 0 : 1;
  if (args.length !== wantArgs) throw new UsageError(sub === 'show' ? 'reconcile show needs ID' : `unexpected argument ${JSON.stringify(args[wantArgs])}`, 'reconcile');
  for (const name of Object.keys(flags)) {
    if (['json', 'help', 'address', 'namespace', 'task-queue'].includes(name)) continue;
    if (!SUB_FLAGS[sub].includes(name)) throw new UsageError(`reconcile ${sub} does not take --${name}`, 'reconcile');
  }
  const checked = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ReconciliationInputError) throw new UsageError(err.message, 'reconcile');
      throw err;
    }
  };
  const recon = async () => {
    const refunds = await connect();
    return new ReconciliationClient(refunds.client, refunds.taskQueue);
  };

  switch (sub) {
    case 'run': {
      const sinceMs = checked(() => sinceMsOf(str(flags, 'since') ?? '2d'));
      const providers = checked(() => providersOf(str(flags, 'provider')));
      const csv = str(flags, 'csv');
      return async () => {
        const c = await recon();
        const id = await c.start({ sinceMs, ...(providers ? { providers } : {}) });
        io.progress(`started ${id}${flags.detach ? '' : ' (Ctrl-C stops following, not the run)'}`);
        if (flags.detach) return { json: { reconciliationId: id }, text: id };
        let last = '';
        const report = await c.wait(
          id,
          (r) => {
            const line = progressLine(r);
            if (line !== last) io.progress(line);
            last = line;
          },
          io.intervalMs ?? 1000,
        );
        const printed = csvTo(csv, report, io);
        return { json: report, text: printed ?? reportText(report) };
      };
    }
    case 'schedule': {
      const at = str(flags, 'at') ?? DEFAULT_SCHEDULE.at;
      checked(() => parseAt(at));
      const sinceMs = checked(() => sinceMsOf(str(flags, 'since') ?? '2d'));
      return async () => {
        const c = await recon();
        const r = await c.ensureSchedule({ at, sinceMs });
        const d = await c.describeSchedule();
        return { json: { ...r, ...d }, text: `schedule ${r.scheduleId} ${r.outcome}: daily at ${at} UTC over the last ${sinceMs / 3_600_000} h; next runs ${d?.nextRuns.slice(0, 2).join(', ') ?? '?'}` };
      };
    }
    case 'show': {
      const csv = str(flags, 'csv');
      return async () => {
        const report = await (await recon()).get(args[1]!);
        const printed = csvTo(csv, report, io);
        return { json: report, text: printed ?? reportText(report) };
      };
    }
    case 'list': {
      const limit = str(flags, 'limit');
      const pageSize = limit === undefined ? 20 : Number(limit);
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 500) throw new UsageError('--limit must be an integer from 1 to 500', 'reconcile');
      return async () => {
        const page = await (await recon()).list({ pageSize });
        const rows = page.reconciliations.map((r) => `${r.reconciliationId.padEnd(56)} ${r.status.padEnd(16)} ${r.startedAt}${r.scheduled ? '  (scheduled)' : ''}`);
        return { json: page, text: rows.length ? rows.join('\n') : 'no reconciliations' };
      };
    }
  }
}
