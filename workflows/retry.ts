/**
 * Linked retry (13b) inside the workflow: the facts a retry relies on, recorded when the refund
 * becomes final (RefundState.settledBy, read by domain/retry.ts), and an attempt's link in the
 * Temporal UI's current details. Neither issues a command: a refund gains no event from them.
 */
import type { RefusalKind } from '../domain/outcome.js';
import type { OperatorInput, RefundState, Settlement } from '../domain/state.js';

/** What the flow that settles a refund says about how (Lifecycle adds the lost answers). */
export type SettledHow = { by: 'provider'; refusal?: RefusalKind | undefined } | { by: 'amount_rule' } | { by: 'request_refused'; failure: string };

/** The settlement a final transition records: the flow's word, else an operator's (`by`), else "other". */
export function settlementOf(state: Readonly<RefundState>, how: SettledHow | undefined, by: OperatorInput | undefined): Settlement {
  const lostAnswers = state.lostAnswers ?? 0;
  if (how?.by === 'provider') return { by: 'provider', ...(how.refusal ? { refusal: how.refusal } : {}), lostAnswers };
  if (how?.by === 'amount_rule') return { by: 'amount_rule', lostAnswers };
  if (how?.by === 'request_refused') return { by: 'request_refused', failure: how.failure, lostAnswers };
  if (by) return { by: 'operator', ...(by.operator?.trim() ? { operator: by.operator.trim() } : {}) };
  return { by: 'other' };
}

/** The current details' lines of a retry attempt (none for a refund that is not one). */
export function retryDetailLines(state: Readonly<RefundState>): string[] {
  const r = state.retryOf;
  if (!r) return [];
  return [`- Retry (attempt ${r.attempt}) of \`${r.refundId}\`: ${r.proof}${r.requestedBy ? `; requested by ${r.requestedBy}` : ''}`];
}
