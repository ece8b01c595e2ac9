/** Request parsing and answers shared by the provider simulators and the admin API. */
import type { IncomingMessage } from 'node:http';
import type { SandboxClock } from './clock.js';
import type { SandboxCredentials } from './credentials.js';
import type { SandboxStore } from './state.js';

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** JSON-serialised unless `raw` is set. */
  body?: unknown;
  raw?: string;
}

export interface SandboxContext {
  store: SandboxStore;
  clock: SandboxClock;
  creds: SandboxCredentials;
  /** Every merchant's credentials by name, `default` (= creds) first (docs/accounts.md). */
  merchants: Record<string, SandboxCredentials>;
  /** Persist the state (after a change). */
  save(): void;
}

export interface ProviderRequest {
  method: string;
  /** Path below the provider prefix, e.g. "/refundPayment". */
  route: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  rawBody: Buffer;
  remoteAddress: string;
  /** The merchant whose credentials the request carried, set by the provider once it authenticated it (the request log shows it). */
  merchant?: string;
}

/** The context as seen by one merchant: its own credentials (`creds`). */
export function asMerchant(ctx: SandboxContext, req: ProviderRequest, merchant: string): SandboxContext {
  req.merchant = merchant;
  return merchant === 'default' ? ctx : { ...ctx, creds: ctx.merchants[merchant]! };
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers ? { status, body, headers } : { status, body };
}

export function header(req: ProviderRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function mediaType(req: ProviderRequest): string {
  return (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

export type BodyParse = { ok: true; value: unknown } | { ok: false; error: string };

export function parseJsonBody(req: ProviderRequest): BodyParse {
  const text = req.rawBody.toString('utf8');
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, error: 'body is not valid JSON' };
  }
}

/** Form bodies (urlencoded or multipart) as a flat record of strings. */
export async function parseFormBody(req: ProviderRequest): Promise<Record<string, string>> {
  const ct = header(req, 'content-type') ?? '';
  const type = mediaType(req);
  const out: Record<string, string> = {};
  if (type === 'application/x-www-form-urlencoded' || type === '') {
    for (const [k, v] of new URLSearchParams(req.rawBody.toString('utf8'))) out[k] = v;
    return out;
  }
  if (type === 'multipart/form-data') {
    const form = await new Response(new Uint8Array(req.rawBody), { headers: { 'content-type': ct } }).formData();
    for (const [k, v] of form.entries()) if (typeof v === 'string') out[k] = v;
    return out;
  }
  throw new Error(`unsupported content type ${type}`);
}
