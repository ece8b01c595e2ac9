/**
 * `npm run worker`: the refund worker process. Reads its configuration from the environment
 * (see .env.example), makes sure the search attributes exist, and runs until SIGINT/SIGTERM.
 * When started by `npm start` it reports readiness over IPC.
 */
import { Connection } from '@temporalio/client';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { ConfigError, loadProviderConfig, loadTemporalConfig, loadWorkerTuning } from './config.js';
import { ensureSearchAttributes } from './search-attributes.js';
import { connectWorker, createRefundWorker } from './worker.js';

async function main(): Promise<void> {
  const temporal = loadTemporalConfig();
  const providers = loadProviderConfig();
  const tuning = loadWorkerTuning();
  Runtime.install({ logger: new DefaultLogger((process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO'), shutdownSignals: ['SIGINT', 'SIGTERM'] });

  const client = await Connection.connect({
    address: temporal.address,
    ...(temporal.tls ? { tls: temporal.tls } : {}),
    ...(temporal.apiKey ? { apiKey: temporal.apiKey.reveal() } : {}),
  });
  const added = await ensureSearchAttributes(client, temporal.namespace);
  if (added.length) console.log(`worker: registered search attributes ${added.join(', ')}`);
  await client.close();

  const connection = await connectWorker(temporal);
  const { worker, close } = await createRefundWorker({ connection, temporal, providers, tuning });
  const run = worker.run();
  console.log(`worker: polling task queue "${temporal.taskQueue}" in namespace "${temporal.namespace}" at ${temporal.address}`);
  process.send?.({ type: 'ready' });
  // When the parent (npm start) goes away without stopping us, stop too: no orphans.
  process.on('disconnect', () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  });
  await run;
  await close();
  await connection.close();
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(`worker: configuration error: ${err.message}`);
  else console.error('worker: fatal:', err);
  process.exit(1);
});
