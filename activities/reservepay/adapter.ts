/**
 * Reservepay as a ProviderAdapter. submit = refund-payment, then in the same call find-refund of
 * the new id for its status (two provider calls, one activity); check = find-refund of our id;
 * lookUp = list-refunds-by-payment: the newest refund since our first attempt with our amount
 * that is not one of our other refunds of the payment.
 */
import type { ProviderAdapter } from '../adapter.js';
import { buildOrRefuse, ProviderError } from '../errors.js';
import { findRefund, listRefunds, refundPayment, type ReservepayClientConfig } from './client.js';
import { recordOf, type ProviderRecordsReader } from '../records.js';
import { createdOutcome, findOurRefund } from './transformers.js';

export function reservepayAdapter(cfg: ReservepayClientConfig): ProviderAdapter<'reservepay'> {
  const lookUp: ProviderAdapter<'reservepay'>['lookUp'] = async (ctx, { request, amount, submittedAfter, excludeRefundIds }) => {
    const refunds = await listRefunds(cfg, ctx, request.payment.paymentId);
    const mine = buildOrRefuse('reservepay', () =>
      findOurRefund(
        refunds.map((r) => r.refund),
        { submittedAfter, amountMinor: amount.sendMinor, excludeRefundIds },
      ),
    );
    return refunds.find((r) => r.refund === mine)?.outcome ?? null;
  };

  return {
    async submit(ctx, { request, amount }) {
      const answer = await refundPayment(cfg, ctx, { paymentId: request.payment.paymentId, amountMinor: amount.sendMinor });
      if (answer.created === undefined) return answer.outcome;
      try {
        return (await findRefund(cfg, ctx, answer.created)).outcome;
      } catch (err) {
        // The refund exists: never a failure of the submission. Its status is followed up.
        if (!(err instanceof ProviderError)) throw err;
        ctx.log.warn('reservepay: refund created, its find-refund failed; following up', { refundId: answer.created, error: err.message });
        return createdOutcome(answer.created);
      }
    },
    lookUp,
    async check(ctx, args) {
      if (args.providerRefundId !== undefined) return (await findRefund(cfg, ctx, args.providerRefundId)).outcome;
      const found = await lookUp(ctx, args);
      if (found) return found;
      throw new ProviderError({
        provider: 'reservepay',
        kind: 'invalid_request',
        providerCode: 'NO_REFUND',
        message: `reservepay: no refund id to check and no refund of payment ${args.request.payment.paymentId} since ${args.submittedAfter}`,
        mayHaveReachedProvider: false,
      });
    },
  };
}

/** The reconciliation's read: list-refunds-by-payment, every page. */
export function reservepayRecords(cfg: ReservepayClientConfig): ProviderRecordsReader<'reservepay'> {
  return {
    async ofPayment(ctx, { paymentKey, payment }) {
      const refunds = await listRefunds(cfg, ctx, payment.paymentId);
      return refunds.map((r) => recordOf('reservepay', paymentKey, r.outcome, { currency: r.refund.currency, createdAt: r.refund.created_at }));
    },
  };
}
