/**
 * The codec server for the Temporal Web UI (and `temporal ... --codec-endpoint`): POST /encode and
 * POST /decode with the Temporal codec-server JSON body `{"payloads": [{metadata: {k: base64},
 * data: base64}]}`. Checked in this order, nothing decrypted before all pass:
 *   CORS preflight (allowed origins only) -> origin (403) -> rate limit (429) -> bearer token (401,
 *   unless auth is explicitly off) -> route (404/405) -> Content-Type (415) -> size (413) -> JSON (400).
 * GET /healthz answers without auth.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import type { Secret } from '../activities/secret.js';
import { TokenBuckets, type RateLimitOptions } from '../ops/rate-limit.js';
import { CODEC_SERVER_DEFAULTS } from '../domain/config.js';
import { BodyTooLargeError, readLimitedBody } from '../ops/http-body.js';
import { listen, type RunningServer } from '../ops/listen.js';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Bearer token required on /encode and /decode; `false` = no authentication (local runs only). */
  token: Secret | string | false;
  /** Browser origins allowed (the Temporal UI's). Requests without Origin (CLI, scripts) are not browser requests. */
  allowedOrigins?: string[];
  maxBodyBytes?: number;
  rateLimit?: Partial<RateLimitOptions> | false;
  logError?: (message: string, err: unknown) => void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const JsonPayload = z.object({
  metadata: z.record(z.string(), z.string()).nullish(),
  data: z.string().nullish(),
});
const Body = z.object({ payloads: z.array(JsonPayload).max(10_000) });
type JsonPayload = z.infer<typeof JsonPayload>;

const B64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
function fromB64(s: string, where: string): Uint8Array {
  if (!B64.test(s)) throw new HttpError(400, `${where} is not base64`);
  return Buffer.from(s, 'base64');
}

export function payloadFromJson(p: JsonPayload, i: number): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) metadata[k] = fromB64(v, `payloads[${i}].metadata.${k}`);
  return { metadata, data: fromB64(p.data ?? '', `payloads[${i}].data`) };
}

export function payloadToJson(p: Payload): { metadata: Record<string, string>; data: string } {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) if (v) metadata[k] = Buffer.from(v).toString('base64');
  return { metadata, data: Buffer.from(p.data ?? new Uint8Array()).toString('base64') };
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

function createCodecServer(options: CodecServerOptions): Server {
  const origins = new Set<string>(options.allowedOrigins ?? CODEC_SERVER_DEFAULTS.origins);
  const max = options.maxBodyBytes ?? CODEC_SERVER_DEFAULTS.maxBodyBytes;
  const expected = options.token === false ? undefined : sha256(typeof options.token === 'string' ? options.token : options.token.reveal());
  const buckets = options.rateLimit === false ? undefined : new TokenBuckets({ ...CODEC_SERVER_DEFAULTS.rateLimit, ...options.rateLimit });
  const logError = options.logError ?? ((m: string, err: unknown) => console.error(`codec-server: ${m}: ${(err as Error)?.message ?? String(err)}`));

  function cors(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (origin === undefined) return {};
    if (!origins.has(origin)) throw new HttpError(403, `origin ${origin} is not allowed`);
    return { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' };
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store', ...headers });
    res.end(text);
  }

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const type = req.headers['content-type'];
    if (!type || !/^application\/json\s*(;.*)?$/i.test(type)) throw new HttpError(415, 'Content-Type must be application/json', { connection: 'close' });
    let raw: Buffer;
    try {
      raw = await readLimitedBody(req, max);
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw new HttpError(413, err.message, { connection: 'close' });
      throw err;
    }
    try {
      return JSON.parse(raw.toString('utf8')) as unknown;
    } catch {
      throw new HttpError(400, 'the body is not valid JSON');
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://codec.invalid').pathname.replace(/\/+$/, '');
    const method = req.method ?? 'GET';
    if (path === '/healthz' && method === 'GET') return send(res, 200, { status: 'ok' }, {});
    const corsHeaders = cors(req);
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        ...corsHeaders,
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': 'content-type, x-namespace, authorization',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    try {
      if (buckets) {
        const key = `${req.socket.remoteAddress ?? '?'}|${sha256(req.headers.authorization ?? '').toString('base64url')}`;
        const d = buckets.take(key);
        if (!d.allowed) throw new HttpError(429, `too many requests; retry after ${d.retryAfterSeconds} s`, { 'retry-after': String(d.retryAfterSeconds) });
      }
      if (expected) {
        const m = /^Bearer +([^\s]+) *$/i.exec(req.headers.authorization ?? '');
        if (!m || !timingSafeEqual(sha256(m[1]!), expected)) {
          throw new HttpError(401, 'an Authorization: Bearer <token> header with the codec token is required', { 'www-authenticate': 'Bearer realm="refunds-codec"' });
        }
      }
      if (path !== '/encode' && path !== '/decode') throw new HttpError(404, `no route ${path}`);
      if (method !== 'POST') throw new HttpError(405, `${method} is not allowed on ${path}`, { allow: 'POST' });
      const parsed = Body.safeParse(await readBody(req));
      if (!parsed.success) throw new HttpError(400, `invalid body: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const payloads = parsed.data.payloads.map(payloadFromJson);
      let out: Payload[];
      try {
        out = path === '/encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
      } catch (err) {
        throw new HttpError(422, (err as Error).message);
      }
      send(res, 200, { payloads: out.map(payloadToJson) }, corsHeaders);
    } catch (err) {
      if (err instanceof HttpError) throw Object.assign(err, { headers: { ...corsHeaders, ...err.headers } });
      throw err;
    }
  }

  return createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e = err instanceof HttpError ? err : new HttpError(500, 'internal error');
      if (!(err instanceof HttpError)) logError(`${req.method} ${req.url}`, err);
      if (res.headersSent) return void res.destroy();
      send(res, e.status, { error: { message: e.message } }, e.headers);
    });
  });
}

export type RunningCodecServer = RunningServer;

/** Create the server and listen; port 0 picks a free port. */
export async function startCodecServer(options: CodecServerOptions & { port: number; host?: string }): Promise<RunningCodecServer> {
  const { port, host = '127.0.0.1', ...rest } = options;
  return listen(createCodecServer(rest), port, host);
}
