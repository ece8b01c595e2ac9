/**
 * The one activity of the payment ledger: claim a slot, starting the payment's ledger workflow
 * if it does not run yet (signal-with-start, which only a client can do). Idempotent: the
 * ledger ignores a repeated claim of the same refund.
 */
import { Context } from '@temporalio/activity';
import type { LedgerState, SlotClaim } from '../workflows/v1/ledger.js';

export interface ClaimRefundSlotInput {
  ledgerId: string;
  ledger: Pick<LedgerState, 'provider' | 'paymentKey'>;
  claim: SlotClaim;
}

export function createLedgerActivities() {
  return {
    async claimRefundSlot(input: ClaimRefundSlotInput): Promise<void> {
      const ctx = Context.current();
      await ctx.client.workflow.signalWithStart('paymentLedgerWorkflow', {
        workflowId: input.ledgerId,
        taskQueue: ctx.info.taskQueue,
        args: [{ ...input.ledger, succeededMinor: 0, queue: [] } satisfies LedgerState],
        signal: 'claimRefundSlot',
        signalArgs: [input.claim],
        staticSummary: `Refunds of ${input.ledger.provider} payment ${input.ledger.paymentKey}, one at a time`,
      });
    },
  };
}
