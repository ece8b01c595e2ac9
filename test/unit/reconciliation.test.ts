/**
 * The reconciliation's pure parts: the pairing rules of compareRecords (those the workflow tests do
 * not reach: accounts, refunds without a provider id, what is not a mismatch), the flag's input
 * check, and the CLI command's checks before it connects and its progress line.
 */
import { describe, expect, it } from 'vitest';
import { reconcileCommand, progressLine } from '../../client/cli/reconcile.js';
import { UsageError } from '../../client/cli/exit.js';
import { compareRecords, flagInputProblem, parseSince, unknownRefunds, type OurRefundRecord, type ProviderRefundRecord, type ReconciliationReport } from '../../domain/reconciliation.js';

const ours = (refundId: string, extra: Partial<OurRefundRecord> = {}): OurRefundRecord => ({
  refundId,
  provider: 'secpaid',
  paymentKey: '42011',
  payment: { payId: '42011' },
  status: 'approved',
  currency: 'EUR',
  amountMinor: 2500,
  createdAt: '2026-12-01T10:00:00.000Z',
  open: false,
  ...extra,
});
const theirs = (extra: Partial<ProviderRefundRecord> = {}): ProviderRefundRecord => ({ provider: 'secpaid', paymentKey: '42011', providerRefundId: '20261201-pi-0000000001', status: 'approved', amountMinor: 2500, ...extra });

describe('compareRecords', () => {
  it('pairs a refund approved by an operator (no provider id) with its payment\'s entry, and compares the amounts', () => {
    expect(compareRecords([ours('r1')], [theirs()], 'SecPaid')).toEqual({ matched: 1, mismatches: [], unmatched: [] });
    const cmp = compareRecords([ours('r1', { amountMinor: 2400 })], [theirs()], 'SecPaid');
    expect(cmp.mismatches).toEqual([expect.objectContaining({ kind: 'amount_differs', refundId: 'r1', ourAmountMinor: 2400, providerAmountMinor: 2500 })]);
  });

  it('a pending refund the provider does not show yet is no mismatch; a failed one absent is none either', () => {
    expect(compareRecords([ours('r1', { status: 'pending', open: true }), ours('r2', { status: 'rejected', paymentKey: '42012' })], [], 'SecPaid')).toEqual({ matched: 0, mismatches: [], unmatched: [] });
  });

  it('never pairs across merchant accounts', () => {
    const cmp = compareRecords([ours('r1', { account: 'eu' })], [theirs()], 'SecPaid');
    expect(cmp.mismatches).toEqual([expect.objectContaining({ kind: 'missing_at_provider', refundId: 'r1', account: 'eu', actionable: true })]);
    expect(cmp.unmatched).toHaveLength(1);
    expect(unknownRefunds(cmp.unmatched, [], 'SecPaid')).toEqual([expect.objectContaining({ kind: 'unknown_refund', paymentKey: '42011', actionable: false })]);
    expect(unknownRefunds(cmp.unmatched, [ours('older')], 'SecPaid')).toEqual([]);
  });

  it('a record carrying another refund of ours is not claimed by amount', () => {
    const lm = (refundId: string, extra: Partial<OurRefundRecord> = {}) => ours(refundId, { provider: 'linkmoney', paymentKey: 'lm_1', payment: { paymentId: 'lm_1' }, currency: 'USD', status: 'pending', open: true, ...extra });
    const record = theirs({ provider: 'linkmoney', paymentKey: 'lm_1', providerRefundId: 'tx_9', ourRefundId: 'refund-b', status: 'authorized' });
    const cmp = compareRecords([lm('refund-a'), lm('refund-b', { amountMinor: 100 })], [record], 'Link Money');
    expect(cmp.mismatches).toEqual([expect.objectContaining({ kind: 'pending_but_final', refundId: 'refund-b', providerRefundId: 'tx_9' })]);
    expect(cmp.matched).toBe(1);
  });
});

describe('inputs', () => {
  it('windows and flag evidence', () => {
    expect([parseSince('2d'), parseSince('36h'), parseSince(' 90m '), parseSince('91d'), parseSince('0d'), parseSince('2 days')]).toEqual([172_800_000, 129_600_000, 5_400_000, undefined, undefined, undefined]);
    expect(flagInputProblem({ reconciliationId: 'x', kind: 'pending_but_final', detail: 'd' })).toBeUndefined();
    expect(flagInputProblem({ reconciliationId: 'x', kind: 'pending_but_final', detail: 'd', providerAmountMinor: 1.5 })).toMatch(/providerAmountMinor/);
    expect(flagInputProblem({ reconciliationId: '', kind: 'pending_but_final', detail: 'd' })).toMatch(/reconciliationId/);
  });

  it('the CLI refuses bad input before it connects', () => {
    const connect = () => {
      throw new Error('must not connect');
    };
    const io = { out: () => undefined, progress: () => undefined, json: false };
    expect(() => reconcileCommand([], { since: 'a week' }, connect, io)).toThrow(new UsageError('--since must be a duration like 2d, 36h or 90m, at most 90 days; got "a week"', 'reconcile'));
    expect(() => reconcileCommand([], { provider: 'secpaid,paypal' }, connect, io)).toThrow(/unknown provider paypal/);
    expect(() => reconcileCommand(['schedule'], { at: '25:00' }, connect, io)).toThrow(/HH:MM/);
    expect(() => reconcileCommand(['show'], {}, connect, io)).toThrow(/reconcile show needs ID/);
    expect(() => reconcileCommand(['list'], { since: '2d' }, connect, io)).toThrow(/reconcile list does not take --since/);
    expect(() => reconcileCommand(['nope'], {}, connect, io)).toThrow(/unknown subcommand/);
    expect(typeof reconcileCommand([], { since: '2d', provider: 'secpaid' }, connect, io)).toBe('function');
  });

  it('the progress line says where a run is', () => {
    const r = { state: 'running', progress: { provider: 'secpaid', phase: 'provider_list', pages: 7, ours: 300, providerRecords: 290, runs: 2 }, mismatches: [{}, {}], mismatchesOmitted: 1 } as unknown as ReconciliationReport;
    expect(progressLine(r)).toBe('reconciling SecPaid (its pay-in list): 7 pages, 300 of our refunds, 290 provider records, 3 mismatches, run 2');
  });
});
