/**
 * Refunds of one payment, one at a time (the payment lock), on the real dev server and sandbox:
 * they go to the provider one after the other, no sequence of full and partial refunds adds up to
 * more than the original amount, a refund asking for more than is left is refused before anything
 * is sent, and a refund waiting for its turn can be canceled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startStack, uniqueKey, type Stack } from '../helpers/stack.js';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  await s?.stop();
});

async function reservepayPayment(amount: number): Promise<string> {
  return (await s.admin('POST', '/payments', { provider: 'reservepay', amount, currency: 'THB' })).id as string;
}

async function refundCalls(paymentId: string): Promise<{ time: string; body?: { payment_id?: string } }[]> {
  const { requests } = (await s.admin('GET', '/requests?provider=reservepay')) as { requests: { path: string; time: string; body?: { payment_id?: string } }[] };
  return requests.filter((r) => r.path.endsWith('/refund-payment') && r.body?.payment_id === paymentId);
}

const refund = (paymentId: string, amount: number, extra: Record<string, unknown> = {}) =>
  s.refunds.create({ idempotencyKey: uniqueKey('lock'), provider: 'reservepay', payment: { paymentId }, amount, currency: 'THB', ...extra });

describe('one refund of a payment at a time', () => {
  it('sends refunds of one payment one at a time', async () => {
    const paymentId = await reservepayPayment(10_000);
    // The first refund's call takes 2 s at the provider: a second one must not be sent meanwhile.
    await s.admin('POST', '/faults', { provider: 'reservepay', route: '/merchants/refund-payment', kind: 'delay', delayMs: 2_000, count: 1 });
    const a = await refund(paymentId, 3_000);
    const b = await refund(paymentId, 2_000);
    const [fa, fb] = await Promise.all([s.refunds.waitForFinal(a.refund.refundId), s.refunds.waitForFinal(b.refund.refundId)]);
    expect([fa.status, fb.status]).toEqual(['approved', 'approved']);
    const calls = await refundCalls(paymentId);
    expect(calls).toHaveLength(2);
    expect(Date.parse(calls[1]!.time) - Date.parse(calls[0]!.time)).toBeGreaterThanOrEqual(2_000);
    await s.admin('DELETE', '/faults');
  }, 60_000);

  it('refuses a refund that asks for more than is left of the original amount, sending nothing', async () => {
    const paymentId = await reservepayPayment(10_000);
    const first = await refund(paymentId, 7_000, { originalAmount: 10_000 });
    expect((await s.refunds.waitForFinal(first.refund.refundId)).status).toBe('approved');
    const tooMuch = await refund(paymentId, 5_000, { originalAmount: 10_000 });
    const refused = await s.refunds.waitForFinal(tooMuch.refund.refundId);
    expect(refused.status).toBe('rejected');
    expect(refused.submitAttempts).toBe(0);
    expect(refused.transitions.at(-1)?.cause).toBe(
      'refused before submission: asks for more than is left of the payment: THB 30.00 of THB 100.00 after the refunds that succeeded',
    );
    const rest = await refund(paymentId, 3_000, { originalAmount: 10_000 });
    expect((await s.refunds.waitForFinal(rest.refund.refundId)).status).toBe('approved');
    expect(await refundCalls(paymentId)).toHaveLength(2);
  }, 60_000);

  it('a refund waiting for its turn can be canceled; it is never sent', async () => {
    const paymentId = await reservepayPayment(10_000);
    await s.admin('POST', '/faults', { provider: 'reservepay', route: '/merchants/refund-payment', kind: 'delay', delayMs: 3_000, count: 1 });
    const a = await refund(paymentId, 1_000);
    await eventually(async () => {
      const st = await s.refunds.get(a.refund.refundId);
      return st.submittedAt !== undefined && st.status === 'pending'; // A's call is in flight (slowed down)
    });
    const b = await refund(paymentId, 1_000);
    const waiting = await eventually(async () => {
      const st = await s.refunds.get(b.refund.refundId);
      return st.lock === 'waiting' && st;
    });
    expect(waiting.waitingFor).toBe(a.refund.refundId);
    const canceled = await s.refunds.cancel(b.refund.refundId, { operator: 'ops', note: 'customer withdrew' });
    expect(canceled.status).toBe('canceled');
    expect((await s.refunds.waitForFinal(a.refund.refundId)).status).toBe('approved');
    expect((await s.refunds.waitForFinal(b.refund.refundId)).submitAttempts).toBe(0);
    expect(await refundCalls(paymentId)).toHaveLength(1);
    await s.admin('DELETE', '/faults');
  }, 60_000);

  it('"full" after a partial refund returns what is left, sent as an explicit amount; then nothing is left', async () => {
    const paymentId = await reservepayPayment(10_000);
    const part = await refund(paymentId, 3_000, { originalAmount: 10_000 });
    expect((await s.refunds.waitForFinal(part.refund.refundId)).status).toBe('approved');
    const full = await s.refunds.create({ idempotencyKey: uniqueKey('lock'), provider: 'reservepay', payment: { paymentId }, amount: 'full', currency: 'THB' });
    const done = await s.refunds.waitForFinal(full.refund.refundId);
    expect(done.status).toBe('approved');
    expect(done.sent).toEqual({ full: false, sendMinor: 7_000 });
    expect(done.provider.amountMinor).toBe(7_000);
    const calls = (await s.admin('GET', '/requests?provider=reservepay')) as { requests: { path: string; body?: { payment_id?: string; amount?: number } }[] };
    const bodies = calls.requests.filter((r) => r.path.endsWith('/refund-payment') && r.body?.payment_id === paymentId).map((r) => r.body?.amount);
    expect(bodies).toEqual([3_000, 7_000]);
    const again = await s.refunds.create({ idempotencyKey: uniqueKey('lock'), provider: 'reservepay', payment: { paymentId }, amount: 'full', currency: 'THB' });
    const refused = await s.refunds.waitForFinal(again.refund.refundId);
    expect(refused.status).toBe('rejected');
    expect(refused.submitAttempts).toBe(0);
    expect(refused.transitions.at(-1)?.cause).toBe('refused before submission: nothing is left of the payment: THB 100.00 already refunded');
  }, 60_000);

  it('an uncontended refund starts no lock workflow task and leaves no lock running', async () => {
    const paymentId = await reservepayPayment(10_000);
    const r = await refund(paymentId, 1_000);
    expect((await s.refunds.waitForFinal(r.refund.refundId)).status).toBe('approved');
    // Visibility follows the lock's end a moment later.
    const locks = await eventually(async () => {
      const found = [];
      for await (const w of s.client.workflow.list({ query: `WorkflowType = 'paymentLock' AND TaskQueue = '${s.taskQueue}'` })) found.push(w);
      return found.length > 0 && found.every((w) => w.status.name !== 'RUNNING') && found;
    });
    // Each one ended by its holder's release, without ever running a workflow task.
    for (const w of locks) {
      const events = (await s.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory()).events ?? [];
      expect(events.some((e) => e.workflowTaskScheduledEventAttributes)).toBe(false);
    }
  }, 60_000);
});
