/**
 * The HTTP API's configuration from the environment, validated with zod like worker/config.ts:
 * a bad or missing value stops start-up with a message naming the variable. In .env.example.
 */
import { z } from 'zod';
import { Secret } from '../../activities/secret.js';
import { ConfigError } from '../../worker/config.js';
import { DEFAULT_RATE_LIMIT, type RateLimitOptions } from './rate-limit.js';
import { DEFAULT_MAX_BODY_BYTES } from './server.js';

type Env = Record<string, string | undefined>;

export interface ApiConfig {
  port: number;
  host: string;
  token: Secret;
  maxBodyBytes: number;
  rateLimit: RateLimitOptions;
}

const port = z.coerce.number({ error: 'must be a port number' }).int('must be a whole number').min(0, 'must be 0-65535').max(65535, 'must be 0-65535');
const positiveInt = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').positive('must be greater than zero');

function read<T extends z.ZodType>(env: Env, name: string, schema: T, fallback: string, secret = false): z.output<T> {
  const raw = env[name];
  const value = raw === undefined || raw === '' ? fallback : raw;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(`${name}: ${parsed.error.issues.map((i) => i.message).join('; ')} (got ${secret ? '[redacted]' : JSON.stringify(value)})`);
  }
  return parsed.data;
}

export function loadApiConfig(env: Env = process.env): ApiConfig {
  const rawToken = env.REFUNDS_API_TOKEN;
  if (rawToken === undefined || rawToken === '') {
    throw new ConfigError('REFUNDS_API_TOKEN is required but not set (the bearer token clients must send)');
  }
  const token = read(
    env,
    'REFUNDS_API_TOKEN',
    z
      .string()
      .min(8, 'must be at least 8 characters')
      .max(512, 'must be at most 512 characters')
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
    '',
    true,
  );
  return {
    port: read(env, 'REFUNDS_API_PORT', port, '8080'),
    host: read(env, 'REFUNDS_API_HOST', z.string().trim().min(1, 'must not be empty'), '127.0.0.1'),
    token: new Secret(token),
    maxBodyBytes: read(env, 'REFUNDS_API_MAX_BODY_BYTES', positiveInt, String(DEFAULT_MAX_BODY_BYTES)),
    rateLimit: {
      ratePerSecond: read(env, 'REFUNDS_API_RATE_LIMIT', positiveInt, String(DEFAULT_RATE_LIMIT.ratePerSecond)),
      burst: read(env, 'REFUNDS_API_RATE_BURST', positiveInt, String(DEFAULT_RATE_LIMIT.burst)),
    },
  };
}
