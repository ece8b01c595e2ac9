/**
 * `refunds api-key --name N --role service|operator`: a new API key for the HTTP API (32 random
 * bytes, base64url: 43 characters, strong enough off loopback) and its REFUNDS_API_KEYS entries,
 * with the key itself or only its SHA-256. Needs no Temporal connection.
 */
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../api/auth.js';
import { API_ROLES, apiKeySpecs, type ApiRole } from '../../domain/config.js';
import { UsageError } from './exit.js';

export interface NewApiKey {
  name: string;
  role: ApiRole;
  key: string;
  sha256: string;
  /** The REFUNDS_API_KEYS entry holding the key. */
  entry: string;
  /** The entry holding only the key's SHA-256 (the key then lives with its client only). */
  hashedEntry: string;
}

export function newApiKey(name: string | undefined, role: string | undefined): NewApiKey {
  if (!name) throw new UsageError('api-key needs --name (1-64 of a-z 0-9 . _ -)', 'api-key');
  if (!role || !(API_ROLES as readonly string[]).includes(role)) throw new UsageError(`api-key needs --role ${API_ROLES.join('|')}`, 'api-key');
  const key = randomBytes(32).toString('base64url');
  const sha256 = sha256Hex(key);
  const entry = `${name}:${role}:${key}`;
  const hashedEntry = `${name}:${role}:sha256:${sha256}`;
  apiKeySpecs(entry); // the name is checked by the configuration's own rules (throws ConfigError)
  return { name, role: role as ApiRole, key, sha256, entry, hashedEntry };
}

export function apiKeyText(k: NewApiKey): string {
  return [
    `API key for ${k.name} (${k.role}); give it to that client only, it is not shown again:`,
    `  ${k.key}`,
    '',
    'add one of these to REFUNDS_API_KEYS (comma-separated):',
    `  ${k.hashedEntry}   (only its SHA-256: preferred)`,
    `  ${k.entry}`,
    'to rotate, list the new entry next to the old one under the same name, then remove the old one.',
  ].join('\n');
}
