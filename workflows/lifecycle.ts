/**
 * The refund's state inside the workflow, and the only code that writes it: every transition is
 * recorded with its time and cause, mirrored into the search attributes, and summarised for the
 * Temporal UI's current details (a short Markdown block).
 */
import type { ApprovalInput, ApprovalRecord } from '../domain/approval.js';
import { approvalDetailLines } from './approval.js';
import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { AMOUNT_RULES, expectedAmount } from '../domain/amount.js';
import { formatMoney } from '../domain/money.js';
import { providerFacts, type RefundOutcome } from '../domain/outcome.js';
import { PROVIDER_NAMES } from '../domain/providers.js';
import type { RefundRequest } from '../domain/refund.js';
import { initialRefundState, type CallbackDelivery, type OperatorInput, type ProviderOutcome, type RefundState, type RetryLink, type Transition } from '../domain/state.js';
import { isFinalStatus, isSucceeded, type PendingReason, type RefundStatus } from '../domain/status.js';
import { recordStatusChange } from './metrics.js';
import { retryDetailLines, settlementOf, type SettledHow } from './retry.js';
import { RefundAmountKey, RefundProviderKey, RefundStatusKey } from './search-attributes.js';
import { utc } from './time.js';

const REASON_TEXT: Record<PendingReason, string> = {
  submitting: 'Submitting to',
  awaiting_admin_review: 'Awaiting the admin review at',
  settlement_hold: 'In the 3-business-day settlement hold at',
  provider_processing: 'Processing at',
  awaiting_approval: 'Awaiting four-eyes approval before it is submitted to',
};

/** Answers in a row with an undocumented value, or time since the first, before a person is told. */
export const UNRECOGNIZED_PATIENCE = { answers: 3, ms: 60 * 60_000 } as const;

export interface TransitionExtra {
  pendingReason?: PendingReason;
  provider?: ProviderOutcome;
  attention?: string;
  by?: OperatorInput;
  /** For a final status: how it was established (linked retry reads it, domain/retry.ts). */
  settled?: SettledHow;
}

export class Lifecycle {
  readonly #state: RefundState;
  /** Called after every change of status (not of pending reason), with the previous status. */
  onStatusChange?: (transition: Transition, previous: RefundStatus) => void;
  /** Called by waits(): what only waiting refunds pay for starts here (workflows/overdue.ts arms its timer). */
  onWait?: () => void;
  /** A submission is in flight: it may reach the provider, so the refund can no longer be canceled. */
  #submitting = false;
  /**
   * The client starts every refund with its search attributes; the workflow keeps RefundStatus
   * (and, once it succeeded, RefundAmount) current. A refund started without them (the
   * time-skipping test server knows no custom attributes) is not indexed, and the workflow does not try.
   */
  readonly #indexed = workflowInfo().typedSearchAttributes.get(RefundProviderKey) !== undefined;

  constructor(refundId: string, request: RefundRequest, nowIso: string, retryOf?: RetryLink, approval?: ApprovalInput) {
    this.#state = initialRefundState(refundId, request, nowIso, retryOf, approval);
    this.refreshDetails();
  }

  /** Read-only view for queries, handlers and flows. */
  get state(): Readonly<RefundState> {
    return this.#state;
  }
  get request(): RefundRequest {
    return this.#state.request;
  }
  get status(): RefundStatus {
    return this.#state.status;
  }
  get isFinal(): boolean {
    return isFinalStatus(this.#state.status);
  }
  get providerName(): string {
    return PROVIDER_NAMES[this.#state.request.provider];
  }
  /** True once anything may have reached the provider (or is on its way there). */
  get maybeSubmitted(): boolean {
    return this.#submitting || this.#state.submitAttempts > 0;
  }

  /** Record a transition. The same status and reason again only updates what the provider said. */
  transition(status: RefundStatus, cause: string, extra: TransitionExtra = {}): void {
    if (this.isFinal) return; // a final status never changes
    const s = this.#state;
    const now = new Date().toISOString(); // workflow time: deterministic inside workflows
    const pendingReason = status === 'pending' ? extra.pendingReason : undefined;
    if (extra.provider) s.provider = { ...s.provider, ...extra.provider };
    const previous = s.status;
    const statusChanged = status !== previous;
    s.updatedAt = now;
    if (statusChanged || pendingReason !== s.pendingReason) {
      const t: Transition = { at: now, status, cause };
      if (pendingReason) t.pendingReason = pendingReason;
      if (extra.provider?.code !== undefined) t.providerCode = extra.provider.code;
      if (extra.provider?.message !== undefined) t.providerMessage = extra.provider.message;
      s.transitions.push(t);
      s.since = now;
      s.status = status;
      if (pendingReason) s.pendingReason = pendingReason;
      else delete s.pendingReason;
    }
    if (status === 'needs_attention') s.attention = extra.attention ?? cause;
    else delete s.attention;
    if (extra.by?.operator) s.resolvedBy = extra.by.operator;
    if (isFinalStatus(status)) {
      s.settledBy = settlementOf(s, extra.settled, extra.by);
      delete s.nextCheckAt;
      delete s.waitingFor;
      if (s.lock === 'waiting') delete s.lock; // it never got its turn: nothing to hand on
    }
    if (statusChanged && this.#indexed) {
      const refunded = isSucceeded(status) ? this.refundedMinor() : undefined;
      upsertSearchAttributes([
        { key: RefundStatusKey, value: status },
        // What a successful refund returned: the payment lock adds it to the payment's account.
        ...(refunded !== undefined ? [{ key: RefundAmountKey, value: refunded }] : []),
      ]);
    }
    this.refreshDetails();
    if (statusChanged) {
      this.onStatusChange?.(s.transitions.at(-1)!, previous);
      recordStatusChange(s, previous, status);
    }
  }

  /** What the refund returned once it succeeded: the provider's figure, else what was sent or asked. */
  refundedMinor(): number | undefined {
    const s = this.#state;
    return s.provider.amountMinor ?? s.sent?.sendMinor ?? expectedAmount(s.request);
  }

  /** Four-eyes approval (workflows/approval.ts): a decision on the gate (its transition is recorded separately). */
  recordApproval(patch: Partial<ApprovalRecord>): void {
    if (!this.#state.approval) return;
    this.#state.approval = { ...this.#state.approval, ...patch };
    this.refreshDetails();
  }

  /** Keep what the provider answered, for people (the raw values are shown, never matched). */
  noteAnswer(outcome: RefundOutcome): void {
    const s = this.#state;
    const facts = providerFacts(outcome);
    s.provider = { ...s.provider, ...facts };
    s.lastAnswer = {
      at: new Date().toISOString(),
      meaning: outcome.kind === 'final' ? outcome.status : outcome.kind === 'pending' ? `pending (${outcome.reason})` : outcome.kind,
      ...facts,
      ...(outcome.kind === 'unrecognized' ? { raw: outcome.raw } : {}),
    };
    if (outcome.kind === 'unrecognized') {
      s.unrecognized = s.unrecognized ? { ...s.unrecognized, count: s.unrecognized.count + 1, raw: outcome.raw } : { count: 1, since: s.lastAnswer.at, raw: outcome.raw };
    } else {
      delete s.unrecognized;
    }
    this.refreshDetails();
  }

  /** True when undocumented answers have gone on long enough that a person must look. */
  unrecognizedTooLong(): boolean {
    const u = this.#state.unrecognized;
    return !!u && (u.count >= UNRECOGNIZED_PATIENCE.answers || Date.now() - Date.parse(u.since) >= UNRECOGNIZED_PATIENCE.ms);
  }

  /** The list of callback deliveries, created on first use: the outbox appends and updates its entries. */
  callbackLog(): CallbackDelivery[] {
    this.#state.callbacks ??= [];
    return this.#state.callbacks;
  }

  // ---- submission bookkeeping ----
  beginSubmission(): void {
    this.#submitting = true;
    this.#state.submittedAt ??= new Date().toISOString();
  }
  /** The submission activity ended. `sent`: it may have reached the provider. */
  endSubmission(sent: boolean): void {
    this.#submitting = false;
    if (sent) this.#state.submitAttempts += 1;
    if (sent) delete this.#state.waitingFor;
  }
  recordSent(amount: { full: boolean; sendMinor?: number }): void {
    this.#state.sent = { full: amount.full, ...(amount.sendMinor !== undefined ? { sendMinor: amount.sendMinor } : {}) };
  }
  countLostAnswer(): number {
    this.#state.lostAnswers = (this.#state.lostAnswers ?? 0) + 1;
    return this.#state.lostAnswers;
  }
  countUnsentRetry(): number {
    this.#state.unsentRetries = (this.#state.unsentRetries ?? 0) + 1;
    return this.#state.unsentRetries;
  }

  // ---- payment lock ----
  waitForTurn(holder: string): void {
    this.#state.lock = 'waiting';
    this.#state.waitingFor = holder;
    this.refreshDetails();
  }
  /** The submission may have taken the payment lock (only providers whose refunds are serialised take one). */
  holdLock(): void {
    delete this.#state.waitingFor;
    if (AMOUNT_RULES[this.#state.request.provider].serialised) this.#state.lock = 'held';
  }
  lockReleased(): void {
    delete this.#state.lock;
    delete this.#state.waitingFor;
  }

  // ---- waiting ----
  countCheck(): number {
    this.#state.checks = (this.#state.checks ?? 0) + 1;
    return this.#state.checks;
  }
  setNextCheck(atMs: number | undefined): void {
    if (atMs === undefined) delete this.#state.nextCheckAt;
    else this.#state.nextCheckAt = new Date(atMs).toISOString();
    this.refreshDetails();
  }

  /** The refund is about to wait (a timer of the submission or of the outcome, or a person). */
  waits(): void {
    this.onWait?.();
  }

  // ---- expected-by (workflows/overdue.ts) ----
  setExpectedBy(iso: string): void {
    this.#state.expectedBy = iso;
    this.refreshDetails();
  }
  /** Passed expectedBy while not final: a transition that keeps the status and pending reason (polling goes on untouched). */
  markOverdue(cause: string): Transition {
    const s = this.#state;
    const now = new Date().toISOString();
    const t: Transition = { at: now, status: s.status, ...(s.status === 'pending' && s.pendingReason ? { pendingReason: s.pendingReason } : {}), cause, event: 'overdue' };
    s.transitions.push(t);
    s.overdueAt = now;
    s.updatedAt = now;
    this.refreshDetails();
    return t;
  }

  /** The Temporal UI's current details: a short Markdown block a person reads at a glance. */
  refreshDetails(): void {
    const s = this.#state;
    const name = this.providerName;
    const lines: string[] = [];
    const amount = expectedAmount(s.request);
    const what = amount === undefined ? `full refund (${s.request.currency})` : formatMoney({ amountMinor: amount, currency: s.request.currency });
    if (s.status === 'pending') {
      lines.push(`**Pending**: ${REASON_TEXT[s.pendingReason ?? 'provider_processing']} ${name} since ${utc(s.since)}`);
      if (s.waitingFor) lines.push(`- Waiting for its turn: refund \`${s.waitingFor}\` of the same payment is in flight`);
    } else if (s.status === 'needs_attention') {
      lines.push(`**Needs attention** since ${utc(s.since)}: ${s.attention ?? ''}`);
    } else {
      lines.push(`**${s.status[0]!.toUpperCase()}${s.status.slice(1)}** at ${utc(s.since)}: ${s.transitions.at(-1)?.cause ?? ''}`);
    }
    lines.push('', `- Refund: ${what}`); // a blank line, so the rest renders as a Markdown list
    lines.push(...retryDetailLines(s));
    lines.push(...approvalDetailLines(s));
    if (s.expectedBy) lines.push(`- Expected by: ${utc(s.expectedBy)}${s.overdueAt ? ` (**overdue** since ${utc(s.overdueAt)})` : ''}`);
    if (s.nextCheckAt) lines.push(`- Next check: ${utc(s.nextCheckAt)}${s.checks ? ` (${s.checks} made so far)` : ''}`);
    const refs = [s.provider.refundId ? `refund id \`${s.provider.refundId}\`` : undefined].filter(Boolean);
    if (refs.length) lines.push(`- ${name} reference: ${refs.join(', ')}`);
    const a = s.lastAnswer;
    if (a) {
      const said = [a.status, a.code, a.message ? `"${a.message}"` : undefined].filter(Boolean).join(' ');
      lines.push(`- Last ${name} answer (${utc(a.at)}): ${said || a.meaning}${a.raw ? ` — undocumented value ${a.raw}, shown as received` : ''}`);
    }
    if (s.unrecognized) lines.push(`- Undocumented answers in a row: ${s.unrecognized.count} since ${utc(s.unrecognized.since)}`);
    setCurrentDetails(lines.join('\n'));
  }
}
