/**
 * Example caller: another team's "order cancellation" workflow, in its own namespace, refunds the
 * order through the Nexus service `refunds` and acts on the outcome. Deterministic workflow code:
 * it imports only @temporalio/workflow and the workflow-safe service definition (in a service of
 * your own: `@refund-orchestrator/client/nexus`).
 */
import { createNexusServiceClient, defineQuery, setHandler } from '@temporalio/workflow';
import { REFUNDS_FAILURE_TYPES, refundsFailureOf, refundsNexusService, type RefundRequestInput } from '../../nexus/service.js';

export interface CancelOrderInput {
  orderId: string;
  /** The Nexus endpoint that routes to the refund worker (`npm start` creates `refunds`). */
  endpoint: string;
  /** What to refund; use a key derived from the order, so a retried cancellation finds the same refund. */
  refund: RefundRequestInput;
}

export type OrderStatus = 'canceling' | 'awaiting_refund' | 'canceled' | 'refund_failed' | 'refund_refused_by_us';

export interface OrderCancellation {
  orderId: string;
  /** canceled: the money is (being) returned; refund_failed: the provider refused or it was canceled; refund_refused_by_us: the request was wrong (see reason). */
  status: Exclude<OrderStatus, 'canceling' | 'awaiting_refund'>;
  refundId?: string;
  refundStatus?: string;
  reason?: string;
}

export const orderStatusQuery = defineQuery<OrderStatus>('orderStatus');

export async function cancelOrder(input: CancelOrderInput): Promise<OrderCancellation> {
  let status: OrderStatus = 'canceling';
  setHandler(orderStatusQuery, () => status);
  const refunds = createNexusServiceClient({ service: refundsNexusService, endpoint: input.endpoint });
  status = 'awaiting_refund';
  try {
    // Completes when the refund is final: minutes, or days for a SecPaid admin review.
    const refund = await refunds.executeOperation('createRefund', input.refund, { scheduleToCloseTimeout: '30 days' });
    const succeeded = refund.status === 'approved' || refund.status === 'authorized';
    status = succeeded ? 'canceled' : 'refund_failed';
    return {
      orderId: input.orderId,
      status,
      refundId: refund.refundId,
      refundStatus: refund.status,
      ...(succeeded ? {} : { reason: refund.transitions.at(-1)?.cause ?? refund.status }),
    };
  } catch (err) {
    const failure = refundsFailureOf(err);
    if (failure?.type === REFUNDS_FAILURE_TYPES.invalidRequest || failure?.type === REFUNDS_FAILURE_TYPES.conflict) {
      status = 'refund_refused_by_us';
      return { orderId: input.orderId, status, reason: failure.message };
    }
    throw err; // anything else (a timeout, an internal error) fails the cancellation: not ours to decide
  }
}
