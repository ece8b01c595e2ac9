import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { MoneyError } from '../domain/money.js';
import type { Provider } from '../domain/providers.js';

/**
 * The small set of ways a provider call can fail, shared by every adapter.
 *  - transient:       5xx, connection reset, timeouts, malformed or unparseable answers: retry.
 *  - rate_limited:    HTTP 429 (or the provider's equivalent); retry after retryAfterMs.
 *  - declined:        the provider understood the request and refused it for a business reason.
 *  - invalid_request: the request is wrong (missing/invalid field, bad version); retrying will not help.
 *  - auth:            credentials rejected.
 *  - not_found:       the payment/refund/link does not exist at the provider.
 */
export const PROVIDER_ERROR_KINDS = ['transient', 'rate_limited', 'declined', 'invalid_request', 'auth', 'not_found'] as const;
export type ProviderErrorKind = (typeof PROVIDER_ERROR_KINDS)[number];

export interface ProviderErrorInit {
  provider: Provider;
  kind: ProviderErrorKind;
  message: string;
  /** The provider's own error code ("DUPLICATE_REQUEST_KEY", "96", "NOT_REFUNDABLE", ...). */
  providerCode?: string | undefined;
  /** The provider's own message, verbatim (for example SecPaid's ResponseMsg). */
  providerMessage?: string | undefined;
  httpStatus?: number | undefined;
  requestId?: string | undefined;
  retryAfterMs?: number | undefined;
  /**
   * True when the request could have been processed by the provider (timeout or reset after
   * sending, 5xx, malformed answer); false when it surely was not (connection refused, DNS,
   * connect timeout, 429, 401, a request we refused to build).
   */
  mayHaveReachedProvider: boolean;
  cause?: unknown;
}

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly provider: Provider;
  readonly kind: ProviderErrorKind;
  readonly providerCode: string | undefined;
  readonly providerMessage: string | undefined;
  readonly httpStatus: number | undefined;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly mayHaveReachedProvider: boolean;

  constructor(init: ProviderErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.provider = init.provider;
    this.kind = init.kind;
    this.providerCode = init.providerCode;
    this.providerMessage = init.providerMessage;
    this.httpStatus = init.httpStatus;
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
    this.mayHaveReachedProvider = init.mayHaveReachedProvider;
  }
}

/** ApplicationFailure types thrown by the activities. Workflows match on these strings. */
export const FAILURE_TYPES = {
  transient: 'ProviderTransient',
  rate_limited: 'ProviderRateLimited',
  declined: 'ProviderDeclined',
  invalid_request: 'ProviderInvalidRequest',
  auth: 'ProviderAuth',
  not_found: 'ProviderNotFound',
} as const satisfies Record<ProviderErrorKind, string>;
export const AMBIGUOUS_FAILURE_TYPE = 'ProviderAmbiguous';
/** Thrown by the *Await* polling activities while the outcome is not visible yet: retryable, benign. */
export const STILL_PENDING_FAILURE_TYPE = 'StillPending';
export type ProviderFailureType = (typeof FAILURE_TYPES)[ProviderErrorKind] | typeof AMBIGUOUS_FAILURE_TYPE;

/** The polling activities' "not yet": retried by the workflow's poll schedule, logged at debug level. */
export function stillPending(message: string, details: Record<string, unknown> = {}): ApplicationFailure {
  return ApplicationFailure.create({
    type: STILL_PENDING_FAILURE_TYPE,
    message,
    nonRetryable: false,
    category: ApplicationFailureCategory.BENIGN,
    details: [details],
  });
}

const RETRYABLE: Record<ProviderErrorKind, boolean> = {
  transient: true,
  rate_limited: true,
  declined: false,
  invalid_request: false,
  auth: false,
  not_found: false,
};

/** Plain, credential-free data attached to every provider failure (ApplicationFailure.details[0]). */
export interface ProviderFailureDetails {
  provider: Provider;
  kind: ProviderErrorKind;
  providerCode: string | null;
  providerMessage: string | null;
  httpStatus: number | null;
  requestId: string | null;
  retryAfterMs: number | null;
  mayHaveReachedProvider: boolean;
  /**
   * For an ambiguous submission: how long the workflow should let a request that may still be
   * in flight land at the provider before looking it up (a few times the HTTP timeout).
   */
  settleAfterMs?: number;
}

/**
 * 'submit': the activity asks the provider to move money; a transient failure that may have
 * reached the provider is AMBIGUOUS and must not be blindly retried (non-retryable
 * 'ProviderAmbiguous': the workflow settles it by a look-up first).
 * 'read': look-ups, always safe to retry.
 */
export type ProviderOperation = 'submit' | 'read';

export interface FailureOptions {
  /** The HTTP timeout in force: an ambiguous submission is looked up after a few of these. */
  requestTimeoutMs?: number;
}

export function toActivityFailure(err: ProviderError, operation: ProviderOperation, opts: FailureOptions = {}): ApplicationFailure {
  const details: ProviderFailureDetails = {
    provider: err.provider,
    kind: err.kind,
    providerCode: err.providerCode ?? null,
    providerMessage: err.providerMessage ?? null,
    httpStatus: err.httpStatus ?? null,
    requestId: err.requestId ?? null,
    retryAfterMs: err.retryAfterMs ?? null,
    mayHaveReachedProvider: err.mayHaveReachedProvider,
  };
  const ambiguous = operation === 'submit' && err.kind === 'transient' && err.mayHaveReachedProvider;
  if (ambiguous && opts.requestTimeoutMs !== undefined) details.settleAfterMs = 4 * opts.requestTimeoutMs;
  return ApplicationFailure.create({
    type: ambiguous ? AMBIGUOUS_FAILURE_TYPE : FAILURE_TYPES[err.kind],
    message: ambiguous ? `${err.message} (outcome unknown: the request may have reached ${err.provider})` : err.message,
    nonRetryable: ambiguous || !RETRYABLE[err.kind],
    nextRetryDelay: err.kind === 'rate_limited' && err.retryAfterMs !== undefined ? err.retryAfterMs : undefined,
    details: [details],
  });
}

/** A request we refuse to build from the activity's input (never sent). */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
}

/**
 * The edge of every activity: ProviderError -> ApplicationFailure (typed, never a bare string);
 * MoneyError/InvalidInputError (an amount or field we refuse to put on the wire) -> non-retryable ProviderInvalidRequest that
 * surely did not reach the provider; anything else (cancellation, ApplicationFailure, bugs) is
 * rethrown unchanged.
 */
export function toActivityError(err: unknown, provider: Provider, operation: ProviderOperation, opts: FailureOptions = {}): unknown {
  if (err instanceof ProviderError) return toActivityFailure(err, operation, opts);
  if (err instanceof MoneyError || err instanceof InvalidInputError) {
    return toActivityFailure(
      new ProviderError({
        provider,
        kind: 'invalid_request',
        providerCode: 'LOCAL_VALIDATION',
        message: `${provider}: request not sent: ${err.message}`,
        mayHaveReachedProvider: false,
      }),
      operation,
    );
  }
  return err;
}
