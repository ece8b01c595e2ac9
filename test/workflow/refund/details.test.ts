/**
 * The current details (a Markdown block in the Temporal UI), read through the built-in
 * `__temporal_workflow_metadata` query: pending (reason, next check, last answer), waiting for the
 * payment lock, needs_attention, an undocumented value (shown as received), and final.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RefundOutcome } from '../../../domain/outcome.js';
import { utc } from '../../../workflows/time.js';
import { WAITING } from '../../../workflows/waiting.js';
import {
  answered,
  checked,
  currentDetails,
  expectClockFree,
  finishRefund,
  newRefundWorkerCached,
  requestFor,
  script,
  waitForRefund,
  withSettledRefund,
} from '../../helpers/refund-harness.js';
import { createTimeSkippingEnv, DAY, HOUR } from '../../helpers/time-skipping.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterEach(() => expectClockFree(env));
afterAll(async () => {
  await env?.teardown();
});

const SETTLING: RefundOutcome = { kind: 'unrecognized', raw: 'status "SETTLING"' };

describe('refund: current details', { timeout: 180_000 }, () => {
  it('pending: the reason and since when, the amount, the next check (and how many were made), the reference, the last answer; then final', async () => {
    const pending: RefundOutcome = { kind: 'pending', reason: 'provider_processing', refundId: 'rfn_1', providerStatus: 'pending' };
    const h = await newRefundWorkerCached(env, {
      submitRefund: async () => answered(pending, { full: false, sendMinor: 25050 }),
      checkRefund: script([checked(pending), checked({ kind: 'final', status: 'approved', refundId: 'rfn_1', providerStatus: 'succeeded', amountMinor: 25050 })]),
    });
    await withSettledRefund(h, requestFor('reservepay'), async (handle) => {
      const s0 = await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
      expect(await currentDetails(handle)).toBe(
        [
          `**Pending**: Processing at Reservepay since ${utc(s0.since)}`,
          '',
          '- Refund: THB 250.50',
          `- Next check: ${utc(s0.nextCheckAt!)}`,
          '- Reservepay reference: refund id `rfn_1`',
          `- Last Reservepay answer (${utc(s0.lastAnswer!.at)}): pending`,
        ].join('\n'),
      );
      await env.sleep(40_000);
      const s1 = await waitForRefund(handle, (s) => s.checks === 1 && s.nextCheckAt !== s0.nextCheckAt);
      expect(await currentDetails(handle)).toBe(
        [
          `**Pending**: Processing at Reservepay since ${utc(s1.since)}`,
          '',
          '- Refund: THB 250.50',
          `- Next check: ${utc(s1.nextCheckAt!)} (1 made so far)`,
          '- Reservepay reference: refund id `rfn_1`',
          `- Last Reservepay answer (${utc(s1.lastAnswer!.at)}): pending`,
        ].join('\n'),
      );
      const s = await finishRefund(env, handle, { stepMs: HOUR });
      expect(await currentDetails(handle)).toBe(
        [
          `**Approved** at ${utc(s.since)}: Reservepay check 2: succeeded (refund rfn_1)`,
          '',
          '- Refund: THB 250.50',
          '- Reservepay reference: refund id `rfn_1`',
          `- Last Reservepay answer (${utc(s.lastAnswer!.at)}): succeeded`,
        ].join('\n'),
      );
    });
  });

  it('the pending reasons of SecPaid and Link Money, and a refund waiting for its turn', async () => {
    for (const [provider, outcome, head] of [
      ['secpaid', { kind: 'pending', reason: 'awaiting_admin_review', message: 'Refund request submitted successfully' }, 'Awaiting the admin review at SecPaid'],
      ['linkmoney', { kind: 'pending', reason: 'settlement_hold', refundId: 'rf_1', providerStatus: 'PENDING' }, 'In the 3-business-day settlement hold at Link Money'],
    ] as const) {
      const h = await newRefundWorkerCached(env, { submitRefund: async () => answered(outcome, { full: false }, false) });
      await withSettledRefund(h, requestFor(provider), async (handle) => {
        const s = await waitForRefund(handle, (x) => x.nextCheckAt !== undefined);
        const details = await currentDetails(handle);
        expect(details.split('\n')[0]).toBe(`**Pending**: ${head} since ${utc(s.since)}`);
        expect(details).toContain(`\n- Next check: ${utc(s.nextCheckAt!)}\n`);
        if (provider === 'secpaid') expect(details.split('\n').at(-1)).toBe(`- Last SecPaid answer (${utc(s.lastAnswer!.at)}): "Refund request submitted successfully"`);
        else expect(details.split('\n').at(-1)).toBe(`- Last Link Money answer (${utc(s.lastAnswer!.at)}): PENDING`);
      });
    }
    const h = await newRefundWorkerCached(env, { submitRefund: async () => ({ kind: 'busy', holder: 'refund-order-1-refund-1' }) });
    await withSettledRefund(h, requestFor('openpayd'), async (handle) => {
      const s = await waitForRefund(handle, (x) => x.waitingFor !== undefined);
      expect(await currentDetails(handle)).toBe(
        [`**Pending**: Submitting to OpenPayd since ${utc(s.since)}`, '- Waiting for its turn: refund `refund-order-1-refund-1` of the same payment is in flight', '', '- Refund: full refund (EUR)'].join('\n'),
      );
    });
  });

  it('needs_attention: why, since when, the checks that go on, the last answer', async () => {
    const pending: RefundOutcome = { kind: 'pending', reason: 'provider_processing', providerStatus: 'PENDING', code: '01', message: 'Waiting' };
    const h = await newRefundWorkerCached(env, { submitRefund: async () => answered(pending), checkRefund: async () => checked(pending) });
    await withSettledRefund(h, requestFor('openpayd', { amount: 1234 }), async (handle) => {
      await waitForRefund(handle, (s) => s.nextCheckAt !== undefined);
      await env.sleep(3 * DAY + 12 * HOUR);
      const s = await waitForRefund(handle, (x) => x.status === 'needs_attention');
      expect(await currentDetails(handle)).toBe(
        [
          `**Needs attention** since ${utc(s.since)}: ${WAITING.openpayd.patienceText}`,
          '',
          '- Refund: EUR 12.34',
          `- Next check: ${utc(s.nextCheckAt!)} (${s.checks} made so far)`,
          `- Last OpenPayd answer (${utc(s.lastAnswer!.at)}): PENDING 01 "Waiting"`,
        ].join('\n'),
      );
    });
  });

  it('an undocumented value: shown as received, with the count in a row; in needs_attention after the 3rd', async () => {
    const h = await newRefundWorkerCached(env, { submitRefund: async () => answered(SETTLING), checkRefund: async () => checked(SETTLING) });
    await withSettledRefund(h, requestFor('openpayd'), async (handle) => {
      const s = await waitForRefund(handle, (x) => x.nextCheckAt !== undefined);
      expect(await currentDetails(handle)).toBe(
        [
          `**Pending**: Processing at OpenPayd since ${utc(s.since)}`,
          '',
          '- Refund: full refund (EUR)',
          `- Next check: ${utc(s.nextCheckAt!)}`,
          `- Last OpenPayd answer (${utc(s.lastAnswer!.at)}): unrecognized — undocumented value status "SETTLING", shown as received`,
          `- Undocumented answers in a row: 1 since ${utc(s.unrecognized!.since)}`,
        ].join('\n'),
      );
      await env.sleep(2 * 60_000); // checks at +30 s and +90 s
      const a = await waitForRefund(handle, (x) => x.status === 'needs_attention');
      const details = await currentDetails(handle);
      expect(details.split('\n')[0]).toBe(
        `**Needs attention** since ${utc(a.since)}: OpenPayd keeps answering a value nobody documented (status "SETTLING"): find out what it means, then resolve; checks go on`,
      );
      expect(details).toContain(`- Undocumented answers in a row: 3 since ${utc(a.unrecognized!.since)}`);
      expect(details).toContain('undocumented value status "SETTLING", shown as received');
    });
  });
});
