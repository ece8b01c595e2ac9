/**
 * Link Money (ACH): submit with a requestKey derived from the refund id. A PENDING refund waits
 * for 3 US business days after the original debit settled: we sleep on a durable timer until
 * then and check once; without a settlement time, or while still pending, once per business day.
 * AUTHORIZED -> authorized; TERMINAL_FAILED -> failed with its errorDetails.
 */
import { sleep } from '@temporalio/workflow';
import { addBusinessDays, settlementHoldEnds } from '../../../domain/calendar.js';
import type { RefundRequest } from '../../../domain/refund.js';
import { requestedAmount } from '../../../domain/refund-request.js';
import { read, submit } from '../activities.js';
import type { Lifecycle } from '../lifecycle.js';
import { afterSubmitFailure, describeFailure, untilFinal } from '../support.js';
import { settleSubmissionFailure } from './common.js';
import type { LinkMoneyRefundView } from '../../../activities/types.js';

type LinkMoneyRequest = Extract<RefundRequest, { provider: 'linkmoney' }>;

/** Checks land a little after the hold ends, so the provider's clock has surely passed it. */
const GRACE_MS = 5 * 60_000;
/** Still pending this many business days after the expected end: a human is told (checks go on). */
const PATIENCE_BUSINESS_DAYS = 5;

export function requestKeyFor(refundId: string): string {
  return `${refundId}:1`;
}

export async function linkmoneyFlow(life: Lifecycle, req: LinkMoneyRequest): Promise<void> {
  const amountMinor = requestedAmount(req);
  if (amountMinor === undefined) {
    life.transition('failed', 'Link Money needs an amount: give the amount, or originalAmount with amount "full"');
    return;
  }
  const requestKey = requestKeyFor(life.state.refundId);
  const paymentId = req.payment.paymentId;

  let view: LinkMoneyRefundView | undefined;
  let lookedUp = false;
  while (!view) {
    if (life.isFinal) return;
    // After a lost answer, look first: the refund may exist already under our requestKey.
    if (lookedUp) {
      const existing = await read.linkmoneyFindRefundByRequestKey({ paymentId, requestKey });
      if (existing) {
        view = existing;
        break;
      }
    }
    life.countSubmission();
    try {
      const res = await submit.linkmoneySubmitRefund({ refundId: life.state.refundId, paymentId, amountMinor, requestKey });
      if (res.outcome === 'duplicate_request_key') {
        if (lookedUp) {
          const existing = await read.linkmoneyFindRefundByRequestKey({ paymentId, requestKey });
          if (existing) {
            view = existing;
            break;
          }
        }
        life.transition('needs_attention', `Link Money rejected our requestKey ${requestKey} on our first attempt: a refund under this key exists that we did not make`);
        return;
      }
      view = res;
    } catch (err) {
      const next = await afterSubmitFailure(life, err);
      if (next === 'look_up') lookedUp = true;
      if (next !== 'give_up') continue;
      settleSubmissionFailure(life, err, 'Link Money');
      return;
    }
  }
  if (apply(life, view, 'Link Money answered')) return;

  // PENDING: durable timers until the hold ends, then once per business day.
  const settledAt = req.payment.settledAt;
  let nextCheck = settledAt ? Date.parse(settlementHoldEnds(settledAt, 3)) + GRACE_MS : nextBusinessDayStart(Date.now());
  const patienceEnds = Date.parse(`${addBusinessDays(isoDay(Math.max(nextCheck, Date.now())), PATIENCE_BUSINESS_DAYS)}T00:00:00Z`);
  while (!life.isFinal) {
    const wait = Math.max(0, nextCheck - Date.now());
    life.setNextCheck(Date.now() + wait);
    const woke = await untilFinal(life, () => sleep(wait));
    if (!woke) return; // resolved by an operator
    const refundPaymentId = life.state.provider.refundId;
    if (!refundPaymentId) throw new Error('Link Money refund id missing after submission');
    let current: LinkMoneyRefundView;
    try {
      current = await read.linkmoneyGetRefundStatus({ refundPaymentId });
    } catch (err) {
      const f = describeFailure(err);
      life.transition('needs_attention', `reading the Link Money refund status failed: ${f.type}: ${f.message}`);
      // keep checking daily; an operator may resolve meanwhile
      nextCheck = nextBusinessDayStart(Date.now());
      continue;
    }
    if (apply(life, current, 'Link Money status')) return;
    if (Date.now() >= patienceEnds && life.status !== 'needs_attention') {
      life.transition('needs_attention', `Link Money refund still ${current.providerStatus} ${PATIENCE_BUSINESS_DAYS} business days after the hold should have ended`);
    }
    nextCheck = nextBusinessDayStart(Date.now());
  }
}

/** Record what Link Money says; true when the refund is final. */
function apply(life: Lifecycle, view: LinkMoneyRefundView, source: string): boolean {
  const provider = {
    refundId: view.refundPaymentId,
    status: view.providerStatus,
    ...(view.errorDetails ? { code: view.errorDetails.errorCode, message: view.errorDetails.errorMessage } : {}),
  };
  switch (view.status) {
    case 'authorized':
      life.setNextCheck(undefined);
      life.transition('authorized', `${source} ${view.providerStatus}: money movement started`, { provider });
      return true;
    case 'failed':
      life.setNextCheck(undefined);
      life.transition('failed', `${source} ${view.providerStatus}${view.errorDetails ? `: ${view.errorDetails.errorCode} ${view.errorDetails.errorMessage}` : ''}`, { provider });
      return true;
    case 'pending':
      if (life.status === 'needs_attention') life.state.provider = { ...life.state.provider, ...provider };
      else life.transition('pending', `${source} ${view.providerStatus}`, { pendingReason: 'settlement_hold', provider });
      return false;
    default:
      // A status we do not know keeps the refund pending; it is kept for people to see.
      if (life.status !== 'needs_attention') {
        life.transition('pending', `${source} ${view.providerStatus} (unknown status: still waiting)`, { pendingReason: 'provider_processing', provider });
      }
      return false;
  }
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Start (00:00 UTC + grace) of the next US business day after `ms`. */
function nextBusinessDayStart(ms: number): number {
  return Date.parse(`${addBusinessDays(isoDay(ms), 1)}T00:00:00Z`) + GRACE_MS;
}
