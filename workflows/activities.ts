/**
 * The refund workflow's calls, each with the timeouts and retry policy of its kind and a summary
 * that says what it is in the UI's timeline. Only types come from activities/.
 */
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { CheckRefundInput, LookUpRefundInput, RefundActivities, RefundActivityInput } from '../activities/refunds.js';
import { NON_RETRYABLE_FAILURE_TYPES } from '../domain/failures.js';

/**
 * Submissions run exactly once per activity: never retried automatically, because a retry after
 * a timeout or a dead worker could pay twice. The workflow settles every failure itself.
 */
const SUBMIT: ActivityOptions = { startToCloseTimeout: '1 minute', retry: { maximumAttempts: 1 } };

/** Reads (checks, look-ups, the lock's release): retried with backoff for up to a day. */
const READ: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURE_TYPES] },
};

const acts = proxyActivities<RefundActivities>(READ);

export const submitRefund = (input: RefundActivityInput, summary: string) => acts.submitRefund.executeWithOptions({ ...SUBMIT, summary }, [input]);
export const lookUpRefund = (input: LookUpRefundInput, summary: string) => acts.lookUpRefund.executeWithOptions({ ...READ, summary }, [input]);
export const checkRefund = (input: CheckRefundInput, summary: string) => acts.checkRefund.executeWithOptions({ ...READ, summary }, [input]);
export const releasePaymentLock = (input: RefundActivityInput & { why: string }) =>
  acts.releasePaymentLock.executeWithOptions({ ...READ, summary: `hand the payment on to its next refund (${input.why})` }, [input]);
