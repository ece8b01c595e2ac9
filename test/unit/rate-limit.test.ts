import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../activities/errors.js';
import { SlidingWindowLimiter } from '../../activities/rate-limit.js';

function fakeClock() {
  let t = 1_000_000;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      slept.push(ms);
      t += ms;
    },
    advance: (ms: number) => (t += ms),
    slept,
  };
}

describe('SlidingWindowLimiter', () => {
  it('lets perMinute calls through at once, then makes the next one wait for the oldest slot', async () => {
    const c = fakeClock();
    const limiter = new SlidingWindowLimiter('secpaid', 3, c.now, c.sleep);
    for (let i = 0; i < 3; i++) {
      await limiter.acquire(60_000);
      c.advance(1_000);
    }
    expect(c.slept).toEqual([]);
    await limiter.acquire(60_000);
    expect(c.slept).toEqual([57_000]); // first call at t0, now t0+3s: its slot frees at t0+60s
  });

  it('never lets more than perMinute calls into any sliding minute, even when called concurrently', async () => {
    const c = fakeClock();
    const limiter = new SlidingWindowLimiter('secpaid', 5, c.now, c.sleep);
    const times: number[] = [];
    await Promise.all(Array.from({ length: 17 }, () => limiter.acquire(10 * 60_000).then(() => times.push(c.now()))));
    expect(times).toHaveLength(17);
    for (const t of times) expect(times.filter((u) => u > t - 60_000 && u <= t).length).toBeLessThanOrEqual(5);
  });

  it('refuses with a rate-limited error that did not reach the provider when the wait is too long', async () => {
    const c = fakeClock();
    const limiter = new SlidingWindowLimiter('secpaid', 1, c.now, c.sleep);
    await limiter.acquire(0);
    const err = await limiter.acquire(10_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind: 'rate_limited', mayHaveReachedProvider: false, retryAfterMs: 60_000 });
    // A refusal does not spend a slot: after the minute, one call goes through at once.
    c.advance(60_000);
    await limiter.acquire(0);
    expect(c.slept).toEqual([]);
  });
});
