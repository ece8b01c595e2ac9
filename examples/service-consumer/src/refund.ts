/**
 * A backend service that refunds a canceled order with the client package.
 * Run: TEMPORAL_ADDRESS=127.0.0.1:7233 node dist/refund.js <orderId> <reservepayPaymentId>
 */
import {
  RefundConflictError,
  RefundRequestError,
  RefundsClient,
  type RefundRequestInput,
  type RefundState,
} from '@refund-orchestrator/client';

const [orderId = 'A-1001', paymentId = 'pay_1'] = process.argv.slice(2);

// TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE (and TLS / API key for Temporal Cloud).
const refunds = await RefundsClient.connect();
try {
  const request: RefundRequestInput = {
    idempotencyKey: `order-${orderId}-refund`, // a retry of this service finds the same refund
    provider: 'reservepay',
    payment: { paymentId },
    amount: 12_000, // minor units: THB 120.00
    currency: 'THB',
    reason: 'order canceled',
  };
  const { refund, created } = await refunds.create(request);
  console.log(`${created ? 'started' : 'found'} ${refund.refundId}: ${refund.status}`);

  const final: RefundState = await refunds.waitForFinal(refund.refundId);
  console.log(`${final.refundId}: ${final.status} (provider refund ${final.provider.refundId ?? 'none'})`);

  // Bad input is refused before anything starts, with one message per field.
  try {
    await refunds.create({ ...request, idempotencyKey: `order-${orderId}-bad`, amount: 120.5 });
  } catch (err) {
    if (!(err instanceof RefundRequestError)) throw err;
    for (const issue of err.issues) console.log(`refused: ${issue.path}: ${issue.message}`);
  }
  // The same key with another body is a conflict, not a second refund.
  try {
    await refunds.create({ ...request, amount: 6_000 });
  } catch (err) {
    if (!(err instanceof RefundConflictError)) throw err;
    console.log(`conflict: ${err.refundId} differs in ${err.differences.join(', ')}`);
  }
} finally {
  await refunds.close();
}
