/**
 * API keys in configuration (REFUNDS_API_KEYS, REFUNDS_API_TOKEN; domain/config.ts), the key
 * check of the HTTP API (client/api/auth.ts) and `refunds api-key` (client/cli/api-key.ts).
 */
import { describe, expect, it } from 'vitest';
import { ApiKeys, allowed, sha256Hex } from '../../client/api/auth.js';
import { newApiKey } from '../../client/cli/api-key.js';
import { apiKeySpecs, apiSettings, strongApiKey } from '../../domain/config.js';

const STRONG = 'Zq8vN3xKp0LrT7wYb2HcJ5mEa9UdGs4F'; // 32 characters, 32 different
const auth = (value: string) => ['Host', 'x', 'Authorization', value];

describe('REFUNDS_API_KEYS', () => {
  it('parses name:role:key and name:role:sha256:<hex>, commas or new lines between', () => {
    const hash = sha256Hex(STRONG);
    expect(apiKeySpecs(`billing:service:${STRONG},\n ops:operator:sha256:${hash}`)).toEqual([
      { name: 'billing', role: 'service', key: STRONG },
      { name: 'ops', role: 'operator', sha256: hash },
    ]);
    expect(apiKeySpecs('a:service:k:with:colons')).toEqual([{ name: 'a', role: 'service', key: 'k:with:colons' }]);
  });

  it('refuses bad names, roles, hashes and keys, never showing a key', () => {
    expect(() => apiKeySpecs('Bad Name:service:xxxxxxxxxx')).toThrow(/entry 1: the name must be/);
    expect(() => apiKeySpecs('a:admin:xxxxxxxxxx')).toThrow(/entry 1 \(a\): the role must be one of service, operator/);
    expect(() => apiKeySpecs('a:service:sha256:abc')).toThrow(/64 lowercase hex digits/);
    expect(() => apiKeySpecs('a:service:short')).toThrow(/8-512 printable ASCII/);
    expect(() => apiKeySpecs(`a:service:${STRONG},a:operator:${STRONG}x`)).toThrow(/listed again with another role/);
    expect(() => apiKeySpecs(' , ')).toThrow(/no keys listed/);
    try {
      apiKeySpecs(`a:nope:${STRONG}`);
    } catch (err) {
      expect((err as Error).message).not.toContain(STRONG);
    }
  });

  it('two keys of one name (rotation) are both accepted', () => {
    expect(apiKeySpecs(`ops:operator:${STRONG},ops:operator:${STRONG.split('').reverse().join('')}`)).toHaveLength(2);
  });
});

describe('keys off loopback', () => {
  it('strong keys: at least 32 characters, 10 different, not a repetition', () => {
    expect(strongApiKey(STRONG)).toBe(true);
    expect(strongApiKey(STRONG.slice(0, 31))).toBe(false);
    expect(strongApiKey('dev-token-dev-token-dev-token-dev-token')).toBe(false);
    expect(strongApiKey('abcdefghijklabcdefghijklabcdefghijkl')).toBe(false);
    expect(strongApiKey(newApiKey('x', 'service').key)).toBe(true);
  });

  it('the development token and weak keys bind to loopback only', () => {
    expect(apiSettings({ REFUNDS_API_TOKEN: 'dev-token' }).token).toBe('dev-token');
    expect(apiSettings({ REFUNDS_API_TOKEN: 'dev-token', REFUNDS_API_HOST: '::1' }).token).toBe('dev-token');
    for (const host of ['0.0.0.0', '::', '10.0.0.5']) {
      expect(() => apiSettings({ REFUNDS_API_TOKEN: 'dev-token', REFUNDS_API_HOST: host })).toThrow(/REFUNDS_API_TOKEN: on REFUNDS_API_HOST=.* a key must be at least 32 random characters/);
      expect(() => apiSettings({ REFUNDS_API_TOKEN: '12345678', REFUNDS_API_HOST: host })).toThrow(/at least 32 random/);
      expect(() => apiSettings({ REFUNDS_API_KEYS: 'svc:service:weakweakweak', REFUNDS_API_HOST: host })).toThrow(/REFUNDS_API_KEYS \(svc\): on REFUNDS_API_HOST/);
      expect(apiSettings({ REFUNDS_API_KEYS: `svc:service:${STRONG}`, REFUNDS_API_HOST: host }).keys).toEqual([{ name: 'svc', role: 'service', key: STRONG }]);
      expect(apiSettings({ REFUNDS_API_KEYS: newApiKey('svc', 'operator').hashedEntry, REFUNDS_API_HOST: host }).keys![0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('REFUNDS_API_KEYS alone is enough; with neither, the message names both', () => {
    expect(apiSettings({ REFUNDS_API_KEYS: `svc:service:${STRONG}` }).token).toBeUndefined();
    expect(() => apiSettings({})).toThrow(/REFUNDS_API_TOKEN is required but not set .* or REFUNDS_API_KEYS/);
  });
});

describe('the key check', () => {
  const keys = new ApiKeys([
    { name: 'billing', role: 'service', key: STRONG },
    { name: 'ops', role: 'operator', sha256: sha256Hex('the-ops-key-0123456789') },
  ]);

  it('finds the key by its hash, whatever the spelling of the scheme', () => {
    expect(keys.authenticate(auth(`Bearer ${STRONG}`))).toEqual({ ok: true, identity: { name: 'billing', role: 'service' } });
    expect(keys.authenticate(auth(`bearer   ${STRONG}`))).toMatchObject({ ok: true });
    expect(keys.authenticate(auth('Bearer the-ops-key-0123456789'))).toEqual({ ok: true, identity: { name: 'ops', role: 'operator' } });
  });

  it('refuses missing, wrong, malformed and doubled headers', () => {
    expect(keys.authenticate(['Host', 'x'])).toMatchObject({ ok: false, invalidToken: false });
    expect(keys.authenticate(auth(`Bearer ${STRONG}x`))).toMatchObject({ ok: false, invalidToken: true });
    expect(keys.authenticate(auth(`Basic ${STRONG}`))).toMatchObject({ ok: false });
    expect(keys.authenticate(auth(sha256Hex('the-ops-key-0123456789')))).toMatchObject({ ok: false });
    expect(keys.authenticate([...auth(`Bearer ${STRONG}`), 'authorization', `Bearer ${STRONG}`])).toMatchObject({ ok: false, message: expect.stringMatching(/one Authorization header/) });
  });

  it('roles: service creates, reads and lists; operator also acts', () => {
    expect((['read', 'list', 'create', 'act'] as const).map((p) => allowed('service', p))).toEqual([true, true, true, false]);
    expect((['read', 'list', 'create', 'act'] as const).map((p) => allowed('operator', p))).toEqual([true, true, true, true]);
  });
});
