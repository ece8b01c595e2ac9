/**
 * SecPaid: submit, then wait for the human admin review. There is no webhook and no status
 * read: an approved refund appears as a negative `Refund` entry in getPayInTransactions, so we
 * poll on a decaying schedule for 14 days; an operator may record the review outcome at any
 * time; past the deadline the refund needs attention and a slow check goes on.
 */
import type { RefundRequest } from '../../../domain/refund.js';
import { requestedAmount } from '../../../domain/refund-request.js';
import { SECPAID_REVIEW, SLOW_CHECK } from '../../../domain/schedule.js';
import { poller, submit } from '../activities.js';
import type { Lifecycle } from '../lifecycle.js';
import { afterSubmitFailure, describeFailure, startPolling, stopPolling, untilFinal } from '../support.js';
import { settleSubmissionFailure } from './common.js';

type SecPaidRequest = Extract<RefundRequest, { provider: 'secpaid' }>;

export async function secpaidFlow(life: Lifecycle, req: SecPaidRequest): Promise<void> {
  const amountMinor = requestedAmount(req);
  if (amountMinor === undefined) throw new Error('SecPaid refund without an amount'); // excluded by validation

  // 1. Submit. An answer lost on the way is settled by submitting again: SecPaid allows one
  //    refund request per link, so "Refund already requested" after our own attempt is ours.
  let uncertain = false; // an earlier attempt may have reached SecPaid
  for (;;) {
    if (life.isFinal) return; // canceled before submission
    life.countSubmission();
    try {
      const res = await submit.secpaidSubmitRefund({
        refundId: life.state.refundId,
        payId: req.payment.payId,
        amountMinor,
        fullRefund: req.amount === 'full',
      });
      if (res.outcome === 'already_requested' && !uncertain) {
        life.transition('needs_attention', 'SecPaid answered "Refund already requested" to our first request: another refund of this payment exists', {
          provider: { message: res.message },
        });
        return awaitResolutionWithSlowCheck(life, req);
      }
      life.transition('pending', res.outcome === 'already_requested' ? 'submitted to SecPaid (confirmed by "Refund already requested" after a lost answer)' : 'submitted to SecPaid', {
        pendingReason: 'awaiting_admin_review',
        provider: { status: 'Pending', message: res.message },
      });
      break;
    } catch (err) {
      // SecPaid has no look-up for a pending request: resubmitting is the look-up.
      const next = await afterSubmitFailure(life, err);
      if (next === 'look_up') uncertain = true;
      if (next !== 'give_up') continue;
      settleSubmissionFailure(life, err, 'SecPaid');
      return;
    }
  }

  // 2. Wait for the admin review: poll getPayInTransactions on a decaying schedule.
  startPolling(life, SECPAID_REVIEW, 'getPayInTransactions for the negative Refund entry');
  try {
    const found = await untilFinal(life, () => poller(SECPAID_REVIEW).secpaidAwaitRefund({ payId: req.payment.payId }));
    if (!found) return; // an operator recorded the review outcome
    approveFromEntry(life, found.value);
  } catch (err) {
    const f = describeFailure(err);
    stopPolling(life);
    if (!f.timedOut) {
      life.transition('needs_attention', `checking SecPaid failed: ${f.type}: ${f.message}`);
    } else {
      life.transition('needs_attention', 'no outcome of SecPaid\'s admin review after 14 days: check the SecPaid dashboard, then approve, reject or resolve');
    }
    await awaitResolutionWithSlowCheck(life, req);
  }
}

function approveFromEntry(life: Lifecycle, entry: { transactionId: string; amountMinor: number; createdAt: string }): void {
  stopPolling(life);
  life.transition('approved', `SecPaid approved: Refund entry ${entry.transactionId} of ${entry.amountMinor} minor units at ${entry.createdAt}`, {
    provider: { refundId: entry.transactionId, status: 'Refund', amountMinor: entry.amountMinor },
  });
}

/** needs_attention: a slow check twice a day keeps looking, until found or an operator acts. */
async function awaitResolutionWithSlowCheck(life: Lifecycle, req: SecPaidRequest): Promise<void> {
  if (life.isFinal) return;
  startPolling(life, SLOW_CHECK, 'getPayInTransactions (slow check)');
  try {
    const found = await untilFinal(life, () => poller(SLOW_CHECK).secpaidAwaitRefund({ payId: req.payment.payId }));
    if (found) approveFromEntry(life, found.value);
  } catch (err) {
    // The slow check itself failed for good (for example bad credentials): the human is already told.
    stopPolling(life);
    const f = describeFailure(err);
    life.transition('needs_attention', `${life.state.attention ?? ''}; slow check stopped: ${f.type}: ${f.message}`);
  }
}
