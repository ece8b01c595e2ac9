/**
 * OpenPayd PSP HTTP glue: JSON POSTs with the apiKey in the body (never in a URL or a message),
 * synchronous answers {code, status, message, ...}.
 */
import type { CallContext } from '../context.js';
import { ProviderError } from '../errors.js';
import { commonStatusFailure, joinUrl, malformedAnswer, send, tryParseJson, type HttpResponse } from '../http.js';
import type { Secret } from '../secret.js';
import type { OpenpaydGetStatusInput, OpenpaydGetStatusResult, OpenpaydSubmitRefundInput, OpenpaydSubmitRefundResult } from '../types.js';
import {
  ERROR_STATUS,
  OpenpaydRefundResponse,
  OpenpaydStatusResponse,
  buildRefundRequest,
  buildStatusRequest,
  errorKindForCode,
  fromOpenpaydAmount,
  mapRefundStatus,
} from './transformers.js';

export interface OpenpaydClientConfig {
  baseUrl: string;
  apiKey: Secret;
}

async function post(cfg: OpenpaydClientConfig, ctx: CallContext, path: string, body: unknown): Promise<{ res: HttpResponse; json: unknown }> {
  const res = await send(ctx.dispatcher, {
    provider: 'openpayd',
    method: 'POST',
    url: joinUrl(cfg.baseUrl, path),
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    timeoutMs: ctx.timeoutMs,
    signal: ctx.signal,
  });
  const common = commonStatusFailure('openpayd', res, ctx.now());
  if (common) throw common;
  const json = tryParseJson(res.text);
  if (json === undefined) {
    if (res.status === 401 || res.status === 403) {
      throw new ProviderError({
        provider: 'openpayd',
        kind: 'auth',
        httpStatus: res.status,
        requestId: res.requestId,
        message: `openpayd: credentials rejected (HTTP ${res.status})`,
        mayHaveReachedProvider: false,
      });
    }
    throw malformedAnswer('openpayd', res, 'empty or non-JSON body');
  }
  return { res, json };
}

function errorAnswer(res: HttpResponse, code: string, status: string, message: string): ProviderError {
  const kind = errorKindForCode(code);
  return new ProviderError({
    provider: 'openpayd',
    kind,
    providerCode: code,
    providerMessage: message,
    httpStatus: res.status,
    requestId: res.requestId,
    message: `openpayd: ${status} ${code}: ${message}`,
    mayHaveReachedProvider: kind !== 'auth',
  });
}

export async function submitRefund(cfg: OpenpaydClientConfig, ctx: CallContext, input: OpenpaydSubmitRefundInput): Promise<OpenpaydSubmitRefundResult> {
  const body = buildRefundRequest(cfg.apiKey.reveal(), input);
  const { res, json } = await post(cfg, ctx, '/pw/v3/payment/refund', body);
  const parsed = OpenpaydRefundResponse.safeParse(json);
  if (!parsed.success) throw malformedAnswer('openpayd', res, 'refund answer without code/status');
  const r = parsed.data;
  if (r.status.trim().toUpperCase() === ERROR_STATUS) throw errorAnswer(res, r.code, r.status, r.message);
  const outcome = mapRefundStatus(r.status);
  if (outcome === 'unknown') {
    ctx.log.warn('openpayd: unknown refund status, treated as still pending', { refundId: input.refundId, providerStatus: r.status, code: r.code });
  }
  const result: OpenpaydSubmitRefundResult = { outcome, code: r.code, providerStatus: r.status, message: r.message };
  if (r.amount !== undefined && r.amount !== null && r.amount !== '') {
    try {
      result.amountMinor = fromOpenpaydAmount(r.amount);
    } catch {
      throw malformedAnswer('openpayd', res, 'amount is not integer cents');
    }
  }
  return result;
}

export async function getStatus(cfg: OpenpaydClientConfig, ctx: CallContext, input: OpenpaydGetStatusInput): Promise<OpenpaydGetStatusResult> {
  const { res, json } = await post(cfg, ctx, '/pw/v3/payment/status', buildStatusRequest(cfg.apiKey.reveal(), input));
  const parsed = OpenpaydStatusResponse.safeParse(json);
  if (!parsed.success) throw malformedAnswer('openpayd', res, 'status answer without code/status');
  const r = parsed.data;
  if (r.status.trim().toUpperCase() === ERROR_STATUS || r.code !== '00') throw errorAnswer(res, r.code, r.status, r.message ?? '');
  try {
    const refunds = (r.refunds ?? []).map((x) => {
      const status = mapRefundStatus(x.status);
      if (status === 'unknown') ctx.log.warn('openpayd: unknown refund status, treated as still pending', { refundId: x.refundId, providerStatus: x.status });
      return { refundId: x.refundId, amountMinor: fromOpenpaydAmount(x.amount), status, providerStatus: x.status };
    });
    const refundedAmountMinor =
      r.refundedAmount === undefined || r.refundedAmount === null || r.refundedAmount === ''
        ? refunds.filter((x) => x.status === 'approved').reduce((sum, x) => sum + x.amountMinor, 0)
        : fromOpenpaydAmount(r.refundedAmount);
    return { paymentStatus: r.status, refundedAmountMinor, refunds };
  } catch (err) {
    if (err instanceof ProviderError) throw err;
    throw malformedAnswer('openpayd', res, 'amounts are not integer cents');
  }
}
