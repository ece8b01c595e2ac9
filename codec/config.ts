/**
 * The codec server's configuration from the environment (REFUNDS_CODEC_*), validated with zod;
 * errors name the variable. See README "Operations" and .env.example.
 */
import { z } from 'zod';
import { Secret } from '../activities/secret.js';
import { DEFAULT_RATE_LIMIT } from '../client/api/rate-limit.js';
import { ConfigError } from '../worker/config.js';
import { AesGcmCodec } from './codec.js';
import { ENCRYPTION_KEYS_VAR, keyRingFromEnv } from './keys.js';
import { DEFAULT_CODEC_MAX_BODY_BYTES, DEFAULT_CODEC_ORIGINS, type CodecServerOptions } from './server.js';

type Env = Record<string, string | undefined>;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function read<T extends z.ZodType>(env: Env, name: string, schema: T, fallback: string, secret = false): z.output<T> {
  const raw = env[name];
  const value = raw === undefined || raw === '' ? fallback : raw;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(`${name}: ${parsed.error.issues.map((i) => i.message).join('; ')} (got ${secret ? '[redacted]' : JSON.stringify(value)})`);
  }
  return parsed.data;
}

const port = z.coerce.number({ error: 'must be a port number' }).int().min(0, 'must be 0-65535').max(65535, 'must be 0-65535');
const positiveInt = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').positive('must be greater than zero');

export type CodecServerConfig = CodecServerOptions & { port: number; host: string };

export function loadCodecServerConfig(env: Env = process.env): CodecServerConfig {
  const ring = keyRingFromEnv(env);
  if (!ring) throw new ConfigError(`${ENCRYPTION_KEYS_VAR} is required by the codec server but not set`);
  const host = read(env, 'REFUNDS_CODEC_HOST', z.string().trim().min(1, 'must not be empty'), '127.0.0.1');
  const auth = read(env, 'REFUNDS_CODEC_AUTH', z.enum(['on', 'off'], { error: 'must be on or off' }), 'on');
  let token: Secret | false = false;
  if (auth === 'on') {
    if (!env.REFUNDS_CODEC_TOKEN) {
      throw new ConfigError('REFUNDS_CODEC_TOKEN is required but not set (or REFUNDS_CODEC_AUTH=off for a local run: the Temporal UI dev server cannot send a token)');
    }
    token = new Secret(read(env, 'REFUNDS_CODEC_TOKEN', z.string().min(16, 'must be at least 16 characters').regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'), '', true));
  } else if (!LOOPBACK.has(host)) {
    throw new ConfigError(`REFUNDS_CODEC_AUTH=off is allowed only on a loopback REFUNDS_CODEC_HOST (127.0.0.1, ::1, localhost), not ${host}`);
  }
  const origins = read(
    env,
    'REFUNDS_CODEC_ORIGINS',
    z
      .string()
      .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'each origin must be scheme://host[:port] without a path')).min(1)),
    DEFAULT_CODEC_ORIGINS.join(','),
  );
  return {
    codec: new AesGcmCodec(ring),
    token,
    host,
    port: read(env, 'REFUNDS_CODEC_PORT', port, '8089'),
    allowedOrigins: origins,
    maxBodyBytes: read(env, 'REFUNDS_CODEC_MAX_BODY_BYTES', positiveInt, String(DEFAULT_CODEC_MAX_BODY_BYTES)),
    rateLimit: {
      ratePerSecond: read(env, 'REFUNDS_CODEC_RATE_LIMIT', positiveInt, String(DEFAULT_RATE_LIMIT.ratePerSecond)),
      burst: read(env, 'REFUNDS_CODEC_RATE_BURST', positiveInt, String(DEFAULT_RATE_LIMIT.burst * 2)),
    },
  };
}
