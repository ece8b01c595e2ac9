/**
 * The refund workflow (type `refund`): one durable workflow per refund, id = refund id (derived
 * from the idempotency key). Submit once -> the provider's answer, mapped by its adapter to the
 * one domain outcome -> if not final, wait on that provider's schedule -> a final status.
 * Never ends without a final status: a refund that needs a person waits in needs_attention
 * until an operator resolves it. Provider wire values never appear here.
 */
import { allHandlersFinished, ApplicationFailure, condition, workflowInfo } from '@temporalio/workflow';
import { approvalInputProblems, type ApprovalInput } from '../domain/approval.js';
import { WORKFLOW_FAILURE_TYPES } from '../domain/failures.js';
import type { ExpectedByInput } from '../domain/expected-by.js';
import type { RefundRequest } from '../domain/refund.js';
import { refundInputProblems } from '../domain/refund-request.js';
import { retryLinkProblems } from '../domain/retry.js';
import type { RefundState, RetryLink } from '../domain/state.js';
import { releasePaymentLock } from './activities.js';
import { approvalGate } from './approval.js';
import { CallbackOutbox } from './callbacks.js';
import { describeFailure } from './failures.js';
import { OverdueWatch } from './overdue.js';
import { installHandlers } from './handlers.js';
import { Lifecycle } from './lifecycle.js';
import { submitUntilAnswered, type Answer } from './submission.js';
import { applyOutcome, awaitOutcome, said, WAITING } from './waiting.js';

export interface RefundInput {
  request: RefundRequest;
  /** When it is expected to be final, set by the client (13c, domain/expected-by.ts): absent in refunds started before it. */
  expectedBy?: ExpectedByInput;
  /** A linked retry's attempt (13b, domain/retry.ts): absent for every other refund. */
  retryOf?: RetryLink;
  /** Four-eyes approval (13a, domain/approval.ts): set by the client when the refund reached a threshold; absent for every other refund. */
  approval?: ApprovalInput;
}

export async function refund(input: RefundInput): Promise<RefundState> {
  // Every caller parsed the request with its schema; this refuses one started by hand that cannot run.
  const issues = [...refundInputProblems(input?.request), ...retryLinkProblems(input?.retryOf, workflowInfo().workflowId), ...approvalInputProblems(input?.approval)];
  if (issues.length > 0) {
    const message = `invalid refund request: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`;
    throw ApplicationFailure.create({ type: WORKFLOW_FAILURE_TYPES.invalidRequest, message, nonRetryable: true, details: [issues] });
  }
  const request = input.request;
  const life = new Lifecycle(workflowInfo().workflowId, request, new Date().toISOString(), input.retryOf, input.approval);
  const approval = approvalGate(life, input.approval);
  installHandlers(life, approval);
  const outbox = request.callbackUrl ? new CallbackOutbox(life.state, life.callbackLog(), request.callbackUrl) : undefined;
  if (outbox) life.onStatusChange = (t, previous) => outbox.enqueue(t, previous);
  const overdue = OverdueWatch.install(life, input.expectedBy, outbox);
  const ids = { refundId: life.state.refundId, lockScope: workflowInfo().taskQueue };

  try {
    // Four-eyes approval first, when the refund needs it (workflows/approval.ts): refused, expired or canceled = nothing is sent.
    const answer = approval && !(await approval.passed()) ? undefined : await submitUntilAnswered(life, ids);
    const waits = answer !== undefined && settleAnswer(life, answer);
    if (answer) overdue?.answered();
    if (waits) await awaitOutcome(life, ids);
  } catch (err) {
    // Anything the flow did not expect: a person decides; the refund is never silently dropped.
    const f = describeFailure(err);
    life.transition('needs_attention', `unexpected ${f.type}: ${f.message}`);
  }

  if (!life.isFinal) life.waits(); // for a person
  await condition(() => life.isFinal);
  if (life.state.lock === 'held') {
    // Finished without a provider answer that released it (an operator's decision): hand the payment on.
    await releasePaymentLock({ ...ids, request, why: `final: ${life.status}` }).catch(() => undefined);
    life.lockReleased();
  }
  await allHandlersFinished();
  await outbox?.settled();
  return life.state;
}

/** Record the submission's answer; true when the refund must wait for the provider's outcome. */
function settleAnswer(life: Lifecycle, { outcome, uncertain }: Answer): boolean {
  const name = life.providerName;
  if (outcome.kind === 'exists') {
    life.noteAnswer(outcome);
    if (!uncertain) {
      // On our first request: somebody else's refund. Checks would find theirs, not ours: a person decides.
      life.transition('needs_attention', `${name} answered ${said(outcome)} to our first request: a refund of this payment exists that we did not make; check at ${name}, then resolve`, {
        provider: { ...(outcome.code ? { code: outcome.code } : {}), ...(outcome.message ? { message: outcome.message } : {}) },
      });
      return false;
    }
    // After a lost answer of ours: it is ours (the payment lock let nothing else of ours through).
    life.transition('pending', `${name} confirms our refund after a lost answer; waiting for its outcome`, {
      pendingReason: WAITING[life.request.provider].reason,
      provider: { ...(outcome.code ? { code: outcome.code } : {}), ...(outcome.message ? { message: outcome.message } : {}) },
    });
    return true;
  }
  applyOutcome(life, outcome, uncertain ? 'answered after a lost answer' : 'answered');
  return !life.isFinal;
}
