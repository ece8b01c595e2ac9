import type { Dispatcher } from 'undici';
import type { AdapterLogger } from './log.js';

/** What a provider client needs for one call; built per activity call from the worker's deps. */
export interface CallContext {
  dispatcher: Dispatcher;
  now: () => Date;
  timeoutMs: number;
  log: AdapterLogger;
  /** The activity's cancellation signal, when running inside an activity. */
  signal?: AbortSignal | undefined;
}
