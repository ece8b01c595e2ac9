/** Everything the worker registers as workflows. */
export { refundWorkflow } from './refund.js';
export { paymentLedgerWorkflow } from './ledger.js';
export type { RefundWorkflowInput } from './refund.js';
