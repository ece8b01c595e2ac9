/**
 * The refund's query and operator updates. Inputs are checked by the same rules the HTTP API and
 * the CLI check with zod (domain/operator-rules.ts); the refund's own rules (who may do what when) here.
 */
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { operatorInputProblem, type OperatorAction } from '../domain/operator-rules.js';
import { PROVIDER_NAMES } from '../domain/providers.js';
import type { OperatorInput } from '../domain/state.js';
import { decisionInputProblem, type ApprovalDecision } from '../domain/approval.js';
import type { ApprovalGate } from './approval.js';
import type { Lifecycle } from './lifecycle.js';
import { installReconciliationFlag } from './reconciliation-flag.js';
import { approveRefundUpdate, cancelRefundUpdate, getRefundQuery, grantApprovalUpdate, lockProbeSignal, OPERATOR_ERROR_TYPES, refuseApprovalUpdate, rejectRefundUpdate, resolveRefundUpdate } from './messages.js';

function notAllowed(message: string): never {
  throw ApplicationFailure.create({ type: OPERATOR_ERROR_TYPES.notAllowed, message, nonRetryable: true });
}
function checkInput(action: OperatorAction, input: unknown): void {
  const problem = operatorInputProblem(action, input);
  if (problem) throw ApplicationFailure.create({ type: OPERATOR_ERROR_TYPES.invalidInput, message: problem, nonRetryable: true });
}
/** "operator ops@example.com approve: ..." (who, if known, then what). */
function by(input: OperatorInput, action: string): string {
  return [`operator`, input.operator?.trim(), action].filter(Boolean).join(' ');
}

export function installHandlers(life: Lifecycle, approval?: ApprovalGate): void {
  const provider = life.request.provider;
  const name = PROVIDER_NAMES[provider];
  setHandler(getRefundQuery, () => life.state);
  // A payment lock looks once a day whether its holder still runs (workflows/payment-lock.ts): nothing to do.
  setHandler(lockProbeSignal, () => undefined);
  // A reconciliation's evidence puts an open refund in needs_attention (workflows/reconciliation-flag.ts).
  installReconciliationFlag(life);

  /** Recording SecPaid's own admin review: only for SecPaid, once submitted, while not final. */
  const secpaidReview = (): void => {
    if (provider !== 'secpaid') notAllowed(`approve and reject record SecPaid's admin review; this is a ${name} refund`);
    if (life.state.submitAttempts === 0) notAllowed('the refund has not been submitted to SecPaid yet');
    if (life.status !== 'pending' && life.status !== 'needs_attention') notAllowed(`the refund is already ${life.status}`);
  };

  setHandler(
    approveRefundUpdate,
    (input) => {
      life.transition('approved', `${by(input, 'approve')}: SecPaid review approved${input.note ? ` (${input.note})` : ''}`, { by: input });
      return life.state;
    },
    {
      validator: (input) => {
        checkInput('approve', input);
        secpaidReview();
      },
    },
  );

  setHandler(
    rejectRefundUpdate,
    (input) => {
      life.transition('rejected', `${by(input, 'reject')}: SecPaid review rejected: ${input.reason.trim()}`, {
        by: input,
        provider: { message: input.reason.trim() },
      });
      return life.state;
    },
    {
      validator: (input) => {
        checkInput('reject', input);
        secpaidReview();
      },
    },
  );

  setHandler(
    cancelRefundUpdate,
    (input) => {
      life.transition('canceled', `${by(input, 'cancel')}${input.note ? `: ${input.note}` : ''}`, { by: input });
      return life.state;
    },
    {
      validator: (input) => {
        checkInput('cancel', input);
        if (life.status !== 'pending' || life.maybeSubmitted) {
          notAllowed(`only a refund not yet submitted can be canceled; this one is ${life.status}${life.maybeSubmitted ? ' and was submitted' : ''}`);
        }
      },
    },
  );

  setHandler(
    resolveRefundUpdate,
    (input) => {
      life.transition(input.status, `${by(input, 'resolve')}: ${input.note.trim()}`, { by: input });
      return life.state;
    },
    {
      validator: (input) => {
        checkInput('resolve', input);
        if (life.status !== 'needs_attention') notAllowed(`only a refund in needs_attention can be resolved; this one is ${life.status}`);
        const success = provider === 'linkmoney' ? 'authorized' : 'approved';
        const other = provider === 'linkmoney' ? 'approved' : 'authorized';
        if (input.status === other) {
          throw ApplicationFailure.create({ type: OPERATOR_ERROR_TYPES.invalidInput, message: `a ${name} refund succeeds as ${success}, not ${other}`, nonRetryable: true });
        }
      },
    },
  );

  // Four-eyes approval (workflows/approval.ts), not SecPaid's review: only refunds started with a gate have one to decide.
  const decision = (kind: ApprovalDecision, input: unknown): void => {
    const problem = decisionInputProblem(kind, input);
    if (problem) throw ApplicationFailure.create({ type: OPERATOR_ERROR_TYPES.invalidInput, message: problem, nonRetryable: true });
    if (!approval) notAllowed('this refund needs no four-eyes approval: its amount is under the threshold (or none was configured when it was requested)');
    const refusal = approval.refusal((input as { approver: string }).approver);
    if (refusal?.kind === 'forbidden') throw ApplicationFailure.create({ type: OPERATOR_ERROR_TYPES.forbidden, message: refusal.message, nonRetryable: true });
    if (refusal) notAllowed(refusal.message);
  };
  setHandler(
    grantApprovalUpdate,
    (input) => {
      approval!.grant(input);
      return life.state;
    },
    { validator: (input) => decision('grant', input) },
  );
  setHandler(
    refuseApprovalUpdate,
    (input) => {
      approval!.refuse(input);
      return life.state;
    },
    { validator: (input) => decision('refuse', input) },
  );
}
