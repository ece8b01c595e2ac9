/**
 * The one data converter of every client (RefundsClient.connect: HTTP API, CLI, services) and
 * of the worker: with REFUNDS_ENCRYPTION_KEYS set, payloads are AES-256-GCM encrypted
 * (codec/codec.ts); unset, the SDK's default converter (plain JSON payloads).
 */
import type { DataConverter } from '@temporalio/common';
import { AesGcmCodec } from './codec.js';
import { keyRingFromEnv } from './keys.js';

export function dataConverter(env: Record<string, string | undefined> = process.env): DataConverter | undefined {
  const ring = keyRingFromEnv(env);
  return ring ? { payloadCodecs: [new AesGcmCodec(ring)] } : undefined;
}
