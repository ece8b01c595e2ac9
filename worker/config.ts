/**
 * The worker's wiring of the environment schema (domain/config.ts, where every variable, its
 * default and its validation live): provider credentials and the callback key wrapped in Secret,
 * process.env as the default environment. Only worker/ imports this file.
 */
import type { CallbackSigningKey } from '../activities/callbacks.js';
import { Secret } from '../activities/secret.js';
import type { ProviderAccounts, ProviderConfig } from '../activities/types.js';
import { callbackSettings, providerSettings, workerTuning, workflowHeapMb, type Env, type ProviderSettings, type WorkerTuning } from '../domain/config.js';

/** Still imported from here by bench/trivial/worker.ts; new code takes it from client/connection.ts. */
export { loadTemporalConfig } from '../client/connection.js';

/** One account's provider sections with the credentials wrapped in Secret at once. */
const wrap = {
  secpaid: (c: ProviderSettings['secpaid']) => ({ ...c, token: new Secret(c.token) }),
  linkmoney: (c: ProviderSettings['linkmoney']) => ({ ...c, clientSecret: new Secret(c.clientSecret) }),
  openpayd: (c: ProviderSettings['openpayd']) => ({ ...c, apiKey: new Secret(c.apiKey) }),
  reservepay: (c: ProviderSettings['reservepay']) => ({ ...c, apiKey: new Secret(c.apiKey) }),
};

function wrapEach<C, W>(accounts: Record<string, C> | undefined, fn: (c: C) => W): Record<string, W> | undefined {
  return accounts && Object.fromEntries(Object.entries(accounts).map(([name, c]) => [name, fn(c)]));
}

export function loadProviderConfig(env: Env = process.env): ProviderConfig {
  const s = providerSettings(env);
  // The named merchant accounts (docs/accounts.md), each provider's only when it has some.
  const named: ProviderAccounts = {};
  const sp = wrapEach(s.accounts.secpaid, wrap.secpaid);
  const lm = wrapEach(s.accounts.linkmoney, wrap.linkmoney);
  const op = wrapEach(s.accounts.openpayd, wrap.openpayd);
  const rp = wrapEach(s.accounts.reservepay, wrap.reservepay);
  if (sp) named.secpaid = sp;
  if (lm) named.linkmoney = lm;
  if (op) named.openpayd = op;
  if (rp) named.reservepay = rp;
  return {
    secpaid: wrap.secpaid(s.secpaid),
    linkmoney: wrap.linkmoney(s.linkmoney),
    openpayd: wrap.openpayd(s.openpayd),
    reservepay: wrap.reservepay(s.reservepay),
    requestTimeoutMs: s.requestTimeoutMs,
    ...(Object.keys(named).length > 0 ? { accounts: named } : {}),
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
