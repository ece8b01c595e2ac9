/**
 * A refund's state as the workflow keeps it and every way in (client, API, CLI) shows it.
 * Pure TypeScript: safe to import from workflow code.
 */
import type { RefusalKind } from './outcome.js';
import type { ApprovalInput, ApprovalRecord } from './approval.js';
import type { RefundRequest } from './refund.js';
import type { PollSchedule } from './schedule.js';
import type { PendingReason, RefundStatus } from './status.js';

export interface Transition {
  /** ISO time (workflow time). */
  at: string;
  status: RefundStatus;
  pendingReason?: PendingReason;
  /** Why: "submitted to SecPaid", "operator approve: ...", "provider answered DECLINED 32 Already refunded". */
  cause: string;
  providerCode?: string;
  providerMessage?: string;
  /** A marker that is no change of status: `overdue` = the refund passed its expectedBy while not final (workflows/overdue.ts). */
  event?: 'overdue';
}

export interface ProviderOutcome {
  /** The provider's own id of the refund, when it gives one. */
  refundId?: string;
  /** The provider's last status word (PENDING, APPROVED, DECLINED, ...). */
  status?: string;
  code?: string;
  message?: string;
  /** Amount the provider reports as refunded, minor units. */
  amountMinor?: number;
}

export interface RefundState {
  refundId: string;
  request: RefundRequest;
  status: RefundStatus;
  pendingReason?: PendingReason;
  /** ISO time the refund entered its current status. */
  since: string;
  createdAt: string;
  updatedAt: string;
  transitions: Transition[];
  provider: ProviderOutcome;
  /** Submissions sent to the provider (1 normally; more after an ambiguous answer). */
  submitAttempts: number;
  /** Submissions whose answer was lost (timeout, reset, 5xx): each was settled by a look-up. */
  lostAnswers?: number;
  /** Submissions refused before reaching the provider (connection refused, 429) and retried. */
  unsentRetries?: number;
  /** While the workflow polls the provider: since when and on which schedule. */
  polling?: { since: string; schedule: PollSchedule; what: string };
  /** When the next provider check is expected (ISO), while waiting: set for timers, computed from `polling` by clients. */
  nextCheckAt?: string;
  /** Why a human is needed, in needs_attention. */
  attention?: string;
  /** Who acted, for operator actions. */
  resolvedBy?: string;
  /** The payment ledger's slot: waiting for this refund's turn, or holding it while in flight. */
  slot?: 'waiting' | 'held';
  /** Deliveries of status changes to request.callbackUrl, in order. */
  callbacks?: CallbackDelivery[];

  // -- kept by the `refund` workflow (absent in refunds of the frozen v1 workflow) --
  /** What the submission sent, as decided by the amount rule at the refund's turn. */
  sent?: { full: boolean; sendMinor?: number };
  /** When the first submission attempt was made (ISO). */
  submittedAt?: string;
  /** The payment lock (one refund of a payment in flight at a time): waiting for it, or holding it. */
  lock?: 'waiting' | 'held';
  /** While waiting for the payment lock: the refund of the same payment that holds it. */
  waitingFor?: string;
  /** Checks of the provider made while waiting for its outcome. */
  checks?: number;
  /** What the provider's last answer was, as received (for people: never matched by code). */
  lastAnswer?: ProviderAnswer;
  /** Answers in a row with a value nobody documented, and since when. */
  unrecognized?: { count: number; since: string; raw: string };

  // -- expected-by (13c, domain/expected-by.ts; absent in refunds started before it) --
  /** When the refund is expected to be final (ISO): set at start, moved once SecPaid answers. */
  expectedBy?: string;
  /** When it was marked overdue (passed expectedBy while not final); set once. */
  overdueAt?: string;

  // -- linked retry (13b, domain/retry.ts) --
  /**
   * How the final status was established, recorded by the `refund` workflow when the refund
   * becomes final (absent in refunds that ended before it was recorded, and in v1 refunds).
   */
  settledBy?: Settlement;
  /** This refund is a retry attempt of another one (the workflow input's `retryOf`). */
  retryOf?: RetryLink;
  /**
   * The attempt that retries this refund, when there is one. Filled in by the client
   * (RefundsClient.get) from the attempt's deterministic id: the refund itself is closed by then.
   */
  retriedBy?: string;
  /** Four-eyes approval (workflows/approval.ts): only on refunds that reached a threshold. */
  approval?: ApprovalRecord;
}

/** How a refund's final status was established: what a linked retry may rely on (domain/retry.ts). */
export type Settlement =
  /**
   * The provider's answer (to the submission, a look-up or a check), as its adapter mapped it;
   * `refusal` as the outcome carried it (domain/outcome.ts RefusalKind: present = the answer
   * proves no money moved).
   */
  | { by: 'provider'; refusal?: RefusalKind; lostAnswers: number }
  /** Refused by the amount rule at its turn, before anything was sent. */
  | { by: 'amount_rule'; lostAnswers: number }
  /**
   * A typed refusal instead of an answer (an invalid request or a decline thrown as a failure: a
   * request the adapter would not build, or the provider refusing it outright); `failure` is its type.
   */
  | { by: 'request_refused'; failure: string; lostAnswers: number }
  /** A person decided (resolve, SecPaid's admin review recorded by hand, cancel). */
  | { by: 'operator'; operator?: string }
  /** Anything else (no provider answer, no operator). */
  | { by: 'other' };

/** A retry attempt's link to the refund it retries (domain/retry.ts). */
export interface RetryLink {
  /** The refund this attempt retries: the first refund of the chain, or an earlier attempt. */
  refundId: string;
  /** This attempt's number in the chain: the first refund is attempt 1, its retry attempt 2. */
  attempt: number;
  /** Why the retry was allowed: what proved that the retried refund paid nothing. */
  proof: string;
  /** Who asked for it (the API key's name, the CLI's --operator), and why. */
  requestedBy?: string;
  note?: string;
}

/** One provider answer as the refund saw it. */
export interface ProviderAnswer extends ProviderOutcome {
  at: string;
  /** What the answer meant: final, pending, exists, unrecognized. */
  meaning: string;
  /** For an unrecognized value: which field held it and its raw value. */
  raw?: string;
}

/** One status change's delivery to the refund's callbackUrl. */
export interface CallbackDelivery {
  eventId: string;
  status: RefundStatus;
  /** `overdue` for the refund.overdue event (the status is then the refund's, unchanged); absent for a status change. */
  kind?: 'overdue';
  state: 'pending' | 'delivered' | 'failed';
  /** Attempts made, once known (the delivering activity retries on its own). */
  attempts?: number;
  httpStatus?: number;
  deliveredAt?: string;
  error?: string;
}

/**
 * A refund's state the moment it is requested (the workflow's start, and what create and retry
 * return). With `approval` (it reached a four-eyes threshold, domain/approval.ts) it waits for a
 * decision before anything is sent: pending awaiting_approval, the deadline `timeoutMs` after now.
 */
export function initialRefundState(refundId: string, request: RefundRequest, nowIso: string, retryOf?: RetryLink, approval?: ApprovalInput): RefundState {
  const requested = retryOf
    ? `retry (attempt ${retryOf.attempt}) of ${retryOf.refundId} requested${retryOf.requestedBy ? ` by ${retryOf.requestedBy}` : ''}: ${retryOf.proof}${retryOf.note ? ` (${retryOf.note})` : ''}`
    : 'refund requested';
  const pendingReason = approval ? 'awaiting_approval' : 'submitting';
  const cause = approval ? `${requested}${retryOf ? '' : ` by ${approval.requester}`}; it awaits four-eyes approval by another operator` : requested;
  return {
    refundId,
    request,
    status: 'pending',
    pendingReason,
    since: nowIso,
    createdAt: nowIso,
    updatedAt: nowIso,
    transitions: [{ at: nowIso, status: 'pending', pendingReason, cause }],
    provider: {},
    submitAttempts: 0,
    ...(retryOf ? { retryOf } : {}),
    ...(approval
      ? {
          approval: {
            state: 'awaiting',
            requester: approval.requester,
            threshold: approval.threshold,
            requestedAt: nowIso,
            deadline: new Date(Date.parse(nowIso) + approval.timeoutMs).toISOString(),
          },
        }
      : {}),
  };
}

export interface OperatorInput {
  /** Who is acting (email or user name), kept in the transition. */
  operator?: string;
  note?: string;
}
