/**
 * The worker process's Temporal Runtime: the structured logger (ops/logger.ts, secrets redacted)
 * for SDK, workflow and activity logs, and the Prometheus endpoint for the SDK's and the
 * product's metrics (METRICS_BIND_ADDRESS, default 127.0.0.1:9464, `off` to disable).
 */
import { Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import type { ProviderConfig } from '../activities/types.js';
import { metricsSettings, type Env } from '../domain/config.js';
import type { StructuredLogger } from './logger.js';

export { createLogger } from './logger.js';

/** METRICS_BIND_ADDRESS (domain/config.ts): host:port, default 127.0.0.1:9464; undefined = `off`. */
export function metricsBindAddress(env: Env = process.env): string | undefined {
  return metricsSettings(env).bindAddress;
}

/** Every credential value in the provider configuration, for the redactor. */
export function providerSecrets(config: ProviderConfig): string[] {
  const named = config.accounts ?? {};
  // The default account's credentials and every named account's (docs/accounts.md).
  return [
    config.secpaid.token,
    config.linkmoney.clientSecret,
    config.openpayd.apiKey,
    config.reservepay.apiKey,
    ...Object.values(named.secpaid ?? {}).map((a) => a.token),
    ...Object.values(named.linkmoney ?? {}).map((a) => a.clientSecret),
    ...Object.values(named.openpayd ?? {}).map((a) => a.apiKey),
    ...Object.values(named.reservepay ?? {}).map((a) => a.apiKey),
  ].map((s) => s.reveal());
}

/** Install the Runtime (once per process, before any connection or worker). */
export function installWorkerRuntime(opts: { logger: StructuredLogger; metrics?: string | undefined }): void {
  const install = (metrics: string | undefined) =>
    Runtime.install({
      logger: opts.logger,
      shutdownSignals: ['SIGINT', 'SIGTERM'],
      telemetryOptions: {
        logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
        ...(metrics ? { metrics: { prometheus: { bindAddress: metrics } } } : {}),
      },
    });
  try {
    install(opts.metrics);
  } catch (err) {
    if (!opts.metrics) throw err;
    // A busy port must not stop refunds from being processed: run on, without the endpoint, and say so.
    opts.logger.error(`metrics endpoint ${opts.metrics} not started: ${(err as Error).message}; running without metrics`);
    install(undefined);
  }
}
