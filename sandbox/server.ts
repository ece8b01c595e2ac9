/**
 * The provider sandbox: one node:http server, each provider under its own prefix, the admin API
 * under /_sandbox, fault injection in front of every provider route.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Provider } from '../domain/providers.js';
import { createAdmin } from './admin.js';
import { SandboxClock } from './clock.js';
import { resolveCredentials, resolveMerchants, type SandboxCredentials } from './credentials.js';
import { FaultInjector, type Fault } from './faults.js';
import type { ProviderRequest, Reply, SandboxContext } from './http.js';
import { createLinkMoney } from './providers/linkmoney.js';
import { createOpenPayd } from './providers/openpayd.js';
import { createReservepay } from './providers/reservepay.js';
import { createSecPaid, SECPAID_MESSAGES } from './providers/secpaid.js';
import { loggableBody, RequestLog, type LoggedRequest } from './request-log.js';
import { SandboxStore } from './state.js';

/** Path prefix of each provider; a provider base URL is `<sandbox url><prefix>`. */
const PROVIDER_PREFIXES = {
  secpaid: '/secpaid/api/v2',
  linkmoney: '/linkmoney',
  openpayd: '/openpayd',
  reservepay: '/reservepay',
} as const satisfies Record<Provider, string>;

const ADMIN_PREFIX = '/_sandbox';
const MAX_BODY_BYTES = 1_000_000;

export interface SandboxOptions {
  /** 0 picks a free port. Default 4010. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** JSON file that keeps the state across restarts. */
  stateFile?: string;
  /** Start the sandbox clock at this ISO instant (it then ticks with real time). */
  now?: string;
  credentials?: Partial<SandboxCredentials>;
  /** More merchant accounts by name, each with its own credentials (unset ones made from the name; docs/accounts.md). */
  merchants?: Record<string, Partial<SandboxCredentials>>;
  /** Seed of the fault-injection PRNG (default 1). */
  seed?: number;
}

export interface RunningSandbox {
  /** Base URL, e.g. http://127.0.0.1:4010 (no trailing slash). */
  url: string;
  port: number;
  host: string;
  /** Base URL of each provider and of the admin API. */
  urls: Record<Provider | 'admin', string>;
  credentials: SandboxCredentials;
  /** Every merchant's credentials, `default` (= credentials) included. */
  merchants: Record<string, SandboxCredentials>;
  clock: SandboxClock;
  store: SandboxStore;
  faults: FaultInjector;
  requests: RequestLog;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function serialise(reply: Reply): { text: string; type: string } {
  if (reply.raw !== undefined) return { text: reply.raw, type: reply.headers?.['Content-Type'] ?? 'text/plain; charset=utf-8' };
  return { text: reply.body === undefined ? '' : JSON.stringify(reply.body), type: 'application/json' };
}

function send(res: ServerResponse, reply: Reply, truncate = false): void {
  const { text, type } = serialise(reply);
  const out = truncate ? text.slice(0, Math.max(1, Math.floor(text.length / 2))) : text;
  res.writeHead(reply.status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(out), ...reply.headers });
  res.end(out);
}

function killSocket(socket: Socket): void {
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

function htmlPage(status: number, title: string): string {
  return `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const creds = resolveCredentials(options.credentials);
  const store = new SandboxStore(options.stateFile);
  const clock = new SandboxClock();
  clock.restore(store.state.clock);
  if (options.now) clock.set(options.now);
  const faults = new FaultInjector(options.seed ?? 1);
  const requests = new RequestLog();
  const merchants = resolveMerchants(options.merchants, creds);
  const ctx: SandboxContext = { store, clock, creds, merchants, save: () => store.save(clock.snapshot()) };
  const secpaid = createSecPaid();
  const providers: Record<Provider, { handle(req: ProviderRequest, ctx: SandboxContext): Promise<Reply> | Reply }> = {
    secpaid,
    linkmoney: createLinkMoney(),
    openpayd: createOpenPayd(),
    reservepay: createReservepay(),
  };
  const admin = createAdmin({ ctx, faults, log: requests, resetProviders: () => secpaid.resetRateLimits() });
  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  let closing = false;

  async function handleProvider(provider: Provider, route: string, req: IncomingMessage, res: ServerResponse, body: Buffer, url: URL): Promise<Pick<LoggedRequest, 'status' | 'outcome' | 'fault' | 'merchant'>> {
    const preq = providerRequest(route, req, body, url);
    return { ...(await answerProvider(provider, preq, req, res)), merchant: preq.merchant ?? null };
  }

  function providerRequest(route: string, req: IncomingMessage, body: Buffer, url: URL): ProviderRequest {
    return { method: req.method ?? 'GET', route, query: url.searchParams, headers: req.headers, rawBody: body, remoteAddress: req.socket.remoteAddress ?? 'unknown' };
  }

  async function answerProvider(provider: Provider, preq: ProviderRequest, req: IncomingMessage, res: ServerResponse): Promise<Pick<LoggedRequest, 'status' | 'outcome' | 'fault'>> {
    const route = preq.route;
    const fault: Fault | undefined = faults.pick(provider, route);
    const kind = fault?.kind ?? null;
    const run = async (): Promise<Reply> => {
      try {
        return await providers[provider].handle(preq, ctx);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        return provider === 'reservepay' ? { status: 400, body: ['UNHANDLED_ERROR', message, null] } : { status: 500, body: { error: message } };
      }
    };
    switch (fault?.kind) {
      case 'reset':
        killSocket(req.socket);
        return { status: null, outcome: 'reset', fault: kind };
      case 'http_error': {
        const status = fault.status ?? 500;
        send(res, { status, raw: htmlPage(status, 'Injected Error'), headers: { 'Content-Type': 'text/html' } });
        return { status, outcome: 'answered', fault: kind };
      }
      case 'rate_limit': {
        const headers = { 'Retry-After': String(fault.retryAfterSeconds ?? 1) };
        const body = provider === 'secpaid'
          ? { ResponseCode: 0, ResponseMsg: SECPAID_MESSAGES.tooMany, Result: 'False', ServerTime: 'CEST' }
          : provider === 'reservepay' ? ['RATE_LIMITED', 'Too many requests', null] : { message: 'Too Many Requests' };
        send(res, { status: 429, body, headers });
        return { status: 429, outcome: 'answered', fault: kind };
      }
      case 'malformed': {
        const variant = fault.variant ?? 'truncated';
        if (variant === 'truncated') {
          const reply = await run();
          send(res, reply, true);
          return { status: reply.status, outcome: 'malformed', fault: `${kind}:${variant}` };
        }
        const raw = variant === 'html' ? htmlPage(200, 'OK') : '{"status": "ok", "data": [1, 2,, }';
        send(res, { status: 200, raw, headers: { 'Content-Type': variant === 'html' ? 'text/html' : 'application/json' } });
        return { status: 200, outcome: 'malformed', fault: `${kind}:${variant}` };
      }
      case 'commit_then_drop':
        await run();
        killSocket(req.socket);
        return { status: null, outcome: 'dropped_after_commit', fault: kind };
      case 'delay':
        await sleep(fault.delayMs ?? 30_000);
        if (closing) return { status: null, outcome: 'reset', fault: kind };
        break;
      default:
        break;
    }
    const reply = await run();
    if (!res.destroyed && !req.socket.destroyed) send(res, reply);
    return { status: reply.status, outcome: 'answered', fault: kind };
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const sandboxTime = clock.nowIso();
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const path = url.pathname;
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      send(res, { status: 413, body: { error: 'body too large' } });
      return;
    }
    if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) {
      let reply: Reply;
      try {
        reply = admin.handle(req.method ?? 'GET', path.slice(ADMIN_PREFIX.length), body, url.searchParams);
      } catch (err) {
        reply = { status: 500, body: { error: err instanceof Error ? err.message : String(err) } };
      }
      send(res, reply);
      return;
    }
    const entry = (Object.entries(PROVIDER_PREFIXES) as [Provider, string][]).find(([, prefix]) => path === prefix || path.startsWith(`${prefix}/`));
    if (!entry) {
      send(res, { status: 404, body: { error: `no provider at ${path}`, prefixes: PROVIDER_PREFIXES, admin: ADMIN_PREFIX } });
      return;
    }
    const [provider, prefix] = entry;
    const route = path.slice(prefix.length) || '/';
    const result = await handleProvider(provider, route, req, res, body, url);
    requests.add({
      time: new Date(started).toISOString(),
      sandboxTime,
      method: req.method ?? 'GET',
      path,
      provider,
      route,
      durationMs: Date.now() - started,
      body: loggableBody(body, req.headers['content-type']),
      ...result,
    });
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: { error: err instanceof Error ? err.message : String(err) } });
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4010, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  return {
    url,
    port,
    host,
    urls: {
      secpaid: url + PROVIDER_PREFIXES.secpaid,
      linkmoney: url + PROVIDER_PREFIXES.linkmoney,
      openpayd: url + PROVIDER_PREFIXES.openpayd,
      reservepay: url + PROVIDER_PREFIXES.reservepay,
      admin: url + ADMIN_PREFIX,
    },
    credentials: creds,
    merchants,
    clock,
    store,
    faults,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing = true;
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
