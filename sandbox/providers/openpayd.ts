/**
 * OpenPayd PSP simulator (`/openpayd`): POST /pw/v3/payment/refund, POST /pw/v3/payment/status.
 * Page: provider-docs/openpayd-payment-refund.txt; REFERENCE.md; docs/provider-assumptions.md.
 * Every business answer is HTTP 200; the outcome is in `code`/`status`.
 */
import { z } from 'zod';
import type { SandboxContext, ProviderRequest, Reply } from '../http.js';
import { json, mediaType, parseFormBody, parseJsonBody } from '../http.js';
import { merchantWith } from '../credentials.js';
import type { SandboxPayment, SandboxRefund } from '../state.js';

const OPENPAYD_REFUNDABLE_METHODS = ['CREDITCARD', 'VISA'] as const;

const Field = z.union([z.string(), z.number()]).optional().nullable();
const Body = z.object({ apiKey: Field, transactionId: Field, referenceNo: Field, amount: Field, currency: Field });

type Code = string | number;

function result(code: Code, status: string, message: string, extra: Record<string, unknown> = {}): Reply {
  return json(200, { code, status, message, ...extra });
}

const given = (v: unknown): v is string | number => v !== undefined && v !== null && String(v).trim() !== '';

function openpaydAccountPartial(ctx: SandboxContext, apiKey: string): boolean {
  return ctx.store.state.openpaydAccounts[apiKey]?.partialRefunds ?? false;
}

function knownKey(ctx: SandboxContext, apiKey: string): boolean {
  return apiKey.length === 32 && (merchantWith(ctx.merchants, 'openpaydApiKey', apiKey) !== undefined || apiKey in ctx.store.state.openpaydAccounts);
}

/** Cents already refunded or on their way (APPROVED + PENDING). */
export function openpaydRefunded(ctx: SandboxContext, p: SandboxPayment): number {
  return ctx.store
    .refundsOf('openpayd', p.id)
    .filter((r) => r.status !== 'DECLINED')
    .reduce((s, r) => s + r.amount, 0);
}

export function createOpenPayd() {
  async function readBody(req: ProviderRequest): Promise<Record<string, unknown> | null> {
    if (mediaType(req) === 'application/json') {
      const r = parseJsonBody(req);
      return r.ok && r.value && typeof r.value === 'object' && !Array.isArray(r.value) ? (r.value as Record<string, unknown>) : null;
    }
    try {
      return await parseFormBody(req);
    } catch {
      return null;
    }
  }

  type Located = { ok: true; payment: SandboxPayment; apiKey: string; echo: Record<string, unknown> } | { ok: false; reply: Reply };

  function locate(body: z.infer<typeof Body>, ctx: SandboxContext, req: ProviderRequest): Located {
    const echo: Record<string, unknown> = {};
    if (given(body.transactionId)) echo.transactionId = String(body.transactionId);
    if (given(body.referenceNo)) echo.referenceNo = String(body.referenceNo);
    for (const field of ['apiKey', 'transactionId', 'referenceNo'] as const) {
      if (!given(body[field])) return { ok: false, reply: result(12, 'ERROR', `${field} is required`, echo) };
    }
    const apiKey = String(body.apiKey);
    if (!knownKey(ctx, apiKey)) return { ok: false, reply: result(5, 'ERROR', 'Invalid apiKey', echo) };
    const merchant = merchantWith(ctx.merchants, 'openpaydApiKey', apiKey);
    if (merchant) req.merchant = merchant; // the request log names it (docs/accounts.md)
    const payment = ctx.store.payment('openpayd', String(body.transactionId));
    if (!payment || payment.account !== apiKey || payment.referenceNo !== String(body.referenceNo)) {
      return { ok: false, reply: result(14, 'ERROR', 'Transaction not found', echo) };
    }
    return { ok: true, payment, apiKey, echo };
  }

  function refund(body: z.infer<typeof Body>, ctx: SandboxContext, req: ProviderRequest): Reply {
    const located = locate(body, ctx, req);
    if (!located.ok) return located.reply;
    const { payment, apiKey, echo } = located;
    const date = Math.floor(ctx.clock.nowMs() / 1000);
    if (given(body.amount) !== given(body.currency)) {
      return result(188, 'DECLINED', 'Amount is required', { ...echo, ...(given(body.amount) ? { amount: String(body.amount) } : {}), date });
    }
    if (!OPENPAYD_REFUNDABLE_METHODS.includes(payment.method as (typeof OPENPAYD_REFUNDABLE_METHODS)[number])) {
      return result(54, 'ERROR', 'Payment method is not refundable', echo);
    }
    const remaining = payment.amount - openpaydRefunded(ctx, payment);
    const partial = given(body.amount);
    const requested = partial ? String(body.amount).trim() : String(payment.amount);
    if (remaining <= 0) {
      return result(32, 'DECLINED', 'Already refunded', { ...echo, amount: requested, currency: payment.currency, date });
    }
    let amount = remaining;
    if (partial) {
      if (!/^\d+$/.test(requested) || Number(requested) <= 0 || !Number.isSafeInteger(Number(requested))) {
        return result(13, 'ERROR', 'Invalid amount', echo);
      }
      if (String(body.currency).trim() !== payment.currency) return result(13, 'ERROR', 'Invalid currency', echo);
      if (!openpaydAccountPartial(ctx, apiKey)) {
        return result(96, 'DECLINED', 'Partial refund is not allowed', { ...echo, amount: requested, currency: payment.currency, date });
      }
      amount = Number(requested);
      if (amount > remaining) {
        return result(13, 'DECLINED', 'Amount exceeds refundable amount', { ...echo, amount: requested, currency: payment.currency, date });
      }
    }
    const pending = payment.respondPending;
    const record: SandboxRefund = {
      provider: 'openpayd',
      id: ctx.store.newId('oprf_'),
      paymentId: payment.id,
      amount,
      currency: payment.currency,
      status: pending ? 'PENDING' : 'APPROVED',
      createdAt: ctx.clock.nowIso(),
      decidedAt: pending ? null : ctx.clock.nowIso(),
      reason: null,
      full: !partial,
    };
    ctx.store.state.refunds.push(record);
    ctx.save();
    const fields = { transactionId: payment.id, referenceNo: payment.referenceNo, amount: String(amount), currency: payment.currency, date, isLive: false };
    return pending ? result(283, 'PENDING', 'Waiting', fields) : result('00', 'APPROVED', 'Approved', fields);
  }

  function status(body: z.infer<typeof Body>, ctx: SandboxContext, req: ProviderRequest): Reply {
    const located = locate(body, ctx, req);
    if (!located.ok) return located.reply;
    const p = located.payment;
    const refunds = ctx.store.refundsOf('openpayd', p.id);
    const refunded = refunds.filter((r) => r.status === 'APPROVED').reduce((s, r) => s + r.amount, 0);
    const paymentStatus = refunded === 0 ? 'APPROVED' : refunded >= p.amount ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
    return result('00', paymentStatus, 'Approved', {
      transactionId: p.id,
      referenceNo: p.referenceNo,
      amount: String(p.amount),
      currency: p.currency,
      refundedAmount: String(refunded),
      refunds: refunds.map((r) => ({
        refundId: r.id,
        amount: String(r.amount),
        status: r.status,
        date: Math.floor(Date.parse(r.decidedAt ?? r.createdAt) / 1000),
      })),
      isLive: false,
    });
  }

  return {
    async handle(req: ProviderRequest, ctx: SandboxContext): Promise<Reply> {
      const route = req.route.replace(/\/+$/, '');
      if (route !== '/pw/v3/payment/refund' && route !== '/pw/v3/payment/status') return json(404, { code: 404, status: 'ERROR', message: 'Not found' });
      if (req.method !== 'POST') return json(405, { code: 405, status: 'ERROR', message: 'Method not allowed' });
      const raw = await readBody(req);
      const parsed = raw === null ? null : Body.safeParse(raw);
      if (!parsed || !parsed.success) return json(400, { code: 12, status: 'ERROR', message: 'Invalid request body' });
      return route === '/pw/v3/payment/refund' ? refund(parsed.data, ctx, req) : status(parsed.data, ctx, req);
    },
  };
}
