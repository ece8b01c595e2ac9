/**
 * A payment lock run (see activities/payment-lock.ts). Its start is delayed by an hour, so a lock
 * whose refund is final within the hour (every synchronous refund) runs no code at all: the
 * holder's activity terminates it. A lock held longer (a Link Money hold, a refund in
 * needs_attention, or a holder terminated by hand that never released it) wakes up: it ends as
 * soon as its holder no longer runs, and otherwise looks again once a day (one signal a day in the
 * holder's history).
 */
import { getExternalWorkflowHandle, sleep } from '@temporalio/workflow';
import { lockProbeSignal } from './messages.js';
import type { PaymentLockMemo } from '../domain/payment-lock.js';

export async function paymentLock(memo: PaymentLockMemo): Promise<void> {
  for (;;) {
    try {
      // Fails once the holder is closed: nothing holds the payment any more.
      await getExternalWorkflowHandle(memo.holder).signal(lockProbeSignal);
    } catch {
      return;
    }
    await sleep('1 day', { summary: `look again whether ${memo.holder} still runs` });
  }
}
