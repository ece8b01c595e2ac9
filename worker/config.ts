/**
 * The worker's wiring of the environment schema (domain/config.ts, where every variable, its
 * default and its validation live): provider credentials and the callback key wrapped in Secret,
 * process.env as the default environment. Only worker/ imports this file.
 */
import type { CallbackSigningKey } from '../activities/callbacks.js';
import { Secret } from '../activities/secret.js';
import type { ProviderConfig } from '../activities/types.js';
import { callbackSettings, providerSettings, workerTuning, workflowHeapMb, type Env, type WorkerTuning } from '../domain/config.js';

/** Still imported from here by bench/trivial/worker.ts; new code takes it from client/connection.ts. */
export { loadTemporalConfig } from '../client/connection.js';

export function loadProviderConfig(env: Env = process.env): ProviderConfig {
  const s = providerSettings(env);
  return {
    secpaid: { ...s.secpaid, token: new Secret(s.secpaid.token) },
    linkmoney: { ...s.linkmoney, clientSecret: new Secret(s.linkmoney.clientSecret) },
    openpayd: { ...s.openpayd, apiKey: new Secret(s.openpayd.apiKey) },
    reservepay: { ...s.reservepay, apiKey: new Secret(s.reservepay.apiKey) },
    requestTimeoutMs: s.requestTimeoutMs,
  };
}

/** REFUNDS_CALLBACK_SECRET; unset = refunds that ask for callbacks get them marked failed. */
export function loadCallbackSecret(env: Env = process.env): Secret | undefined {
  const { secret } = callbackSettings(env);
  return secret === undefined ? undefined : new Secret(secret);
}

/** The callbacks' signing keys (current first, the previous one during a rotation), allowed internal networks, concurrency. */
export function loadCallbackOptions(env: Env = process.env): { keys: CallbackSigningKey[]; allowedNetworks: string[]; maxConcurrent: number } {
  const s = callbackSettings(env);
  const keys: CallbackSigningKey[] = [];
  if (s.secret !== undefined) keys.push({ id: s.keyId, secret: new Secret(s.secret) });
  if (s.previous) keys.push({ id: s.previous.keyId, secret: new Secret(s.previous.secret) });
  return { keys, allowedNetworks: s.allowedNetworks, maxConcurrent: s.maxConcurrent };
}

export function loadWorkerTuning(env: Env = process.env): WorkerTuning {
  return workerTuning(env);
}

/** The workflow thread's heap limit in MiB (worker/heap.ts). */
export function loadWorkflowHeapMb(maxCachedWorkflows: number, env: Env = process.env): number {
  return workflowHeapMb(env, maxCachedWorkflows);
}
