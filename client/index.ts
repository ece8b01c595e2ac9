/**
 * The client package's entry point (`@refund-orchestrator/client`, built by packages/client):
 * RefundsClient, its types and errors, the refund request schema, and the Nexus service
 * `refunds` (also alone, workflow-safe, as `@refund-orchestrator/client/nexus`).
 */
export { RefundsClient, listQuery, withNextCheck, REFUNDS_ONLY_QUERY, type CreateResult, type ListFilter, type RefundSummaryRow } from './refunds-client.js';
export { RefundActionRejectedError, RefundConflictError, RefundNotFoundError } from './errors.js';
export { loadTemporalConfig, type TemporalConfig } from './connection.js';
export {
  RefundRequestError,
  RefundRequestSchema,
  PROVIDER_CURRENCIES,
  parseRefundRequest,
  refundIdFor,
  type RefundRequest,
  type RefundRequestInput,
} from '../domain/refund.js';
export type { CallbackDelivery, OperatorInput, ProviderAnswer, ProviderOutcome, RefundState, Transition } from '../domain/state.js';
export { FINAL_STATUSES, REFUND_STATUSES, isFinalStatus, type FinalStatus, type PendingReason, type RefundStatus } from '../domain/status.js';
export { PROVIDERS, type Provider } from '../domain/providers.js';
export type { RejectInput, ResolveInput } from '../workflows/messages.js';
export {
  DEFAULT_REFUNDS_ENDPOINT,
  REFUNDS_FAILURE_TYPES,
  REFUNDS_NEXUS_SERVICE,
  refundsFailureOf,
  refundsNexusService,
  type CancelRefundInput,
  type RefundIdInput,
  type RefundsFailureType,
  type RefundsNexusService,
} from '../nexus/service.js';
