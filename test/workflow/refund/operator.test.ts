/**
 * Operator rules, enforced by the update validators (a refused update leaves no event in history):
 *  - approveRefund / rejectRefund record SecPaid's review: only for SecPaid, only once submitted,
 *    only while pending or in needs_attention;
 *  - cancelRefund only before anything may have reached the provider (refused while a submission
 *    is in flight);
 *  - resolveRefund only from needs_attention, with the provider's success status (Link Money
 *    authorized, the others approved);
 *  - inputs checked with the shared zod schemas: InvalidOperatorInput with field messages.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RefundOutcome } from '../../../domain/outcome.js';
import type { Provider } from '../../../domain/providers.js';
import { approveRefundUpdate, cancelRefundUpdate, rejectRefundUpdate, resolveRefundUpdate, type ResolveInput } from '../../../workflows/messages.js';
import {
  answered,
  callsOf,
  checked,
  finishRefund,
  newRefundWorkerCached,
  recordFakes,
  requestFor,
  steps,
  waitForRefund,
  withSettledRefund,
  type NewRefundHandle,
  expectClockFree,
} from '../../helpers/refund-harness.js';
import { acceptedUpdates, CallLog, createTimeSkippingEnv, expectUpdateRefused, gate, waitFor } from '../../helpers/time-skipping.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterEach(() => expectClockFree(env));
afterAll(async () => {
  await env?.teardown();
});

const NOT_ALLOWED = 'OperatorActionNotAllowed';
const INVALID = 'InvalidOperatorInput';
const long = (n: number) => 'x'.repeat(n);

type Update = (h: NewRefundHandle) => Promise<unknown>;
const approve = (input: object): Update => (h) => h.executeUpdate(approveRefundUpdate, { args: [input as never] });
const reject = (input: object): Update => (h) => h.executeUpdate(rejectRefundUpdate, { args: [input as never] });
const cancel = (input: object): Update => (h) => h.executeUpdate(cancelRefundUpdate, { args: [input as never] });
const resolve = (input: object): Update => (h) => h.executeUpdate(resolveRefundUpdate, { args: [input as never] });

/**
 * Update events in history (admitted, accepted, rejected, completed). The test server writes a
 * workflow task for a rejected update too (no speculative tasks), so the event count is no measure.
 */
async function updateEvents(handle: NewRefundHandle): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.filter(
    (e) =>
      e.workflowExecutionUpdateAdmittedEventAttributes ||
      e.workflowExecutionUpdateAcceptedEventAttributes ||
      e.workflowExecutionUpdateRejectedEventAttributes ||
      e.workflowExecutionUpdateCompletedEventAttributes,
  ).length;
}

/** Each update refused with its type and exact message, non-retryable; nothing of it in history, the state unchanged. */
async function expectAllRefused(handle: NewRefundHandle, cases: [string, Update, string, string][]): Promise<void> {
  const before = await waitForRefund(handle, () => true);
  const accepted = await acceptedUpdates(handle as never);
  const events = await updateEvents(handle);
  for (const [what, update, type, message] of cases) {
    const esc = message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const cause = await expectUpdateRefused(update(handle), type, new RegExp(`^${esc}$`)).catch((err: Error) => {
      throw new Error(`${what}: ${err.message}`);
    });
    expect(cause.nonRetryable, what).toBe(true);
  }
  expect(await acceptedUpdates(handle as never)).toEqual(accepted);
  expect(await updateEvents(handle)).toBe(events);
  const after = await waitForRefund(handle, () => true);
  expect(after.status).toBe(before.status);
  expect(after.transitions).toEqual(before.transitions);
  expect(after.resolvedBy).toBeUndefined();
}

const pendingAnswer = (provider: Provider): RefundOutcome =>
  provider === 'secpaid' ? { kind: 'pending', reason: 'awaiting_admin_review' } : provider === 'linkmoney' ? { kind: 'pending', reason: 'settlement_hold' } : { kind: 'pending', reason: 'provider_processing' };

/** A refund submitted and waiting for its provider's outcome (checks keep answering pending). */
async function waitingWorker(provider: Provider, log = new CallLog(env)) {
  return newRefundWorkerCached(env, recordFakes(log, {
    submitRefund: async () => answered(pendingAnswer(provider), { full: false }, false),
    checkRefund: async () => checked(pendingAnswer(provider), false),
    releasePaymentLock: async () => undefined,
  }));
}
/** A refund in needs_attention: its first request found a refund it did not make. */
async function attentionWorker(log = new CallLog(env)) {
  return newRefundWorkerCached(env, recordFakes(log, { submitRefund: async () => answered({ kind: 'exists', message: 'Refund already requested' }), releasePaymentLock: async () => undefined }));
}

describe('operator rules', { timeout: 180_000 }, () => {
  it('a submitted OpenPayd refund: approve/reject are SecPaid only, cancel comes too late, resolve needs needs_attention', async () => {
    const h = await waitingWorker('openpayd');
    await withSettledRefund(h, requestFor('openpayd'), async (handle) => {
      await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
      await expectAllRefused(handle, [
        ['approve', approve({}), NOT_ALLOWED, "approve and reject record SecPaid's admin review; this is a OpenPayd refund"],
        ['reject', reject({ reason: 'no' }), NOT_ALLOWED, "approve and reject record SecPaid's admin review; this is a OpenPayd refund"],
        ['cancel', cancel({}), NOT_ALLOWED, 'only a refund not yet submitted can be canceled; this one is pending and was submitted'],
        ['resolve', resolve({ status: 'approved', note: 'ok' }), NOT_ALLOWED, 'only a refund in needs_attention can be resolved; this one is pending'],
      ]);
    });
  });

  it('a SecPaid submission in flight: approve/reject refused (not submitted yet), cancel refused (it may reach SecPaid); once answered, approve is accepted', async () => {
    const log = new CallLog(env);
    const held = gate();
    const h = await newRefundWorkerCached(env, recordFakes(log, {
      submitRefund: async () => {
        await held.promise;
        return answered(pendingAnswer('secpaid'), { full: false, sendMinor: 2500 }, false);
      },
      checkRefund: async () => checked(pendingAnswer('secpaid'), false),
    }));
    await withSettledRefund(h, requestFor('secpaid'), async (handle) => {
      try {
        await waitFor(() => callsOf(log, 'submitRefund').length === 1, 'the submission in flight');
        await expectAllRefused(handle, [
          ['approve', approve({ operator: 'ops@example.com' }), NOT_ALLOWED, 'the refund has not been submitted to SecPaid yet'],
          ['reject', reject({ reason: 'merchant disputes it' }), NOT_ALLOWED, 'the refund has not been submitted to SecPaid yet'],
          ['cancel', cancel({ note: 'customer withdrew' }), NOT_ALLOWED, 'only a refund not yet submitted can be canceled; this one is pending and was submitted'],
          ['resolve', resolve({ status: 'canceled', note: 'customer withdrew' }), NOT_ALLOWED, 'only a refund in needs_attention can be resolved; this one is pending'],
        ]);
        const s = await waitForRefund(handle, () => true);
        expect(s.submitAttempts).toBe(0);
        expect(steps(s)).toEqual([['pending', 'submitting']]);
      } finally {
        held.open();
      }
      await waitForRefund(handle, (s) => s.pendingReason === 'awaiting_admin_review');
      const updated = await handle.executeUpdate(approveRefundUpdate, { args: [{ operator: 'ops@example.com' }] });
      expect(updated.status).toBe('approved');
      expect(await acceptedUpdates(handle as never)).toEqual(['approveRefund']);
    });
  });

  it('a refund in needs_attention: cancel refused, resolve only with the success status of its provider; approve/reject still SecPaid only', async () => {
    const h = await attentionWorker();
    await withSettledRefund(h, requestFor('openpayd'), async (handle) => {
      await waitForRefund(handle, (s) => s.status === 'needs_attention');
      await expectAllRefused(handle, [
        ['cancel', cancel({}), NOT_ALLOWED, 'only a refund not yet submitted can be canceled; this one is needs_attention and was submitted'],
        ['resolve authorized', resolve({ status: 'authorized', note: 'seen at OpenPayd' }), INVALID, 'a OpenPayd refund succeeds as approved, not authorized'],
        ['approve', approve({}), NOT_ALLOWED, "approve and reject record SecPaid's admin review; this is a OpenPayd refund"],
      ]);
    });
  });

  it('a final refund still running (its callback being delivered): every action refused', async () => {
    const delivering = gate();
    const h = await newRefundWorkerCached(env, {
      submitRefund: async () => answered({ kind: 'pending', reason: 'awaiting_admin_review' }, { full: false, sendMinor: 2500 }, false),
      checkRefund: async () => checked({ kind: 'final', status: 'approved', providerStatus: 'Refund' }, false),
      releasePaymentLock: async () => undefined,
      deliverCallback: async () => {
        await delivering.promise;
        return { httpStatus: 204, deliveredAt: new Date().toISOString(), attempt: 1 };
      },
    });
    await withSettledRefund(h, requestFor('secpaid', { callbackUrl: 'https://merchant.example/refunds' }), async (handle) => {
      await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
      // The delivery in flight holds the test server's clock: skip without waiting for the end of it.
      const skipping = env.sleep(3 * 60_000);
      try {
        await waitForRefund(handle, (s) => s.status === 'approved');
        expect((await handle.describe()).status.name).toBe('RUNNING');
        await expectAllRefused(handle, [
          ['approve', approve({}), NOT_ALLOWED, 'the refund is already approved'],
          ['reject', reject({ reason: 'too late' }), NOT_ALLOWED, 'the refund is already approved'],
          ['cancel', cancel({}), NOT_ALLOWED, 'only a refund not yet submitted can be canceled; this one is approved and was submitted'],
          ['resolve', resolve({ status: 'rejected', note: 'too late' }), NOT_ALLOWED, 'only a refund in needs_attention can be resolved; this one is approved'],
        ]);
      } finally {
        delivering.open();
      }
      await skipping;
      expect((await finishRefund(env, handle)).status).toBe('approved');
    });
  });

  it('invalid inputs: InvalidOperatorInput with the field and its message, before any rule', async () => {
    const h = await waitingWorker('secpaid');
    await withSettledRefund(h, requestFor('secpaid'), async (handle) => {
      await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
      await expectAllRefused(handle, [
        ['reject without reason', reject({}), INVALID, 'reason: reason is required'],
        ['reject, empty reason', reject({ reason: '   ' }), INVALID, 'reason: reason must not be empty'],
        ['reject, reason over 500', reject({ reason: long(501) }), INVALID, 'reason: reason is at most 500 characters'],
        ['approve, note over 200', approve({ note: long(201) }), INVALID, 'note: note is at most 200 characters'],
        ['approve, empty operator', approve({ operator: ' ' }), INVALID, 'operator: operator must not be empty'],
        ['approve, operator over 200', approve({ operator: long(201) }), INVALID, 'operator: operator is at most 200 characters'],
        ['approve, unknown field', approve({ amount: 100 }), INVALID, 'Unrecognized key: "amount"'],
        ['cancel, note over 200 (checked before the rule)', cancel({ note: long(201) }), INVALID, 'note: note is at most 200 characters'],
        ['resolve, unknown status', resolve({ status: 'done', note: 'ok' }), INVALID, 'status: status must be one of approved, authorized, rejected, failed, canceled'],
        ['resolve without note', resolve({ status: 'approved' }), INVALID, 'note: note is required'],
        ['resolve, empty note', resolve({ status: 'approved', note: ' ' }), INVALID, 'note: note must not be empty'],
        ['resolve, note over 500', resolve({ status: 'approved', note: long(501) }), INVALID, 'note: note is at most 500 characters'],
      ]);
      // The limits themselves are accepted.
      const updated = await handle.executeUpdate(approveRefundUpdate, { args: [{ note: long(200), operator: long(200) }] });
      expect(updated.status).toBe('approved');
      expect(await acceptedUpdates(handle as never)).toEqual(['approveRefund']);
    });
  });

  it('SecPaid in needs_attention: the review can still be recorded (approve)', async () => {
    const h = await attentionWorker();
    await withSettledRefund(h, requestFor('secpaid'), async (handle) => {
      await waitForRefund(handle, (s) => s.status === 'needs_attention');
      const updated = await handle.executeUpdate(approveRefundUpdate, { args: [{ operator: 'ops@example.com', note: 'seen approved in the dashboard' }] });
      expect(updated.status).toBe('approved');
      const state = await finishRefund(env, handle);
      expect(steps(state)).toEqual([['pending', 'submitting'], ['needs_attention', null], ['approved', null]]);
      expect(state.attention).toBeUndefined();
      expect(state.transitions.at(-1)!.cause).toBe('operator ops@example.com approve: SecPaid review approved (seen approved in the dashboard)');
    });
  });

  it.each<ResolveInput['status']>(['approved', 'rejected', 'failed', 'canceled'])('resolveRefund from needs_attention as %s: final, by whom and why, the lock handed on', async (status) => {
    const log = new CallLog(env);
    const h = await attentionWorker(log);
    await withSettledRefund(h, requestFor('openpayd'), async (handle) => {
      await waitForRefund(handle, (s) => s.status === 'needs_attention');
      const updated = await handle.executeUpdate(resolveRefundUpdate, { args: [{ status, note: '  settled with OpenPayd support  ', operator: ' ops@example.com ' }] });
      expect(updated.status).toBe(status);
      const state = await finishRefund(env, handle);
      expect(state.status).toBe(status);
      expect(state.transitions.at(-1)).toEqual({ at: state.since, status, cause: 'operator ops@example.com resolve: settled with OpenPayd support' });
      expect(state.resolvedBy).toBe(' ops@example.com ');
      expect(state.attention).toBeUndefined();
      expect(callsOf(log, 'releasePaymentLock').map((c) => (c.input as { why: string }).why)).toEqual([`final: ${status}`]);
      expect(await acceptedUpdates(handle as never)).toEqual(['resolveRefund']);
    });
  });
});
