/**
 * The refund workflow's queries and updates, defined once and imported by the client too.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { OperatorInput, RefundState } from '../domain/state.js';

export const getRefundQuery = defineQuery<RefundState>('getRefund');

/** SecPaid review outcome seen in SecPaid's dashboard: the refund was approved. */
export const approveRefundUpdate = defineUpdate<RefundState, [OperatorInput]>('approveRefund');

export interface RejectInput extends OperatorInput {
  /** The rejection reason shown in SecPaid's dashboard. */
  reason: string;
}
/** SecPaid review outcome seen in SecPaid's dashboard: the refund was rejected. */
export const rejectRefundUpdate = defineUpdate<RefundState, [RejectInput]>('rejectRefund');

/** Cancel a refund that has not been submitted to its provider yet. */
export const cancelRefundUpdate = defineUpdate<RefundState, [OperatorInput]>('cancelRefund');

export const RESOLUTIONS = ['approved', 'authorized', 'rejected', 'failed', 'canceled'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];
export interface ResolveInput extends OperatorInput {
  status: Resolution;
  note: string;
}
/** Settle a refund in needs_attention with the outcome a human established. */
export const resolveRefundUpdate = defineUpdate<RefundState, [ResolveInput]>('resolveRefund');

/** Names of the error types the update validators throw, for clients to map to HTTP codes. */
export const OPERATOR_ERROR_TYPES = {
  invalidInput: 'InvalidOperatorInput',
  notAllowed: 'OperatorActionNotAllowed',
} as const;
