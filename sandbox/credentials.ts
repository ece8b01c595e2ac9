/**
 * The sandbox's credentials. They are fake and public on purpose: the sandbox is a local
 * simulator. `sandbox/main.ts` lets each one be overridden from the environment.
 */
export interface SandboxCredentials {
  /** SecPaid `token` header value. */
  secpaidToken: string;
  /** The SecPaid user id the token belongs to (owner of payment links created by default). */
  secpaidUserId: string;
  /** Link Money OAuth client credentials for `POST /v1/tokens`. */
  linkmoneyClientId: string;
  linkmoneyClientSecret: string;
  /** OpenPayd account api key: exactly 32 characters. */
  openpaydApiKey: string;
  /** Reservepay API key, sent as `Authorization: Bearer <key>`. */
  reservepayApiKey: string;
}

export const SANDBOX_CREDENTIALS: Readonly<SandboxCredentials> = Object.freeze({
  secpaidToken: 'sandbox-secpaid-token-0001',
  secpaidUserId: '1001',
  linkmoneyClientId: 'sandbox-linkmoney-client',
  linkmoneyClientSecret: 'sandbox-linkmoney-secret',
  openpaydApiKey: '4d41d21a935f5bba9dee7c7be4a7ca04',
  reservepayApiKey: 'skey_test_sandbox_reservepay_0001',
});

/** Environment variable for each credential (read by sandbox/main.ts). */
export const CREDENTIAL_ENV = {
  secpaidToken: 'SANDBOX_SECPAID_TOKEN',
  secpaidUserId: 'SANDBOX_SECPAID_USER_ID',
  linkmoneyClientId: 'SANDBOX_LINKMONEY_CLIENT_ID',
  linkmoneyClientSecret: 'SANDBOX_LINKMONEY_CLIENT_SECRET',
  openpaydApiKey: 'SANDBOX_OPENPAYD_API_KEY',
  reservepayApiKey: 'SANDBOX_RESERVEPAY_API_KEY',
} as const satisfies Record<keyof SandboxCredentials, string>;

export function credentialsFromEnv(env: NodeJS.ProcessEnv): Partial<SandboxCredentials> {
  const out: Partial<SandboxCredentials> = {};
  for (const [key, name] of Object.entries(CREDENTIAL_ENV) as [keyof SandboxCredentials, string][]) {
    const value = env[name];
    if (value) out[key] = value;
  }
  return out;
}

/**
 * More merchant accounts (docs/accounts.md): each a name and its own credentials, the unset ones
 * made from the name (`skey_test_sandbox_reservepay_eu`, ...), so a test can prove each
 * account's requests reach the sandbox with that account's credentials (the request log names the
 * merchant). The default credentials are merchant `default`.
 */
export function resolveMerchants(named: Record<string, Partial<SandboxCredentials>> = {}, defaults: SandboxCredentials): Record<string, SandboxCredentials> {
  const out: Record<string, SandboxCredentials> = { default: defaults };
  for (const [name, partial] of Object.entries(named)) {
    if (name === 'default') throw new Error('merchant "default" is the sandbox\'s own credentials');
    const tag = name.replace(/[^A-Za-z0-9]/g, '');
    out[name] = resolveCredentials({
      secpaidToken: `sandbox-secpaid-token-${tag}`,
      secpaidUserId: String(2000 + Object.keys(out).length),
      linkmoneyClientId: `sandbox-linkmoney-client-${tag}`,
      linkmoneyClientSecret: `sandbox-linkmoney-secret-${tag}`,
      openpaydApiKey: `${tag}${'0'.repeat(32)}`.slice(0, 32),
      reservepayApiKey: `skey_test_sandbox_reservepay_${tag}`,
      ...partial,
    });
  }
  for (const field of Object.keys(defaults) as (keyof SandboxCredentials)[]) {
    if (field === 'secpaidUserId') continue;
    const seen = new Map<string, string>();
    for (const [name, c] of Object.entries(out)) {
      if (seen.has(c[field])) throw new Error(`merchants ${seen.get(c[field])} and ${name} have the same ${field}`);
      seen.set(c[field], name);
    }
  }
  return out;
}

/** SANDBOX_MERCHANTS=eu,asia: merchants whose credentials are made from their names. */
export function merchantsFromEnv(env: NodeJS.ProcessEnv): Record<string, Partial<SandboxCredentials>> {
  const names = (env['SANDBOX_MERCHANTS'] ?? '').split(',').map((n) => n.trim()).filter(Boolean);
  return Object.fromEntries(names.map((n) => [n, {}]));
}

/** The merchant whose credential this is (`field` of its credentials), or undefined. */
export function merchantWith(merchants: Record<string, SandboxCredentials>, field: keyof SandboxCredentials, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Object.entries(merchants).find(([, c]) => c[field] === value)?.[0];
}

export function resolveCredentials(partial: Partial<SandboxCredentials> = {}): SandboxCredentials {
  const creds = { ...SANDBOX_CREDENTIALS, ...partial };
  if (creds.openpaydApiKey.length !== 32) {
    throw new Error(`the OpenPayd apiKey must be exactly 32 characters (got ${creds.openpaydApiKey.length})`);
  }
  return creds;
}

const SECRET_KEY_RE = /token|secret|api_?key|authorization|password|client_secret/i;

/** Deep copy with every credential-looking field replaced by "[redacted]" (for the request log). */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = SECRET_KEY_RE.test(k) ? '[redacted]' : redact(v);
    }
    return out;
  }
  return value;
}
