/**
 * `npm run sandbox:admin -- <command>`: the sandbox's admin API from a terminal.
 * Global options: --url (default http://127.0.0.1:4010 or $SANDBOX_URL), --json (raw JSON output).
 * Exit codes: 0 ok, 1 the admin API said no or could not be reached, 2 usage error.
 */
import { parseArgs } from 'node:util';

const USAGE = `sandbox admin CLI

usage: npm run sandbox:admin -- <command> [options] [--url URL] [--json]

  status                                    health and sandbox clock
  clock [get]                               show the sandbox clock
  clock set <iso> [--frozen]                jump the clock (keeps ticking unless --frozen)
  clock advance <n>(ms|s|m|h|d)             move the clock forward, e.g. 3d, 90m
  clock reset                               back to real time
  payment create --provider P --amount MINOR [--id ID] [--currency C] [--method M]
                 [--created-at ISO] [--settled-at ISO|none] [--debit-failed]
                 [--dispute none|open|won|lost] [--link-type basic|invoice] [--cancelled]
                 [--owner USER] [--account APIKEY32] [--reference-no REF] [--partial-refunds]
                 [--not-billed] [--refunds-disabled] [--respond-pending]
  payment list [--provider P]
  payment show <provider> <id>
  payment update <provider> <id> [same flags as create, plus --billed --refunds-enabled
                 --no-dispute --not-cancelled --not-pending --debit-ok]
  refund list [--provider P] [--payment ID] [--status S]
  refund show <refundId>
  refund approve <refundId>                 SecPaid / OpenPayd / Reservepay pending refund
  refund reject <refundId> [--reason TEXT]
  refund set-status <refundId> <STATUS>     Link Money override (SUCCEEDED, CANCELED, ...)
  openpayd accounts
  openpayd partial <apiKey> on|off
  requests [--provider P] [--limit N]       requests received (credentials redacted)
  requests clear
  fault add --provider P --kind K [--route R] [--probability X] [--count N] [--status S]
            [--retry-after SECONDS] [--delay-ms MS] [--variant truncated|invalid_json|html]
            kinds: http_error rate_limit delay reset malformed commit_then_drop
  fault list
  fault remove <faultId>
  fault clear
  fault seed <n>
  reset [--keep-clock]                      forget everything
`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

const { values: opts, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        frozen: { type: 'boolean' },
        provider: { type: 'string' },
        id: { type: 'string' },
        amount: { type: 'string' },
        currency: { type: 'string' },
        method: { type: 'string' },
        'created-at': { type: 'string' },
        'settled-at': { type: 'string' },
        'debit-failed': { type: 'boolean' },
        'debit-ok': { type: 'boolean' },
        dispute: { type: 'string' },
        'no-dispute': { type: 'boolean' },
        'link-type': { type: 'string' },
        cancelled: { type: 'boolean' },
        'not-cancelled': { type: 'boolean' },
        owner: { type: 'string' },
        account: { type: 'string' },
        'reference-no': { type: 'string' },
        'partial-refunds': { type: 'boolean' },
        billed: { type: 'boolean' },
        'not-billed': { type: 'boolean' },
        'refunds-enabled': { type: 'boolean' },
        'refunds-disabled': { type: 'boolean' },
        'respond-pending': { type: 'boolean' },
        'not-pending': { type: 'boolean' },
        payment: { type: 'string' },
        status: { type: 'string' },
        reason: { type: 'string' },
        limit: { type: 'string' },
        kind: { type: 'string' },
        route: { type: 'string' },
        probability: { type: 'string' },
        count: { type: 'string' },
        'retry-after': { type: 'string' },
        'delay-ms': { type: 'string' },
        variant: { type: 'string' },
        'keep-clock': { type: 'boolean' },
      },
    });
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    console.error('run with --help for usage');
    process.exit(2);
  }
})();

const baseUrl = (opts.url ?? process.env.SANDBOX_URL ?? 'http://127.0.0.1:4010').replace(/\/+$/, '');

class ApiError extends Error {
  override readonly name = 'ApiError';
}

async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    throw new ApiError(`cannot reach the sandbox at ${baseUrl}${cause}`);
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(`HTTP ${res.status}: not JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const d = data as { error?: string; details?: unknown } | null;
    throw new ApiError(`HTTP ${res.status}: ${d?.error ?? text}${d?.details ? `\n${JSON.stringify(d.details, null, 2)}` : ''}`);
  }
  return data;
}

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`--${name} must be an integer, got ${v}`);
  return Number(v);
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got ${v}`);
  return n;
}

function need(v: string | undefined, what: string): string {
  if (!v) throw new UsageError(`missing ${what}`);
  return v;
}

function clean(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function paymentFields(): Record<string, unknown> {
  const settled = opts['settled-at'];
  return clean({
    method: opts.method,
    createdAt: opts['created-at'],
    settledAt: settled === undefined ? undefined : settled === 'none' ? null : settled,
    debitFailed: opts['debit-failed'] ? true : opts['debit-ok'] ? false : undefined,
    dispute: opts['no-dispute'] ? 'none' : opts.dispute,
    linkType: opts['link-type'],
    cancelled: opts.cancelled ? true : opts['not-cancelled'] ? false : undefined,
    owner: opts.owner,
    account: opts.account,
    referenceNo: opts['reference-no'],
    partialRefunds: opts['partial-refunds'],
    billed: opts['not-billed'] ? false : opts.billed ? true : undefined,
    refundsEnabled: opts['refunds-disabled'] ? false : opts['refunds-enabled'] ? true : undefined,
    respondPending: opts['respond-pending'] ? true : opts['not-pending'] ? false : undefined,
  });
}

function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text);
  if (!m) throw new UsageError(`bad duration ${JSON.stringify(text)} (use e.g. 500ms, 30s, 15m, 2h, 3d)`);
  const unit = { ms: 1, s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * unit);
}

type Row = Record<string, unknown>;

function fmtClock(c: Row): string {
  return `sandbox clock: ${String(c.now)}${c.frozen ? ' (frozen)' : ''} (offset ${String(c.offsetMs)} ms from real time)`;
}

function fmtPayment(p: Row): string {
  const bits = [`${String(p.provider)}/${String(p.id)}`, `amount ${String(p.amount)} ${String(p.currency)}`, `refunded ${String(p.refundedAmount)}`, `remaining ${String(p.remainingAmount)}`, `method ${String(p.method)}`];
  if (p.provider === 'linkmoney') bits.push(`settledAt ${String(p.settledAt)}`, `holdEndsAt ${String(p.holdEndsAt)}`, p.debitFailed ? 'DEBIT FAILED' : '');
  if (p.provider === 'secpaid') bits.push(`owner ${String(p.owner)}`, `dispute ${String(p.dispute)}`, `link ${String(p.linkType)}`, p.cancelled ? 'CANCELLED' : '');
  if (p.provider === 'openpayd') bits.push(`referenceNo ${String(p.referenceNo)}`, `partialRefunds ${String(p.partialRefunds)}`, p.respondPending ? 'respondPending' : '');
  if (p.provider === 'reservepay') bits.push(p.billed ? 'billed' : 'NOT BILLED', p.refundsEnabled ? '' : 'REFUNDS DISABLED', p.respondPending ? 'respondPending' : '');
  return bits.filter(Boolean).join('  ');
}

function fmtRefund(r: Row): string {
  return [`${String(r.id)}`, `${String(r.provider)}/${String(r.paymentId)}`, `${String(r.amount)} ${String(r.currency)}`, `status ${String(r.status)}`, `created ${String(r.createdAt)}`, r.reason ? `reason: ${String(r.reason)}` : '']
    .filter(Boolean)
    .join('  ');
}

async function run(): Promise<unknown> {
  const [cmd, sub, ...rest] = positionals;
  const out = (data: unknown, text: string | string[]) => (opts.json ? JSON.stringify(data, null, 2) : Array.isArray(text) ? text.join('\n') : text);
  switch (cmd) {
    case undefined:
    case 'help':
      return USAGE;
    case 'status': {
      const d = (await api('GET', '/health')) as { clock: Row };
      return out(d, [`sandbox at ${baseUrl} is up`, fmtClock(d.clock)]);
    }
    case 'clock': {
      if (!sub || sub === 'get') return out(await api('GET', '/clock'), fmtClock((await api('GET', '/clock')) as Row));
      let d: Row;
      if (sub === 'set') d = (await api('POST', '/clock', clean({ now: need(rest[0], 'ISO instant'), frozen: opts.frozen }))) as Row;
      else if (sub === 'advance') d = (await api('POST', '/clock/advance', { ms: parseDuration(need(rest[0], 'duration')) })) as Row;
      else if (sub === 'reset') d = (await api('POST', '/clock/reset')) as Row;
      else throw new UsageError(`unknown clock command ${sub}`);
      return out(d, fmtClock(d));
    }
    case 'payment': {
      if (sub === 'create') {
        const body = clean({
          provider: need(opts.provider, '--provider'),
          id: opts.id,
          amount: int('amount', need(opts.amount, '--amount (minor units)')),
          currency: opts.currency,
          ...paymentFields(),
        });
        const p = (await api('POST', '/payments', body)) as Row;
        return out(p, `created ${fmtPayment(p)}`);
      }
      if (sub === 'list') {
        const d = (await api('GET', `/payments${opts.provider ? `?provider=${encodeURIComponent(opts.provider)}` : ''}`)) as { payments: Row[] };
        return out(d, d.payments.length ? d.payments.map(fmtPayment) : 'no payments');
      }
      if (sub === 'show' || sub === 'update') {
        const path = `/payments/${encodeURIComponent(need(rest[0], 'provider'))}/${encodeURIComponent(need(rest[1], 'payment id'))}`;
        const p = (sub === 'show' ? await api('GET', path) : await api('PATCH', path, paymentFields())) as Row & { refunds: Row[] };
        return out(p, [fmtPayment(p), ...p.refunds.map((r) => `  refund ${fmtRefund(r)}`)]);
      }
      throw new UsageError(`unknown payment command ${String(sub)}`);
    }
    case 'refund': {
      if (sub === 'list') {
        const q = new URLSearchParams(clean({ provider: opts.provider, paymentId: opts.payment, status: opts.status }) as Record<string, string>);
        const d = (await api('GET', `/refunds${q.size ? `?${q}` : ''}`)) as { refunds: Row[] };
        return out(d, d.refunds.length ? d.refunds.map(fmtRefund) : 'no refunds');
      }
      const id = encodeURIComponent(need(rest[0], 'refund id'));
      let r: Row;
      if (sub === 'show') r = (await api('GET', `/refunds/${id}`)) as Row;
      else if (sub === 'approve') r = (await api('POST', `/refunds/${id}/approve`, {})) as Row;
      else if (sub === 'reject') r = (await api('POST', `/refunds/${id}/reject`, clean({ reason: opts.reason }))) as Row;
      else if (sub === 'set-status') r = (await api('POST', `/refunds/${id}/status`, { status: need(rest[1], 'status') })) as Row;
      else throw new UsageError(`unknown refund command ${String(sub)}`);
      return out(r, fmtRefund(r));
    }
    case 'openpayd': {
      if (sub === 'accounts') {
        const d = (await api('GET', '/openpayd/accounts')) as { accounts: Row[] };
        return out(d, d.accounts.map((a) => `${String(a.apiKey)}  partial refunds ${a.partialRefunds ? 'on' : 'off'}`));
      }
      if (sub === 'partial') {
        const key = need(rest[0], 'apiKey');
        const onOff = need(rest[1], 'on|off');
        if (onOff !== 'on' && onOff !== 'off') throw new UsageError('partial takes on or off');
        const d = await api('POST', `/openpayd/accounts/${encodeURIComponent(key)}`, { partialRefunds: onOff === 'on' });
        return out(d, `partial refunds ${onOff} for ${key}`);
      }
      throw new UsageError(`unknown openpayd command ${String(sub)}`);
    }
    case 'requests': {
      if (sub === 'clear') return out(await api('DELETE', '/requests'), 'request log cleared');
      if (sub) throw new UsageError(`unknown requests command ${sub}`);
      const q = new URLSearchParams(clean({ provider: opts.provider, limit: opts.limit }) as Record<string, string>);
      const d = (await api('GET', `/requests${q.size ? `?${q}` : ''}`)) as { requests: Row[] };
      return out(
        d,
        d.requests.length
          ? d.requests.map((r) => `${String(r.time)}  ${String(r.provider).padEnd(10)} ${String(r.method).padEnd(5)} ${String(r.path)}  -> ${r.status === null ? 'no answer' : String(r.status)} (${String(r.outcome)}${r.fault ? `, fault ${String(r.fault)}` : ''})`)
          : 'no requests',
      );
    }
    case 'fault': {
      if (sub === 'add') {
        const f = (await api(
          'POST',
          '/faults',
          clean({
            provider: need(opts.provider, '--provider'),
            kind: need(opts.kind, '--kind'),
            route: opts.route,
            probability: num('probability', opts.probability),
            count: int('count', opts.count),
            status: int('status', opts.status),
            retryAfterSeconds: int('retry-after', opts['retry-after']),
            delayMs: int('delay-ms', opts['delay-ms']),
            variant: opts.variant,
          }),
        )) as Row;
        return out(f, `added ${String(f.id)}: ${String(f.kind)} on ${String(f.provider)} ${String(f.route)} (probability ${String(f.probability)}${f.count ? `, ${String(f.count)} times` : ''})`);
      }
      if (sub === 'list') {
        const d = (await api('GET', '/faults')) as { seed: number; faults: Row[] };
        return out(d, [`seed ${d.seed}`, ...(d.faults.length ? d.faults.map((f) => `${String(f.id)}  ${String(f.provider)} ${String(f.route)} ${String(f.kind)} p=${String(f.probability)} count=${String(f.count ?? '∞')} fired=${String(f.fired)}`) : ['no faults'])]);
      }
      if (sub === 'remove') return out(await api('DELETE', `/faults/${encodeURIComponent(need(rest[0], 'fault id'))}`), `removed ${String(rest[0])}`);
      if (sub === 'clear') return out(await api('DELETE', '/faults'), 'faults cleared');
      if (sub === 'seed') return out(await api('POST', '/faults/seed', { seed: int('seed', need(rest[0], 'seed')) }), `seed ${String(rest[0])}`);
      throw new UsageError(`unknown fault command ${String(sub)}`);
    }
    case 'reset': {
      const d = (await api('POST', '/reset', clean({ keepClock: opts['keep-clock'] }))) as { clock: Row };
      return out(d, ['sandbox reset', fmtClock(d.clock)]);
    }
    default:
      throw new UsageError(`unknown command ${cmd}`);
  }
}

if (opts.help) {
  console.log(USAGE);
} else {
  run().then(
    (text) => console.log(text),
    (err: unknown) => {
      if (err instanceof UsageError) {
        console.error(`error: ${err.message}\nrun with --help for usage`);
        process.exit(2);
      }
      console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
