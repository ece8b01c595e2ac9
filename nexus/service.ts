/**
 * The Nexus service `refunds`: its operations, their input and output types, and the failure
 * types a caller tells apart. Served by the refund worker (nexus/handlers.ts); called from a
 * workflow in another namespace through a Nexus endpoint (examples/order-cancellation/).
 *
 * Safe to import from workflow code (only nexus-rpc, @temporalio/common and our pure domain
 * types): the client package exports it as `@refund-orchestrator/client/nexus`.
 */
import { ApplicationFailure } from '@temporalio/common';
import * as nexus from 'nexus-rpc';
import type { RefundRequestInput } from '../domain/refund.js';
import type { OperatorInput, RefundState } from '../domain/state.js';

export type { RefundRequestInput, RefundState, OperatorInput };
export type { FinalStatus, RefundStatus } from '../domain/status.js';

export const REFUNDS_NEXUS_SERVICE = 'refunds';

/** The endpoint name `npm start` creates on the dev server (any name works; the caller names it). */
export const DEFAULT_REFUNDS_ENDPOINT = 'refunds';

export interface RefundIdInput {
  /** The refund's id: `refund-<idempotencyKey>`, as createRefund's result and every listing give it. */
  refundId: string;
}

export interface CancelRefundInput extends RefundIdInput, OperatorInput {}

export const refundsNexusService = nexus.service(REFUNDS_NEXUS_SERVICE, {
  /**
   * Start a refund (or find the one its idempotency key started) and complete with its final
   * state (approved, authorized, rejected, failed or canceled), however long that takes: a
   * workflow-run operation, so the caller's workflow survives its own workers restarting.
   */
  createRefund: nexus.operation<RefundRequestInput, RefundState>(),
  /** The refund's whole current state (synchronous). */
  getRefund: nexus.operation<RefundIdInput, RefundState>(),
  /** Cancel a refund not yet submitted to its provider, with the rules of the cancel update (synchronous). */
  cancelRefund: nexus.operation<CancelRefundInput, RefundState>(),
});

export type RefundsNexusService = typeof refundsNexusService;

/**
 * The `type` of the non-retryable ApplicationFailure at the root of a failed operation: the
 * caller's NexusOperationFailure has it in its cause chain (refundsFailureOf finds it).
 */
export const REFUNDS_FAILURE_TYPES = {
  /** The request failed validation; details[0] is the list of `{ path, message }` issues. Nothing was started. */
  invalidRequest: 'RefundRequestInvalid',
  /** The idempotency key was used for a different request; details[0] is `{ refundId, differences }`. */
  conflict: 'RefundConflict',
  /** No refund has this id; details[0] is `{ refundId }`. */
  notFound: 'RefundNotFound',
  /** The refund refused the action (already submitted, already final, bad input); details[0] is `{ refundId, action, reason, kind }`. */
  actionRejected: 'RefundActionRejected',
} as const;

export type RefundsFailureType = (typeof REFUNDS_FAILURE_TYPES)[keyof typeof REFUNDS_FAILURE_TYPES];

const KNOWN_TYPES: readonly string[] = Object.values(REFUNDS_FAILURE_TYPES);

/**
 * The refunds service's own failure in an error's cause chain (a NexusOperationFailure in the
 * caller's workflow, or a WorkflowFailedError around it), or undefined for anything else
 * (a timeout, a cancellation, an internal error).
 */
export function refundsFailureOf(err: unknown): (ApplicationFailure & { type: RefundsFailureType }) | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof ApplicationFailure && e.type && KNOWN_TYPES.includes(e.type)) return e as ApplicationFailure & { type: RefundsFailureType };
  }
  return undefined;
}
