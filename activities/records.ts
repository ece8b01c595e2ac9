/**
 * What the reconciliation reads from a provider: its refunds of a payment, as
 * ProviderRefundRecords (domain/reconciliation.ts). Each adapter folder adds its reader beside its
 * ProviderAdapter (activities/<provider>/adapter.ts), on the same client and transformers: the
 * provider's answers are mapped once, to RefundOutcome, and the record is made from that outcome.
 */
import type { RefundOutcome } from '../domain/outcome.js';
import type { Provider } from '../domain/providers.js';
import type { ProviderRecordStatus, ProviderRefundRecord } from '../domain/reconciliation.js';
import type { RequestOf } from './adapter.js';
import type { CallContext } from './context.js';

/** A payment whose refunds are read: the request's own payment reference. */
export interface PaymentToRead<P extends Provider = Provider> {
  paymentKey: string;
  /** The merchant account whose credentials read it; absent = the default account. */
  account?: string;
  payment: RequestOf<P>['payment'];
}

export interface ProviderRecordsReader<P extends Provider> {
  /** Every refund the provider shows for this payment. */
  ofPayment(ctx: CallContext, payment: PaymentToRead<P>): Promise<ProviderRefundRecord[]>;
}

/** The status a record proves, from the adapter's outcome. 'exists' says nothing final: pending. */
export function recordStatus(outcome: RefundOutcome): ProviderRecordStatus {
  switch (outcome.kind) {
    case 'final':
      return outcome.status;
    case 'pending':
    case 'exists':
      return 'pending';
    case 'unrecognized':
      return 'unrecognized';
  }
}

/** A record of one provider refund, made from its outcome. */
export function recordOf(
  provider: Provider,
  paymentKey: string,
  outcome: RefundOutcome,
  extra: { currency?: string | undefined; createdAt?: string | undefined; ourRefundId?: string | null | undefined } = {},
): ProviderRefundRecord {
  return {
    provider,
    paymentKey,
    status: recordStatus(outcome),
    ...(outcome.refundId !== undefined ? { providerRefundId: outcome.refundId } : {}),
    ...(outcome.providerStatus !== undefined ? { providerStatus: outcome.providerStatus } : {}),
    ...(outcome.amountMinor !== undefined ? { amountMinor: outcome.amountMinor } : {}),
    ...(extra.currency ? { currency: extra.currency } : {}),
    ...(extra.createdAt ? { createdAt: extra.createdAt } : {}),
    ...(extra.ourRefundId ? { ourRefundId: extra.ourRefundId } : {}),
  };
}
