/**
 * Worker for the trivial baseline workflow (bench/trivial/workflows.ts), with the same tuning
 * variables as the refund worker (WORKER_MAX_*). Own task queue; never registered in the product.
 */
import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadTemporalConfig, loadWorkerTuning } from '../../worker/config.js';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../../worker/worker.js';

async function main(): Promise<void> {
  const temporal = loadTemporalConfig();
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const connection = await NativeConnection.connect({ address: temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
    activities: { noop: async () => undefined },
    ...loadWorkerTuning(),
    // the refund worker's default when WORKER_MAX_CACHED_WORKFLOWS is unset: same settings
    maxCachedWorkflows: loadWorkerTuning().maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
  });
  const run = worker.run();
  console.log(`worker: polling task queue "${temporal.taskQueue}" (trivial baseline)`);
  await run;
  await connection.close();
}

main().catch((err: unknown) => {
  console.error('trivial worker: fatal:', err);
  process.exit(1);
});
