/**
 * Four-eyes approval (maker-checker): a refund that reached a threshold (domain/approval.ts,
 * decided by the client at start) waits here, pending `awaiting_approval`, before anything is
 * sent: no payment lock, no provider call. An operator other than its requester grants it (then it
 * is submitted as any refund) or refuses it (canceled, with the reason); no decision by the
 * deadline cancels it and says so; the cancel update works meanwhile. Every decision is a
 * transition with who, when and why. Not SecPaid's own admin review (approveRefund/rejectRefund).
 *
 * Only refunds started with `approval` in their input get here: the others issue exactly the
 * commands they always did (the replay corpus holds them to it).
 */
import { condition, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { samePerson, thresholdText, type ApprovalInput, type ApprovalRecord, type ApprovalStateName, type GrantApprovalInput, type RefuseApprovalInput } from '../domain/approval.js';
import type { RefundState } from '../domain/state.js';
import type { Lifecycle } from './lifecycle.js';
import { RefundApprovalKey } from './search-attributes.js';
import { utc } from './time.js';

/** Why a decision is refused: 'forbidden' (the requester deciding) or 'not_allowed' (nothing to decide now). */
export interface DecisionRefusal {
  kind: 'forbidden' | 'not_allowed';
  message: string;
}

export class ApprovalGate {
  /** Set to awaiting by the client at start; the time-skipping test server knows no custom attributes. */
  readonly #indexed = workflowInfo().typedSearchAttributes.get(RefundApprovalKey) !== undefined;

  constructor(private readonly life: Lifecycle) {}

  private get record(): ApprovalRecord {
    return this.life.state.approval!;
  }

  /** Why `approver` may not decide now, or undefined. The state is checked first: a second decision is a 409 whoever sends it. */
  refusal(approver: string): DecisionRefusal | undefined {
    const a = this.record;
    if (a.state !== 'awaiting') return { kind: 'not_allowed', message: decidedText(a) };
    if (this.life.isFinal) return { kind: 'not_allowed', message: `the refund is already ${this.life.status}` };
    if (samePerson(approver, a.requester)) {
      return { kind: 'forbidden', message: `${approver.trim()} requested this refund and may not decide its four-eyes approval: another operator must approve or refuse it` };
    }
    return undefined;
  }

  grant(input: GrantApprovalInput): void {
    const approver = input.approver.trim();
    this.decide('granted', { decidedBy: approver, ...(input.note ? { note: input.note } : {}) });
    this.life.transition('pending', `four-eyes approval granted by ${approver}${input.note ? ` (${input.note})` : ''}: submitting to ${this.life.providerName}`, { pendingReason: 'submitting' });
  }

  refuse(input: RefuseApprovalInput): void {
    const by = input.approver.trim();
    const reason = input.reason.trim();
    this.decide('refused', { decidedBy: by, reason });
    this.life.transition('canceled', `four-eyes approval refused by ${by}: ${reason}; nothing was sent to ${this.life.providerName}`, { by: { operator: by } });
  }

  /** Wait for the decision; true when granted (the refund goes on to its submission). */
  async passed(): Promise<boolean> {
    const deadline = Date.parse(this.record.deadline);
    const decided = await condition(() => this.record.state !== 'awaiting' || this.life.isFinal, Math.max(1, deadline - Date.now()), {
      summary: `four-eyes approval: cancel the refund if nobody decides by ${utc(deadline)}`,
    });
    if (!decided) {
      this.decide('expired', {});
      this.life.transition('canceled', `four-eyes approval expired: nobody approved or refused it within ${durationText(deadline - Date.parse(this.record.requestedAt))} (by ${utc(deadline)}); nothing was sent to ${this.life.providerName}`);
      return false;
    }
    // Canceled while it waited (the cancel update): the gate says so too, so the refund leaves the "awaiting" list.
    if (this.record.state === 'awaiting') this.decide('canceled', {});
    return this.record.state === 'granted';
  }

  private decide(state: ApprovalStateName, patch: Partial<ApprovalRecord>): void {
    this.life.recordApproval({ state, decidedAt: new Date().toISOString(), ...patch });
    if (this.#indexed) upsertSearchAttributes([{ key: RefundApprovalKey, value: state }]);
  }
}

/** The gate of a refund started with `approval`, or undefined (the refund needs none). */
export function approvalGate(life: Lifecycle, input: ApprovalInput | undefined): ApprovalGate | undefined {
  return input ? new ApprovalGate(life) : undefined;
}

/** "72 h", "90 min", "2 s". */
function durationText(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

function decidedText(a: ApprovalRecord): string {
  const when = a.decidedAt ? ` at ${utc(a.decidedAt)}` : '';
  switch (a.state) {
    case 'granted':
      return `four-eyes approval was already granted by ${a.decidedBy}${when}`;
    case 'refused':
      return `four-eyes approval was already refused by ${a.decidedBy}${when}`;
    case 'expired':
      return `four-eyes approval expired${when}: nobody decided by the deadline, and the refund was canceled`;
    default:
      return `the refund was canceled${when} before its four-eyes approval was decided`;
  }
}

/** The current details' lines (Lifecycle.refreshDetails). */
export function approvalDetailLines(s: Readonly<RefundState>): string[] {
  const a = s.approval;
  if (!a) return [];
  const head = `- Four-eyes approval: requested by ${a.requester}; the amount reaches the threshold ${thresholdText(a.threshold)}`;
  if (a.state === 'awaiting') return [head, `- Awaiting approval by another operator until ${utc(a.deadline)} (then canceled)`];
  return [head, `- Four-eyes decision: ${decidedText(a).replace(/^four-eyes approval (was already )?/, '')}${a.reason ? ` (${a.reason})` : a.note ? ` (${a.note})` : ''}`];
}
