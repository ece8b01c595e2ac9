/**
 * Reservepay HTTP glue: Bearer key, Api-Version header, JSON POSTs, errors as HTTP 400
 * [CODE, MESSAGE, DETAILS]; any other unexpected status is transient.
 */
import type { CallContext } from '../context.js';
import { ProviderError } from '../errors.js';
import { commonStatusFailure, joinUrl, malformedAnswer, send, tryParseJson, type HttpResponse } from '../http.js';
import type { Secret } from '../secret.js';
import type {
  ReservepayFindPaymentInput,
  ReservepayFindPaymentResult,
  ReservepayFindRefundInput,
  ReservepayFindRefundResult,
  ReservepayListRefundsInput,
  ReservepayListRefundsResult,
  ReservepayRefundView,
  ReservepaySubmitRefundInput,
  ReservepaySubmitRefundResult,
} from '../types.js';
import {
  RefundPaymentResponse,
  ReservepayErrorArray,
  ReservepayPayment,
  ReservepayRefund,
  ReservepayRefundPage,
  LIST_PAGE_SIZE,
  buildListRefundsRequest,
  buildRefundPaymentRequest,
  classifyErrorCode,
  fromReservepayAmount,
  isRejectionCode,
  toRefundView,
} from './transformers.js';

export interface ReservepayClientConfig {
  baseUrl: string;
  apiKey: Secret;
  apiVersion: string;
}

const MAX_PAGES = 100;

type Answer = { ok: true; res: HttpResponse; json: unknown } | { ok: false; res: HttpResponse; code: string; message: string; details: unknown };

async function post(cfg: ReservepayClientConfig, ctx: CallContext, path: string, body: unknown): Promise<Answer> {
  const res = await send(ctx.dispatcher, {
    provider: 'reservepay',
    method: 'POST',
    url: joinUrl(cfg.baseUrl, path),
    headers: {
      authorization: `Bearer ${cfg.apiKey.reveal()}`,
      'api-version': cfg.apiVersion,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify(body),
    timeoutMs: ctx.timeoutMs,
    signal: ctx.signal,
  });
  const json = tryParseJson(res.text);
  if (res.status >= 200 && res.status < 300) {
    if (json === undefined) throw malformedAnswer('reservepay', res, 'empty or non-JSON body');
    return { ok: true, res, json };
  }
  const err = ReservepayErrorArray.safeParse(json);
  if (res.status === 400 && err.success) return { ok: false, res, ...err.data };
  if (err.success && err.data.code === 'UNHANDLED_ERROR') return { ok: false, res, ...err.data };
  // 429 keeps its Retry-After; "Any other HTTP status is an unexpected error": transient.
  throw (
    commonStatusFailure('reservepay', res, ctx.now()) ??
    new ProviderError({
      provider: 'reservepay',
      kind: 'transient',
      providerCode: err.success ? err.data.code : undefined,
      httpStatus: res.status,
      requestId: res.requestId,
      message: `reservepay: unexpected HTTP ${res.status}`,
      mayHaveReachedProvider: true,
    })
  );
}

function errorFor(a: Extract<Answer, { ok: false }>): ProviderError {
  const kind = classifyErrorCode(a.code);
  return new ProviderError({
    provider: 'reservepay',
    kind: kind === 'rejected' ? (a.code === 'NOT_FOUND' ? 'not_found' : 'declined') : kind,
    providerCode: a.code,
    providerMessage: a.message,
    httpStatus: a.res.status,
    requestId: a.res.requestId,
    message: `reservepay: ${a.code}: ${a.message}`,
    mayHaveReachedProvider: kind !== 'auth',
  });
}

export async function submitRefund(cfg: ReservepayClientConfig, ctx: CallContext, input: ReservepaySubmitRefundInput): Promise<ReservepaySubmitRefundResult> {
  const a = await post(cfg, ctx, '/merchants/refund-payment', buildRefundPaymentRequest(input));
  if (a.ok) {
    const id = RefundPaymentResponse.safeParse(a.json);
    if (!id.success) throw malformedAnswer('reservepay', a.res, 'expected a refund id string');
    return { outcome: 'created', refundId: id.data };
  }
  if (isRejectionCode(a.code)) return { outcome: 'rejected', code: a.code, message: a.message, details: a.details };
  throw errorFor(a);
}

function view(res: HttpResponse, json: unknown): ReservepayRefundView {
  const parsed = ReservepayRefund.safeParse(json);
  if (!parsed.success) throw malformedAnswer('reservepay', res, 'not a refund object');
  try {
    return toRefundView(parsed.data);
  } catch {
    throw malformedAnswer('reservepay', res, 'refund amount is not integer satang');
  }
}

function logUnknown(ctx: CallContext, v: ReservepayRefundView): void {
  if (v.status === 'unknown') ctx.log.warn('reservepay: unknown refund status, treated as still pending', { refundId: v.refundId, providerStatus: v.providerStatus });
}

export async function findRefund(cfg: ReservepayClientConfig, ctx: CallContext, input: ReservepayFindRefundInput): Promise<ReservepayFindRefundResult> {
  const a = await post(cfg, ctx, '/merchants/find-refund', { refund_id: input.refundId });
  if (!a.ok) throw errorFor(a);
  const v = view(a.res, a.json);
  logUnknown(ctx, v);
  return v;
}

export async function listRefunds(cfg: ReservepayClientConfig, ctx: CallContext, input: ReservepayListRefundsInput): Promise<ReservepayListRefundsResult> {
  const refunds: ReservepayRefundView[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const a = await post(cfg, ctx, '/merchants/list-refunds-by-payment', buildListRefundsRequest(input.paymentId, after));
    if (!a.ok) throw errorFor(a);
    const parsed = ReservepayRefundPage.safeParse(a.json);
    if (!parsed.success) throw malformedAnswer('reservepay', a.res, 'not a list of refunds');
    for (const r of parsed.data.data) {
      const v = view(a.res, r);
      logUnknown(ctx, v);
      refunds.push(v);
    }
    const last = parsed.data.data.at(-1);
    const more = parsed.data.hasMore ?? parsed.data.data.length >= LIST_PAGE_SIZE;
    if (!more || last === undefined) return refunds;
    after = last.refund_id;
  }
  throw malformedAnswer('reservepay', { status: 200, headers: {}, text: '', requestId: undefined }, `more than ${MAX_PAGES} pages of refunds`);
}

export async function findPayment(cfg: ReservepayClientConfig, ctx: CallContext, input: ReservepayFindPaymentInput): Promise<ReservepayFindPaymentResult> {
  const a = await post(cfg, ctx, '/merchants/find-payment', { payment_id: input.paymentId });
  if (!a.ok) throw errorFor(a);
  const parsed = ReservepayPayment.safeParse(a.json);
  if (!parsed.success) throw malformedAnswer('reservepay', a.res, 'not a payment object');
  const p = parsed.data;
  try {
    const result: ReservepayFindPaymentResult = {
      paymentId: p.id ?? p.payment_id ?? input.paymentId,
      providerStatus: p.status,
      amountMinor: fromReservepayAmount(p.amount),
      currency: p.currency,
      refundable: typeof p.refundable === 'boolean' ? p.refundable : p.refundable > 0,
    };
    if (typeof p.refundable === 'number') result.refundableAmountMinor = fromReservepayAmount(p.refundable);
    return result;
  } catch {
    throw malformedAnswer('reservepay', a.res, 'amounts are not integer satang');
  }
}
