/**
 * The refund workflow's queries and updates, defined once (names from domain/messages.ts) and
 * imported by the client too. Both workflow types (`refund` and the frozen v1 `refundWorkflow`)
 * answer the same ones.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { QUERY_NAMES, SIGNAL_NAMES, UPDATE_NAMES } from '../domain/messages.js';
import { RESOLUTIONS, type Resolution } from '../domain/status.js';
import type { OperatorInput, RefundState } from '../domain/state.js';
import { WORKFLOW_FAILURE_TYPES } from '../domain/failures.js';
import type { GrantApprovalInput, RefuseApprovalInput } from '../domain/approval.js';

export { RESOLUTIONS, type Resolution };

export const getRefundQuery = defineQuery<RefundState>(QUERY_NAMES.getRefund);

/** SecPaid's own admin review, seen in SecPaid's dashboard: the refund was approved there. */
export const approveRefundUpdate = defineUpdate<RefundState, [OperatorInput]>(UPDATE_NAMES.approve);

export interface RejectInput extends OperatorInput {
  /** The rejection reason shown in SecPaid's dashboard. */
  reason: string;
}
/** SecPaid's own admin review, seen in SecPaid's dashboard: the refund was rejected there. */
export const rejectRefundUpdate = defineUpdate<RefundState, [RejectInput]>(UPDATE_NAMES.reject);

/** Cancel a refund that has not been submitted to its provider yet. */
export const cancelRefundUpdate = defineUpdate<RefundState, [OperatorInput]>(UPDATE_NAMES.cancel);

export interface ResolveInput extends OperatorInput {
  status: Resolution;
  note: string;
}
/** Settle a refund in needs_attention with the outcome a human established. */
export const resolveRefundUpdate = defineUpdate<RefundState, [ResolveInput]>(UPDATE_NAMES.resolve);

/** Four-eyes approval (workflows/approval.ts; not SecPaid's review): let the refund be submitted. The approver may not be its requester. */
export const grantApprovalUpdate = defineUpdate<RefundState, [GrantApprovalInput]>(UPDATE_NAMES.grantApproval);
/** Four-eyes approval: refuse it, with the reason; the refund ends canceled. */
export const refuseApprovalUpdate = defineUpdate<RefundState, [RefuseApprovalInput]>(UPDATE_NAMES.refuseApproval);

/** Sent by a payment lock to its holder, to see whether it still runs. */
export const lockProbeSignal = defineSignal(SIGNAL_NAMES.lockProbe);

/** Names of the error types the update validators throw, for clients to map to HTTP codes. */
export const OPERATOR_ERROR_TYPES = {
  invalidInput: WORKFLOW_FAILURE_TYPES.invalidOperatorInput,
  notAllowed: WORKFLOW_FAILURE_TYPES.operatorActionNotAllowed,
  forbidden: WORKFLOW_FAILURE_TYPES.operatorActionForbidden,
} as const;
