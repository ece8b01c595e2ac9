/**
 * The activities of the frozen v1 workflows (workflows/v1/): refunds started before the outcome
 * redesign finish on them, so their names, inputs, result shapes and failure types stay exactly
 * as they were. They are built on the same provider clients and transformers as the adapters:
 * each provider's answers go through its one map to a RefundOutcome, and the old shapes below are
 * derived from that outcome (plus the wire fields the old shapes carry verbatim). A refusal in an
 * error body, an outcome for the adapters, is thrown here as the typed failure it used to be.
 *
 * Delete this file with workflows/v1/ (see workflows/v1/README.md).
 */
import type { RefundOutcome } from '../domain/outcome.js';
import { normaliseWire } from '../domain/outcome.js';
import { createLedgerActivities } from './ledger.js';
import { stillPending, type Answer } from './errors.js';
import type { Edge } from './refunds.js';
import * as linkmoney from './linkmoney/client.js';
import * as openpayd from './openpayd/client.js';
import * as reservepay from './reservepay/client.js';
import * as secpaid from './secpaid/client.js';
import { fromOpenpaydAmount } from './openpayd/transformers.js';
import { fromReservepayAmount } from './reservepay/transformers.js';
import type {
  LinkMoneyRefundStatus,
  LinkMoneyRefundView,
  LinkmoneyFindRefundByRequestKeyInput,
  LinkmoneyFindRefundByRequestKeyResult,
  LinkmoneyGetRefundStatusInput,
  LinkmoneyGetRefundStatusResult,
  LinkmoneySubmitRefundInput,
  LinkmoneySubmitRefundResult,
  OpenpaydAwaitRefundInput,
  OpenpaydAwaitRefundResult,
  OpenpaydGetStatusInput,
  OpenpaydGetStatusResult,
  OpenpaydRefundOutcome,
  OpenpaydSubmitRefundInput,
  OpenpaydSubmitRefundResult,
  ProviderConfig,
  ReservepayAwaitRefundInput,
  ReservepayAwaitRefundResult,
  ReservepayFindRefundInput,
  ReservepayFindRefundResult,
  ReservepayListRefundsInput,
  ReservepayListRefundsResult,
  ReservepayRefundStatus,
  ReservepayRefundView,
  ReservepayRejectionCode,
  ReservepaySubmitRefundInput,
  ReservepaySubmitRefundResult,
  SecpaidAwaitRefundInput,
  SecpaidAwaitRefundResult,
  SecpaidFindRefundInput,
  SecpaidFindRefundResult,
  SecpaidSubmitRefundInput,
  SecpaidSubmitRefundResult,
} from './types.js';

export interface V1Deps {
  config: ProviderConfig;
  /** Link Money's configuration with its status path resolved. */
  linkmoney: linkmoney.LinkmoneyClientConfig;
  /** The worker's one Link Money token cache, shared with the adapter. */
  linkmoneyTokens: linkmoney.LinkMoneyTokenCache;
  edge: Edge;
}

// ---------------------------------------------------------------------------------------------
// The old status words, derived from the outcome
// ---------------------------------------------------------------------------------------------

/** Link Money's old view: SUCCEEDED (approved) was "authorized" too. */
function linkmoneyStatus(o: RefundOutcome): LinkMoneyRefundStatus {
  switch (o.kind) {
    case 'final':
      return o.status === 'approved' || o.status === 'authorized' ? 'authorized' : 'failed';
    case 'pending':
      return 'pending';
    default:
      return 'unknown';
  }
}

/** OpenPayd's old outcome: "Already refunded" (exists) and every refusal were "declined". */
function openpaydStatus(o: RefundOutcome): OpenpaydRefundOutcome {
  switch (o.kind) {
    case 'final':
      return o.status === 'approved' ? 'approved' : 'declined';
    case 'exists':
      return 'declined';
    case 'pending':
      return 'pending';
    case 'unrecognized':
      return 'unknown';
  }
}

function reservepayStatus(o: RefundOutcome): ReservepayRefundStatus {
  switch (o.kind) {
    case 'final':
      return o.status === 'approved' ? 'succeeded' : 'failed';
    case 'pending':
      return 'pending';
    default:
      return 'unknown';
  }
}

/** A refusal read from an error body is thrown as the typed failure it was before the redesign. */
function throwRefusal(answer: Answer): void {
  if (answer.failure) throw answer.failure;
}

function linkmoneyView({ tx, outcome }: linkmoney.ReadRefund): LinkMoneyRefundView {
  const view: LinkMoneyRefundView = { refundPaymentId: tx.paymentId, status: linkmoneyStatus(outcome), providerStatus: tx.paymentStatus };
  if (outcome.amountMinor !== undefined) view.amountMinor = outcome.amountMinor;
  if (tx.clientReferenceId) view.clientReferenceId = tx.clientReferenceId;
  if (tx.requestKey) view.requestKey = tx.requestKey;
  if (outcome.code !== undefined) view.errorDetails = { errorCode: outcome.code, errorMessage: outcome.message ?? '' };
  return view;
}

function reservepayView({ refund, outcome }: reservepay.ReadRefund): ReservepayRefundView {
  return {
    refundId: refund.refund_id,
    paymentId: refund.payment_id,
    status: reservepayStatus(outcome),
    providerStatus: refund.status,
    amountMinor: outcome.amountMinor ?? fromReservepayAmount(refund.amount),
    currency: refund.currency,
    createdAt: refund.created_at,
    refundedAt: refund.refunded_at ?? null,
    full: refund.full,
  };
}

export function createV1Activities(deps: V1Deps) {
  const { config, edge } = deps;
  const tokens = deps.linkmoneyTokens;

  async function secpaidFind(input: SecpaidFindRefundInput): Promise<SecpaidFindRefundResult> {
    const entry = await edge('secpaid', 'read', (ctx) => secpaid.findRefundEntry(config.secpaid, ctx, input));
    if (!entry) return { found: false };
    return { found: true, transactionId: entry.transactionId, amountMinor: entry.amountMinor, createdAt: entry.createdAt, providerStatus: entry.status };
  }

  async function openpaydStatusOf(input: OpenpaydGetStatusInput): Promise<OpenpaydGetStatusResult> {
    const s = await edge('openpayd', 'read', (ctx) => openpayd.paymentStatus(config.openpayd, ctx, input));
    const refunds = s.refunds.map((r) => ({ refundId: r.refund.refundId, amountMinor: r.amountMinor, status: openpaydStatus(r.outcome), providerStatus: r.refund.status }));
    const refundedAmountMinor = s.refundedAmountMinor ?? refunds.filter((x) => x.status === 'approved').reduce((sum, x) => sum + x.amountMinor, 0);
    return { paymentStatus: s.response.status, refundedAmountMinor, refunds };
  }

  async function reservepayFind(input: ReservepayFindRefundInput): Promise<ReservepayFindRefundResult> {
    return reservepayView(await edge('reservepay', 'read', (ctx) => reservepay.findRefund(config.reservepay, ctx, input.refundId)));
  }

  return {
    ...createLedgerActivities(),

    async secpaidSubmitRefund(input: SecpaidSubmitRefundInput): Promise<SecpaidSubmitRefundResult> {
      return edge('secpaid', 'submit', async (ctx) => {
        const answer = await secpaid.refundPayment(config.secpaid, ctx, input);
        throwRefusal(answer);
        const message = answer.outcome.message ?? '';
        if (answer.outcome.kind === 'exists') return { outcome: 'already_requested', message };
        return { outcome: 'submitted', message };
      });
    },
    /** Polling: the refund entry once SecPaid's admin approved it; 'StillPending' (retryable) until then. */
    async secpaidAwaitRefund(input: SecpaidAwaitRefundInput): Promise<SecpaidAwaitRefundResult> {
      const r = await secpaidFind(input);
      if (!r.found) throw stillPending(`no SecPaid Refund entry for pay_id ${input.payId} yet`, { payId: input.payId });
      return r;
    },

    async linkmoneySubmitRefund(input: LinkmoneySubmitRefundInput): Promise<LinkmoneySubmitRefundResult> {
      return edge('linkmoney', 'submit', async (ctx) => {
        const answer = await linkmoney.createRefund(deps.linkmoney, tokens, ctx, input);
        throwRefusal(answer);
        const { outcome, created } = answer;
        if (outcome.kind === 'exists' || !created) return { outcome: 'duplicate_request_key' };
        const result: LinkmoneySubmitRefundResult = {
          outcome: 'accepted',
          refundPaymentId: created.paymentId,
          status: linkmoneyStatus(outcome),
          providerStatus: created.paymentStatus,
        };
        if (outcome.code !== undefined) result.errorDetails = { errorCode: outcome.code, errorMessage: outcome.message ?? '' };
        return result;
      });
    },
    async linkmoneyGetRefundStatus(input: LinkmoneyGetRefundStatusInput): Promise<LinkmoneyGetRefundStatusResult> {
      return linkmoneyView(await edge('linkmoney', 'read', (ctx) => linkmoney.readRefund(deps.linkmoney, tokens, ctx, input.refundPaymentId)));
    },
    async linkmoneyFindRefundByRequestKey(input: LinkmoneyFindRefundByRequestKeyInput): Promise<LinkmoneyFindRefundByRequestKeyResult> {
      const found = await edge('linkmoney', 'read', (ctx) => linkmoney.findRefundByRequestKey(deps.linkmoney, tokens, ctx, input));
      return found ? linkmoneyView(found) : null;
    },

    async openpaydSubmitRefund(input: OpenpaydSubmitRefundInput): Promise<OpenpaydSubmitRefundResult> {
      return edge('openpayd', 'submit', async (ctx) => {
        const answer = await openpayd.refund(config.openpayd, ctx, input);
        throwRefusal(answer);
        const r = answer.response;
        const result: OpenpaydSubmitRefundResult = { outcome: openpaydStatus(answer.outcome), code: r.code, providerStatus: r.status, message: r.message };
        // The client already refused an amount that is not integer cents.
        if (r.amount !== undefined && r.amount !== null && r.amount !== '') result.amountMinor = fromOpenpaydAmount(r.amount);
        return result;
      });
    },
    openpaydGetStatus: openpaydStatusOf,
    /** Polling: our refund (not in excludeRefundIds) once APPROVED/DECLINED; 'StillPending' (retryable) until then. */
    async openpaydAwaitRefund(input: OpenpaydAwaitRefundInput): Promise<OpenpaydAwaitRefundResult> {
      const status = await openpaydStatusOf(input);
      const excluded = new Set(input.excludeRefundIds);
      const mine = status.refunds.find((r) => !excluded.has(r.refundId));
      if (mine?.status === 'approved') return { refundId: mine.refundId, status: 'APPROVED', outcome: 'approved', amountMinor: mine.amountMinor };
      if (mine?.status === 'declined') return { refundId: mine.refundId, status: 'DECLINED', outcome: 'declined', amountMinor: mine.amountMinor };
      throw stillPending(mine ? `OpenPayd refund ${mine.refundId} is ${mine.providerStatus}` : 'no new OpenPayd refund visible yet', {
        transactionId: input.transactionId,
        ...(mine ? { refundId: mine.refundId, providerStatus: mine.providerStatus } : {}),
      });
    },

    async reservepaySubmitRefund(input: ReservepaySubmitRefundInput): Promise<ReservepaySubmitRefundResult> {
      return edge('reservepay', 'submit', async (ctx) => {
        const answer = await reservepay.refundPayment(config.reservepay, ctx, input);
        if (answer.created !== undefined) return { outcome: 'created', refundId: answer.created };
        // NOT_FOUND, NOT_REFUNDABLE and AMOUNT_EXCEEDS_LIMIT were answers; the other codes failures.
        const kind = answer.failure?.kind;
        if (kind !== 'declined' && kind !== 'not_found') throw answer.failure;
        const { code, message, details } = answer.error;
        return { outcome: 'rejected', code: normaliseWire(code) as ReservepayRejectionCode, message, details };
      });
    },
    reservepayFindRefund: reservepayFind,
    /** Polling: the refund once succeeded/failed; 'StillPending' (retryable) while pending or unknown. */
    async reservepayAwaitRefund(input: ReservepayAwaitRefundInput): Promise<ReservepayAwaitRefundResult> {
      const r = await reservepayFind(input);
      if (r.status === 'succeeded' || r.status === 'failed') return { ...r, status: r.status };
      throw stillPending(`Reservepay refund ${r.refundId} is ${r.providerStatus}`, { refundId: r.refundId, providerStatus: r.providerStatus });
    },
    async reservepayListRefunds(input: ReservepayListRefundsInput): Promise<ReservepayListRefundsResult> {
      return (await edge('reservepay', 'read', (ctx) => reservepay.listRefunds(config.reservepay, ctx, input.paymentId))).map(reservepayView);
    },
  };
}

export type V1Activities = ReturnType<typeof createV1Activities>;
