/**
 * The handlers of the Nexus service `refunds` (nexus/service.ts), registered by the refund
 * worker (worker/worker.ts). Every operation goes through the same code as the other ways in:
 * the request schema and the start options of RefundsClient.create (client/refund-start.ts),
 * RefundsClient.get, and the cancel update with its validator.
 *
 * Failures a retry cannot fix are OperationErrors ('failed') whose cause is a non-retryable
 * ApplicationFailure of a REFUNDS_FAILURE_TYPES type, with the details a program needs.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowIdConflictPolicy } from '@temporalio/common';
import { getClient, operationInfo, TemporalOperationHandler, TemporalOperationResult } from '@temporalio/nexus';
import * as nexus from 'nexus-rpc';
import { RefundActionRejectedError, RefundConflictError, RefundNotFoundError } from '../client/errors.js';
import { actionHygieneIssues } from '../client/input-hygiene.js';
import { accountNames } from '../domain/config.js';
import { REFUND_WORKFLOW_TYPE, refundStartOptions, requestDifferences, validRefundRequest, type RefundWorkflow } from '../client/refund-start.js';
import { RefundsClient } from '../client/refunds-client.js';
import { RefundRequestError, type RefundRequest } from '../domain/refund.js';
import type { RefundState } from '../domain/state.js';
import { REFUNDS_FAILURE_TYPES, refundsNexusService, type RefundsFailureType } from './service.js';

function failed(type: RefundsFailureType, message: string, details: unknown): nexus.OperationError {
  return new nexus.OperationError('failed', message, { cause: ApplicationFailure.create({ type, message, nonRetryable: true, details: [details] }) });
}

/** Our client errors as the operation failures a caller tells apart; anything else is left to the SDK (retried). */
function asOperationError(err: unknown): unknown {
  if (err instanceof RefundRequestError) return failed(REFUNDS_FAILURE_TYPES.invalidRequest, err.message, err.issues);
  if (err instanceof RefundConflictError) return failed(REFUNDS_FAILURE_TYPES.conflict, err.message, { refundId: err.refundId, differences: err.differences });
  if (err instanceof RefundNotFoundError) return failed(REFUNDS_FAILURE_TYPES.notFound, err.message, { refundId: err.refundId });
  if (err instanceof RefundActionRejectedError) {
    return failed(REFUNDS_FAILURE_TYPES.actionRejected, err.message, { refundId: err.refundId, action: err.action, reason: err.reason, kind: err.kind });
  }
  return err;
}

async function mapped<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw asOperationError(err);
  }
}

/** A RefundsClient on the worker's own connection, namespace and task queue. */
function refundsClient(): RefundsClient {
  return new RefundsClient(getClient(), operationInfo().taskQueue);
}

/** The id a caller passes to getRefund / cancelRefund: checked here, so a bad one is a clear failure. */
function refundIdOf(input: { refundId?: unknown } | undefined): string {
  const id = input?.refundId;
  if (typeof id !== 'string' || id.length === 0 || id.length > 300) {
    throw new RefundRequestError([{ path: 'refundId', message: 'refundId is required (a string such as "refund-<idempotencyKey>")' }]);
  }
  return id;
}

/**
 * createRefund: validate, then start the refund workflow with the callback that completes this
 * operation. The same key again (a second caller, or a retry): the same request attaches to the
 * running refund (one refund, every caller completed by it) or gets its final state at once when
 * it has ended; a different request under the key is a conflict.
 */
const createRefund = new TemporalOperationHandler<unknown, RefundState>({
  start: (_ctx, temporal, input) =>
    mapped(async () => {
      // The worker's own merchant accounts (<PROVIDER>_ACCOUNTS, checked at start): another is refused before anything starts.
      const request = validRefundRequest(input, accountNames(process.env));
      const options = refundStartOptions(request);
      try {
        return await temporal.startWorkflow<RefundWorkflow>(REFUND_WORKFLOW_TYPE, options);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      const handle = temporal.client.workflow.getHandle<RefundWorkflow>(options.workflowId);
      const desc = await handle.describe();
      const existing = desc.memo?.request as RefundRequest | undefined;
      const diff = existing ? requestDifferences(existing, request) : ['request'];
      if (diff.length > 0) throw new RefundConflictError(options.workflowId, diff);
      if (desc.status.name === 'RUNNING') {
        try {
          // Attach this operation's completion callback to the running refund.
          return await temporal.startWorkflow<RefundWorkflow>(REFUND_WORKFLOW_TYPE, { ...options, workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err; // it ended in between
        }
      }
      // Ended: its final state is its result.
      return TemporalOperationResult.sync(await handle.result());
    }),
});

export const refundsNexusHandler = nexus.serviceHandler(refundsNexusService, {
  createRefund,
  getRefund: (_ctx, input) => mapped(() => refundsClient().get(refundIdOf(input))),
  cancelRefund: (_ctx, input) =>
    mapped(() => {
      const refundId = refundIdOf(input);
      // The free text rules of the HTTP API's actions (client/input-hygiene.ts); the update's validator does the rest.
      const unsafe = actionHygieneIssues(input);
      if (unsafe.length > 0) throw new RefundRequestError(unsafe.map((i) => ({ path: i.path.join('.'), message: i.message })));
      const operatorInput = { ...(input?.operator !== undefined ? { operator: input.operator } : {}), ...(input?.note !== undefined ? { note: input.note } : {}) };
      return refundsClient().cancel(refundId, operatorInput);
    }),
});
