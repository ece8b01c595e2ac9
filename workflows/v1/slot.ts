/** A refund's side of the payment ledger (workflows/ledger.ts): claim, wait for the turn, release. */
import { condition, getExternalWorkflowHandle, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createLedgerActivities } from '../../activities/ledger.js';
import { paymentKey, requestedAmount } from '../../domain/refund-request.js';
import { isSucceeded } from '../../domain/status.js';
import { ledgerIdFor, releaseSlotSignal, slotDecisionSignal, type SlotDecision } from './ledger.js';
import type { Lifecycle } from './lifecycle.js';

const { claimRefundSlot } = proxyActivities<ReturnType<typeof createLedgerActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '1 minute' },
});

/**
 * Wait for this refund's turn among the payment's refunds. False when it must not be submitted:
 * the ledger refused it (recorded as rejected) or an operator canceled it while it waited.
 */
export async function acquireSlot(life: Lifecycle): Promise<boolean> {
  const req = life.state.request;
  const ledgerId = ledgerIdFor(workflowInfo().taskQueue, req.provider, paymentKey(req));
  let decision: SlotDecision | undefined;
  setHandler(slotDecisionSignal, (d) => {
    decision ??= d;
  });
  const amount = requestedAmount(req);
  await claimRefundSlot({
    ledgerId,
    ledger: { provider: req.provider, paymentKey: paymentKey(req) },
    claim: {
      refundId: life.state.refundId,
      currency: req.currency,
      ...(req.amount !== 'full' && amount !== undefined ? { amountMinor: amount } : {}),
      ...(req.originalAmount !== undefined ? { originalAmount: req.originalAmount } : {}),
    },
  });
  life.state.slot = 'waiting';
  await condition(() => decision !== undefined || life.isFinal);
  if (life.isFinal) {
    // Canceled while waiting: withdraw the claim (or hand the slot on, if it came meanwhile).
    await release(life);
    return false;
  }
  if (!decision!.granted) {
    delete life.state.slot;
    life.transition('rejected', `refused before submission: ${decision!.reason ?? 'no slot'}`);
    return false;
  }
  life.state.slot = 'held';
  return true;
}

/** Hand the slot on, with what this refund returned to the customer. */
export async function releaseSlot(life: Lifecycle): Promise<void> {
  if (life.state.slot === undefined) return;
  await release(life);
}

async function release(life: Lifecycle): Promise<void> {
  const req = life.state.request;
  const succeededMinor = isSucceeded(life.state.status) ? (life.state.provider.amountMinor ?? requestedAmount(req) ?? 0) : 0;
  await getExternalWorkflowHandle(ledgerIdFor(workflowInfo().taskQueue, req.provider, paymentKey(req)))
    .signal(releaseSlotSignal, { refundId: life.state.refundId, succeededMinor })
    .catch(() => undefined); // the ledger is gone: nothing holds the slot
  delete life.state.slot;
}
