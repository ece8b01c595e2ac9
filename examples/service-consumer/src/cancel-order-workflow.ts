/**
 * A caller workflow (in its own namespace) that refunds through the Nexus endpoint: the types
 * come from the client package's workflow-safe entry point.
 */
import { createNexusServiceClient } from '@temporalio/workflow';
import { REFUNDS_FAILURE_TYPES, refundsFailureOf, refundsNexusService, type RefundRequestInput, type RefundState } from '@refund-orchestrator/client/nexus';

export async function cancelOrder(endpoint: string, refund: RefundRequestInput): Promise<string> {
  const refunds = createNexusServiceClient({ service: refundsNexusService, endpoint });
  try {
    const final: RefundState = await refunds.executeOperation('createRefund', refund, { scheduleToCloseTimeout: '30 days' });
    return final.status === 'approved' || final.status === 'authorized' ? 'canceled' : `refund ${final.status}`;
  } catch (err) {
    if (refundsFailureOf(err)?.type === REFUNDS_FAILURE_TYPES.invalidRequest) return 'refund request refused';
    throw err;
  }
}

export async function refundStatus(endpoint: string, refundId: string): Promise<RefundState['status']> {
  const refunds = createNexusServiceClient({ service: refundsNexusService, endpoint });
  // @ts-expect-error the service has no such operation: the types are real, not `any`
  await refunds.executeOperation('deleteRefund', { refundId });
  return (await refunds.executeOperation('getRefund', { refundId })).status;
}
