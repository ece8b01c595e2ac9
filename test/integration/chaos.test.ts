/**
 * The chaos suite, reduced (bench/chaos.ts runs the full one with `npm run chaos`): 40 refunds
 * across the four providers while the worker process is SIGKILLed twice, the suite's OWN dev
 * server (not the run's shared one: it is stopped and restarted on its SQLite file) restarts
 * once, and 20% of provider calls meet a fault. Every refund must end correct, no payment may be
 * refunded twice at its provider, nothing may be stuck.
 */
import { describe, expect, it } from 'vitest';
import { formatReport, runChaos, type ChaosOptions } from '../../bench/chaos.js';

describe('chaos (reduced)', () => {
  it('40 refunds survive worker kills, a dev-server restart and 20% provider faults', async () => {
    const opts: ChaosOptions = {
      refunds: 40,
      kills: 2,
      restarts: 1,
      faultRate: 0.2,
      seed: 11,
      settleTimeoutMs: 240_000,
      totalTimeoutMs: 420_000,
      log: () => undefined,
    };
    const report = await runChaos(opts);
    const text = formatReport(report, opts);
    console.log(text);
    expect(report.started, text).toBe(40);
    expect(report.kills, text).toBe(2);
    expect(report.restarts, text).toBe(1);
    expect(report.stuck, text).toEqual([]);
    expect(report.duplicates, text).toEqual([]);
    expect(report.wrong, text).toEqual([]);
    expect(report.correct, text).toBe(40);
  }, 480_000);
});
