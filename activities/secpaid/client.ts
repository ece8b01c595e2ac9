/**
 * SecPaid HTTP glue: `token` header, form-urlencoded POSTs, the {ResponseCode, ResponseMsg}
 * envelope read whether it comes with HTTP 200 or 400.
 */
import type { CallContext } from '../context.js';
import { buildOrRefuse, ProviderError, refusalAnswer, rawValue, type Answer, type ProviderErrorKind } from '../errors.js';
import { commonStatusFailure, joinUrl, malformedAnswer, send, tryParseJson, type HttpResponse } from '../http.js';
import type { Secret } from '../secret.js';
import {
  PAYIN_PAGE_LIMIT,
  SecpaidEnvelope,
  SecpaidPayInTransactions,
  buildGetPayInTransactionsForm,
  buildRefundPaymentForm,
  fromSecpaidAmountAbs,
  isRefundEntry,
  isRefundOf,
  secpaidRefusal,
  submittedOutcome,
  type SecpaidRefundEntry,
} from './transformers.js';

export interface SecpaidClientConfig {
  baseUrl: string;
  token: Secret;
}

const MAX_PAGES = 50;

async function post(cfg: SecpaidClientConfig, ctx: CallContext, path: string, form: URLSearchParams): Promise<{ res: HttpResponse; env: SecpaidEnvelope }> {
  const res = await send(ctx.dispatcher, {
    provider: 'secpaid',
    method: 'POST',
    url: joinUrl(cfg.baseUrl, path),
    headers: {
      token: cfg.token.reveal(),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: form.toString(),
    timeoutMs: ctx.timeoutMs,
    signal: ctx.signal,
  });
  const common = commonStatusFailure('secpaid', res, ctx.now());
  if (common) throw common;
  const parsed = SecpaidEnvelope.safeParse(tryParseJson(res.text));
  if (!parsed.success) {
    if (res.status === 401 || res.status === 403) {
      throw new ProviderError({
        provider: 'secpaid',
        kind: 'auth',
        httpStatus: res.status,
        requestId: res.requestId,
        message: `secpaid: credentials rejected (HTTP ${res.status})`,
        mayHaveReachedProvider: false,
      });
    }
    throw malformedAnswer('secpaid', res, 'expected the {ResponseCode, ResponseMsg} envelope');
  }
  return { res, env: parsed.data };
}

function envelopeFailure(res: HttpResponse, env: SecpaidEnvelope, kind: ProviderErrorKind): ProviderError {
  return new ProviderError({
    provider: 'secpaid',
    kind,
    providerMessage: env.ResponseMsg,
    httpStatus: res.status,
    requestId: res.requestId,
    message: `secpaid: ${env.ResponseMsg}`,
    mayHaveReachedProvider: kind !== 'auth',
  });
}

/** A ResponseCode 0 answer, read with the one message map (the token refusal throws). */
function refusal(res: HttpResponse, env: SecpaidEnvelope): Answer {
  return refusalAnswer(secpaidRefusal(env.ResponseMsg), { message: env.ResponseMsg }, rawValue('ResponseMsg', env.ResponseMsg), (kind) =>
    envelopeFailure(res, env, kind),
  );
}

/** refundPayment. Success (ResponseCode 1) is a request awaiting SecPaid's admin review. */
export async function refundPayment(cfg: SecpaidClientConfig, ctx: CallContext, input: { payId: string; amountMinor: number; fullRefund: boolean }): Promise<Answer> {
  const form = buildOrRefuse('secpaid', () => buildRefundPaymentForm(input));
  const { res, env } = await post(cfg, ctx, 'refundPayment', form);
  if (env.ResponseCode === 1) return { outcome: submittedOutcome(env) };
  return refusal(res, env);
}

/**
 * The Refund entry of a pay_id in getPayInTransactions (not one of `excludeTransactionIds`), or
 * null. A read's ResponseCode 0 is thrown (it says nothing about the refund): auth for the token,
 * else the refusal's kind.
 */
export async function findRefundEntry(
  cfg: SecpaidClientConfig,
  ctx: CallContext,
  input: { payId: string; since?: number | undefined; excludeTransactionIds?: readonly string[] | undefined },
): Promise<SecpaidRefundEntry | null> {
  const excluded = new Set(input.excludeTransactionIds ?? []);
  for (let page = 1; page <= MAX_PAGES; page++) {
    const { res, env } = await post(cfg, ctx, 'getPayInTransactions', buildGetPayInTransactionsForm({ payId: input.payId, since: input.since, page }));
    if (env.ResponseCode !== 1) {
      // An empty result may come as ResponseCode 0 with a "no data" style message.
      if (env.data === undefined && /no (data|record|transaction)/i.test(env.ResponseMsg)) return null;
      const answer = refusal(res, env);
      throw answer.failure ?? envelopeFailure(res, env, 'invalid_request');
    }
    const items = SecpaidPayInTransactions.safeParse(env.data ?? []);
    if (!items.success) throw malformedAnswer('secpaid', res, 'getPayInTransactions data is not a list of transactions');
    const refund = items.data.find((item) => isRefundOf(item, input.payId) && !excluded.has(item.transaction_id));
    if (refund) {
      let amountMinor: number;
      try {
        amountMinor = fromSecpaidAmountAbs(refund.amount);
      } catch {
        throw malformedAnswer('secpaid', res, 'refund amount is not a decimal');
      }
      return { transactionId: refund.transaction_id, amountMinor, createdAt: refund.created_at, status: refund.status };
    }
    if (items.data.length < PAYIN_PAGE_LIMIT) break;
  }
  return null;
}

/** One page of the account's pay-ins: its Refund entries (with their pay_id) and whether more pages follow. */
export interface RefundEntriesPage {
  entries: (SecpaidRefundEntry & { payId: string })[];
  more: boolean;
}

/**
 * getPayInTransactions without a pay_id (the reconciliation): page `page` of the pay-ins of the
 * last `since` days, only its Refund entries kept. A "no data" answer is an empty last page.
 */
export async function listRefundEntries(cfg: SecpaidClientConfig, ctx: CallContext, input: { since: number; page: number }): Promise<RefundEntriesPage> {
  const { res, env } = await post(cfg, ctx, 'getPayInTransactions', buildGetPayInTransactionsForm({ since: input.since, page: input.page }));
  if (env.ResponseCode !== 1) {
    if (env.data === undefined && /no (data|record|transaction)/i.test(env.ResponseMsg)) return { entries: [], more: false };
    const answer = refusal(res, env);
    throw answer.failure ?? envelopeFailure(res, env, 'invalid_request');
  }
  const items = SecpaidPayInTransactions.safeParse(env.data ?? []);
  if (!items.success) throw malformedAnswer('secpaid', res, 'getPayInTransactions data is not a list of transactions');
  const entries: RefundEntriesPage['entries'] = [];
  for (const item of items.data) {
    if (!isRefundEntry(item)) continue;
    let amountMinor: number;
    try {
      amountMinor = fromSecpaidAmountAbs(item.amount);
    } catch {
      throw malformedAnswer('secpaid', res, 'refund amount is not a decimal');
    }
    entries.push({ payId: item.pay_id, transactionId: item.transaction_id, amountMinor, createdAt: item.created_at, status: item.status });
  }
  return { entries, more: items.data.length >= PAYIN_PAGE_LIMIT };
}
