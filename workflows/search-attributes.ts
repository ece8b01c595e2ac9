/**
 * The custom search attributes every refund keeps current, so operators can list and filter
 * refunds in the Temporal UI and `temporal workflow list --query "RefundProvider='secpaid'"`.
 * Shared by the workflow (upserts), the client (listing) and the server set-up (registration).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const RefundStatusKey = defineSearchAttributeKey('RefundStatus', SearchAttributeType.KEYWORD);
export const RefundProviderKey = defineSearchAttributeKey('RefundProvider', SearchAttributeType.KEYWORD);
export const RefundPaymentIdKey = defineSearchAttributeKey('RefundPaymentId', SearchAttributeType.KEYWORD);
export const RefundAmountKey = defineSearchAttributeKey('RefundAmount', SearchAttributeType.INT);
export const RefundCurrencyKey = defineSearchAttributeKey('RefundCurrency', SearchAttributeType.KEYWORD);
/**
 * Four-eyes approval (workflows/approval.ts): awaiting | granted | refused | expired | canceled.
 * Set to awaiting by the client at start, only on refunds that need approval; upserted by the workflow on the decision.
 */
export const RefundApprovalKey = defineSearchAttributeKey('RefundApproval', SearchAttributeType.KEYWORD);
/** When the refund is expected to be final (domain/expected-by.ts): `RefundExpectedBy < now AND RefundStatus = 'pending'` lists the late ones. */
export const RefundExpectedByKey = defineSearchAttributeKey('RefundExpectedBy', SearchAttributeType.DATETIME);

/** The bulk batch (14a) that started the refund: set by the client at start on batch rows only (workflows/batch.ts); `RefundBatchId = 'batch-...'` lists a batch's refunds. */
export const RefundBatchIdKey = defineSearchAttributeKey('RefundBatchId', SearchAttributeType.KEYWORD);

/** The merchant account (14c, domain/accounts.ts): set by the client at start on every new refund, `default` included; refunds of before have none (the default's). */
export const RefundAccountKey = defineSearchAttributeKey('RefundAccount', SearchAttributeType.KEYWORD);

/** Name, CLI type (`--search-attribute Name=Type`) and operator-service enum of each attribute. */
export const SEARCH_ATTRIBUTES = [
  { name: 'RefundStatus', cliType: 'Keyword', indexedValueType: 2 },
  { name: 'RefundProvider', cliType: 'Keyword', indexedValueType: 2 },
  { name: 'RefundPaymentId', cliType: 'Keyword', indexedValueType: 2 },
  { name: 'RefundAmount', cliType: 'Int', indexedValueType: 3 },
  { name: 'RefundCurrency', cliType: 'Keyword', indexedValueType: 2 },
  { name: 'RefundApproval', cliType: 'Keyword', indexedValueType: 2 },
  { name: 'RefundExpectedBy', cliType: 'Datetime', indexedValueType: 6 },
  { name: 'RefundBatchId', cliType: 'Keyword', indexedValueType: 2 },
  { name: 'RefundAccount', cliType: 'Keyword', indexedValueType: 2 },
] as const;
