/**
 * Reservepay HTTP glue: Bearer key, Api-Version header, JSON POSTs, errors as HTTP 400
 * [CODE, MESSAGE, DETAILS]; any other unexpected status is transient.
 */
import type { RefundOutcome } from '../../domain/outcome.js';
import type { CallContext } from '../context.js';
import { buildOrRefuse, ProviderError, rawValue, REFUSALS, refusalAnswer, type Answer, type ProviderErrorKind } from '../errors.js';
import { commonStatusFailure, joinUrl, malformedAnswer, send, tryParseJson, type HttpResponse } from '../http.js';
import type { Secret } from '../secret.js';
import {
  LIST_PAGE_SIZE,
  RefundPaymentResponse,
  ReservepayErrorArray,
  ReservepayRefund,
  ReservepayRefundPage,
  buildListRefundsRequest,
  buildRefundPaymentRequest,
  refundOutcome,
  reservepayRefusal,
} from './transformers.js';

export interface ReservepayClientConfig {
  baseUrl: string;
  apiKey: Secret;
  apiVersion: string;
}

const MAX_PAGES = 100;

type Reply = { ok: true; res: HttpResponse; json: unknown } | ({ ok: false; res: HttpResponse } & ReservepayErrorArray);
type ErrorReply = Extract<Reply, { ok: false }>;

async function post(cfg: ReservepayClientConfig, ctx: CallContext, path: string, body: unknown): Promise<Reply> {
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
  if (err.success && reservepayRefusal(err.data.code) === 'transient') return { ok: false, res, ...err.data };
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

function errorFor(a: ErrorReply, kind: ProviderErrorKind): ProviderError {
  return new ProviderError({
    provider: 'reservepay',
    kind,
    providerCode: a.code,
    providerMessage: a.message,
    httpStatus: a.res.status,
    requestId: a.res.requestId,
    message: `reservepay: ${a.code}: ${a.message}`,
    mayHaveReachedProvider: kind !== 'auth',
  });
}

/** An error answer to a read: thrown with its refusal's kind (it says nothing about a refund of ours). */
function readFailure(a: ErrorReply): ProviderError {
  const refusal = reservepayRefusal(a.code);
  return errorFor(a, (refusal === undefined ? undefined : REFUSALS[refusal].failure) ?? 'invalid_request');
}

export type RefundPaymentAnswer =
  | { created: string }
  /** An error array read with the one code map (UNAUTHORIZED, BAD_VERSION and UNHANDLED_ERROR throw). */
  | (Answer & { created?: undefined; error: ReservepayErrorArray });

/** refund-payment: the new refund's id, or the error answer as an outcome. */
export async function refundPayment(cfg: ReservepayClientConfig, ctx: CallContext, input: { paymentId: string; amountMinor?: number | undefined }): Promise<RefundPaymentAnswer> {
  const body = buildOrRefuse('reservepay', () => buildRefundPaymentRequest(input));
  const a = await post(cfg, ctx, '/merchants/refund-payment', body);
  if (a.ok) {
    const id = RefundPaymentResponse.safeParse(a.json);
    if (!id.success) throw malformedAnswer('reservepay', a.res, 'expected a refund id string');
    return { created: id.data };
  }
  const answer = refusalAnswer(reservepayRefusal(a.code), { code: a.code, message: a.message }, rawValue('code', a.code), (kind) => errorFor(a, kind));
  return { ...answer, error: { code: a.code, message: a.message, details: a.details } };
}

export interface ReadRefund {
  refund: ReservepayRefund;
  outcome: RefundOutcome;
}

function readRefund(ctx: CallContext, res: HttpResponse, json: unknown): ReadRefund {
  const parsed = ReservepayRefund.safeParse(json);
  if (!parsed.success) throw malformedAnswer('reservepay', res, 'not a refund object');
  let outcome: RefundOutcome;
  try {
    outcome = refundOutcome(parsed.data);
  } catch {
    throw malformedAnswer('reservepay', res, 'refund amount is not integer satang');
  }
  if (outcome.kind === 'unrecognized') ctx.log.warn('reservepay: undocumented refund status, treated as still pending', { refundId: parsed.data.refund_id, providerStatus: parsed.data.status });
  return { refund: parsed.data, outcome };
}

/** find-refund. */
export async function findRefund(cfg: ReservepayClientConfig, ctx: CallContext, refundId: string): Promise<ReadRefund> {
  const a = await post(cfg, ctx, '/merchants/find-refund', { refund_id: refundId });
  if (!a.ok) throw readFailure(a);
  return readRefund(ctx, a.res, a.json);
}

/** list-refunds-by-payment, every page (`after` = the last refund id), in the provider's order (oldest first). */
export async function listRefunds(cfg: ReservepayClientConfig, ctx: CallContext, paymentId: string): Promise<ReadRefund[]> {
  const refunds: ReadRefund[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const a = await post(cfg, ctx, '/merchants/list-refunds-by-payment', buildListRefundsRequest(paymentId, after));
    if (!a.ok) throw readFailure(a);
    const parsed = ReservepayRefundPage.safeParse(a.json);
    if (!parsed.success) throw malformedAnswer('reservepay', a.res, 'not a list of refunds');
    for (const r of parsed.data.data) refunds.push(readRefund(ctx, a.res, r));
    const last = parsed.data.data.at(-1);
    const more = parsed.data.hasMore ?? parsed.data.data.length >= LIST_PAGE_SIZE;
    if (!more || last === undefined) return refunds;
    after = last.refund_id;
  }
  throw malformedAnswer('reservepay', { status: 200, headers: {}, text: '', requestId: undefined }, `more than ${MAX_PAGES} pages of refunds`);
}
