/**
 * The reconciliation workflow (type `reconciliation`): for a time window, each provider's records
 * against our refunds of its task queue (one deployment, whose worker holds the credentials). Per provider: page through our refunds of the window (activities read them
 * through visibility and each refund's state), read the provider's refunds of their payments
 * (the adapters' record readers), compare (domain/reconciliation.ts compareRecords), look up ours
 * of any payment whose provider refund matched nothing in the window, and for SecPaid sweep its
 * pay-in list for refunds of payments we never refunded. An actionable mismatch flags its refund
 * (needs_attention with the evidence). The report is the result and, while it runs, a query.
 * Large windows continue-as-new between pages, carrying the report and the cursor.
 */
import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ReconciliationActivities } from '../activities/reconciliation.js';
import type { PaymentToRead } from '../activities/records.js';
import { PROVIDER_NAMES, PROVIDERS, type Provider } from '../domain/providers.js';
import {
  compareRecords,
  countMismatches,
  countOurs,
  countTheirs,
  emptyTotals,
  MAX_REPORTED_MISMATCHES,
  unknownRefunds,
  type Mismatch,
  type OurRefundRecord,
  type ProviderTotals,
  type ReconciliationReport,
  type ReconciliationWindow,
} from '../domain/reconciliation.js';
import { getReconciliationQuery } from './reconciliation-messages.js';

export interface ReconciliationInput {
  /** The window: `to` is the run's start, `from` this long before (a Schedule's runs). Default 2 days. */
  sinceMs?: number;
  /** An explicit window instead. */
  window?: ReconciliationWindow;
  /** Default: all four. */
  providers?: Provider[];
  /** Pages (of our refunds or of SecPaid's list) per run before continuing as new (default 40). */
  pagesPerRun?: number;
  /** Carried across continue-as-new. */
  carry?: ReconciliationCarry;
}

export interface ReconciliationCarry {
  report: ReconciliationReport;
  providerIndex: number;
  phase: 'ours' | 'provider_list';
  pageToken?: string;
  secpaidPage?: number;
  /** Which of the SecPaid accounts the sweep is at. */
  secpaidAccount?: number;
}

const DAY = 86_400_000;
export const DEFAULT_SINCE_MS = 2 * DAY;
/** Payments per provider read (one activity): bounded, heartbeating. */
const PAYMENTS_PER_READ = 25;

const acts = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  scheduleToCloseTimeout: '6 hours',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function reconciliation(input: ReconciliationInput = {}): Promise<ReconciliationReport> {
  const info = workflowInfo();
  const report: ReconciliationReport = input.carry?.report ?? {
    reconciliationId: info.workflowId,
    window: input.window ?? { from: new Date(Date.now() - (input.sinceMs ?? DEFAULT_SINCE_MS)).toISOString(), to: new Date(Date.now()).toISOString() },
    providers: input.providers?.length ? [...input.providers] : [...PROVIDERS],
    state: 'running',
    startedAt: new Date().toISOString(),
    progress: { pages: 0, ours: 0, providerRecords: 0, runs: 1 },
    totals: {},
    mismatches: [],
    unreadable: [],
    mismatchesOmitted: 0,
  };
  setHandler(getReconciliationQuery, () => report);
  const pagesPerRun = input.pagesPerRun ?? 40;
  let pagesThisRun = 0;
  const carry = input.carry;
  /** Continue as new when this run has read enough pages or Temporal suggests it. */
  const shouldContinue = () => ++pagesThisRun >= pagesPerRun || workflowInfo().continueAsNewSuggested;
  const next = (c: Omit<ReconciliationCarry, 'report'>) => {
    report.progress.runs += 1;
    return continueAsNew<typeof reconciliation>({ ...input, carry: { report, ...c } });
  };

  for (let pi = carry?.providerIndex ?? 0; pi < report.providers.length; pi++) {
    const provider = report.providers[pi]!;
    const totals = (report.totals[provider] ??= emptyTotals());
    const resumed = carry && pi === carry.providerIndex ? carry : undefined;
    report.progress.provider = provider;
    if (!resumed || resumed.phase === 'ours') {
      report.progress.phase = 'ours';
      let pageToken = resumed?.pageToken;
      do {
        const page = await acts.listOurRefunds({ provider, window: report.window, taskQueue: workflowInfo().taskQueue, ...(pageToken ? { pageToken } : {}) });
        await reconcilePage(report, totals, provider, page.refunds);
        report.progress.pages += 1;
        pageToken = page.nextPageToken;
        if (pageToken && shouldContinue()) return next({ providerIndex: pi, phase: 'ours', pageToken });
      } while (pageToken);
    }
    if (provider === 'secpaid') {
      report.progress.phase = 'provider_list';
      const since = Math.ceil((Date.parse(report.window.to) - Date.parse(report.window.from)) / DAY) + 1;
      const accounts = await acts.secpaidAccounts();
      for (let ai = resumed?.secpaidAccount ?? 0; ai < accounts.length; ai++) {
        const first = resumed?.phase === 'provider_list' && ai === (resumed.secpaidAccount ?? 0) ? (resumed.secpaidPage ?? 1) : 1;
        for (let page = first; ; page++) {
          const more = await sweepSecpaid(report, totals, accounts[ai], since, page);
          report.progress.pages += 1;
          if (!more) break;
          if (shouldContinue()) return next({ providerIndex: pi, phase: 'provider_list', secpaidAccount: ai, secpaidPage: page + 1 });
        }
      }
    }
  }
  report.state = 'completed';
  report.completedAt = new Date().toISOString();
  delete report.progress.provider;
  delete report.progress.phase;
  return report;
}

/** Each payment once, per merchant account. */
function uniquePayments(ours: readonly OurRefundRecord[]): PaymentToRead[] {
  const seen = new Map<string, PaymentToRead>();
  for (const o of ours) {
    const key = `${o.account ?? ''}\n${o.paymentKey}`;
    if (!seen.has(key)) seen.set(key, { paymentKey: o.paymentKey, payment: o.payment, ...(o.account !== undefined ? { account: o.account } : {}) });
  }
  return [...seen.values()];
}

/** Payment keys by merchant account (undefined = the default). */
function byAccount<T extends { paymentKey: string; account?: string }>(items: readonly T[]): Map<string | undefined, string[]> {
  const out = new Map<string | undefined, string[]>();
  for (const i of items) {
    const keys = out.get(i.account) ?? [];
    if (!keys.includes(i.paymentKey)) keys.push(i.paymentKey);
    out.set(i.account, keys);
  }
  return out;
}

/** One page of our refunds against the provider's refunds of their payments. */
async function reconcilePage(report: ReconciliationReport, totals: ProviderTotals, provider: Provider, ours: OurRefundRecord[]): Promise<void> {
  const name = PROVIDER_NAMES[provider];
  countOurs(totals, ours);
  report.progress.ours += ours.length;
  const payments = uniquePayments(ours);
  const theirs = [];
  for (let i = 0; i < payments.length; i += PAYMENTS_PER_READ) {
    const read = await acts.readProviderRecords({ provider, payments: payments.slice(i, i + PAYMENTS_PER_READ) });
    theirs.push(...read.records);
    report.unreadable.push(...read.unreadable.map((u) => ({ provider, ...u })));
  }
  countTheirs(totals, theirs);
  report.progress.providerRecords += theirs.length;
  const cmp = compareRecords(ours, theirs, name);
  totals.matched += cmp.matched;
  const mismatches = cmp.mismatches;
  if (cmp.unmatched.length > 0) {
    // Ours of the same payments outside the window (an older refund the provider still lists).
    const inPage = new Set(ours.map((o) => o.refundId));
    const elsewhere: OurRefundRecord[] = [];
    for (const [account, paymentKeys] of byAccount(cmp.unmatched)) {
      const found = await acts.findOurRefundsOfPayments({ provider, taskQueue: workflowInfo().taskQueue, paymentKeys, ...(account !== undefined ? { account } : {}) });
      elsewhere.push(...found.filter((o) => !inPage.has(o.refundId)));
    }
    mismatches.push(...unknownRefunds(cmp.unmatched, elsewhere, name));
  }
  await act(report, totals, ours, mismatches);
}

/** A page of SecPaid's pay-in list: Refund entries of payments none of our refunds (at any time) is of. */
async function sweepSecpaid(report: ReconciliationReport, totals: ProviderTotals, account: string | undefined, since: number, page: number): Promise<boolean> {
  const acc = account !== undefined ? { account } : {};
  const { records, more } = await acts.listSecpaidRefunds({ ...acc, since, page });
  const keys = [...new Set(records.map((r) => r.paymentKey))];
  const ours = await acts.findOurRefundsOfPayments({ provider: 'secpaid', taskQueue: workflowInfo().taskQueue, ...acc, paymentKeys: keys });
  // Payments with refunds of ours are compared with those refunds in their own windows.
  const oursKeys = new Set(ours.map((o) => o.paymentKey));
  const foreign = records.filter((r) => !oursKeys.has(r.paymentKey));
  countTheirs(totals, foreign);
  report.progress.providerRecords += foreign.length;
  await act(report, totals, [], unknownRefunds(foreign, [], PROVIDER_NAMES.secpaid));
  return more;
}

/** Flag the refund of each actionable mismatch (when it is still open), then keep them in the report. */
async function act(report: ReconciliationReport, totals: ProviderTotals, ours: readonly OurRefundRecord[], mismatches: Mismatch[]): Promise<void> {
  const byId = new Map(ours.map((o) => [o.refundId, o]));
  for (const m of mismatches) {
    if (!m.actionable) {
      m.action ??= 'none';
      continue;
    }
    const o = m.refundId === undefined ? undefined : byId.get(m.refundId);
    if (!o || !o.open) {
      m.action = 'report_only';
      m.actionNote = 'the refund has closed (a final status never changes): an operator follows it up from this report';
      continue;
    }
    const r = await acts.flagRefund({
      refundId: o.refundId,
      evidence: {
        reconciliationId: report.reconciliationId,
        kind: m.kind,
        detail: m.detail,
        ...(m.providerRefundId !== undefined ? { providerRefundId: m.providerRefundId } : {}),
        ...(m.providerStatus !== undefined ? { providerStatus: m.providerStatus } : {}),
        ...(m.providerOutcome !== undefined ? { providerOutcome: m.providerOutcome } : {}),
        ...(m.providerAmountMinor !== undefined ? { providerAmountMinor: m.providerAmountMinor } : {}),
      },
    });
    m.action = r.action;
    if (r.note) m.actionNote = r.note;
  }
  countMismatches(totals, mismatches);
  const room = MAX_REPORTED_MISMATCHES - report.mismatches.length;
  report.mismatches.push(...mismatches.slice(0, Math.max(0, room)));
  report.mismatchesOmitted += Math.max(0, mismatches.length - Math.max(0, room));
}
