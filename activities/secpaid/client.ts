/**
 * SecPaid HTTP glue: `token` header, form-urlencoded POSTs, the {ResponseCode, ResponseMsg}
 * envelope read whether it comes with HTTP 200 or 400.
 */
import type { CallContext } from '../context.js';
import { ProviderError } from '../errors.js';
import { commonStatusFailure, joinUrl, malformedAnswer, send, tryParseJson, type HttpResponse } from '../http.js';
import type { Secret } from '../secret.js';
import type { SecpaidFindRefundInput, SecpaidFindRefundResult, SecpaidSubmitRefundInput, SecpaidSubmitRefundResult } from '../types.js';
import {
  PAYIN_PAGE_LIMIT,
  SecpaidEnvelope,
  SecpaidPayInTransactions,
  buildGetPayInTransactionsForm,
  buildRefundPaymentForm,
  classifySecpaidAnswer,
  fromSecpaidAmountAbs,
  isRefundOf,
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

function envelopeError(res: HttpResponse, env: SecpaidEnvelope): ProviderError {
  const answer = classifySecpaidAnswer(env);
  if (answer.type !== 'error') throw new Error('unreachable: not an error answer');
  return new ProviderError({
    provider: 'secpaid',
    kind: answer.kind,
    providerCode: answer.code,
    providerMessage: env.ResponseMsg,
    httpStatus: res.status,
    requestId: res.requestId,
    message: `secpaid: ${env.ResponseMsg}`,
    mayHaveReachedProvider: answer.kind !== 'auth',
  });
}

export async function submitRefund(cfg: SecpaidClientConfig, ctx: CallContext, input: SecpaidSubmitRefundInput): Promise<SecpaidSubmitRefundResult> {
  const form = buildRefundPaymentForm(input);
  const { res, env } = await post(cfg, ctx, 'refundPayment', form);
  const answer = classifySecpaidAnswer(env);
  switch (answer.type) {
    case 'submitted':
      return { outcome: 'submitted', message: env.ResponseMsg };
    case 'already_requested':
      return { outcome: 'already_requested', message: env.ResponseMsg };
    case 'error':
      throw envelopeError(res, env);
  }
}

export async function findRefund(cfg: SecpaidClientConfig, ctx: CallContext, input: SecpaidFindRefundInput): Promise<SecpaidFindRefundResult> {
  for (let page = 1; page <= MAX_PAGES; page++) {
    const { res, env } = await post(cfg, ctx, 'getPayInTransactions', buildGetPayInTransactionsForm({ payId: input.payId, since: input.since, page }));
    if (env.ResponseCode !== 1) {
      // An empty result may come as ResponseCode 0 with a "no data" style message.
      if (env.data === undefined && /no (data|record|transaction)/i.test(env.ResponseMsg)) return { found: false };
      throw envelopeError(res, env);
    }
    const items = SecpaidPayInTransactions.safeParse(env.data ?? []);
    if (!items.success) throw malformedAnswer('secpaid', res, 'getPayInTransactions data is not a list of transactions');
    const refund = items.data.find((item) => isRefundOf(item, input.payId));
    if (refund) {
      let amountMinor: number;
      try {
        amountMinor = fromSecpaidAmountAbs(refund.amount);
      } catch {
        throw malformedAnswer('secpaid', res, 'refund amount is not a decimal');
      }
      return {
        found: true,
        transactionId: refund.transaction_id,
        amountMinor,
        createdAt: refund.created_at,
        providerStatus: refund.status,
      };
    }
    if (items.data.length < PAYIN_PAGE_LIMIT) break;
  }
  return { found: false };
}
