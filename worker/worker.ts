/**
 * Builds the refund worker: connection, activity dependencies (one HTTP pool, configuration,
 * token cache) and the workflow bundle. Used by worker/main.ts, the tests and the benchmarks.
 */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { createDispatcher } from '../activities/http.js';
import type { Secret } from '../activities/secret.js';
import type { ProviderConfig } from '../activities/types.js';
import { connectionOptions, type TemporalConfig } from '../client/connection.js';
import type { WorkerTuning } from '../domain/config.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export async function connectWorker(temporal: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(temporal));
}

export interface RefundWorkerOptions {
  connection: NativeConnection;
  temporal: Pick<TemporalConfig, 'namespace' | 'taskQueue'>;
  providers: ProviderConfig;
  /** Signs completion callbacks (REFUNDS_CALLBACK_SECRET). */
  callbackSecret?: Secret;
  tuning?: Partial<WorkerTuning>;
  /** Pre-built bundle (tests build it once per file). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Extra options (for example a shorter shutdown grace time in tests). */
  extra?: Partial<WorkerOptions>;
  /** Payload encryption (codec/data-converter.ts dataConverter(); the same as the clients'). */
  dataConverter?: WorkerOptions['dataConverter'];
}

export async function createRefundWorker(opts: RefundWorkerOptions): Promise<{ worker: Worker; close(): Promise<void> }> {
  const dispatcher = createDispatcher({ timeoutMs: opts.providers.requestTimeoutMs ?? 15_000 });
  const activities = createActivities({ config: opts.providers, dispatcher, ...(opts.callbackSecret ? { callbackSecret: opts.callbackSecret } : {}) });
  const worker = await Worker.create({
    connection: opts.connection,
    namespace: opts.temporal.namespace,
    taskQueue: opts.temporal.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities,
    ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
    ...opts.tuning,
    ...opts.extra,
  });
  return { worker, close: () => dispatcher.close() };
}
