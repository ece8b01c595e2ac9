/** What `refunds bulk create|status` print while following a batch (client/cli/bulk-progress.ts), on a pipe and on a terminal. */
import { describe, expect, it } from 'vitest';
import type { BatchView } from '../../client/batches.js';
import { bar, duration, PLAIN_LINE_EVERY_MS, ProgressDisplay } from '../../client/cli/bulk-progress.js';

function view(over: Partial<BatchView>): BatchView {
  return {
    batchId: 'batch-0123456789abcdef01234567',
    chunks: 10,
    totalRows: 10_000,
    validRows: 10_000,
    concurrency: 10,
    createdAt: '2026-12-01T10:00:00.000Z',
    status: 'running',
    cursor: { chunk: 0, offset: 0 },
    started: 0,
    created: 0,
    existing: 0,
    refused: 0,
    refusals: [],
    skipped: 0,
    actions: [],
    startedAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:00.000Z',
    runs: 1,
    refunds: {},
    final: 0,
    ...over,
  };
}

class Stream {
  text = '';
  constructor(readonly isTTY: boolean, readonly columns = 200) {}
  write(t: string) {
    this.text += t;
    return true;
  }
}

describe('bulk progress', () => {
  it('prints plain lines on a pipe: started, final by status, rate and ETA, at most every 5 s and on each status change', () => {
    let now = 0;
    const s = new Stream(false);
    const d = new ProgressDisplay(s, () => now);
    d.show(view({ started: 0 }));
    now = 2000;
    d.show(view({ started: 200, created: 200, final: 100, refunds: { approved: 100, pending: 100 } })); // within 5 s: no line
    now = PLAIN_LINE_EVERY_MS;
    d.show(view({ started: 500, created: 500, final: 400, refunds: { approved: 390, failed: 10, pending: 100 } }));
    now = 6000;
    d.show(view({ status: 'paused', started: 600, created: 600, final: 600, refunds: { approved: 590, failed: 10 } }));
    d.finish(view({ status: 'completed', started: 10_000, created: 10_000, final: 10_000, refunds: { approved: 9_990, failed: 10 } }));
    expect(s.text.split('\n')).toEqual([
      'batch-0123456789abcdef01234567 running: started 0/10,000, final 0',
      'batch-0123456789abcdef01234567 running: started 500/10,000, final 400 (approved 390, failed 10), pending 100, 100.0 rows/s, ETA 1m35s',
      'batch-0123456789abcdef01234567 paused: started 600/10,000, final 600 (approved 590, failed 10), 100.0 rows/s',
      'batch-0123456789abcdef01234567 completed: started 10,000/10,000, final 10,000 (approved 9,990, failed 10), 100.0 final/s, ETA 0s',
      '',
    ]);
    expect(s.text).not.toContain('\x1b');
  });

  it('redraws one bar in place on a terminal and ends it with a newline', () => {
    let now = 0;
    const s = new Stream(true);
    const d = new ProgressDisplay(s, () => now);
    d.show(view({ validRows: 100, totalRows: 100 }));
    now = 4000;
    d.show(view({ validRows: 100, totalRows: 100, started: 50, created: 50, final: 25, refunds: { approved: 25, pending: 25 } }));
    now = 8000;
    d.finish(view({ validRows: 100, totalRows: 100, status: 'completed', started: 100, created: 100, final: 100, refunds: { authorized: 100 } }));
    const frames = s.text.split('\r\x1b[K').filter(Boolean);
    expect(frames).toEqual([
      `[${'░'.repeat(24)}] started 0/100 · final 0`,
      `[${'█'.repeat(6)}${'▒'.repeat(6)}${'░'.repeat(12)}] started 50/100 · final 25 (approved 25) · pending 25 · 12.5 rows/s · ETA 4s`,
      `[${'█'.repeat(24)}] COMPLETED started 100/100 · final 100 (authorized 100) · 12.5 final/s · ETA 0s\n`,
    ]);
  });

  it('keeps a line inside the terminal width, and formats durations', () => {
    const s = new Stream(true, 60);
    new ProgressDisplay(s, () => 0).show(view({ started: 10, final: 5, refunds: { approved: 3, failed: 2, pending: 5 } }));
    expect(s.text.replace('\r\x1b[K', '').length).toBe(59);
    expect(bar(view({ started: 10_000, final: 5_000 }), 10)).toBe('[█████▒▒▒▒▒]');
    expect([duration(5), duration(95), duration(7260), duration(Infinity)]).toEqual(['5s', '1m35s', '2h01m', '?']);
  });
});
