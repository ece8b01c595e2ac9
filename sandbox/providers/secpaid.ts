/**
 * SecPaid simulator (`/secpaid/api/v2`): refundPayment, getPayInTransactions.
 * Pages: provider-docs/secpaid-refundPayment.txt, secpaid-refunds-concept.txt; REFERENCE.md.
 * Business errors answer HTTP 200 with ResponseCode 0 (docs/provider-assumptions.md).
 */
import { parseDecimalNumber, parseDecimalString, toDecimalString } from '../../domain/money.js';
import type { SandboxPayment, SandboxRefund } from '../state.js';
import { asMerchant, header, json, mediaType, parseFormBody, parseJsonBody, type ProviderRequest, type Reply, type SandboxContext } from '../http.js';
import { merchantWith } from '../credentials.js';

export const SECPAID_MESSAGES = {
  success: 'Refund request has been sent successfully, You will get update within 5-10 days',
  listed: 'Pay-in transactions fetched successfully',
  badToken: 'Incorrect token or missing token',
  missingPayId: 'Please enter pay_id',
  missingAmount: 'Please enter refund_amount',
  invalidLink: 'Invalid link ID',
  cancelled: 'Link is cancelled',
  alreadyRequested: 'Refund already requested',
  dispute: 'Refund blocked by dispute',
  invalidAmount: 'Invalid refund amount',
  invoice: 'Cannot refund invoice-type links',
  invalidFullRefund: 'Invalid isFullRefund',
  invalidParam: 'Invalid parameter',
  tooMany: 'Too Many Attempts.',
  notFound: 'Route not found',
} as const;

const SECPAID_RATE_LIMIT = 60;
const RATE_WINDOW_MS = 60_000;

function envelope(ok: boolean, msg: string, extra?: Record<string, unknown>): Record<string, unknown> {
  return { ResponseCode: ok ? 1 : 0, ResponseMsg: msg, Result: ok ? 'True' : 'False', ServerTime: 'CEST', ...extra };
}

const fail = (msg: string, status = 200): Reply => json(status, envelope(false, msg));

/** "YYYY-MM-DD HH:MM:SS" in Europe/Berlin wall time (the API says ServerTime "CEST"). */
function secpaidTimestamp(iso: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Berlin',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}

/** `YYYYMMDD-pi-XXXXXXXXXX`: the date of `iso` and ten digits. */
export function secpaidTransactionId(iso: string, seq: number): string {
  const date = secpaidTimestamp(iso).slice(0, 10).replace(/-/g, '');
  const digits = String((seq * 7919 + 1_000_000_007) % 10_000_000_000).padStart(10, '0');
  return `${date}-pi-${digits}`;
}

/** refund_amount: a decimal EUR string or number, at most 2 fraction digits, parsed exactly. */
function parseRefundAmount(value: unknown): number | null {
  try {
    if (typeof value === 'number') return parseDecimalNumber(value, 'EUR');
    if (typeof value === 'string' && /^\s*\d+(\.\d{1,2})?\s*$/.test(value)) return parseDecimalString(value, 'EUR');
  } catch {
    return null;
  }
  return null;
}

function parseBool(value: unknown): boolean | null {
  if (value === undefined || value === null || value === '') return false;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return null;
}

const present = (v: unknown) => v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '');

function idValue(id: string): number | string {
  return /^\d+$/.test(id) ? Number(id) : id;
}

function payInEntry(p: SandboxPayment, refund?: SandboxRefund): Record<string, unknown> {
  const isRefund = refund !== undefined;
  const amount = isRefund ? -refund.amount : p.amount;
  const fee = isRefund ? 0 : Math.round(p.amount / 100);
  const pspFee = isRefund ? 0 : Math.round((p.amount * 14) / 1000) + 25;
  const createdIso = isRefund ? (refund.decidedAt ?? refund.createdAt) : p.createdAt;
  return {
    pay_id: idValue(p.id),
    creator_id: idValue(p.owner),
    user_id: idValue(p.owner),
    transaction_id: isRefund ? refund.transactionId : p.transactionId,
    amount: toDecimalString(amount, 'EUR'),
    net_amount: toDecimalString(amount - fee - pspFee, 'EUR'),
    service_fee: toDecimalString(fee, 'EUR'),
    service_fee_psp: toDecimalString(pspFee, 'EUR'),
    status: 'Success',
    recipient_note: isRefund ? `Refund for pay_id ${p.id}` : `Payment ${p.id}`,
    payout_status: isRefund ? 'Pending' : 'Paid',
    created_at: secpaidTimestamp(createdIso),
    is_split_link: 'false',
    is_dispute: p.dispute === 'none' ? 'false' : 'true',
    is_refund: isRefund ? 'true' : 'false',
    payment_method: p.method,
    transaction_type: isRefund ? 'Refund' : 'Basic',
  };
}

export function createSecPaid() {
  const windows = new Map<string, number[]>();

  function rateLimited(key: string): boolean {
    const now = Date.now();
    const hits = (windows.get(key) ?? []).filter((t) => now - t < RATE_WINDOW_MS);
    hits.push(now);
    windows.set(key, hits);
    return hits.length > SECPAID_RATE_LIMIT;
  }

  async function readBody(req: ProviderRequest): Promise<Record<string, unknown> | null> {
    const query = Object.fromEntries(req.query);
    if (mediaType(req) === 'application/json') {
      const parsed = parseJsonBody(req);
      if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) return null;
      return { ...query, ...(parsed.value as Record<string, unknown>) };
    }
    try {
      return { ...query, ...(await parseFormBody(req)) };
    } catch {
      return null;
    }
  }

  function refundPayment(body: Record<string, unknown>, ctx: SandboxContext): Reply {
    if (!present(body.pay_id)) return fail(SECPAID_MESSAGES.missingPayId);
    if (!present(body.refund_amount)) return fail(SECPAID_MESSAGES.missingAmount);
    const payId = String(body.pay_id).trim();
    const payment = ctx.store.payment('secpaid', payId);
    if (!payment || payment.owner !== ctx.creds.secpaidUserId) return fail(SECPAID_MESSAGES.invalidLink);
    if (payment.cancelled) return fail(SECPAID_MESSAGES.cancelled);
    if (payment.linkType === 'invoice') return fail(SECPAID_MESSAGES.invoice);
    if (payment.dispute === 'open' || payment.dispute === 'won') return fail(SECPAID_MESSAGES.dispute);
    if (ctx.store.refundsOf('secpaid', payId).length > 0) return fail(SECPAID_MESSAGES.alreadyRequested);
    const amount = parseRefundAmount(body.refund_amount);
    if (amount === null || amount <= 0 || amount > payment.amount) return fail(SECPAID_MESSAGES.invalidAmount);
    const isFull = parseBool(body.isFullRefund);
    if (isFull === null) return fail(SECPAID_MESSAGES.invalidFullRefund);
    if (isFull && amount !== payment.amount) return fail(SECPAID_MESSAGES.invalidAmount);
    ctx.store.state.refunds.push({
      provider: 'secpaid',
      id: ctx.store.newId('sprf_'),
      paymentId: payId,
      amount,
      currency: 'EUR',
      status: 'Pending',
      createdAt: ctx.clock.nowIso(),
      decidedAt: null,
      reason: null,
      full: amount === payment.amount,
      isFullRefund: isFull,
    });
    ctx.save();
    return json(200, envelope(true, SECPAID_MESSAGES.success));
  }

  function positiveInt(v: unknown, dflt: number): number | null {
    if (!present(v)) return dflt;
    const s = String(v).trim();
    if (!/^\d+$/.test(s) || Number(s) < 1) return null;
    return Number(s);
  }

  function getPayInTransactions(body: Record<string, unknown>, ctx: SandboxContext): Reply {
    const page = positiveInt(body.page, 1);
    const limitRaw = positiveInt(body.limit, 200);
    const since = present(body.since) ? positiveInt(body.since, 0) : undefined;
    if (page === null || limitRaw === null || since === null) return fail(SECPAID_MESSAGES.invalidParam);
    const date = present(body.date) ? String(body.date).trim() : undefined;
    if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date)) return fail(SECPAID_MESSAGES.invalidParam);
    const limit = Math.min(limitRaw, 1000);
    const payId = present(body.pay_id) ? String(body.pay_id).trim() : undefined;
    const search = present(body.search) ? String(body.search).trim().toLowerCase() : undefined;

    const rows: { at: number; entry: Record<string, unknown> }[] = [];
    for (const p of ctx.store.state.payments) {
      if (p.provider !== 'secpaid' || p.owner !== ctx.creds.secpaidUserId || p.cancelled) continue;
      rows.push({ at: Date.parse(p.createdAt), entry: payInEntry(p) });
      for (const r of ctx.store.refundsOf('secpaid', p.id)) {
        if (r.status === 'Approved') rows.push({ at: Date.parse(r.decidedAt ?? r.createdAt), entry: payInEntry(p, r) });
      }
    }
    const nowMs = ctx.clock.nowMs();
    const filtered = rows
      .filter(({ at, entry }) => {
        if (at > nowMs) return false;
        if (payId !== undefined && String(entry.pay_id) !== payId) return false;
        if (date !== undefined && !String(entry.created_at).startsWith(date)) return false;
        if (since !== undefined && at < nowMs - since * 86_400_000) return false;
        if (search !== undefined) {
          const hay = ['pay_id', 'transaction_id', 'recipient_note', 'payment_method', 'amount', 'transaction_type']
            .map((k) => String(entry[k]).toLowerCase())
            .join('\n');
          if (!hay.includes(search)) return false;
        }
        return true;
      })
      .sort((a, b) => b.at - a.at);
    const data = filtered.slice((page - 1) * limit, page * limit).map((r) => r.entry);
    return json(200, envelope(true, SECPAID_MESSAGES.listed, { totalRecords: filtered.length, data }));
  }

  return {
    resetRateLimits(): void {
      windows.clear();
    },
    async handle(req: ProviderRequest, ctx: SandboxContext): Promise<Reply> {
      const token = header(req, 'token');
      if (rateLimited(token ? `token:${token}` : `ip:${req.remoteAddress}`)) {
        return json(429, envelope(false, SECPAID_MESSAGES.tooMany), { 'Retry-After': '60' });
      }
      const route = req.route.replace(/\/+$/, '');
      if (route !== '/refundPayment' && route !== '/getPayInTransactions') return fail(SECPAID_MESSAGES.notFound, 404);
      if (req.method !== 'POST') return fail('Method not allowed', 405);
      // Any merchant's token (docs/accounts.md): it sees its own user's payments; the request log names it.
      const merchant = merchantWith(ctx.merchants, 'secpaidToken', token);
      if (!merchant) return fail(SECPAID_MESSAGES.badToken);
      const body = await readBody(req);
      if (body === null) return fail(SECPAID_MESSAGES.invalidParam, 400);
      const as = asMerchant(ctx, req, merchant);
      return route === '/refundPayment' ? refundPayment(body, as) : getPayInTransactions(body, as);
    },
  };
}
