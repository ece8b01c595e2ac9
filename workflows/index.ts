/** Everything the worker registers as workflows. */
export { refund } from './refund.js';
export type { RefundInput } from './refund.js';
export { paymentLock } from './payment-lock.js';
// Bulk refunds: the batch and its row holders.
export { refundBatch, refundBatchRows } from './batch.js';
// Reconciliation against the providers' records (a daily Schedule runs it).
export { reconciliation } from './reconciliation.js';
// The previous refund workflow, frozen: kept registered so that refunds started before the
// outcome-model redesign finish on the code that started them (see workflows/v1/README.md).
export { refundWorkflow } from './v1/refund.js';
export { paymentLedgerWorkflow } from './v1/ledger.js';
export type { RefundWorkflowInput } from './v1/refund.js';
