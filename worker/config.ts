/**
 * The one configuration module: everything read from the environment, validated with zod.
 * A bad or missing value stops start-up with a message naming the variable.
 * Documented, with defaults, in `.env.example`.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Secret } from '../activities/secret.js';
import type { ProviderConfig } from '../activities/types.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/** The providers' production hosts, as documented. Each endpoint's documented path is appended. */
export const PROVIDER_DEFAULT_BASE_URLS = {
  SECPAID_BASE_URL: 'https://app.secpaid.com/api/v2',
  LINKMONEY_BASE_URL: 'https://api.link.money',
  OPENPAYD_BASE_URL: 'https://api.openpaydpsp.com',
  RESERVEPAY_BASE_URL: 'https://api.reservepay.com',
} as const;

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const baseUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((u) => u.replace(/\/+$/, ''));
const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/, 'must be host:port, for example localhost:7233');
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: 'must be true or false' })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));
const positiveInt = z.coerce.number().int().positive();

/** Parse one variable with its schema; errors name the variable. */
function read<T extends z.ZodType>(env: Env, name: string, schema: T, fallback?: string): z.output<T> | undefined {
  const raw = env[name];
  const value = raw === undefined || raw === '' ? fallback : raw;
  if (value === undefined) return undefined;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => i.message).join('; ');
    throw new ConfigError(`${name}: ${msg} (got ${JSON.stringify(redactIfSecret(name, value))})`);
  }
  return parsed.data;
}

function required<T extends z.ZodType>(env: Env, name: string, schema: T, hint?: string): z.output<T> {
  const value = read(env, name, schema);
  if (value === undefined) {
    throw new ConfigError(`${name} is required but not set${hint ? ` (${hint})` : ''}`);
  }
  return value;
}

function redactIfSecret(name: string, value: string): string {
  return /TOKEN|SECRET|KEY|PASSWORD/.test(name) ? '[redacted]' : value;
}

export interface TemporalConfig {
  /** host:port of the Temporal frontend. */
  address: string;
  namespace: string;
  taskQueue: string;
  /** TLS: on for Temporal Cloud, or with a client certificate. */
  tls?: { clientCertPair?: { crt: Buffer; key: Buffer }; serverNameOverride?: string; serverRootCACertificate?: Buffer };
  apiKey?: Secret;
}

export function loadTemporalConfig(env: Env = process.env): TemporalConfig {
  const address = read(env, 'TEMPORAL_ADDRESS', hostPort, 'localhost:7233')!;
  const namespace = read(env, 'TEMPORAL_NAMESPACE', nonEmpty, 'default')!;
  const taskQueue = read(env, 'TEMPORAL_TASK_QUEUE', nonEmpty, 'refunds')!;
  const apiKeyRaw = read(env, 'TEMPORAL_API_KEY', nonEmpty);
  const certPath = read(env, 'TEMPORAL_TLS_CERT', nonEmpty);
  const keyPath = read(env, 'TEMPORAL_TLS_KEY', nonEmpty);
  const caPath = read(env, 'TEMPORAL_TLS_CA', nonEmpty);
  const serverName = read(env, 'TEMPORAL_TLS_SERVER_NAME', nonEmpty);
  const tlsFlag = read(env, 'TEMPORAL_TLS', bool);
  if ((certPath === undefined) !== (keyPath === undefined)) {
    throw new ConfigError('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together');
  }
  const readFile = (name: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(`${name}: cannot read ${path}: ${(err as Error).message}`);
    }
  };
  const useTls = tlsFlag ?? (apiKeyRaw !== undefined || certPath !== undefined);
  const config: TemporalConfig = { address, namespace, taskQueue };
  if (useTls) {
    config.tls = {
      ...(certPath && keyPath
        ? { clientCertPair: { crt: readFile('TEMPORAL_TLS_CERT', certPath), key: readFile('TEMPORAL_TLS_KEY', keyPath) } }
        : {}),
      ...(caPath ? { serverRootCACertificate: readFile('TEMPORAL_TLS_CA', caPath) } : {}),
      ...(serverName ? { serverNameOverride: serverName } : {}),
    };
  }
  if (apiKeyRaw) config.apiKey = new Secret(apiKeyRaw);
  return config;
}

export function loadProviderConfig(env: Env = process.env): ProviderConfig {
  const url = (name: keyof typeof PROVIDER_DEFAULT_BASE_URLS) =>
    read(env, name, baseUrl, PROVIDER_DEFAULT_BASE_URLS[name])!;
  const secret = (name: string) => new Secret(required(env, name, nonEmpty));
  const openpaydKey = required(env, 'OPENPAYD_API_KEY', z.string().length(32, 'must be 32 characters'));
  return {
    secpaid: {
      baseUrl: url('SECPAID_BASE_URL'),
      token: secret('SECPAID_TOKEN'),
      requestsPerMinute: read(env, 'SECPAID_REQUESTS_PER_MINUTE', z.coerce.number().int().min(1).max(60), '50')!,
    },
    linkmoney: {
      baseUrl: url('LINKMONEY_BASE_URL'),
      clientId: required(env, 'LINKMONEY_CLIENT_ID', nonEmpty),
      clientSecret: secret('LINKMONEY_CLIENT_SECRET'),
      scope: read(env, 'LINKMONEY_SCOPE', nonEmpty, 'Link-Payment')!,
      statusPath: read(
        env,
        'LINKMONEY_STATUS_PATH',
        z.string().regex(/^\/.*\{paymentId\}/, 'must start with / and contain {paymentId}'),
        '/v1/transactions/{paymentId}',
      )!,
    },
    openpayd: { baseUrl: url('OPENPAYD_BASE_URL'), apiKey: new Secret(openpaydKey) },
    reservepay: {
      baseUrl: url('RESERVEPAY_BASE_URL'),
      apiKey: secret('RESERVEPAY_API_KEY'),
      apiVersion: read(env, 'RESERVEPAY_API_VERSION', z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'), '2025-04-01')!,
    },
    requestTimeoutMs: read(env, 'PROVIDER_TIMEOUT_MS', positiveInt, '15000')!,
  };
}

/** HMAC key that signs completion callbacks; unset = refunds that ask for callbacks get them marked failed. */
export function loadCallbackSecret(env: Env = process.env): Secret | undefined {
  const value = read(env, 'REFUNDS_CALLBACK_SECRET', z.string().min(16, 'must be at least 16 characters'));
  return value === undefined ? undefined : new Secret(value);
}

export interface WorkerTuning {
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxCachedWorkflows?: number;
}

export function loadWorkerTuning(env: Env = process.env): WorkerTuning {
  const cache = read(env, 'WORKER_MAX_CACHED_WORKFLOWS', positiveInt);
  return {
    maxConcurrentActivityTaskExecutions: read(env, 'WORKER_MAX_CONCURRENT_ACTIVITIES', positiveInt, '100')!,
    maxConcurrentWorkflowTaskExecutions: read(env, 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', positiveInt, '40')!,
    ...(cache ? { maxCachedWorkflows: cache } : {}),
  };
}
