/**
 * Failure kinds and the names of the ApplicationFailure types that cross between activities and
 * workflows, defined once and used by both sides (activities throw them, workflows match them).
 * Pure TypeScript: safe to import from workflow code.
 */

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

/** ApplicationFailure `type` of each kind. */
export const FAILURE_TYPES = {
  transient: 'ProviderTransient',
  rate_limited: 'ProviderRateLimited',
  declined: 'ProviderDeclined',
  invalid_request: 'ProviderInvalidRequest',
  auth: 'ProviderAuth',
  not_found: 'ProviderNotFound',
} as const satisfies Record<ProviderErrorKind, string>;

/** A submission whose answer was lost: it may or may not have reached the provider. Never retried blindly. */
export const AMBIGUOUS_FAILURE_TYPE = 'ProviderAmbiguous';
/** A polling activity's "not yet": retried by the poll schedule, benign (not an error). */
export const STILL_PENDING_FAILURE_TYPE = 'StillPending';

export type ProviderFailureType = (typeof FAILURE_TYPES)[ProviderErrorKind] | typeof AMBIGUOUS_FAILURE_TYPE;

/** Failures that retrying cannot fix: activities mark them non-retryable, workflow proxies list them too. */
export const NON_RETRYABLE_FAILURE_TYPES: readonly string[] = [
  AMBIGUOUS_FAILURE_TYPE,
  FAILURE_TYPES.declined,
  FAILURE_TYPES.invalid_request,
  FAILURE_TYPES.auth,
  FAILURE_TYPES.not_found,
];

/** Plain, credential-free data attached to every provider failure (ApplicationFailure.details[0]). */
export interface ProviderFailureDetails {
  provider: string;
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

/** Failure types of the refund workflow itself and of its operator updates. */
export const WORKFLOW_FAILURE_TYPES = {
  invalidRequest: 'InvalidRefundRequest',
  invalidOperatorInput: 'InvalidOperatorInput',
  operatorActionNotAllowed: 'OperatorActionNotAllowed',
  /** This person may not take this action (the requester of a refund deciding its four-eyes approval). */
  operatorActionForbidden: 'OperatorActionForbidden',
} as const;
