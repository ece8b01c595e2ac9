/**
 * OpenPayd PSP (cards): a synchronous APPROVED / DECLINED answer. Full refund sends no amount.
 * A PENDING ("Waiting") or unknown answer is followed up through the status read. A lost
 * answer is settled by comparing the payment's refunds with those seen before we submitted.
 */
import type { RefundRequest } from '../../../domain/refund.js';
import { SYNC_FOLLOW_UP } from '../../../domain/schedule.js';
import { poller, read, submit } from '../activities.js';
import type { Lifecycle } from '../lifecycle.js';
import { afterSubmitFailure, describeFailure, startPolling, stopPolling, untilFinal } from '../support.js';
import { settleSubmissionFailure } from './common.js';

type OpenPaydRequest = Extract<RefundRequest, { provider: 'openpayd' }>;

/** OpenPayd's "Already refunded" decline code (provider page). */
const ALREADY_REFUNDED = '32';

export async function openpaydFlow(life: Lifecycle, req: OpenPaydRequest): Promise<void> {
  const ref = { transactionId: req.payment.transactionId, referenceNo: req.payment.referenceNo };
  const amountMinor = req.amount === 'full' ? undefined : req.amount;
  const before = await read.openpaydGetStatus(ref);
  const knownRefunds = new Set(before.refunds.map((r) => r.refundId));

  let uncertain = false; // an earlier attempt may have reached OpenPayd
  for (;;) {
    if (life.isFinal) return;
    life.countSubmission();
    try {
      const res = await submit.openpaydSubmitRefund({
        refundId: life.state.refundId,
        ...ref,
        ...(amountMinor !== undefined ? { amountMinor, currency: req.currency } : {}),
      });
      const provider = { status: res.providerStatus, code: res.code, message: res.message, ...(res.amountMinor !== undefined ? { amountMinor: res.amountMinor } : {}) };
      switch (res.outcome) {
        case 'approved':
          life.transition('approved', `OpenPayd ${res.providerStatus} ${res.code} ${res.message}`, { provider });
          return;
        case 'declined':
          if (res.code === ALREADY_REFUNDED) {
            if (uncertain) {
              life.transition('approved', 'OpenPayd answered "Already refunded" after our lost first answer: the refund is ours', { provider });
            } else {
              life.transition('needs_attention', 'OpenPayd answered "Already refunded" to our first request: someone else refunded this payment', { provider });
            }
            return;
          }
          life.transition('rejected', `OpenPayd ${res.providerStatus} ${res.code} ${res.message}`, { provider });
          return;
        case 'pending':
        case 'unknown':
          life.transition('pending', `OpenPayd ${res.providerStatus} ${res.code} ${res.message}`, { pendingReason: 'provider_processing', provider });
          return followUp(life, ref, knownRefunds);
      }
    } catch (err) {
      const next = await afterSubmitFailure(life, err);
      if (next === 'retry') continue;
      if (next === 'look_up') {
        uncertain = true;
        // Look before resubmitting: a refund that was not there before is ours.
        const now = await read.openpaydGetStatus(ref);
        const mine = now.refunds.find((r) => !knownRefunds.has(r.refundId));
        if (mine) {
          life.transition('pending', `OpenPayd shows our refund ${mine.refundId} (${mine.status}) after a lost answer`, {
            pendingReason: 'provider_processing',
            provider: { refundId: mine.refundId, status: mine.status, amountMinor: mine.amountMinor },
          });
          return followUp(life, ref, knownRefunds);
        }
        continue;
      }
      settleSubmissionFailure(life, err, 'OpenPayd');
      return;
    }
  }
}

async function followUp(life: Lifecycle, ref: { transactionId: string; referenceNo: string }, knownRefunds: Set<string>): Promise<void> {
  startPolling(life, SYNC_FOLLOW_UP, 'OpenPayd payment status');
  try {
    const done = await untilFinal(life, () =>
      poller(SYNC_FOLLOW_UP).openpaydAwaitRefund({ ...ref, excludeRefundIds: [...knownRefunds] }),
    );
    stopPolling(life);
    if (!done) return;
    const r = done.value;
    const provider = { refundId: r.refundId, status: r.status, amountMinor: r.amountMinor };
    if (r.status === 'APPROVED') life.transition('approved', `OpenPayd status read: refund ${r.refundId} APPROVED`, { provider });
    else life.transition('rejected', `OpenPayd status read: refund ${r.refundId} ${r.status}`, { provider });
  } catch (err) {
    stopPolling(life);
    const f = describeFailure(err);
    life.transition(
      'needs_attention',
      f.timedOut ? 'OpenPayd refund still pending after 3 days of follow-up: check with OpenPayd, then resolve' : `following up the OpenPayd refund failed: ${f.type}: ${f.message}`,
    );
  }
}
