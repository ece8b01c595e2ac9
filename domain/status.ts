/**
 * One status model for the whole system (workflows, client, API, CLI, search attributes).
 * Pure TypeScript: safe to import from workflow code.
 */
export const REFUND_STATUSES = [
  'pending',
  'approved',
  'authorized',
  'rejected',
  'failed',
  'canceled',
  'needs_attention',
] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** Why a refund is pending. */
export const PENDING_REASONS = [
  'submitting',
  'awaiting_admin_review',
  'settlement_hold',
  'provider_processing',
  /** Four-eyes approval: waits for an operator other than its requester before it is submitted (workflows/approval.ts). */
  'awaiting_approval',
] as const;
export type PendingReason = (typeof PENDING_REASONS)[number];

/** Statuses after which nothing more happens to a refund. */
export const FINAL_STATUSES = ['approved', 'authorized', 'rejected', 'failed', 'canceled'] as const satisfies readonly RefundStatus[];
export type FinalStatus = (typeof FINAL_STATUSES)[number];

export function isFinalStatus(status: RefundStatus): status is FinalStatus {
  return (FINAL_STATUSES as readonly RefundStatus[]).includes(status);
}

/** Outcomes a person can settle a needs_attention refund with. */
export const RESOLUTIONS = ['approved', 'authorized', 'rejected', 'failed', 'canceled'] as const satisfies readonly FinalStatus[];
export type Resolution = (typeof RESOLUTIONS)[number];

/** Statuses that mean the money is (being) returned. */
export function isSucceeded(status: RefundStatus): boolean {
  return status === 'approved' || status === 'authorized';
}
