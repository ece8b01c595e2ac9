/** The `refund` workflow's synchronous path end to end on the time-skipping server. */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answered, newRefundWorker, summaries, withNewRefund } from '../../helpers/refund-harness.js';
import { CallLog, createTimeSkippingEnv, finish, historyEventCount, plainClient } from '../../helpers/time-skipping.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

describe('refund: synchronous answer', () => {
  it('OpenPayd approved at submission: one activity, final in two workflow tasks', async () => {
    const log = new CallLog(env);
    const h = await newRefundWorker(env, log.record({ submitRefund: async () => answered({ kind: 'final', status: 'approved', providerStatus: 'APPROVED', code: '00', message: 'Approved', amountMinor: 5000 }) } as never));
    const r = await withNewRefund(
      h,
      { idempotencyKey: `smoke-${Date.now()}`, provider: 'openpayd', payment: { transactionId: 'tx1', referenceNo: 'r1' }, amount: 'full', currency: 'EUR' },
      async (handle) => ({ state: await finish(env, handle), events: await historyEventCount(handle), summaries: await summaries(handle) }),
    );
    expect(r.state.status).toBe('approved');
    expect(log.names()).toEqual(['submitRefund']);
    expect(r.events).toBeLessThanOrEqual(20);
    expect(r.summaries).toEqual(['submit the refund to OpenPayd']);
  });

  it('a request started by hand that the workflow cannot run fails at once as InvalidRefundRequest, nothing called', async () => {
    const log = new CallLog(env);
    const h = await newRefundWorker(env, log.record({}));
    const bad = { idempotencyKey: 'by-hand', provider: 'openpayd', payment: { transactionId: 'tx1' }, amount: 25.5, currency: 'EUR' };
    const err = await h.worker.runUntil(async () => {
      const handle = await plainClient(env).workflow.start('refund', { taskQueue: h.taskQueue, workflowId: `refund-by-hand-${Date.now()}`, args: [{ request: bad }] });
      return handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
    });
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('InvalidRefundRequest');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toBe('invalid refund request: payment.referenceNo: referenceNo is required; amount: amount must be a positive integer number of minor units, or "full"');
    expect(log.names()).toEqual([]);
  });
});
