/**
 * Decodes a raw visibility row into a RefundSummaryRow. The SDK's own list() hides page
 * tokens, so listing calls ListWorkflowExecutions directly and decodes the search attributes
 * here (the SDK is pinned to an exact version, so the deep import is stable).
 */
import type { temporal } from '@temporalio/proto';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes.js';
import type { Provider } from '../domain/providers.js';
import type { RefundStatus } from '../domain/status.js';
import { DEFAULT_ACCOUNT } from '../domain/accounts.js';
import {
  RefundAccountKey,
  RefundAmountKey,
  RefundApprovalKey,
  RefundCurrencyKey,
  RefundExpectedByKey,
  RefundPaymentIdKey,
  RefundProviderKey,
  RefundStatusKey,
} from '../workflows/search-attributes.js';

export interface RefundSummaryRow {
  refundId: string;
  status: RefundStatus | undefined;
  provider: Provider | undefined;
  paymentId: string | undefined;
  amountMinor: number | undefined;
  currency: string | undefined;
  /** The merchant account (RefundAccount; refunds started before accounts have none: the default's). */
  account: string;
  createdAt: string | undefined;
  /** When it is expected to be final (absent for refunds started before expected-by). */
  expectedBy?: string;
  /** Four-eyes approval (RefundApproval): awaiting, granted, refused, expired, canceled; absent when none was needed. */
  approval?: string;
  closedAt?: string;
}

function timestampIso(ts: temporal.api.workflow.v1.IWorkflowExecutionInfo['startTime']): string | undefined {
  if (!ts) return undefined;
  const ms = Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
  return new Date(ms).toISOString();
}

export function decodeRow(raw: temporal.api.workflow.v1.IWorkflowExecutionInfo): RefundSummaryRow {
  const sa = decodeTypedSearchAttributes(raw.searchAttributes?.indexedFields);
  const closedAt = timestampIso(raw.closeTime);
  const expectedBy = sa.get(RefundExpectedByKey);
  const approval = sa.get(RefundApprovalKey);
  return {
    refundId: raw.execution?.workflowId ?? '',
    status: sa.get(RefundStatusKey) as RefundStatus | undefined,
    provider: sa.get(RefundProviderKey) as Provider | undefined,
    paymentId: sa.get(RefundPaymentIdKey),
    amountMinor: sa.get(RefundAmountKey),
    currency: sa.get(RefundCurrencyKey),
    account: sa.get(RefundAccountKey) ?? DEFAULT_ACCOUNT,
    createdAt: timestampIso(raw.startTime),
    ...(expectedBy ? { expectedBy: expectedBy.toISOString() } : {}),
    ...(approval ? { approval } : {}),
    ...(closedAt ? { closedAt } : {}),
  };
}
