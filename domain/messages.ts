/**
 * Names of the messages that cross between clients and workflows (queries, updates, signals) and
 * of the workflow types, defined once. workflows/messages.ts turns them into typed definitions.
 * Pure TypeScript: safe to import from workflow code.
 */
export const QUERY_NAMES = { getRefund: 'getRefund' } as const;

export const UPDATE_NAMES = {
  approve: 'approveRefund',
  reject: 'rejectRefund',
  cancel: 'cancelRefund',
  resolve: 'resolveRefund',
  /** Four-eyes approval (workflows/approval.ts), not SecPaid's review: an operator other than the requester lets the refund be submitted ... */
  grantApproval: 'grantApproval',
  /** ... or refuses it (the refund ends canceled). */
  refuseApproval: 'refuseApproval',
} as const;

export const SIGNAL_NAMES = {
  /** Sent by a payment lock to its holder to see whether it still runs (workflows/payment-lock.ts). */
  lockProbe: 'paymentLockProbe',
} as const;

export const WORKFLOW_TYPES = {
  /** The refund workflow (workflows/refund.ts). */
  refund: 'refund',
  /** The previous refund workflow, frozen (workflows/v1/); only for refunds it started. */
  refundV1: 'refundWorkflow',
  paymentLock: 'paymentLock',
} as const;
