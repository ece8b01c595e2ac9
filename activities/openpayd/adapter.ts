/**
 * OpenPayd PSP as a ProviderAdapter. submit = /pw/v3/payment/refund (a full refund sends neither
 * amount nor currency); check and lookUp = the payment status read, where our refund is the one
 * with our id when we know it, else the newest one since our first attempt with our amount that
 * is not one of our other refunds of the payment.
 */
import type { RefundOutcome } from '../../domain/outcome.js';
import type { CallContext } from '../context.js';
import type { LookUpArgs, ProviderAdapter } from '../adapter.js';
import { buildOrRefuse } from '../errors.js';
import { paymentStatus, refund, type OpenpaydClientConfig } from './client.js';
import { recordOf, type ProviderRecordsReader } from '../records.js';
import { findOurRefund, refundDateMs } from './transformers.js';

export function openpaydAdapter(cfg: OpenpaydClientConfig): ProviderAdapter<'openpayd'> {
  async function ours(ctx: CallContext, args: LookUpArgs<'openpayd'>, providerRefundId: string | undefined): Promise<RefundOutcome | null> {
    const { transactionId, referenceNo } = args.request.payment;
    const status = await paymentStatus(cfg, ctx, { transactionId, referenceNo });
    const mine = buildOrRefuse('openpayd', () =>
      findOurRefund(
        status.refunds.map((r) => r.refund),
        { providerRefundId, submittedAfter: args.submittedAfter, amountMinor: args.amount.sendMinor, excludeRefundIds: args.excludeRefundIds },
      ),
    );
    return status.refunds.find((r) => r.refund === mine)?.outcome ?? null;
  }

  return {
    async submit(ctx, { request, amount }) {
      const { transactionId, referenceNo } = request.payment;
      const partial = amount.sendMinor === undefined ? {} : { amountMinor: amount.sendMinor, currency: request.currency };
      return (await refund(cfg, ctx, { transactionId, referenceNo, ...partial })).outcome;
    },
    lookUp: (ctx, args) => ours(ctx, args, undefined),
    async check(ctx, args) {
      const found = await ours(ctx, args, args.providerRefundId);
      // Not visible in the status read (yet): still processing at OpenPayd.
      return found ?? { kind: 'pending', reason: 'provider_processing' };
    },
  };
}

/** The reconciliation's read: the payment status read's refunds. */
export function openpaydRecords(cfg: OpenpaydClientConfig): ProviderRecordsReader<'openpayd'> {
  return {
    async ofPayment(ctx, { paymentKey, payment }) {
      const status = await paymentStatus(cfg, ctx, { transactionId: payment.transactionId, referenceNo: payment.referenceNo });
      return status.refunds.map((r) => {
        const at = refundDateMs(r.refund.date);
        return recordOf('openpayd', paymentKey, r.outcome, { currency: typeof r.refund.currency === 'string' ? r.refund.currency : undefined, createdAt: at === undefined ? undefined : new Date(at).toISOString() });
      });
    },
  };
}
