/**
 * Records the replay corpus: runs each scenario below with scripted activities and writes the
 * history of every workflow it names to test/replay/histories/<version>/<name>.json (the proto
 * JSON form of `historyToJSON`, loadable by `historyFromJSON` and the same as
 * `temporal workflow show --output json`), with a sidecar <name>.meta.json (workflowId,
 * workflowType, recordedAt, description, ...) that test/replay/replay.test.ts reads.
 *
 *   npx tsx test/replay/record.ts                 # record every scenario whose files are missing
 *   npx tsx test/replay/record.ts --only NAME     # only this scenario (repeatable); v2/NAME or v1/NAME where both versions have one
 *   npx tsx test/replay/record.ts --force         # re-record even if the files exist (see docs/replay.md)
 *   npx tsx test/replay/record.ts --out DIR       # write under DIR instead (a trial recording)
 *   npx tsx test/replay/record.ts --list          # print the scenarios
 *
 * A recorded history stands for executions running in production on the code that recorded it:
 * never re-record an existing one to make the replay test pass. Most scenarios run on the
 * time-skipping test server (test/helpers/time-skipping.ts: its bundle of workflows/index.ts,
 * its strict fake activities); the `prod-*` ones run on a dev server with the search attributes
 * and start options of RefundsClient.create, as production refunds are started.
 *
 * v1 scenarios (the frozen refundWorkflow and paymentLedgerWorkflow) are below; v2 scenarios
 * (`refund` and `paymentLock`) are in scenarios-v2.ts. A v2 worker registers the `refund`
 * workflow's activity names (scenario.ts V2_ACTIVITY_NAMES); a history in which an activity the
 * scenario did not script failed (UnexpectedActivity, ScriptEnded) is refused, not written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createLedgerActivities } from '../../activities/ledger.js';
import type { OpenpaydGetStatusResult, OpenpaydSubmitRefundResult, ReservepayRefundView } from '../../activities/types.js';
import { paymentKey, parseRefundRequest, refundIdFor, refundSummary, requestedAmount, type RefundRequestInput } from '../../domain/refund.js';
import { startDevServer } from '../../scripts/dev-server.js';
import { refundWorkflow } from '../../workflows/index.js';
import { RefundAmountKey, RefundCurrencyKey, RefundPaymentIdKey, RefundProviderKey, RefundStatusKey } from '../../workflows/search-attributes.js';
import { ledgerIdFor } from '../../workflows/v1/ledger.js';
import { approveRefundUpdate, cancelRefundUpdate, rejectRefundUpdate, resolveRefundUpdate } from '../../workflows/messages.js';
import {
  createTimeSkippingEnv,
  DAY,
  finish,
  gate,
  HOUR,
  MINUTE,
  newWorker,
  plainClient,
  providerFailure,
  strictActivities,
  startRefundAt,
  stillPending,
  waitForState,
  workflowBundle,
  type FakeActivities,
  type Harness,
  type RefundHandle,
} from '../helpers/time-skipping.js';
import { HISTORIES_DIR as DEFAULT_HISTORIES_DIR, historyFiles, historyFromProtoJSON, historyToProtoJSON, type HistoryMeta } from './corpus.js';
import { V2_ACTIVITY_NAMES, type Output, type Scenario, type ScenarioContext, type V2Activities } from './scenario.js';
import { V2 } from './scenarios-v2.js';

// ---------------------------------------------------------------------------------------------
// Scripted providers (the same shapes as test/workflow/*.test.ts)
// ---------------------------------------------------------------------------------------------

const OPENPAYD_PAYMENT = { transactionId: 'tx_9001', referenceNo: 'order-9001' };
const openpayd = (key: string, extra: Partial<RefundRequestInput> = {}): RefundRequestInput =>
  ({ idempotencyKey: key, provider: 'openpayd', payment: OPENPAYD_PAYMENT, amount: 'full', currency: 'EUR', ...extra }) as RefundRequestInput;
const opAnswer = (outcome: OpenpaydSubmitRefundResult['outcome'], code: string, providerStatus: string, message: string, amountMinor?: number): OpenpaydSubmitRefundResult => ({
  outcome,
  code,
  providerStatus,
  message,
  ...(amountMinor !== undefined ? { amountMinor } : {}),
});
const opStatus = (...mine: OpenpaydGetStatusResult['refunds']): OpenpaydGetStatusResult => ({
  paymentStatus: 'APPROVED',
  refundedAmountMinor: 100,
  refunds: [{ refundId: 'rf_old', amountMinor: 100, status: 'approved', providerStatus: 'APPROVED' }, ...mine],
});

const reservepay = (key: string, extra: Partial<RefundRequestInput> = {}): RefundRequestInput =>
  ({ idempotencyKey: key, provider: 'reservepay', payment: { paymentId: 'pay_1' }, amount: 15000, currency: 'THB', ...extra }) as RefundRequestInput;
const rpView = (refundId: string, status: ReservepayRefundView['status'], amountMinor = 15000, paymentId = 'pay_1'): ReservepayRefundView => ({
  refundId,
  paymentId,
  status,
  providerStatus: status === 'succeeded' ? 'successful' : status,
  amountMinor,
  currency: 'THB',
  createdAt: '2026-11-22T10:00:00Z',
  refundedAt: status === 'succeeded' ? '2026-11-22T10:00:05Z' : null,
  full: false,
});
const RP_OLD = rpView('rfn_old', 'succeeded', 5000);

/** A Reservepay that keeps the refunds it created, per payment (for the ledger scenarios). */
function reservepayBook(opts: { hold?: (amountMinor: number | undefined) => Promise<void> } = {}): FakeActivities {
  const book = new Map<string, ReservepayRefundView>();
  let n = 0;
  return {
    reservepayListRefunds: async ({ paymentId }) => [...book.values()].filter((r) => r.paymentId === paymentId),
    reservepaySubmitRefund: async ({ paymentId, amountMinor }) => {
      await opts.hold?.(amountMinor);
      const refundId = `rfn_${++n}`;
      book.set(refundId, rpView(refundId, 'succeeded', amountMinor ?? 10_000, paymentId));
      return { outcome: 'created', refundId };
    },
    reservepayFindRefund: async ({ refundId }) => book.get(refundId)!,
  };
}

const linkmoney = (key: string, payment: { settledAt?: string } = {}, extra: Partial<RefundRequestInput> = {}): RefundRequestInput =>
  ({ idempotencyKey: key, provider: 'linkmoney', payment: { paymentId: 'pay_lm_1', ...payment }, amount: 1999, currency: 'USD', ...extra }) as RefundRequestInput;
const LM_REFUND = 'lm_rf_1';
const lmView = (providerStatus: string, status: 'pending' | 'authorized' | 'failed' | 'unknown', extra: object = {}) => ({ refundPaymentId: LM_REFUND, status, providerStatus, ...extra });
const lmAccepted = (providerStatus: string, status: 'pending' | 'authorized' | 'failed' | 'unknown', extra: object = {}) => ({ outcome: 'accepted' as const, ...lmView(providerStatus, status, extra) });
const LONG_AGO = '2020-01-02T15:00:00Z';

const secpaid = (key: string, extra: Partial<RefundRequestInput> = {}): RefundRequestInput =>
  ({ idempotencyKey: key, provider: 'secpaid', payment: { payId: '42011' }, amount: 2500, currency: 'EUR', ...extra }) as RefundRequestInput;
const SP_SUBMITTED = { outcome: 'submitted', message: 'Refund request submitted successfully' } as const;
const SP_ENTRY = { found: true, transactionId: '20261123-pi-0000000001', amountMinor: 2500, createdAt: '2026-11-23 10:00:00', providerStatus: 'Success' } as const;
const spAwaitingReview = (): FakeActivities => ({
  secpaidSubmitRefund: async () => SP_SUBMITTED,
  secpaidAwaitRefund: async () => {
    throw stillPending('no SecPaid Refund entry for pay_id 42011 yet');
  },
});

const CALLBACK_URL = 'https://merchant.example/hooks/refunds';
const delivered = async () => ({ httpStatus: 200, deliveredAt: new Date().toISOString(), attempt: Context.current().info.attempt });

/** The key of a scenario's refund: its workflow id is refund-<key>, stable across recordings. */
const key = (scenario: string, suffix = '') => `replay-${scenario}${suffix}`;

/** Start one refund on a fresh worker, let `drive` act on it, then run it to its end. */
async function oneRefund(ctx: ScenarioContext, fakes: FakeActivities, request: RefundRequestInput, drive?: (handle: RefundHandle) => Promise<void>): Promise<Output[]> {
  const h = await ctx.worker(fakes);
  return h.worker.runUntil(async () => {
    const handle = await startRefundAt(h, request);
    await drive?.(handle);
    await finish(ctx.env, handle);
    return [{ handle }];
  });
}

/** Skip past the ledger's idle lifetime (30 days) so that it ends, and wait until it has. */
async function endLedger(env: TestWorkflowEnvironment, handle: WorkflowHandle): Promise<void> {
  await env.sleep(31 * DAY);
  for (let i = 0; ; i++) {
    if ((await handle.describe()).status.name !== 'RUNNING') return;
    if (i > 200) throw new Error(`ledger ${handle.workflowId} still running after its idle lifetime`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function ledgerHandle(h: Harness, request: RefundRequestInput): WorkflowHandle {
  const parsed = parseRefundRequest(request);
  return plainClient(h.env).workflow.getHandle(ledgerIdFor(h.taskQueue, parsed.provider, paymentKey(parsed)));
}

const realLedger = () => ({ claimRefundSlot: createLedgerActivities().claimRefundSlot });

/** Start a v1 refund with the options RefundsClient.create gave it before the redesign (client/refunds-client.ts at 1a15fed). */
function startAsProduction(h: Harness, input: RefundRequestInput): Promise<RefundHandle> {
  const request = parseRefundRequest(input);
  const amount = requestedAmount(request);
  return plainClient(h.env).workflow.start(refundWorkflow, {
    taskQueue: h.taskQueue,
    workflowId: refundIdFor(request.idempotencyKey),
    args: [{ request }],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    staticSummary: refundSummary(request),
    staticDetails: `Idempotency key: ${request.idempotencyKey}${request.reason ? `\nReason: ${request.reason}` : ''}`,
    memo: { request },
    typedSearchAttributes: [
      { key: RefundStatusKey, value: 'pending' },
      { key: RefundProviderKey, value: request.provider },
      { key: RefundPaymentIdKey, value: paymentKey(request) },
      ...(amount !== undefined ? [{ key: RefundAmountKey, value: amount }] : []),
      { key: RefundCurrencyKey, value: request.currency },
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// The scenarios: every path of the v1 refund workflow and payment ledger
// ---------------------------------------------------------------------------------------------

const V1: Omit<Scenario, 'version'>[] = [
  // OpenPayd --------------------------------------------------------------------------------
  {
    name: 'openpayd-approved',
    description: 'OpenPayd full refund answered APPROVED 00 at once -> approved',
    run: (ctx) => oneRefund(ctx, { openpaydGetStatus: async () => opStatus(), openpaydSubmitRefund: async () => opAnswer('approved', '00', 'APPROVED', 'Approved', 5000) }, openpayd(key('openpayd-approved'))),
  },
  {
    name: 'openpayd-declined',
    description: 'OpenPayd partial refund answered DECLINED 188 -> rejected with code and message',
    run: (ctx) =>
      oneRefund(ctx, { openpaydGetStatus: async () => opStatus(), openpaydSubmitRefund: async () => opAnswer('declined', '188', 'DECLINED', 'Amount is required') }, openpayd(key('openpayd-declined'), { amount: 1500 })),
  },
  {
    name: 'openpayd-pending-then-approved',
    description: 'OpenPayd answered PENDING 283 Waiting -> follow-up poll (StillPending x2, retries) -> APPROVED -> approved',
    run: (ctx) => {
      let polls = 0;
      return oneRefund(
        ctx,
        {
          openpaydGetStatus: async () => opStatus(),
          openpaydSubmitRefund: async () => opAnswer('pending', '283', 'PENDING', 'Waiting'),
          openpaydAwaitRefund: async () => {
            if (++polls <= 2) throw stillPending('OpenPayd refund rf_new is PENDING');
            return { refundId: 'rf_new', status: 'APPROVED', outcome: 'approved', amountMinor: 5000 };
          },
        },
        openpayd(key('openpayd-pending-then-approved')),
      );
    },
  },
  {
    name: 'openpayd-lost-answer-found-by-lookup',
    description: 'OpenPayd submission answer lost (ProviderAmbiguous) -> settle timer -> status read shows a new refund -> follow-up -> approved; submitted once',
    run: (ctx) => {
      let reads = 0;
      return oneRefund(
        ctx,
        {
          openpaydGetStatus: async () => (++reads === 1 ? opStatus() : opStatus({ refundId: 'rf_new', amountMinor: 5000, status: 'pending', providerStatus: 'PENDING' })),
          openpaydSubmitRefund: async () => {
            throw providerFailure('ProviderAmbiguous', 'socket hang up');
          },
          openpaydAwaitRefund: async () => ({ refundId: 'rf_new', status: 'APPROVED', outcome: 'approved', amountMinor: 5000 }),
        },
        openpayd(key('openpayd-lost-answer-found-by-lookup')),
      );
    },
  },

  // Reservepay ------------------------------------------------------------------------------
  {
    name: 'reservepay-succeeded',
    description: 'Reservepay refund created, find-refund says succeeded -> approved',
    run: (ctx) =>
      oneRefund(
        ctx,
        { reservepayListRefunds: async () => [RP_OLD], reservepaySubmitRefund: async () => ({ outcome: 'created', refundId: 'rfn_1' }), reservepayFindRefund: async () => rpView('rfn_1', 'succeeded') },
        reservepay(key('reservepay-succeeded')),
      ),
  },
  {
    name: 'reservepay-rejected-not-refundable',
    description: 'Reservepay answered [NOT_REFUNDABLE, ...] to the first submission -> rejected, no look-up',
    run: (ctx) =>
      oneRefund(
        ctx,
        { reservepayListRefunds: async () => [RP_OLD], reservepaySubmitRefund: async () => ({ outcome: 'rejected', code: 'NOT_REFUNDABLE', message: 'payment is not refundable', details: null }) },
        reservepay(key('reservepay-rejected-not-refundable')),
      ),
  },
  {
    name: 'reservepay-rejected-amount-exceeds-limit',
    description: 'Reservepay answered [AMOUNT_EXCEEDS_LIMIT, ...] -> rejected with code and message',
    run: (ctx) =>
      oneRefund(
        ctx,
        { reservepayListRefunds: async () => [RP_OLD], reservepaySubmitRefund: async () => ({ outcome: 'rejected', code: 'AMOUNT_EXCEEDS_LIMIT', message: 'amount exceeds the refundable amount', details: null }) },
        reservepay(key('reservepay-rejected-amount-exceeds-limit')),
      ),
  },
  {
    name: 'reservepay-lost-answer-found-by-lookup',
    description: 'Reservepay submission answer lost (ProviderAmbiguous) -> settle timer -> list-refunds shows a new refund of our amount -> find-refund succeeded -> approved; submitted once',
    run: (ctx) => {
      let lists = 0;
      return oneRefund(
        ctx,
        {
          reservepayListRefunds: async () => (++lists === 1 ? [RP_OLD] : [RP_OLD, rpView('rfn_new', 'succeeded')]),
          reservepaySubmitRefund: async () => {
            throw providerFailure('ProviderAmbiguous', 'socket hang up');
          },
          reservepayFindRefund: async () => rpView('rfn_new', 'succeeded'),
        },
        reservepay(key('reservepay-lost-answer-found-by-lookup')),
      );
    },
  },

  // Link Money ------------------------------------------------------------------------------
  {
    name: 'linkmoney-authorized-at-submission',
    description: 'Link Money answered AUTHORIZED to the submission -> authorized, no timer',
    run: (ctx) => oneRefund(ctx, { linkmoneySubmitRefund: async () => lmAccepted('AUTHORIZED', 'authorized') }, linkmoney(key('linkmoney-authorized-at-submission'))),
  },
  {
    name: 'linkmoney-settlement-hold-then-authorized',
    description: 'Link Money answered PENDING, payment settled an hour before -> durable timer to 3 business days + 5 min -> status read AUTHORIZED -> authorized',
    run: async (ctx) => {
      const settledAt = new Date((await ctx.env.currentTimeMs()) - HOUR).toISOString();
      let reads = 0;
      return oneRefund(
        ctx,
        {
          linkmoneySubmitRefund: async () => lmAccepted('PENDING', 'pending'),
          linkmoneyGetRefundStatus: async () => {
            reads++;
            return lmView('AUTHORIZED', 'authorized');
          },
        },
        linkmoney(key('linkmoney-settlement-hold-then-authorized'), { settledAt }),
        async (handle) => {
          const waiting = await waitForState(handle, (s) => s.nextCheckAt !== undefined);
          if (reads !== 0 || Date.parse(waiting.nextCheckAt!) - (await ctx.env.currentTimeMs()) < DAY) throw new Error(`expected a settlement-hold timer of days, got ${waiting.nextCheckAt}`);
        },
      );
    },
  },
  {
    name: 'linkmoney-terminal-failed',
    description: 'Link Money answered PENDING, hold long over -> status read TERMINAL_FAILED CUSTOMER_NOT_DEBITED -> failed with errorDetails',
    run: (ctx) =>
      oneRefund(
        ctx,
        {
          linkmoneySubmitRefund: async () => lmAccepted('PENDING', 'pending'),
          linkmoneyGetRefundStatus: async () => lmView('TERMINAL_FAILED', 'failed', { errorDetails: { errorCode: 'CUSTOMER_NOT_DEBITED', errorMessage: 'The original debit failed' } }),
        },
        linkmoney(key('linkmoney-terminal-failed'), { settledAt: LONG_AGO }),
      ),
  },
  {
    name: 'linkmoney-terminal-failed-at-submission',
    description: 'Link Money answered TERMINAL_FAILED to the submission -> failed at once with errorDetails',
    run: (ctx) =>
      oneRefund(
        ctx,
        { linkmoneySubmitRefund: async () => lmAccepted('TERMINAL_FAILED', 'failed', { errorDetails: { errorCode: 'CUSTOMER_NOT_DEBITED', errorMessage: 'not debited' } }) },
        linkmoney(key('linkmoney-terminal-failed-at-submission')),
      ),
  },
  {
    name: 'linkmoney-lost-answer-found-by-request-key',
    description: 'Link Money submission answer lost (ProviderAmbiguous) -> settle timer -> look-up by requestKey finds ours PENDING -> status read AUTHORIZED -> authorized; submitted once',
    run: (ctx) =>
      oneRefund(
        ctx,
        {
          linkmoneySubmitRefund: async () => {
            throw providerFailure('ProviderAmbiguous', 'socket hang up after the request was sent');
          },
          linkmoneyFindRefundByRequestKey: async () => lmView('PENDING', 'pending'),
          linkmoneyGetRefundStatus: async () => lmView('AUTHORIZED', 'authorized'),
        },
        linkmoney(key('linkmoney-lost-answer-found-by-request-key'), { settledAt: LONG_AGO }),
      ),
  },

  // SecPaid ---------------------------------------------------------------------------------
  {
    name: 'secpaid-approved-by-polling',
    description: 'SecPaid submitted -> admin-review poll (StillPending x3, retries) finds the negative Refund entry -> approved',
    run: (ctx) => {
      let polls = 0;
      return oneRefund(
        ctx,
        {
          secpaidSubmitRefund: async () => SP_SUBMITTED,
          secpaidAwaitRefund: async () => {
            if (++polls <= 3) throw stillPending('no SecPaid Refund entry for pay_id 42011 yet');
            return SP_ENTRY;
          },
        },
        secpaid(key('secpaid-approved-by-polling')),
      );
    },
  },
  {
    name: 'secpaid-approved-by-operator',
    description: 'SecPaid submitted, awaiting admin review (polling) -> operator approveRefund update -> approved, poll canceled',
    run: (ctx) =>
      oneRefund(ctx, spAwaitingReview(), secpaid(key('secpaid-approved-by-operator')), async (handle) => {
        await waitForState(handle, (s) => s.polling !== undefined);
        await ctx.env.sleep(HOUR);
        await handle.executeUpdate(approveRefundUpdate, { args: [{ operator: 'ops@example.com', note: 'approved in the SecPaid dashboard' }] });
      }),
  },
  {
    name: 'secpaid-rejected-by-operator',
    description: 'SecPaid submitted, awaiting admin review (polling) -> operator rejectRefund update with the reason -> rejected, poll canceled',
    run: (ctx) =>
      oneRefund(ctx, spAwaitingReview(), secpaid(key('secpaid-rejected-by-operator')), async (handle) => {
        await waitForState(handle, (s) => s.polling !== undefined);
        await ctx.env.sleep(20 * MINUTE);
        await handle.executeUpdate(rejectRefundUpdate, { args: [{ operator: 'ops@example.com', reason: 'merchant disputes the refund' }] });
      }),
  },
  {
    name: 'secpaid-review-timeout-then-resolved',
    description: 'SecPaid submitted, no review outcome in 14 days -> needs_attention with a slow check twice a day -> operator resolveRefund approved',
    run: (ctx) =>
      oneRefund(ctx, spAwaitingReview(), secpaid(key('secpaid-review-timeout-then-resolved')), async (handle) => {
        await waitForState(handle, (s) => s.polling !== undefined);
        await ctx.env.sleep(14 * DAY + HOUR);
        await waitForState(handle, (s) => s.status === 'needs_attention' && s.polling !== undefined);
        await ctx.env.sleep(DAY);
        await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'approved', note: 'seen approved in the SecPaid dashboard', operator: 'ops@example.com' }] });
      }),
  },

  // Operator actions and cross-cutting --------------------------------------------------------
  {
    name: 'cancel-before-submission',
    description: 'SecPaid refund started together with a cancelRefund update (executeUpdateWithStart) -> canceled before anything is submitted',
    run: async (ctx) => {
      const h = await ctx.worker(spAwaitingReview());
      const request = parseRefundRequest(secpaid(key('cancel-before-submission')));
      const op = new WithStartWorkflowOperation(refundWorkflow, {
        workflowId: refundIdFor(request.idempotencyKey),
        taskQueue: h.taskQueue,
        args: [{ request }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      return h.worker.runUntil(async () => {
        const state = await plainClient(ctx.env).workflow.executeUpdateWithStart(cancelRefundUpdate, { args: [{ operator: 'ops', note: 'duplicate request' }], startWorkflowOperation: op });
        if (state.status !== 'canceled') throw new Error(`expected canceled, got ${state.status}`);
        const handle = await op.workflowHandle();
        await finish(ctx.env, handle);
        return [{ handle }];
      });
    },
  },
  {
    name: 'needs-attention-auth-then-resolved',
    description: 'OpenPayd refused our credentials (ProviderAuth) -> needs_attention -> operator resolveRefund failed',
    run: (ctx) =>
      oneRefund(
        ctx,
        {
          openpaydGetStatus: async () => opStatus(),
          openpaydSubmitRefund: async () => {
            throw providerFailure('ProviderAuth', 'Invalid apiKey', { providerCode: '99' });
          },
        },
        openpayd(key('needs-attention-auth-then-resolved')),
        async (handle) => {
          await waitForState(handle, (s) => s.status === 'needs_attention');
          await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'failed', note: 'apiKey rotated; nothing was refunded, customer asked to retry', operator: 'ops@example.com' }] });
        },
      ),
  },
  {
    name: 'callback-delivered',
    description: 'Reservepay refund with a callbackUrl -> approved; the status change is delivered by the deliverCallback activity before the workflow ends',
    run: (ctx) =>
      oneRefund(
        ctx,
        {
          reservepayListRefunds: async () => [],
          reservepaySubmitRefund: async () => ({ outcome: 'created', refundId: 'rfn_1' }),
          reservepayFindRefund: async () => rpView('rfn_1', 'succeeded'),
          deliverCallback: delivered,
        },
        reservepay(key('callback-delivered'), { callbackUrl: CALLBACK_URL }),
      ),
  },
  {
    name: 'callback-refused-then-delivered',
    description: 'OpenPayd refund with a callbackUrl: ProviderAuth -> needs_attention (callback refused by the receiver, CallbackRefused) -> resolveRefund failed (callback delivered)',
    run: (ctx) => {
      let deliveries = 0;
      return oneRefund(
        ctx,
        {
          openpaydGetStatus: async () => opStatus(),
          openpaydSubmitRefund: async () => {
            throw providerFailure('ProviderAuth', 'Invalid apiKey');
          },
          deliverCallback: async () => {
            if (++deliveries === 1) throw providerFailure('CallbackRefused', 'the receiver answered HTTP 410');
            return delivered();
          },
        },
        openpayd(key('callback-refused-then-delivered'), { callbackUrl: CALLBACK_URL }),
        async (handle) => {
          await waitForState(handle, (s) => s.status === 'needs_attention' && s.callbacks?.[0]?.state === 'failed');
          await handle.executeUpdate(resolveRefundUpdate, { args: [{ status: 'failed', note: 'credentials fixed; refund to be requested again', operator: 'ops' }] });
        },
      );
    },
  },

  // The payment ledger (real paymentLedgerWorkflow, claimed through the real activity) ---------
  {
    name: 'ledger-serialised',
    description: 'Two Reservepay refunds of one payment through the real payment ledger: the second waits until the first (its submission held in flight) releases the slot; both approved; the ledger ends after its idle lifetime',
    run: async (ctx) => {
      const held = gate();
      const h = await ctx.worker({ ...realLedger(), ...reservepayBook({ hold: async (amount) => (amount === 3000 ? held.promise : undefined) }) });
      const first = reservepay(key('ledger-serialised', '-first'), { payment: { paymentId: 'pay_ledger_1' }, amount: 3000, originalAmount: 10_000 });
      const second = reservepay(key('ledger-serialised', '-second'), { payment: { paymentId: 'pay_ledger_1' }, amount: 2000, originalAmount: 10_000 });
      return h.worker.runUntil(async () => {
        try {
          const a = await startRefundAt(h, first);
          await waitForState(a, (s) => s.slot === 'held' && s.submitAttempts === 1);
          const b = await startRefundAt(h, second);
          await waitForState(b, (s) => s.slot === 'waiting');
          held.open();
          if ((await finish(ctx.env, a)).status !== 'approved') throw new Error('first refund not approved');
          if ((await finish(ctx.env, b)).status !== 'approved') throw new Error('second refund not approved');
          const ledger = ledgerHandle(h, first);
          await endLedger(ctx.env, ledger);
          return [
            { part: 'first', handle: a },
            { part: 'second', handle: b },
            { part: 'ledger', handle: ledger },
          ];
        } finally {
          held.open();
        }
      });
    },
  },
  {
    name: 'ledger-refused-over-remaining',
    description: 'Real payment ledger: a Reservepay refund of 70.00 of 100.00 approved, then one of 50.00 is refused by the ledger (more than the 30.00 left) -> rejected before submission',
    run: async (ctx) => {
      const h = await ctx.worker({ ...realLedger(), ...reservepayBook() });
      const first = reservepay(key('ledger-refused-over-remaining', '-first'), { payment: { paymentId: 'pay_ledger_2' }, amount: 7000, originalAmount: 10_000 });
      const tooMuch = reservepay(key('ledger-refused-over-remaining'), { payment: { paymentId: 'pay_ledger_2' }, amount: 5000, originalAmount: 10_000 });
      return h.worker.runUntil(async () => {
        const a = await startRefundAt(h, first);
        if ((await finish(ctx.env, a)).status !== 'approved') throw new Error('first refund not approved');
        const b = await startRefundAt(h, tooMuch);
        const refused = await finish(ctx.env, b);
        if (refused.status !== 'rejected' || refused.submitAttempts !== 0) throw new Error(`expected rejected before submission, got ${refused.status}`);
        const ledger = ledgerHandle(h, first);
        await endLedger(ctx.env, ledger);
        return [{ handle: b }, { part: 'ledger', handle: ledger }];
      });
    },
  },
  {
    name: 'ledger-cancel-while-waiting',
    description: 'Real payment ledger: a Reservepay refund waiting for its turn (another one holds the slot) is canceled by cancelRefund and withdraws its claim; never submitted',
    run: async (ctx) => {
      const held = gate();
      const h = await ctx.worker({ ...realLedger(), ...reservepayBook({ hold: async (amount) => (amount === 1000 ? held.promise : undefined) }) });
      const holder = reservepay(key('ledger-cancel-while-waiting', '-holder'), { payment: { paymentId: 'pay_ledger_3' }, amount: 1000 });
      const waiting = reservepay(key('ledger-cancel-while-waiting'), { payment: { paymentId: 'pay_ledger_3' }, amount: 2000 });
      return h.worker.runUntil(async () => {
        try {
          const a = await startRefundAt(h, holder);
          await waitForState(a, (s) => s.slot === 'held' && s.submitAttempts === 1);
          const b = await startRefundAt(h, waiting);
          await waitForState(b, (s) => s.slot === 'waiting');
          const canceled = await b.executeUpdate(cancelRefundUpdate, { args: [{ operator: 'ops', note: 'customer withdrew' }] });
          if (canceled.status !== 'canceled') throw new Error(`expected canceled, got ${canceled.status}`);
          if ((await finish(ctx.env, b)).submitAttempts !== 0) throw new Error('the canceled refund was submitted');
          held.open();
          if ((await finish(ctx.env, a)).status !== 'approved') throw new Error('the holder was not approved');
          const ledger = ledgerHandle(h, holder);
          await endLedger(ctx.env, ledger);
          return [{ handle: b }, { part: 'ledger', handle: ledger }];
        } finally {
          held.open();
        }
      });
    },
  },

  // As production started v1 refunds (RefundsClient.create of the v1 era): search attributes, ---
  // memo, static summary and details, on a dev server (the test server knows no custom attributes).
  {
    name: 'prod-reservepay-succeeded',
    server: 'dev',
    description: 'Started as production started v1 refunds (search attributes, memo, static summary: the workflow upserts RefundStatus) on a dev server, real payment ledger; Reservepay succeeded -> approved',
    run: async (ctx) => {
      const h = await ctx.worker({ ...realLedger(), ...reservepayBook() });
      const request = reservepay(key('prod-reservepay-succeeded'), { payment: { paymentId: 'pay_prod_1' }, amount: 25050, originalAmount: 100_000 });
      return h.worker.runUntil(async () => {
        const handle = await startAsProduction(h, request);
        if ((await handle.result()).status !== 'approved') throw new Error('not approved');
        return [{ handle }, { part: 'ledger', handle: ledgerHandle(h, request) }];
      });
    },
  },
  {
    name: 'prod-secpaid-approved-by-operator',
    server: 'dev',
    description: 'Started as production started v1 refunds (search attributes upserted on each status change) on a dev server, real payment ledger; SecPaid submitted, awaiting review -> approveRefund update -> approved',
    run: async (ctx) => {
      const h = await ctx.worker({ ...realLedger(), ...spAwaitingReview() });
      return h.worker.runUntil(async () => {
        const handle = await startAsProduction(h, secpaid(key('prod-secpaid-approved-by-operator'), { payment: { payId: '42099' } }));
        await waitForState(handle, (s) => s.polling !== undefined);
        await handle.executeUpdate(approveRefundUpdate, { args: [{ operator: 'ops@example.com', note: 'approved in the SecPaid dashboard' }] });
        if ((await handle.result()).status !== 'approved') throw new Error('not approved');
        return [{ handle }];
      });
    },
  },
];

const SCENARIOS: Scenario[] = [...V1.map((s) => ({ ...s, version: 'v1' as const })), ...V2];

/** The workflow types each version folder holds: a scenario that starts another type is a mistake. */
const VERSION_TYPES: Record<Scenario['version'], string[]> = { v1: ['refundWorkflow', 'paymentLedgerWorkflow'], v2: ['refund', 'paymentLock'] };
/** The refund workflow type of each version (its result is the refund's state). */
const REFUND_TYPES: Record<Scenario['version'], string> = { v1: 'refundWorkflow', v2: 'refund' };
/** Where each version's workflow code lives, for the sidecar's workflowCode. */
const VERSION_CODE: Record<Scenario['version'], string> = {
  v1: 'workflows/v1/',
  v2: 'workflows/ (refund.ts, submission.ts, waiting.ts, lifecycle.ts, handlers.ts, callbacks.ts, payment-lock.ts)',
};

/** A worker on `taskQueue` with the v2 activity names; any activity not given fails at once, naming itself. */
async function v2Worker(env: TestWorkflowEnvironment, activities: V2Activities, taskQueue: string): Promise<Harness> {
  const strict = strictActivities(activities as FakeActivities) as unknown as Record<string, (...args: never[]) => Promise<unknown>>;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: Object.fromEntries(V2_ACTIVITY_NAMES.map((n) => [n, strict[n]!])),
  });
  return { env, taskQueue, worker };
}

/**
 * Failures of activities the scenario did not give or whose script ran out: a history that
 * shows one was recorded from a scripting mistake, not from a path of the workflow.
 */
const SCRIPTING_FAILURES = ['UnexpectedActivity', 'ScriptEnded'];
function scriptingMistakes(history: ReturnType<typeof historyFromProtoJSON>): string[] {
  return (history.events ?? []).flatMap((e) => {
    const failure = e.activityTaskFailedEventAttributes?.failure;
    const type = failure?.applicationFailureInfo?.type;
    return type && SCRIPTING_FAILURES.includes(type) ? [`event ${String(e.eventId)}: ${type}: ${failure?.message ?? ''}`] : [];
  });
}

// ---------------------------------------------------------------------------------------------
// Recording
// ---------------------------------------------------------------------------------------------

function fileBase(s: Scenario, part?: string): string {
  return part ? `${s.name}-${part}` : s.name;
}

const source = sourceOfWorkflowCode();

/** Where histories go: test/replay/histories, or --out DIR (a trial recording to look at first). */
let HISTORIES_DIR = DEFAULT_HISTORIES_DIR;

async function record(s: Scenario, ctx: ScenarioContext): Promise<{ file: string; meta: HistoryMeta }[]> {
  const outputs = await s.run(ctx);
  const dir = join(HISTORIES_DIR, s.version);
  mkdirSync(dir, { recursive: true });
  const written: { file: string; meta: HistoryMeta }[] = [];
  for (const out of outputs) {
    const history = await out.handle.fetchHistory();
    const json = historyToProtoJSON(history);
    const loaded = historyFromProtoJSON(JSON.parse(json)); // what the replay test does
    const started = loaded.events?.[0]?.workflowExecutionStartedEventAttributes;
    if (!started?.workflowType?.name) throw new Error(`${s.name}: history of ${out.handle.workflowId} does not start with WorkflowExecutionStarted`);
    if (!VERSION_TYPES[s.version].includes(started.workflowType.name)) {
      throw new Error(`${s.name}: recorded a ${started.workflowType.name}, not a ${s.version} workflow (${VERSION_TYPES[s.version].join(', ')})`);
    }
    const mistakes = scriptingMistakes(loaded);
    if (mistakes.length) throw new Error(`${s.name}: history of ${out.handle.workflowId} shows activities the scenario did not script:\n  ${mistakes.join('\n  ')}`);
    const desc = await out.handle.describe();
    let refundStatus: string | undefined;
    if (started.workflowType.name === REFUND_TYPES[s.version]) {
      const completed = loaded.events?.at(-1)?.workflowExecutionCompletedEventAttributes;
      const payload = completed?.result?.payloads?.[0]?.data;
      if (payload) refundStatus = (JSON.parse(Buffer.from(payload).toString('utf8')) as { status: string }).status;
    }
    const base = fileBase(s, out.part);
    const meta: HistoryMeta = {
      scenario: s.name,
      description: out.part ? `${s.description} [${out.part}]` : s.description,
      workflowId: out.handle.workflowId,
      runId: desc.runId,
      workflowType: started.workflowType.name,
      taskQueue: started.taskQueue?.name ?? '',
      executionStatus: desc.status.name,
      ...(refundStatus ? { refundStatus } : {}),
      eventCount: loaded.events?.length ?? 0,
      recordedAt: new Date().toISOString(),
      recordedOn: s.server === 'dev' ? 'dev server' : 'time-skipping test server',
      workflowCode: `${VERSION_CODE[s.version]} (registered through workflows/index.ts) at ${source.commit}${source.dirty.length ? ' WITH UNCOMMITTED CHANGES' : ''}`,
    };
    writeFileSync(join(dir, `${base}.json`), json.endsWith('\n') ? json : `${json}\n`);
    writeFileSync(join(dir, `${base}.meta.json`), `${JSON.stringify(meta, null, 2)}\n`);
    written.push({ file: `${s.version}/${base}.json`, meta });
  }
  return written;
}

/** Whether the scenario has been recorded: a sidecar in its version folder names it. */
function alreadyRecorded(s: Scenario): boolean {
  const dir = join(HISTORIES_DIR, s.version);
  if (!existsSync(dir)) return false;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.meta.json'))
    .some((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as Partial<HistoryMeta>).scenario === s.name);
}

/** The commit the workflow code comes from, and whether workflow code differs from it (uncommitted changes). */
function sourceOfWorkflowCode(): { commit: string; dirty: string[] } {
  const git = (...args: string[]) => spawnSync('git', args, { encoding: 'utf8' });
  const head = git('rev-parse', 'HEAD');
  if (head.status !== 0) return { commit: 'unknown (not a git checkout)', dirty: [] };
  // Everything the workflow bundle can contain: workflow code and the pure modules it imports.
  // (And, for the v2 dev-server scenarios, which run the real activities and RefundsClient: activities/, client/.)
  const status = git('status', '--porcelain', '--', 'workflows', 'domain', 'activities', 'client/refunds-client.ts');
  return { commit: head.stdout.trim(), dirty: status.stdout.split('\n').filter(Boolean) };
}

async function main(argv: string[]): Promise<void> {
  const only = argv.flatMap((a, i) => (a === '--only' ? [argv[i + 1] ?? ''] : a.startsWith('--only=') ? [a.slice('--only='.length)] : []));
  const force = argv.includes('--force');
  const out = argv.find((a, i) => argv[i - 1] === '--out');
  if (out) HISTORIES_DIR = resolve(out);
  if (argv.includes('--list')) {
    for (const s of SCENARIOS) console.log(`${s.version}/${s.name}${alreadyRecorded(s) ? '' : ' (not recorded)'}: ${s.description}`);
    return;
  }
  // A scenario is named `<version>/<name>` or, where only one version has that name, `<name>`.
  const matches = (n: string) => SCENARIOS.filter((s) => n === `${s.version}/${s.name}` || n === s.name);
  const unknown = only.filter((n) => matches(n).length === 0);
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')} (see --list)`);
  const ambiguous = only.filter((n) => matches(n).length > 1);
  if (ambiguous.length) throw new Error(`scenario name(s) in more than one version: ${ambiguous.join(', ')}: say which, e.g. --only ${matches(ambiguous[0]!).map((s) => `${s.version}/${s.name}`).join(' or --only ')}`);
  const chosen = SCENARIOS.filter((s) => only.length === 0 || only.some((n) => matches(n).includes(s)));
  const todo = chosen.filter((s) => force || !alreadyRecorded(s));
  for (const s of chosen.filter((c) => !todo.includes(c))) console.log(`skip ${s.version}/${s.name}: already recorded (--force re-records it; read docs/replay.md first)`);
  if (todo.length === 0) return;
  if (source.dirty.length) {
    console.warn(`record: WARNING: workflow code has uncommitted changes; the histories will come from them, not from ${source.commit}:\n  ${source.dirty.join('\n  ')}\n  (record from a clean checkout of the deployed commit: see docs/replay.md)`);
  }

  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // already installed
  }
  await workflowBundle(); // one bundle of workflows/index.ts for every worker

  const written: { file: string; meta: HistoryMeta }[] = [];
  for (const s of todo) {
    const t0 = Date.now();
    const dev = s.server === 'dev' ? await startDevServer({ headless: true, logLevel: 'error' }) : undefined;
    const env = dev ? await TestWorkflowEnvironment.createFromExistingServer({ address: dev.address, namespace: dev.namespace }) : await createTimeSkippingEnv();
    try {
      const taskQueue = s.version === 'v1' ? `replay-${s.name}` : `replay-${s.version}-${s.name}`;
      const ctx: ScenarioContext = { env, worker: (fakes) => newWorker(env, fakes, { taskQueue }), refundWorker: (activities) => v2Worker(env, activities, taskQueue) };
      const files = await record(s, ctx);
      written.push(...files);
      for (const f of files) console.log(`recorded ${f.file}: ${f.meta.workflowType}, ${f.meta.eventCount} events, ${f.meta.executionStatus}${f.meta.refundStatus ? ` (${f.meta.refundStatus})` : ''} [${Date.now() - t0} ms]`);
    } finally {
      await env.teardown();
      await dev?.stop();
    }
  }

  // What was just written must replay on the code that wrote it.
  const check = Worker.runReplayHistories(
    { workflowBundle: await workflowBundle(), replayName: 'record-check' },
    written.map((w) => ({ workflowId: w.meta.workflowId, history: historyFromProtoJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, w.file), 'utf8'))) })),
  );
  let i = 0;
  for await (const r of check) {
    if (r.error) throw new Error(`${written[i]?.file} does not replay on the code that recorded it: ${r.error.message}`);
    i++;
  }
  console.log(`${written.length} histories written and replayed; corpus: ${historyFiles(HISTORIES_DIR).length} histories under ${HISTORIES_DIR}`);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('record:', err);
    process.exit(1);
  },
);
