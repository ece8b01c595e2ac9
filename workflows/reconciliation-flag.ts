/**
 * The refund workflow's side of the reconciliation: an update that puts a refund still open
 * (pending or needs_attention) in needs_attention with the evidence a reconciliation found, kept in
 * its state (`reconciliation`). The same evidence again changes nothing. The refund's checks go on:
 * a later check that reads the provider's final answer settles it, or an operator resolves it.
 * Installed by handlers.ts; replay-safe because no history recorded before it received this update.
 */
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { flagInputProblem, sameEvidence, type ReconciledRefundState } from '../domain/reconciliation.js';
import type { Lifecycle } from './lifecycle.js';
import { OPERATOR_ERROR_TYPES } from './messages.js';
import { flagReconciliationUpdate } from './reconciliation-messages.js';

export function installReconciliationFlag(life: Lifecycle): void {
  setHandler(
    flagReconciliationUpdate,
    (input) => {
      const s = life.state as ReconciledRefundState;
      if (sameEvidence(s.reconciliation, input)) return s;
      const before = life.status === 'needs_attention' && life.state.attention ? `; it already needed attention: ${life.state.attention}` : '';
      const text = `reconciliation ${input.reconciliationId} found ${input.kind.replace(/_/g, ' ')}: ${input.detail}${before}`;
      life.transition('needs_attention', `reconciliation ${input.reconciliationId}: ${input.kind.replace(/_/g, ' ')}`, { attention: text });
      (life.state as ReconciledRefundState).reconciliation = { ...input, at: new Date().toISOString() };
      return life.state as ReconciledRefundState;
    },
    {
      validator: (input) => {
        const problem = flagInputProblem(input);
        if (problem) throw ApplicationFailure.create({ type: OPERATOR_ERROR_TYPES.invalidInput, message: problem, nonRetryable: true });
        if (life.isFinal) throw ApplicationFailure.create({ type: OPERATOR_ERROR_TYPES.notAllowed, message: `the refund is already ${life.status}`, nonRetryable: true });
      },
    },
  );
}
