/** Helpers shared by the provider flows: failure inspection and racing work against operator actions. */
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import { CancellationScope, condition, isCancellation, sleep } from '@temporalio/workflow';
import type { PollSchedule } from '../../domain/schedule.js';
import type { Lifecycle } from './lifecycle.js';

export interface FailureInfo {
  type: string;
  message: string;
  code?: string;
  timedOut: boolean;
  /** The provider's Retry-After, for rate-limited answers. */
  retryAfterMs?: number;
  /** For a lost answer: how long its request may still take to land at the provider. */
  settleAfterMs?: number;
}

/** Look down the failure chain: ActivityFailure -> ApplicationFailure | TimeoutFailure. */
export function describeFailure(err: unknown): FailureInfo {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  // A polling activity whose next retry would pass its schedule-to-close deadline ends with its
  // last failure (StillPending) as the cause and retryState TIMEOUT, not with a TimeoutFailure.
  const retriesTimedOut = err instanceof ActivityFailure && err.retryState === RetryState.TIMEOUT;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { providerCode?: unknown; code?: unknown; retryAfterMs?: unknown; settleAfterMs?: unknown } | undefined;
    const code = details?.providerCode ?? details?.code;
    const retryAfterMs = typeof details?.retryAfterMs === 'number' ? details.retryAfterMs : undefined;
    const settleAfterMs = typeof details?.settleAfterMs === 'number' ? details.settleAfterMs : undefined;
    return {
      type: cause.type ?? 'ApplicationFailure',
      message: cause.message,
      ...(code !== undefined && code !== null ? { code: String(code) } : {}),
      timedOut: retriesTimedOut,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      ...(settleAfterMs !== undefined ? { settleAfterMs } : {}),
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
  const s = life.state;
  if (f.type === 'ProviderAmbiguous' || f.timedOut) {
    s.lostAnswers = (s.lostAnswers ?? 0) + 1;
    if (s.lostAnswers > MAX_LOST_ANSWERS) return 'give_up';
    // A request whose answer we lost may still be in flight at the provider: looking it up at
    // once could miss it, and a resubmission would then pay twice. Let it land first.
    await sleep(f.settleAfterMs ?? IN_FLIGHT_SETTLE_MS);
    return 'look_up';
  }
  if (f.type === 'ProviderTransient' || f.type === 'ProviderRateLimited') {
    s.unsentRetries = (s.unsentRetries ?? 0) + 1;
    if (s.unsentRetries > MAX_UNSENT_RETRIES) return 'give_up';
    const base = f.retryAfterMs ?? Math.min(1_000 * 2 ** Math.min(s.unsentRetries, 12), 5 * 60_000);
    // Jitter (Math.random is deterministic in workflows): refunds that were refused together
    // must not all come back in the same second, or a rate limit never lets any of them through.
    await sleep(Math.round(base * (1 + Math.random())));
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
export const MAX_LOST_ANSWERS = 4;
export const MAX_UNSENT_RETRIES = 19;
/**
 * How long a lost answer's request is given to land at the provider before we look it up, when
 * the failure does not say (the adapter says 4 x its HTTP timeout; a timed-out activity, whose
 * worker may have died mid-call, gets this).
 */
export const IN_FLIGHT_SETTLE_MS = 30_000;
