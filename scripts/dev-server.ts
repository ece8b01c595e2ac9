/**
 * Starts the Temporal dev server (`temporal server start-dev`) from the resolved CLI binary and
 * waits until its frontend answers. Used by `npm start`, the integration tests and the benchmarks.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { freePort, spawnChild, stopChild, waitFor } from './processes.js';
import { requireTemporalBinary } from './temporal-binaries.js';

export interface DevServerOptions {
  /** SQLite file; omitted = in memory (nothing survives a stop). */
  dbFile?: string;
  port?: number;
  /** Web UI port; omitted with `headless` = no UI. */
  uiPort?: number;
  headless?: boolean;
  namespace?: string;
  /** More namespaces to create at start (for example a Nexus caller's); existing ones are kept. */
  extraNamespaces?: string[];
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** The server's stdout (its own banner): ignored by default; stderr is always shown. */
  stdout?: 'inherit' | 'ignore';
  /** Extra CLI flags (for example --ui-codec-endpoint). */
  extraArgs?: string[];
  readyTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  port: number;
  uiUrl?: string;
  namespace: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

function devServerArgs(opts: Required<Pick<DevServerOptions, 'port' | 'namespace'>> & DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--namespace', opts.namespace];
  for (const ns of opts.extraNamespaces ?? []) args.push('--namespace', ns);
  args.push('--log-level', opts.logLevel ?? 'error');
  if (opts.dbFile) {
    args.push('--db-filename', opts.dbFile);
  }
  if (opts.headless || opts.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort), '--ui-ip', '127.0.0.1');
  for (const sa of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${sa.name}=${sa.cliType}`);
  // Durability costs little here and a crash of the dev server must not lose refunds.
  args.push('--sqlite-pragma', 'journal_mode=WAL');
  args.push(...(opts.extraArgs ?? []));
  return args;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const binary = requireTemporalBinary('cli');
  const port = options.port ?? (await freePort());
  const namespace = options.namespace ?? 'default';
  if (options.dbFile) mkdirSync(dirname(options.dbFile), { recursive: true });
  const args = devServerArgs({ ...options, port, namespace });
  const child = spawnChild(binary, args, { stdio: ['ignore', options.stdout ?? 'ignore', 'inherit'] });
  const address = `127.0.0.1:${port}`;
  await waitFor(
    `Temporal dev server on ${address}`,
    async () => {
      const conn = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await conn.workflowService.describeNamespace({ namespace });
        return true;
      } finally {
        await conn.close();
      }
    },
    { timeoutMs: options.readyTimeoutMs ?? 60_000, intervalMs: 250, child },
  );
  const uiUrl = options.uiPort !== undefined && !options.headless ? `http://localhost:${options.uiPort}` : undefined;
  return {
    address,
    port,
    namespace,
    process: child,
    ...(uiUrl ? { uiUrl } : {}),
    stop: () => stopChild(child),
  };
}
