/**
 * Link Money simulator (`/linkmoney`): POST /v1/tokens, POST /v1/refunds, GET /v1/transactions/{id}.
 * Page: provider-docs/linkmoney-issue-a-refund.txt; REFERENCE.md; docs/provider-assumptions.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { settlementHoldEnds } from '../../domain/calendar.js';
import { parseDecimalNumber, parseDecimalString, toDecimalString } from '../../domain/money.js';
import type { SandboxPayment, SandboxRefund } from '../state.js';
import { header, json, mediaType, parseFormBody, parseJsonBody, type ProviderRequest, type Reply, type SandboxContext } from '../http.js';
import { merchantWith } from '../credentials.js';

const LINKMONEY_TOKEN_TTL_SECONDS = 3600;
export const LINKMONEY_SCOPE = 'Link-Payment';

function linkError(status: number, errorCode: string, errorMessage: string): Reply {
  return json(status, { errorId: randomUUID(), errorCode, errorMessage, errorSeverity: 'ERROR' });
}

const RefundBody = z.object({
  paymentId: z.string().min(1),
  amount: z.object({ currency: z.string(), value: z.union([z.number(), z.string()]) }),
  clientReferenceId: z.string().max(255).optional().nullable(),
  clientRefefenceId: z.string().max(255).optional().nullable(),
  softDescriptor: z.string().max(80).regex(/^[A-Za-z0-9 ]*$/, 'softDescriptor must be alphanumeric').optional(),
  requestKey: z.string().min(1).max(255),
});

/** `value`: a decimal with at most two fraction digits, parsed exactly; null when invalid. */
function parseUsdValue(value: number | string): number | null {
  try {
    if (typeof value === 'number') {
      if (!/^\d+(\.\d{1,2})?$/.test(String(value))) return null;
      return parseDecimalNumber(value, 'USD');
    }
    if (!/^\d+(\.\d{1,2})?$/.test(value.trim())) return null;
    return parseDecimalString(value, 'USD');
  } catch {
    return null;
  }
}

/** The refund's status now (PENDING is resolved against the settlement hold, by the sandbox clock). */
export function linkRefundStatus(refund: SandboxRefund, payment: SandboxPayment | undefined, nowMs: number): string {
  if (refund.status !== 'PENDING' || !payment) return refund.status;
  if (payment.debitFailed) return 'TERMINAL_FAILED';
  if (payment.settledAt === null) return 'PENDING';
  return nowMs >= Date.parse(settlementHoldEnds(payment.settledAt)) ? 'AUTHORIZED' : 'PENDING';
}

function debitStatus(p: SandboxPayment): string {
  if (p.debitFailed) return 'TERMINAL_FAILED';
  return p.settledAt === null ? 'PENDING' : 'SUCCEEDED';
}

const NOT_DEBITED = { errorCode: 'CUSTOMER_NOT_DEBITED', errorMessage: 'Original debit transaction was not successful' };

function refundView(r: SandboxRefund, p: SandboxPayment | undefined, nowMs: number): Record<string, unknown> {
  const status = linkRefundStatus(r, p, nowMs);
  return {
    paymentId: r.id,
    paymentStatus: status,
    type: 'REFUND',
    originalPaymentId: r.paymentId,
    amount: { currency: 'USD', value: toDecimalString(r.amount, 'USD') },
    clientReferenceId: r.clientReferenceId ?? null,
    requestKey: r.requestKey,
    ...(status === 'TERMINAL_FAILED' ? { errorDetails: NOT_DEBITED } : {}),
  };
}

export function createLinkMoney() {
  function bearer(req: ProviderRequest, ctx: SandboxContext): boolean {
    const auth = header(req, 'authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m) return false;
    const token = ctx.store.state.linkmoneyTokens[m[1]!];
    if (token === undefined || ctx.clock.nowMs() >= token.expiresAt) return false;
    req.merchant = token.merchant ?? 'default'; // whose client credentials got the token (docs/accounts.md)
    return true;
  }

  async function tokens(req: ProviderRequest, ctx: SandboxContext): Promise<Reply> {
    if (mediaType(req) !== 'application/x-www-form-urlencoded') {
      return linkError(400, 'INVALID_REQUEST', 'Content-Type must be application/x-www-form-urlencoded');
    }
    const form = await parseFormBody(req);
    if (form.grant_type !== 'client_credentials') return linkError(400, 'UNSUPPORTED_GRANT_TYPE', 'grant_type must be client_credentials');
    // Any merchant's client credentials (docs/accounts.md), both of the same merchant.
    const merchant = merchantWith(ctx.merchants, 'linkmoneyClientId', form.client_id);
    if (!merchant || ctx.merchants[merchant]!.linkmoneyClientSecret !== form.client_secret) {
      return linkError(401, 'INVALID_CLIENT', 'Invalid client credentials');
    }
    req.merchant = merchant;
    const scope = form.scope ?? '';
    if (!scope.split(/\s+/).includes(LINKMONEY_SCOPE)) return linkError(400, 'INVALID_SCOPE', `scope must include ${LINKMONEY_SCOPE}`);
    const accessToken = randomBytes(24).toString('base64url');
    const now = ctx.clock.nowMs();
    for (const [t, v] of Object.entries(ctx.store.state.linkmoneyTokens)) if (v.expiresAt <= now) delete ctx.store.state.linkmoneyTokens[t];
    ctx.store.state.linkmoneyTokens[accessToken] = { expiresAt: now + LINKMONEY_TOKEN_TTL_SECONDS * 1000, scope, ...(merchant === 'default' ? {} : { merchant }) };
    ctx.save();
    return json(200, { token_type: 'Bearer', expires_in: LINKMONEY_TOKEN_TTL_SECONDS, access_token: accessToken, scope });
  }

  function refunds(req: ProviderRequest, ctx: SandboxContext): Reply {
    if (mediaType(req) !== 'application/json') return linkError(400, 'INVALID_REQUEST', 'Content-Type must be application/json');
    const raw = parseJsonBody(req);
    if (!raw.ok) return linkError(400, 'INVALID_REQUEST', raw.error);
    const parsed = RefundBody.safeParse(raw.value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return linkError(400, 'INVALID_REQUEST', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
    }
    const body = parsed.data;
    if (ctx.store.state.refunds.some((r) => r.provider === 'linkmoney' && r.requestKey === body.requestKey)) {
      return linkError(400, 'DUPLICATE_REQUEST_KEY', 'A payment with this requestKey already exists');
    }
    if (body.amount.currency !== 'USD') return linkError(400, 'INVALID_AMOUNT', 'amount.currency must be USD');
    const amount = parseUsdValue(body.amount.value);
    if (amount === null || amount <= 0) {
      return linkError(400, 'INVALID_AMOUNT', 'amount.value must be a positive decimal number with at most two decimal digits');
    }
    const payment = ctx.store.payment('linkmoney', body.paymentId);
    if (!payment) return linkError(404, 'PAYMENT_NOT_FOUND', `Payment ${body.paymentId} not found`);
    const nowMs = ctx.clock.nowMs();
    const used = ctx.store
      .refundsOf('linkmoney', payment.id)
      .filter((r) => !['TERMINAL_FAILED', 'CANCELED'].includes(linkRefundStatus(r, payment, nowMs)))
      .reduce((s, r) => s + r.amount, 0);
    if (!payment.debitFailed && amount > payment.amount - used) {
      return linkError(400, 'REFUND_AMOUNT_EXCEEDED', 'Refund amount exceeds the refundable amount of the payment');
    }
    const refund: SandboxRefund = {
      provider: 'linkmoney',
      id: randomUUID(),
      paymentId: payment.id,
      amount,
      currency: 'USD',
      status: payment.debitFailed ? 'TERMINAL_FAILED' : 'PENDING',
      createdAt: ctx.clock.nowIso(),
      decidedAt: null,
      reason: null,
      full: amount === payment.amount,
      requestKey: body.requestKey,
      clientReferenceId: body.clientReferenceId ?? body.clientRefefenceId ?? null,
      ...(body.softDescriptor !== undefined ? { softDescriptor: body.softDescriptor } : {}),
    };
    ctx.store.state.refunds.push(refund);
    ctx.save();
    const status = linkRefundStatus(refund, payment, nowMs);
    return json(201, {
      paymentId: refund.id,
      paymentStatus: status,
      clientReferenceId: refund.clientReferenceId,
      ...(status === 'TERMINAL_FAILED' ? { errorDetails: NOT_DEBITED } : {}),
    });
  }

  function transaction(id: string, ctx: SandboxContext): Reply {
    const nowMs = ctx.clock.nowMs();
    const refund = ctx.store.refund(id);
    if (refund && refund.provider === 'linkmoney') return json(200, refundView(refund, ctx.store.payment('linkmoney', refund.paymentId), nowMs));
    const p = ctx.store.payment('linkmoney', id);
    if (!p) return linkError(404, 'PAYMENT_NOT_FOUND', `Transaction ${id} not found`);
    return json(200, {
      paymentId: p.id,
      paymentStatus: debitStatus(p),
      type: 'DEBIT',
      amount: { currency: 'USD', value: toDecimalString(p.amount, 'USD') },
      settledAt: p.settledAt,
      refunds: ctx.store.refundsOf('linkmoney', p.id).map((r) => refundView(r, p, nowMs)),
    });
  }

  return {
    async handle(req: ProviderRequest, ctx: SandboxContext): Promise<Reply> {
      const route = req.route.replace(/\/+$/, '');
      if (route === '/v1/tokens' && req.method === 'POST') return tokens(req, ctx);
      const tx = /^\/v1\/transactions\/([^/]+)$/.exec(route);
      const known = route === '/v1/refunds' || tx !== null;
      if (!known) return linkError(404, 'NOT_FOUND', `No route ${req.method} ${route}`);
      if (!bearer(req, ctx)) return linkError(401, 'UNAUTHORIZED', 'Invalid or expired access token');
      if (route === '/v1/refunds' && req.method === 'POST') return refunds(req, ctx);
      if (tx && req.method === 'GET') return transaction(decodeURIComponent(tx[1]!), ctx);
      return linkError(405, 'METHOD_NOT_ALLOWED', `Method ${req.method} not allowed on ${route}`);
    },
  };
}
