/**
 * `npm run sandbox`: start the provider sandbox.
 * Env: SANDBOX_PORT (4010), SANDBOX_HOST (127.0.0.1), SANDBOX_STATE_FILE, SANDBOX_NOW (ISO),
 * SANDBOX_SEED, the credential overrides listed in sandbox/credentials.ts (CREDENTIAL_ENV), and
 * SANDBOX_MERCHANTS=eu,asia: more merchant accounts, their credentials made from the name (docs/accounts.md).
 */
import { credentialsFromEnv, merchantsFromEnv } from './credentials.js';
import { startSandbox } from './server.js';

async function main(): Promise<void> {
  const port = process.env.SANDBOX_PORT ? Number(process.env.SANDBOX_PORT) : 4010;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad SANDBOX_PORT ${process.env.SANDBOX_PORT}`);
  const sandbox = await startSandbox({
    port,
    host: process.env.SANDBOX_HOST ?? '127.0.0.1',
    ...(process.env.SANDBOX_STATE_FILE ? { stateFile: process.env.SANDBOX_STATE_FILE } : {}),
    ...(process.env.SANDBOX_NOW ? { now: process.env.SANDBOX_NOW } : {}),
    ...(process.env.SANDBOX_SEED ? { seed: Number(process.env.SANDBOX_SEED) } : {}),
    credentials: credentialsFromEnv(process.env),
    merchants: merchantsFromEnv(process.env),
  });
  const c = sandbox.credentials;
  console.log(`provider sandbox listening on ${sandbox.url} (sandbox clock ${sandbox.clock.nowIso()})`);
  console.log(`  SecPaid     ${sandbox.urls.secpaid}      token: ${c.secpaidToken}`);
  console.log(`  Link Money  ${sandbox.urls.linkmoney}             client_id: ${c.linkmoneyClientId} client_secret: ${c.linkmoneyClientSecret}`);
  console.log(`  OpenPayd    ${sandbox.urls.openpayd}              apiKey: ${c.openpaydApiKey}`);
  console.log(`  Reservepay  ${sandbox.urls.reservepay}            Bearer ${c.reservepayApiKey} (Api-Version: 2025-04-01)`);
  for (const [name, m] of Object.entries(sandbox.merchants).filter(([n]) => n !== 'default')) {
    console.log(`  merchant ${name}: SecPaid token ${m.secpaidToken}, Link Money ${m.linkmoneyClientId}/${m.linkmoneyClientSecret}, OpenPayd ${m.openpaydApiKey}, Reservepay ${m.reservepayApiKey}`);
  }
  console.log(`  Admin API   ${sandbox.urls.admin}              (npm run sandbox:admin -- help)`);
  if (process.env.SANDBOX_STATE_FILE) console.log(`  state file  ${process.env.SANDBOX_STATE_FILE}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the sandbox`);
    sandbox.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
