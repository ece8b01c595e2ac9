/**
 * A payment lock run (see activities/payment-lock.ts). Its start is delayed, so normally it runs
 * no code at all: its holder's activity terminates it when the refund's outcome is final. It runs
 * only when that did not happen in time: then it ends as soon as its holder no longer runs, and
 * otherwise looks again once a day.
 */
import { getExternalWorkflowHandle, sleep } from '@temporalio/workflow';
import { SIGNAL_NAMES } from '../domain/messages.js';
import type { PaymentLockMemo } from '../domain/payment-lock.js';

export async function paymentLock(memo: PaymentLockMemo): Promise<void> {
  for (;;) {
    try {
      // Fails once the holder is closed: nothing holds the payment any more.
      await getExternalWorkflowHandle(memo.holder).signal(SIGNAL_NAMES.lockProbe);
    } catch {
      return;
    }
    await sleep('1 day', { summary: `look again whether ${memo.holder} still runs` });
  }
}
