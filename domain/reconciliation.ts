/**
 * Reconciliation: what our refunds say against what each provider's records say, for a time
 * window. The records on both sides, the mismatch kinds, the report, and the one comparison
 * (pure, deterministic: the reconciliation workflow runs it). docs/reconciliation.md describes the
 * report. Pure TypeScript: safe to import from workflow code.
 */
import type { Provider } from './providers.js';
import type { RefundRequest } from './refund.js';
import type { RefundState } from './state.js';
import type { RefundStatus } from './status.js';

/** The names that cross between clients, the worker and workflows, defined once. */
export const RECONCILIATION_NAMES = {
  /** The reconciliation workflow (workflows/reconciliation.ts). */
  workflowType: 'reconciliation',
  /** Its report, also while it runs (progress). */
  reportQuery: 'getReconciliation',
  /** The refund workflow's update that puts it in needs_attention with a reconciliation's evidence. */
  flagUpdate: 'flagReconciliationMismatch',
  /** The daily Schedule's id: this, `-`, the task queue (one Schedule per deployment). */
  scheduleId: 'refund-reconciliation-daily',
} as const;

/** One refund of ours, as the reconciliation reads it (visibility + the refund's own state). */
export interface OurRefundRecord {
  refundId: string;
  provider: Provider;
  /** domain/refund.ts paymentKey(): SecPaid pay_id, OpenPayd transactionId, else paymentId. */
  paymentKey: string;
  payment: RefundRequest['payment'];
  /** The merchant account (domain/accounts.ts); absent = the default account. */
  account?: string;
  status: RefundStatus;
  currency: string;
  /** Succeeded: what it returned (the provider's figure, else what was sent); otherwise what was asked. */
  amountMinor?: number;
  /** The provider's id of the refund, once an answer gave it. */
  providerRefundId?: string;
  /** When the refund was requested / closed (ISO). */
  createdAt: string;
  closedAt?: string;
  /** The workflow is still running (an update can reach it). */
  open: boolean;
  /** A reconciliation already put it in needs_attention (its id). */
  flaggedBy?: string;
}

/** The status a provider's record proves, in our words (from the adapter's RefundOutcome). */
export type ProviderRecordStatus = 'approved' | 'authorized' | 'rejected' | 'failed' | 'pending' | 'unrecognized';

/** One refund as the provider's records show it. */
export interface ProviderRefundRecord {
  provider: Provider;
  paymentKey: string;
  /** The merchant account whose records these are; absent = the default account. */
  account?: string;
  providerRefundId?: string;
  status: ProviderRecordStatus;
  /** The provider's own status word, verbatim. */
  providerStatus?: string;
  amountMinor?: number;
  currency?: string;
  /** The provider's time of the refund, as it writes it. */
  createdAt?: string;
  /** Our refund id, when the provider carries our reference (Link Money's clientReferenceId). */
  ourRefundId?: string;
}

export const MISMATCH_KINDS = [
  /** The provider has a refund no refund of ours accounts for. */
  'unknown_refund',
  /** Ours succeeded, the provider has no such refund. */
  'missing_at_provider',
  /** Both have it; the amounts differ. */
  'amount_differs',
  /** Ours still pending (or needs_attention), the provider's record is final. */
  'pending_but_final',
  /** Both final, one succeeded and the other did not. */
  'status_differs',
] as const;
export type MismatchKind = (typeof MISMATCH_KINDS)[number];

/** What the reconciliation did about a mismatch. */
export type MismatchAction =
  /** The refund was put in needs_attention with this evidence. */
  | 'flagged'
  /** An earlier run had already flagged it with the same evidence. */
  | 'already_flagged'
  /** Actionable, but the refund's workflow has closed: only the report carries it (docs/reconciliation.md). */
  | 'report_only'
  /** The update was refused or failed; `actionNote` says why. */
  | 'flag_failed'
  /** Nothing to do on a refund of ours (a provider refund we do not know, an amount on a closed refund). */
  | 'none';

export interface Mismatch {
  kind: MismatchKind;
  provider: Provider;
  /** The merchant account; absent = the default account. */
  account?: string;
  paymentKey: string;
  currency?: string;
  /** Ours, when the mismatch concerns a refund of ours. */
  refundId?: string;
  ourStatus?: RefundStatus;
  ourAmountMinor?: number;
  /** The provider's side. */
  providerRefundId?: string;
  providerStatus?: string;
  providerOutcome?: ProviderRecordStatus;
  providerAmountMinor?: number;
  /** One sentence for people. */
  detail: string;
  /** The refund should be put in needs_attention (ours pending while final, ours succeeded but absent). */
  actionable: boolean;
  action?: MismatchAction;
  actionNote?: string;
}

export interface StatusTotal {
  count: number;
  /** Minor units per currency. */
  amounts: Record<string, number>;
}

export interface ProviderTotals {
  /** Our refunds in the window, by our status. */
  ours: Record<string, StatusTotal>;
  /** The provider's records read, by the status they prove. */
  provider: Record<string, StatusTotal>;
  /** Pairs found on both sides. */
  matched: number;
  mismatches: Partial<Record<MismatchKind, number>>;
}

export interface ReconciliationWindow {
  /** ISO, inclusive. */
  from: string;
  /** ISO, exclusive. */
  to: string;
}

export interface ReconciliationReport {
  reconciliationId: string;
  window: ReconciliationWindow;
  providers: Provider[];
  state: 'running' | 'completed';
  startedAt: string;
  completedAt?: string;
  /** Where the run is: provider, pages of our refunds read, records compared so far. */
  progress: { provider?: Provider; phase?: 'ours' | 'provider_list'; pages: number; ours: number; providerRecords: number; runs: number };
  totals: Partial<Record<Provider, ProviderTotals>>;
  mismatches: Mismatch[];
  /** Payments whose records a provider refused to show (an unknown payment, ...): nothing could be compared for them. */
  unreadable: { provider: Provider; account?: string; paymentKey: string; message: string }[];
  /** Mismatches not kept in `mismatches` (over MAX_REPORTED_MISMATCHES); the totals count them all. */
  mismatchesOmitted: number;
}

/** The report keeps at most this many mismatches (the totals count all): a workflow payload stays small. */
export const MAX_REPORTED_MISMATCHES = 2000;

export function emptyTotals(): ProviderTotals {
  return { ours: {}, provider: {}, matched: 0, mismatches: {} };
}

function add(totals: Record<string, StatusTotal>, status: string, currency: string | undefined, amountMinor: number | undefined): void {
  const t = (totals[status] ??= { count: 0, amounts: {} });
  t.count += 1;
  if (currency && amountMinor !== undefined) t.amounts[currency] = (t.amounts[currency] ?? 0) + amountMinor;
}

export function countOurs(totals: ProviderTotals, ours: readonly OurRefundRecord[]): void {
  for (const o of ours) add(totals.ours, o.status, o.currency, o.amountMinor);
}
export function countTheirs(totals: ProviderTotals, theirs: readonly ProviderRefundRecord[]): void {
  for (const t of theirs) add(totals.provider, t.status, t.currency, t.amountMinor);
}
export function countMismatches(totals: ProviderTotals, mismatches: readonly Mismatch[]): void {
  for (const m of mismatches) totals.mismatches[m.kind] = (totals.mismatches[m.kind] ?? 0) + 1;
}

const SUCCEEDED = new Set<string>(['approved', 'authorized']);
const REFUSED = new Set<string>(['rejected', 'failed']);
const OPEN = new Set<RefundStatus>(['pending', 'needs_attention']);
const isFinalRecord = (s: ProviderRecordStatus) => SUCCEEDED.has(s) || REFUSED.has(s);

function ourSide(o: OurRefundRecord): Partial<Mismatch> {
  return { refundId: o.refundId, ourStatus: o.status, ...(o.amountMinor !== undefined ? { ourAmountMinor: o.amountMinor } : {}), currency: o.currency };
}
function theirSide(t: ProviderRefundRecord): Partial<Mismatch> {
  return {
    ...(t.providerRefundId !== undefined ? { providerRefundId: t.providerRefundId } : {}),
    ...(t.providerStatus !== undefined ? { providerStatus: t.providerStatus } : {}),
    providerOutcome: t.status,
    ...(t.amountMinor !== undefined ? { providerAmountMinor: t.amountMinor } : {}),
    ...(t.currency !== undefined ? { currency: t.currency } : {}),
  };
}
/** The same payment of the same merchant account. */
const samePayment = (o: Pick<OurRefundRecord, 'paymentKey' | 'account'>, t: Pick<ProviderRefundRecord, 'paymentKey' | 'account'>) => t.paymentKey === o.paymentKey && (t.account ?? '') === (o.account ?? '');
const accountOf = (x: { account?: string }) => (x.account !== undefined ? { account: x.account } : {});

const said = (t: ProviderRefundRecord) => `${t.providerStatus ?? t.status}${t.providerRefundId ? ` (refund ${t.providerRefundId})` : ''}`;

/** The mismatch of one pair found on both sides, if any. */
export function comparePair(o: OurRefundRecord, t: ProviderRefundRecord, name: string): Mismatch | undefined {
  const base = { provider: o.provider, ...accountOf(o), paymentKey: o.paymentKey, ...ourSide(o), ...theirSide(t) };
  if (OPEN.has(o.status) && isFinalRecord(t.status)) {
    return { ...base, kind: 'pending_but_final', actionable: true, detail: `ours is ${o.status}; ${name} shows it final: ${said(t)}` } as Mismatch;
  }
  const ourSucceeded = SUCCEEDED.has(o.status);
  if ((ourSucceeded && REFUSED.has(t.status)) || (REFUSED.has(o.status) && SUCCEEDED.has(t.status))) {
    return { ...base, kind: 'status_differs', actionable: false, detail: `ours is ${o.status}; ${name} shows ${said(t)}` } as Mismatch;
  }
  if (ourSucceeded && SUCCEEDED.has(t.status) && o.amountMinor !== undefined && t.amountMinor !== undefined && o.amountMinor !== t.amountMinor) {
    return { ...base, kind: 'amount_differs', actionable: false, detail: `ours returned ${o.amountMinor}; ${name} shows ${t.amountMinor} (minor units, ${o.currency})` } as Mismatch;
  }
  return undefined;
}

export interface Comparison {
  matched: number;
  mismatches: Mismatch[];
  /** Provider records no refund of ours here accounts for: look for ours of their payments elsewhere first. */
  unmatched: ProviderRefundRecord[];
}

/**
 * Pair our refunds of one provider with its records: by the provider's refund id, then by our
 * reference the provider carries, then (for ours without a provider id yet, at most one in flight
 * per payment: the payment lock) by payment and amount, then by payment alone. What is left:
 * ours succeeded -> missing_at_provider; ours still open or refused -> nothing (not sent yet, or
 * not visible at SecPaid until its admin approves); theirs -> `unmatched`.
 */
export function compareRecords(ours: readonly OurRefundRecord[], theirs: readonly ProviderRefundRecord[], name: string): Comparison {
  const left = new Set(theirs);
  const pairs: [OurRefundRecord, ProviderRefundRecord][] = [];
  const unpaired: OurRefundRecord[] = [];
  const take = (o: OurRefundRecord, pick: (t: ProviderRefundRecord) => boolean): boolean => {
    for (const t of left) {
      if (samePayment(o, t) && pick(t)) {
        left.delete(t);
        pairs.push([o, t]);
        return true;
      }
    }
    return false;
  };
  const rest: OurRefundRecord[] = [];
  for (const o of ours) {
    if (o.providerRefundId !== undefined && take(o, (t) => t.providerRefundId === o.providerRefundId)) continue;
    if (take(o, (t) => t.ourRefundId === o.refundId)) continue;
    rest.push(o);
  }
  const claimable = (t: ProviderRefundRecord) => t.ourRefundId === undefined || t.ourRefundId === '';
  // Ours whose provider id we never learned (approved by an operator, pending, a lost answer).
  const withoutId = rest.filter((o) => o.providerRefundId === undefined);
  const still: OurRefundRecord[] = [];
  for (const o of withoutId) {
    if (o.amountMinor !== undefined && take(o, (t) => claimable(t) && t.amountMinor === o.amountMinor)) continue;
    still.push(o);
  }
  for (const o of still) if (!take(o, claimable)) unpaired.push(o);
  unpaired.push(...rest.filter((o) => o.providerRefundId !== undefined));

  const mismatches: Mismatch[] = [];
  for (const [o, t] of pairs) {
    const m = comparePair(o, t, name);
    if (m) mismatches.push(m);
  }
  for (const o of unpaired) {
    if (!SUCCEEDED.has(o.status)) continue;
    mismatches.push({
      provider: o.provider,
      ...accountOf(o),
      paymentKey: o.paymentKey,
      ...ourSide(o),
      ...(o.providerRefundId !== undefined ? { providerRefundId: o.providerRefundId } : {}),
      kind: 'missing_at_provider',
      actionable: true,
      detail: `ours is ${o.status}${o.providerRefundId ? ` as ${name} refund ${o.providerRefundId}` : ''}; ${name}'s records of payment ${o.paymentKey} have no such refund`,
    });
  }
  return { matched: pairs.length, mismatches, unmatched: [...left] };
}

/**
 * Provider records that matched none of our refunds in the window, after ours of the same payments
 * from any time (`elsewhere`) were looked up: those someone of ours accounts for are not in this
 * window's business; the rest are refunds we do not know.
 */
export function unknownRefunds(unmatched: readonly ProviderRefundRecord[], elsewhere: readonly OurRefundRecord[], name: string): Mismatch[] {
  const known = compareRecords(elsewhere, unmatched, name);
  return known.unmatched.map((t) => ({
    provider: t.provider,
    ...accountOf(t),
    paymentKey: t.paymentKey,
    ...theirSide(t),
    kind: 'unknown_refund',
    actionable: false,
    action: 'none',
    detail: `${name} shows a refund of payment ${t.paymentKey} that no refund of ours accounts for: ${said(t)}${t.amountMinor !== undefined ? `, ${t.amountMinor} minor units` : ''}`,
  }));
}

/** The evidence given to a refund put in needs_attention by a reconciliation (its update's input). */
export interface ReconciliationFlagInput {
  reconciliationId: string;
  kind: MismatchKind;
  detail: string;
  providerRefundId?: string;
  providerStatus?: string;
  providerOutcome?: ProviderRecordStatus;
  providerAmountMinor?: number;
}

/** What the refund keeps of it (`reconciliation` in its state). */
export interface ReconciliationEvidence extends ReconciliationFlagInput {
  at: string;
}

/** A refund's state with the evidence of the last reconciliation that flagged it (refunds of the `refund` type only). */
export type ReconciledRefundState = RefundState & { reconciliation?: ReconciliationEvidence };

/** Why a flag's input is refused, or undefined (the update's validator; checked without zod, like the operator inputs). */
export function flagInputProblem(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return 'the evidence must be an object';
  const i = input as Record<string, unknown>;
  if (typeof i.reconciliationId !== 'string' || i.reconciliationId.trim() === '' || i.reconciliationId.length > 300) return 'reconciliationId must be a non-empty string of at most 300 characters';
  if (typeof i.kind !== 'string' || !(MISMATCH_KINDS as readonly string[]).includes(i.kind)) return `kind must be one of ${MISMATCH_KINDS.join(', ')}`;
  if (typeof i.detail !== 'string' || i.detail.trim() === '' || i.detail.length > 1000) return 'detail must be a non-empty string of at most 1000 characters';
  for (const k of ['providerRefundId', 'providerStatus', 'providerOutcome'] as const) {
    if (i[k] !== undefined && (typeof i[k] !== 'string' || (i[k] as string).length > 200)) return `${k} must be a string of at most 200 characters`;
  }
  if (i.providerAmountMinor !== undefined && !Number.isSafeInteger(i.providerAmountMinor)) return 'providerAmountMinor must be an integer';
  return undefined;
}

/** The same evidence (a second run finding the same thing flags nothing new). */
export function sameEvidence(a: ReconciliationFlagInput | undefined, b: ReconciliationFlagInput): boolean {
  return !!a && a.kind === b.kind && a.providerRefundId === b.providerRefundId && a.providerOutcome === b.providerOutcome && a.providerAmountMinor === b.providerAmountMinor;
}

/** Durations like 2d, 36h, 90m: the window's length. Undefined for anything else. */
export function parseSince(text: string): number | undefined {
  const m = /^\s*(\d{1,4})\s*(d|h|m)\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2]!.toLowerCase() as 'd' | 'h' | 'm'];
  const ms = n * unit;
  return ms > 0 && ms <= MAX_WINDOW_MS ? ms : undefined;
}

/** The longest window one run takes (SecPaid's pay-in list looks back in whole days). */
export const MAX_WINDOW_MS = 90 * 86_400_000;
