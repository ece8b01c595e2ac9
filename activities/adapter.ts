/**
 * The contract every provider adapter implements: three calls, each answering with the one
 * domain outcome (domain/outcome.ts). Failures are thrown as ProviderError (errors.ts) and become
 * typed ApplicationFailures at the activity edge. One adapter per provider folder:
 * client.ts (HTTP glue) + transformers.ts (wire types, request builders, the exhaustive maps).
 */
import type { RefundOutcome } from '../domain/outcome.js';
import type { Provider } from '../domain/providers.js';
import type { RefundRequest } from '../domain/refund.js';
import type { CallContext } from './context.js';

export type RequestOf<P extends Provider> = Extract<RefundRequest, { provider: P }>;

/** What to put on the wire, decided by the amount rule (domain/amount.ts planAmount). */
export interface SendAmount {
  /** A full refund (SecPaid isFullRefund; OpenPayd and Reservepay send no amount when sendMinor is undefined). */
  full: boolean;
  /** Integer minor units to send; undefined = none. */
  sendMinor?: number | undefined;
}

export interface SubmitArgs<P extends Provider> {
  /** Our refund id: provider idempotency keys (Link Money's requestKey) are derived from it. */
  refundId: string;
  request: RequestOf<P>;
  amount: SendAmount;
}

export interface LookUpArgs<P extends Provider> extends SubmitArgs<P> {
  /**
   * ISO time our first submission attempt started. Only one refund of a payment is in flight at a
   * time (the payment lock), so a refund of the payment created since then, of our amount, is ours.
   */
  submittedAfter: string;
  /**
   * The provider's ids of this payment's refunds that belong to our OTHER refunds (earlier holders
   * of the payment lock): never ours, whatever their time and amount.
   */
  excludeRefundIds: string[];
}

export interface CheckArgs<P extends Provider> extends LookUpArgs<P> {
  /** The provider's id of our refund, once an answer gave it. */
  providerRefundId?: string | undefined;
}

export interface ProviderAdapter<P extends Provider> {
  /** Ask for the refund. Runs once per activity: never retried blindly. */
  submit(ctx: CallContext, args: SubmitArgs<P>): Promise<RefundOutcome>;
  /**
   * After a lost answer: the provider's view of our refund, or null when the provider has none
   * (then the workflow may submit again).
   */
  lookUp(ctx: CallContext, args: LookUpArgs<P>): Promise<RefundOutcome | null>;
  /** Read the current outcome of a submitted refund (polling). */
  check(ctx: CallContext, args: CheckArgs<P>): Promise<RefundOutcome>;
}
