import { describe, expect, it } from 'vitest';
import { ConfigError, loadProviderConfig, loadTemporalConfig, PROVIDER_DEFAULT_BASE_URLS } from '../../worker/config.js';

const creds = {
  SECPAID_TOKEN: 'tok-secpaid',
  LINKMONEY_CLIENT_ID: 'client',
  LINKMONEY_CLIENT_SECRET: 'shh-linkmoney',
  OPENPAYD_API_KEY: '0123456789abcdef0123456789abcdef',
  RESERVEPAY_API_KEY: 'skey_live_1',
};

describe('loadTemporalConfig', () => {
  it('defaults to the local dev server, namespace default, task queue refunds', () => {
    expect(loadTemporalConfig({})).toEqual({ address: 'localhost:7233', namespace: 'default', taskQueue: 'refunds' });
  });

  it('turns TLS on with an API key and never shows the key', () => {
    const c = loadTemporalConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'very-secret' });
    expect(c.tls).toEqual({});
    expect(c.apiKey?.reveal()).toBe('very-secret');
    expect(JSON.stringify(c)).not.toContain('very-secret');
  });

  it.each([
    ['TEMPORAL_ADDRESS', 'not an address', /TEMPORAL_ADDRESS: must be host:port/],
    ['TEMPORAL_TLS', 'maybe', /TEMPORAL_TLS: must be true or false/],
    ['TEMPORAL_TLS_CERT', '/nonexistent.pem', /TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together/],
  ])('rejects %s=%j naming the variable', (name, value, message) => {
    expect(() => loadTemporalConfig({ [name]: value })).toThrow(message);
  });
});

describe('loadProviderConfig', () => {
  it('uses the documented hosts by default', () => {
    const c = loadProviderConfig(creds);
    expect(c.secpaid.baseUrl).toBe(PROVIDER_DEFAULT_BASE_URLS.SECPAID_BASE_URL);
    expect(c.linkmoney.baseUrl).toBe('https://api.link.money');
    expect(c.openpayd.baseUrl).toBe('https://api.openpaydpsp.com');
    expect(c.reservepay.baseUrl).toBe('https://api.reservepay.com');
    expect(c.linkmoney.statusPath).toBe('/v1/transactions/{paymentId}');
    expect(c.reservepay.apiVersion).toBe('2025-04-01');
  });

  it('strips a trailing slash from base URLs', () => {
    expect(loadProviderConfig({ ...creds, SECPAID_BASE_URL: 'http://127.0.0.1:4010/secpaid/api/v2/' }).secpaid.baseUrl).toBe(
      'http://127.0.0.1:4010/secpaid/api/v2',
    );
  });

  it('keeps every credential out of JSON and string forms', () => {
    const text = JSON.stringify(loadProviderConfig(creds)) + String(loadProviderConfig(creds).secpaid.token);
    for (const [name, value] of Object.entries(creds)) {
      if (name === 'LINKMONEY_CLIENT_ID') continue; // an identifier, not a secret
      expect(text).not.toContain(value);
    }
  });

  it.each(Object.keys(creds))('stops when %s is missing, naming it', (name) => {
    const env: Record<string, string> = { ...creds };
    delete env[name];
    expect(() => loadProviderConfig(env)).toThrow(ConfigError);
    expect(() => loadProviderConfig(env)).toThrow(new RegExp(`^${name}`));
  });

  it.each([
    ['SECPAID_BASE_URL', 'ftp://x', /SECPAID_BASE_URL: must be an http\(s\) URL/],
    ['OPENPAYD_API_KEY', 'short', /OPENPAYD_API_KEY: must be 32 characters/],
    ['LINKMONEY_STATUS_PATH', '/v1/x', /LINKMONEY_STATUS_PATH: must start with \/ and contain \{paymentId\}/],
    ['PROVIDER_TIMEOUT_MS', '-5', /PROVIDER_TIMEOUT_MS/],
    ['RESERVEPAY_API_VERSION', 'latest', /RESERVEPAY_API_VERSION: must be YYYY-MM-DD/],
  ])('rejects %s=%j naming the variable and hiding secrets', (name, value, message) => {
    const run = () => loadProviderConfig({ ...creds, [name]: value });
    expect(run).toThrow(message);
    if (name === 'OPENPAYD_API_KEY') expect(run).toThrow(/\[redacted\]/);
  });
});
