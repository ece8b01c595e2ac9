import { Context } from '@temporalio/activity';

/** The subset of Temporal's Logger the adapters use. Never pass secrets in meta. */
export interface AdapterLogger {
  debug(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  error(message: string, meta?: Record<string, unknown>): unknown;
}

const noop: AdapterLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** The activity's logger when running inside an activity, else the given fallback (tests, scripts). */
export function currentLogger(fallback: AdapterLogger | undefined): AdapterLogger {
  try {
    return Context.current().log;
  } catch {
    return fallback ?? noop;
  }
}

/** Cancellation signal of the current activity, if any. */
export function currentCancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}
