/**
 * The payment ledger: one small workflow per provider payment (see ledgerIdFor) that
 * serialises that payment's refunds. A refund claims a slot before it submits; the ledger hands
 * out one slot at a time, in order, and refuses a refund that asks for more than is left of the
 * payment's original amount (when known) after the refunds that succeeded. The holder releases
 * the slot when it reaches a final status, with the amount it refunded.
 *
 * With one refund of a payment in flight at a time, a lost provider answer can be settled by
 * looking at the payment's refunds: the new one is ours.
 */
import { allHandlersFinished, condition, continueAsNew, defineSignal, getExternalWorkflowHandle, setHandler, workflowInfo } from '@temporalio/workflow';
import { formatMoney, type CurrencyCode } from '../../domain/money.js';
import { fnv1a64 } from '../../domain/hash.js';
import type { Provider } from '../../domain/providers.js';

export interface SlotClaim {
  refundId: string;
  /** Minor units asked for; undefined = the full (unknown) amount. */
  amountMinor?: number;
  /** The payment's original amount, when the request gave it. */
  originalAmount?: number;
  currency: CurrencyCode;
}

export interface SlotRelease {
  refundId: string;
  /** What the refund returned to the customer (0 unless it succeeded). */
  succeededMinor: number;
}

export interface SlotDecision {
  granted: boolean;
  reason?: string;
}

export interface LedgerState {
  provider: Provider;
  paymentKey: string;
  originalAmount?: number;
  succeededMinor: number;
  queue: SlotClaim[];
  holder?: string;
}

export const claimSlotSignal = defineSignal<[SlotClaim]>('claimRefundSlot');
export const releaseSlotSignal = defineSignal<[SlotRelease]>('releaseRefundSlot');
/** Sent by the ledger to a refund workflow. */
export const slotDecisionSignal = defineSignal<[SlotDecision]>('refundSlotDecision');

/**
 * The ledger of one payment of one provider account. A task queue is one worker configuration,
 * so one set of provider credentials (one account): the ledger is scoped to it. The payment
 * reference is hashed: workflow ids are not encrypted by the payload codec.
 */
export function ledgerIdFor(taskQueue: string, provider: Provider, paymentKey: string): string {
  return `payment-ledger:${taskQueue}:${provider}:${fnv1a64(paymentKey)}`;
}

/** A ledger with nothing to do for this long ends; the next claim starts a new one. */
const IDLE_LIFETIME = '30 days';

export async function paymentLedgerWorkflow(input: LedgerState): Promise<LedgerState> {
  const s: LedgerState = { ...input, queue: [...input.queue] };
  setHandler(claimSlotSignal, (claim) => {
    if (s.holder === claim.refundId || s.queue.some((q) => q.refundId === claim.refundId)) return; // a repeated claim
    if (claim.originalAmount !== undefined) s.originalAmount ??= claim.originalAmount;
    s.queue.push(claim);
  });
  setHandler(releaseSlotSignal, (release) => {
    if (s.holder === release.refundId) {
      s.succeededMinor += release.succeededMinor;
      delete s.holder;
    } else {
      s.queue = s.queue.filter((q) => q.refundId !== release.refundId); // withdrawn before its turn
    }
  });

  for (;;) {
    if (workflowInfo().continueAsNewSuggested && !s.holder) {
      await allHandlersFinished();
      await continueAsNew<typeof paymentLedgerWorkflow>(s);
    }
    const work = await condition(() => !s.holder && s.queue.length > 0, IDLE_LIFETIME);
    if (!work) {
      if (s.holder || s.queue.length > 0) continue;
      await allHandlersFinished();
      return s;
    }
    const next = s.queue.shift()!;
    const refund = getExternalWorkflowHandle(next.refundId);
    const remaining = s.originalAmount !== undefined ? s.originalAmount - s.succeededMinor : undefined;
    if (remaining !== undefined && next.amountMinor !== undefined && next.amountMinor > remaining) {
      const left = formatMoney({ amountMinor: remaining, currency: next.currency });
      const original = formatMoney({ amountMinor: s.originalAmount!, currency: next.currency });
      await refund
        .signal(slotDecisionSignal, { granted: false, reason: `asks for more than is left of the payment: ${left} of ${original} after the refunds that succeeded` })
        .catch(() => undefined); // the refund is gone: nothing to tell
      continue;
    }
    s.holder = next.refundId;
    try {
      await refund.signal(slotDecisionSignal, { granted: true });
    } catch {
      delete s.holder; // the refund is gone (terminated): the next one goes
    }
  }
}
