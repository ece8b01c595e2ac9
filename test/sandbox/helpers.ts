/** Shared helpers for the sandbox contract tests: a sandbox on a free port and small HTTP helpers. */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../sandbox/server.js';

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body; throws if the body is not JSON. */
  json: unknown;
}

export async function http(url: string, init: RequestInit = {}): Promise<HttpResult> {
  const res = await fetch(url, init);
  const text = await res.text();
  let parsed: unknown;
  let parseError: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    parseError = err;
  }
  return {
    status: res.status,
    headers: res.headers,
    text,
    get json() {
      if (parseError) throw new Error(`not JSON (HTTP ${res.status}): ${text.slice(0, 200)}`);
      return parsed;
    },
  };
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return http(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

export function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpResult> {
  return http(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });
}

/** Starts one sandbox for the file, resets it before each test. */
export function useSandbox(options: SandboxOptions = {}): { sb: () => RunningSandbox; admin: Admin } {
  let sandbox: RunningSandbox | undefined;
  const sb = () => {
    if (!sandbox) throw new Error('sandbox not started');
    return sandbox;
  };
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, ...options });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(async () => {
    const r = await postJson(`${sb().urls.admin}/reset`, {});
    if (r.status !== 200) throw new Error(`reset failed: ${r.text}`);
  });
  return { sb, admin: new Admin(() => sb().urls.admin) };
}

type Row = Record<string, unknown>;

export class Admin {
  constructor(private readonly base: () => string) {}

  async call(method: string, path: string, body?: unknown): Promise<Row> {
    const r = await http(`${this.base()}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    if (r.status >= 300) throw new Error(`admin ${method} ${path} -> ${r.status}: ${r.text}`);
    return r.json as Row;
  }

  payment(body: Row): Promise<Row & { id: string }> {
    return this.call('POST', '/payments', body) as Promise<Row & { id: string }>;
  }

  async refunds(query = ''): Promise<Row[]> {
    return (await this.call('GET', `/refunds${query}`)).refunds as Row[];
  }

  setClock(now: string, frozen = true): Promise<Row> {
    return this.call('POST', '/clock', { now, frozen });
  }
}
