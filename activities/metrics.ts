/**
 * Provider call metrics, recorded at the activity edge through the SDK's activity meter
 * (Context.current().metricMeter: exported with the worker's other metrics, tagged with
 * namespace, task queue and activity type). Outside an activity (adapter tests) nothing is recorded.
 *   refunds_provider_call_latency  histogram, ms   {provider, operation, outcome: ok|error}
 *   refunds_provider_call_errors   counter         {provider, operation, kind}
 */
import { Context } from '@temporalio/activity';
import type { MetricMeter } from '@temporalio/common';
import type { Provider } from '../domain/providers.js';
import { ProviderError, AMBIGUOUS_FAILURE_TYPE, type ProviderOperation } from './errors.js';

export const PROVIDER_CALL_LATENCY = 'refunds_provider_call_latency';
export const PROVIDER_CALL_ERRORS = 'refunds_provider_call_errors';

function meter(): MetricMeter | undefined {
  try {
    return Context.current().metricMeter;
  } catch {
    return undefined;
  }
}

/** The error kind for the errors counter: the adapter's kind, 'ambiguous', 'cancelled' or 'other'. */
export function errorKind(original: unknown, failure: unknown): string {
  if ((failure as { type?: unknown })?.type === AMBIGUOUS_FAILURE_TYPE) return 'ambiguous';
  if (original instanceof ProviderError) return original.kind;
  if ((original as { name?: unknown })?.name === 'CancelledFailure' || (original as { name?: unknown })?.name === 'AbortError') return 'cancelled';
  return 'other';
}

export function recordProviderCall(provider: Provider, operation: ProviderOperation, ms: number, error?: { original: unknown; failure: unknown }): void {
  const m = meter();
  if (!m) return;
  try {
    m.createHistogram(PROVIDER_CALL_LATENCY, 'int', 'ms', 'Provider HTTP call latency, per provider, operation and outcome').record(Math.max(0, Math.round(ms)), {
      provider,
      operation,
      outcome: error ? 'error' : 'ok',
    });
    if (error) {
      m.createCounter(PROVIDER_CALL_ERRORS, '1', 'Provider call failures by kind').add(1, { provider, operation, kind: errorKind(error.original, error.failure) });
    }
  } catch {
    // Metrics never fail a provider call.
  }
}
