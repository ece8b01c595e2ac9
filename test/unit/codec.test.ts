/**
 * The AES-256-GCM payload codec, the key list parser (REFUNDS_ENCRYPTION_KEYS) and the codec
 * server over real HTTP: round trip, rotation, tamper detection, unknown key id, CORS, auth,
 * size limit, rate limit.
 */
import { randomBytes } from 'node:crypto';
import { DefaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, PayloadDecryptionError } from '../../codec/codec.js';
import { dataConverter } from '../../codec/data-converter.js';
import { loadCodecServerConfig } from '../../codec/config.js';
import { parseKeyRing } from '../../codec/keys.js';
import { payloadFromJson, payloadToJson, startCodecServer, type RunningCodecServer } from '../../codec/server.js';

const k = () => randomBytes(32).toString('base64');
const K1 = k();
const K2 = k();
const conv = new DefaultPayloadConverter();
const text = (p: Payload) => Buffer.from(p.metadata!.encoding!).toString();

describe('REFUNDS_ENCRYPTION_KEYS', () => {
  it('first key is current, every key decrypts', () => {
    const ring = parseKeyRing(`k2:${K2},k1:${K1}`);
    expect(ring.current.id).toBe('k2');
    expect([...ring.byId.keys()]).toEqual(['k2', 'k1']);
  });
  it.each([
    ['', /at least one/],
    ['k1', /<keyId>:<base64 key>/],
    [`k1:${randomBytes(16).toString('base64')}`, /32 bytes/],
    [`k1:${K1},k1:${K2}`, /listed twice/],
  ])('rejects %j with a message naming the variable, never the key', (value, msg) => {
    let err: Error | undefined;
    try {
      parseKeyRing(value);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.name).toBe('ConfigError');
    expect(err?.message).toMatch(/^REFUNDS_ENCRYPTION_KEYS: /);
    expect(err?.message).toMatch(msg);
    expect(err?.message).not.toContain(K1);
  });
  it('dataConverter() is undefined without keys and carries the codec with them', () => {
    expect(dataConverter({})).toBeUndefined();
    expect(dataConverter({ REFUNDS_ENCRYPTION_KEYS: `k1:${K1}` })?.payloadCodecs?.[0]).toBeInstanceOf(AesGcmCodec);
  });
});

describe('AesGcmCodec', () => {
  const codec = new AesGcmCodec(parseKeyRing(`k1:${K1}`));
  const input = conv.toPayload({ paymentId: 'pay_secret_42', amount: 2500 });

  it('round trip: metadata names the key, no plaintext, random IV per payload', async () => {
    const [a, b] = await codec.encode([input, input]);
    expect(text(a!)).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(a!.metadata![KEY_ID_METADATA]!).toString()).toBe('k1');
    expect(Buffer.from(a!.data!).toString('latin1')).not.toContain('pay_secret_42');
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
    const [back] = await codec.decode([a!]);
    expect(conv.fromPayload(back!)).toEqual({ paymentId: 'pay_secret_42', amount: 2500 });
  });

  it('rotation: a new current key still decrypts payloads written with the old one', async () => {
    const [old] = await codec.encode([input]);
    const rotated = new AesGcmCodec(parseKeyRing(`k2:${K2},k1:${K1}`));
    const [fresh] = await rotated.encode([input]);
    expect(Buffer.from(fresh!.metadata![KEY_ID_METADATA]!).toString()).toBe('k2');
    expect((await rotated.decode([old!, fresh!])).map((p) => conv.fromPayload(p))).toEqual([
      { paymentId: 'pay_secret_42', amount: 2500 },
      { paymentId: 'pay_secret_42', amount: 2500 },
    ]);
  });

  it('unknown key id: a clear error naming the id and the configured ones', async () => {
    const [p] = await new AesGcmCodec(parseKeyRing(`k9:${K2}`)).encode([input]);
    await expect(codec.decode([p!])).rejects.toThrow(/key id "k9", which is not in REFUNDS_ENCRYPTION_KEYS \(configured: k1\)/);
  });

  it('tamper detection: a flipped byte, a swapped key id, a truncated payload', async () => {
    const [p] = await codec.encode([input]);
    const flipped = Buffer.from(p!.data!);
    flipped[20] = flipped[20]! ^ 1;
    await expect(codec.decode([{ ...p!, data: flipped }])).rejects.toBeInstanceOf(PayloadDecryptionError);
    const two = new AesGcmCodec(parseKeyRing(`k1:${K1},k2:${K1}`)); // same key bytes, other id: the id is authenticated
    await expect(two.decode([{ ...p!, metadata: { ...p!.metadata, [KEY_ID_METADATA]: Buffer.from('k2') } }])).rejects.toThrow(/failed authentication/);
    await expect(codec.decode([{ ...p!, data: Buffer.from(p!.data!).subarray(0, 10) }])).rejects.toThrow(/too short/);
  });

  it('payloads that are not encrypted pass through decode unchanged', async () => {
    expect(await codec.decode([input])).toEqual([input]);
  });
});

describe('codec server', () => {
  let server: RunningCodecServer;
  const codec = new AesGcmCodec(parseKeyRing(`k1:${K1}`));
  const origin = 'http://localhost:8233';
  beforeAll(async () => {
    server = await startCodecServer({ port: 0, codec, token: 'codec-token-0123456789', allowedOrigins: [origin], maxBodyBytes: 4096, rateLimit: { ratePerSecond: 1, burst: 30 } });
  });
  afterAll(async () => server?.close());
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer codec-token-0123456789', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('decodes the Temporal codec-server JSON format and answers CORS for the UI origin', async () => {
    const [enc] = await codec.encode([conv.toPayload({ paymentId: 'pay_1' })]);
    const res = await post('/decode', { payloads: [payloadToJson(enc!)] }, { origin, 'x-namespace': 'default' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    const body = (await res.json()) as { payloads: Parameters<typeof payloadFromJson>[0][] };
    expect(conv.fromPayload(payloadFromJson(body.payloads[0]!, 0))).toEqual({ paymentId: 'pay_1' });
    const pre = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toContain('x-namespace');
  });

  it('encode then decode round-trips', async () => {
    const plainJson = payloadToJson(conv.toPayload('hello'));
    const enc = (await (await post('/encode', { payloads: [plainJson] })).json()) as { payloads: { metadata: Record<string, string> }[] };
    expect(Buffer.from(enc.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    const dec = (await (await post('/decode', enc)).json()) as { payloads: unknown[] };
    expect(dec.payloads[0]).toEqual(plainJson);
  });

  it('refuses: no token 401, other origin 403, too large 413, bad JSON 400, wrong type 415, unknown key 422', async () => {
    expect((await fetch(`${server.url}/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"payloads":[]}' })).status).toBe(401);
    expect((await post('/decode', { payloads: [] }, { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await post('/decode', { payloads: [] }, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await post('/decode', { payloads: [{ data: 'A'.repeat(5000) }] })).status).toBe(413);
    expect((await post('/decode', '{not json')).status).toBe(400);
    expect((await post('/decode', { payloads: [] }, { 'content-type': 'text/plain' })).status).toBe(415);
    const [other] = await new AesGcmCodec(parseKeyRing(`zz:${K2}`)).encode([conv.toPayload(1)]);
    const r = await post('/decode', { payloads: [payloadToJson(other!)] });
    expect(r.status).toBe(422);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/key id "zz"/);
  });

  it('rate-limits an abusive client with 429 and Retry-After', async () => {
    let last: Response | undefined;
    for (let i = 0; i < 40; i++) last = await post('/decode', { payloads: [] });
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('configuration: a token unless auth is explicitly off, and off only on loopback', () => {
    const keys = { REFUNDS_ENCRYPTION_KEYS: `k1:${K1}` };
    expect(() => loadCodecServerConfig(keys)).toThrow(/REFUNDS_CODEC_TOKEN is required/);
    expect(loadCodecServerConfig({ ...keys, REFUNDS_CODEC_AUTH: 'off' }).token).toBe(false);
    expect(() => loadCodecServerConfig({ ...keys, REFUNDS_CODEC_AUTH: 'off', REFUNDS_CODEC_HOST: '0.0.0.0' })).toThrow(/only on a loopback/);
    expect(() => loadCodecServerConfig({})).toThrow(/REFUNDS_ENCRYPTION_KEYS is required/);
  });
});
