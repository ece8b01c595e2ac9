/**
 * The refund worker's provider variables pointing at a running sandbox, with the sandbox's
 * credentials: for starting a worker process (compiled or from source) against it.
 */
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
