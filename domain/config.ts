/**
 * The environment schema: every variable the worker, the HTTP API, the CLI, the codec server and
 * `npm start` read, each declared once below with its validation and its default (documented in
 * .env.example and README "Configuration"). A bad or missing value throws ConfigError with a
 * message naming the variable; secret values are never repeated in a message.
 *
 * Pure: the environment is an argument, no file is opened, and credentials come back as plain
 * strings for the caller to wrap in `Secret` right away (worker/config.ts, client/connection.ts,
 * client/api/main.ts, codec/config.ts). Each room takes only its own section, so the worker does
 * not need the API's token and the API does not need provider credentials.
 */
import { z } from 'zod';
import { DEFAULT_EXPECTED_BY, formatRules, parseExpectedByRules, type ExpectedByRules } from './expected-by.js';
import { ACCOUNT_NAME, ACCOUNT_NAME_RULE, accountEnvSegment, DEFAULT_ACCOUNT } from './accounts.js';
import { type ApprovalPolicy, type ApprovalThreshold } from './approval.js';
import { CURRENCY_CODES, type CurrencyCode } from './money.js';
import { PROVIDERS, type Provider } from './providers.js';
import { PROVIDER_CURRENCIES } from './refund.js';
import { parseSince } from './reconciliation.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type Env = Record<string, string | undefined>;

// ---------------------------------------------------------------------------------------------
// Defaults that are also the servers' own option defaults
// ---------------------------------------------------------------------------------------------

/**
 * The HTTP API (client/api/server.ts): request body limit, the rate limit per API key (the limit
 * per client address, checked before authentication, is `addressFactor` times it), and failed
 * authentications allowed per address in a window before 429.
 */
export const API_DEFAULTS = {
  maxBodyBytes: 64 * 1024,
  rateLimit: { ratePerSecond: 50, burst: 100 },
  addressFactor: 4,
  authFailures: { max: 10, windowMs: 60_000 },
} as const;

/** Roles of API keys (REFUNDS_API_KEYS): service = create, read, list; operator = also approve, reject, cancel, resolve. */
export const API_ROLES = ['service', 'operator'] as const;
export type ApiRole = (typeof API_ROLES)[number];

/** The codec server (codec/server.ts): the dev server's Web UI origins, body limit, rate limit. */
export const CODEC_SERVER_DEFAULTS = {
  origins: ['http://localhost:8233', 'http://127.0.0.1:8233'],
  maxBodyBytes: 4 * 1024 * 1024,
  rateLimit: { ratePerSecond: 50, burst: 200 },
} as const;

// ---------------------------------------------------------------------------------------------
// Value types
// ---------------------------------------------------------------------------------------------

const HOST_PORT = /^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const PRINTABLE = /^[\x21-\x7e]+$/;

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const baseUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((u) => u.replace(/\/+$/, ''));
const hostPort = z.string().regex(HOST_PORT, 'must be host:port, for example localhost:7233');
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: 'must be true or false' })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));
const onOff = z.enum(['on', 'off'], { error: 'must be on or off' });
const positiveInt = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .positive('must be greater than zero');
const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(0, 'must be 0-65535')
  .max(65535, 'must be 0-65535');
/** A key id (REFUNDS_CALLBACK_KEY_ID): sent in the signature header. */
const keyId = z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'must be 1-32 letters, digits, . _ -');
/** The OTLP exporter installed (@opentelemetry/exporter-trace-otlp-http) speaks OTLP/HTTP with JSON bodies. */
const otlpProtocol = z.enum(['http/json'], { error: 'must be http/json (the OTLP/HTTP JSON encoding; the collector\'s otlp receiver accepts it)' });
/** W3C Baggage-style `key=value,key2=value2` (OpenTelemetry's OTEL_EXPORTER_OTLP_HEADERS). */
const otlpHeaders = z.string().regex(/^\s*[^=,\s]+\s*=[^,]*(,\s*[^=,\s]+\s*=[^,]*)*$/, 'must be key=value pairs separated by commas');
const token = (min: number) =>
  z
    .string()
    .min(min, `must be at least ${min} characters`)
    .max(512, 'must be at most 512 characters')
    .regex(PRINTABLE, 'must be printable ASCII without spaces');

/** `eu,asia-2`: account names (domain/accounts.ts), none twice, not `default` (that is the provider's own variables). */
function accountList(prefix: string) {
  return z
    .string()
    .transform((s) => s.split(',').map((n) => n.trim()).filter(Boolean))
    .pipe(
      z
        .array(z.string().regex(ACCOUNT_NAME, `each account name must be ${ACCOUNT_NAME_RULE}`))
        .refine((names) => !names.includes(DEFAULT_ACCOUNT), `"${DEFAULT_ACCOUNT}" is not listed: it is the account of the ${prefix}_* variables themselves`)
        .refine((names) => new Set(names).size === names.length, 'an account is listed twice'),
    );
}

// ---------------------------------------------------------------------------------------------
// The variables: one entry each (name, validation, default as written in .env.example)
// ---------------------------------------------------------------------------------------------

interface Variable {
  schema: z.ZodType;
  /** Used when the variable is unset or empty. */
  fallback?: string;
}

export const VARIABLES = {
  // Temporal (every process that connects)
  TEMPORAL_ADDRESS: { schema: hostPort, fallback: 'localhost:7233' },
  TEMPORAL_NAMESPACE: { schema: nonEmpty, fallback: 'default' },
  TEMPORAL_TASK_QUEUE: { schema: nonEmpty, fallback: 'refunds' },
  TEMPORAL_API_KEY: { schema: nonEmpty },
  TEMPORAL_TLS: { schema: bool },
  TEMPORAL_TLS_CERT: { schema: nonEmpty },
  TEMPORAL_TLS_KEY: { schema: nonEmpty },
  TEMPORAL_TLS_CA: { schema: nonEmpty },
  TEMPORAL_TLS_SERVER_NAME: { schema: nonEmpty },

  // Providers (the worker). Each endpoint's documented path is appended to the base URL.
  SECPAID_BASE_URL: { schema: baseUrl, fallback: 'https://app.secpaid.com/api/v2' },
  SECPAID_TOKEN: { schema: nonEmpty },
  SECPAID_REQUESTS_PER_MINUTE: {
    schema: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be 1-60').max(60, 'must be 1-60 (SecPaid allows 60)'),
    fallback: '50',
  },
  LINKMONEY_BASE_URL: { schema: baseUrl, fallback: 'https://api.link.money' },
  LINKMONEY_CLIENT_ID: { schema: nonEmpty },
  LINKMONEY_CLIENT_SECRET: { schema: nonEmpty },
  LINKMONEY_SCOPE: { schema: nonEmpty, fallback: 'Link-Payment' },
  LINKMONEY_STATUS_PATH: {
    schema: z.string().regex(/^\/.*\{paymentId\}/, 'must start with / and contain {paymentId}'),
    fallback: '/v1/transactions/{paymentId}',
  },
  OPENPAYD_BASE_URL: { schema: baseUrl, fallback: 'https://api.openpaydpsp.com' },
  OPENPAYD_API_KEY: { schema: z.string().length(32, 'must be 32 characters') },
  RESERVEPAY_BASE_URL: { schema: baseUrl, fallback: 'https://api.reservepay.com' },
  RESERVEPAY_API_KEY: { schema: nonEmpty },
  RESERVEPAY_API_VERSION: { schema: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'), fallback: '2025-04-01' },
  PROVIDER_TIMEOUT_MS: { schema: positiveInt, fallback: '15000' },

  // Merchant accounts (issue 14, part "accounts"; docs/accounts.md): the named accounts of each
  // provider besides `default` (the variables above), comma-separated. Read by the worker (with
  // each account's <PROVIDER>_ACCOUNT_<NAME>_<FIELD> variables, ACCOUNT_FIELDS below), the HTTP
  // API and the CLI (the names only: an unknown account is refused before anything starts).
  SECPAID_ACCOUNTS: { schema: accountList('SECPAID') },
  LINKMONEY_ACCOUNTS: { schema: accountList('LINKMONEY') },
  OPENPAYD_ACCOUNTS: { schema: accountList('OPENPAYD') },
  RESERVEPAY_ACCOUNTS: { schema: accountList('RESERVEPAY') },

  // Completion callbacks (the worker): signing keys (two during a rotation), destinations, concurrency
  REFUNDS_CALLBACK_SECRET: { schema: z.string().min(16, 'must be at least 16 characters') },
  REFUNDS_CALLBACK_KEY_ID: { schema: keyId, fallback: 'k1' },
  REFUNDS_CALLBACK_PREVIOUS_SECRET: { schema: z.string().min(16, 'must be at least 16 characters') },
  REFUNDS_CALLBACK_PREVIOUS_KEY_ID: { schema: keyId },
  REFUNDS_CALLBACK_ALLOWED_NETWORKS: {
    schema: z
      .string()
      .transform((s) => s.split(',').map((n) => n.trim()).filter(Boolean))
      .pipe(z.array(z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], { error: 'each entry must be an IP address or a CIDR network (10.1.0.0/16, fd00::/8)' }))),
  },
  REFUNDS_CALLBACK_MAX_CONCURRENT: { schema: positiveInt, fallback: '10' },

  // Worker tuning; unset WORKER_MAX_CACHED_WORKFLOWS = 100 (DEFAULT_MAX_CACHED_WORKFLOWS in worker/worker.ts)
  WORKER_MAX_CONCURRENT_ACTIVITIES: { schema: positiveInt, fallback: '100' },
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: { schema: positiveInt, fallback: '40' },
  WORKER_MAX_CACHED_WORKFLOWS: { schema: positiveInt },
  // The workflow thread's V8 heap (worker/heap.ts); unset = 64 + 1 MiB per cached workflow, at least 128
  WORKER_WORKFLOW_HEAP_MB: { schema: positiveInt },

  // Logs, metrics, tracing (the worker and the HTTP API)
  LOG_FORMAT: { schema: z.enum(['json', 'pretty'], { error: 'must be json or pretty' }), fallback: 'json' },
  LOG_LEVEL: {
    schema: z
      .string()
      .transform((v) => v.toUpperCase())
      .pipe(z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'], { error: 'must be TRACE, DEBUG, INFO, WARN or ERROR' })),
    fallback: 'INFO',
  },
  METRICS_BIND_ADDRESS: {
    schema: z
      .string()
      .trim()
      .refine((v) => v === 'off' || HOST_PORT.test(v), 'must be host:port (for example 127.0.0.1:9464) or off'),
    fallback: '127.0.0.1:9464',
  },
  OTEL_TRACES_EXPORTER: { schema: z.enum(['none', 'console', 'otlp'], { error: 'must be none, console or otlp' }) },
  OTEL_SERVICE_NAME: { schema: nonEmpty },
  OTEL_EXPORTER_OTLP_ENDPOINT: { schema: baseUrl },
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: { schema: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }) },
  OTEL_EXPORTER_OTLP_PROTOCOL: { schema: otlpProtocol },
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: { schema: otlpProtocol },
  OTEL_EXPORTER_OTLP_HEADERS: { schema: otlpHeaders },
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: { schema: otlpHeaders },

  // Payload encryption (every client and the worker); the list's own grammar is codec/keys.ts's
  REFUNDS_ENCRYPTION_KEYS: { schema: z.string().trim() },

  // HTTP API (`npm run api`). REFUNDS_API_KEYS: name:role:key or name:role:sha256:<hex>, comma-separated (apiKeySpecs);
  // a role may be limited to merchant accounts: name:role@eu+asia:key (14c, docs/accounts.md)
  REFUNDS_API_KEYS: { schema: z.string().trim() },
  REFUNDS_API_TOKEN: { schema: token(8) },
  REFUNDS_API_PORT: { schema: port, fallback: '8080' },
  REFUNDS_API_HOST: { schema: nonEmpty, fallback: '127.0.0.1' },
  REFUNDS_API_MAX_BODY_BYTES: { schema: positiveInt, fallback: String(API_DEFAULTS.maxBodyBytes) },
  REFUNDS_API_RATE_LIMIT: { schema: positiveInt, fallback: String(API_DEFAULTS.rateLimit.ratePerSecond) },
  REFUNDS_API_RATE_BURST: { schema: positiveInt, fallback: String(API_DEFAULTS.rateLimit.burst) },

  // Codec server (`npm run codec-server`)
  REFUNDS_CODEC_PORT: { schema: port, fallback: '8089' },
  REFUNDS_CODEC_HOST: { schema: nonEmpty, fallback: '127.0.0.1' },
  REFUNDS_CODEC_TOKEN: { schema: token(16) },
  REFUNDS_CODEC_AUTH: { schema: onOff, fallback: 'on' },
  REFUNDS_CODEC_ORIGINS: {
    schema: z
      .string()
      .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'each origin must be scheme://host[:port] without a path')).min(1)),
    fallback: CODEC_SERVER_DEFAULTS.origins.join(','),
  },
  REFUNDS_CODEC_MAX_BODY_BYTES: { schema: positiveInt, fallback: String(CODEC_SERVER_DEFAULTS.maxBodyBytes) },
  REFUNDS_CODEC_RATE_LIMIT: { schema: positiveInt, fallback: String(CODEC_SERVER_DEFAULTS.rateLimit.ratePerSecond) },
  REFUNDS_CODEC_RATE_BURST: { schema: positiveInt, fallback: String(CODEC_SERVER_DEFAULTS.rateLimit.burst) },

  // Four-eyes approval (part 13a; read by every client that starts refunds: the HTTP API, the CLI).
  // REFUNDS_APPROVAL_THRESHOLDS: [provider:]CURRENCY:MINOR entries, comma-separated (approvalSettings); unset = off.
  REFUNDS_APPROVAL_THRESHOLDS: { schema: z.string().trim() },
  REFUNDS_APPROVAL_TIMEOUT: {
    schema: z
      .string()
      .trim()
      .regex(/^\d{1,6}(m|h|d)$/, 'must be a whole number with m, h or d, for example 72h or 3d'),
    fallback: '72h',
  },
  /** Who the CLI acts as (the requester of the refunds it creates, the approver of its decisions). */
  REFUNDS_IDENTITY: { schema: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/, 'must be 1-128 of A-Z a-z 0-9 . _ @ + - (a user name or email), starting with a letter or digit') },

  // Expected-by and overdue (part 13c; read by every client that starts refunds: the HTTP API, the
  // CLI, the worker's Nexus operation). provider:span entries (domain/expected-by.ts), e.g.
  // secpaid:10d,linkmoney:3bd+1h,openpayd:15m; a provider not listed keeps its default.
  REFUNDS_EXPECTED_BY: {
    schema: z.string().transform((text, ctx) => {
      try {
        return parseExpectedByRules(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
    fallback: formatRules(DEFAULT_EXPECTED_BY),
  },

  // Reconciliation (part 14b; read by the worker at start, which creates the daily Schedule):
  // when it runs (HH:MM UTC, or off: no Schedule is created) and the window each run compares.
  REFUNDS_RECONCILE_AT: { schema: z.string().trim().regex(/^(off|([01]\d|2[0-3]):[0-5]\d)$/, 'must be HH:MM (UTC, 24-hour) or off'), fallback: '02:30' },
  REFUNDS_RECONCILE_WINDOW: {
    schema: z
      .string()
      .trim()
      .refine((s) => parseSince(s) !== undefined, 'must be a duration like 2d, 36h or 90m, at most 90 days')
      .transform((s) => parseSince(s)!),
    fallback: '2d',
  },

  // `npm start` only
  TEMPORAL_PORT: { schema: port, fallback: '7233' },
  TEMPORAL_UI_PORT: { schema: port, fallback: '8233' },
  SANDBOX_PORT: { schema: port, fallback: '4010' },
  REFUNDS_SANDBOX: { schema: onOff, fallback: 'on' },
  /** Relative to the project folder. */
  REFUNDS_DATA_DIR: { schema: nonEmpty, fallback: '.data' },
  REFUNDS_ENCRYPTION: { schema: onOff, fallback: 'off' },
} as const satisfies Record<string, Variable>;

type VariableName = keyof typeof VARIABLES;

type Spec<N extends VariableName> = (typeof VARIABLES)[N];
type Value<N extends VariableName> = Spec<N> extends { fallback: string }
  ? z.output<Spec<N>['schema']>
  : z.output<Spec<N>['schema']> | undefined;

/** Values of these are never repeated in an error message. */
const isSecret = (name: string) => /TOKEN|SECRET|KEY|PASSWORD/.test(name);

/** One variable, validated; its default when unset or empty; undefined when it has none. */
function read<N extends VariableName>(env: Env, name: N): Value<N> {
  const spec: Variable = VARIABLES[name];
  const raw = env[name];
  const value = raw === undefined || raw === '' ? spec.fallback : raw;
  if (value === undefined) return undefined as Value<N>;
  const parsed = spec.schema.safeParse(value);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => i.message).join('; ');
    throw new ConfigError(`${name}: ${msg} (got ${isSecret(name) ? '[redacted]' : JSON.stringify(value)})`);
  }
  return parsed.data as Value<N>;
}

function required<N extends VariableName>(env: Env, name: N, hint?: string): NonNullable<Value<N>> {
  const value = read(env, name);
  if (value === undefined || value === null) {
    throw new ConfigError(`${name} is required but not set${hint ? ` (${hint})` : ''}`);
  }
  return value as NonNullable<Value<N>>;
}

// ---------------------------------------------------------------------------------------------
// Sections: what each room reads
// ---------------------------------------------------------------------------------------------

export interface TemporalSettings {
  /** host:port of the Temporal frontend. */
  address: string;
  namespace: string;
  taskQueue: string;
  /** TLS: on for Temporal Cloud (an API key), with a client certificate, or TEMPORAL_TLS=true. Paths, read by the caller. */
  tls?: { certFile?: string; keyFile?: string; caFile?: string; serverName?: string };
  apiKey?: string;
}

export function temporalSettings(env: Env): TemporalSettings {
  const settings: TemporalSettings = {
    address: read(env, 'TEMPORAL_ADDRESS'),
    namespace: read(env, 'TEMPORAL_NAMESPACE'),
    taskQueue: read(env, 'TEMPORAL_TASK_QUEUE'),
  };
  const apiKey = read(env, 'TEMPORAL_API_KEY');
  const certFile = read(env, 'TEMPORAL_TLS_CERT');
  const keyFile = read(env, 'TEMPORAL_TLS_KEY');
  const caFile = read(env, 'TEMPORAL_TLS_CA');
  const serverName = read(env, 'TEMPORAL_TLS_SERVER_NAME');
  const tlsFlag = read(env, 'TEMPORAL_TLS');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together');
  }
  if (tlsFlag ?? (apiKey !== undefined || certFile !== undefined)) {
    settings.tls = {
      ...(certFile && keyFile ? { certFile, keyFile } : {}),
      ...(caFile ? { caFile } : {}),
      ...(serverName ? { serverName } : {}),
    };
  }
  if (apiKey) settings.apiKey = apiKey;
  return settings;
}

/** The four providers, as activities/types.ts ProviderConfig wants them, credentials still plain. */
export interface ProviderSettings {
  secpaid: { baseUrl: string; token: string; requestsPerMinute: number };
  linkmoney: { baseUrl: string; clientId: string; clientSecret: string; scope: string; statusPath: string };
  openpayd: { baseUrl: string; apiKey: string };
  reservepay: { baseUrl: string; apiKey: string; apiVersion: string };
  requestTimeoutMs: number;
  /** The named merchant accounts (the fields above are the `default` account). */
  accounts: ProviderAccountSettings;
}

export function providerSettings(env: Env): ProviderSettings {
  return {
    secpaid: {
      baseUrl: read(env, 'SECPAID_BASE_URL'),
      token: required(env, 'SECPAID_TOKEN'),
      requestsPerMinute: read(env, 'SECPAID_REQUESTS_PER_MINUTE'),
    },
    linkmoney: {
      baseUrl: read(env, 'LINKMONEY_BASE_URL'),
      clientId: required(env, 'LINKMONEY_CLIENT_ID'),
      clientSecret: required(env, 'LINKMONEY_CLIENT_SECRET'),
      scope: read(env, 'LINKMONEY_SCOPE'),
      statusPath: read(env, 'LINKMONEY_STATUS_PATH'),
    },
    openpayd: { baseUrl: read(env, 'OPENPAYD_BASE_URL'), apiKey: required(env, 'OPENPAYD_API_KEY') },
    reservepay: {
      baseUrl: read(env, 'RESERVEPAY_BASE_URL'),
      apiKey: required(env, 'RESERVEPAY_API_KEY'),
      apiVersion: read(env, 'RESERVEPAY_API_VERSION'),
    },
    requestTimeoutMs: read(env, 'PROVIDER_TIMEOUT_MS'),
    accounts: accountSettings(env),
  };
}

// ---------------------------------------------------------------------------------------------
// Merchant accounts (issue 14, part "accounts"; docs/accounts.md)
// ---------------------------------------------------------------------------------------------

/**
 * Each named account's variables: <PROVIDER>_ACCOUNT_<NAME>_<FIELD>, NAME the account name upper
 * case with `-` as `_`. Each field is validated like the provider's own variable it stands for
 * (`like`); one not set takes that variable's value (base URL, scope, API version, budget), except
 * the credentials, which every account must have of its own.
 */
export const ACCOUNT_FIELDS = {
  secpaid: {
    TOKEN: { like: 'SECPAID_TOKEN', key: 'token', credential: true },
    BASE_URL: { like: 'SECPAID_BASE_URL', key: 'baseUrl' },
    REQUESTS_PER_MINUTE: { like: 'SECPAID_REQUESTS_PER_MINUTE', key: 'requestsPerMinute' },
  },
  linkmoney: {
    CLIENT_ID: { like: 'LINKMONEY_CLIENT_ID', key: 'clientId', credential: true },
    CLIENT_SECRET: { like: 'LINKMONEY_CLIENT_SECRET', key: 'clientSecret', credential: true },
    BASE_URL: { like: 'LINKMONEY_BASE_URL', key: 'baseUrl' },
    SCOPE: { like: 'LINKMONEY_SCOPE', key: 'scope' },
    STATUS_PATH: { like: 'LINKMONEY_STATUS_PATH', key: 'statusPath' },
  },
  openpayd: {
    API_KEY: { like: 'OPENPAYD_API_KEY', key: 'apiKey', credential: true },
    BASE_URL: { like: 'OPENPAYD_BASE_URL', key: 'baseUrl' },
  },
  reservepay: {
    API_KEY: { like: 'RESERVEPAY_API_KEY', key: 'apiKey', credential: true },
    BASE_URL: { like: 'RESERVEPAY_BASE_URL', key: 'baseUrl' },
    API_VERSION: { like: 'RESERVEPAY_API_VERSION', key: 'apiVersion' },
  },
} as const satisfies Record<Provider, Record<string, { like: VariableName; key: string; credential?: true }>>;

const ACCOUNTS_VARIABLE = {
  secpaid: 'SECPAID_ACCOUNTS',
  linkmoney: 'LINKMONEY_ACCOUNTS',
  openpayd: 'OPENPAYD_ACCOUNTS',
  reservepay: 'RESERVEPAY_ACCOUNTS',
} as const satisfies Record<Provider, VariableName>;

/** The named accounts of each provider (the names only, no credential): what the API and the CLI need. */
export type AccountNames = Record<Provider, string[]>;

export function accountNames(env: Env): AccountNames {
  return Object.fromEntries(PROVIDERS.map((p) => [p, read(env, ACCOUNTS_VARIABLE[p]) ?? []])) as AccountNames;
}

/** Every account name any provider has, `default` first. */
export function allAccountNames(names: AccountNames): string[] {
  return [DEFAULT_ACCOUNT, ...new Set(PROVIDERS.flatMap((p) => names[p]))];
}

/** One named account's variable, validated as the provider's own one is; that one's value when unset. */
function readAccountField(env: Env, variable: string, like: VariableName, credential: boolean): unknown {
  const raw = env[variable];
  if (raw === undefined || raw === '') {
    if (credential) throw new ConfigError(`${variable} is required but not set (each merchant account has credentials of its own; docs/accounts.md)`);
    return read(env, like);
  }
  const parsed = VARIABLES[like].schema.safeParse(raw);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => i.message).join('; ');
    throw new ConfigError(`${variable}: ${msg} (got ${isSecret(variable) ? '[redacted]' : JSON.stringify(raw)})`);
  }
  return parsed.data;
}

/** The named accounts' settings, credentials still plain; a stray <PROVIDER>_ACCOUNT_* variable is an error (a typo). */
export function accountSettings(env: Env): ProviderAccountSettings {
  const names = accountNames(env);
  const out: ProviderAccountSettings = {};
  const expected = new Set<string>();
  for (const p of PROVIDERS) {
    const fields: Record<string, { like: VariableName; key: string; credential?: true }> = ACCOUNT_FIELDS[p];
    const accounts: Record<string, Record<string, unknown>> = {};
    for (const name of names[p]) {
      const settings: Record<string, unknown> = {};
      for (const [field, spec] of Object.entries(fields)) {
        const variable = `${p.toUpperCase()}_ACCOUNT_${accountEnvSegment(name)}_${field}`;
        expected.add(variable);
        settings[spec.key] = readAccountField(env, variable, spec.like, spec.credential === true);
      }
      accounts[name] = settings;
    }
    if (names[p].length > 0) (out as Record<string, unknown>)[p] = accounts;
  }
  for (const variable of Object.keys(env)) {
    const m = /^(SECPAID|LINKMONEY|OPENPAYD|RESERVEPAY)_ACCOUNT_/.exec(variable);
    if (m && !expected.has(variable) && env[variable] !== undefined && env[variable] !== '') {
      const p = m[1]!.toLowerCase() as Provider;
      const listed = names[p].length > 0 ? names[p].join(', ') : 'none';
      throw new ConfigError(
        `${variable} is set but names no listed account and field (${ACCOUNTS_VARIABLE[p]}: ${listed}; fields: ${Object.keys(ACCOUNT_FIELDS[p]).join(', ')}; docs/accounts.md)`,
      );
    }
  }
  return out;
}

/** Named accounts, as ProviderSettings' provider sections (credentials plain). */
export type ProviderAccountSettings = { [P in Provider]?: Record<string, ProviderSettings[P]> };

export interface CallbackSettings {
  /** The current signing key; unset = refunds that ask for callbacks get them marked failed. */
  secret?: string;
  keyId: string;
  /** The key being rotated out: still signs (a second signature) until it is removed. */
  previous?: { secret: string; keyId: string };
  /** Networks callbacks may reach although internal (loopback, RFC 1918, ...). */
  allowedNetworks: string[];
  /** Deliveries in flight at once per worker. */
  maxConcurrent: number;
}

/** The completion callbacks' signing keys, allowed internal networks and concurrency. */
export function callbackSettings(env: Env): CallbackSettings {
  const secret = read(env, 'REFUNDS_CALLBACK_SECRET');
  const keyId = read(env, 'REFUNDS_CALLBACK_KEY_ID');
  const previousSecret = read(env, 'REFUNDS_CALLBACK_PREVIOUS_SECRET');
  const settings: CallbackSettings = { keyId, allowedNetworks: read(env, 'REFUNDS_CALLBACK_ALLOWED_NETWORKS') ?? [], maxConcurrent: read(env, 'REFUNDS_CALLBACK_MAX_CONCURRENT') };
  if (secret !== undefined) settings.secret = secret;
  if (previousSecret !== undefined) {
    if (secret === undefined) throw new ConfigError('REFUNDS_CALLBACK_PREVIOUS_SECRET is set without REFUNDS_CALLBACK_SECRET (the current key)');
    const previousKeyId = required(env, 'REFUNDS_CALLBACK_PREVIOUS_KEY_ID', 'the key id receivers know the previous secret by');
    if (previousKeyId === keyId) throw new ConfigError(`REFUNDS_CALLBACK_PREVIOUS_KEY_ID must differ from REFUNDS_CALLBACK_KEY_ID (both ${keyId})`);
    settings.previous = { secret: previousSecret, keyId: previousKeyId };
  }
  return settings;
}

/** Worker.create options, by their SDK names. */
export interface WorkerTuning {
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxCachedWorkflows?: number;
}

export function workerTuning(env: Env): WorkerTuning {
  const cache = read(env, 'WORKER_MAX_CACHED_WORKFLOWS');
  return {
    maxConcurrentActivityTaskExecutions: read(env, 'WORKER_MAX_CONCURRENT_ACTIVITIES'),
    maxConcurrentWorkflowTaskExecutions: read(env, 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS'),
    ...(cache ? { maxCachedWorkflows: cache } : {}),
  };
}

/** The workflow thread's old-generation limit in MiB: WORKER_WORKFLOW_HEAP_MB, or sized from the cache. */
export function workflowHeapMb(env: Env, maxCachedWorkflows: number): number {
  return read(env, 'WORKER_WORKFLOW_HEAP_MB') ?? Math.max(128, 64 + maxCachedWorkflows);
}

export function logSettings(env: Env): { format: 'json' | 'pretty'; level: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' } {
  return { format: read(env, 'LOG_FORMAT'), level: read(env, 'LOG_LEVEL') };
}

/** The worker's Prometheus endpoint, host:port; undefined = off. */
export function metricsSettings(env: Env): { bindAddress?: string } {
  const address = read(env, 'METRICS_BIND_ADDRESS');
  return address === 'off' ? {} : { bindAddress: address };
}

export interface TracingSettings {
  exporter: 'none' | 'console' | 'otlp';
  serviceName?: string;
  /** With otlp: where spans are POSTed (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces). */
  otlpTracesUrl?: string;
}

/**
 * OTEL_TRACES_EXPORTER (none, console, otlp; unset = otlp when an OTLP endpoint is set, else
 * none), the endpoint as OpenTelemetry's rules give it, OTEL_SERVICE_NAME (unset: the process's
 * own name). Headers, timeouts, batching and resource attributes (OTEL_EXPORTER_OTLP_HEADERS,
 * OTEL_BSP_*, OTEL_RESOURCE_ATTRIBUTES, ...) are read by the OpenTelemetry SDK itself.
 */
export function tracingSettings(env: Env): TracingSettings {
  const serviceName = read(env, 'OTEL_SERVICE_NAME');
  const tracesEndpoint = read(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  read(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  read(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL');
  read(env, 'OTEL_EXPORTER_OTLP_HEADERS');
  read(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS');
  const otlpTracesUrl = tracesEndpoint ?? (endpoint !== undefined ? `${endpoint}/v1/traces` : undefined);
  const exporter = read(env, 'OTEL_TRACES_EXPORTER') ?? (otlpTracesUrl ? 'otlp' : 'none');
  if (exporter === 'otlp' && !otlpTracesUrl) throw new ConfigError('OTEL_TRACES_EXPORTER=otlp needs OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)');
  return { exporter, ...(serviceName ? { serviceName } : {}), ...(exporter === 'otlp' && otlpTracesUrl ? { otlpTracesUrl } : {}) };
}

/** REFUNDS_ENCRYPTION_KEYS as written (codec/keys.ts parses it); undefined = payloads not encrypted. */
export function encryptionSettings(env: Env): { keys?: string } {
  const keys = read(env, 'REFUNDS_ENCRYPTION_KEYS');
  return keys ? { keys } : {};
}

/** One entry of REFUNDS_API_KEYS: the key itself (`key`) or its SHA-256 in hex (`sha256`). */
export interface ApiKeySpec {
  name: string;
  role: ApiRole;
  /** `role@eu+asia` (14c): the merchant accounts whose refunds this key may see and act on; unset = every account. */
  accounts?: string[];
  key?: string;
  sha256?: string;
}

export interface ApiSettings {
  port: number;
  host: string;
  /** REFUNDS_API_TOKEN (the one shared token of before): an operator key named "token". */
  token?: string;
  /** REFUNDS_API_KEYS. */
  keys?: ApiKeySpec[];
  maxBodyBytes: number;
  rateLimit: { ratePerSecond: number; burst: number };
}

const KEY_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const KEY_TEXT = /^[\x21-\x2b\x2d-\x7e]{8,512}$/; // printable ASCII without space or comma
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * REFUNDS_API_KEYS: entries separated by commas or new lines, each `name:role:key` or
 * `name:role:sha256:<64 hex digits>` (the SHA-256 of the key, so configuration need not hold it).
 * A name may appear twice with the same role: two keys valid at once while one is rotated out.
 */
export function apiKeySpecs(value: string): ApiKeySpec[] {
  const entries = value.split(/[,\n]/).map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) throw new ConfigError('REFUNDS_API_KEYS: no keys listed (name:role:key, comma-separated)');
  const roles = new Map<string, string>();
  return entries.map((entry, i) => {
    const [name = '', roleField = '', ...rest] = entry.split(':');
    const where = `REFUNDS_API_KEYS entry ${i + 1}`;
    if (!KEY_NAME.test(name)) throw new ConfigError(`${where}: the name must be 1-64 of a-z 0-9 . _ - (got ${JSON.stringify(name)})`);
    // `role` or `role@account+account` (14c): a key limited to merchant accounts.
    const [role = '', accountText] = roleField.split('@', 2) as [string, string | undefined];
    if (!(API_ROLES as readonly string[]).includes(role)) throw new ConfigError(`${where} (${name}): the role must be one of ${API_ROLES.join(', ')}`);
    const accounts = accountText === undefined ? undefined : keyAccounts(accountText, `${where} (${name})`);
    if (roles.has(name) && roles.get(name) !== roleField) throw new ConfigError(`${where} (${name}): listed again with another role or other accounts (two keys of one name are for rotation)`);
    roles.set(name, roleField);
    const limit = accounts ? { accounts } : {};
    if (rest[0] === 'sha256' && rest.length === 2) {
      if (!SHA256_HEX.test(rest[1]!)) throw new ConfigError(`${where} (${name}): sha256: must be followed by 64 lowercase hex digits`);
      return { name, role: role as ApiRole, ...limit, sha256: rest[1]! };
    }
    const key = rest.join(':');
    if (!KEY_TEXT.test(key)) throw new ConfigError(`${where} (${name}): the key must be 8-512 printable ASCII characters without spaces or commas (or sha256:<hex>)`);
    return { name, role: role as ApiRole, ...limit, key };
  });
}

/** `eu+asia`: the accounts of a limited key (names as domain/accounts.ts has them; `default` allowed). */
function keyAccounts(text: string, where: string): string[] {
  const accounts = text.split('+');
  for (const a of accounts) {
    if (!ACCOUNT_NAME.test(a)) throw new ConfigError(`${where}: after role@ come merchant account names separated by +, each ${ACCOUNT_NAME_RULE} (got ${JSON.stringify(a)})`);
  }
  if (new Set(accounts).size !== accounts.length) throw new ConfigError(`${where}: an account is named twice after role@`);
  return accounts;
}

/**
 * Good enough to face a network: at least 32 characters, at least 10 different ones, not a
 * repetition of a shorter string. A heuristic (nothing can prove a string random); keys made by
 * `npx refunds api-key` pass it.
 */
export function strongApiKey(key: string): boolean {
  return key.length >= 32 && new Set(key).size >= 10 && !/^(.+)\1+$/.test(key);
}

export function apiSettings(env: Env): ApiSettings {
  const keysText = read(env, 'REFUNDS_API_KEYS');
  const keys = keysText ? apiKeySpecs(keysText) : undefined;
  // A key limited to an account no provider has is a typo: refused at start (14c).
  const known = allAccountNames(accountNames(env));
  for (const k of keys ?? []) {
    const unknown = (k.accounts ?? []).filter((a) => !known.includes(a));
    if (unknown.length > 0) throw new ConfigError(`REFUNDS_API_KEYS (${k.name}): no provider has the merchant account ${unknown.map((a) => JSON.stringify(a)).join(', ')} (accounts: ${known.join(', ')}; <PROVIDER>_ACCOUNTS, docs/accounts.md)`);
  }
  const token = read(env, 'REFUNDS_API_TOKEN');
  if (!keys && token === undefined) {
    throw new ConfigError('REFUNDS_API_TOKEN is required but not set (the bearer token clients must send), or REFUNDS_API_KEYS: named keys with roles (docs/http-api.md)');
  }
  const host = read(env, 'REFUNDS_API_HOST');
  if (!LOOPBACK.has(host)) {
    // Off loopback every key must be strong; the development token ("dev-token") is refused here.
    if (token !== undefined && !strongApiKey(token)) {
      throw new ConfigError(`REFUNDS_API_TOKEN: on REFUNDS_API_HOST=${host} (not loopback) a key must be at least 32 random characters (npx refunds api-key makes one)`);
    }
    for (const k of keys ?? []) {
      if (k.key !== undefined && !strongApiKey(k.key)) {
        throw new ConfigError(`REFUNDS_API_KEYS (${k.name}): on REFUNDS_API_HOST=${host} (not loopback) a key must be at least 32 random characters (npx refunds api-key makes one)`);
      }
    }
  }
  return {
    ...(token !== undefined ? { token } : {}),
    ...(keys ? { keys } : {}),
    port: read(env, 'REFUNDS_API_PORT'),
    host,
    maxBodyBytes: read(env, 'REFUNDS_API_MAX_BODY_BYTES'),
    rateLimit: { ratePerSecond: read(env, 'REFUNDS_API_RATE_LIMIT'), burst: read(env, 'REFUNDS_API_RATE_BURST') },
  };
}

export interface CodecServerSettings {
  /** REFUNDS_ENCRYPTION_KEYS as written: the codec server needs them. */
  keys: string;
  host: string;
  port: number;
  /** false = no authentication (REFUNDS_CODEC_AUTH=off, loopback only). */
  token: string | false;
  allowedOrigins: string[];
  maxBodyBytes: number;
  rateLimit: { ratePerSecond: number; burst: number };
}

export function codecServerSettings(env: Env): CodecServerSettings {
  const keys = encryptionSettings(env).keys;
  if (keys === undefined) throw new ConfigError('REFUNDS_ENCRYPTION_KEYS is required by the codec server but not set');
  const host = read(env, 'REFUNDS_CODEC_HOST');
  let token: string | false = false;
  if (read(env, 'REFUNDS_CODEC_AUTH') === 'on') {
    token = required(env, 'REFUNDS_CODEC_TOKEN', 'or REFUNDS_CODEC_AUTH=off for a local run: the Temporal UI dev server cannot send a token');
  } else if (!LOOPBACK.has(host)) {
    throw new ConfigError(`REFUNDS_CODEC_AUTH=off is allowed only on a loopback REFUNDS_CODEC_HOST (127.0.0.1, ::1, localhost), not ${host}`);
  }
  return {
    keys,
    host,
    port: read(env, 'REFUNDS_CODEC_PORT'),
    token,
    allowedOrigins: read(env, 'REFUNDS_CODEC_ORIGINS'),
    maxBodyBytes: read(env, 'REFUNDS_CODEC_MAX_BODY_BYTES'),
    rateLimit: { ratePerSecond: read(env, 'REFUNDS_CODEC_RATE_LIMIT'), burst: read(env, 'REFUNDS_CODEC_RATE_BURST') },
  };
}

// ---- Four-eyes approval (part 13a) ----

const APPROVAL_UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const APPROVAL_TIMEOUT_MAX_MS = 30 * 86_400_000;

/**
 * REFUNDS_APPROVAL_THRESHOLDS: entries separated by commas or new lines, each `CURRENCY:MINOR`
 * (every refund in that currency) or `provider:CURRENCY:MINOR` (that provider's refunds in that
 * currency; it wins over the currency's entry). MINOR is integer minor units, 0 = every refund.
 * Example: `EUR:100000,USD:100000,THB:3000000,openpayd:EUR:50000`.
 */
export function approvalThresholds(value: string): ApprovalThreshold[] {
  const entries = value.split(/[,\n]/).map((e) => e.trim()).filter(Boolean);
  const seen = new Set<string>();
  return entries.map((entry, i) => {
    const where = `REFUNDS_APPROVAL_THRESHOLDS entry ${i + 1} (${JSON.stringify(entry)})`;
    const parts = entry.split(':').map((p) => p.trim());
    if (parts.length < 2 || parts.length > 3) throw new ConfigError(`${where}: must be CURRENCY:MINOR or provider:CURRENCY:MINOR, for example EUR:100000 or openpayd:EUR:50000`);
    const [provider, currencyText, amountText] = parts.length === 3 ? parts : [undefined, parts[0]!, parts[1]!];
    if (provider !== undefined && !(PROVIDERS as readonly string[]).includes(provider)) throw new ConfigError(`${where}: the provider must be one of ${PROVIDERS.join(', ')}`);
    const currency = currencyText!.toUpperCase();
    if (!(CURRENCY_CODES as readonly string[]).includes(currency)) throw new ConfigError(`${where}: ${JSON.stringify(currencyText)} is not an ISO 4217 currency code we know`);
    if (provider !== undefined && !(PROVIDER_CURRENCIES[provider as Provider] as readonly string[]).includes(currency)) {
      throw new ConfigError(`${where}: ${provider} refunds are in ${PROVIDER_CURRENCIES[provider as Provider].join(' or ')}, never ${currency}`);
    }
    if (!/^\d{1,15}$/.test(amountText!)) throw new ConfigError(`${where}: the threshold must be a whole number of minor units (100000 = 1,000.00), not ${JSON.stringify(amountText)}`);
    const id = `${provider ?? '*'}:${currency}`;
    if (seen.has(id)) throw new ConfigError(`${where}: ${provider ? `${provider} ` : ''}${currency} is listed twice`);
    seen.add(id);
    return { currency: currency as CurrencyCode, ...(provider ? { provider: provider as Provider } : {}), amountMinor: Number(amountText) };
  });
}

/** The four-eyes approval policy of the clients that start refunds; no thresholds = no refund needs approval. */
export function approvalSettings(env: Env): ApprovalPolicy {
  const text = read(env, 'REFUNDS_APPROVAL_THRESHOLDS');
  const timeout = read(env, 'REFUNDS_APPROVAL_TIMEOUT');
  const timeoutMs = Number(timeout.slice(0, -1)) * APPROVAL_UNIT_MS[timeout.slice(-1) as keyof typeof APPROVAL_UNIT_MS];
  if (timeoutMs < 60_000 || timeoutMs > APPROVAL_TIMEOUT_MAX_MS) {
    throw new ConfigError(`REFUNDS_APPROVAL_TIMEOUT: must be from 1m to 30d (got ${JSON.stringify(timeout)})`);
  }
  return { thresholds: text ? approvalThresholds(text) : [], timeoutMs };
}

/** REFUNDS_IDENTITY: who the CLI acts as; undefined when unset. */
export function cliIdentity(env: Env): string | undefined {
  return read(env, 'REFUNDS_IDENTITY');
}

/** REFUNDS_EXPECTED_BY: when each provider's refunds are expected to be final (domain/expected-by.ts). */
export function expectedBySettings(env: Env): ExpectedByRules {
  return read(env, 'REFUNDS_EXPECTED_BY');
}

/** The daily reconciliation Schedule (REFUNDS_RECONCILE_AT, REFUNDS_RECONCILE_WINDOW); undefined when it is off. */
export function reconcileScheduleSettings(env: Env): { at: string; sinceMs: number } | undefined {
  const at = read(env, 'REFUNDS_RECONCILE_AT');
  const sinceMs = read(env, 'REFUNDS_RECONCILE_WINDOW');
  return at === 'off' ? undefined : { at, sinceMs };
}

/** `npm start` only (scripts/start.ts). */
export interface StartSettings {
  /** The embedded dev server's frontend and Web UI ports (unused with TEMPORAL_ADDRESS). */
  temporalPort: number;
  temporalUiPort: number;
  sandbox: boolean;
  sandboxPort: number;
  /** Relative to the project folder unless absolute. */
  dataDir: string;
  /** A local encryption key in the data folder when REFUNDS_ENCRYPTION_KEYS is unset. */
  localEncryption: boolean;
}

export function startSettings(env: Env): StartSettings {
  return {
    temporalPort: read(env, 'TEMPORAL_PORT'),
    temporalUiPort: read(env, 'TEMPORAL_UI_PORT'),
    sandbox: read(env, 'REFUNDS_SANDBOX') === 'on',
    sandboxPort: read(env, 'SANDBOX_PORT'),
    dataDir: read(env, 'REFUNDS_DATA_DIR'),
    localEncryption: read(env, 'REFUNDS_ENCRYPTION') === 'on',
  };
}
