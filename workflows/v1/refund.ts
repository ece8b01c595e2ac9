/**
 * The refund workflow: one durable workflow per refund, id = refund id (derived from the
 * idempotency key). validate -> submit -> await the provider's outcome -> final status.
 * Never ends without a final status: a refund that needs a human waits in needs_attention
 * (with a slow provider check where one exists) until an operator resolves it.
 */
import { ApplicationFailure, allHandlersFinished, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import { PROVIDER_NAMES } from '../../domain/providers.js';
import type { RefundRequest } from '../../domain/refund.js';
import { refundInputProblems } from '../../domain/refund-request.js';
import type { RefundState } from '../../domain/state.js';
import { CallbackOutbox } from './callbacks.js';
import { Lifecycle } from './lifecycle.js';
import { acquireSlot, releaseSlot } from './slot.js';
import {
  approveRefundUpdate,
  cancelRefundUpdate,
  getRefundQuery,
  OPERATOR_ERROR_TYPES,
  rejectRefundUpdate,
  RESOLUTIONS,
  resolveRefundUpdate,
} from '../messages.js';
import { linkmoneyFlow } from './providers/linkmoney.js';
import { openpaydFlow } from './providers/openpayd.js';
import { reservepayFlow } from './providers/reservepay.js';
import { secpaidFlow } from './providers/secpaid.js';
import { describeFailure } from './support.js';

export interface RefundWorkflowInput {
  request: RefundRequest;
}

function notAllowed(message: string): never {
  throw ApplicationFailure.create({ type: OPERATOR_ERROR_TYPES.notAllowed, message, nonRetryable: true });
}
function invalid(message: string): never {
  throw ApplicationFailure.create({ type: OPERATOR_ERROR_TYPES.invalidInput, message, nonRetryable: true });
}
function text(value: unknown, field: string, max = 500): string {
  if (typeof value !== 'string' || value.trim() === '') invalid(`${field} is required`);
  if (value.length > max) invalid(`${field} is at most ${max} characters`);
  return value.trim();
}
function optionalText(value: unknown, field: string): void {
  if (value !== undefined && (typeof value !== 'string' || value.length > 200)) invalid(`${field} must be a string of at most 200 characters`);
}

function installHandlers(life: Lifecycle): void {
  const s = life.state;
  const provider = s.request.provider;
  setHandler(getRefundQuery, () => s);

  setHandler(
    approveRefundUpdate,
    (input) => {
      life.transition('approved', `operator ${input.operator ?? ''} approve: SecPaid review approved${input.note ? ` (${input.note})` : ''}`.replace('  ', ' '), { by: input });
      return s;
    },
    {
      validator: (input) => {
        optionalText(input?.operator, 'operator');
        optionalText(input?.note, 'note');
        if (provider !== 'secpaid') notAllowed(`approve records SecPaid's admin review; this is a ${PROVIDER_NAMES[provider]} refund`);
        if (s.submitAttempts === 0) notAllowed('the refund has not been submitted to SecPaid yet');
        if (s.status !== 'pending' && s.status !== 'needs_attention') notAllowed(`the refund is already ${s.status}`);
      },
    },
  );

  setHandler(
    rejectRefundUpdate,
    (input) => {
      life.transition('rejected', `operator ${input.operator ?? ''} reject: SecPaid review rejected: ${input.reason}`.replace('  ', ' '), {
        by: input,
        provider: { status: 'Rejected', message: input.reason },
      });
      return s;
    },
    {
      validator: (input) => {
        text(input?.reason, 'reason');
        optionalText(input?.operator, 'operator');
        if (provider !== 'secpaid') notAllowed(`reject records SecPaid's admin review; this is a ${PROVIDER_NAMES[provider]} refund`);
        if (s.submitAttempts === 0) notAllowed('the refund has not been submitted to SecPaid yet');
        if (s.status !== 'pending' && s.status !== 'needs_attention') notAllowed(`the refund is already ${s.status}`);
      },
    },
  );

  setHandler(
    cancelRefundUpdate,
    (input) => {
      life.transition('canceled', `operator ${input.operator ?? ''} cancel${input.note ? `: ${input.note}` : ''}`.replace('  ', ' '), { by: input });
      return s;
    },
    {
      validator: (input) => {
        optionalText(input?.operator, 'operator');
        optionalText(input?.note, 'note');
        if (s.status !== 'pending' || s.submitAttempts > 0) {
          notAllowed(`only a refund not yet submitted can be canceled; this one is ${s.status}${s.submitAttempts > 0 ? ' and was submitted' : ''}`);
        }
      },
    },
  );

  setHandler(
    resolveRefundUpdate,
    (input) => {
      life.transition(input.status, `operator ${input.operator ?? ''} resolve: ${input.note}`.replace('  ', ' '), { by: input });
      return s;
    },
    {
      validator: (input) => {
        text(input?.note, 'note');
        optionalText(input?.operator, 'operator');
        if (!(RESOLUTIONS as readonly string[]).includes(input?.status)) invalid(`status must be one of ${RESOLUTIONS.join(', ')}`);
        if (s.status !== 'needs_attention') notAllowed(`only a refund in needs_attention can be resolved; this one is ${s.status}`);
        const success = provider === 'linkmoney' ? 'authorized' : 'approved';
        const other = provider === 'linkmoney' ? 'approved' : 'authorized';
        if (input.status === other) invalid(`a ${PROVIDER_NAMES[provider]} refund succeeds as ${success}, not ${other}`);
      },
    },
  );
}

async function runProviderFlow(life: Lifecycle, request: RefundRequest): Promise<void> {
  switch (request.provider) {
    case 'secpaid':
      return secpaidFlow(life, request);
    case 'linkmoney':
      return linkmoneyFlow(life, request);
    case 'openpayd':
      return openpaydFlow(life, request);
    case 'reservepay':
      return reservepayFlow(life, request);
  }
}

export async function refundWorkflow(input: RefundWorkflowInput): Promise<RefundState> {
  // Was the zod schema; the guard keeps zod out of the workflow bundle (domain/refund-request.ts).
  // The same for every request a caller parsed, so replay-safe.
  const issues = refundInputProblems(input?.request);
  if (issues.length > 0) {
    const message = `invalid refund request: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`;
    throw ApplicationFailure.create({ type: 'InvalidRefundRequest', message, nonRetryable: true, details: [issues] });
  }
  const request: RefundRequest = input.request;
  const life = new Lifecycle(workflowInfo().workflowId, request, new Date().toISOString());
  installHandlers(life);
  const outbox = request.callbackUrl ? new CallbackOutbox(life.state, request.callbackUrl) : undefined;
  if (outbox) life.onStatusChange = (t, previous) => outbox.enqueue(t, previous);

  try {
    // One refund of a payment in flight at a time; refused when it asks for more than is left.
    if (await acquireSlot(life)) await runProviderFlow(life, request);
  } catch (err) {
    // Anything the flows did not expect: a human decides, the refund is never silently dropped.
    const f = describeFailure(err);
    life.transition('needs_attention', `unexpected ${f.type}: ${f.message}`);
  }

  await condition(() => life.isFinal);
  await releaseSlot(life);
  await allHandlersFinished();
  await outbox?.settled();
  return life.state;
}
