/**
 * What a real provider may answer that its page does not spell out, end to end over real HTTP
 * through the sandbox: the same status in another case is understood; a status nobody documented
 * keeps the refund pending and is shown to people with its raw value (time-skipping tests cover
 * the escalation to needs_attention after 3 such answers or an hour).
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

async function pendingReservepayRefund(): Promise<{ refundId: string; providerRefundId: string }> {
  const paymentId = (await s.admin('POST', '/payments', { provider: 'reservepay', amount: 10_000, currency: 'THB', respondPending: true })).id as string;
  const { refund } = await s.refunds.create({ idempotencyKey: uniqueKey('pv'), provider: 'reservepay', payment: { paymentId }, amount: 1_000, currency: 'THB' });
  const pending = await eventually(async () => {
    const st = await s.refunds.get(refund.refundId);
    return st.provider.refundId !== undefined && st.pendingReason === 'provider_processing' && st;
  });
  return { refundId: refund.refundId, providerRefundId: pending.provider.refundId! };
}

describe('provider values nobody spelled out', () => {
  it('" Succeeded " (another case, spaces) is understood as succeeded', async () => {
    const r = await pendingReservepayRefund();
    await s.admin('POST', `/refunds/${r.providerRefundId}/status`, { status: ' Succeeded ' });
    const done = await s.refunds.waitForFinal(r.refundId); // the first follow-up check comes 30 s after the answer
    expect(done.status).toBe('approved');
    expect(done.provider.status).toBe(' Succeeded ');
  }, 90_000);

  it('an undocumented status keeps the refund pending and shows the raw value', async () => {
    const r = await pendingReservepayRefund();
    await s.admin('POST', `/refunds/${r.providerRefundId}/status`, { status: 'SETTLING' });
    const st = await eventually(async () => {
      const x = await s.refunds.get(r.refundId);
      return x.unrecognized && x;
    }, 60_000);
    expect(st.status).toBe('pending');
    expect(st.unrecognized).toMatchObject({ count: 1, raw: expect.stringContaining('SETTLING') });
    expect(st.lastAnswer).toMatchObject({ meaning: 'unrecognized', status: 'SETTLING' });
    // The next check comes within 20 minutes, not on the slower follow-up schedule.
    expect(Date.parse(st.nextCheckAt!) - Date.parse(st.lastAnswer!.at)).toBeLessThanOrEqual(20 * 60_000);
    const details = (await s.client.workflow.getHandle(r.refundId).query('__temporal_workflow_metadata')) as { currentDetails?: string };
    expect(details.currentDetails).toContain('SETTLING');
    expect(details.currentDetails).toContain('Undocumented answers in a row: 1');
  }, 90_000);
});
