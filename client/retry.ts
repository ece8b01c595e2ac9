/**
 * Linked retry (13b), for RefundsClient: a new attempt of a refund that ended failed or rejected,
 * only when the rule of domain/retry.ts says the retried refund provably paid nothing.
 *
 * The attempt is a new `refund` workflow with the same request and the input `retryOf`, under the
 * deterministic id `<first refund>~retry-<n>`: retrying the same refund again finds the same
 * attempt (the start is refused as a duplicate, never reused: REJECT_DUPLICATE), and a retry of
 * an attempt is the next one of the chain. Its own refund id gives it fresh provider idempotency
 * keys (Link Money's requestKey is derived from the refund id, activities/linkmoney/transformers.ts);
 * its request names the same payment, so it takes the same payment lock and amount account
 * (activities/payment-lock.ts: a failed attempt added nothing, a successful one counts once).
 * The retried refund is closed and cannot learn of its attempt: `retriedBy` is found by the
 * client, by describing the attempt's deterministic id.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WORKFLOW_TYPES } from '../domain/messages.js';
import { refundSummary } from '../domain/refund.js';
import { nextAttemptOf, retryVerdict } from '../domain/retry.js';
import type { ApprovalInput } from '../domain/approval.js';
import type { RefundRequest } from '../domain/refund.js';
import { initialRefundState, type RefundState, type RetryLink } from '../domain/state.js';
import { RefundActionRejectedError } from './errors.js';
import { REFUND_WORKFLOW_TYPE, type refundStartOptions } from './refund-start.js';

export interface RetryInput {
  /** Who asks (the HTTP API: the API key's name; the CLI: --operator). */
  operator?: string | undefined;
  /** Why, kept in the attempt's first transition. */
  note?: string | undefined;
}

export interface RetryResult {
  /** The attempt (just started, or the one an earlier retry of the same refund started). */
  refund: RefundState;
  /** false when the refund had already been retried: the same attempt, nothing new started. */
  created: boolean;
}

interface Refunds {
  readonly client: Client;
  readonly taskQueue: string;
  get(refundId: string): Promise<RefundState>;
  /** The start options create would use for this request and requester (expected-by, four-eyes approval). */
  startOptions(request: RefundRequest, requester: string | undefined): ReturnType<typeof refundStartOptions>;
}

/** Start (or find) the attempt that retries `refundId`. Throws RefundNotFoundError, or RefundActionRejectedError (not_allowed) with the rule's reason. */
export async function retryRefund(refunds: Refunds, refundId: string, input: RetryInput = {}): Promise<RetryResult> {
  const original = await refunds.get(refundId);
  const verdict = retryVerdict(original);
  if (!verdict.ok) throw new RefundActionRejectedError(refundId, 'retry', verdict.reason, 'not_allowed');
  const operator = input.operator?.trim();
  const note = input.note?.trim();
  const retryOf: RetryLink = { refundId, attempt: verdict.attempt, proof: verdict.proof, ...(operator ? { requestedBy: operator } : {}), ...(note ? { note } : {}) };
  const request = original.request;
  // An attempt starts as a new refund does (its expected-by; four-eyes approval when it reaches the threshold, requested by whoever retries).
  const base = refunds.startOptions(request, operator);
  const startedAt = new Date();
  try {
    await refunds.client.workflow.start(REFUND_WORKFLOW_TYPE, {
      ...base,
      taskQueue: refunds.taskQueue,
      workflowId: verdict.attemptId,
      args: [{ ...base.args[0], retryOf }],
      staticSummary: `Retry ${verdict.attempt}: ${refundSummary(request)}`,
      staticDetails: [`Retry (attempt ${verdict.attempt}) of ${refundId}: ${verdict.proof}`, ...(operator ? [`Requested by: ${operator}${note ? ` (${note})` : ''}`] : []), base.staticDetails].join('\n'),
      memo: { ...base.memo, retryOf },
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { refund: await refunds.get(verdict.attemptId), created: false };
  }
  const approval = (base.args[0] as { approval?: ApprovalInput }).approval;
  return { refund: initialRefundState(verdict.attemptId, request, startedAt.toISOString(), retryOf, approval), created: true };
}

/**
 * The state with `retriedBy` when an attempt retries this refund (only a failed or rejected
 * refund can have one: one DescribeWorkflowExecution for those, none for the others).
 */
export async function withRetriedBy(client: Client, state: RefundState): Promise<RefundState> {
  if (state.status !== 'failed' && state.status !== 'rejected') return state;
  const { attemptId } = nextAttemptOf(state.refundId);
  try {
    const d = await client.workflow.getHandle(attemptId).describe();
    return d.type === WORKFLOW_TYPES.refund ? { ...state, retriedBy: attemptId } : state;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return state;
    throw err;
  }
}
