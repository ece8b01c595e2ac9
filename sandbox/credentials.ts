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
