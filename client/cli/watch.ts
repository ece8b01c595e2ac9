/**
 * `refunds watch ID`: follows a refund until it is final by reading its state about once a
 * second, printing each new transition as it appears. A spinner line shows the current status,
 * on a terminal only (stderr), so piped output stays clean.
 */
import { PROVIDER_NAMES } from '../../domain/providers.js';
import { paymentKey } from '../../domain/refund.js';
import type { RefundState } from '../../domain/state.js';
import { isFinalStatus, isSucceeded } from '../../domain/status.js';
import { RefundNotFoundError } from '../errors.js';
import type { RefundsClient } from '../refunds-client.js';
import { EXIT } from './exit.js';
import { amountText, attentionBanner, expectedByText, statusText, time, transitionLine } from './format.js';

export interface WatchIo {
  out(text: string): void;
  /** Progress line writer; undefined when stderr is not a terminal. */
  progress?: NodeJS.WriteStream | undefined;
  json: boolean;
  intervalMs: number;
  signal: AbortSignal;
}

/** Consecutive failed reads (Temporal unreachable, no worker to answer) before giving up. */
const MAX_FAILURES = 30;
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Wait ms, or less when the signal aborts (Ctrl-C); also the bulk batch's follower (bulk.ts). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

class Spinner {
  private frame = 0;
  private shown = false;
  constructor(private readonly stream: NodeJS.WriteStream | undefined) {}
  update(text: string): void {
    if (!this.stream) return;
    const line = `${FRAMES[this.frame++ % FRAMES.length]} ${text}`.slice(0, Math.max((this.stream.columns || 80) - 1, 20));
    this.stream.write(`\r\x1b[K${line}`);
    this.shown = true;
  }
  clear(): void {
    if (this.stream && this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}

export async function watchRefund(refunds: RefundsClient, refundId: string, io: WatchIo): Promise<{ exitCode: number; state?: RefundState }> {
  const spinner = new Spinner(io.json ? undefined : io.progress);
  const say = (text: string) => {
    spinner.clear();
    if (!io.json) io.out(text);
  };
  let printed = 0;
  let failures = 0;
  let attentionSince: string | undefined;
  let last: RefundState | undefined;
  try {
    while (!io.signal.aborted) {
      let state: RefundState;
      try {
        state = await refunds.get(refundId);
        failures = 0;
      } catch (err) {
        if (err instanceof RefundNotFoundError || ++failures >= MAX_FAILURES) throw err;
        spinner.update(`cannot read ${refundId} (${err instanceof Error ? err.message : String(err)}); trying again`);
        await sleep(io.intervalMs, io.signal);
        continue;
      }
      if (!last) {
        const req = state.request;
        say(`watching ${refundId}: ${amountText(state)} of ${PROVIDER_NAMES[req.provider]} payment ${paymentKey(req)}${state.expectedBy ? `, expected by ${time(state.expectedBy)}` : ''} (Ctrl-C stops watching, not the refund)`);
      }
      last = state;
      for (const t of state.transitions.slice(printed)) say(transitionLine(t));
      printed = state.transitions.length;
      if (state.status === 'needs_attention' && attentionSince !== state.since) {
        attentionSince = state.since;
        say(attentionBanner(state));
      }
      if (isFinalStatus(state.status)) {
        say(`final: ${state.status}${isSucceeded(state.status) ? '' : state.provider.message ? ` (${state.provider.message})` : ''}`);
        return { exitCode: isSucceeded(state.status) ? EXIT.ok : EXIT.failed, state };
      }
      spinner.update(`${statusText(state.status, state.pendingReason)} since ${time(state.since)}${state.nextCheckAt ? `, next check ${time(state.nextCheckAt)}` : ''}${state.expectedBy ? `, expected by ${expectedByText(state)}` : ''}`);
      await sleep(io.intervalMs, io.signal);
    }
    say('stopped watching (the refund goes on)');
    return { exitCode: EXIT.interrupted, ...(last ? { state: last } : {}) };
  } finally {
    spinner.clear();
  }
}
