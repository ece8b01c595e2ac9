/**
 * Provider failures at the activity edge, and the refusals every adapter reads from error bodies.
 *
 * The failure kinds, their ApplicationFailure type names and the details attached to them are
 * defined once in domain/failures.ts (workflows match the same names); this file builds them.
 */
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import {
  AMBIGUOUS_FAILURE_TYPE,
  FAILURE_TYPES,
  NON_RETRYABLE_FAILURE_TYPES,
  PROVIDER_ERROR_KINDS,
  STILL_PENDING_FAILURE_TYPE,
  type ProviderErrorKind,
  type ProviderFailureDetails,
  type ProviderFailureType,
} from '../domain/failures.js';
import { MoneyError } from '../domain/money.js';
import type { ProviderFacts, RefundOutcome } from '../domain/outcome.js';
import type { Provider } from '../domain/providers.js';
import type { OutcomeShape } from './types.js';

export {
  AMBIGUOUS_FAILURE_TYPE,
  FAILURE_TYPES,
  NON_RETRYABLE_FAILURE_TYPES,
  PROVIDER_ERROR_KINDS,
  STILL_PENDING_FAILURE_TYPE,
  type ProviderErrorKind,
  type ProviderFailureDetails,
  type ProviderFailureType,
};

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
  const type = ambiguous ? AMBIGUOUS_FAILURE_TYPE : FAILURE_TYPES[err.kind];
  return ApplicationFailure.create({
    type,
    message: ambiguous ? `${err.message} (outcome unknown: the request may have reached ${err.provider})` : err.message,
    nonRetryable: NON_RETRYABLE_FAILURE_TYPES.includes(type),
    nextRetryDelay: err.kind === 'rate_limited' && err.retryAfterMs !== undefined ? err.retryAfterMs : undefined,
    details: [details],
  });
}

/** A request we refuse to build from the activity's input (never sent). */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
}

/** A request we refuse to build, as the ProviderError the adapters throw: surely not sent. */
export function notSent(provider: Provider, err: MoneyError | InvalidInputError): ProviderError {
  return new ProviderError({
    provider,
    kind: 'invalid_request',
    providerCode: 'LOCAL_VALIDATION',
    message: `${provider}: request not sent: ${err.message}`,
    mayHaveReachedProvider: false,
    cause: err,
  });
}

/** Build a request; an amount or field we refuse to put on the wire becomes notSent(). */
export function buildOrRefuse<T>(provider: Provider, build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof MoneyError || err instanceof InvalidInputError) throw notSent(provider, err);
    throw err;
  }
}

/**
 * The edge of every activity: ProviderError -> ApplicationFailure (typed, never a bare string);
 * MoneyError/InvalidInputError (an amount or field we refuse to put on the wire) -> non-retryable ProviderInvalidRequest that
 * surely did not reach the provider; anything else (cancellation, ApplicationFailure, bugs) is
 * rethrown unchanged.
 */
export function toActivityError(err: unknown, provider: Provider, operation: ProviderOperation, opts: FailureOptions = {}): unknown {
  if (err instanceof ProviderError) return toActivityFailure(err, operation, opts);
  if (err instanceof MoneyError || err instanceof InvalidInputError) return toActivityFailure(notSent(provider, err), operation);
  return err;
}

// ---------------------------------------------------------------------------------------------
// Refusals: error bodies that are answers
// ---------------------------------------------------------------------------------------------

/**
 * What a provider's error body can mean, decided here once for every adapter. Each provider's
 * transformers map its own error codes or messages onto these names (one exhaustive map per
 * provider); REFUSALS says what each name is as a RefundOutcome and as a failure kind.
 *  - exists:        a refund of this payment already exists at the provider;
 *  - declined:      refused for a business reason (not refundable, dispute, over the limit);
 *  - invalid:       the request cannot succeed as it is (a field is missing or wrong);
 *  - not_found:     the payment or link does not exist (an outcome like invalid);
 *  - auth:          our credentials were refused: thrown, nothing was refunded;
 *  - configuration: our set-up is wrong (an API version): thrown as invalid_request;
 *  - transient:     the provider failed internally: thrown, retried or settled by a look-up.
 */
export type RefusalName = 'exists' | 'declined' | 'invalid' | 'not_found' | 'auth' | 'configuration' | 'transient';

export interface RefusalMeaning {
  /** The outcome the adapters return; absent = thrown as a ProviderError of `failure`. */
  outcome?: OutcomeShape;
  /** The same answer as a failure kind: what the v1 activities throw (none for exists). */
  failure?: ProviderErrorKind;
}

export const REFUSALS: Readonly<Record<RefusalName, RefusalMeaning>> = {
  exists: { outcome: { kind: 'exists' } },
  declined: { outcome: { kind: 'final', status: 'rejected', refusal: 'declined' }, failure: 'declined' },
  invalid: { outcome: { kind: 'final', status: 'failed', refusal: 'invalid' }, failure: 'invalid_request' },
  not_found: { outcome: { kind: 'final', status: 'failed', refusal: 'invalid' }, failure: 'not_found' },
  auth: { failure: 'auth' },
  configuration: { failure: 'invalid_request' },
  transient: { failure: 'transient' },
};

/**
 * A provider's answer to one call: the outcome the adapters return and, when the answer was read
 * from an error body, the same answer as the typed failure (what the v1 activities throw).
 */
export interface Answer {
  outcome: RefundOutcome;
  failure?: ProviderError | undefined;
}

/** `status "SETTLING"`: which field held an undocumented value, and the value. */
export function rawValue(field: string, value: unknown): string {
  return `${field} ${JSON.stringify(value)}`;
}

/**
 * An error body read with the provider's map: `name` undefined = a value nobody documented
 * (unrecognized, and an invalid_request for the v1 activities). Thrown refusals (auth,
 * configuration, transient) throw `failure(kind, true)` here; the others become an Answer whose
 * failure is `failure(kind, false)`.
 */
export function refusalAnswer(
  name: RefusalName | undefined,
  facts: ProviderFacts,
  raw: string,
  failure: (kind: ProviderErrorKind, thrown: boolean) => ProviderError,
): Answer {
  if (name === undefined) return { outcome: { ...facts, kind: 'unrecognized', raw }, failure: failure('invalid_request', false) };
  const meaning = REFUSALS[name];
  if (!meaning.outcome) throw failure(meaning.failure ?? 'transient', true);
  return { outcome: { ...facts, ...meaning.outcome }, failure: meaning.failure === undefined ? undefined : failure(meaning.failure, false) };
}
