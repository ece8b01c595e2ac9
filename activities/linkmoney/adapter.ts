/**
 * Link Money as a ProviderAdapter. submit = POST /v1/refunds with the requestKey derived from our
 * refund id; check = the configured status read of the refund transaction; lookUp = our
 * requestKey among the original debit's refunds (the same read of the debit's id).
 */
import type { ProviderAdapter } from '../adapter.js';
import { InvalidInputError, notSent, ProviderError } from '../errors.js';
import { recordOf, type ProviderRecordsReader } from '../records.js';
import { createRefund, findRefundByRequestKey, listRefundsOfPayment, readRefund, type LinkmoneyClientConfig, type LinkMoneyTokenCache } from './client.js';
import { requestKeyFor } from './transformers.js';

/** `tokens` is the worker's one token cache (never module state, never workflow state). */
export function linkmoneyAdapter(cfg: LinkmoneyClientConfig, tokens: LinkMoneyTokenCache): ProviderAdapter<'linkmoney'> {
  const lookUp: ProviderAdapter<'linkmoney'>['lookUp'] = async (ctx, { refundId, request }) => {
    const found = await findRefundByRequestKey(cfg, tokens, ctx, { paymentId: request.payment.paymentId, requestKey: requestKeyFor(refundId) });
    return found?.outcome ?? null;
  };
  return {
    async submit(ctx, { refundId, request, amount }) {
      // amount.value is required (linkmoney-issue-a-refund.txt "Parameters").
      if (amount.sendMinor === undefined) throw notSent('linkmoney', new InvalidInputError('Link Money needs an amount, also for a full refund'));
      const answer = await createRefund(cfg, tokens, ctx, {
        refundId,
        paymentId: request.payment.paymentId,
        amountMinor: amount.sendMinor,
        requestKey: requestKeyFor(refundId),
      });
      return answer.outcome;
    },
    lookUp,
    async check(ctx, args) {
      if (args.providerRefundId !== undefined) return (await readRefund(cfg, tokens, ctx, args.providerRefundId)).outcome;
      const found = await lookUp(ctx, args);
      if (found) return found;
      throw new ProviderError({
        provider: 'linkmoney',
        kind: 'invalid_request',
        providerCode: 'NO_REFUND',
        message: `linkmoney: no refund id to check and no refund under requestKey ${requestKeyFor(args.refundId)} on payment ${args.request.payment.paymentId}`,
        mayHaveReachedProvider: false,
      });
    },
  };
}

/** The reconciliation's read: every refund of the original debit; ours carry our refund id as clientReferenceId. */
export function linkmoneyRecords(cfg: LinkmoneyClientConfig, tokens: LinkMoneyTokenCache): ProviderRecordsReader<'linkmoney'> {
  return {
    async ofPayment(ctx, { paymentKey, payment }) {
      const refunds = await listRefundsOfPayment(cfg, tokens, ctx, payment.paymentId);
      return refunds.map((r) => recordOf('linkmoney', paymentKey, r.outcome, { currency: r.tx.amount?.currency ?? 'USD', ourRefundId: r.tx.clientReferenceId }));
    },
  };
}
