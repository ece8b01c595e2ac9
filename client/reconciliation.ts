/**
 * The reconciliation from the outside (the CLI, the HTTP API, the worker at start): run one now,
 * read its report (running: the query; closed: the result), list the runs, create the daily
 * Schedule idempotently, and write a report as CSV. Workflows are started by type name, like refunds.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { ScheduleOverlapPolicy, type ScheduleOptionsAction } from '@temporalio/client';
import { stringify } from 'csv-stringify/sync';
import { PROVIDERS, type Provider } from '../domain/providers.js';
import { parseSince, RECONCILIATION_NAMES, type ReconciliationReport, type ReconciliationWindow } from '../domain/reconciliation.js';
import { getReconciliationQuery } from '../workflows/reconciliation-messages.js';

/** The reconciliation workflow's input (workflows/reconciliation.ts), for typed starts by name. */
export interface ReconciliationStart {
  sinceMs?: number;
  window?: ReconciliationWindow;
  providers?: Provider[];
}
type ReconciliationWorkflow = (input: ReconciliationStart) => Promise<ReconciliationReport>;

/** The daily run: at HH:MM UTC, over the last `sinceMs` (default 02:30 UTC over 2 days: each day is seen twice). */
export interface ScheduleSettings {
  at: string;
  sinceMs: number;
}
export const DEFAULT_SCHEDULE: ScheduleSettings = { at: '02:30', sinceMs: 2 * 86_400_000 };

export class ReconciliationInputError extends Error {
  override readonly name = 'ReconciliationInputError';
}
export class ReconciliationNotFoundError extends Error {
  override readonly name = 'ReconciliationNotFoundError';
  constructor(readonly reconciliationId: string) {
    super(`no reconciliation ${reconciliationId}`);
  }
}

/** "02:30" -> {hour: 2, minute: 30}; anything else throws ReconciliationInputError. */
export function parseAt(at: string): { hour: number; minute: number } {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(at.trim());
  if (!m) throw new ReconciliationInputError(`the schedule time must be HH:MM (UTC, 24-hour), got ${JSON.stringify(at)}`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

/** "2d" -> ms, or ReconciliationInputError naming the rule. */
export function sinceMsOf(text: string): number {
  const ms = parseSince(text);
  if (ms === undefined) throw new ReconciliationInputError(`--since must be a duration like 2d, 36h or 90m, at most 90 days; got ${JSON.stringify(text)}`);
  return ms;
}

export function providersOf(list: string | undefined): Provider[] | undefined {
  if (list === undefined || list.trim() === '') return undefined;
  const names = list.split(',').map((s) => s.trim().toLowerCase());
  const bad = names.filter((n) => !(PROVIDERS as readonly string[]).includes(n));
  if (bad.length) throw new ReconciliationInputError(`unknown provider ${bad.join(', ')} (one of ${PROVIDERS.join(', ')})`);
  return [...new Set(names)] as Provider[];
}

export interface ReconciliationRow {
  reconciliationId: string;
  status: string;
  startedAt: string;
  closedAt?: string;
  /** Started by the daily Schedule (else by hand). */
  scheduled: boolean;
}

export class ReconciliationClient {
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
  ) {}

  /** Start a run now; its id is returned at once (the run goes on without the caller). */
  async start(input: ReconciliationStart & { id?: string }): Promise<string> {
    const { id, ...args } = input;
    const reconciliationId = id ?? `reconciliation-${new Date().toISOString().replace(/[:.]/g, '-')}-${Math.random().toString(36).slice(2, 6)}`;
    await this.client.workflow.start<ReconciliationWorkflow>(RECONCILIATION_NAMES.workflowType, {
      taskQueue: this.taskQueue,
      workflowId: reconciliationId,
      args: [args],
      staticSummary: `reconciliation ${args.window ? `${args.window.from} .. ${args.window.to}` : `of the last ${Math.round((args.sinceMs ?? 0) / 3_600_000)} h`}${args.providers ? ` (${args.providers.join(', ')})` : ''}`,
    });
    return reconciliationId;
  }

  /** The run's report: while it runs, its progress so far (a query); once closed, its result. */
  async get(reconciliationId: string): Promise<ReconciliationReport> {
    const handle = this.client.workflow.getHandle<ReconciliationWorkflow>(reconciliationId);
    try {
      const desc = await handle.describe();
      if (desc.type !== RECONCILIATION_NAMES.workflowType) throw new ReconciliationNotFoundError(reconciliationId);
      if (desc.status.name === 'RUNNING') return await handle.query(getReconciliationQuery);
      if (desc.status.name === 'COMPLETED' || desc.status.name === 'CONTINUED_AS_NEW') return await handle.result();
      throw new Error(`reconciliation ${reconciliationId} ended ${desc.status.name.toLowerCase()}: see its history in the Temporal UI`);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ReconciliationNotFoundError(reconciliationId);
      throw err;
    }
  }

  /** Wait for the run's end, calling `progress` with each report read meanwhile (every `everyMs`). */
  async wait(reconciliationId: string, progress: (r: ReconciliationReport) => void = () => undefined, everyMs = 1000): Promise<ReconciliationReport> {
    const done = this.client.workflow.getHandle<ReconciliationWorkflow>(reconciliationId).result();
    let finished = false;
    void done.finally(() => (finished = true)).catch(() => undefined);
    while (!finished) {
      await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, everyMs))]);
      if (finished) break;
      const r = await this.get(reconciliationId).catch(() => undefined);
      if (r) progress(r);
    }
    return done;
  }

  /** Runs, newest first. */
  async list(opts: { pageSize?: number; pageToken?: string } = {}): Promise<{ reconciliations: ReconciliationRow[]; nextPageToken?: string }> {
    const res = await this.client.workflowService.listWorkflowExecutions({
      namespace: this.client.options.namespace,
      query: `WorkflowType = '${RECONCILIATION_NAMES.workflowType}' AND TaskQueue = '${this.taskQueue.replace(/[\\']/g, '')}'`,
      pageSize: Math.min(Math.max(opts.pageSize ?? 50, 1), 500),
      ...(opts.pageToken ? { nextPageToken: Buffer.from(opts.pageToken, 'base64url') } : {}),
    });
    const { executionInfoFromRaw } = await import('@temporalio/client/lib/helpers.js');
    const rows = await Promise.all(
      (res.executions ?? []).map(async (raw) => {
        const info = (await executionInfoFromRaw(raw, this.client.options.loadedDataConverter, raw, this.client.options.namespace)) as WorkflowExecutionInfo;
        const row: ReconciliationRow = {
          reconciliationId: info.workflowId,
          status: info.status.name.toLowerCase(),
          startedAt: info.startTime.toISOString(),
          scheduled: info.workflowId.startsWith(`${RECONCILIATION_NAMES.scheduleId}-`),
          ...(info.closeTime ? { closedAt: info.closeTime.toISOString() } : {}),
        };
        return row;
      }),
    );
    const token = res.nextPageToken && res.nextPageToken.length > 0 ? Buffer.from(res.nextPageToken).toString('base64url') : undefined;
    return { reconciliations: rows, ...(token ? { nextPageToken: token } : {}) };
  }

  /** The daily Schedule of this task queue (one per deployment sharing a namespace). */
  get scheduleId(): string {
    return `${RECONCILIATION_NAMES.scheduleId}-${this.taskQueue}`;
  }

  /**
   * Create the daily Schedule, or bring the one there in line: run twice, it is still one
   * Schedule. Its settings ride in its memo, so a changed time or window is seen and updated.
   */
  async ensureSchedule(settings: ScheduleSettings = DEFAULT_SCHEDULE): Promise<{ scheduleId: string; outcome: 'created' | 'unchanged' | 'updated' }> {
    const { hour, minute } = parseAt(settings.at);
    const scheduleId = this.scheduleId;
    const action: ScheduleOptionsAction = {
      type: 'startWorkflow',
      workflowType: RECONCILIATION_NAMES.workflowType,
      workflowId: scheduleId,
      taskQueue: this.taskQueue,
      args: [{ sinceMs: settings.sinceMs } satisfies ReconciliationStart],
    };
    const memo = { reconcile: { at: settings.at, sinceMs: settings.sinceMs, taskQueue: this.taskQueue } };
    const spec = { calendars: [{ hour, minute, comment: 'daily reconciliation (UTC)' }] };
    try {
      await this.client.schedule.create({ scheduleId, spec, action, memo, policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' } });
      return { scheduleId, outcome: 'created' };
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
    const handle = this.client.schedule.getHandle(scheduleId);
    const desc = await handle.describe();
    const current = desc.memo?.reconcile as typeof memo.reconcile | undefined;
    if (current && current.at === settings.at && current.sinceMs === settings.sinceMs && current.taskQueue === this.taskQueue) return { scheduleId, outcome: 'unchanged' };
    // The memo cannot be updated through a schedule update: the settings are re-created.
    await handle.delete();
    await this.client.schedule.create({ scheduleId, spec, action, memo, policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' } });
    return { scheduleId, outcome: 'updated' };
  }

  /** The Schedule as it is: its time, window and next runs; undefined when there is none. */
  async describeSchedule(): Promise<{ scheduleId: string; at: string; sinceMs: number; nextRuns: string[]; paused: boolean } | undefined> {
    try {
      const desc = await this.client.schedule.getHandle(this.scheduleId).describe();
      const s = desc.memo?.reconcile as { at: string; sinceMs: number } | undefined;
      return {
        scheduleId: this.scheduleId,
        at: s?.at ?? '?',
        sinceMs: s?.sinceMs ?? 0,
        nextRuns: desc.info.nextActionTimes.map((d) => d.toISOString()),
        paused: desc.state.paused,
      };
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return undefined;
      throw err;
    }
  }
}

const CSV_COLUMNS = [
  'kind',
  'provider',
  'account',
  'payment',
  'refund_id',
  'our_status',
  'our_amount_minor',
  'provider_refund_id',
  'provider_status',
  'provider_outcome',
  'provider_amount_minor',
  'currency',
  'actionable',
  'action',
  'detail',
] as const;

/** The report's mismatches as CSV (a header, one row each; docs/reconciliation.md). */
export function mismatchesCsv(report: ReconciliationReport): string {
  return stringify(
    report.mismatches.map((m) => [
      m.kind,
      m.provider,
      m.account ?? 'default',
      m.paymentKey,
      m.refundId ?? '',
      m.ourStatus ?? '',
      m.ourAmountMinor ?? '',
      m.providerRefundId ?? '',
      m.providerStatus ?? '',
      m.providerOutcome ?? '',
      m.providerAmountMinor ?? '',
      m.currency ?? '',
      m.actionable ? 'yes' : 'no',
      m.action ?? '',
      m.actionNote ? `${m.detail} (${m.actionNote})` : m.detail,
    ]),
    { header: true, columns: [...CSV_COLUMNS] },
  );
}

/** The totals as CSV: one row per provider, side and status. */
export function totalsCsv(report: ReconciliationReport): string {
  const rows: (string | number)[][] = [];
  for (const provider of report.providers) {
    const t = report.totals[provider];
    if (!t) continue;
    for (const [side, byStatus] of [['ours', t.ours], ['provider', t.provider]] as const) {
      for (const [status, total] of Object.entries(byStatus)) {
        rows.push([provider, side, status, total.count, Object.entries(total.amounts).map(([c, a]) => `${c} ${a}`).join('; ')]);
      }
    }
  }
  return stringify(rows, { header: true, columns: ['provider', 'side', 'status', 'count', 'amounts_minor'] });
}
