/** Helpers shared by the provider flows: failure inspection and racing work against operator actions. */
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import { CancellationScope, condition, isCancellation, sleep } from '@temporalio/workflow';
import type { PollSchedule } from '../domain/schedule.js';
import type { Lifecycle } from './lifecycle.js';

export interface FailureInfo {
  type: string;
  message: string;
  code?: string;
  timedOut: boolean;
  /** The provider's Retry-After, for rate-limited answers. */
  retryAfterMs?: number;
}

/** Look down the failure chain: ActivityFailure -> ApplicationFailure | TimeoutFailure. */
export function describeFailure(err: unknown): FailureInfo {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  // A polling activity whose next retry would pass its schedule-to-close deadline ends with its
  // last failure (StillPending) as the cause and retryState TIMEOUT, not with a TimeoutFailure.
  const retriesTimedOut = err instanceof ActivityFailure && err.retryState === RetryState.TIMEOUT;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { providerCode?: unknown; code?: unknown; retryAfterMs?: unknown } | undefined;
    const code = details?.providerCode ?? details?.code;
    const retryAfterMs = typeof details?.retryAfterMs === 'number' ? details.retryAfterMs : undefined;
    return {
      type: cause.type ?? 'ApplicationFailure',
      message: cause.message,
      ...(code !== undefined && code !== null ? { code: String(code) } : {}),
      timedOut: retriesTimedOut,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  if (cause instanceof TimeoutFailure) {
    return { type: 'Timeout', message: cause.message, timedOut: true };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { type: err instanceof Error ? err.name : 'Unknown', message, timedOut: false };
}

/**
 * What to do after a submission failed. Submissions run once per activity (no automatic retry),
 * so the workflow decides:
 *  - 'look_up': the request may have reached the provider (a lost answer, a timeout, a worker
 *    that died mid-call): settle it by a look-up before any resubmission;
 *  - 'retry': it surely did not reach the provider (connection refused, 429): wait, resubmit;
 *  - 'give_up': a definite refusal, or too many tries: the caller settles the refund.
 */
export async function afterSubmitFailure(life: Lifecycle, err: unknown): Promise<'look_up' | 'retry' | 'give_up'> {
  const f = describeFailure(err);
  const attempts = life.state.submitAttempts;
  if ((f.type === 'ProviderAmbiguous' || f.timedOut) && attempts < MAX_AMBIGUOUS_SUBMISSIONS) return 'look_up';
  if ((f.type === 'ProviderTransient' || f.type === 'ProviderRateLimited') && attempts < MAX_UNSENT_SUBMISSIONS) {
    const backoff = Math.min(1_000 * 2 ** Math.min(attempts, 12), 5 * 60_000);
    await sleep(f.retryAfterMs ?? backoff);
    return 'retry';
  }
  return 'give_up';
}

/**
 * Run `fn` until it settles or the refund becomes final through an operator action (approve,
 * reject, resolve), whichever comes first. Returns undefined when the operator won.
 */
export async function untilFinal<T>(life: Lifecycle, fn: () => Promise<T>): Promise<{ value: T } | undefined> {
  if (life.isFinal) return undefined;
  const scope = new CancellationScope();
  const work = scope.run(fn);
  void condition(() => life.isFinal).then(() => scope.cancel());
  try {
    return { value: await work };
  } catch (err) {
    if (life.isFinal && isCancellation(err)) return undefined;
    throw err;
  }
}

/** Mark the refund as polled on `schedule` (clients compute the next check from it). */
export function startPolling(life: Lifecycle, schedule: PollSchedule, what: string): void {
  if (life.isFinal) return; // an operator settled the refund while the submission was in flight
  life.state.polling = { since: new Date().toISOString(), schedule, what };
  life.refreshDetails();
}

export function stopPolling(life: Lifecycle): void {
  delete life.state.polling;
}

/** Submission loop bounds: past these a human decides (needs_attention). */
export const MAX_AMBIGUOUS_SUBMISSIONS = 5;
export const MAX_UNSENT_SUBMISSIONS = 20;
