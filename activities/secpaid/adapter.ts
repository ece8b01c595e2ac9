/**
 * SecPaid as a ProviderAdapter. submit = refundPayment; check and lookUp = getPayInTransactions
 * for the pay_id, where only an approved refund is visible (its negative Refund entry). SecPaid
 * has no look-up of a pending request: lookUp answers null until the entry shows, and the
 * workflow resubmits, relying on "Refund already requested" ('exists'). An entry of one of our
 * other refunds of the payment (excludeRefundIds) is never ours.
 */
import type { ProviderAdapter } from '../adapter.js';
import { InvalidInputError, notSent } from '../errors.js';
import type { ProviderRefundRecord } from '../../domain/reconciliation.js';
import type { CallContext } from '../context.js';
import { recordOf, type ProviderRecordsReader } from '../records.js';
import { findRefundEntry, listRefundEntries, refundPayment, type SecpaidClientConfig } from './client.js';
import { AWAITING_REVIEW, entryOutcome, type SecpaidRefundEntry } from './transformers.js';

export function secpaidAdapter(cfg: SecpaidClientConfig): ProviderAdapter<'secpaid'> {
  return {
    async submit(ctx, { request, amount }) {
      // refund_amount is always required, also for a full refund (secpaid-refundPayment.txt).
      if (amount.sendMinor === undefined) throw notSent('secpaid', new InvalidInputError('SecPaid needs refund_amount, also for a full refund'));
      return (await refundPayment(cfg, ctx, { payId: request.payment.payId, amountMinor: amount.sendMinor, fullRefund: amount.full })).outcome;
    },
    async lookUp(ctx, { request, excludeRefundIds }) {
      const entry = await findRefundEntry(cfg, ctx, { payId: request.payment.payId, excludeTransactionIds: excludeRefundIds });
      return entry ? entryOutcome(entry) : null;
    },
    async check(ctx, { request, excludeRefundIds }) {
      const entry = await findRefundEntry(cfg, ctx, { payId: request.payment.payId, excludeTransactionIds: excludeRefundIds });
      return entry ? entryOutcome(entry) : AWAITING_REVIEW;
    },
  };
}

/**
 * The reconciliation's reads: the Refund entry of a pay_id (one refund request per link), and
 * pages of every Refund entry of the last `since` days (refunds nobody of ours asked for).
 */
export function secpaidRecords(cfg: SecpaidClientConfig): ProviderRecordsReader<'secpaid'> & {
  listPage(ctx: CallContext, input: { since: number; page: number }): Promise<{ records: ProviderRefundRecord[]; more: boolean }>;
} {
  const record = (payId: string, entry: SecpaidRefundEntry) => recordOf('secpaid', payId, entryOutcome(entry), { currency: 'EUR', createdAt: entry.createdAt });
  return {
    async ofPayment(ctx, { paymentKey, payment }) {
      const entry = await findRefundEntry(cfg, ctx, { payId: payment.payId });
      return entry ? [record(paymentKey, entry)] : [];
    },
    async listPage(ctx, input) {
      const page = await listRefundEntries(cfg, ctx, input);
      return { records: page.entries.map((e) => record(e.payId, e)), more: page.more };
    },
  };
}
