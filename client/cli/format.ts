/**
 * Human-readable output: the refund state, transitions and the list table. Money is always
 * rendered exactly from minor units (domain/money.ts), never through floating point.
 */
import { formatMoney, isCurrencyCode } from '../../domain/money.js';
import { PROVIDER_NAMES } from '../../domain/providers.js';
import { thresholdText } from '../../domain/approval.js';
import { expectedAmount } from '../../domain/amount.js';
import { paymentKey } from '../../domain/refund.js';
import type { RefundState, Transition } from '../../domain/state.js';
import { PENDING_REASONS, REFUND_STATUSES } from '../../domain/status.js';
import { isOverdue } from '../expected-by.js';
import type { RefundSummaryRow } from '../refunds-client.js';

/** "2026-05-04 10:00:03Z": ISO UTC, second precision, easy to read and to sort. */
export function time(iso: string | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function money(amountMinor: number | undefined, currency: string | undefined): string {
  if (amountMinor === undefined || currency === undefined) return '-';
  return isCurrencyCode(currency) ? formatMoney({ amountMinor, currency }) : `${currency} ${amountMinor} (minor units)`;
}

export function statusText(status: string, pendingReason?: string): string {
  return pendingReason && status === 'pending' ? `${status} (${pendingReason})` : status;
}

/** Columns padded to the widest cell, two spaces apart, no trailing blanks. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function amountText(state: RefundState): string {
  const req = state.request;
  if (req.amount !== 'full') return money(req.amount, req.currency);
  const known = expectedAmount(req);
  return known === undefined ? `full amount (${req.currency})` : `full amount, ${money(known, req.currency)}`;
}

function providerCodes(t: { providerCode?: string; providerMessage?: string }): string {
  return [t.providerCode, t.providerMessage].filter(Boolean).join(' ');
}

/** Wide enough for every status text ("pending (awaiting_admin_review)"), so watch lines align. */
const STATUS_WIDTH = Math.max(...REFUND_STATUSES.map((s) => s.length), ...PENDING_REASONS.map((r) => statusText('pending', r).length));

/** One transition on one line (watch, operator actions). */
export function transitionLine(t: Transition): string {
  const codes = providerCodes(t);
  return `${time(t.at)}  ${statusText(t.status, t.pendingReason).padEnd(STATUS_WIDTH)}  ${t.cause}${codes ? `  [provider: ${codes}]` : ''}`;
}

export function transitionsTable(transitions: Transition[]): string {
  return table(
    ['TIME', 'STATUS', 'CAUSE', 'PROVIDER CODE/MESSAGE'],
    transitions.map((t) => [time(t.at), statusText(t.status, t.pendingReason), t.cause, providerCodes(t) || '-']),
  );
}

/** The banner a refund in needs_attention gets, wherever it is shown. */
export function attentionBanner(state: RefundState): string {
  return [
    `!!! NEEDS ATTENTION: ${state.attention ?? 'a person must settle this refund'}`,
    `!!! settle it with: refunds resolve ${state.refundId} --status <outcome> --note "<what you established>"`,
  ].join('\n');
}

/** "2026-12-11 10:00:05Z", and once it has passed while not final: "2026-12-11 10:00:05Z  OVERDUE (marked 2026-12-11 10:00:05Z)". */
export function expectedByText(state: Pick<RefundState, 'expectedBy' | 'overdueAt' | 'status' | 'approval'>): string {
  if (!state.expectedBy) return '-';
  if (state.overdueAt) return `${time(state.expectedBy)}  OVERDUE (marked ${time(state.overdueAt)})`;
  return `${time(state.expectedBy)}${isOverdue(state) ? '  OVERDUE' : ''}`;
}

/** Four-eyes approval (13a), when the refund has a gate: who asked, the threshold, the deadline or the decision. */
function fourEyesRows(state: RefundState): [string, string][] {
  const a = state.approval;
  if (!a) return [];
  const decided = a.state === 'granted' || a.state === 'refused' ? `${a.state} by ${a.decidedBy} at ${time(a.decidedAt)}${a.reason ? `: ${a.reason}` : a.note ? ` (${a.note})` : ''}` : a.state === 'expired' ? `expired at ${time(a.decidedAt)}: nobody decided, canceled` : `canceled at ${time(a.decidedAt)} before a decision`;
  return [
    ['Four-eyes', `requested by ${a.requester}; reaches the approval threshold ${thresholdText(a.threshold)}`],
    ['Approval', a.state === 'awaiting' ? `AWAITING another operator until ${time(a.deadline)} (then canceled): refunds four-eyes approve|refuse ${state.refundId}` : decided],
  ];
}

/** `refunds show`: the whole state. */
export function showState(state: RefundState): string {
  const req = state.request;
  const p = state.provider;
  const rows: [string, string][] = [
    ['Refund', state.refundId],
    ['Status', statusText(state.status, state.pendingReason)],
    ['Since', time(state.since)],
  ];
  if (state.expectedBy) rows.push(['Expected by', expectedByText(state)]);
  if (state.nextCheckAt) rows.push(['Next check', `${time(state.nextCheckAt)}${state.checks ? ` (${state.checks} made so far)` : ''}`]);
  if (state.polling) rows.push(['Checking', `${state.polling.what} (since ${time(state.polling.since)})`]);
  if (state.waitingFor) rows.push(['Waiting for', `${state.waitingFor} (a refund of the same payment in flight)`]);
  rows.push(
    ['Provider', `${PROVIDER_NAMES[req.provider]} (${req.provider})`],
    ['Payment', `${paymentKey(req)}${req.provider === 'openpayd' ? ` (reference ${req.payment.referenceNo})` : ''}${req.provider === 'linkmoney' && req.payment.settledAt ? ` (settled ${time(req.payment.settledAt)})` : ''}`],
    ['Amount', amountText(state)],
  );
  if (req.originalAmount !== undefined) rows.push(['Original', money(req.originalAmount, req.currency)]);
  if (req.account !== undefined) rows.push(['Account', req.account]); // a named merchant account (docs/accounts.md)
  rows.push(['Key', req.idempotencyKey]);
  if (state.retryOf) rows.push(['Retry of', `${state.retryOf.refundId} (this is attempt ${state.retryOf.attempt}: ${state.retryOf.proof})`]);
  if (state.retriedBy) rows.push(['Retried by', `${state.retriedBy} (a new attempt of this refund)`]);
  if (req.reason) rows.push(['Reason', req.reason]);
  if (req.metadata && Object.keys(req.metadata).length > 0) {
    rows.push(['Metadata', Object.entries(req.metadata).map(([k, v]) => `${k}=${v}`).join(', ')]);
  }
  rows.push(['Created', time(state.createdAt)], ['Updated', time(state.updatedAt)], ['Submissions', String(state.submitAttempts)]);
  const answer = [
    p.refundId ? `refund ${p.refundId}` : '',
    p.status ? `status ${p.status}` : '',
    p.code ? `code ${p.code}` : '',
    p.message ? `message "${p.message}"` : '',
    p.amountMinor !== undefined ? `refunded ${money(p.amountMinor, req.currency)}` : '',
  ].filter(Boolean);
  rows.push(['Provider says', answer.length ? answer.join(', ') : '-']);
  if (state.lastAnswer) rows.push(['Last answer', `${time(state.lastAnswer.at)}: ${state.lastAnswer.meaning}${state.lastAnswer.raw ? `, undocumented value ${state.lastAnswer.raw}` : ''}`]);
  if (state.unrecognized) rows.push(['Undocumented', `${state.unrecognized.count} answer(s) in a row since ${time(state.unrecognized.since)}: ${state.unrecognized.raw}`]);
  rows.push(...fourEyesRows(state));
  if (state.resolvedBy) rows.push(['Resolved by', state.resolvedBy]);
  if (state.attention && state.status !== 'needs_attention') rows.push(['Attention', state.attention]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return [
    ...(state.status === 'needs_attention' ? [attentionBanner(state), ''] : []),
    ...rows.map(([k, v]) => `${k.padEnd(width)}${v}`),
    '',
    transitionsTable(state.transitions),
  ].join('\n');
}

/** `refunds list`: one row per refund. */
export function listTable(rows: RefundSummaryRow[]): string {
  return table(
    ['ID', 'STATUS', 'PROVIDER', 'PAYMENT', 'AMOUNT', 'CREATED', 'EXPECTED BY'],
    rows.map((r) => [
      r.refundId,
      r.approval === 'awaiting' && r.status === 'pending' ? statusText('pending', 'awaiting_approval') : (r.status ?? '-'),
      r.provider ?? '-',
      r.paymentId ?? '-',
      r.amountMinor === undefined ? (r.currency ? `full (${r.currency})` : '-') : money(r.amountMinor, r.currency),
      time(r.createdAt),
      r.expectedBy ? `${time(r.expectedBy)}${isOverdue(r) ? ' overdue' : ''}` : '-',
    ]),
  );
}
