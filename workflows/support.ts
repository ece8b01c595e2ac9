/** Helpers shared by the provider flows: failure inspection and racing work against operator actions. */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import { CancellationScope, condition, isCancellation } from '@temporalio/workflow';
import type { PollSchedule } from '../domain/schedule.js';
import type { Lifecycle } from './lifecycle.js';

export interface FailureInfo {
  type: string;
  message: string;
  code?: string;
  timedOut: boolean;
}

/** Look down the failure chain: ActivityFailure -> ApplicationFailure | TimeoutFailure. */
export function describeFailure(err: unknown): FailureInfo {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { providerCode?: unknown; code?: unknown } | undefined;
    const code = details?.providerCode ?? details?.code;
    return {
      type: cause.type ?? 'ApplicationFailure',
      message: cause.message,
      ...(code !== undefined && code !== null ? { code: String(code) } : {}),
      timedOut: false,
    };
  }
  if (cause instanceof TimeoutFailure) {
    return { type: 'Timeout', message: cause.message, timedOut: true };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { type: err instanceof Error ? err.name : 'Unknown', message, timedOut: false };
}

export function isAmbiguous(err: unknown): boolean {
  return describeFailure(err).type === 'ProviderAmbiguous';
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
  life.state.polling = { since: new Date().toISOString(), schedule, what };
  life.refreshDetails();
}

export function stopPolling(life: Lifecycle): void {
  delete life.state.polling;
}

/** Submission loop bound: after this many ambiguous answers a human decides. */
export const MAX_AMBIGUOUS_SUBMISSIONS = 5;
