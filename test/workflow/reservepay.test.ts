import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTimeSkippingEnv, newWorker, startRefund } from '../helpers/time-skipping.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const request = { idempotencyKey: 'rp-1', provider: 'reservepay', payment: { paymentId: 'pay_1' }, amount: 15000, currency: 'THB' } as const;
const view = (status: string) => ({ refundId: 'rfn_1', paymentId: 'pay_1', status: status as 'succeeded', providerStatus: status, amountMinor: 15000, currency: 'THB', createdAt: '2026-11-22T10:00:00Z', refundedAt: null, full: false });

describe('Reservepay refund workflow', () => {
  it('is approved when the refund is created and succeeded', async () => {
    const calls: string[] = [];
    const h = await newWorker(env, {
      reservepayListRefunds: async () => { calls.push('list'); return []; },
      reservepaySubmitRefund: async (i) => { calls.push(`submit ${i.amountMinor}`); return { outcome: 'created', refundId: 'rfn_1' }; },
      reservepayFindRefund: async () => { calls.push('find'); return view('succeeded'); },
    });
    const state = await h.worker.runUntil(async () => (await startRefund(h, { ...request, idempotencyKey: `rp-${Date.now()}` })).result());
    expect(state.status).toBe('approved');
    expect(state.provider.refundId).toBe('rfn_1');
    expect(calls).toEqual(['list', 'submit 15000', 'find']);
  });
});
