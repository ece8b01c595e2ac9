/**
 * Activity proxies with the timeouts and retry policies of each kind of call.
 * Only types come from activities/: workflow code never loads the adapters.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../../activities/index.js';
import type { PollSchedule } from '../../domain/schedule.js';

type Activities = ReturnType<typeof createActivities>;

/** Errors that retrying cannot fix. The adapters also mark them non-retryable. */
const NON_RETRYABLE = [
  'ProviderAmbiguous',
  'ProviderDeclined',
  'ProviderInvalidRequest',
  'ProviderAuth',
  'ProviderNotFound',
];

/**
 * Submissions run exactly once per activity: never retried automatically, because a retry after
 * a timeout or a dead worker could pay twice. The workflow settles every failure itself
 * (afterSubmitFailure): a look-up first when the request may have reached the provider.
 */
export const submit = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 1 },
});

/** Reads (status, look-ups): retried with backoff for up to a day. */
export const read = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes: NON_RETRYABLE },
});

/** A polling proxy: the activity fails with StillPending until the outcome is visible. */
export function poller(schedule: PollSchedule): Activities {
  return proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    ...(schedule.deadlineMs !== undefined ? { scheduleToCloseTimeout: schedule.deadlineMs } : {}),
    retry: {
      initialInterval: schedule.initialIntervalMs,
      backoffCoefficient: schedule.backoffCoefficient,
      maximumInterval: schedule.maximumIntervalMs,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
}
