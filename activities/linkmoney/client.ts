/**
 * Link Money HTTP glue: OAuth client-credentials token (cached per worker, shared in-flight,
 * refreshed ~60 s before expiry and once on a 401), Bearer auth, JSON bodies, the
 * {errorId, errorCode, errorMessage, errorSeverity} envelope.
 */
import type { RefundOutcome } from '../../domain/outcome.js';
import type { CallContext } from '../context.js';
import { buildOrRefuse, ProviderError, rawValue, refusalAnswer, type Answer, type ProviderErrorKind } from '../errors.js';
import { commonStatusFailure, joinUrl, malformedAnswer, send, tryParseJson, type HttpResponse } from '../http.js';
import { Secret } from '../secret.js';
import {
  LinkMoneyDebitTransaction,
  LinkMoneyErrorEnvelope,
  LinkMoneyRefundResponse,
  LinkMoneyRefundTransaction,
  LinkMoneyToken,
  buildRefundRequest,
  buildTokenForm,
  linkmoneyRefusal,
  statusPathFor,
  transactionOutcome,
} from './transformers.js';

export interface LinkmoneyClientConfig {
  baseUrl: string;
  clientId: string;
  clientSecret: Secret;
  scope: string;
  statusPath: string;
}

export const TOKEN_REFRESH_MARGIN_MS = 60_000;

interface CachedToken {
  /** Wrapped so that it cannot leak through logs or errors. */
  value: Secret;
  expiresAtMs: number;
}

/**
 * One per worker (created by createActivities). Not module state: tests and several workers in
 * one process each get their own.
 */
export class LinkMoneyTokenCache {
  #token: CachedToken | undefined;
  #inFlight: Promise<CachedToken> | undefined;
  /** Number of token requests sent (for tests and metrics). */
  requests = 0;

  constructor(private readonly cfg: LinkmoneyClientConfig) {}

  /** A valid token, fetching one if there is none or it expires within the refresh margin. */
  async get(ctx: CallContext): Promise<Secret> {
    const t = this.#token;
    if (t && ctx.now().getTime() < t.expiresAtMs) return t.value;
    return (await this.#fetchShared(ctx)).value;
  }

  /** After a 401: forget this token (unless another caller already replaced it). */
  invalidate(used: Secret): void {
    if (this.#token?.value === used) this.#token = undefined;
  }

  #fetchShared(ctx: CallContext): Promise<CachedToken> {
    if (!this.#inFlight) {
      this.#inFlight = this.#fetch(ctx).finally(() => {
        this.#inFlight = undefined;
      });
    }
    return this.#inFlight;
  }

  async #fetch(ctx: CallContext): Promise<CachedToken> {
    this.requests++;
    let res: HttpResponse;
    try {
      res = await send(ctx.dispatcher, {
        provider: 'linkmoney',
        method: 'POST',
        url: joinUrl(this.cfg.baseUrl, '/v1/tokens'),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: buildTokenForm({ clientId: this.cfg.clientId, clientSecret: this.cfg.clientSecret.reveal(), scope: this.cfg.scope }).toString(),
        timeoutMs: ctx.timeoutMs,
        signal: ctx.signal,
      });
    } catch (err) {
      throw tokenFailure(err);
    }
    if (res.status < 200 || res.status >= 300) {
      const err = errorFromResponse(res, ctx.now());
      throw tokenFailure(err);
    }
    const parsed = LinkMoneyToken.safeParse(tryParseJson(res.text));
    if (!parsed.success) throw tokenFailure(malformedAnswer('linkmoney', res, 'token answer without access_token/expires_in'));
    const lifetimeMs = parsed.data.expires_in * 1000;
    const margin = Math.min(TOKEN_REFRESH_MARGIN_MS, lifetimeMs / 2);
    const token = { value: new Secret(parsed.data.access_token), expiresAtMs: ctx.now().getTime() + lifetimeMs - margin };
    this.#token = token;
    return token;
  }
}

/**
 * A failed token request never carried the refund: whatever happened to it, the refund call
 * surely did not reach Link Money (so a submit stays safely retryable).
 */
function tokenFailure(err: unknown): unknown {
  if (!(err instanceof ProviderError)) return err;
  return new ProviderError({
    provider: 'linkmoney',
    kind: err.kind,
    providerCode: err.providerCode,
    providerMessage: err.providerMessage,
    httpStatus: err.httpStatus,
    requestId: err.requestId,
    retryAfterMs: err.retryAfterMs,
    message: `linkmoney: token request failed: ${err.message}`,
    mayHaveReachedProvider: false,
    cause: err,
  });
}

function parseErrorEnvelope(res: HttpResponse): LinkMoneyErrorEnvelope | undefined {
  const parsed = LinkMoneyErrorEnvelope.safeParse(tryParseJson(res.text));
  return parsed.success ? parsed.data : undefined;
}

/**
 * Any non-2xx answer -> ProviderError (429/5xx shared rules; 400/401/403/404 read the envelope),
 * its kind by the HTTP status: what a read throws, and what the v1 activities throw for a refusal.
 */
function errorFromResponse(res: HttpResponse, now: Date): ProviderError {
  const common = commonStatusFailure('linkmoney', res, now);
  const env = parseErrorEnvelope(res);
  if (common) {
    if (!env) return common;
    return new ProviderError({
      provider: 'linkmoney',
      kind: common.kind,
      providerCode: env.errorCode,
      providerMessage: env.errorMessage,
      httpStatus: res.status,
      requestId: env.errorId ?? res.requestId,
      retryAfterMs: common.retryAfterMs,
      message: `linkmoney: ${env.errorCode}: ${env.errorMessage} (HTTP ${res.status})`,
      mayHaveReachedProvider: common.mayHaveReachedProvider,
    });
  }
  const kind = res.status === 401 || res.status === 403 ? 'auth' : res.status === 404 ? 'not_found' : res.status >= 400 && res.status < 500 ? 'invalid_request' : 'transient';
  if (!env && kind !== 'auth' && kind !== 'not_found') {
    return malformedAnswer('linkmoney', res, 'expected the {errorId, errorCode, errorMessage} envelope');
  }
  return new ProviderError({
    provider: 'linkmoney',
    kind,
    providerCode: env?.errorCode,
    providerMessage: env?.errorMessage,
    httpStatus: res.status,
    requestId: env?.errorId ?? res.requestId,
    message: env ? `linkmoney: ${env.errorCode}: ${env.errorMessage} (HTTP ${res.status})` : `linkmoney: HTTP ${res.status}`,
    mayHaveReachedProvider: kind === 'transient' || kind === 'invalid_request',
  });
}

/** Send with a Bearer token; on a 401 refresh the token once and send again. */
async function authorised(
  cfg: LinkmoneyClientConfig,
  tokens: LinkMoneyTokenCache,
  ctx: CallContext,
  req: { method: 'GET' | 'POST'; path: string; body?: unknown },
): Promise<HttpResponse> {
  let res: HttpResponse | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    const token = await tokens.get(ctx);
    const headers: Record<string, string> = { authorization: `Bearer ${token.reveal()}`, accept: 'application/json' };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    res = await send(ctx.dispatcher, {
      provider: 'linkmoney',
      method: req.method,
      url: joinUrl(cfg.baseUrl, req.path),
      headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
    });
    if (res.status !== 401) return res;
    tokens.invalidate(token);
    ctx.log.info('linkmoney: 401, refreshing the access token', { attempt });
  }
  return res as HttpResponse;
}

/** Outcome of a transaction the provider sent; an amount that is not 2-decimal USD is a malformed answer. */
function outcomeOf(res: HttpResponse, ctx: CallContext, tx: Parameters<typeof transactionOutcome>[0]): RefundOutcome {
  let outcome: RefundOutcome;
  try {
    outcome = transactionOutcome(tx);
  } catch {
    throw malformedAnswer('linkmoney', res, 'transaction amount is not a 2-decimal number');
  }
  if (outcome.kind === 'unrecognized') {
    ctx.log.warn('linkmoney: undocumented refund status, treated as still pending', { refundPaymentId: tx.paymentId, providerStatus: tx.paymentStatus });
  }
  return outcome;
}

export interface CreateRefundInput {
  /** Our refund id: sent as clientReferenceId. */
  refundId: string;
  /** The original debit's payment id. */
  paymentId: string;
  amountMinor: number;
  requestKey: string;
}

/**
 * POST /v1/refunds. The 201 answer's paymentStatus through the one status map; a 4xx envelope
 * through the one error-code map (DUPLICATE_REQUEST_KEY = exists); 401 twice, 403, 429 and 5xx
 * are thrown.
 */
export async function createRefund(
  cfg: LinkmoneyClientConfig,
  tokens: LinkMoneyTokenCache,
  ctx: CallContext,
  input: CreateRefundInput,
): Promise<Answer & { created?: LinkMoneyRefundResponse }> {
  const body = buildOrRefuse('linkmoney', () => buildRefundRequest(input));
  const res = await authorised(cfg, tokens, ctx, { method: 'POST', path: '/v1/refunds', body });
  if (res.status === 200 || res.status === 201) {
    const parsed = LinkMoneyRefundResponse.safeParse(tryParseJson(res.text));
    if (!parsed.success) throw malformedAnswer('linkmoney', res, 'refund answer without paymentId/paymentStatus');
    return { outcome: outcomeOf(res, ctx, parsed.data), created: parsed.data };
  }
  const env = parseErrorEnvelope(res);
  const refusable = res.status >= 400 && res.status < 500 && res.status !== 401 && res.status !== 403 && res.status !== 429;
  if (!env || !refusable) throw errorFromResponse(res, ctx.now());
  return refusalAnswer(
    linkmoneyRefusal(env.errorCode),
    { code: env.errorCode, message: env.errorMessage },
    `${rawValue('errorCode', env.errorCode)} (HTTP ${res.status})`,
    (kind, thrown) => (thrown ? envelopeError(res, env, kind) : errorFromResponse(res, ctx.now())),
  );
}

function envelopeError(res: HttpResponse, env: LinkMoneyErrorEnvelope, kind: ProviderErrorKind): ProviderError {
  return new ProviderError({
    provider: 'linkmoney',
    kind,
    providerCode: env.errorCode,
    providerMessage: env.errorMessage,
    httpStatus: res.status,
    requestId: env.errorId ?? res.requestId,
    message: `linkmoney: ${env.errorCode}: ${env.errorMessage} (HTTP ${res.status})`,
    mayHaveReachedProvider: kind !== 'auth',
  });
}

async function readTransaction(cfg: LinkmoneyClientConfig, tokens: LinkMoneyTokenCache, ctx: CallContext, paymentId: string): Promise<{ res: HttpResponse; json: unknown }> {
  const res = await authorised(cfg, tokens, ctx, { method: 'GET', path: statusPathFor(cfg.statusPath, paymentId) });
  if (res.status !== 200) throw errorFromResponse(res, ctx.now());
  const json = tryParseJson(res.text);
  if (json === undefined) throw malformedAnswer('linkmoney', res, 'empty or non-JSON transaction');
  return { res, json };
}

export interface ReadRefund {
  tx: LinkMoneyRefundTransaction;
  outcome: RefundOutcome;
}

/** The status read (configured path) of a refund transaction. A read's error answer is thrown. */
export async function readRefund(cfg: LinkmoneyClientConfig, tokens: LinkMoneyTokenCache, ctx: CallContext, refundPaymentId: string): Promise<ReadRefund> {
  const { res, json } = await readTransaction(cfg, tokens, ctx, refundPaymentId);
  const parsed = LinkMoneyRefundTransaction.safeParse(json);
  if (!parsed.success) throw malformedAnswer('linkmoney', res, 'transaction without paymentId/paymentStatus');
  return { tx: parsed.data, outcome: outcomeOf(res, ctx, parsed.data) };
}

async function debitRefunds(cfg: LinkmoneyClientConfig, tokens: LinkMoneyTokenCache, ctx: CallContext, paymentId: string): Promise<{ res: HttpResponse; refunds: LinkMoneyRefundTransaction[] }> {
  const { res, json } = await readTransaction(cfg, tokens, ctx, paymentId);
  const parsed = LinkMoneyDebitTransaction.safeParse(json);
  if (!parsed.success) throw malformedAnswer('linkmoney', res, 'debit transaction with an unreadable refunds list');
  return { res, refunds: parsed.data.refunds };
}

/** Every refund of the original debit (the same status read of the debit's id), each with its outcome (the reconciliation). */
export async function listRefundsOfPayment(cfg: LinkmoneyClientConfig, tokens: LinkMoneyTokenCache, ctx: CallContext, paymentId: string): Promise<ReadRefund[]> {
  const { res, refunds } = await debitRefunds(cfg, tokens, ctx, paymentId);
  return refunds.map((tx) => ({ tx, outcome: outcomeOf(res, ctx, tx) }));
}

/** The refund under our requestKey among the original debit's refunds (the same status read), or null. */
export async function findRefundByRequestKey(
  cfg: LinkmoneyClientConfig,
  tokens: LinkMoneyTokenCache,
  ctx: CallContext,
  input: { paymentId: string; requestKey: string },
): Promise<ReadRefund | null> {
  const { res, refunds } = await debitRefunds(cfg, tokens, ctx, input.paymentId);
  const match = refunds.find((r) => r.requestKey === input.requestKey);
  if (!match) return null;
  return { tx: match, outcome: outcomeOf(res, ctx, match) };
}
