/** The bulk refund file (client/batch-file.ts): parsing, row validation, cross-row checks, the batch id, chunks. */
import { describe, expect, it } from 'vitest';
import { BatchFileError, chunkRows, parseBatchFile } from '../../client/batch-file.js';
import { MAX_BATCH_FILE_BYTES, MAX_BATCH_ROWS } from '../../domain/batch.js';

const CSV = [
  'provider,payment.payId,payment.transactionId,payment.referenceNo,amount,currency,reason,metadata.order',
  'secpaid,42011,,,2500,eur,recall,o-1',
  'openpayd,,tx-9,ref-9,full,USD,,o-2',
].join('\n');

describe('a batch file', () => {
  it('reads CSV columns as request fields: dotted names nest, empty cells are absent, amounts are minor units', () => {
    const b = parseBatchFile(CSV, { name: 'recall.csv' });
    expect(b.format).toBe('csv');
    expect(b.invalid).toEqual([]);
    expect(b.rows.map((r) => r.request)).toEqual([
      { provider: 'secpaid', payment: { payId: '42011' }, amount: 2500, currency: 'EUR', reason: 'recall', metadata: { order: 'o-1' }, idempotencyKey: `${b.batchId}-r1` },
      { provider: 'openpayd', payment: { transactionId: 'tx-9', referenceNo: 'ref-9' }, amount: 'full', currency: 'USD', metadata: { order: 'o-2' }, idempotencyKey: `${b.batchId}-r2` },
    ]);
    expect(b.batchId).toMatch(/^batch-[0-9a-f]{24}$/);
    expect(b.derivedKeys).toBe(2);
  });

  it('finds the same batch for the same rows as CSV or JSONL, and another for other rows', () => {
    const jsonl = [
      '{"provider":"secpaid","payment":{"payId":"42011"},"amount":2500,"currency":"EUR","reason":"recall","metadata":{"order":"o-1"}}',
      '',
      '{"provider":"openpayd","payment":{"transactionId":"tx-9","referenceNo":"ref-9"},"amount":"full","currency":"usd","metadata":{"order":"o-2"}}',
    ].join('\n');
    const a = parseBatchFile(CSV);
    const b = parseBatchFile(jsonl);
    expect(b.format).toBe('jsonl');
    expect(b.batchId).toBe(a.batchId);
    expect(parseBatchFile(CSV.replace('2500', '2400')).batchId).not.toBe(a.batchId);
  });

  it('reports each bad row with its row and line number, the good ones untouched', () => {
    const text = ['provider,payment.payId,amount,currency', 'secpaid,1,100,EUR', 'secpaid,2,100,USD', 'secpaid,x,100,EUR', '"secpaid","3",25.00,EUR', 'secpaid,4,100'].join('\n');
    const b = parseBatchFile(text);
    expect(b.invalid.map((r) => [r.row, r.line])).toEqual([[2, 3], [3, 4], [4, 5], [5, 6]]);
    const errors = Object.fromEntries(b.invalid.map((r) => [r.row, r.error]));
    expect(errors[2]).toMatch(/^currency: SecPaid refunds are in EUR, not USD/);
    expect(errors[3]).toMatch(/^payment\.payId: payId is SecPaid's numeric pay_id/);
    expect(errors[4]).toMatch(/^amount: /);
    expect(errors[5]).toBe('has 3 fields, the header has 4');
    expect(b.rows[0]!.request?.payment).toEqual({ payId: '1' });
  });

  it('checks a row\'s merchant account against the configured ones: an unknown account is that row\'s error', () => {
    const accounts = { secpaid: ['eu'], linkmoney: [], openpayd: [], reservepay: [] };
    const text = ['provider,payment.payId,amount,currency,account', 'secpaid,1,100,EUR,eu', 'secpaid,2,100,EUR,asia', 'secpaid,3,100,EUR,'].join('\n');
    const b = parseBatchFile(text, { accounts });
    expect(b.invalid.map((r) => r.row)).toEqual([2]);
    expect(b.invalid[0]!.error).toMatch(/^account: /);
    expect(b.invalid[0]!.error).toMatch(/asia/);
    expect(b.rows[0]!.request?.account).toBe('eu');
  });

  it('refuses a key used twice and the same keyless refund twice, naming the first row', () => {
    const text = [
      'provider,payment.payId,amount,currency,idempotencyKey',
      'secpaid,1,100,EUR,k-1',
      'secpaid,2,100,EUR,k-1',
      'secpaid,3,100,EUR,',
      'secpaid,3,100,EUR,',
      'secpaid,3,200,EUR,',
    ].join('\n');
    const b = parseBatchFile(text);
    expect(b.invalid.map((r) => [r.row, r.error])).toEqual([
      [2, 'idempotencyKey: "k-1" is also the key of row 1'],
      [4, 'the same refund as row 3 (every field equal); give each row its own idempotencyKey if both are meant'],
    ]);
    expect(b.rows[0]!.request?.idempotencyKey).toBe('k-1');
    expect(b.rows[4]!.request?.idempotencyKey).toBe(`${b.batchId}-r5`);
  });

  it('takes a JSONL line that is not a request as a bad row', () => {
    const b = parseBatchFile('{"provider":"reservepay","payment":{"paymentId":"p1"},"amount":100,"currency":"THB"}\n[1]\n{oops\n');
    expect(b.invalid.map((r) => [r.row, r.line, r.error?.slice(0, 12)])).toEqual([[2, 2, 'must be a JS'], [3, 3, 'not JSON: Ex']]);
  });

  it('refuses files it cannot take at all: too large, too many rows, no rows, bad header', () => {
    const big = 'x'.repeat(MAX_BATCH_FILE_BYTES + 1);
    expect(() => parseBatchFile(big)).toThrow(expect.objectContaining({ tooLarge: true, message: expect.stringMatching(/at most 16777216 bytes/) }));
    const many = ['provider,payment.payId,amount,currency', ...Array.from({ length: MAX_BATCH_ROWS + 1 }, (_, i) => `secpaid,${i + 1},100,EUR`)].join('\n');
    expect(() => parseBatchFile(many)).toThrow(/has 50001 rows; a batch is at most 50000 rows/);
    expect(() => parseBatchFile('provider,amount\n')).toThrow(BatchFileError);
    expect(() => parseBatchFile('provider,amount,amount\nsecpaid,1,1')).toThrow(/column "amount" is given twice/);
    expect(() => parseBatchFile('payment,payment.payId\nx,1')).toThrow(/cannot both be given/);
    expect(() => parseBatchFile('a,"b\n1,2')).toThrow(/not readable as CSV/);
  });

  it('cuts rows into holder chunks by count and by size', () => {
    const rows = Array.from({ length: 2500 }, (_, i) => ({ row: i + 1, line: i + 2, error: 'x' }));
    const chunks = chunkRows('batch-0123456789abcdef01234567', rows);
    expect(chunks.map((c) => c.ref)).toEqual([
      { workflowId: 'batch-0123456789abcdef01234567-rows-0', firstRow: 1, rows: 1000 },
      { workflowId: 'batch-0123456789abcdef01234567-rows-1', firstRow: 1001, rows: 1000 },
      { workflowId: 'batch-0123456789abcdef01234567-rows-2', firstRow: 2001, rows: 500 },
    ]);
    const fat = Array.from({ length: 10 }, (_, i) => ({ row: i + 1, line: i + 2, error: 'y'.repeat(200_000) }));
    expect(chunkRows('batch-x', fat).map((c) => c.ref.rows)).toEqual([2, 2, 2, 2, 2]);
  });
});
