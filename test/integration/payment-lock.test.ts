/**
 * The payment lock against the real dev server: the mutex is workflow-id uniqueness, a lock run
 * runs no code (delayed start), the account of what earlier refunds returned is carried from run
 * to run and read from each holder's own search attributes.
 * Holders here are bare workflow executions with the refund's search attributes on a task queue
 * no worker polls: their RefundStatus is what the test sets.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { temporalPaymentLocks, type LockRequest } from '../../activities/payment-lock.js';
import { paymentLockIdFor } from '../../domain/payment-lock.js';
import { WORKFLOW_TYPES } from '../../domain/messages.js';
import { RefundAmountKey, RefundStatusKey } from '../../workflows/search-attributes.js';
import type { RefundStatus } from '../../domain/status.js';

let connection: Connection;
let client: Client;
beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: inject('temporalNamespace') });
});
afterAll(async () => {
  await connection?.close();
});

const scope = `lock-${randomUUID().slice(0, 8)}`;
const nobody = `nobody-${randomUUID().slice(0, 8)}`;

/** A stand-in holder: a refund execution whose RefundStatus (and RefundAmount) the test sets. */
async function holder(status: RefundStatus, amount?: number): Promise<string> {
  const id = `refund-holder-${randomUUID().slice(0, 8)}`;
  await client.workflow.start(WORKFLOW_TYPES.refund, {
    workflowId: id,
    taskQueue: nobody,
    args: [],
    typedSearchAttributes: [{ key: RefundStatusKey, value: status }, ...(amount !== undefined ? [{ key: RefundAmountKey, value: amount }] : [])],
  });
  return id;
}
async function setStatus(id: string, status: RefundStatus, amount?: number): Promise<void> {
  // No worker runs the stand-in, so its attributes are changed by replacing it under the same id.
  await client.workflow.getHandle(id).terminate('test: replaced');
  await client.workflow.start(WORKFLOW_TYPES.refund, {
    workflowId: id,
    taskQueue: nobody,
    args: [],
    typedSearchAttributes: [{ key: RefundStatusKey, value: status }, ...(amount !== undefined ? [{ key: RefundAmountKey, value: amount }] : [])],
  });
}

describe('payment lock', () => {
  const locks = temporalPaymentLocks(() => client);
  const req = (refundId: string, paymentKey: string, originalAmount?: number): LockRequest => ({ scope, provider: 'reservepay', paymentKey, refundId, originalAmount });

  it('the first refund of a payment takes it; a second is busy while the first is in flight; the holder re-enters', async () => {
    const pay = `pay-${randomUUID().slice(0, 6)}`;
    const a = await holder('pending');
    expect(await locks.acquire(req(a, pay, 10_000))).toEqual({ kind: 'held', runId: expect.any(String), account: { succeededMinor: 0, originalAmount: 10_000 } });
    const b = await holder('pending');
    expect(await locks.acquire(req(b, pay))).toEqual({ kind: 'busy', holder: a });
    expect(await locks.acquire(req(a, pay))).toMatchObject({ kind: 'held' }); // re-entrant: the same on every attempt
    // The lock run is dormant: it started no workflow task.
    const lock = client.workflow.getHandle(paymentLockIdFor(scope, 'reservepay', pay));
    const events = (await lock.fetchHistory()).events ?? [];
    expect(events.some((e) => e.workflowTaskScheduledEventAttributes)).toBe(false);
    expect((await lock.describe()).status.name).toBe('RUNNING');
  });

  it('once the holder succeeded, the next refund takes over and the account adds what it returned', async () => {
    const pay = `pay-${randomUUID().slice(0, 6)}`;
    const a = await holder('pending');
    await locks.acquire(req(a, pay, 10_000));
    await setStatus(a, 'approved', 2_500);
    const b = await holder('pending');
    expect(await locks.acquire(req(b, pay))).toEqual({ kind: 'held', runId: expect.any(String), account: { succeededMinor: 2_500, originalAmount: 10_000 } });
    // b released (final answer seen by its activity): the run ends; the next one counts b's outcome.
    await locks.release(req(b, pay), 'final: failed');
    await setStatus(b, 'failed');
    const c = await holder('pending');
    expect(await locks.acquire(req(c, pay))).toEqual({ kind: 'held', runId: expect.any(String), account: { succeededMinor: 2_500, originalAmount: 10_000 } });
  });

  it('released before its holder recorded the final status: the next refund waits for it', async () => {
    const pay = `pay-${randomUUID().slice(0, 6)}`;
    const a = await holder('pending');
    await locks.acquire(req(a, pay));
    await locks.release(req(a, pay), 'final: approved');
    const b = await holder('pending');
    expect(await locks.acquire(req(b, pay))).toEqual({ kind: 'busy', holder: a });
    await setStatus(a, 'approved', 700);
    expect(await locks.acquire(req(b, pay))).toEqual({ kind: 'held', runId: expect.any(String), account: { succeededMinor: 700 } });
  });

  it('a holder terminated by hand does not block the payment', async () => {
    const pay = `pay-${randomUUID().slice(0, 6)}`;
    const a = await holder('pending');
    await locks.acquire(req(a, pay));
    await client.workflow.getHandle(a).terminate('test: by hand');
    const b = await holder('pending');
    expect(await locks.acquire(req(b, pay))).toEqual({ kind: 'held', runId: expect.any(String), account: { succeededMinor: 0 } });
  });

  it('release with the run id its acquire gave ends that run; a stale run id never ends a newer holder\'s run', async () => {
    const pay = `pay-${randomUUID().slice(0, 6)}`;
    const lockId = paymentLockIdFor(scope, 'reservepay', pay);
    const a = await holder('pending');
    const heldA = await locks.acquire(req(a, pay));
    if (heldA.kind !== 'held' || !heldA.runId) throw new Error(`expected a held lock with its run id: ${JSON.stringify(heldA)}`);
    expect(heldA.runId).toBe((await client.workflow.getHandle(lockId).describe()).runId);
    await locks.release(req(a, pay), 'final: approved', heldA.runId);
    expect((await client.workflow.getHandle(lockId, heldA.runId).describe()).status.name).toBe('TERMINATED');
    await setStatus(a, 'approved', 100);
    const b = await holder('pending');
    const heldB = await locks.acquire(req(b, pay));
    expect(heldB).toMatchObject({ kind: 'held', account: { succeededMinor: 100 } });
    // a's run id again (a late retry of a's activity): b's run stays held
    await locks.release(req(a, pay), 'final: approved (again)', heldA.runId);
    const d = await client.workflow.getHandle(lockId).describe();
    expect(d.status.name).toBe('RUNNING');
    expect((d.memo as { holder: string }).holder).toBe(b);
  });

  it('release by someone who does not hold it changes nothing', async () => {
    const pay = `pay-${randomUUID().slice(0, 6)}`;
    const a = await holder('pending');
    await locks.acquire(req(a, pay));
    await locks.release(req('refund-somebody-else', pay), 'not mine');
    expect((await client.workflow.getHandle(paymentLockIdFor(scope, 'reservepay', pay)).describe()).status.name).toBe('RUNNING');
  });

  it('ten refunds racing for one payment: exactly one holds it', async () => {
    const pay = `pay-${randomUUID().slice(0, 6)}`;
    const ids = await Promise.all(Array.from({ length: 10 }, () => holder('pending')));
    const results = await Promise.all(ids.map((id) => locks.acquire(req(id, pay))));
    expect(results.filter((r) => r.kind === 'held')).toHaveLength(1);
    const winner = ids[results.findIndex((r) => r.kind === 'held')];
    expect(results.filter((r) => r.kind === 'busy').every((r) => r.kind === 'busy' && r.holder === winner)).toBe(true);
  });

  it('released by an attempt whose answer was lost: the holder takes it again, nobody else can', async () => {
    const pay = `pay-${randomUUID().slice(0, 6)}`;
    const a = await holder('pending');
    await locks.acquire(req(a, pay, 5_000));
    await locks.release(req(a, pay), 'final: approved'); // ...and then the worker died before the answer was recorded
    const b = await holder('pending');
    expect(await locks.acquire(req(b, pay))).toEqual({ kind: 'busy', holder: a });
    expect(await locks.acquire(req(a, pay))).toEqual({ kind: 'held', runId: expect.any(String), account: { succeededMinor: 0, originalAmount: 5_000 } });
    expect((await client.workflow.getHandle(paymentLockIdFor(scope, 'reservepay', pay)).describe()).status.name).toBe('RUNNING');
    expect(await locks.acquire(req(b, pay))).toEqual({ kind: 'busy', holder: a });
  });
});
