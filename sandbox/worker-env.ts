/**
 * The refund worker's provider variables pointing at a running sandbox, with the sandbox's
 * credentials: for starting a worker process (compiled or from source) against it.
 */
import { accountEnvSegment } from '../domain/accounts.js';
import type { Provider } from '../domain/providers.js';
import type { SandboxCredentials } from './credentials.js';
import type { RunningSandbox } from './server.js';

export function sandboxWorkerEnv(sandbox: Pick<RunningSandbox, 'urls' | 'credentials'>): Record<string, string> {
  const c = sandbox.credentials;
  return {
    SECPAID_BASE_URL: sandbox.urls.secpaid,
    SECPAID_TOKEN: c.secpaidToken,
    LINKMONEY_BASE_URL: sandbox.urls.linkmoney,
    LINKMONEY_CLIENT_ID: c.linkmoneyClientId,
    LINKMONEY_CLIENT_SECRET: c.linkmoneyClientSecret,
    OPENPAYD_BASE_URL: sandbox.urls.openpayd,
    OPENPAYD_API_KEY: c.openpaydApiKey,
    RESERVEPAY_BASE_URL: sandbox.urls.reservepay,
    RESERVEPAY_API_KEY: c.reservepayApiKey,
  };
}

/** A named merchant account's credential variables (docs/accounts.md) with a sandbox merchant's credentials. */
export function sandboxAccountEnv(provider: Provider, account: string, c: SandboxCredentials): Record<string, string> {
  const v = (field: string) => `${provider.toUpperCase()}_ACCOUNT_${accountEnvSegment(account)}_${field}`;
  switch (provider) {
    case 'secpaid':
      return { [v('TOKEN')]: c.secpaidToken };
    case 'linkmoney':
      return { [v('CLIENT_ID')]: c.linkmoneyClientId, [v('CLIENT_SECRET')]: c.linkmoneyClientSecret };
    case 'openpayd':
      return { [v('API_KEY')]: c.openpaydApiKey };
    case 'reservepay':
      return { [v('API_KEY')]: c.reservepayApiKey };
  }
}
