/**
 * Encryption keys from REFUNDS_ENCRYPTION_KEYS: `k2:<base64 of 32 bytes>,k1:<base64>`, the FIRST
 * is the current key (used to encrypt); every listed key can decrypt. Validated with zod; errors
 * name the variable and never print key material.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ConfigError, encryptionSettings, type Env } from '../domain/config.js';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export interface KeyRing {
  /** Encrypts every new payload. */
  current: EncryptionKey;
  /** Every key that may decrypt, by id (the current one included). */
  byId: ReadonlyMap<string, EncryptionKey>;
}

const Entry = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._-]{1,64}:[A-Za-z0-9+/=_-]+$/, 'each entry must be <keyId>:<base64 key> (key id: letters, digits, . _ -)')
  .transform((entry, ctx) => {
    const [id, b64] = entry.split(':') as [string, string];
    const key = Buffer.from(b64.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length !== 32) {
      ctx.addIssue({ code: 'custom', message: `key "${id}" must be 32 bytes (AES-256), base64-encoded; it decodes to ${key.length} bytes` });
      return z.NEVER;
    }
    return { id, key };
  });

const KeyList = z
  .string()
  .transform((s) => s.split(',').filter((e) => e.trim() !== ''))
  .pipe(z.array(Entry).min(1, 'at least one <keyId>:<base64 key> is required'))
  .superRefine((keys, ctx) => {
    const seen = new Set<string>();
    for (const k of keys) {
      if (seen.has(k.id)) ctx.addIssue({ code: 'custom', message: `key id "${k.id}" is listed twice` });
      seen.add(k.id);
    }
  });

/** Parse a key list; throws ConfigError naming REFUNDS_ENCRYPTION_KEYS. */
export function parseKeyRing(value: string): KeyRing {
  const parsed = KeyList.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(`REFUNDS_ENCRYPTION_KEYS: ${parsed.error.issues.map((i) => i.message).join('; ')} (value not shown)`);
  }
  const keys = parsed.data;
  return { current: keys[0]!, byId: new Map(keys.map((k) => [k.id, k])) };
}

/** The key ring from the environment, or undefined when encryption is off (variable unset). */
export function keyRingFromEnv(env: Env = process.env): KeyRing | undefined {
  const { keys } = encryptionSettings(env);
  return keys === undefined ? undefined : parseKeyRing(keys);
}

/** A new random key entry, `<id>:<base64>`. */
function generateKeyEntry(id = `k${Date.now().toString(36)}`): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/**
 * `npm start` with REFUNDS_ENCRYPTION=on and no keys: a local key kept in a file next to the dev
 * server's data (mode 0600), created once, so refunds stay readable across restarts. Local only.
 */
export function localKeyEntries(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(file), { recursive: true });
  const entry = generateKeyEntry('local1');
  writeFileSync(file, `${entry}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return entry;
}
