/**
 * The reconciliation workflow on the time-skipping server: scripted listings of our refunds and of
 * the provider's records (visibility needs the dev server: test/integration/reconciliation.test.ts),
 * the real flagRefund activity against real `refund` workflows (the update flagReconciliationMismatch).
 * Each mismatch kind; the flag is idempotent and refused on a final refund; SecPaid's pay-in sweep;
 * continue-as-new carries the report across runs.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciliationActivities, type ListOurRefundsInput, type OurRefundsPage, type ProviderRecordsResult, type ReadProviderRecordsInput } from '../../activities/reconciliation.js';
import type { OurRefundRecord, ProviderRefundRecord, ReconciledRefundState, ReconciliationReport } from '../../domain/reconciliation.js';
import { parseRefundRequest, refundIdFor } from '../../domain/refund.js';
import { reconciliation } from '../../workflows/reconciliation.js';
import { getRefundQuery } from '../../workflows/messages.js';
import { flagReconciliationUpdate } from '../../workflows/reconciliation-messages.js';
import { refund } from '../../workflows/refund.js';
import { answered, cachedWorkflowBundle, checked, requestFor, waitForRefund } from '../helpers/refund-harness.js';
import { createTimeSkippingEnv, plainClient, terminateIfRunning } from '../helpers/time-skipping.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const WINDOW = { from: '2026-11-29T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };

function ours(refundId: string, extra: Partial<OurRefundRecord> = {}): OurRefundRecord {
  return {
    refundId,
    provider: 'reservepay',
    paymentKey: 'pay_1',
    payment: { paymentId: 'pay_1' },
    status: 'approved',
    currency: 'THB',
    amountMinor: 1000,
    createdAt: '2026-11-30T10:00:00.000Z',
    closedAt: '2026-11-30T10:00:01.000Z',
    open: false,
    ...extra,
  };
}
function theirs(providerRefundId: string, extra: Partial<ProviderRefundRecord> = {}): ProviderRefundRecord {
  return { provider: 'reservepay', paymentKey: 'pay_1', providerRefundId, status: 'approved', providerStatus: 'succeeded', amountMinor: 1000, currency: 'THB', ...extra };
}

interface Script {
  pages: Partial<Record<string, OurRefundsPage[]>>;
  records?: (input: ReadProviderRecordsInput) => ProviderRecordsResult;
  elsewhere?: (paymentKeys: string[]) => OurRefundRecord[];
  secpaidPages?: { records: ProviderRefundRecord[]; more: boolean }[];
}

/**
 * A worker with the refund's activities (a SecPaid refund waiting for its review) and the
 * reconciliation's: scripted by `script` (read at each call, so a test may fill it once it knows
 * its refund ids), but for the real flagRefund.
 */
async function withWorker<T>(script: Script, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `recon-${randomUUID()}`;
  const real = createReconciliationActivities({
    edge: async () => {
      throw new Error('no provider call in this test');
    },
    readerFor: () => undefined,
    secpaidList: async () => ({ records: [], more: false }),
    secpaidAccounts: ['default'],
    client: () => plainClient(env),
  });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await cachedWorkflowBundle(),
    activities: {
      // The refunds: submitted to SecPaid, then its review takes long (checks find nothing).
      submitRefund: async () => answered({ kind: 'pending', reason: 'awaiting_admin_review' }, { full: false, sendMinor: 2500 }, false),
      checkRefund: async () => checked({ kind: 'pending', reason: 'awaiting_admin_review' }, false),
      releasePaymentLock: async () => undefined,
      listOurRefunds: async (input: ListOurRefundsInput) => {
        const pages = script.pages[input.provider] ?? [{ refunds: [] }];
        return pages[input.pageToken ? Number(input.pageToken) : 0]!;
      },
      readProviderRecords: async (input: ReadProviderRecordsInput) => script.records?.(input) ?? { records: [], unreadable: [] },
      findOurRefundsOfPayments: async (input: { paymentKeys: string[] }) => script.elsewhere?.(input.paymentKeys) ?? [],
      listSecpaidRefunds: async (input: { page: number }) => script.secpaidPages?.[input.page - 1] ?? { records: [], more: false },
      flagRefund: real.flagRefund,
      secpaidAccounts: real.secpaidAccounts,
    },
  });
  return worker.runUntil(() => fn(taskQueue));
}

async function startPendingSecpaid(taskQueue: string) {
  const request = parseRefundRequest(requestFor('secpaid'));
  const handle = await plainClient(env).workflow.start(refund, { taskQueue, workflowId: refundIdFor(request.idempotencyKey), args: [{ request }] });
  await waitForRefund(handle, (s) => s.pendingReason === 'awaiting_admin_review');
  return handle;
}

function run(taskQueue: string, input: Parameters<typeof reconciliation>[0]): Promise<ReconciliationReport> {
  return plainClient(env).workflow.execute(reconciliation, { taskQueue, workflowId: `reconciliation-test-${randomUUID()}`, args: [input] });
}

const page = (...refunds: OurRefundRecord[]): OurRefundsPage => ({ refunds });

describe('reconciliation workflow', { timeout: 120_000 }, () => {
  it('reports each mismatch kind, flags the open refund whose provider record is final, keeps the closed one in the report', async () => {
    const script: Script = { pages: {} };
    await withWorker(script, async (taskQueue) => {
      const handle = await startPendingSecpaid(taskQueue);
      const refundId = handle.workflowId;
      try {
        script.pages = {
          reservepay: [
            page(
              ours('refund-amount', { providerRefundId: 'rfn_a', amountMinor: 1000 }),
              ours('refund-missing', { providerRefundId: 'rfn_m', paymentKey: 'pay_2', payment: { paymentId: 'pay_2' } }),
              ours('refund-failed', { providerRefundId: 'rfn_f', status: 'failed', paymentKey: 'pay_3', payment: { paymentId: 'pay_3' } }),
              ours('refund-fine', { providerRefundId: 'rfn_ok', paymentKey: 'pay_4', payment: { paymentId: 'pay_4' } }),
            ),
          ],
          secpaid: [page(ours(refundId, { provider: 'secpaid', paymentKey: '42011', payment: { payId: '42011' }, status: 'pending', currency: 'EUR', amountMinor: 2500, open: true }))],
        };
        script.records = (input) => {
          if (input.provider === 'secpaid') {
            return { records: [theirs('20261130-pi-0000000001', { provider: 'secpaid', paymentKey: '42011', providerStatus: 'Success', amountMinor: 2500, currency: 'EUR' })], unreadable: [] };
          }
          expect(input.payments.map((p) => p.paymentKey)).toEqual(['pay_1', 'pay_2', 'pay_3', 'pay_4']);
          return {
            records: [theirs('rfn_a', { amountMinor: 900 }), theirs('rfn_stranger', { amountMinor: 300 }), theirs('rfn_f', { paymentKey: 'pay_3' }), theirs('rfn_ok', { paymentKey: 'pay_4' })],
            unreadable: [],
          };
        };
        const report = await run(taskQueue, { window: WINDOW, providers: ['reservepay', 'secpaid'] });
        expect(report.mismatches.map((m) => [m.kind, m.refundId ?? m.providerRefundId, m.action])).toEqual([
          ['amount_differs', 'refund-amount', 'none'],
          ['status_differs', 'refund-failed', 'none'],
          ['missing_at_provider', 'refund-missing', 'report_only'],
          ['unknown_refund', 'rfn_stranger', 'none'],
          ['pending_but_final', refundId, 'flagged'],
        ]);
        expect(report.mismatches[0]).toMatchObject({ ourAmountMinor: 1000, providerAmountMinor: 900, currency: 'THB', actionable: false });
        expect(report.mismatches[2]).toMatchObject({ actionable: true, ourStatus: 'approved', providerRefundId: 'rfn_m' });
        expect(report.totals.reservepay).toEqual({
          ours: { approved: { count: 3, amounts: { THB: 3000 } }, failed: { count: 1, amounts: { THB: 1000 } } },
          provider: { approved: { count: 4, amounts: { THB: 3200 } } },
          matched: 3,
          mismatches: { amount_differs: 1, status_differs: 1, missing_at_provider: 1, unknown_refund: 1 },
        });
        expect(report.totals.secpaid).toMatchObject({ matched: 1, mismatches: { pending_but_final: 1 } });
        expect(report).toMatchObject({ state: 'completed', window: WINDOW, providers: ['reservepay', 'secpaid'], mismatchesOmitted: 0 });

        // The refund: needs_attention with the evidence; its checks go on.
        const state = (await handle.query(getRefundQuery)) as ReconciledRefundState;
        expect(state.status).toBe('needs_attention');
        expect(state.attention).toContain(`reconciliation ${report.reconciliationId} found pending but final`);
        expect(state.attention).toContain('20261130-pi-0000000001');
        expect(state.reconciliation).toMatchObject({ reconciliationId: report.reconciliationId, kind: 'pending_but_final', providerRefundId: '20261130-pi-0000000001', providerOutcome: 'approved', providerAmountMinor: 2500 });
        expect(state.transitions.at(-1)).toMatchObject({ status: 'needs_attention', cause: `reconciliation ${report.reconciliationId}: pending but final` });

        // A second run finding the same: nothing new on the refund.
        const again = await run(taskQueue, { window: WINDOW, providers: ['secpaid'] });
        expect(again.mismatches.map((m) => m.action)).toEqual(['already_flagged']);
        const after = (await handle.query(getRefundQuery)) as ReconciledRefundState;
        expect(after.transitions).toHaveLength(state.transitions.length);
        expect(after.reconciliation?.reconciliationId).toBe(report.reconciliationId);

        // Evidence the validator refuses never reaches the refund.
        const refused = await handle.executeUpdate(flagReconciliationUpdate, { args: [{ reconciliationId: 'x', kind: 'made_up' as never, detail: 'd' }] }).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
        expect((refused as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'InvalidOperatorInput', nonRetryable: true, message: expect.stringContaining('kind must be one of') });
        expect(((await handle.query(getRefundQuery)) as ReconciledRefundState).reconciliation?.kind).toBe('pending_but_final');
      } finally {
        await terminateIfRunning(handle);
      }
    });
  });

  it('continues as new between pages, carrying the report; SecPaid\'s sweep reports refunds of payments none of ours is of', async () => {
    const entry = (payId: string, id: string) => theirs(id, { provider: 'secpaid', paymentKey: payId, providerStatus: 'Success', amountMinor: 700, currency: 'EUR' });
    const script: Script = {
      pages: {
        reservepay: [
          { refunds: [ours('refund-p1', { providerRefundId: 'rfn_1' })], nextPageToken: '1' },
          { refunds: [ours('refund-p2', { providerRefundId: 'rfn_2' })], nextPageToken: '2' },
          { refunds: [ours('refund-p3', { providerRefundId: 'rfn_3', amountMinor: 500 })] },
        ],
      },
      records: (input) => ({ records: input.payments.length ? [theirs('rfn_1'), theirs('rfn_2'), theirs('rfn_3', { amountMinor: 400 })] : [], unreadable: [] }),
      // Ours of the payments: rfn_1..3 belong to the pages' refunds (pay_1); 42011 has an older refund of ours.
      elsewhere: (keys) => (keys.includes('42011') ? [ours('refund-older', { provider: 'secpaid', paymentKey: '42011', payment: { payId: '42011' }, currency: 'EUR' })] : [ours('refund-p1', { providerRefundId: 'rfn_1' }), ours('refund-p2', { providerRefundId: 'rfn_2' }), ours('refund-p3', { providerRefundId: 'rfn_3' })]),
      secpaidPages: [
        { records: [entry('42011', '20261130-pi-0000000011'), entry('777', '20261130-pi-0000000077')], more: true },
        { records: [entry('888', '20261130-pi-0000000088')], more: false },
      ],
    };
    await withWorker(script, async (taskQueue) => {
      const report = await run(taskQueue, { window: WINDOW, providers: ['reservepay', 'secpaid'], pagesPerRun: 1 });
      // 3 pages of ours, 1 of SecPaid's (empty), 2 of the sweep; a new run before each page that follows another of its kind.
      expect(report.progress).toMatchObject({ runs: 4, pages: 6, ours: 3 });
      expect(report.mismatches.map((m) => [m.kind, m.refundId ?? m.paymentKey])).toEqual([
        ['amount_differs', 'refund-p3'],
        ['unknown_refund', '777'],
        ['unknown_refund', '888'],
      ]);
      expect(report.totals.reservepay?.ours).toEqual({ approved: { count: 3, amounts: { THB: 2500 } } });
      // Each page read the three records of pay_1; two matched nothing on their page and were found elsewhere.
      expect(report.totals.reservepay?.matched).toBe(3);
      expect(report.totals.secpaid).toEqual({ ours: {}, provider: { approved: { count: 2, amounts: { EUR: 1400 } } }, matched: 0, mismatches: { unknown_refund: 2 } });
    });
  });
});
