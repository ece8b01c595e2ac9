/**
 * createActivities(deps): the provider adapters as Temporal activities. The worker builds the
 * deps once (config, the one undici Agent from createHttpDispatcher(), logger, clock); workflows
 * use `proxyActivities<ReturnType<typeof createActivities>>` with `import type`.
 *
 * Every activity converts a ProviderError into a typed ApplicationFailure at its edge (see
 * errors.ts: submit activities turn a possibly-processed transient failure into a non-retryable
 * 'ProviderAmbiguous').
 */
import type { Provider } from '../domain/providers.js';
import { createCallbackActivities } from './callbacks.js';
import { createLedgerActivities } from './ledger.js';
import type { CallContext } from './context.js';
import { stillPending, toActivityError, type ProviderOperation } from './errors.js';
import { currentCancellationSignal, currentLogger } from './log.js';
import { recordProviderCall } from './metrics.js';
import { SlidingWindowLimiter } from './rate-limit.js';
import * as linkmoney from './linkmoney/client.js';
import * as openpayd from './openpayd/client.js';
import * as reservepay from './reservepay/client.js';
import * as secpaid from './secpaid/client.js';
import type {
  ActivityDeps,
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
  OpenpaydSubmitRefundInput,
  OpenpaydSubmitRefundResult,
  ReservepayAwaitRefundInput,
  ReservepayAwaitRefundResult,
  ReservepayFindPaymentInput,
  ReservepayFindPaymentResult,
  ReservepayFindRefundInput,
  ReservepayFindRefundResult,
  ReservepayListRefundsInput,
  ReservepayListRefundsResult,
  ReservepaySubmitRefundInput,
  ReservepaySubmitRefundResult,
  SecpaidAwaitRefundInput,
  SecpaidAwaitRefundResult,
  SecpaidFindRefundInput,
  SecpaidFindRefundResult,
  SecpaidSubmitRefundInput,
  SecpaidSubmitRefundResult,
} from './types.js';

export type { ActivityDeps, ProviderConfig } from './types.js';
export type { ProviderFailureDetails, ProviderFailureType } from './errors.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_LINKMONEY_STATUS_PATH = '/v1/transactions/{paymentId}';
export const DEFAULT_SECPAID_REQUESTS_PER_MINUTE = 50;

export function createActivities(deps: ActivityDeps) {
  const { config } = deps;
  const now = deps.now ?? (() => new Date());
  const linkmoneyConfig = { ...config.linkmoney, statusPath: config.linkmoney.statusPath || DEFAULT_LINKMONEY_STATUS_PATH };
  // One token cache per worker (per createActivities call), never module state.
  const linkmoneyTokens = new linkmoney.LinkMoneyTokenCache(linkmoneyConfig);
  // SecPaid refuses more than 60 requests a minute: the worker keeps under its own budget.
  const limiters: Partial<Record<Provider, SlidingWindowLimiter>> = {
    secpaid: new SlidingWindowLimiter('secpaid', config.secpaid.requestsPerMinute ?? DEFAULT_SECPAID_REQUESTS_PER_MINUTE),
  };

  function callContext(): CallContext {
    return {
      dispatcher: deps.dispatcher,
      now,
      timeoutMs: config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      log: currentLogger(deps.log),
      signal: currentCancellationSignal(),
    };
  }

  async function edge<T>(provider: Provider, operation: ProviderOperation, fn: (ctx: CallContext) => Promise<T>): Promise<T> {
    const ctx = callContext();
    const started = performance.now();
    try {
      // Wait in line for a slot for up to 20 s; past that the call fails as rate-limited, not sent.
      await limiters[provider]?.acquire(20_000);
      const result = await fn(ctx);
      recordProviderCall(provider, operation, performance.now() - started);
      return result;
    } catch (err) {
      const failure = toActivityError(err, provider, operation, { requestTimeoutMs: ctx.timeoutMs });
      recordProviderCall(provider, operation, performance.now() - started, { original: err, failure });
      if (failure !== err) ctx.log.warn(`${provider} ${operation} failed`, { provider, error: String((failure as Error).message) });
      throw failure;
    }
  }

  return {
    ...createLedgerActivities(),
    ...createCallbackActivities({
      dispatcher: deps.dispatcher,
      ...(deps.callbackSecret ? { secret: deps.callbackSecret } : {}),
      timeoutMs: config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      now,
    }),
    async secpaidSubmitRefund(input: SecpaidSubmitRefundInput): Promise<SecpaidSubmitRefundResult> {
      return edge('secpaid', 'submit', (ctx) => secpaid.submitRefund(config.secpaid, ctx, input));
    },
    async secpaidFindRefund(input: SecpaidFindRefundInput): Promise<SecpaidFindRefundResult> {
      return edge('secpaid', 'read', (ctx) => secpaid.findRefund(config.secpaid, ctx, input));
    },
    /** Polling: the refund entry once SecPaid's admin approved it; 'StillPending' (retryable) until then. */
    async secpaidAwaitRefund(input: SecpaidAwaitRefundInput): Promise<SecpaidAwaitRefundResult> {
      const r = await edge('secpaid', 'read', (ctx) => secpaid.findRefund(config.secpaid, ctx, input));
      if (!r.found) throw stillPending(`no SecPaid Refund entry for pay_id ${input.payId} yet`, { payId: input.payId });
      return r;
    },

    async linkmoneySubmitRefund(input: LinkmoneySubmitRefundInput): Promise<LinkmoneySubmitRefundResult> {
      return edge('linkmoney', 'submit', (ctx) => linkmoney.submitRefund(linkmoneyConfig, linkmoneyTokens, ctx, input));
    },
    async linkmoneyGetRefundStatus(input: LinkmoneyGetRefundStatusInput): Promise<LinkmoneyGetRefundStatusResult> {
      return edge('linkmoney', 'read', (ctx) => linkmoney.getRefundStatus(linkmoneyConfig, linkmoneyTokens, ctx, input));
    },
    async linkmoneyFindRefundByRequestKey(input: LinkmoneyFindRefundByRequestKeyInput): Promise<LinkmoneyFindRefundByRequestKeyResult> {
      return edge('linkmoney', 'read', (ctx) => linkmoney.findRefundByRequestKey(linkmoneyConfig, linkmoneyTokens, ctx, input));
    },

    async openpaydSubmitRefund(input: OpenpaydSubmitRefundInput): Promise<OpenpaydSubmitRefundResult> {
      return edge('openpayd', 'submit', (ctx) => openpayd.submitRefund(config.openpayd, ctx, input));
    },
    async openpaydGetStatus(input: OpenpaydGetStatusInput): Promise<OpenpaydGetStatusResult> {
      return edge('openpayd', 'read', (ctx) => openpayd.getStatus(config.openpayd, ctx, input));
    },
    /** Polling: our refund (not in excludeRefundIds) once APPROVED/DECLINED; 'StillPending' (retryable) until then. */
    async openpaydAwaitRefund(input: OpenpaydAwaitRefundInput): Promise<OpenpaydAwaitRefundResult> {
      const status = await edge('openpayd', 'read', (ctx) => openpayd.getStatus(config.openpayd, ctx, input));
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
      return edge('reservepay', 'submit', (ctx) => reservepay.submitRefund(config.reservepay, ctx, input));
    },
    async reservepayFindRefund(input: ReservepayFindRefundInput): Promise<ReservepayFindRefundResult> {
      return edge('reservepay', 'read', (ctx) => reservepay.findRefund(config.reservepay, ctx, input));
    },
    /** Polling: the refund once succeeded/failed; 'StillPending' (retryable) while pending or unknown. */
    async reservepayAwaitRefund(input: ReservepayAwaitRefundInput): Promise<ReservepayAwaitRefundResult> {
      const r = await edge('reservepay', 'read', (ctx) => reservepay.findRefund(config.reservepay, ctx, input));
      if (r.status === 'succeeded' || r.status === 'failed') return { ...r, status: r.status };
      throw stillPending(`Reservepay refund ${r.refundId} is ${r.providerStatus}`, { refundId: r.refundId, providerStatus: r.providerStatus });
    },
    async reservepayListRefunds(input: ReservepayListRefundsInput): Promise<ReservepayListRefundsResult> {
      return edge('reservepay', 'read', (ctx) => reservepay.listRefunds(config.reservepay, ctx, input));
    },
    async reservepayFindPayment(input: ReservepayFindPaymentInput): Promise<ReservepayFindPaymentResult> {
      return edge('reservepay', 'read', (ctx) => reservepay.findPayment(config.reservepay, ctx, input));
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
