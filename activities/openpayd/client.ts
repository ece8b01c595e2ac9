/**
 * OpenPayd PSP HTTP glue: JSON POSTs with the apiKey in the body (never in a URL or a message),
 * synchronous answers {code, status, message, ...}.
 */
import type { RefundOutcome } from '../../domain/outcome.js';
import type { CallContext } from '../context.js';
import { buildOrRefuse, ProviderError, REFUSALS, refusalAnswer, type Answer, type ProviderErrorKind } from '../errors.js';
import { commonStatusFailure, joinUrl, malformedAnswer, send, tryParseJson, type HttpResponse } from '../http.js';
import type { Secret } from '../secret.js';
import type { CurrencyCode } from '../../domain/money.js';
import { matchWire } from '../../domain/outcome.js';
import {
  OPENPAYD_APPROVED_CODES,
  OPENPAYD_ERROR_CODES,
  OPENPAYD_STATUSES,
  OpenpaydRefundResponse,
  OpenpaydStatusResponse,
  buildRefundRequest,
  buildStatusRequest,
  canonicalCode,
  fromOpenpaydAmount,
  refundVerdict,
  statusRefundOutcome,
  type OpenpaydStatusRefund,
  type OpenpaydVerdict,
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

function errorAnswer(res: HttpResponse, r: { code: string; status: string; message?: string | null | undefined }, kind: ProviderErrorKind): ProviderError {
  const message = r.message ?? '';
  return new ProviderError({
    provider: 'openpayd',
    kind,
    providerCode: r.code,
    providerMessage: message,
    httpStatus: res.status,
    requestId: res.requestId,
    message: `openpayd: ${r.status} ${r.code}: ${message}`,
    mayHaveReachedProvider: kind !== 'auth',
  });
}

export interface RefundInput {
  transactionId: string;
  referenceNo: string;
  /** Undefined = full refund: neither amount nor currency is sent. */
  amountMinor?: number | undefined;
  currency?: CurrencyCode | undefined;
}

/**
 * POST /pw/v3/payment/refund, read with the one map (status, refined by code). A DECLINED answer
 * is an outcome (no failure); an ERROR answer is a refusal (code 5 throws auth).
 */
export async function refund(cfg: OpenpaydClientConfig, ctx: CallContext, input: RefundInput): Promise<Answer & { response: OpenpaydRefundResponse }> {
  const body = buildOrRefuse('openpayd', () => buildRefundRequest(cfg.apiKey.reveal(), input));
  const { res, json } = await post(cfg, ctx, '/pw/v3/payment/refund', body);
  const parsed = OpenpaydRefundResponse.safeParse(json);
  if (!parsed.success) throw malformedAnswer('openpayd', res, 'refund answer without code/status');
  const r = parsed.data;
  let verdict: OpenpaydVerdict;
  try {
    verdict = refundVerdict(r);
  } catch {
    throw malformedAnswer('openpayd', res, 'amount is not integer cents');
  }
  const failure = (kind: ProviderErrorKind) => errorAnswer(res, r, kind);
  switch (verdict.type) {
    case 'outcome':
      if (verdict.outcome.kind === 'unrecognized') ctx.log.warn('openpayd: undocumented refund answer, treated as still pending', { providerStatus: r.status, code: r.code });
      return { outcome: verdict.outcome, response: r };
    case 'declined':
      return { outcome: refusalAnswer(verdict.refusal, verdict.facts, '', failure).outcome, response: r };
    case 'error':
      return { ...refusalAnswer(verdict.refusal, verdict.facts, verdict.raw, failure), response: r };
  }
}

export interface StatusRefund {
  refund: OpenpaydStatusRefund;
  amountMinor: number;
  outcome: RefundOutcome;
}

export interface PaymentStatus {
  response: OpenpaydStatusResponse;
  /** `refundedAmount` in cents, when the answer gives it. */
  refundedAmountMinor: number | undefined;
  refunds: StatusRefund[];
}

/**
 * POST /pw/v3/payment/status (docs/provider-assumptions.md): the payment and its refunds, answered
 * with code "00". Any other answer to this read is thrown with its ERROR code's refusal kind (it
 * says nothing about our refund).
 */
export async function paymentStatus(cfg: OpenpaydClientConfig, ctx: CallContext, input: { transactionId: string; referenceNo: string }): Promise<PaymentStatus> {
  const { res, json } = await post(cfg, ctx, '/pw/v3/payment/status', buildStatusRequest(cfg.apiKey.reveal(), input));
  const parsed = OpenpaydStatusResponse.safeParse(json);
  if (!parsed.success) throw malformedAnswer('openpayd', res, 'status answer without code/status');
  const r = parsed.data;
  const code = canonicalCode(r.code);
  if (matchWire(code, OPENPAYD_APPROVED_CODES) === undefined || matchWire(r.status, OPENPAYD_STATUSES) === 'error') {
    const refusal = matchWire(code, OPENPAYD_ERROR_CODES);
    throw errorAnswer(res, r, (refusal === undefined ? undefined : REFUSALS[refusal].failure) ?? 'invalid_request');
  }
  try {
    const refunds = (r.refunds ?? []).map((x): StatusRefund => {
      const outcome = statusRefundOutcome(x);
      if (outcome.kind === 'unrecognized') ctx.log.warn('openpayd: undocumented refund status, treated as still pending', { refundId: x.refundId, providerStatus: x.status });
      return { refund: x, amountMinor: fromOpenpaydAmount(x.amount), outcome };
    });
    const given = r.refundedAmount !== undefined && r.refundedAmount !== null && r.refundedAmount !== '';
    return { response: r, refundedAmountMinor: given ? fromOpenpaydAmount(r.refundedAmount!) : undefined, refunds };
  } catch {
    throw malformedAnswer('openpayd', res, 'amounts are not integer cents');
  }
}
