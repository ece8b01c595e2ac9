/**
 * How a refund is started, shared by every way in: RefundsClient.create (HTTP API, CLI,
 * services) and the Nexus operation createRefund (nexus/handlers.ts). The workflow id comes from
 * the idempotency key, so a repeat finds the same refund; the request is kept in the memo, so a
 * repeat with a different body is told apart (requestDifferences).
 *
 * The workflow is started by its type name, not by importing workflows/: the client package
 * (packages/client) carries no workflow code.
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type SearchAttributePair } from '@temporalio/common';
import { expectedAmount } from '../domain/amount.js';
import type { ExpectedByInput } from '../domain/expected-by.js';
import { WORKFLOW_TYPES } from '../domain/messages.js';
import { accountOf } from '../domain/accounts.js';
import { accountNames, type AccountNames } from '../domain/config.js';
import { PROVIDER_NAMES } from '../domain/providers.js';
import { parseRefundRequest, paymentKey, RefundRequestError, refundIdFor, refundSummary, type RefundRequest } from '../domain/refund.js';
import type { RefundState } from '../domain/state.js';
import {
  RefundAccountKey,
  RefundAmountKey,
  RefundBatchIdKey,
  RefundCurrencyKey,
  RefundExpectedByKey,
  RefundPaymentIdKey,
  RefundProviderKey,
  RefundStatusKey,
} from '../workflows/search-attributes.js';
import { expectedByAtStart } from './expected-by.js';
import { requestHygieneIssues } from './input-hygiene.js';

/** The signature of the `refund` workflow (workflows/refund.ts), for typed starts by name. */
export type RefundWorkflow = (input: { request: RefundRequest; expectedBy?: ExpectedByInput }) => Promise<RefundState>;

/** The workflow type every new refund starts. */
export const REFUND_WORKFLOW_TYPE = WORKFLOW_TYPES.refund;

/**
 * The one validation of a refund request, for every way in: the schema (domain/refund.ts), then
 * free text without control/bidi characters and idempotency keys from the safe set
 * (client/input-hygiene.ts). Throws RefundRequestError with field messages.
 */
export function validRefundRequest(input: unknown, accounts: AccountNames = accountNames(process.env)): RefundRequest {
  const request = parseRefundRequest(input);
  const unsafe = requestHygieneIssues(request);
  if (unsafe.length > 0) throw new RefundRequestError(unsafe.map((i) => ({ path: i.path.join('.'), message: i.message })));
  // A named merchant account must be configured (`accounts`: the <PROVIDER>_ACCOUNTS names, this process's unless given).
  if (request.account !== undefined && !accounts[request.provider].includes(request.account)) throw unknownAccount(request);
  return request;
}

/** The answer to an account this client does not know, or (HTTP API) one the API key may not use: the same words, so neither is told apart. */
export function unknownAccount(request: Pick<RefundRequest, 'provider' | 'account'>): RefundRequestError {
  return new RefundRequestError([{ path: 'account', message: `no ${PROVIDER_NAMES[request.provider]} merchant account ${JSON.stringify(accountOf(request))} is configured` }], true);
}

/** A row of a bulk batch (workflows/batch.ts): its refund carries the batch id (search attribute RefundBatchId, memo). */
export interface BatchRowRef {
  id: string;
  row: number;
}

/** Workflow start options of a validated request (everything but the task queue). */
export function refundStartOptions(request: RefundRequest, batch?: BatchRowRef, expectedBy: ExpectedByInput = expectedByAtStart(request)) {
  const amount = expectedAmount(request);
  const typedSearchAttributes: SearchAttributePair[] = [
    { key: RefundStatusKey, value: 'pending' },
    { key: RefundProviderKey, value: request.provider },
    { key: RefundPaymentIdKey, value: paymentKey(request) },
    ...(amount !== undefined ? [{ key: RefundAmountKey, value: amount }] : []),
    { key: RefundCurrencyKey, value: request.currency },
    // The merchant account (domain/accounts.ts), `default` included: listing by account, API keys limited to accounts.
    { key: RefundAccountKey, value: accountOf(request) },
    // When it is expected to be final (client/expected-by.ts): set here, so the start costs the workflow nothing.
    { key: RefundExpectedByKey, value: new Date(expectedBy.at) },
  ];
  if (batch) typedSearchAttributes.push({ key: RefundBatchIdKey, value: batch.id });
  return {
    workflowId: refundIdFor(request.idempotencyKey, request.account),
    args: [{ request, expectedBy }] as [{ request: RefundRequest; expectedBy: ExpectedByInput }],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    staticSummary: refundSummary(request),
    staticDetails: `Idempotency key: ${request.idempotencyKey}${request.reason ? `\nReason: ${request.reason}` : ''}${batch ? `\nBatch: ${batch.id} row ${batch.row}` : ''}`,
    memo: batch ? { request, batch } : { request },
    typedSearchAttributes,
  };
}

/** JSON with keys sorted and undefined left out: equal for equal requests (also the batch id's hash, client/batch-file.ts). */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The fields in which two requests differ (empty: the same request). */
export function requestDifferences(a: RefundRequest, b: RefundRequest): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter(
    (k) => stableJson((a as Record<string, unknown>)[k]) !== stableJson((b as Record<string, unknown>)[k]),
  );
}
