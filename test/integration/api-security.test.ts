/**
 * The HTTP API's access control and its answers to hostile requests, over real HTTP (raw bytes
 * on a socket where fetch would tidy a request up): API keys with roles, the recorded operator,
 * key rotation and hashed keys, object-level checks, input hygiene, limits and throttles.
 * Every hostile request is answered with its documented 4xx in the one error shape, and nothing
 * is started in Temporal (each refused create's id is looked up, and the task queue's workflows
 * are counted at the end).
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../../client/api/auth.js';
import { startApiServer, type RunningApiServer } from '../../client/api/server.js';
import { eventually, startStack, uniqueKey, type Stack } from '../helpers/stack.js';

const SVC = `svc_${randomBytes(24).toString('base64url')}`;
const OPS = `ops_${randomBytes(24).toString('base64url')}`;
const OPS_NEXT = `ops_${randomBytes(24).toString('base64url')}`;
const HASHED = `hsh_${randomBytes(24).toString('base64url')}`;
const KEYS = [
  { name: 'billing', role: 'service' as const, key: SVC },
  { name: 'ops-alice', role: 'operator' as const, key: OPS },
  { name: 'ops-alice', role: 'operator' as const, key: OPS_NEXT }, // rotation: both valid
  { name: 'ops-hashed', role: 'operator' as const, sha256: sha256Hex(HASHED) },
];

let s: Stack;
let api: RunningApiServer;
/** Workflow ids that are not refunds: one with the refund- prefix but another type, one without it. */
const imposterId = `refund-imposter-${randomBytes(4).toString('hex')}`;
const otherId = `ledger-${randomBytes(4).toString('hex')}`;
const refusedKeys: string[] = [];

beforeAll(async () => {
  s = await startStack();
  api = await startApiServer({ port: 0, refunds: s.refunds, keys: KEYS, rateLimit: false, authFailures: false });
  // Two workflows that are not refunds, on a queue no worker polls (they just wait).
  for (const id of [imposterId, otherId]) await s.client.workflow.start('paymentLedger', { taskQueue: `${s.taskQueue}-nobody`, workflowId: id, args: [] });
}, 120_000);

afterAll(async () => {
  for (const id of [imposterId, otherId]) await s?.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
  await api?.close();
  await s?.stop();
});

interface Raw {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** One HTTP/1.1 request written byte for byte; the answer parsed (JSON body expected). */
function raw(request: string | Buffer, base = api.url): Promise<Raw> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || (err as NodeJS.ErrnoException).code === 'EPIPE' ? undefined : reject(err)));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      let bodyText = rest.join('\r\n\r\n');
      if (headers['transfer-encoding'] === 'chunked') bodyText = bodyText.replace(/^[0-9a-f]+\r\n/, '').replace(/\r\n0\r\n\r\n$/, '');
      let body: unknown;
      try {
        body = JSON.parse(bodyText);
      } catch {
        body = bodyText;
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    // Written, not ended: the server answers (Connection: close) and closes the socket itself.
    socket.write(request);
  });
}

interface Req {
  method?: string;
  path: string;
  /** Header lines as sent (duplicates allowed). Default: Authorization with the operator key. */
  headers?: [string, string][];
  auth?: string | null;
  body?: string | Buffer;
}

function build(r: Req): Buffer {
  const headers: [string, string][] = [['Host', 'api.test'], ['Connection', 'close']];
  if (r.auth !== null) headers.push(['Authorization', r.auth ?? `Bearer ${OPS}`]);
  headers.push(...(r.headers ?? []));
  const body = r.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
  if (r.body !== undefined && !headers.some(([k]) => /^(content-length|transfer-encoding)$/i.test(k))) headers.push(['Content-Length', String(body.length)]);
  const head = `${r.method ?? 'GET'} ${r.path} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

function expectErrorShape(a: Raw, status: number, type?: string): void {
  expect(a.status, JSON.stringify(a.body)).toBe(status);
  expect(a.headers['content-type']).toMatch(/^application\/json/);
  const body = a.body as { error?: { type?: unknown; message?: unknown; fields?: unknown } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error!).every((k) => ['type', 'message', 'fields'].includes(k))).toBe(true);
  expect(typeof body.error!.type).toBe('string');
  expect(typeof body.error!.message).toBe('string');
  if (type) expect(body.error!.type).toBe(type);
  for (const f of (body.error!.fields as unknown[] | undefined) ?? []) expect(f).toEqual({ path: expect.any(String), message: expect.any(String) });
}

const json = (v: unknown) => JSON.stringify(v);
const rp = (extra: Record<string, unknown> = {}) => ({ provider: 'reservepay', payment: { paymentId: 'pay_hostile' }, amount: 1000, currency: 'THB', ...extra });
const JSON_CT: [string, string] = ['Content-Type', 'application/json'];

/** A create with a fresh idempotency key (remembered, to prove nothing started). */
function create(body: string | Buffer, extra: Partial<Req> = {}, key = uniqueKey('hostile')): Req {
  refusedKeys.push(key);
  return { method: 'POST', path: '/v1/refunds', headers: [JSON_CT, ['Idempotency-Key', key], ...(extra.headers ?? [])], body, ...(extra.auth !== undefined ? { auth: extra.auth } : {}) };
}

const deep = (n: number) => `{"provider":"reservepay","metadata":${'['.repeat(n)}${']'.repeat(n)}}`;
const nope = () => `refund-${uniqueKey('nope')}`;

// [name, request, documented status, error type]
const HOSTILE: [string, () => Req, number, string][] = [
  // Missing, wrong and weak keys; token spellings
  ['no Authorization', () => ({ path: '/v1/refunds', auth: null }), 401, 'unauthorized'],
  ['Bearer without a key', () => ({ path: '/v1/refunds', auth: 'Bearer' }), 401, 'unauthorized'],
  ['Bearer and spaces only', () => ({ path: '/v1/refunds', auth: 'Bearer    ' }), 401, 'unauthorized'],
  ['a key with one character more', () => ({ path: '/v1/refunds', auth: `Bearer ${OPS}x` }), 401, 'unauthorized'],
  ['a key with one character less', () => ({ path: '/v1/refunds', auth: `Bearer ${OPS.slice(0, -1)}` }), 401, 'unauthorized'],
  ['the dev token on a server with keys', () => ({ path: '/v1/refunds', auth: 'Bearer dev-token' }), 401, 'unauthorized'],
  ['Basic with the key as password', () => ({ path: '/v1/refunds', auth: `Basic ${Buffer.from(`x:${OPS}`).toString('base64')}` }), 401, 'unauthorized'],
  ['Token scheme', () => ({ path: '/v1/refunds', auth: `Token ${OPS}` }), 401, 'unauthorized'],
  ['Bearer and a tab', () => ({ path: '/v1/refunds', auth: `Bearer\t${OPS}` }), 401, 'unauthorized'],
  ['the key then junk', () => ({ path: '/v1/refunds', auth: `Bearer ${OPS} extra` }), 401, 'unauthorized'],
  ['the key without a scheme', () => ({ path: '/v1/refunds', auth: OPS }), 401, 'unauthorized'],
  ["a hashed key's SHA-256 presented as the key", () => ({ path: '/v1/refunds', auth: `Bearer ${sha256Hex(HASHED)}` }), 401, 'unauthorized'],
  ['two Authorization headers (valid first)', () => ({ path: '/v1/refunds', headers: [['Authorization', 'Bearer wrong']] }), 401, 'unauthorized'],
  ['two Authorization headers (valid second)', () => ({ path: '/v1/refunds', auth: 'Bearer wrong', headers: [['Authorization', `Bearer ${OPS}`]] }), 401, 'unauthorized'],
  ['no key on an unknown /v1 path', () => ({ path: '/v1/payments', auth: null }), 401, 'unauthorized'],
  // Wrong role: a service key on every operator action (with valid bodies)
  ['service key: approve', () => ({ method: 'POST', path: `/v1/refunds/${nope()}/approve`, auth: `Bearer ${SVC}`, headers: [JSON_CT], body: '{}' }), 403, 'forbidden'],
  ['service key: reject', () => ({ method: 'POST', path: `/v1/refunds/${nope()}/reject`, auth: `Bearer ${SVC}`, headers: [JSON_CT], body: json({ reason: 'no' }) }), 403, 'forbidden'],
  ['service key: cancel', () => ({ method: 'POST', path: `/v1/refunds/${nope()}/cancel`, auth: `Bearer ${SVC}` }), 403, 'forbidden'],
  ['service key: resolve', () => ({ method: 'POST', path: `/v1/refunds/${nope()}/resolve`, auth: `Bearer ${SVC}`, headers: [JSON_CT], body: json({ status: 'failed', note: 'x' }) }), 403, 'forbidden'],
  // Path tricks and other workflows' ids
  ['encoded ../ in the id', () => ({ path: '/v1/refunds/..%2F..%2Fetc%2Fpasswd' }), 404, 'not_found'],
  ['raw ../ in the path', () => ({ path: '/v1/refunds/../../etc/passwd' }), 404, 'not_found'],
  ['%2e%2e as the id', () => ({ path: '/v1/refunds/%2e%2e' }), 404, 'not_found'],
  ['NUL in the id', () => ({ path: '/v1/refunds/refund-%00x' }), 404, 'not_found'],
  ['an id without the refund- prefix (another workflow)', () => ({ path: `/v1/refunds/${otherId}` }), 404, 'not_found'],
  ['a refund- id of another workflow type', () => ({ path: `/v1/refunds/${imposterId}` }), 404, 'not_found'],
  ['approve a refund- id of another workflow type', () => ({ method: 'POST', path: `/v1/refunds/${imposterId}/approve` }), 404, 'not_found'],
  ['cancel another workflow', () => ({ method: 'POST', path: `/v1/refunds/${otherId}/cancel` }), 404, 'not_found'],
  ['a payment lock id', () => ({ path: '/v1/refunds/payment-lock:refunds:secpaid:abc' }), 404, 'not_found'],
  ['a 300-character id', () => ({ path: `/v1/refunds/refund-${'a'.repeat(300)}` }), 404, 'not_found'],
  ['a 5,000-character id', () => ({ path: `/v1/refunds/refund-${'a'.repeat(5000)}` }), 404, 'not_found'],
  ['a malformed percent-encoding in the id', () => ({ path: '/v1/refunds/refund-%zz' }), 404, 'not_found'],
  ['an extra path segment', () => ({ method: 'POST', path: `/v1/refunds/${nope()}/approve/now` }), 404, 'not_found'],
  ['a double slash', () => ({ path: '/v1//refunds' }), 404, 'not_found'],
  // Control and bidi characters in free text
  ['NUL in reason', () => create(json(rp({ reason: 'a\u0000b' }))), 400, 'validation_error'],
  ['ESC in reason', () => create(json(rp({ reason: '\u001b[31mred' }))), 400, 'validation_error'],
  ['CR LF in reason', () => create(json(rp({ reason: 'ok\r\nfake log line' }))), 400, 'validation_error'],
  ['RLO (U+202E) in reason', () => create(json(rp({ reason: 'abc\u202Etxt.exe' }))), 400, 'validation_error'],
  ['LRI (U+2066) in reason', () => create(json(rp({ reason: '\u2066x' }))), 400, 'validation_error'],
  ['DEL/C1 in reason', () => create(json(rp({ reason: 'x\u009bq' }))), 400, 'validation_error'],
  ['LF in a metadata value', () => create(json(rp({ metadata: { order: '1\n2' } }))), 400, 'validation_error'],
  ['ESC in a metadata key', () => create(json(rp({ metadata: { '\u001bk': 'v' } }))), 400, 'validation_error'],
  ['CR LF in a reject reason', () => ({ method: 'POST', path: `/v1/refunds/${nope()}/reject`, headers: [JSON_CT], body: json({ reason: 'x\r\ny' }) }), 400, 'validation_error'],
  ['RLM in an approve note', () => ({ method: 'POST', path: `/v1/refunds/${nope()}/approve`, headers: [JSON_CT], body: json({ note: 'ok\u200f' }) }), 400, 'validation_error'],
  ['NUL in a resolve note', () => ({ method: 'POST', path: `/v1/refunds/${nope()}/resolve`, headers: [JSON_CT], body: json({ status: 'failed', note: '\u0000' }) }), 400, 'validation_error'],
  // Idempotency keys outside the safe set
  ['Idempotency-Key ../../etc/passwd', () => create(json(rp()), {}, '../../etc/passwd'), 400, 'validation_error'],
  ['Idempotency-Key with quotes', () => create(json(rp()), {}, '"k1"'), 400, 'validation_error'],
  ["Idempotency-Key with a '", () => create(json(rp()), {}, "a'b"), 400, 'validation_error'],
  ['Idempotency-Key starting with a dot', () => create(json(rp()), {}, '.hidden'), 400, 'validation_error'],
  ['Idempotency-Key with a slash', () => create(json(rp()), {}, 'a/b'), 400, 'validation_error'],
  ['Idempotency-Key in Latin-1 bytes', () => create(json(rp()), {}, 'cl\u00e9'), 400, 'validation_error'],
  ['two Idempotency-Key headers', () => create(json(rp()), { headers: [['Idempotency-Key', 'second']] }), 400, 'bad_request'],
  ['an unsafe idempotencyKey in the body, no header', () => ({ method: 'POST', path: '/v1/refunds', headers: [JSON_CT], body: json(rp({ idempotencyKey: '../x' })) }), 400, 'validation_error'],
  // Oversized and deeply nested bodies, prototype tricks
  ['a 70 KiB body', () => create(json(rp({ reason: 'x'.repeat(70 * 1024) }))), 413, 'payload_too_large'],
  ['a 70 KiB chunked body', () => create(`${(70 * 1024).toString(16)}\r\n${'x'.repeat(70 * 1024)}\r\n0\r\n\r\n`, { headers: [['Transfer-Encoding', 'chunked']] }), 413, 'payload_too_large'],
  ['nesting 5,000 deep', () => create(deep(5000)), 400, 'validation_error'],
  ['nesting 30,000 deep', () => create(deep(30_000)), 400, 'validation_error'],
  ['a __proto__ key', () => create('{"__proto__":{"admin":true},"provider":"reservepay"}'), 400, 'invalid_json'],
  ['a constructor.prototype key', () => create('{"constructor":{"prototype":{"admin":true}}}'), 400, 'invalid_json'],
  // Wrong content types
  ['text/plain', () => ({ method: 'POST', path: '/v1/refunds', headers: [['Content-Type', 'text/plain'], ['Idempotency-Key', uniqueKey('h')]], body: json(rp()) }), 415, 'unsupported_media_type'],
  ['two Content-Type headers (JSON first)', () => create(json(rp()), { headers: [['Content-Type', 'text/plain']] }), 400, 'bad_request'],
  ['two Content-Type headers (JSON second)', () => ({ method: 'POST', path: '/v1/refunds', headers: [['Content-Type', 'text/plain'], JSON_CT, ['Idempotency-Key', uniqueKey('h')]], body: json(rp()) }), 400, 'bad_request'],
  ['form-urlencoded', () => ({ method: 'POST', path: '/v1/refunds', headers: [['Content-Type', 'application/x-www-form-urlencoded'], ['Idempotency-Key', uniqueKey('h')]], body: 'provider=reservepay' }), 415, 'unsupported_media_type'],
  ['multipart/form-data', () => ({ method: 'POST', path: '/v1/refunds', headers: [['Content-Type', 'multipart/form-data; boundary=x'], ['Idempotency-Key', uniqueKey('h')]], body: '--x--' }), 415, 'unsupported_media_type'],
  ['application/jsonx', () => ({ method: 'POST', path: '/v1/refunds', headers: [['Content-Type', 'application/jsonx'], ['Idempotency-Key', uniqueKey('h')]], body: json(rp()) }), 415, 'unsupported_media_type'],
  ['a body without Content-Type', () => ({ method: 'POST', path: '/v1/refunds', headers: [['Idempotency-Key', uniqueKey('h')]], body: json(rp()) }), 415, 'unsupported_media_type'],
  ['XML sent as JSON', () => create('<refund amount="1000"/>'), 400, 'invalid_json'],
  // Duplicate and contradictory framing headers
  ['two different Content-Length headers', () => create(json(rp()), { headers: [['Content-Length', '2']] }), 400, 'bad_request'],
  ['Content-Length with Transfer-Encoding', () => create(`5\r\nhello\r\n0\r\n\r\n`, { headers: [['Transfer-Encoding', 'chunked'], ['Content-Length', '3']] }), 400, 'bad_request'],
  // Methods and query strings
  ['DELETE a refund', () => ({ method: 'DELETE', path: `/v1/refunds/${nope()}` }), 405, 'method_not_allowed'],
  ['PATCH the collection', () => ({ method: 'PATCH', path: '/v1/refunds', headers: [JSON_CT], body: '{}' }), 405, 'method_not_allowed'],
  ['GET an action', () => ({ path: `/v1/refunds/${nope()}/approve` }), 405, 'method_not_allowed'],
  ['a repeated query parameter', () => ({ path: '/v1/refunds?provider=secpaid&provider=reservepay' }), 400, 'validation_error'],
  ['a bracketed query parameter', () => ({ path: '/v1/refunds?status[]=pending' }), 400, 'validation_error'],
  ['limit=1e3', () => ({ path: '/v1/refunds?limit=1e3' }), 400, 'validation_error'],
];

describe('hostile requests: each its documented 4xx in the one error shape, nothing started', () => {
  it.each(HOSTILE.map(([name, req, status, type]) => [`${name} -> ${status} ${type}`, req, status, type] as const))('%s', async (_name, req, status, type) => {
    expectErrorShape(await raw(build(req())), status, type);
  });

  it(`none of the ${HOSTILE.length} requests started a workflow`, async () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(50);
    for (const key of refusedKeys) {
      await expect(s.client.workflow.getHandle(`refund-${key}`).describe()).rejects.toThrow(/not found/i);
    }
    // Nothing on the task queue at all (the hostile creates all named it).
    const started = await s.client.workflow.count(`TaskQueue = '${s.taskQueue}'`);
    expect(started.count).toBe(0);
  });
});

describe('roles and the recorded operator', () => {
  it('a service key creates, reads and lists; gets 403 on every operator action; the operator recorded is the key name', async () => {
    const payId = (await s.admin('POST', '/payments', { provider: 'secpaid', amount: 5000, currency: 'EUR' })).id as string;
    const key = uniqueKey('roles');
    const id = `refund-${key}`;
    const body = json({ provider: 'secpaid', payment: { payId }, amount: 2500, currency: 'EUR' });
    const created = await raw(build({ method: 'POST', path: '/v1/refunds', auth: `Bearer ${SVC}`, headers: [JSON_CT, ['Idempotency-Key', key]], body }));
    expect(created.status).toBe(201);
    await eventually(async () => {
      const a = await raw(build({ path: `/v1/refunds/${id}`, auth: `Bearer ${SVC}` }));
      return a.status === 200 && (a.body as { pendingReason?: string }).pendingReason === 'awaiting_admin_review';
    }, 30_000);
    expect((await raw(build({ path: '/v1/refunds?limit=1', auth: `Bearer ${SVC}` }))).status).toBe(200);

    const actions: [string, unknown][] = [['approve', {}], ['reject', { reason: 'no' }], ['cancel', {}], ['resolve', { status: 'failed', note: 'x' }]];
    for (const [action, input] of actions) {
      const a = await raw(build({ method: 'POST', path: `/v1/refunds/${id}/${action}`, auth: `Bearer ${SVC}`, headers: [JSON_CT], body: json(input) }));
      expectErrorShape(a, 403, 'forbidden');
    }
    const still = await raw(build({ path: `/v1/refunds/${id}`, auth: `Bearer ${SVC}` }));
    expect((still.body as { status: string }).status).toBe('pending');

    // The rotated-in key of the same name approves; a body "operator" is not what is recorded.
    const approved = await raw(build({ method: 'POST', path: `/v1/refunds/${id}/approve`, auth: `Bearer ${OPS_NEXT}`, headers: [JSON_CT], body: json({ operator: 'mallory', note: 'checked in the dashboard' }) }));
    expect(approved.status).toBe(200);
    const state = approved.body as { status: string; transitions: { cause: string }[] };
    expect(state.status).toBe('approved');
    const last = state.transitions.at(-1)!.cause;
    expect(last).toContain('operator ops-alice approve');
    expect(last).toContain('checked in the dashboard');
    expect(JSON.stringify(state)).not.toContain('mallory');
  });

  it('a key configured only by its SHA-256 authenticates; the old key of a rotation still works', async () => {
    expect((await raw(build({ path: '/v1/refunds?limit=1', auth: `Bearer ${HASHED}` }))).status).toBe(200);
    expect((await raw(build({ path: '/v1/refunds?limit=1', auth: `Bearer ${OPS}` }))).status).toBe(200);
    expect((await raw(build({ path: '/v1/refunds?limit=1', auth: `bearer  ${OPS}` }))).status).toBe(200);
  });
});

describe('throttles', () => {
  it('spellings of one key share its bucket: 429 once the burst is spent, whatever the spelling', async () => {
    const limited = await startApiServer({ port: 0, refunds: s.refunds, keys: KEYS, rateLimit: { ratePerSecond: 0.1, burst: 3 }, authFailures: false });
    try {
      const spellings = [`Bearer ${SVC}`, `bearer ${SVC}`, `BEARER  ${SVC}`, `Bearer ${SVC}  `];
      const statuses: number[] = [];
      for (const auth of spellings) statuses.push((await raw(build({ path: '/v1/refunds?limit=1', auth }), limited.url)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const over = await raw(build({ path: '/v1/refunds?limit=1', auth: `BeArEr ${SVC}` }), limited.url);
      expectErrorShape(over, 429, 'rate_limited');
      expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // Another key has its own bucket.
      expect((await raw(build({ path: '/v1/refunds?limit=1' }), limited.url)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('failed authentication is throttled per address: after the allowance, 429 even for guesses', async () => {
    const limited = await startApiServer({ port: 0, refunds: s.refunds, keys: KEYS, rateLimit: false, authFailures: { max: 5, windowMs: 600_000 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await raw(build({ path: '/v1/refunds', auth: `Bearer guess-${i}` }), limited.url)).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
      expectErrorShape(await raw(build({ path: '/v1/refunds', auth: 'Bearer guess-x' }), limited.url), 429, 'rate_limited');
    } finally {
      await limited.close();
    }
  });

  it('requests per address are limited before authentication', async () => {
    const limited = await startApiServer({ port: 0, refunds: s.refunds, keys: KEYS, rateLimit: { ratePerSecond: 0.1, burst: 2 }, addressFactor: 2, authFailures: false });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await raw(build({ path: '/openapi.json', auth: null }), limited.url)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
    } finally {
      await limited.close();
    }
  });

  it('/readyz: many probes at once make one Temporal call; the error text is generic', async () => {
    const spy = vi.spyOn(s.client.workflowService, 'getSystemInfo');
    const probe = await startApiServer({ port: 0, refunds: s.refunds, keys: KEYS, readyCacheMs: 600_000 });
    try {
      const answers = await Promise.all(Array.from({ length: 20 }, () => raw(build({ path: '/readyz', auth: null }), probe.url)));
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
      await probe.close();
    }
  });
});
