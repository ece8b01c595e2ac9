/**
 * The worker's provider configuration, the shape the transformers' maps share, and the inputs and
 * outputs of the v1 activities (activities/v1.ts, called by workflows/v1 only): plain
 * serialisable data (amounts are integer minor units; no class instances). Workflow code imports
 * this file with `import type` only. The refund workflow's activities (activities/refunds.ts)
 * answer with the domain's RefundOutcome instead.
 */
import type { Dispatcher } from 'undici';
import type { CurrencyCode } from '../domain/money.js';
import type { FinalOutcome, RefundOutcome } from '../domain/outcome.js';
import type { Secret } from './secret.js';
import type { AdapterLogger } from './log.js';
import type { CallbackSigningKey } from './callbacks.js';

// ---------------------------------------------------------------------------------------------
// Worker configuration
// ---------------------------------------------------------------------------------------------

export interface ProviderConfig {
  /** e.g. https://app.secpaid.com/api/v2 */
  secpaid: {
    baseUrl: string;
    token: Secret;
    /** The worker's budget of SecPaid requests in any sliding minute (SecPaid allows 60). Default 50. */
    requestsPerMinute?: number;
  };
  /** e.g. https://api.link.money */
  linkmoney: {
    baseUrl: string;
    clientId: string;
    clientSecret: Secret;
    /** 'Link-Payment' */
    scope: string;
    /** Refund/transaction status read; '{paymentId}' is replaced. Default '/v1/transactions/{paymentId}'. */
    statusPath: string;
  };
  /** e.g. https://api.openpaydpsp.com */
  openpayd: { baseUrl: string; apiKey: Secret };
  /** e.g. https://api.reservepay.com */
  reservepay: { baseUrl: string; apiKey: Secret; /** '2025-04-01' */ apiVersion: string };
  /** Whole-request deadline for each HTTP call. Default 30 000 ms. */
  requestTimeoutMs?: number;
  /**
   * The named merchant accounts (docs/accounts.md), by provider and account name, each configured
   * like the provider itself; the fields above are the `default` account.
   */
  accounts?: ProviderAccounts;
}

/** Named merchant accounts: a provider's account name -> that account's configuration. */
export type ProviderAccounts = { [P in 'secpaid' | 'linkmoney' | 'openpayd' | 'reservepay']?: Record<string, Omit<ProviderConfig, 'requestTimeoutMs' | 'accounts'>[P]> };

export interface ActivityDeps {
  config: ProviderConfig;
  /** The worker's one connection pool: createHttpDispatcher() from activities/http.ts. */
  dispatcher: Dispatcher;
  /** Used outside an activity context (inside one, Context.current().log is used). */
  log?: AdapterLogger;
  now?: () => Date;
  /** HMAC key of completion callbacks (REFUNDS_CALLBACK_SECRET) with key id k1, when `callbacks.keys` is not given; callbacks fail without a key. */
  callbackSecret?: Secret;
  /**
   * Completion callbacks: the signing keys (current first), their own dispatcher (default: a new
   * createCallbackDispatcher() refusing every internal address, never `dispatcher`) and the
   * number of deliveries in flight at once.
   */
  callbacks?: { keys?: CallbackSigningKey[]; dispatcher?: Dispatcher; maxConcurrent?: number };
}

// ---------------------------------------------------------------------------------------------
// The value of every status map in the transformers: a RefundOutcome without the provider's facts
// ---------------------------------------------------------------------------------------------

export type OutcomeShape =
  | Pick<FinalOutcome, 'kind' | 'status' | 'refusal'>
  | Pick<Extract<RefundOutcome, { kind: 'pending' }>, 'kind' | 'reason'>
  | { kind: 'exists' };

// ---------------------------------------------------------------------------------------------
// v1 activities: SecPaid (EUR)
// ---------------------------------------------------------------------------------------------

export interface SecpaidSubmitRefundInput {
  refundId: string;
  payId: string;
  /** EUR cents; also the full amount when fullRefund (SecPaid always requires refund_amount). */
  amountMinor: number;
  fullRefund: boolean;
}
export type SecpaidSubmitRefundResult =
  | { outcome: 'submitted'; message: string }
  /** "Refund already requested": one request per link, whatever its outcome. */
  | { outcome: 'already_requested'; message: string };

export interface SecpaidFindRefundInput {
  payId: string;
  /** Look back this many days (SecPaid's `since`). */
  since?: number;
}
export type SecpaidFindRefundResult =
  | { found: false }
  | {
      found: true;
      transactionId: string;
      /** Absolute value, EUR cents. */
      amountMinor: number;
      /** SecPaid's "YYYY-MM-DD HH:MM:SS" (server time), verbatim. */
      createdAt: string;
      /** SecPaid's item status (Success|Pending), verbatim. */
      providerStatus: string;
    };

/** Polling: resolves once the refund entry is visible; otherwise fails with a retryable 'StillPending'. */
export type SecpaidAwaitRefundInput = SecpaidFindRefundInput;
export type SecpaidAwaitRefundResult = Extract<SecpaidFindRefundResult, { found: true }>;

// ---------------------------------------------------------------------------------------------
// v1 activities: Link Money (USD)
// ---------------------------------------------------------------------------------------------

/** pending: wait (includes the 3-business-day hold); authorized: money movement started; unknown: keep waiting, logged. */
export type LinkMoneyRefundStatus = 'pending' | 'authorized' | 'failed' | 'unknown';
export interface ProviderErrorDetails {
  errorCode: string;
  errorMessage: string;
}

export interface LinkmoneySubmitRefundInput {
  refundId: string;
  /** The original debit's payment id. */
  paymentId: string;
  /** USD cents. */
  amountMinor: number;
  /** Derived from refundId, the same on every attempt. */
  requestKey: string;
}
export type LinkmoneySubmitRefundResult =
  | {
      outcome: 'accepted';
      /** Id of the new refund transaction (not the original debit's id). */
      refundPaymentId: string;
      status: LinkMoneyRefundStatus;
      providerStatus: string;
      errorDetails?: ProviderErrorDetails;
    }
  /** A refund with this requestKey already exists: settle it with linkmoneyFindRefundByRequestKey. */
  | { outcome: 'duplicate_request_key' };

export interface LinkmoneyGetRefundStatusInput {
  refundPaymentId: string;
}
export interface LinkMoneyRefundView {
  refundPaymentId: string;
  status: LinkMoneyRefundStatus;
  providerStatus: string;
  amountMinor?: number;
  clientReferenceId?: string;
  requestKey?: string;
  errorDetails?: ProviderErrorDetails;
}
/** Alias kept for callers that spell it this way. */
export type LinkmoneyRefundView = LinkMoneyRefundView;
export type LinkmoneyGetRefundStatusResult = LinkMoneyRefundView;

export interface LinkmoneyFindRefundByRequestKeyInput {
  /** The original debit's payment id. */
  paymentId: string;
  requestKey: string;
}
export type LinkmoneyFindRefundByRequestKeyResult = LinkMoneyRefundView | null;

// ---------------------------------------------------------------------------------------------
// v1 activities: OpenPayd PSP (cards, synchronous)
// ---------------------------------------------------------------------------------------------

export type OpenpaydRefundOutcome = 'approved' | 'declined' | 'pending' | 'unknown';

export interface OpenpaydSubmitRefundInput {
  refundId: string;
  transactionId: string;
  referenceNo: string;
  /** Undefined = full refund (neither amount nor currency is sent). */
  amountMinor?: number;
  /** Required with amountMinor. */
  currency?: CurrencyCode;
}
export interface OpenpaydSubmitRefundResult {
  outcome: OpenpaydRefundOutcome;
  /** Provider code as a string: "00", "32", "283", ... */
  code: string;
  providerStatus: string;
  message: string;
  /** Amount the provider reports for this refund, in minor units, when it sends one. */
  amountMinor?: number;
}

export interface OpenpaydGetStatusInput {
  transactionId: string;
  referenceNo: string;
}
export interface OpenpaydGetStatusResult {
  /** Status of the original payment, verbatim. */
  paymentStatus: string;
  refundedAmountMinor: number;
  refunds: { refundId: string; amountMinor: number; status: OpenpaydRefundOutcome; providerStatus: string }[];
}

/**
 * Polling: resolves with the first refund of the payment not in excludeRefundIds once it is final
 * (APPROVED or DECLINED); otherwise fails with a retryable 'StillPending'.
 */
export interface OpenpaydAwaitRefundInput {
  transactionId: string;
  referenceNo: string;
  /** Refund ids that existed before our submission. */
  excludeRefundIds: string[];
}
export interface OpenpaydAwaitRefundResult {
  refundId: string;
  /** OpenPayd's status, verbatim: 'APPROVED' or 'DECLINED'. */
  status: 'APPROVED' | 'DECLINED';
  outcome: 'approved' | 'declined';
  amountMinor: number;
}

// ---------------------------------------------------------------------------------------------
// v1 activities: Reservepay (THB satang)
// ---------------------------------------------------------------------------------------------

export type ReservepayRejectionCode = 'NOT_REFUNDABLE' | 'AMOUNT_EXCEEDS_LIMIT' | 'NOT_FOUND';
export type ReservepayRefundStatus = 'pending' | 'succeeded' | 'failed' | 'unknown';

export interface ReservepaySubmitRefundInput {
  paymentId: string;
  /** Satang; undefined = the whole remaining refundable amount. */
  amountMinor?: number;
}
export type ReservepaySubmitRefundResult =
  | { outcome: 'created'; refundId: string }
  | { outcome: 'rejected'; code: ReservepayRejectionCode; message: string; details: unknown };

export interface ReservepayRefundView {
  refundId: string;
  paymentId: string;
  status: ReservepayRefundStatus;
  providerStatus: string;
  amountMinor: number;
  currency: string;
  createdAt: string;
  refundedAt: string | null;
  full: boolean;
}
export interface ReservepayFindRefundInput {
  refundId: string;
}
export type ReservepayFindRefundResult = ReservepayRefundView;

export interface ReservepayListRefundsInput {
  paymentId: string;
}
/** Every refund of the payment (all pages), in the provider's order. */
export type ReservepayListRefundsResult = ReservepayRefundView[];

/** Polling: resolves once the refund is final (succeeded/failed); otherwise fails with a retryable 'StillPending'. */
export interface ReservepayAwaitRefundInput {
  refundId: string;
}
export type ReservepayAwaitRefundResult = ReservepayRefundView & { status: 'succeeded' | 'failed' };
