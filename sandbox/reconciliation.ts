/**
 * Admin routes that make each kind of reconciliation mismatch happen at a provider
 * (docs/sandbox.md "Reconciliation"; docs/reconciliation.md):
 *  - POST   /_sandbox/reconciliation/stray-refunds   a refund nobody asked for (final at once)
 *  - DELETE /_sandbox/refunds/:id                    the provider loses a refund (ours succeeded, absent)
 *  - POST   /_sandbox/refunds/:id/amount             the provider's amount changes silently
 *  - POST   /_sandbox/refunds/:id/finalise           a pending refund becomes final with nobody told
 *    (also Link Money's, whose refunds otherwise follow the settlement hold)
 * Nothing is sent to anybody: no provider of these has a refund webhook.
 */
import { z } from 'zod';
import { PROVIDERS, type Provider } from '../domain/providers.js';
import { json, type Reply, type SandboxContext } from './http.js';
import { secpaidTransactionId } from './providers/secpaid.js';
import type { SandboxRefund } from './state.js';

type Route = [method: string, pattern: RegExp, fn: (m: string[], body: unknown, q: URLSearchParams) => Reply];

const StraySchema = z
  .object({
    provider: z.enum(PROVIDERS),
    paymentId: z.string().min(1).max(64),
    amount: z.number().int().positive(),
    /** Approved unless `failed`. */
    outcome: z.enum(['approved', 'failed']).optional(),
  })
  .strict();
const AmountSchema = z.object({ amount: z.number().int().positive() }).strict();
const FinaliseSchema = z.object({ outcome: z.enum(['approved', 'failed']).optional() }).strict();

/** Each provider's own words for a final refund, as its simulator stores them. */
const FINAL: Record<Provider, Record<'approved' | 'failed', string>> = {
  secpaid: { approved: 'Approved', failed: 'Rejected' },
  linkmoney: { approved: 'AUTHORIZED', failed: 'TERMINAL_FAILED' },
  openpayd: { approved: 'APPROVED', failed: 'DECLINED' },
  reservepay: { approved: 'succeeded', failed: 'failed' },
};
const PENDING = new Set(['Pending', 'PENDING', 'pending']);
const ID_PREFIX: Record<Provider, string> = { secpaid: 'sprf_', linkmoney: 'lmrf_', openpayd: 'oprf_', reservepay: 'rfn_' };

const invalid = (issues: z.core.$ZodIssue[]) => json(400, { error: 'invalid request body', details: issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });

export function reconciliationRoutes(ctx: SandboxContext, view: (r: SandboxRefund) => Record<string, unknown>): Route[] {
  const { store, clock } = ctx;
  /** Approve (or fail) a refund the way the provider's own decision does. */
  function decide(r: SandboxRefund, outcome: 'approved' | 'failed'): void {
    r.status = FINAL[r.provider][outcome];
    r.decidedAt = clock.nowIso();
    if (outcome === 'failed') r.reason = 'Failed at the provider (sandbox reconciliation)';
    if (r.provider === 'secpaid' && outcome === 'approved') r.transactionId = secpaidTransactionId(r.decidedAt, store.nextSeq());
  }
  const withRefund = (id: string, fn: (r: SandboxRefund) => Reply): Reply => {
    const r = store.refund(id);
    return r ? fn(r) : json(404, { error: `no refund ${id}` });
  };

  return [
    ['POST', /^\/reconciliation\/stray-refunds$/, (_m, body) => {
      const b = StraySchema.safeParse(body);
      if (!b.success) return invalid(b.error.issues);
      const p = store.payment(b.data.provider, b.data.paymentId);
      if (!p) return json(404, { error: `no payment ${b.data.provider}/${b.data.paymentId}` });
      const r: SandboxRefund = {
        provider: p.provider,
        id: store.newId(ID_PREFIX[p.provider]),
        paymentId: p.id,
        amount: b.data.amount,
        currency: p.currency,
        status: 'pending',
        createdAt: clock.nowIso(),
        decidedAt: null,
        reason: null,
        full: b.data.amount === p.amount,
        ...(p.provider === 'linkmoney' ? { requestKey: `stray-${store.nextSeq()}`, clientReferenceId: null } : {}),
      };
      decide(r, b.data.outcome ?? 'approved');
      store.state.refunds.push(r);
      ctx.save();
      return json(201, view(r));
    }],
    ['DELETE', /^\/refunds\/([^/]+)$/, (m) =>
      withRefund(m[1]!, (r) => {
        store.state.refunds = store.state.refunds.filter((x) => x !== r);
        ctx.save();
        return json(200, { dropped: r.id, provider: r.provider, paymentId: r.paymentId });
      })],
    ['POST', /^\/refunds\/([^/]+)\/amount$/, (m, body) =>
      withRefund(m[1]!, (r) => {
        const b = AmountSchema.safeParse(body);
        if (!b.success) return invalid(b.error.issues);
        r.amount = b.data.amount;
        ctx.save();
        return json(200, view(r));
      })],
    ['POST', /^\/refunds\/([^/]+)\/finalise$/, (m, body) =>
      withRefund(m[1]!, (r) => {
        const b = FinaliseSchema.safeParse(body);
        if (!b.success) return invalid(b.error.issues);
        if (!PENDING.has(r.status)) return json(409, { error: `refund ${r.id} is ${r.status}, not pending` });
        decide(r, b.data.outcome ?? 'approved');
        ctx.save();
        return json(200, view(r));
      })],
  ];
}
