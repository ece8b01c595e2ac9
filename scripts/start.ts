/**
 * `npm start`: the whole stack on one machine, in one terminal.
 *   - the Temporal dev server with its Web UI (http://localhost:8233) and SQLite persistence in
 *     .data/ (refunds survive a restart), unless TEMPORAL_ADDRESS names a cluster to use;
 *   - the provider sandbox (http://127.0.0.1:4010), used by every provider whose *_BASE_URL is
 *     not set (REFUNDS_SANDBOX=off to run without it);
 *   - the refund worker;
 *   - the HTTP API (http://127.0.0.1:8080, client/api/), bearer token REFUNDS_API_TOKEN
 *     (default `dev-token`, for local runs only).
 * Waits for each part to be ready, prints one banner, and on Ctrl-C stops everything.
 */
import type { ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { credentialsFromEnv, resolveCredentials, resolveMerchants } from '../sandbox/credentials.js';
import { sandboxAccountEnv } from '../sandbox/worker-env.js';
import { PROVIDERS, type Provider } from '../domain/providers.js';
import { loadTemporalConfig } from '../client/connection.js';
import { loadCodecServerConfig } from '../codec/config.js';
import { localKeyEntries } from '../codec/keys.js';
import { startCodecServer } from '../codec/server.js';
import { accountNames, apiSettings, ConfigError, providerSettings, startSettings, temporalSettings, type StartSettings } from '../domain/config.js';
import { DEFAULT_REFUNDS_ENDPOINT, REFUNDS_NEXUS_SERVICE } from '../nexus/service.js';
import { startDevServer, type DevServer } from './dev-server.js';
import { ensureNexusEndpoint } from './nexus-endpoint.js';
import { isPortOpen, spawnChild, stopChild, waitFor } from './processes.js';
import { PROJECT_ROOT } from './temporal-binaries.js';
import { WORKER_NODE_FLAGS } from '../worker/heap.js';

const env = process.env;
/** TEMPORAL_PORT, TEMPORAL_UI_PORT, SANDBOX_PORT, REFUNDS_SANDBOX, REFUNDS_DATA_DIR, REFUNDS_ENCRYPTION (domain/config.ts); set first thing in main(). */
let settings: StartSettings;
let dataDir: string;
const children: ChildProcess[] = [];
let devServer: DevServer | undefined;
let stopping = false;
/** The dev server's second namespace, for Nexus callers such as examples/order-cancellation. */
const CALLER_NAMESPACE = 'orders';

function tsx(script: string, childEnv: NodeJS.ProcessEnv, ipc = false, nodeFlags: readonly string[] = []): ChildProcess {
  const child = spawnChild(process.execPath, [...nodeFlags, '--import', 'tsx', join(PROJECT_ROOT, script)], {
    env: childEnv,
    stdio: ipc ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'inherit', 'inherit'],
  });
  children.push(child);
  child.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(`start: ${script} exited (${signal ?? code}); stopping everything`);
      void shutdown(1);
    }
  });
  return child;
}

/** Resolves when the child reports {type: 'ready'} over IPC (worker/main.ts, client/api/main.ts). */
function whenReady(child: ChildProcess, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    child.on('message', (m: { type?: string }) => m?.type === 'ready' && resolve());
    child.once('exit', (code) => reject(new Error(`${what} exited with code ${code} before it was ready`)));
  });
}

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log('\nstart: stopping API, worker, sandbox and Temporal ...');
    for (const child of [...children].reverse()) await stopChild(child);
    await devServer?.stop();
    console.log('start: stopped');
  }
  process.exit(code);
}

/**
 * The codec server for the Web UI, in this process. The UI dev server cannot send a token, so
 * without REFUNDS_CODEC_TOKEN it runs with auth off on loopback (local runs only).
 */
async function startLocalCodecServer(): Promise<{ url: string; auth: string }> {
  const uiPort = settings.temporalUiPort;
  const codecEnv = {
    REFUNDS_CODEC_AUTH: env.REFUNDS_CODEC_TOKEN ? 'on' : 'off',
    REFUNDS_CODEC_ORIGINS: `http://localhost:${uiPort},http://127.0.0.1:${uiPort}`,
    ...env,
  };
  const config = loadCodecServerConfig(codecEnv);
  if (await isPortOpen(config.port)) throw new ConfigError(`port ${config.port} is already in use; set REFUNDS_CODEC_PORT`);
  const server = await startCodecServer(config);
  return { url: server.url, auth: config.token === false ? 'off, loopback only' : 'bearer $REFUNDS_CODEC_TOKEN' };
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  settings = startSettings(env);
  dataDir = resolve(PROJECT_ROOT, settings.dataDir);
  // 0. Payload encryption (README "Operations"): REFUNDS_ENCRYPTION_KEYS, or REFUNDS_ENCRYPTION=on for a local key in the data folder.
  if (!env.REFUNDS_ENCRYPTION_KEYS && settings.localEncryption) env.REFUNDS_ENCRYPTION_KEYS = localKeyEntries(join(dataDir, 'encryption-keys'));
  const codecEndpoint = env.REFUNDS_ENCRYPTION_KEYS ? await startLocalCodecServer() : undefined;
  const workerEnv: NodeJS.ProcessEnv = { ...env };
  const lines: string[] = [];
  // The API's own settings, checked now: `npm start` lends it a development token (loopback only) when no key is set.
  const devToken = !env.REFUNDS_API_TOKEN && !env.REFUNDS_API_KEYS;
  const api = apiSettings({ ...env, ...(devToken ? { REFUNDS_API_TOKEN: 'dev-token' } : {}) });
  const apiPort = api.port;
  if (await isPortOpen(apiPort)) throw new ConfigError(`port ${apiPort} is already in use; set REFUNDS_API_PORT`);

  // 1. Temporal.
  const external = Boolean(env.TEMPORAL_ADDRESS);
  const { namespace } = temporalSettings(env);
  if (!external) {
    const port = settings.temporalPort;
    const uiPort = settings.temporalUiPort;
    for (const p of [port, uiPort]) {
      if (await isPortOpen(p)) throw new ConfigError(`port ${p} is already in use (another npm start?); set TEMPORAL_PORT / TEMPORAL_UI_PORT`);
    }
    console.log(`start: Temporal dev server (data in ${dataDir}) ...`);
    devServer = await startDevServer({ dbFile: join(dataDir, 'temporal.db'), port, uiPort, namespace, extraNamespaces: [CALLER_NAMESPACE], logLevel: 'error', ...(codecEndpoint ? { extraArgs: ['--ui-codec-endpoint', codecEndpoint.url] } : {}) });
    await waitFor('Temporal Web UI', async () => (await fetch(devServer!.uiUrl!)).ok, { timeoutMs: 30_000 });
    workerEnv.TEMPORAL_ADDRESS = devServer.address;
    lines.push(`Temporal Web UI     ${devServer.uiUrl}`, `Temporal frontend   ${devServer.address}  (namespace ${devServer.namespace}, SQLite ${join(dataDir, 'temporal.db')})`);
  } else {
    lines.push(`Temporal frontend   ${env.TEMPORAL_ADDRESS}  (namespace ${namespace}, external cluster)`);
  }
  const temporal = loadTemporalConfig(workerEnv);
  // The Nexus endpoint of the service `refunds`, on the dev server only (a cluster's operator makes it: README "Nexus").
  if (devServer) {
    const conn = await Connection.connect({ address: devServer.address });
    const made = await ensureNexusEndpoint(conn, { name: DEFAULT_REFUNDS_ENDPOINT, namespace, taskQueue: temporal.taskQueue }).finally(() => conn.close());
    lines.push(`Nexus endpoint      "${DEFAULT_REFUNDS_ENDPOINT}" -> service "${REFUNDS_NEXUS_SERVICE}" on namespace ${namespace}, task queue "${temporal.taskQueue}" (${made}); callers in namespace ${CALLER_NAMESPACE}`);
  } else {
    lines.push('Nexus endpoint      not created on an external cluster (README "Nexus")');
  }

  // 2. Provider sandbox, for every provider without a base URL of its own.
  if (settings.sandbox) {
    const sandboxPort = settings.sandboxPort;
    if (await isPortOpen(sandboxPort)) throw new ConfigError(`port ${sandboxPort} is already in use; set SANDBOX_PORT`);
    // Every named merchant account (<PROVIDER>_ACCOUNTS, docs/accounts.md) is a sandbox merchant too.
    const names = accountNames(env);
    const merchantNames = [...new Set(PROVIDERS.flatMap((p) => names[p]))];
    const sandbox = tsx('sandbox/main.ts', { ...env, SANDBOX_PORT: String(sandboxPort), SANDBOX_STATE_FILE: env.SANDBOX_STATE_FILE ?? join(dataDir, 'sandbox.json'), SANDBOX_MERCHANTS: merchantNames.join(',') });
    await waitFor('provider sandbox', () => isPortOpen(sandboxPort), { timeoutMs: 30_000, child: sandbox });
    const base = `http://127.0.0.1:${sandboxPort}`;
    const creds = resolveCredentials(credentialsFromEnv(env));
    const useSandbox: [string, string, Record<string, string>][] = [
      ['SECPAID_BASE_URL', `${base}/secpaid/api/v2`, { SECPAID_TOKEN: creds.secpaidToken }],
      ['LINKMONEY_BASE_URL', `${base}/linkmoney`, { LINKMONEY_CLIENT_ID: creds.linkmoneyClientId, LINKMONEY_CLIENT_SECRET: creds.linkmoneyClientSecret }],
      ['OPENPAYD_BASE_URL', `${base}/openpayd`, { OPENPAYD_API_KEY: creds.openpaydApiKey }],
      ['RESERVEPAY_BASE_URL', `${base}/reservepay`, { RESERVEPAY_API_KEY: creds.reservepayApiKey }],
    ];
    const sandboxed: string[] = [];
    const merchants = resolveMerchants(Object.fromEntries(merchantNames.map((n) => [n, {}])), creds);
    for (const [urlVar, url, creds] of useSandbox) {
      if (env[urlVar]) continue;
      workerEnv[urlVar] = url;
      Object.assign(workerEnv, creds);
      const provider = urlVar.split('_')[0]!.toLowerCase() as Provider;
      sandboxed.push(provider);
      // The sandboxed provider's named accounts get their sandbox merchant's credentials, unless given.
      for (const name of names[provider]) {
        for (const [variable, value] of Object.entries(sandboxAccountEnv(provider, name, merchants[name]!))) workerEnv[variable] ||= value;
      }
    }
    lines.push(`Provider sandbox    ${base}  (admin ${base}/_sandbox; serving ${sandboxed.join(', ') || 'no provider'})`);
  }
  providerSettings(workerEnv); // fail here, naming the variable, before starting the worker

  // 3. Worker.
  // The SDK logs the workflow bundle's build at INFO: keep `npm start` quiet unless asked.
  workerEnv.LOG_LEVEL ??= 'WARN';
  workerEnv.LOG_FORMAT ??= 'pretty'; // JSON lines are for production log shippers
  env.LOG_FORMAT ??= 'pretty'; // the API too
  // Callbacks are signed; a local run gets a fixed development key unless one is given.
  workerEnv.REFUNDS_CALLBACK_SECRET ||= 'dev-callback-secret-local-only';
  // Callbacks refuse internal addresses; a local run may call back receivers on this machine.
  workerEnv.REFUNDS_CALLBACK_ALLOWED_NETWORKS ||= '127.0.0.0/8,::1';
  await whenReady(tsx('worker/main.ts', workerEnv, true, WORKER_NODE_FLAGS), 'worker');
  lines.push(`Refund worker       task queue "${temporal.taskQueue}"`);

  // 4. HTTP API: the Temporal address, not the sandbox credentials the worker got.
  const apiHost = api.host;
  const apiEnv: NodeJS.ProcessEnv = { ...env, TEMPORAL_ADDRESS: temporal.address, REFUNDS_API_PORT: String(apiPort), REFUNDS_API_HOST: apiHost, ...(api.token !== undefined ? { REFUNDS_API_TOKEN: api.token } : {}) };
  await whenReady(tsx('client/api/main.ts', apiEnv, true), 'HTTP API');
  lines.push(`HTTP API            http://${apiHost}:${apiPort}  (Bearer ${devToken ? 'dev-token' : env.REFUNDS_API_KEYS ? 'a key of $REFUNDS_API_KEYS' : '$REFUNDS_API_TOKEN'})`);
  if (codecEndpoint) lines.push(`Codec server        ${codecEndpoint.url}  (payloads AES-256-GCM encrypted; auth ${codecEndpoint.auth})`);
  if (devToken) lines.push('                    REFUNDS_API_KEYS is not set: the API accepts "dev-token" as an operator key (loopback only); /docs to try it');

  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const rule = '='.repeat(width);
  console.log(`\n${rule}\n  Refund orchestrator is running\n${rule}\n${lines.map((l) => `  ${l}`).join('\n')}\n${rule}\n  Ctrl-C stops everything.\n`);
}

main().catch(async (err: unknown) => {
  console.error(`start: ${err instanceof ConfigError ? `configuration error: ${err.message}` : (err as Error).message}`);
  await shutdown(1);
});
