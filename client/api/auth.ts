/**
 * API keys with roles (REFUNDS_API_KEYS, domain/config.ts). A request presents one key as
 * `Authorization: Bearer <key>`; the key is hashed (SHA-256) and compared in constant time with
 * every configured key's hash, so neither a key nor its length leaks, and configuration may hold
 * the hash only. Two keys of one name are both valid (rotation).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Secret } from '../../activities/secret.js';
import type { ApiRole } from '../../domain/config.js';

export type { ApiRole };

/** What a route needs: read a refund, list refunds, start one, or act on one as an operator. */
export type Permission = 'read' | 'list' | 'create' | 'act';

export const ROLE_PERMISSIONS: Record<ApiRole, readonly Permission[]> = {
  service: ['read', 'list', 'create'],
  operator: ['read', 'list', 'create', 'act'],
};

export interface ApiKey {
  /** Recorded as the operator of what this key does; the rate-limit bucket after authentication. */
  name: string;
  role: ApiRole;
  /** The key itself ... */
  key?: Secret | string;
  /** ... or its SHA-256, 64 lowercase hex digits. */
  sha256?: string;
  /** The merchant accounts this key is limited to (`role@eu+asia`, docs/accounts.md); unset = every account. */
  accounts?: readonly string[];
}

export interface Identity {
  name: string;
  role: ApiRole;
  /** Limited to these merchant accounts: another account's refunds are not found (404), not forbidden. */
  accounts?: readonly string[];
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

export type AuthResult = { ok: true; identity: Identity } | { ok: false; message: string; invalidToken: boolean };

export class ApiKeys {
  private readonly entries: { digest: Buffer; identity: Identity }[];

  constructor(keys: ApiKey[]) {
    if (keys.length === 0) throw new Error('api: at least one API key is required');
    this.entries = keys.map((k) => {
      const hex = k.sha256 ?? (k.key === undefined ? undefined : sha256Hex(typeof k.key === 'string' ? k.key : k.key.reveal()));
      if (hex === undefined || !/^[0-9a-f]{64}$/.test(hex)) throw new Error(`api: key ${k.name} needs a key or its sha256`);
      return { digest: Buffer.from(hex, 'hex'), identity: { name: k.name, role: k.role, ...(k.accounts ? { accounts: k.accounts } : {}) } };
    });
  }

  /** `rawHeaders` as Node received them: a second Authorization header is refused, not ignored. */
  authenticate(rawHeaders: string[]): AuthResult {
    const values: string[] = [];
    for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === 'authorization') values.push(rawHeaders[i + 1]!);
    if (values.length === 0) return { ok: false, message: 'an Authorization: Bearer <key> header is required', invalidToken: false };
    if (values.length > 1) return { ok: false, message: 'send one Authorization header, not several', invalidToken: true };
    const m = BEARER.exec(values[0]!);
    if (!m) return { ok: false, message: 'the Authorization header must be Bearer <key>', invalidToken: true };
    const presented = createHash('sha256').update(m[1]!, 'utf8').digest();
    // Every entry is compared (no early exit): the time taken does not say which key matched.
    let found: Identity | undefined;
    for (const e of this.entries) {
      if (timingSafeEqual(presented, e.digest) && found === undefined) found = e.identity;
    }
    return found ? { ok: true, identity: found } : { ok: false, message: 'the API key is not valid', invalidToken: true };
  }
}

export function allowed(role: ApiRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
