export { RefundsClient, listQuery, withNextCheck, type CreateResult, type ListFilter, type RefundSummaryRow } from './refunds-client.js';
export { RefundActionRejectedError, RefundConflictError, RefundNotFoundError } from './errors.js';
export { RefundRequestError, type RefundRequestInput } from '../domain/refund.js';
export type { RefundState } from '../domain/state.js';
