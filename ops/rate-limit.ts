/**
 * (The codec server's limiter; the HTTP API uses @fastify/rate-limit.)
 * A token bucket per client key (remote address + presented token): `ratePerSecond` tokens
 * refill continuously up to `burst`. One instance per API server; idle buckets (full again) are
 * pruned when the map grows, so memory stays bounded by the number of recently active clients.
 */
export interface RateLimitOptions {
  /** Sustained requests per second per client. */
  ratePerSecond: number;
  /** Requests a client may make at once. */
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly options: RateLimitOptions,
    private readonly now: () => number = () => performance.now(),
    private readonly maxClients = 10_000,
  ) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1)) throw new RangeError('rate limit: ratePerSecond must be > 0 and burst >= 1');
  }

  take(key: string): RateDecision {
    const now = this.now();
    const { ratePerSecond, burst } = this.options;
    const b = this.buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * ratePerSecond);
    b.at = now;
    if (!this.buckets.has(key)) {
      if (this.buckets.size >= this.maxClients) this.prune(now);
      // Still full of active clients: forget the oldest one rather than grow without bound.
      const oldest = this.buckets.size >= this.maxClients ? this.buckets.keys().next().value : undefined;
      if (oldest !== undefined) this.buckets.delete(oldest);
      this.buckets.set(key, b);
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / ratePerSecond)) };
  }

  private prune(now: number): void {
    const { ratePerSecond, burst } = this.options;
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * ratePerSecond >= burst) this.buckets.delete(key);
    }
  }
}
