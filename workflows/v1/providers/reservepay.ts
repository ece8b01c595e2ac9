/**
 * Reservepay (THB in satang): synchronous; several partial refunds up to the remaining
 * refundable amount. The answer is the new refund's id; its status comes from find-refund.
 * A lost answer is settled by listing the payment's refunds against those seen before.
 */
import type { RefundRequest } from '../../../domain/refund.js';
import { SYNC_FOLLOW_UP } from '../../../domain/schedule.js';
import { poller, read, submit } from '../activities.js';
import type { Lifecycle } from '../lifecycle.js';
import { afterSubmitFailure, describeFailure, startPolling, stopPolling, untilFinal } from '../support.js';
import { settleSubmissionFailure } from './common.js';

type ReservepayRequest = Extract<RefundRequest, { provider: 'reservepay' }>;

export async function reservepayFlow(life: Lifecycle, req: ReservepayRequest): Promise<void> {
  const paymentId = req.payment.paymentId;
  const amountMinor = req.amount === 'full' ? undefined : req.amount;
  const before = await read.reservepayListRefunds({ paymentId });
  const known = new Set(before.map((r) => r.refundId));

  let refundId: string | undefined;
  let uncertain = false; // an earlier attempt may have reached Reservepay
  while (!refundId) {
    if (life.isFinal) return;
    life.countSubmission();
    try {
      const res = await submit.reservepaySubmitRefund({ paymentId, ...(amountMinor !== undefined ? { amountMinor } : {}) });
      if (res.outcome === 'rejected') {
        const provider = { code: res.code, message: res.message };
        if (res.code === 'NOT_REFUNDABLE' && uncertain) {
          // After a lost answer "fully refunded" may be our own refund: look.
          const mine = (await read.reservepayListRefunds({ paymentId })).find((r) => !known.has(r.refundId));
          if (mine) {
            refundId = mine.refundId;
            break;
          }
        }
        life.transition(res.code === 'NOT_FOUND' ? 'failed' : 'rejected', `Reservepay ${res.code}: ${res.message}`, { provider });
        return;
      }
      refundId = res.refundId;
    } catch (err) {
      const next = await afterSubmitFailure(life, err);
      if (next === 'retry') continue;
      if (next === 'look_up') {
        uncertain = true;
        const mine = (await read.reservepayListRefunds({ paymentId })).find(
          (r) => !known.has(r.refundId) && (amountMinor === undefined || r.amountMinor === amountMinor),
        );
        if (mine) refundId = mine.refundId;
        continue;
      }
      settleSubmissionFailure(life, err, 'Reservepay');
      return;
    }
  }

  const refund = await read.reservepayFindRefund({ refundId });
  if (settle(life, refund)) return;
  life.transition('pending', `Reservepay refund ${refundId} is ${refund.status}`, {
    pendingReason: 'provider_processing',
    provider: { refundId, status: refund.status, amountMinor: refund.amountMinor },
  });
  startPolling(life, SYNC_FOLLOW_UP, 'Reservepay find-refund');
  try {
    const done = await untilFinal(life, () => poller(SYNC_FOLLOW_UP).reservepayAwaitRefund({ refundId }));
    stopPolling(life);
    if (done) settle(life, done.value);
  } catch (err) {
    stopPolling(life);
    const f = describeFailure(err);
    life.transition(
      'needs_attention',
      f.timedOut ? 'Reservepay refund still pending after 3 days: check with Reservepay, then resolve' : `following up the Reservepay refund failed: ${f.type}: ${f.message}`,
    );
  }
}

function settle(life: Lifecycle, r: { refundId: string; status: string; amountMinor: number }): boolean {
  const provider = { refundId: r.refundId, status: r.status, amountMinor: r.amountMinor };
  if (r.status === 'succeeded') {
    life.transition('approved', `Reservepay refund ${r.refundId} succeeded`, { provider });
    return true;
  }
  if (r.status === 'failed') {
    life.transition('failed', `Reservepay refund ${r.refundId} failed`, { provider });
    return true;
  }
  return false;
}
