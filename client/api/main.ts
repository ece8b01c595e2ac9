/**
 * `npm run api`: the HTTP API process. Reads REFUNDS_API_* and the Temporal configuration from
 * the environment (see .env.example), prints its URL, reports readiness over IPC when started by
 * `npm start`, and stops on SIGINT/SIGTERM or when its parent goes away.
 */
import { Secret } from '../../activities/secret.js';
import { apiSettings, ConfigError } from '../../domain/config.js';
import { createLogger } from '../../ops/logger.js';
import { tracingFromEnv } from '../../ops/tracing.js';
import { loadTemporalConfig } from '../connection.js';
import { RefundsClient } from '../refunds-client.js';
import type { ApiKey } from './auth.js';
import { startApiServer } from './server.js';

async function main(): Promise<void> {
  // REFUNDS_API_KEYS / REFUNDS_API_TOKEN and the rest of REFUNDS_API_*: domain/config.ts (weak keys refused off loopback).
  const { token: tokenText, keys: keySpecs, ...config } = apiSettings(process.env);
  const token = tokenText === undefined ? undefined : new Secret(tokenText);
  const keys: ApiKey[] = (keySpecs ?? []).map((k) => ({
    name: k.name,
    role: k.role,
    ...(k.accounts ? { accounts: k.accounts } : {}), // limited to merchant accounts (docs/accounts.md)
    ...(k.key !== undefined ? { key: new Secret(k.key) } : { sha256: k.sha256! }),
  }));
  const temporal = loadTemporalConfig();
  // JSON lines (LOG_FORMAT=pretty for humans), keys and card/bank data redacted.
  const secrets = [...(token ? [token.reveal()] : []), ...keys.flatMap((k) => (k.key instanceof Secret ? [k.key.reveal()] : []))];
  const logger = createLogger(process.env, { secrets, base: { service: 'api' } });
  const tracing = tracingFromEnv('refund-api');
  const refunds = await RefundsClient.connect(temporal, undefined, tracing ? [tracing.plugin] : []);
  const api = await startApiServer({
    ...config,
    ...(token ? { token } : {}),
    keys,
    refunds,
    ...(tracing ? { tracer: tracing.tracer } : {}),
    logError: (message, err) => logger.error(`api: ${message}`, { error: err }),
    accessLog: ({ method, path, status, durationMs, refundId, apiKey }) => logger.info(`${method} ${path} ${status}`, { method, path, status, durationMs, ...(refundId ? { refundId } : {}), ...(apiKey ? { apiKey } : {}) }),
  });
  console.log(`api: listening on ${api.url} (Temporal ${temporal.address}, namespace "${temporal.namespace}", task queue "${temporal.taskQueue}")`);
  process.send?.({ type: 'ready', url: api.url });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await api.close();
    await refunds.close();
    await tracing?.shutdown();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  // When the parent (npm start) goes away without stopping us, stop too: no orphans.
  process.on('disconnect', () => void stop());
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(`api: configuration error: ${err.message}`);
  else console.error('api: fatal:', err);
  process.exit(1);
});
