/**
 * createActivities(deps): the provider adapters as Temporal activities. The worker builds the
 * deps once (config, the one undici Agent from createHttpDispatcher(), logger, clock); workflows
 * use `proxyActivities<ReturnType<typeof createActivities>>` with `import type`.
 *
 *  - the refund workflow's activities (refunds.ts), the same for every provider, each calling that
 *    provider's ProviderAdapter (activities/<provider>/adapter.ts), which answers RefundOutcome;
 *  - the v1 activities (v1.ts) of the frozen workflows/v1, on the same clients and maps;
 *  - deliverCallback (callbacks.ts), used by both workflows, on its own dispatcher (callback-dispatcher.ts).
 *
 * Every provider call runs through edge(): the worker-side rate budget, metrics, and the
 * conversion of a ProviderError into a typed ApplicationFailure (see errors.ts: submit activities
 * turn a possibly-processed transient failure into a non-retryable 'ProviderAmbiguous').
 */
import type { Provider } from '../domain/providers.js';
import { Redactor } from '../ops/redact.js';
import { createCallbackDispatcher } from './callback-dispatcher.js';
import { createCallbackActivities } from './callbacks.js';
import type { CallContext } from './context.js';
import { toActivityError, type ProviderOperation } from './errors.js';
import { currentCancellationSignal, currentLogger } from './log.js';
import { recordProviderCall } from './metrics.js';
import { SlidingWindowLimiter } from './rate-limit.js';
import { createRefundActivities, type AccountAdapters } from './refunds.js';
import { linkmoneyAdapter } from './linkmoney/adapter.js';
import { LinkMoneyTokenCache } from './linkmoney/client.js';
import { openpaydAdapter } from './openpayd/adapter.js';
import { reservepayAdapter } from './reservepay/adapter.js';
import { secpaidAdapter } from './secpaid/adapter.js';
import type { ActivityDeps } from './types.js';
import { createV1Activities } from './v1.js';
import { createBatchActivities } from './batch.js';
import { createReconciliationActivities } from './reconciliation.js';
import type { ProviderRecordsReader } from './records.js';
import { linkmoneyRecords } from './linkmoney/adapter.js';
import { openpaydRecords } from './openpayd/adapter.js';
import { reservepayRecords } from './reservepay/adapter.js';
import { secpaidRecords } from './secpaid/adapter.js';

export type { ActivityDeps, ProviderConfig } from './types.js';
export type { ProviderFailureDetails, ProviderFailureType } from './errors.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_LINKMONEY_STATUS_PATH = '/v1/transactions/{paymentId}';
export const DEFAULT_SECPAID_REQUESTS_PER_MINUTE = 50;

export function createActivities(deps: ActivityDeps) {
  const { config } = deps;
  const now = deps.now ?? (() => new Date());
  const linkmoneyConfig = { ...config.linkmoney, statusPath: config.linkmoney.statusPath || DEFAULT_LINKMONEY_STATUS_PATH };
  // One token cache per worker (per createActivities call), never module state.
  const linkmoneyTokens = new LinkMoneyTokenCache(linkmoneyConfig);
  // The credentials and every Secret of the process (Link Money access tokens included), the patterns.
  const redactor = new Redactor();
  // SecPaid refuses more than 60 requests a minute (per token): the worker keeps under its own budget, per account.
  const limiters: Partial<Record<Provider, SlidingWindowLimiter>> = {
    secpaid: new SlidingWindowLimiter('secpaid', config.secpaid.requestsPerMinute ?? DEFAULT_SECPAID_REQUESTS_PER_MINUTE),
  };
  const accountLimiters = new Map<string, SlidingWindowLimiter>();
  for (const [name, cfg] of Object.entries(config.accounts?.secpaid ?? {})) {
    accountLimiters.set(`secpaid@${name}`, new SlidingWindowLimiter('secpaid', cfg.requestsPerMinute ?? DEFAULT_SECPAID_REQUESTS_PER_MINUTE));
  }
  const limiterOf = (provider: Provider, account: string | undefined) => (account === undefined ? limiters[provider] : accountLimiters.get(`${provider}@${account}`));

  function callContext(): CallContext {
    return {
      dispatcher: deps.dispatcher,
      now,
      timeoutMs: config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      log: currentLogger(deps.log),
      signal: currentCancellationSignal(),
    };
  }

  async function edge<T>(provider: Provider, operation: ProviderOperation, fn: (ctx: CallContext) => Promise<T>, account?: string): Promise<T> {
    const ctx = callContext();
    const started = performance.now();
    try {
      // Wait in line for a slot for up to 20 s; past that the call fails as rate-limited, not sent.
      await limiterOf(provider, account)?.acquire(20_000);
      const result = await fn(ctx);
      recordProviderCall(provider, operation, performance.now() - started);
      // Provider text (messages, raw values) is redacted before it enters history, the API or a callback.
      return redactor.answer(result);
    } catch (err) {
      const failure = toActivityError(redactor.error(err), provider, operation, { requestTimeoutMs: ctx.timeoutMs });
      recordProviderCall(provider, operation, performance.now() - started, { original: err, failure });
      if (failure !== err) ctx.log.warn(`${provider} ${operation} failed`, { provider, error: String((failure as Error).message) });
      throw failure;
    }
  }

  const adapters = {
    secpaid: secpaidAdapter(config.secpaid),
    linkmoney: linkmoneyAdapter(linkmoneyConfig, linkmoneyTokens),
    openpayd: openpaydAdapter(config.openpayd),
    reservepay: reservepayAdapter(config.reservepay),
  };
  // The named merchant accounts (docs/accounts.md): each its own credentials, base URL and Link Money token cache.
  const named = config.accounts ?? {};
  const each = <C, A>(accounts: Record<string, C> | undefined, make: (c: C) => A) => Object.fromEntries(Object.entries(accounts ?? {}).map(([n, c]) => [n, make(c)]));
  const accountAdapters: AccountAdapters = {
    secpaid: each(named.secpaid, (c) => secpaidAdapter(c)),
    linkmoney: each(named.linkmoney, (c) => {
      const lm = { ...c, statusPath: c.statusPath || DEFAULT_LINKMONEY_STATUS_PATH };
      return linkmoneyAdapter(lm, new LinkMoneyTokenCache(lm));
    }),
    openpayd: each(named.openpayd, (c) => openpaydAdapter(c)),
    reservepay: each(named.reservepay, (c) => reservepayAdapter(c)),
  };

  return {
    ...createCallbackActivities({
      // Never the providers' pool: the callbacks' own refuses internal destinations.
      dispatcher: deps.callbacks?.dispatcher ?? createCallbackDispatcher(),
      keys: deps.callbacks?.keys ?? (deps.callbackSecret ? [{ id: 'k1', secret: deps.callbackSecret }] : []),
      ...(deps.callbacks?.maxConcurrent ? { maxConcurrent: deps.callbacks.maxConcurrent } : {}),
      timeoutMs: config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      now,
    }),
    ...createV1Activities({ config, linkmoney: linkmoneyConfig, linkmoneyTokens, edge }),
    // Bulk batches (workflows/batch.ts): start a wave of rows through RefundsClient.create.
    ...createBatchActivities(),
    ...createRefundActivities({ adapters, accounts: accountAdapters, edge }),
    // Reconciliation (workflows/reconciliation.ts): the same clients' reads, per merchant account.
    ...createReconciliationActivities({ edge, ...reconciliationReaders(config, linkmoneyConfig, linkmoneyTokens) }),
  };
}

/** The reconciliation's record readers: the default account's and each named account's (their own credentials). */
function reconciliationReaders(config: ActivityDeps['config'], linkmoneyConfig: Parameters<typeof linkmoneyRecords>[0], linkmoneyTokens: LinkMoneyTokenCache) {
  const named = config.accounts ?? {};
  const secpaid = { default: secpaidRecords(config.secpaid), ...Object.fromEntries(Object.entries(named.secpaid ?? {}).map(([n, c]) => [n, secpaidRecords(c)])) };
  const readers: { [P in Provider]: Record<string, ProviderRecordsReader<P>> } = {
    secpaid,
    linkmoney: {
      default: linkmoneyRecords(linkmoneyConfig, linkmoneyTokens),
      ...Object.fromEntries(
        Object.entries(named.linkmoney ?? {}).map(([n, c]) => {
          const lm = { ...c, statusPath: c.statusPath || DEFAULT_LINKMONEY_STATUS_PATH };
          return [n, linkmoneyRecords(lm, new LinkMoneyTokenCache(lm))];
        }),
      ),
    },
    openpayd: { default: openpaydRecords(config.openpayd), ...Object.fromEntries(Object.entries(named.openpayd ?? {}).map(([n, c]) => [n, openpaydRecords(c)])) },
    reservepay: { default: reservepayRecords(config.reservepay), ...Object.fromEntries(Object.entries(named.reservepay ?? {}).map(([n, c]) => [n, reservepayRecords(c)])) },
  };
  return {
    readerFor: (provider: Provider, account: string | undefined) => readers[provider][account ?? 'default'] as ProviderRecordsReader<Provider> | undefined,
    secpaidList: (account: string | undefined, ctx: CallContext, input: { since: number; page: number }) => {
      const reader = secpaid[(account ?? 'default') as 'default'];
      if (!reader) throw new Error(`no SecPaid merchant account ${account} on this worker`);
      return reader.listPage(ctx, input);
    },
    secpaidAccounts: Object.keys(secpaid),
  };
}

export type Activities = ReturnType<typeof createActivities>;
