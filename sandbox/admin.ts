/**
 * The admin API under `/_sandbox` (JSON in, JSON out). docs/sandbox.md lists every route.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { settlementHoldEnds } from '../domain/calendar.js';
import { CURRENCY_CODES, type CurrencyCode } from '../domain/money.js';
import { PROVIDERS, type Provider } from '../domain/providers.js';
import type { FaultInjector } from './faults.js';
import type { Reply, SandboxContext } from './http.js';
import { json } from './http.js';
import { linkRefundStatus } from './providers/linkmoney.js';
import { openpaydRefunded } from './providers/openpayd.js';
import { reservepayRefunded } from './providers/reservepay.js';
import { secpaidTransactionId } from './providers/secpaid.js';
import type { RequestLog } from './request-log.js';
import { reconciliationRoutes } from './reconciliation.js';
import type { SandboxPayment, SandboxRefund } from './state.js';

const DEFAULT_CURRENCY: Record<Provider, CurrencyCode> = { secpaid: 'EUR', linkmoney: 'USD', openpayd: 'EUR', reservepay: 'THB' };
const DEFAULT_METHOD: Record<Provider, string> = { secpaid: 'Card', linkmoney: 'ACH', openpayd: 'CREDITCARD', reservepay: 'promptpay' };

const IsoInstant = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO instant');

const CreatePaymentSchema = z
  .object({
    provider: z.enum(PROVIDERS),
    id: z.string().min(1).max(64).optional(),
    amount: z.number().int().positive(),
    currency: z.enum(CURRENCY_CODES).optional(),
    method: z.string().min(1).optional(),
    createdAt: IsoInstant.optional(),
    settledAt: IsoInstant.nullable().optional(),
    debitFailed: z.boolean().optional(),
    dispute: z.enum(['none', 'open', 'won', 'lost']).optional(),
    linkType: z.enum(['basic', 'invoice']).optional(),
    cancelled: z.boolean().optional(),
    owner: z.union([z.string().min(1), z.number().int()]).optional(),
    account: z.string().length(32).optional(),
    referenceNo: z.string().min(1).max(32).optional(),
    partialRefunds: z.boolean().optional(),
    billed: z.boolean().optional(),
    refundsEnabled: z.boolean().optional(),
    respondPending: z.boolean().optional(),
  })
  .strict();

const UpdatePaymentSchema = CreatePaymentSchema.omit({ provider: true, id: true, amount: true, currency: true }).partial().strict();

const ClockSetSchema = z.object({ now: IsoInstant, frozen: z.boolean().optional() }).strict();
const ClockAdvanceSchema = z
  .object({ ms: z.number().optional(), seconds: z.number().optional(), minutes: z.number().optional(), hours: z.number().optional(), days: z.number().optional() })
  .strict();
const RejectSchema = z.object({ reason: z.string().min(1).max(500).optional() }).strict();
export const LINKMONEY_STATUSES = ['CREATED', 'PENDING', 'AUTHORIZED', 'SCHEDULED', 'INITIATED', 'SUCCEEDED', 'RETRYABLE_FAILED', 'TERMINAL_FAILED', 'CANCELED'] as const;
/**
 * Any status word, verbatim: the documented ones, the same in another case or spacing, or one no
 * provider page documents, so that tests see what an adapter does with what a real provider may send.
 */
const StatusSchema = z.object({ status: z.string().min(1).max(40).regex(/^[\x20-\x7e]+$/, 'printable ASCII') }).strict();
const PartialSchema = z.object({ partialRefunds: z.boolean() }).strict();
const SeedSchema = z.object({ seed: z.number().int() }).strict();
const ResetSchema = z.object({ keepClock: z.boolean().optional() }).strict();

class AdminError extends Error {
  override readonly name = 'AdminError';
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new AdminError(400, 'invalid request body', r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  return r.data;
}

export interface AdminDeps {
  ctx: SandboxContext;
  faults: FaultInjector;
  log: RequestLog;
  resetProviders(): void;
}

export function createAdmin(deps: AdminDeps) {
  const { ctx, faults, log } = deps;
  const { store, clock } = ctx;

  function refundView(r: SandboxRefund): Record<string, unknown> {
    const p = store.payment(r.provider, r.paymentId);
    if (r.provider !== 'linkmoney') return { ...r };
    return {
      ...r,
      status: linkRefundStatus(r, p, clock.nowMs()),
      storedStatus: r.status,
      holdEndsAt: p?.settledAt ? settlementHoldEnds(p.settledAt) : null,
    };
  }

  function refunded(p: SandboxPayment): number {
    switch (p.provider) {
      case 'openpayd':
        return openpaydRefunded(ctx, p);
      case 'reservepay':
        return reservepayRefunded(ctx, p);
      case 'secpaid':
        return store.refundsOf('secpaid', p.id).filter((r) => r.status !== 'Rejected').reduce((s, r) => s + r.amount, 0);
      case 'linkmoney':
        return store
          .refundsOf('linkmoney', p.id)
          .filter((r) => !['TERMINAL_FAILED', 'CANCELED'].includes(linkRefundStatus(r, p, clock.nowMs())))
          .reduce((s, r) => s + r.amount, 0);
    }
  }

  function paymentView(p: SandboxPayment): Record<string, unknown> {
    const done = refunded(p);
    const extra = p.provider === 'openpayd' ? { partialRefunds: store.state.openpaydAccounts[p.account]?.partialRefunds ?? false } : {};
    return {
      ...p,
      ...extra,
      refundedAmount: done,
      remainingAmount: p.amount - done,
      holdEndsAt: p.provider === 'linkmoney' && p.settledAt ? settlementHoldEnds(p.settledAt) : null,
      refunds: store.refundsOf(p.provider, p.id).map(refundView),
    };
  }

  function ensureAccount(apiKey: string, partial?: boolean): void {
    const acc = (store.state.openpaydAccounts[apiKey] ??= { partialRefunds: false });
    if (partial !== undefined) acc.partialRefunds = partial;
  }

  function createPayment(body: unknown): Reply {
    const b = parse(CreatePaymentSchema, body);
    const seq = store.nextSeq();
    const now = clock.nowIso();
    const createdAt = b.createdAt ? new Date(b.createdAt).toISOString() : now;
    const unix = Math.floor(Date.parse(createdAt) / 1000);
    const id =
      b.id ??
      { secpaid: String(42000 + seq), linkmoney: randomUUID(), openpayd: `${500 + seq}-${unix}-${seq % 10}`, reservepay: store.newId('pay_') }[b.provider];
    if (store.payment(b.provider, id)) throw new AdminError(409, `payment ${b.provider}/${id} already exists`);
    if (b.provider === 'secpaid' && !/^\d+$/.test(id)) throw new AdminError(400, 'SecPaid pay_id must be an integer');
    const payment: SandboxPayment = {
      provider: b.provider,
      id,
      amount: b.amount,
      currency: b.currency ?? DEFAULT_CURRENCY[b.provider],
      method: b.method ?? DEFAULT_METHOD[b.provider],
      createdAt,
      settledAt: b.settledAt === undefined ? (b.provider === 'linkmoney' ? createdAt : null) : b.settledAt && new Date(b.settledAt).toISOString(),
      debitFailed: b.debitFailed ?? false,
      dispute: b.dispute ?? 'none',
      linkType: b.linkType ?? 'basic',
      cancelled: b.cancelled ?? false,
      owner: b.owner === undefined ? ctx.creds.secpaidUserId : String(b.owner),
      transactionId: secpaidTransactionId(createdAt, seq),
      account: b.account ?? ctx.creds.openpaydApiKey,
      referenceNo: b.referenceNo ?? `ref-${seq}-${unix}`,
      billed: b.billed ?? true,
      refundsEnabled: b.refundsEnabled ?? true,
      respondPending: b.respondPending ?? false,
    };
    if (payment.provider === 'secpaid' && payment.currency !== 'EUR') throw new AdminError(400, 'SecPaid payments are in EUR');
    if (payment.provider === 'linkmoney' && payment.currency !== 'USD') throw new AdminError(400, 'Link Money payments are in USD');
    if (payment.provider === 'openpayd') ensureAccount(payment.account, b.partialRefunds);
    store.state.payments.push(payment);
    ctx.save();
    return json(201, paymentView(payment));
  }

  function getPayment(provider: string, id: string): SandboxPayment {
    const p = (PROVIDERS as readonly string[]).includes(provider) ? store.payment(provider as Provider, id) : undefined;
    if (!p) throw new AdminError(404, `no payment ${provider}/${id}`);
    return p;
  }

  function updatePayment(provider: string, id: string, body: unknown): Reply {
    const p = getPayment(provider, id);
    const b = parse(UpdatePaymentSchema, body);
    const { partialRefunds, owner, settledAt, createdAt, ...rest } = b;
    Object.assign(p, rest);
    if (owner !== undefined) p.owner = String(owner);
    if (settledAt !== undefined) p.settledAt = settledAt && new Date(settledAt).toISOString();
    if (createdAt !== undefined) p.createdAt = new Date(createdAt).toISOString();
    if (p.provider === 'openpayd') ensureAccount(p.account, partialRefunds);
    ctx.save();
    return json(200, paymentView(p));
  }

  function getRefund(id: string): SandboxRefund {
    const r = store.refund(id);
    if (!r) throw new AdminError(404, `no refund ${id}`);
    return r;
  }

  const PENDING: Record<Provider, string> = { secpaid: 'Pending', linkmoney: 'PENDING', openpayd: 'PENDING', reservepay: 'pending' };
  const APPROVED: Record<Provider, string> = { secpaid: 'Approved', linkmoney: 'AUTHORIZED', openpayd: 'APPROVED', reservepay: 'succeeded' };
  const REJECTED: Record<Provider, string> = { secpaid: 'Rejected', linkmoney: 'TERMINAL_FAILED', openpayd: 'DECLINED', reservepay: 'failed' };

  function decide(id: string, approve: boolean, body: unknown): Reply {
    const r = getRefund(id);
    const { reason } = parse(RejectSchema, body);
    if (r.provider === 'linkmoney') throw new AdminError(409, 'Link Money refunds follow the settlement hold; use POST /_sandbox/refunds/:id/status to override');
    if (r.status !== PENDING[r.provider]) throw new AdminError(409, `refund ${id} is ${r.status}, not pending`);
    r.status = approve ? APPROVED[r.provider] : REJECTED[r.provider];
    r.decidedAt = clock.nowIso();
    if (!approve) r.reason = reason ?? 'Rejected by the sandbox operator';
    if (approve && r.provider === 'secpaid') r.transactionId = secpaidTransactionId(r.decidedAt, store.nextSeq());
    ctx.save();
    return json(200, refundView(r));
  }

  function setStatus(id: string, body: unknown): Reply {
    const r = getRefund(id);
    if (r.provider === 'secpaid') throw new AdminError(409, 'SecPaid refunds show up in the pay-ins once approved; use approve/reject');
    r.status = parse(StatusSchema, body).status;
    r.decidedAt = clock.nowIso();
    ctx.save();
    return json(200, refundView(r));
  }

  function advance(body: unknown): Reply {
    const b = parse(ClockAdvanceSchema, body);
    const ms = (b.ms ?? 0) + (b.seconds ?? 0) * 1e3 + (b.minutes ?? 0) * 6e4 + (b.hours ?? 0) * 3.6e6 + (b.days ?? 0) * 8.64e7;
    if (ms === 0) throw new AdminError(400, 'give ms, seconds, minutes, hours or days');
    clock.advance(ms);
    ctx.save();
    return json(200, clock.describe());
  }

  type Route = [method: string, pattern: RegExp, fn: (m: string[], body: unknown, q: URLSearchParams) => Reply];
  const routes: Route[] = [
    ['GET', /^\/health$/, () => json(200, { ok: true, clock: clock.describe() })],
    ['GET', /^\/clock$/, () => json(200, clock.describe())],
    ['POST', /^\/clock$/, (_m, body) => {
      const b = parse(ClockSetSchema, body);
      clock.set(b.now, b.frozen ?? false);
      ctx.save();
      return json(200, clock.describe());
    }],
    ['POST', /^\/clock\/advance$/, (_m, body) => advance(body)],
    ['POST', /^\/clock\/reset$/, () => {
      clock.reset();
      ctx.save();
      return json(200, clock.describe());
    }],
    ['GET', /^\/payments$/, (_m, _b, q) => {
      const provider = q.get('provider');
      return json(200, { payments: store.state.payments.filter((p) => !provider || p.provider === provider).map(paymentView) });
    }],
    ['POST', /^\/payments$/, (_m, body) => createPayment(body)],
    ['GET', /^\/payments\/([^/]+)\/([^/]+)$/, (m) => json(200, paymentView(getPayment(m[1]!, m[2]!)))],
    ['PATCH', /^\/payments\/([^/]+)\/([^/]+)$/, (m, body) => updatePayment(m[1]!, m[2]!, body)],
    ['GET', /^\/refunds$/, (_m, _b, q) => {
      const provider = q.get('provider');
      const paymentId = q.get('paymentId');
      const list = store.state.refunds.filter((r) => (!provider || r.provider === provider) && (!paymentId || r.paymentId === paymentId)).map(refundView);
      const status = q.get('status');
      return json(200, { refunds: status ? list.filter((r) => r.status === status) : list });
    }],
    ['GET', /^\/refunds\/([^/]+)$/, (m) => json(200, refundView(getRefund(m[1]!)))],
    ['POST', /^\/refunds\/([^/]+)\/approve$/, (m, body) => decide(m[1]!, true, body)],
    ['POST', /^\/refunds\/([^/]+)\/reject$/, (m, body) => decide(m[1]!, false, body)],
    ['POST', /^\/refunds\/([^/]+)\/status$/, (m, body) => setStatus(m[1]!, body)],
    ['GET', /^\/openpayd\/accounts$/, () => {
      const accounts = { [ctx.creds.openpaydApiKey]: { partialRefunds: false }, ...store.state.openpaydAccounts };
      return json(200, { accounts: Object.entries(accounts).map(([apiKey, a]) => ({ apiKey, partialRefunds: a.partialRefunds })) });
    }],
    ['POST', /^\/openpayd\/accounts\/([^/]+)$/, (m, body) => {
      const key = m[1]!;
      if (key.length !== 32) throw new AdminError(400, 'an OpenPayd apiKey is 32 characters');
      ensureAccount(key, parse(PartialSchema, body).partialRefunds);
      ctx.save();
      return json(200, { partialRefunds: store.state.openpaydAccounts[key]!.partialRefunds });
    }],
    ['GET', /^\/requests$/, (_m, _b, q) => {
      const limit = Number(q.get('limit') ?? '0');
      return json(200, { requests: log.list(q.get('provider') ?? undefined, Number.isInteger(limit) && limit > 0 ? limit : undefined) });
    }],
    ['DELETE', /^\/requests$/, () => {
      log.clear();
      return json(200, { cleared: true });
    }],
    ['GET', /^\/faults$/, () => json(200, { seed: faults.seed, faults: faults.list() })],
    ['POST', /^\/faults$/, (_m, body) => {
      try {
        return json(201, faults.add(body));
      } catch (err) {
        if (err instanceof z.ZodError) throw new AdminError(400, 'invalid fault spec', err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
        throw err;
      }
    }],
    ['POST', /^\/faults\/seed$/, (_m, body) => {
      faults.setSeed(parse(SeedSchema, body).seed);
      return json(200, { seed: faults.seed });
    }],
    ['DELETE', /^\/faults$/, () => {
      faults.clear();
      return json(200, { cleared: true });
    }],
    ['DELETE', /^\/faults\/([^/]+)$/, (m) => {
      if (!faults.remove(m[1]!)) throw new AdminError(404, `no fault ${m[1]!}`);
      return json(200, { removed: m[1] });
    }],
    ['POST', /^\/reset$/, (_m, body) => {
      const { keepClock } = parse(ResetSchema, body);
      store.reset();
      faults.clear();
      faults.setSeed(1);
      log.clear();
      deps.resetProviders();
      if (!keepClock) clock.reset();
      ctx.save();
      return json(200, { reset: true, clock: clock.describe() });
    }],
    // Reconciliation mismatches made on purpose (sandbox/reconciliation.ts).
    ...reconciliationRoutes(ctx, refundView),
    ['GET', /^\/state$/, () => json(200, { ...store.state, clock: clock.describe(), payments: store.state.payments.map(paymentView), linkmoneyTokens: Object.keys(store.state.linkmoneyTokens).length })],
  ];

  return {
    handle(method: string, route: string, rawBody: Buffer, query: URLSearchParams): Reply {
      let body: unknown = {};
      const text = rawBody.toString('utf8');
      try {
        if (text.trim() !== '') body = JSON.parse(text);
      } catch {
        return json(400, { error: 'body is not valid JSON' });
      }
      const path = route.replace(/\/+$/, '') || '/';
      let pathMatched = false;
      for (const [m, re, fn] of routes) {
        const match = re.exec(path);
        if (!match) continue;
        pathMatched = true;
        if (m !== method) continue;
        try {
          return fn(match.map((s) => decodeURIComponent(s)), body, query);
        } catch (err) {
          if (err instanceof AdminError) return json(err.status, { error: err.message, ...(err.details ? { details: err.details } : {}) });
          throw err;
        }
      }
      return pathMatched ? json(405, { error: `method ${method} not allowed on /_sandbox${path}` }) : json(404, { error: `no admin route /_sandbox${path}` });
    },
  };
}
