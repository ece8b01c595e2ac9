import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useSandbox } from './helpers.js';

const { sb, admin } = useSandbox();
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = `${ROOT}node_modules/.bin/tsx`;

function cli(args: string[], url?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, ['sandbox/cli.ts', '--url', url ?? sb().url, ...args], { cwd: ROOT, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('sandbox admin CLI', () => {
  it('creates a payment, lists refunds, approves one, with readable and --json output', async () => {
    const created = await cli(['payment', 'create', '--provider', 'secpaid', '--id', '42011', '--amount', '10000']);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('created secpaid/42011  amount 10000 EUR');
    const r = await fetch(`${sb().urls.secpaid}/refundPayment`, {
      method: 'POST',
      headers: { token: sb().credentials.secpaidToken, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'pay_id=42011&refund_amount=25.00',
    });
    expect(((await r.json()) as { ResponseCode: number }).ResponseCode).toBe(1);
    const listed = await cli(['refund', 'list', '--json']);
    expect(listed.code).toBe(0);
    const { refunds } = JSON.parse(listed.stdout) as { refunds: { id: string; status: string; amount: number }[] };
    expect(refunds).toEqual([expect.objectContaining({ status: 'Pending', amount: 2500 })]);
    const approved = await cli(['refund', 'approve', refunds[0]!.id]);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(new RegExp(`^${refunds[0]!.id}  secpaid/42011  2500 EUR  status Approved`));
    const again = await cli(['refund', 'approve', refunds[0]!.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('HTTP 409');
  }, 60_000);

  it('sets and advances the clock, adds faults, shows the request log', async () => {
    const set = await cli(['clock', 'set', '2026-11-25T10:00:00Z', '--frozen']);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('sandbox clock: 2026-11-25T10:00:00.000Z (frozen)');
    const adv = await cli(['clock', 'advance', '3d']);
    expect(adv.stdout).toContain('2026-11-28T10:00:00.000Z');
    const f = await cli(['fault', 'add', '--provider', 'openpayd', '--kind', 'http_error', '--status', '502', '--count', '1']);
    expect(f.code).toBe(0);
    expect(f.stdout).toMatch(/added fault_\d+: http_error on openpayd \*/);
    const res = await fetch(`${sb().urls.openpayd}/pw/v3/payment/status`, { method: 'POST' });
    expect(res.status).toBe(502);
    const log = await cli(['requests']);
    expect(log.stdout).toMatch(/openpayd\s+POST\s+\/openpayd\/pw\/v3\/payment\/status {2}-> 502 \(answered, fault http_error\)/);
    const reset = await cli(['reset']);
    expect(reset.stdout).toContain('sandbox reset');
    expect((await admin.call('GET', '/requests')).requests).toEqual([]);
  }, 60_000);

  it('exits non-zero on usage errors, admin errors and an unreachable sandbox', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command frobnicate');
    const badFlag = await cli(['status', '--nope']);
    expect(badFlag.code).toBe(2);
    const missing = await cli(['payment', 'show', 'secpaid', '404']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('HTTP 404: no payment secpaid/404');
    const down = await cli(['status'], 'http://127.0.0.1:1');
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach the sandbox');
  }, 60_000);
});
