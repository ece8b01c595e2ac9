/**
 * Reservepay simulator (`/reservepay`): merchants/refund-payment, find-refund,
 * list-refunds-by-payment, find-payment.
 * Page: provider-docs/reservepay-refund-a-payment.txt; REFERENCE.md; docs/provider-assumptions.md.
 * Success: HTTP 200 with JSON; errors: HTTP 400 with `[CODE, MESSAGE, DETAILS]`.
 */
import { z } from 'zod';
import type { ProviderRequest, Reply, SandboxContext } from '../http.js';
import { asMerchant, header, json, mediaType, parseJsonBody } from '../http.js';
import { merchantWith } from '../credentials.js';
import type { SandboxPayment, SandboxRefund } from '../state.js';

export const RESERVEPAY_API_VERSION = '2025-04-01';

export type ReservepayErrorCode =
  | 'NOT_FOUND'
  | 'NOT_REFUNDABLE'
  | 'AMOUNT_EXCEEDS_LIMIT'
  | 'INVALID_ARGUMENTS'
  | 'UNAUTHORIZED'
  | 'BAD_VERSION'
  | 'UNHANDLED_ERROR';

function rpError(code: ReservepayErrorCode, message: string, details: unknown = null): Reply {
  return json(400, [code, message, details]);
}

const RefundPayment = z.object({ payment_id: z.string().min(1), amount: z.number().int().positive().optional() }).strict();
const FindRefund = z.object({ refund_id: z.string().min(1) }).strict();
const FindPayment = z.object({ payment_id: z.string().min(1) }).strict();
const ListRefunds = z
  .object({
    payment_id: z.string().min(1),
    per_page: z.number().int().min(1).max(100).optional(),
    after: z.string().min(1).optional(),
    before: z.string().min(1).optional(),
  })
  .strict();

/** Satang held by refunds that are pending or succeeded. */
export function reservepayRefunded(ctx: SandboxContext, p: SandboxPayment): number {
  return ctx.store
    .refundsOf('reservepay', p.id)
    .filter((r) => r.status !== 'failed')
    .reduce((s, r) => s + r.amount, 0);
}

function refundView(r: SandboxRefund): Record<string, unknown> {
  return {
    refund_id: r.id,
    payment_id: r.paymentId,
    status: r.status,
    amount: r.amount,
    currency: r.currency,
    created_at: r.createdAt,
    refunded_at: r.status === 'succeeded' ? r.decidedAt : null,
    full: r.full,
  };
}

export function createReservepay() {
  function parse<T>(schema: z.ZodType<T>, req: ProviderRequest): { ok: true; value: T } | { ok: false; reply: Reply } {
    if (mediaType(req) !== 'application/json') {
      return { ok: false, reply: rpError('INVALID_ARGUMENTS', 'Content-Type must be application/json', null) };
    }
    const raw = parseJsonBody(req);
    if (!raw.ok) return { ok: false, reply: rpError('INVALID_ARGUMENTS', raw.error, null) };
    const parsed = schema.safeParse(raw.value);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      return { ok: false, reply: rpError('INVALID_ARGUMENTS', 'Invalid arguments', { issues }) };
    }
    return { ok: true, value: parsed.data };
  }

  function refundPayment(req: ProviderRequest, ctx: SandboxContext): Reply {
    const body = parse(RefundPayment, req);
    if (!body.ok) return body.reply;
    const p = ctx.store.payment('reservepay', body.value.payment_id);
    if (!p) return rpError('NOT_FOUND', 'Payment not found', { payment_id: body.value.payment_id });
    if (!p.refundsEnabled) return rpError('NOT_REFUNDABLE', 'The integration does not support refunds', { payment_id: p.id });
    if (!p.billed) return rpError('NOT_REFUNDABLE', 'Payment has not been billed yet', { payment_id: p.id });
    const remaining = p.amount - reservepayRefunded(ctx, p);
    if (remaining <= 0) return rpError('NOT_REFUNDABLE', 'Payment is already fully refunded', { payment_id: p.id });
    const amount = body.value.amount ?? remaining;
    if (amount > remaining) {
      return rpError('AMOUNT_EXCEEDS_LIMIT', 'The refund amount exceeds the remaining refundable amount', { refundable: remaining, amount });
    }
    const now = ctx.clock.nowIso();
    const refund: SandboxRefund = {
      provider: 'reservepay',
      id: ctx.store.newId('rfn_'),
      paymentId: p.id,
      amount,
      currency: p.currency,
      status: p.respondPending ? 'pending' : 'succeeded',
      createdAt: now,
      decidedAt: p.respondPending ? null : now,
      reason: null,
      full: amount === p.amount,
    };
    ctx.store.state.refunds.push(refund);
    ctx.save();
    return json(200, refund.id);
  }

  function findRefund(req: ProviderRequest, ctx: SandboxContext): Reply {
    const body = parse(FindRefund, req);
    if (!body.ok) return body.reply;
    const r = ctx.store.refund(body.value.refund_id);
    if (!r || r.provider !== 'reservepay') return rpError('NOT_FOUND', 'Refund not found', { refund_id: body.value.refund_id });
    return json(200, refundView(r));
  }

  function listRefunds(req: ProviderRequest, ctx: SandboxContext): Reply {
    const body = parse(ListRefunds, req);
    if (!body.ok) return body.reply;
    const { payment_id, after, before } = body.value;
    const perPage = body.value.per_page ?? 25;
    if (after && before) return rpError('INVALID_ARGUMENTS', 'Use either after or before, not both', null);
    if (!ctx.store.payment('reservepay', payment_id)) return rpError('NOT_FOUND', 'Payment not found', { payment_id });
    const all = ctx.store.refundsOf('reservepay', payment_id);
    let slice: SandboxRefund[];
    let hasMore: boolean;
    if (after || before) {
      const idx = all.findIndex((r) => r.id === (after ?? before));
      if (idx < 0) return rpError('INVALID_ARGUMENTS', 'Unknown cursor', { cursor: after ?? before });
      if (after) {
        slice = all.slice(idx + 1, idx + 1 + perPage);
        hasMore = idx + 1 + perPage < all.length;
      } else {
        slice = all.slice(Math.max(0, idx - perPage), idx);
        hasMore = idx - perPage > 0;
      }
    } else {
      slice = all.slice(0, perPage);
      hasMore = perPage < all.length;
    }
    return json(200, { data: slice.map(refundView), has_more: hasMore });
  }

  function findPayment(req: ProviderRequest, ctx: SandboxContext): Reply {
    const body = parse(FindPayment, req);
    if (!body.ok) return body.reply;
    const p = ctx.store.payment('reservepay', body.value.payment_id);
    if (!p) return rpError('NOT_FOUND', 'Payment not found', { payment_id: body.value.payment_id });
    const refunded = reservepayRefunded(ctx, p);
    return json(200, {
      payment_id: p.id,
      status: p.billed ? 'billed' : 'captured',
      amount: p.amount,
      currency: p.currency,
      refundable: p.billed && p.refundsEnabled ? p.amount - refunded : 0,
      refunded_amount: refunded,
      created_at: p.createdAt,
    });
  }

  const routes: Record<string, (req: ProviderRequest, ctx: SandboxContext) => Reply> = {
    '/merchants/refund-payment': refundPayment,
    '/merchants/find-refund': findRefund,
    '/merchants/list-refunds-by-payment': listRefunds,
    '/merchants/find-payment': findPayment,
  };

  return {
    handle(req: ProviderRequest, ctx: SandboxContext): Reply {
      const fn = routes[req.route.replace(/\/+$/, '')];
      if (!fn) return json(404, ['NOT_FOUND', 'Unknown endpoint', { path: req.route }]);
      if (req.method !== 'POST') return json(405, ['INVALID_ARGUMENTS', 'Method not allowed', { method: req.method }]);
      const auth = /^Bearer\s+(\S+)$/i.exec(header(req, 'authorization') ?? '');
      // Any merchant's key (docs/accounts.md); the request log names whose it was.
      const merchant = merchantWith(ctx.merchants, 'reservepayApiKey', auth?.[1]);
      if (!merchant) return rpError('UNAUTHORIZED', 'Invalid or missing API key', null);
      const version = header(req, 'api-version');
      if (version !== RESERVEPAY_API_VERSION) {
        return rpError('BAD_VERSION', `Unsupported API version ${JSON.stringify(version ?? null)}`, { supported: [RESERVEPAY_API_VERSION] });
      }
      return fn(req, asMerchant(ctx, req, merchant));
    },
  };
}
