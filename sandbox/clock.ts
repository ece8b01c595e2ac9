/**
 * The sandbox clock: wall-clock time plus an offset, optionally frozen. It starts at real time
 * unless told otherwise. Provider rules that depend on time (Link Money's settlement hold and
 * token expiry, SecPaid's `since`/`date` filters, created_at stamps) read THIS clock; the SecPaid
 * rate limit reads the wall clock on purpose (it is about abuse).
 */
export interface ClockState {
  offsetMs: number;
  frozenAt: number | null;
}

export class SandboxClock {
  private offsetMs = 0;
  private frozenAt: number | null = null;

  constructor(private readonly wallNow: () => number = Date.now) {}

  nowMs(): number {
    return this.frozenAt ?? this.wallNow() + this.offsetMs;
  }

  nowIso(): string {
    return new Date(this.nowMs()).toISOString();
  }

  /** Jump to an instant; keeps ticking from there unless `frozen`. */
  set(iso: string, frozen = false): void {
    const ms = Date.parse(iso);
    if (Number.isNaN(ms)) throw new Error(`not an ISO instant: ${iso}`);
    this.offsetMs = ms - this.wallNow();
    this.frozenAt = frozen ? ms : null;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms)) throw new Error('advance needs a finite number of milliseconds');
    this.offsetMs += ms;
    if (this.frozenAt !== null) this.frozenAt += ms;
  }

  /** Back to real time. */
  reset(): void {
    this.offsetMs = 0;
    this.frozenAt = null;
  }

  describe(): { now: string; offsetMs: number; frozen: boolean } {
    const now = this.nowMs();
    return { now: new Date(now).toISOString(), offsetMs: now - this.wallNow(), frozen: this.frozenAt !== null };
  }

  snapshot(): ClockState {
    return { offsetMs: this.frozenAt === null ? this.offsetMs : this.frozenAt - this.wallNow(), frozenAt: this.frozenAt };
  }

  restore(s: ClockState): void {
    this.offsetMs = s.offsetMs;
    this.frozenAt = s.frozenAt;
  }
}
