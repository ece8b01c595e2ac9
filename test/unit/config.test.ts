/**
 * The environment schema (domain/config.ts): defaults, validation messages naming the variable,
 * secrets never repeated, .env.example in step with it; and the rooms' wiring on top of it (TLS
 * files and the API key in client/connection.ts, provider credentials in worker/config.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main as cli } from '../../client/cli.js';
import { loadTemporalConfig } from '../../client/connection.js';
import {
  apiSettings,
  ConfigError,
  logSettings,
  metricsSettings,
  providerSettings,
  startSettings,
  temporalSettings,
  tracingSettings,
  callbackSettings,
  VARIABLES,
  workerTuning,
} from '../../domain/config.js';
import { loadProviderConfig } from '../../worker/config.js';

const creds = {
  SECPAID_TOKEN: 'tok-secpaid',
  LINKMONEY_CLIENT_ID: 'client',
  LINKMONEY_CLIENT_SECRET: 'shh-linkmoney',
  OPENPAYD_API_KEY: '0123456789abcdef0123456789abcdef',
  RESERVEPAY_API_KEY: 'skey_live_1',
};

describe('.env.example', () => {
  const documented = new Map(
    [...readFileSync(new URL('../../.env.example', import.meta.url), 'utf8').matchAll(/^#? ?([A-Z][A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]),
  );

  it('lists every variable of the schema, and nothing else', () => {
    expect([...documented.keys()].sort()).toEqual(Object.keys(VARIABLES).sort());
  });

  it.each(Object.entries(VARIABLES).filter(([, v]) => 'fallback' in v))('gives %s its default', (name, v) => {
    expect(documented.get(name)).toBe((v as { fallback: string }).fallback);
  });
});

describe('temporal settings', () => {
  it('defaults to the local dev server, namespace default, task queue refunds', () => {
    expect(temporalSettings({})).toEqual({ address: 'localhost:7233', namespace: 'default', taskQueue: 'refunds' });
    expect(loadTemporalConfig({})).toEqual({ address: 'localhost:7233', namespace: 'default', taskQueue: 'refunds' });
  });

  it('turns TLS on with an API key and never shows the key', () => {
    const c = loadTemporalConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'very-secret' });
    expect(c.tls).toEqual({});
    expect(c.apiKey?.reveal()).toBe('very-secret');
    expect(JSON.stringify(c)).not.toContain('very-secret');
  });

  it('reads the client certificate, key and CA files, and names the variable of a file it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'refunds-tls-'));
    const file = (name: string) => {
      writeFileSync(join(dir, name), `-- ${name} --`);
      return join(dir, name);
    };
    const env = { TEMPORAL_TLS_CERT: file('client.pem'), TEMPORAL_TLS_KEY: file('client.key'), TEMPORAL_TLS_CA: file('ca.pem'), TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' };
    const c = loadTemporalConfig(env);
    expect(c.tls?.clientCertPair?.crt.toString()).toBe('-- client.pem --');
    expect(c.tls?.clientCertPair?.key.toString()).toBe('-- client.key --');
    expect(c.tls?.serverRootCACertificate?.toString()).toBe('-- ca.pem --');
    expect(c.tls?.serverNameOverride).toBe('temporal.internal');
    expect(() => loadTemporalConfig({ ...env, TEMPORAL_TLS_CA: join(dir, 'missing.pem') })).toThrow(/^TEMPORAL_TLS_CA: cannot read /);
  });

  it('TEMPORAL_TLS=false keeps TLS off even with an API key', () => {
    expect(temporalSettings({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }).tls).toBeUndefined();
  });

  it.each([
    ['TEMPORAL_ADDRESS', 'not an address', /TEMPORAL_ADDRESS: must be host:port/],
    ['TEMPORAL_TLS', 'maybe', /TEMPORAL_TLS: must be true or false/],
    ['TEMPORAL_TLS_CERT', '/nonexistent.pem', /TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together/],
  ])('rejects %s=%j naming the variable', (name, value, message) => {
    expect(() => temporalSettings({ [name]: value })).toThrow(message);
    expect(() => temporalSettings({ [name]: value })).toThrow(ConfigError);
  });
});

describe('provider settings', () => {
  it('uses the documented hosts by default', () => {
    const c = providerSettings(creds);
    expect(c.secpaid.baseUrl).toBe('https://app.secpaid.com/api/v2');
    expect(c.secpaid.requestsPerMinute).toBe(50);
    expect(c.linkmoney.baseUrl).toBe('https://api.link.money');
    expect(c.openpayd.baseUrl).toBe('https://api.openpaydpsp.com');
    expect(c.reservepay.baseUrl).toBe('https://api.reservepay.com');
    expect(c.linkmoney.statusPath).toBe('/v1/transactions/{paymentId}');
    expect(c.linkmoney.scope).toBe('Link-Payment');
    expect(c.reservepay.apiVersion).toBe('2025-04-01');
    expect(c.requestTimeoutMs).toBe(15_000);
  });

  it('strips a trailing slash from base URLs', () => {
    expect(providerSettings({ ...creds, SECPAID_BASE_URL: 'http://127.0.0.1:4010/secpaid/api/v2/' }).secpaid.baseUrl).toBe(
      'http://127.0.0.1:4010/secpaid/api/v2',
    );
  });

  it('the worker keeps every credential out of JSON and string forms', () => {
    const config = loadProviderConfig(creds);
    const text = JSON.stringify(config) + String(config.secpaid.token);
    for (const [name, value] of Object.entries(creds)) {
      if (name === 'LINKMONEY_CLIENT_ID') continue; // an identifier, not a secret
      expect(text).not.toContain(value);
    }
    expect(config.openpayd.apiKey.reveal()).toBe(creds.OPENPAYD_API_KEY);
  });

  it.each(Object.keys(creds))('stops when %s is missing, naming it', (name) => {
    const env: Record<string, string> = { ...creds };
    delete env[name];
    expect(() => providerSettings(env)).toThrow(ConfigError);
    expect(() => providerSettings(env)).toThrow(new RegExp(`^${name} is required but not set`));
  });

  it.each([
    ['SECPAID_BASE_URL', 'ftp://x', /SECPAID_BASE_URL: must be an http\(s\) URL/],
    ['SECPAID_REQUESTS_PER_MINUTE', '61', /SECPAID_REQUESTS_PER_MINUTE: must be 1-60/],
    ['OPENPAYD_API_KEY', 'short', /OPENPAYD_API_KEY: must be 32 characters/],
    ['LINKMONEY_STATUS_PATH', '/v1/x', /LINKMONEY_STATUS_PATH: must start with \/ and contain \{paymentId\}/],
    ['PROVIDER_TIMEOUT_MS', '-5', /PROVIDER_TIMEOUT_MS: must be greater than zero/],
    ['RESERVEPAY_API_VERSION', 'latest', /RESERVEPAY_API_VERSION: must be YYYY-MM-DD/],
  ])('rejects %s=%j naming the variable and hiding secrets', (name, value, message) => {
    const run = () => providerSettings({ ...creds, [name]: value });
    expect(run).toThrow(message);
    if (name === 'OPENPAYD_API_KEY') {
      expect(run).toThrow(/\[redacted\]/);
      expect(run).not.toThrow(/short/);
    }
  });
});

describe('worker tuning', () => {
  it('100 activities, 40 workflow tasks, and the SDK cache size unless WORKER_MAX_CACHED_WORKFLOWS is set', () => {
    expect(workerTuning({})).toEqual({ maxConcurrentActivityTaskExecutions: 100, maxConcurrentWorkflowTaskExecutions: 40 });
    expect(workerTuning({ WORKER_MAX_CACHED_WORKFLOWS: '500' }).maxCachedWorkflows).toBe(500);
    expect(() => workerTuning({ WORKER_MAX_CONCURRENT_ACTIVITIES: '1.5' })).toThrow(/WORKER_MAX_CONCURRENT_ACTIVITIES: must be a whole number/);
  });
});

describe('HTTP API settings', () => {
  it('requires a token, names it, never shows it', () => {
    expect(() => apiSettings({})).toThrow(/^REFUNDS_API_TOKEN is required but not set \(the bearer token clients must send\)/);
    const run = () => apiSettings({ REFUNDS_API_TOKEN: 'two words!' });
    expect(run).toThrow(/REFUNDS_API_TOKEN: must be printable ASCII without spaces \(got \[redacted\]\)/);
  });

  it('defaults: 127.0.0.1:8080, 64 KiB bodies, 50 requests/s with bursts of 100', () => {
    expect(apiSettings({ REFUNDS_API_TOKEN: 'dev-token' })).toEqual({
      token: 'dev-token',
      host: '127.0.0.1',
      port: 8080,
      maxBodyBytes: 65536,
      rateLimit: { ratePerSecond: 50, burst: 100 },
    });
    expect(() => apiSettings({ REFUNDS_API_TOKEN: 'dev-token', REFUNDS_API_PORT: '70000' })).toThrow(/REFUNDS_API_PORT: must be 0-65535 \(got "70000"\)/);
  });
});

describe('logs, metrics, tracing, npm start', () => {
  it('LOG_FORMAT / LOG_LEVEL', () => {
    expect(logSettings({ LOG_LEVEL: 'warn' })).toEqual({ format: 'json', level: 'WARN' });
    expect(() => logSettings({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT: must be json or pretty/);
  });

  it('METRICS_BIND_ADDRESS: 127.0.0.1:9464 by default, off, or host:port', () => {
    expect(metricsSettings({})).toEqual({ bindAddress: '127.0.0.1:9464' });
    expect(metricsSettings({ METRICS_BIND_ADDRESS: 'off' })).toEqual({});
    expect(() => metricsSettings({ METRICS_BIND_ADDRESS: '9464' })).toThrow(/METRICS_BIND_ADDRESS: must be host:port/);
  });

  it('tracing: off without an OTLP endpoint; otlp when one is set; the traces endpoint as is; only http/json', () => {
    expect(tracingSettings({})).toEqual({ exporter: 'none' });
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'console' })).toEqual({ exporter: 'console' });
    expect(() => tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp' })).toThrow(/needs OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({ exporter: 'otlp', otlpTracesUrl: 'http://collector:4318/v1/traces' });
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b.example/otlp/traces', OTEL_SERVICE_NAME: 'w1' })).toEqual({
      exporter: 'otlp',
      serviceName: 'w1',
      otlpTracesUrl: 'https://b.example/otlp/traces',
    });
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_TRACES_EXPORTER: 'none' })).toEqual({ exporter: 'none' });
    expect(() => tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT: must be an http\(s\) URL/);
    expect(() => tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL: must be http\/json/);
    expect(() => tracingSettings({ OTEL_EXPORTER_OTLP_HEADERS: 'no-equals' })).toThrow(/OTEL_EXPORTER_OTLP_HEADERS: must be key=value/);
    expect(() => tracingSettings({ OTEL_TRACES_EXPORTER: 'jaeger' })).toThrow(ConfigError);
  });

  it('callbacks: key id k1, a previous key with its own id during rotation, allowed networks, concurrency', () => {
    expect(callbackSettings({})).toEqual({ keyId: 'k1', allowedNetworks: [], maxConcurrent: 10 });
    const secret = 'current-secret-0123456789';
    expect(callbackSettings({ REFUNDS_CALLBACK_SECRET: secret, REFUNDS_CALLBACK_KEY_ID: 'k2026b', REFUNDS_CALLBACK_PREVIOUS_SECRET: 'previous-secret-0123456', REFUNDS_CALLBACK_PREVIOUS_KEY_ID: 'k2026a' })).toEqual({
      secret,
      keyId: 'k2026b',
      previous: { secret: 'previous-secret-0123456', keyId: 'k2026a' },
      allowedNetworks: [],
      maxConcurrent: 10,
    });
    expect(() => callbackSettings({ REFUNDS_CALLBACK_SECRET: secret, REFUNDS_CALLBACK_PREVIOUS_SECRET: 'previous-secret-0123456' })).toThrow(/REFUNDS_CALLBACK_PREVIOUS_KEY_ID is required/);
    expect(() => callbackSettings({ REFUNDS_CALLBACK_SECRET: secret, REFUNDS_CALLBACK_PREVIOUS_SECRET: 'previous-secret-0123456', REFUNDS_CALLBACK_PREVIOUS_KEY_ID: 'k1' })).toThrow(/must differ/);
    expect(() => callbackSettings({ REFUNDS_CALLBACK_PREVIOUS_SECRET: 'previous-secret-0123456', REFUNDS_CALLBACK_PREVIOUS_KEY_ID: 'k0' })).toThrow(/without REFUNDS_CALLBACK_SECRET/);
    expect(() => callbackSettings({ REFUNDS_CALLBACK_KEY_ID: 'has space' })).toThrow(/REFUNDS_CALLBACK_KEY_ID/);
    expect(callbackSettings({ REFUNDS_CALLBACK_ALLOWED_NETWORKS: ' 10.20.0.0/16, fd12::/48 ,127.0.0.1,::1', REFUNDS_CALLBACK_MAX_CONCURRENT: '4' })).toMatchObject({
      allowedNetworks: ['10.20.0.0/16', 'fd12::/48', '127.0.0.1', '::1'],
      maxConcurrent: 4,
    });
    expect(() => callbackSettings({ REFUNDS_CALLBACK_ALLOWED_NETWORKS: 'intranet.local' })).toThrow(/REFUNDS_CALLBACK_ALLOWED_NETWORKS: each entry must be an IP address or a CIDR/);
    expect(() => callbackSettings({ REFUNDS_CALLBACK_ALLOWED_NETWORKS: '10.0.0.0/40' })).toThrow(/REFUNDS_CALLBACK_ALLOWED_NETWORKS/);
  });

  it('npm start: ports, sandbox on, data folder, local encryption off', () => {
    expect(startSettings({})).toEqual({ temporalPort: 7233, temporalUiPort: 8233, sandbox: true, sandboxPort: 4010, dataDir: '.data', localEncryption: false });
    expect(startSettings({ REFUNDS_SANDBOX: 'off', REFUNDS_ENCRYPTION: 'on' })).toMatchObject({ sandbox: false, localEncryption: true });
    expect(() => startSettings({ TEMPORAL_UI_PORT: 'ui' })).toThrow(/TEMPORAL_UI_PORT: must be a port number/);
  });
});

describe('the CLI reads the same schema', () => {
  it('a bad REFUNDS_ENCRYPTION_KEYS is a configuration error (exit 2) before anything connects', async () => {
    const err: string[] = [];
    const code = await cli(['show', 'refund-x'], { TEMPORAL_ADDRESS: '127.0.0.1:1', REFUNDS_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' }, { out: () => undefined, err: (t) => err.push(t) });
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/configuration: REFUNDS_ENCRYPTION_KEYS: .*32 bytes/);
    expect(err.join('\n')).not.toContain('c2hvcnQ=');
  });

  it('a bad TEMPORAL_ADDRESS too', async () => {
    const err: string[] = [];
    expect(await cli(['show', 'refund-x'], { TEMPORAL_ADDRESS: 'nowhere' }, { out: () => undefined, err: (t) => err.push(t) })).toBe(2);
    expect(err.join('\n')).toMatch(/configuration: TEMPORAL_ADDRESS: must be host:port/);
  });
});
