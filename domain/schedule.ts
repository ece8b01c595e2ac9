/**
 * Check schedules: often in the first hours, then a few times a day. The refund workflow runs
 * each check as a durable timer and one read (so its timeline shows "check 3 of ..." rather than a
 * retrying activity); the frozen v1 workflow ran them as activity retries.
 * Pure code: the workflow uses it to say when the next check is expected.
 */


export interface PollSchedule {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  /** Give up (needs_attention) after this long; undefined = never. */
  deadlineMs?: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** SecPaid admin review: 2m, 4m, 8m ... capped at 8h, for 14 days (about 50 checks). */
export const SECPAID_REVIEW: PollSchedule = {
  initialIntervalMs: 2 * MINUTE,
  backoffCoefficient: 2,
  maximumIntervalMs: 8 * HOUR,
  deadlineMs: 14 * DAY,
};

/** After the deadline: a slow check twice a day, forever, until found or resolved. */
export const SLOW_CHECK: PollSchedule = {
  initialIntervalMs: 12 * HOUR,
  backoffCoefficient: 1,
  maximumIntervalMs: 12 * HOUR,
};

/** A synchronous provider that answered "pending": follow up quickly, then hourly, for 3 days. */
export const SYNC_FOLLOW_UP: PollSchedule = {
  initialIntervalMs: 30_000,
  backoffCoefficient: 2,
  maximumIntervalMs: HOUR,
  deadlineMs: 3 * DAY,
};

/** The wait before check number `n` (1 = the first) of a schedule that runs as timers. */
export function intervalBefore(schedule: PollSchedule, n: number): number {
  let interval = schedule.initialIntervalMs;
  for (let i = 1; i < n && interval < schedule.maximumIntervalMs; i++) interval = Math.min(interval * schedule.backoffCoefficient, schedule.maximumIntervalMs);
  return interval;
}

/**
 * The expected time of the first check after `nowMs`, for a poll started at `startMs`
 * (attempt k runs at start + sum of the first k backoff intervals). Undefined past the deadline.
 */
export function nextCheckAfter(schedule: PollSchedule, startMs: number, nowMs: number): number | undefined {
  let t = startMs;
  let interval = schedule.initialIntervalMs;
  const end = schedule.deadlineMs === undefined ? Infinity : startMs + schedule.deadlineMs;
  // Bounded: intervals grow to the cap, so at most (deadline / cap) + log steps; stop after 10k.
  for (let i = 0; i < 10_000 && t <= end; i++) {
    if (t > nowMs) return t;
    t += interval;
    interval = Math.min(interval * schedule.backoffCoefficient, schedule.maximumIntervalMs);
  }
  return t <= end ? t : undefined;
}

/** How many checks a schedule makes within `windowMs` (for the README and the benchmarks). */
export function checksWithin(schedule: PollSchedule, windowMs: number): number {
  let t = 0;
  let n = 0;
  let interval = schedule.initialIntervalMs;
  while (t <= windowMs) {
    n++;
    t += interval;
    interval = Math.min(interval * schedule.backoffCoefficient, schedule.maximumIntervalMs);
  }
  return n;
}
