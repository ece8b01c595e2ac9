/**
 * The codec server's configuration: the REFUNDS_CODEC_* section of the environment schema
 * (domain/config.ts: validation, defaults, the auth-off-on-loopback-only rule) with the key ring
 * parsed into the codec and the token wrapped in Secret. See README "Operations" and .env.example.
 */
import { Secret } from '../activities/secret.js';
import { codecServerSettings, type Env } from '../domain/config.js';
import { AesGcmCodec } from './codec.js';
import { parseKeyRing } from './keys.js';
import type { CodecServerOptions } from './server.js';

export type CodecServerConfig = CodecServerOptions & { port: number; host: string };

export function loadCodecServerConfig(env: Env = process.env): CodecServerConfig {
  const { keys, token, ...settings } = codecServerSettings(env);
  return { ...settings, codec: new AesGcmCodec(parseKeyRing(keys)), token: token === false ? false : new Secret(token) };
}
