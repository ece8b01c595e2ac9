/**
 * The refund's state machine inside the workflow: every transition is recorded with its time
 * and cause, and mirrored into the search attributes and the UI's current details.
 */
import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { PROVIDER_NAMES } from '../../domain/providers.js';
import type { RefundRequest } from '../../domain/refund.js';
import { initialRefundState, type OperatorInput, type ProviderOutcome, type RefundState, type Transition } from '../../domain/state.js';
import { isFinalStatus, type PendingReason, type RefundStatus } from '../../domain/status.js';
import { recordStatusChange } from './metrics.js';
import { RefundProviderKey, RefundStatusKey } from '../search-attributes.js';

const REASON_TEXT: Record<PendingReason, string> = {
  submitting: 'Submitting to',
  awaiting_admin_review: 'Awaiting admin review at',
  settlement_hold: 'In the 3-business-day settlement hold at',
  provider_processing: 'Processing at',
  awaiting_approval: 'Awaiting four-eyes approval before it is submitted to', // never set by v1: the map is only complete
};

export class Lifecycle {
  readonly state: RefundState;
  /** Called after every change of status (not of pending reason), with the previous status. */
  onStatusChange?: (transition: Transition, previous: RefundStatus) => void;
  /**
   * The client starts every refund with its search attributes (RefundStatus, RefundProvider, ...);
   * the workflow keeps RefundStatus current. A refund started without them (the time-skipping
   * test server knows no custom attributes) is not indexed, and the workflow does not try.
   */
  private readonly indexed = workflowInfo().typedSearchAttributes.get(RefundProviderKey) !== undefined;

  constructor(refundId: string, request: RefundRequest, nowIso: string) {
    this.state = initialRefundState(refundId, request, nowIso);
    this.refreshDetails();
  }

  get status(): RefundStatus {
    return this.state.status;
  }

  get isFinal(): boolean {
    return isFinalStatus(this.state.status);
  }

  private now(): string {
    return new Date().toISOString(); // workflow time: Date is deterministic inside workflows
  }

  /** Record a transition. Same status and reason again only updates provider details. */
  transition(
    status: RefundStatus,
    cause: string,
    extra: { pendingReason?: PendingReason; provider?: ProviderOutcome; attention?: string; by?: OperatorInput } = {},
  ): void {
    if (this.isFinal) return; // a final status never changes
    const now = this.now();
    const pendingReason = status === 'pending' ? extra.pendingReason : undefined;
    if (extra.provider) this.state.provider = { ...this.state.provider, ...extra.provider };
    const previous = this.state.status;
    const statusChanged = status !== previous;
    const changed = statusChanged || pendingReason !== this.state.pendingReason;
    this.state.updatedAt = now;
    if (changed) {
      const t: Transition = { at: now, status, cause };
      if (pendingReason) t.pendingReason = pendingReason;
      if (extra.provider?.code !== undefined) t.providerCode = extra.provider.code;
      if (extra.provider?.message !== undefined) t.providerMessage = extra.provider.message;
      this.state.transitions.push(t);
      this.state.since = now;
      this.state.status = status;
      if (pendingReason) this.state.pendingReason = pendingReason;
      else delete this.state.pendingReason;
      if (statusChanged && this.indexed) upsertSearchAttributes([{ key: RefundStatusKey, value: status }]);
    }
    if (status === 'needs_attention') this.state.attention = extra.attention ?? cause;
    else delete this.state.attention;
    if (extra.by?.operator) this.state.resolvedBy = extra.by.operator;
    if (isFinalStatus(status) || status === 'needs_attention') delete this.state.nextCheckAt;
    if (isFinalStatus(status)) delete this.state.polling; // nothing is polled after a final status (operator actions included)
    this.refreshDetails();
    if (statusChanged) this.onStatusChange?.(this.state.transitions.at(-1)!, previous);
    if (statusChanged) recordStatusChange(this.state, previous, status);
  }

  countSubmission(): void {
    this.state.submitAttempts += 1;
  }

  setNextCheck(atMs: number | undefined): void {
    if (atMs === undefined) delete this.state.nextCheckAt;
    else this.state.nextCheckAt = new Date(atMs).toISOString();
    this.refreshDetails();
  }

  /** The Temporal UI's "current details" line. */
  refreshDetails(): void {
    const s = this.state;
    const name = PROVIDER_NAMES[s.request.provider];
    let text: string;
    if (s.status === 'pending') {
      text = `${REASON_TEXT[s.pendingReason ?? 'provider_processing']} ${name} since ${s.since}`;
      if (s.nextCheckAt) text += `; next check ${s.nextCheckAt}`;
    } else if (s.status === 'needs_attention') {
      text = `NEEDS ATTENTION since ${s.since}: ${s.attention ?? ''}`;
      if (s.nextCheckAt) text += `; slow check continues, next ${s.nextCheckAt}`;
    } else {
      const last = s.transitions.at(-1);
      text = `${s.status.toUpperCase()} at ${s.since}: ${last?.cause ?? ''}`;
    }
    const code = s.provider.code || s.provider.status;
    if (code) text += ` (provider: ${[s.provider.status, s.provider.code, s.provider.message].filter(Boolean).join(' ')})`;
    setCurrentDetails(text);
  }
}
