/**
 * A worker-side request budget per provider: SecPaid allows 60 requests a minute and answers
 * 429 past that, so the worker spends at most `perMinute` (default 50) in any sliding minute
 * and makes callers wait for a slot instead of burning the budget on refused requests.
 * One limiter per worker (per createActivities call), shared by every activity of the provider.
 */
import { ProviderError } from './errors.js';
import type { Provider } from '../domain/providers.js';

export class SlidingWindowLimiter {
  private readonly sent: number[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly provider: Provider,
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /**
   * Take a slot, waiting in line for at most `maxWaitMs`. Past that, a rate-limited
   * ProviderError that surely did not reach the provider, with the wait as its Retry-After.
   */
  async acquire(maxWaitMs: number): Promise<void> {
    const turn = this.queue.then(() => this.take(maxWaitMs));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async take(maxWaitMs: number): Promise<void> {
    const windowStart = () => this.now() - 60_000;
    while (this.sent.length > 0 && this.sent[0]! <= windowStart()) this.sent.shift();
    if (this.sent.length >= this.perMinute) {
      const wait = this.sent[0]! + 60_000 - this.now();
      if (wait > maxWaitMs) {
        throw new ProviderError({
          provider: this.provider,
          kind: 'rate_limited',
          message: `${this.provider}: the worker's budget of ${this.perMinute} requests a minute is spent; next slot in ${Math.ceil(wait / 1000)} s`,
          retryAfterMs: wait,
          mayHaveReachedProvider: false,
        });
      }
      await this.sleep(wait);
      this.sent.shift();
    }
    this.sent.push(this.now());
  }
}
