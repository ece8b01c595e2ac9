/** Reading a failure that came back from an activity: down the chain to its typed cause. */
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import { FAILURE_TYPES, type ProviderFailureDetails } from '../domain/failures.js';

export interface FailureInfo {
  type: string;
  message: string;
  code?: string;
  /** The activity timed out (its worker may have died mid-call), or its retries ran out of time. */
  timedOut: boolean;
  /** The provider's Retry-After, for rate-limited answers. */
  retryAfterMs?: number;
  /** For a lost answer: how long its request may still take to land at the provider. */
  settleAfterMs?: number;
}

/** ActivityFailure -> ApplicationFailure | TimeoutFailure. */
export function describeFailure(err: unknown): FailureInfo {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const retriesTimedOut = err instanceof ActivityFailure && err.retryState === RetryState.TIMEOUT;
  if (cause instanceof ApplicationFailure) {
    const d = cause.details?.[0] as Partial<ProviderFailureDetails> | undefined;
    const info: FailureInfo = { type: cause.type ?? 'ApplicationFailure', message: cause.message, timedOut: retriesTimedOut };
    if (typeof d?.providerCode === 'string') info.code = d.providerCode;
    if (typeof d?.retryAfterMs === 'number') info.retryAfterMs = d.retryAfterMs;
    if (typeof d?.settleAfterMs === 'number') info.settleAfterMs = d.settleAfterMs;
    return info;
  }
  if (cause instanceof TimeoutFailure) return { type: 'Timeout', message: cause.message, timedOut: true };
  return { type: err instanceof Error ? err.name : 'Unknown', message: err instanceof Error ? err.message : String(err), timedOut: false };
}

/** What a failed submission means. */
export type SubmissionFailure =
  /** The answer was lost: the request may have reached the provider. Look it up before anything else. */
  | 'lost'
  /** It surely did not reach the provider (connection refused, 429): send it again after a pause. */
  | 'not_sent'
  /** Our credentials were refused: nothing was refunded, a person must fix the configuration. */
  | 'auth'
  /** A documented refusal that came as a failure rather than an answer (a request we would not build, say). */
  | 'refused';

/** Failures that prove nothing was refunded. */
const REFUSED: readonly string[] = [FAILURE_TYPES.invalid_request, FAILURE_TYPES.declined, FAILURE_TYPES.not_found];

export function classifySubmissionFailure(f: FailureInfo): SubmissionFailure {
  if (f.type === FAILURE_TYPES.transient || f.type === FAILURE_TYPES.rate_limited) return 'not_sent';
  if (f.type === FAILURE_TYPES.auth) return 'auth';
  if (REFUSED.includes(f.type)) return 'refused';
  // A lost answer, a timeout, or anything unexpected (a bug, a service error after the provider
  // answered): it may have reached the provider, so it is settled by a look-up first.
  return 'lost';
}
