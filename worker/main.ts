/**
 * `npm run worker`: the refund worker process. Reads its configuration from the environment
 * (see .env.example), makes sure the search attributes exist, and runs until SIGINT/SIGTERM.
 * When started by `npm start` it reports readiness over IPC.
 */
import { Client, Connection } from '@temporalio/client';
import { connectionOptions, loadTemporalConfig } from '../client/connection.js';
import { dataConverter } from '../codec/data-converter.js';
import { ConfigError, reconcileScheduleSettings } from '../domain/config.js';
import { ReconciliationClient } from '../client/reconciliation.js';
import { configuredExpectedBy } from '../client/expected-by.js';
import { tracingFromEnv } from '../ops/tracing.js';
import { createLogger, installWorkerRuntime, metricsBindAddress, providerSecrets } from '../ops/runtime.js';
import { loadCallbackOptions, loadCallbackSecret, loadProviderConfig, loadWorkerTuning, loadWorkflowHeapMb } from './config.js';
import { ensureSearchAttributes } from './search-attributes.js';
import { limitWorkflowThreadHeap } from './heap.js';
import { connectWorker, createRefundWorker, DEFAULT_MAX_CACHED_WORKFLOWS, prebuiltWorkflowBundle } from './worker.js';
import { shippedWorkflowBundle } from './workflow-bundle.js';

async function main(): Promise<void> {
  const temporal = loadTemporalConfig();
  const providers = loadProviderConfig();
  const tuning = loadWorkerTuning();
  const callbackSecret = loadCallbackSecret();
  const callbacks = loadCallbackOptions(); // keys with their ids, allowed internal networks, concurrency
  const converter = dataConverter(); // REFUNDS_ENCRYPTION_KEYS: fails here, naming the variable
  configuredExpectedBy(); // REFUNDS_EXPECTED_BY (Nexus operations and bulk rows start refunds here): fails here too
  const metrics = metricsBindAddress();
  // JSON lines (LOG_FORMAT=pretty for humans), credentials and card/bank data redacted.
  const logger = createLogger(process.env, { secrets: [...providerSecrets(providers), ...(callbackSecret ? [callbackSecret.reveal()] : [])], base: { service: 'worker' } });
  installWorkerRuntime({ logger, metrics });

  const client = await Connection.connect(connectionOptions(temporal));
  const added = await ensureSearchAttributes(client, temporal.namespace);
  if (added.length) console.log(`worker: registered search attributes ${added.join(', ')}`);
  // The daily reconciliation Schedule (REFUNDS_RECONCILE_AT): created, or brought in line, idempotently.
  const reconcile = reconcileScheduleSettings(process.env);
  if (reconcile) {
    // Refunds must not wait on it: a Schedule the namespace refuses is reported, and the worker starts.
    await new ReconciliationClient(new Client({ connection: client, namespace: temporal.namespace, ...(converter ? { dataConverter: converter } : {}) }), temporal.taskQueue)
      .ensureSchedule(reconcile)
      .then((r) => console.log(`worker: reconciliation schedule ${r.scheduleId} ${r.outcome} (daily at ${reconcile.at} UTC)`))
      .catch((err: unknown) => console.error(`worker: could not create the reconciliation schedule (run \`refunds reconcile schedule\` once it is allowed): ${(err as Error).message}`));
  }
  await client.close();

  const connection = await connectWorker(temporal);
  const tracing = tracingFromEnv('refund-worker'); // OTEL_TRACES_EXPORTER=console|none
  // Compiled (`node dist/worker/main.js`): the bundle `npm run build` shipped in
  // dist/workflow-bundle/, with the tracing interceptors inside when tracing is on. From source:
  // the bundle from .data/workflow-bundles/ (built by a child process when the sources changed),
  // so webpack never runs in this process. Tracing adds workflow interceptors to the bundle
  // through its plugin: from source the SDK then bundles in-process, as before.
  const shipped = shippedWorkflowBundle(tracing ? 'opentelemetry' : 'plain', (l) => console.log(`worker: ${l}`));
  if (shipped) console.log(`worker: workflow bundle ${shipped.path} (prebuilt by npm run build)`);
  const prebuilt = shipped ?? (tracing ? undefined : await prebuiltWorkflowBundle({ log: (l) => console.log(`worker: ${l}`) }));
  if (prebuilt && 'built' in prebuilt && !prebuilt.built) console.log(`worker: workflow bundle ${prebuilt.path} (cached, its ${prebuilt.sources} source files unchanged)`);
  if (!prebuilt) console.log(`worker: bundling the workflows in-process${tracing ? ' (tracing adds its interceptors to the bundle)' : ''}`);
  // Before Worker.create starts the workflow thread: its heap limits (worker/heap.ts).
  const heap = limitWorkflowThreadHeap(loadWorkflowHeapMb(tuning.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS));
  const { worker, close } = await createRefundWorker({
    connection,
    temporal,
    providers,
    tuning,
    ...(prebuilt ? { workflowBundle: prebuilt.bundle } : {}),
    callbacks,
    ...(converter ? { dataConverter: converter } : {}),
    ...(tracing ? { extra: { plugins: [tracing.plugin, ...(shipped ? [shipped.plugin] : [])] } } : {}),
  });
  const run = worker.run();
  console.log(`worker: polling task queue "${temporal.taskQueue}" in namespace "${temporal.namespace}" at ${temporal.address}`);
  logger.info('worker started', { taskQueue: temporal.taskQueue, namespace: temporal.namespace, workflowHeapMb: heap.oldSpaceMb, encryption: converter ? 'on' : 'off', metrics: metrics ? `http://${metrics}/metrics` : 'off' });
  process.send?.({ type: 'ready' });
  // When the parent (npm start) goes away without stopping us, stop too: no orphans.
  process.on('disconnect', () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  });
  await run;
  await close();
  await tracing?.shutdown();
  await connection.close();
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(`worker: configuration error: ${err.message}`);
  else console.error('worker: fatal:', err);
  process.exit(1);
});
