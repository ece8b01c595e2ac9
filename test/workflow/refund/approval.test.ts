/**
 * Four-eyes approval (workflows/approval.ts) on the time-skipping server: a refund started with
 * `approval` waits pending awaiting_approval with nothing sent until another operator grants it
 * (then it is submitted), a refusal cancels it with the reason, no decision by the deadline
 * cancels it and says so, the requester's own decision is refused (OperatorActionForbidden) and a
 * second decision, a decision on a refund without a gate, and one after the deadline are refused
 * (OperatorActionNotAllowed) with nothing changed. The cancel update works while it waits.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalInput } from '../../../domain/approval.js';
import { parseRefundRequest, refundIdFor, type RefundRequestInput } from '../../../domain/refund.js';
import { refund } from '../../../workflows/index.js';
import { cancelRefundUpdate, grantApprovalUpdate, refuseApprovalUpdate } from '../../../workflows/messages.js';
import {
  answered,
  callsOf,
  currentDetails,
  expectClockFree,
  finishRefund,
  newRefundWorkerCached,
  recordFakes,
  requestFor,
  steps,
  timerCounts,
  waitForRefund,
  type NewRefundHandle,
  type RefundHarness,
} from '../../helpers/refund-harness.js';
import { acceptedUpdates, CallLog, createTimeSkippingEnv, expectUpdateRefused, gate, HOUR, plainClient, terminateIfRunning } from '../../helpers/time-skipping.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterEach(() => expectClockFree(env));
afterAll(async () => {
  await env?.teardown();
});

const FORBIDDEN = 'OperatorActionForbidden';
const NOT_ALLOWED = 'OperatorActionNotAllowed';
const APPROVAL: ApprovalInput = { requester: 'alice', threshold: { currency: 'THB', amountMinor: 20000 }, timeoutMs: 72 * HOUR };

/** Start a refund with (or without) the gate, as the client does, and run `fn`; terminated afterwards if still open. */
async function withGated<T>(h: RefundHarness, input: RefundRequestInput, approval: ApprovalInput | undefined, fn: (handle: NewRefundHandle) => Promise<T>): Promise<T> {
  const request = parseRefundRequest(input);
  return h.worker.runUntil(async () => {
    const handle = await plainClient(env).workflow.start(refund, {
      taskQueue: h.taskQueue,
      workflowId: refundIdFor(request.idempotencyKey),
      args: [{ request, ...(approval ? { approval } : {}) }],
    });
    try {
      return await fn(handle);
    } finally {
      await terminateIfRunning(handle);
    }
  });
}

const approvedAnswer = answered({ kind: 'final', status: 'approved', refundId: 'rfn_1', providerStatus: 'succeeded', amountMinor: 25050 }, { full: false, sendMinor: 25050 });

async function worker(log: CallLog) {
  return newRefundWorkerCached(env, recordFakes(log, { submitRefund: async () => approvedAnswer, releasePaymentLock: async () => undefined }));
}

const grant = (h: NewRefundHandle, approver: string, note?: string) => h.executeUpdate(grantApprovalUpdate, { args: [{ approver, ...(note ? { note } : {}) }] });
const refuse = (h: NewRefundHandle, approver: string, reason: string) => h.executeUpdate(refuseApprovalUpdate, { args: [{ approver, reason }] });

describe('four-eyes approval', { timeout: 120_000 }, () => {
  it('granted by another operator: nothing is sent before, then it is submitted once and ends approved; who, when, why kept', async () => {
    const log = new CallLog(env);
    const h = await worker(log);
    await withGated(h, requestFor('reservepay'), APPROVAL, async (handle) => {
      const waiting = await waitForRefund(handle, (s) => s.approval?.state === 'awaiting');
      expect(waiting.status).toBe('pending');
      expect(waiting.pendingReason).toBe('awaiting_approval');
      expect(waiting.approval).toMatchObject({ requester: 'alice', threshold: APPROVAL.threshold });
      expect(Date.parse(waiting.approval!.deadline) - Date.parse(waiting.approval!.requestedAt)).toBe(72 * HOUR);
      expect(await currentDetails(handle)).toMatch(/^\*\*Pending\*\*: Awaiting four-eyes approval before it is submitted to Reservepay since .+\n\n- Refund: THB 250\.50\n- Four-eyes approval: requested by alice; the amount reaches the threshold THB 200\.00\n- Awaiting approval by another operator until .+ UTC \(then canceled\)/);
      expect(log.calls).toEqual([]); // no payment lock, no provider call

      const after = await grant(handle, ' Bob ', 'checked with the customer');
      expect(after.approval).toMatchObject({ state: 'granted', decidedBy: 'Bob', note: 'checked with the customer' });
      const state = await finishRefund(env, handle);
      expect(state.status).toBe('approved');
      expect(callsOf(log, 'submitRefund')).toHaveLength(1);
      expect(steps(state)).toEqual([['pending', 'awaiting_approval'], ['pending', 'submitting'], ['approved', null]]);
      expect(state.transitions[0]!.cause).toBe('refund requested by alice; it awaits four-eyes approval by another operator');
      expect(state.transitions[1]).toMatchObject({ at: state.approval!.decidedAt, cause: 'four-eyes approval granted by Bob (checked with the customer): submitting to Reservepay' });
      expect(await acceptedUpdates(handle as never)).toEqual(['grantApproval']);
      // The deadline's timer was canceled by the decision: nothing fires later.
      expect(await timerCounts(handle)).toEqual({ started: 1, fired: 0, canceled: 1 });
    });
  });

  it('self-approval refused (403-type, any case or spacing), a second decision refused (409-type), nothing changed', async () => {
    const log = new CallLog(env);
    const h = await worker(log);
    await withGated(h, requestFor('reservepay'), APPROVAL, async (handle) => {
      await waitForRefund(handle, (s) => s.approval?.state === 'awaiting');
      for (const who of ['alice', ' ALICE ']) {
        await expectUpdateRefused(grant(handle, who), FORBIDDEN, /^alice requested this refund and may not decide its four-eyes approval: another operator must approve or refuse it$/i);
        await expectUpdateRefused(refuse(handle, who, 'no'), FORBIDDEN, /may not decide its four-eyes approval/);
      }
      const still = await waitForRefund(handle, () => true);
      expect(still.approval?.state).toBe('awaiting');
      expect(steps(still)).toEqual([['pending', 'awaiting_approval']]);
      expect(log.calls).toEqual([]);

      await grant(handle, 'bob');
      await expectUpdateRefused(grant(handle, 'carol'), NOT_ALLOWED, /^four-eyes approval was already granted by bob at .+ UTC$/);
      await expectUpdateRefused(refuse(handle, 'carol', 'too late'), NOT_ALLOWED, /^four-eyes approval was already granted by bob/);
      const state = await finishRefund(env, handle);
      expect(state.status).toBe('approved');
      expect(state.approval).toMatchObject({ state: 'granted', decidedBy: 'bob' });
      expect(await acceptedUpdates(handle as never)).toEqual(['grantApproval']);
    });
  });

  it('refused: canceled with who and why, nothing sent', async () => {
    const log = new CallLog(env);
    const h = await worker(log);
    await withGated(h, requestFor('reservepay'), APPROVAL, async (handle) => {
      await waitForRefund(handle, (s) => s.approval?.state === 'awaiting');
      await refuse(handle, 'bob', '  the order was delivered  ');
      const state = await finishRefund(env, handle);
      expect(state.status).toBe('canceled');
      expect(state.approval).toMatchObject({ state: 'refused', decidedBy: 'bob', reason: 'the order was delivered' });
      expect(state.transitions.at(-1)).toEqual({ at: state.approval!.decidedAt, status: 'canceled', cause: 'four-eyes approval refused by bob: the order was delivered; nothing was sent to Reservepay' });
      expect(state.submitAttempts).toBe(0);
      expect(log.calls).toEqual([]);
    });
  });

  it('no decision within the timeout: canceled, saying so, nothing sent; the gate says expired', async () => {
    const log = new CallLog(env);
    const h = await worker(log);
    await withGated(h, requestFor('reservepay'), { ...APPROVAL, timeoutMs: 2 * HOUR }, async (handle) => {
      const waiting = await waitForRefund(handle, (s) => s.approval?.state === 'awaiting');
      const state = await finishRefund(env, handle, { stepMs: HOUR });
      expect(state.status).toBe('canceled');
      expect(state.approval?.state).toBe('expired');
      expect(Date.parse(state.approval!.decidedAt!)).toBeGreaterThanOrEqual(Date.parse(waiting.approval!.deadline));
      expect(state.transitions.at(-1)!.cause).toMatch(/^four-eyes approval expired: nobody approved or refused it within 2 h \(by .+ UTC\); nothing was sent to Reservepay$/);
      expect(log.calls).toEqual([]);
      expect(await timerCounts(handle)).toEqual({ started: 1, fired: 1, canceled: 0 });
    });
  });

  it('the cancel update works while it awaits approval; the gate says canceled', async () => {
    const log = new CallLog(env);
    const h = await worker(log);
    await withGated(h, requestFor('reservepay'), APPROVAL, async (handle) => {
      await waitForRefund(handle, (s) => s.approval?.state === 'awaiting');
      await handle.executeUpdate(cancelRefundUpdate, { args: [{ operator: 'alice', note: 'customer withdrew' }] });
      const state = await finishRefund(env, handle);
      expect(state.status).toBe('canceled');
      expect(state.approval?.state).toBe('canceled');
      expect(log.calls).toEqual([]);
    });
  });

  it('a refund without approval: the same path as before, no timer, no approval record', async () => {
    const log = new CallLog(env);
    const h = await worker(log);
    await withGated(h, requestFor('reservepay'), undefined, async (handle) => {
      const state = await finishRefund(env, handle);
      expect(state.status).toBe('approved');
      expect(state.approval).toBeUndefined();
      expect(steps(state)).toEqual([['pending', 'submitting'], ['approved', null]]);
      expect(await timerCounts(handle)).toEqual({ started: 0, fired: 0, canceled: 0 });
    });
  });

  it('a running refund without a gate refuses a decision: nothing to approve', async () => {
    const held = gate();
    const h = await newRefundWorkerCached(env, {
      submitRefund: async () => {
        await held.promise;
        return approvedAnswer;
      },
      releasePaymentLock: async () => undefined,
    });
    await withGated(h, requestFor('reservepay'), undefined, async (handle) => {
      try {
        await expectUpdateRefused(grant(handle, 'bob'), NOT_ALLOWED, /^this refund needs no four-eyes approval/);
        await expectUpdateRefused(refuse(handle, 'bob', 'no'), NOT_ALLOWED, /^this refund needs no four-eyes approval/);
        expect(await acceptedUpdates(handle as never)).toEqual([]);
      } finally {
        held.open();
      }
      expect((await finishRefund(env, handle)).status).toBe('approved');
    });
  });

  it('a bad decision input: InvalidOperatorInput, before any rule', async () => {
    const h = await worker(new CallLog(env));
    await withGated(h, requestFor('reservepay'), APPROVAL, async (handle) => {
      await waitForRefund(handle, (s) => s.approval?.state === 'awaiting');
      await expectUpdateRefused(handle.executeUpdate(refuseApprovalUpdate, { args: [{ approver: 'bob' } as never] }), 'InvalidOperatorInput', /^reason: reason is required$/);
      await expectUpdateRefused(handle.executeUpdate(grantApprovalUpdate, { args: [{ approver: 'bob', amount: 1 } as never] }), 'InvalidOperatorInput', /^Unrecognized key: "amount"$/);
      expect((await waitForRefund(handle, () => true)).approval?.state).toBe('awaiting');
    });
  });
});
