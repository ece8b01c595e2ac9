/**
 * The operator CLI (`node bin/refunds.mjs ...`) spawned for real, from a directory outside the
 * project, against the run's Temporal dev server, a worker on this file's task queue and the
 * provider sandbox: output text, JSON documents and exit codes.
 */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startStack, uniqueKey, type Stack } from '../helpers/stack.js';

const BIN = fileURLToPath(new URL('../../bin/refunds.mjs', import.meta.url));

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  await s?.stop();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Running {
  /** Everything printed on stdout so far. */
  stdout(): string;
  done: Promise<Run>;
}

function start(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: tmpdir(),
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: s.address,
      TEMPORAL_NAMESPACE: s.namespace,
      TEMPORAL_TASK_QUEUE: s.taskQueue,
      REFUNDS_DEBUG: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
  return { stdout: () => stdout, done };
}

const cli = (...args: string[]): Promise<Run> => start(args).done;

async function payment(body: Record<string, unknown>): Promise<string> {
  return (await s.admin('POST', '/payments', body)).id as string;
}

function parse(out: string): Record<string, unknown> {
  return JSON.parse(out) as Record<string, unknown>;
}

async function notStarted(refundId: string): Promise<void> {
  await expect(s.client.workflow.getHandle(refundId).describe()).rejects.toThrow(/not found/i);
}

// Concurrent: the tests share the stack but not their payments or keys; most of the time is spent
// starting CLI processes, so running them side by side halves the file's time.
describe.concurrent('refunds CLI: each provider from create to a final status', { timeout: 120_000 }, () => {
  it('Reservepay: create with an exact decimal amount, watch to approved, show, list', async () => {
    const paymentId = await payment({ provider: 'reservepay', amount: 100_000, currency: 'THB' });
    const key = uniqueKey('cli-rp');
    const created = await cli('create', '--provider', 'reservepay', '--payment-id', paymentId, '--amount-decimal', '250.50', '--currency', 'thb', '--key', key, '--reason', 'damaged', '--metadata', 'order=1001', '--metadata', 'desk=ops');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`created refund-${key}`);
    expect(created.stdout).toMatch(/^Amount\s+THB 250\.50$/m);
    expect(created.stdout).toMatch(/^Metadata\s+order=1001, desk=ops$/m);

    const watched = await cli('watch', `refund-${key}`);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain(`watching refund-${key}: THB 250.50 of Reservepay payment ${paymentId}`);
    expect(watched.stdout).toMatch(/pending \(submitting\) {13}refund requested/);
    expect(watched.stdout).toMatch(/\n\S+ \S+Z {2}approved {2,}Reservepay answered: succeeded \(refund rfn_\w+\)\n/);
    expect(watched.stdout.trimEnd().split('\n').at(-1)).toBe('final: approved');
    expect(watched.stderr).toBe(''); // no spinner when stderr is not a terminal

    const shown = await cli('show', `refund-${key}`);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^Status\s+approved$/m);
    expect(shown.stdout).toMatch(/^Provider\s+Reservepay \(reservepay\)$/m);
    expect(shown.stdout).toMatch(/^Provider says\s+refund rfn_\S+, status \w+.*refunded THB 250\.50/m);
    expect(shown.stdout).toMatch(/^TIME\s+STATUS\s+CAUSE\s+PROVIDER CODE\/MESSAGE$/m);
    const json = parse((await cli('show', `refund-${key}`, '--json')).stdout);
    expect(json).toMatchObject({ refundId: `refund-${key}`, status: 'approved', request: { amount: 25_050, currency: 'THB', metadata: { order: '1001', desk: 'ops' } } });

    // Visibility is eventually consistent: list until the row shows the final status.
    const listed = await eventually(async () => {
      const r = await cli('list', '--provider', 'reservepay', '--payment-id', paymentId);
      return r.code === 0 && / approved /.test(r.stdout) && r;
    }, 30_000);
    const [header, row, ...rest] = listed.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+PROVIDER\s+PAYMENT\s+AMOUNT\s+CREATED\s+EXPECTED BY$/);
    // CREATED, then EXPECTED BY (the request + 15 min for Reservepay; a final refund is never marked overdue).
    expect(row).toMatch(new RegExp(`^refund-${key}\\s+approved\\s+reservepay\\s+${paymentId}\\s+THB 250\\.50\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`));
    expect(rest).toEqual([]);
    // The columns line up: each header starts where its cells start.
    expect(row!.indexOf('approved')).toBe(header!.indexOf('STATUS'));
    expect(row!.indexOf('THB 250.50')).toBe(header!.indexOf('AMOUNT'));

    const listJson = parse((await cli('list', '--provider', 'reservepay', '--payment-id', paymentId, '--json')).stdout);
    expect(listJson).toEqual({
      refunds: [expect.objectContaining({ refundId: `refund-${key}`, status: 'approved', provider: 'reservepay', paymentId, amountMinor: 25_050, currency: 'THB' })],
      nextPageToken: null,
    });
  });

  it('list pages: --limit 1 prints a next-page token that --page-token follows', async () => {
    const paymentId = await payment({ provider: 'reservepay', amount: 10_000, currency: 'THB' });
    for (const amount of ['100', '200']) {
      expect((await cli('create', '--provider', 'reservepay', '--payment-id', paymentId, '--amount', amount, '--currency', 'THB', '--key', uniqueKey('cli-page'))).code).toBe(0);
    }
    type Page = { refunds: { refundId: string }[]; nextPageToken: string | null };
    const first = await eventually(async () => {
      const r = parse((await cli('list', '--payment-id', paymentId, '--limit', '1', '--json')).stdout) as unknown as Page;
      return r.refunds.length === 1 && r.nextPageToken !== null ? r : undefined;
    }, 30_000);
    const human = await cli('list', '--payment-id', paymentId, '--limit', '1');
    expect(human.stdout).toMatch(/\n\nnext page: --page-token \S+\n$/);
    const second = parse((await cli('list', '--payment-id', paymentId, '--limit', '1', '--page-token', first.nextPageToken!, '--json')).stdout) as unknown as Page;
    expect(second.refunds).toHaveLength(1);
    expect(second.refunds[0]!.refundId).not.toBe(first.refunds[0]!.refundId);
  });

  it('OpenPayd: a full refund from --json-body, watched to approved', async () => {
    const transactionId = await payment({ provider: 'openpayd', amount: 1234, currency: 'EUR', method: 'VISA', referenceNo: 'ref-cli' });
    const key = uniqueKey('cli-op');
    const body = JSON.stringify({ idempotencyKey: key, provider: 'openpayd', payment: { transactionId, referenceNo: 'ref-cli' }, amount: 'full', currency: 'EUR' });
    const created = await cli('create', '--json-body', body, '--json');
    expect(created.code).toBe(0);
    expect(parse(created.stdout)).toMatchObject({ created: true, refund: { refundId: `refund-${key}`, request: { amount: 'full' } } });
    const watched = await cli('watch', `refund-${key}`);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain(`watching refund-${key}: full amount (EUR) of OpenPayd payment ${transactionId}`);
    expect(watched.stdout).toMatch(/final: approved\n$/);
  });

  it('Link Money: settled long ago, authorized at once; watch --json prints only the final state', async () => {
    const paymentId = await payment({ provider: 'linkmoney', amount: 5000, currency: 'USD', settledAt: '2026-01-05T15:00:00Z' });
    const key = uniqueKey('cli-lm');
    const created = await cli('create', '--provider', 'linkmoney', '--payment-id', paymentId, '--settled-at', '2026-01-05T15:00:00Z', '--amount', '1999', '--currency', 'USD', '--key', key);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^Payment\s+\S+ \(settled 2026-01-05 15:00:00Z\)$/m);
    const watched = await cli('watch', `refund-${key}`, '--json');
    expect(watched.code).toBe(0);
    expect(parse(watched.stdout)).toMatchObject({ status: 'authorized', provider: { status: 'AUTHORIZED' }, request: { amount: 1999 } });
    const shown = await cli('show', `refund-${key}`);
    expect(shown.stdout).toMatch(/^Status\s+authorized$/m);
    expect(shown.stdout).toMatch(/^Amount\s+USD 19\.99$/m);
  });

  it('SecPaid: watch runs while an operator approves from the CLI; refusals exit 3 with the reason', async () => {
    const payId = await payment({ provider: 'secpaid', amount: 5000, currency: 'EUR' });
    const key = uniqueKey('cli-sp');
    const id = `refund-${key}`;
    expect((await cli('create', '--provider', 'secpaid', '--pay-id', payId, '--amount', '2500', '--currency', 'EUR', '--key', key)).code).toBe(0);

    const watch = start(['watch', id]);
    await eventually(async () => watch.stdout().includes('pending (awaiting_admin_review)'), 30_000);

    const shown = await cli('show', id);
    expect(shown.stdout).toMatch(/^Status\s+pending \(awaiting_admin_review\)$/m);
    expect(shown.stdout).toMatch(/^Next check\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/m);
    expect(shown.stdout).toMatch(/^Amount\s+EUR 25\.00$/m);

    const cancel = await cli('cancel', id, '--note', 'customer changed their mind');
    expect(cancel.code).toBe(3);
    expect(cancel.stderr).toBe(`error: cancel refused for refund ${id}: only a refund not yet submitted can be canceled; this one is pending and was submitted\n`);
    expect(cancel.stdout).toBe('');
    const resolve = await cli('resolve', id, '--status', 'approved', '--note', 'seen in dashboard', '--json');
    expect(resolve.code).toBe(3);
    expect(parse(resolve.stdout)).toEqual({
      error: { code: 'refused', exitCode: 3, refundId: id, action: 'resolve', kind: 'not_allowed', reason: 'only a refund in needs_attention can be resolved; this one is pending', message: expect.stringContaining('resolve refused') },
    });

    const approved = await cli('approve', id, '--operator', 'ops@example.com', '--note', 'approved in SecPaid dashboard');
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain(`approved ${id}: now approved`);

    const watched = await watch.done;
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/Z {2}approved {2,}operator ops@example.com approve: SecPaid review approved \(approved in SecPaid dashboard\)\nfinal: approved\n$/);

    const late = await cli('reject', id, '--reason', 'too late');
    expect(late.code).toBe(3);
    expect(late.stderr).toMatch(new RegExp(`^error: reject refused for refund ${id}: the refund has already reached its final status`));
  });

  it('SecPaid: a rejection recorded from the CLI makes watch exit 1', async () => {
    const payId = await payment({ provider: 'secpaid', amount: 5000, currency: 'EUR' });
    const key = uniqueKey('cli-spr');
    const id = `refund-${key}`;
    expect((await cli('create', '--provider', 'secpaid', '--pay-id', payId, '--amount', '1000', '--currency', 'EUR', '--key', key)).code).toBe(0);
    await eventually(async () => (await s.refunds.get(id)).pendingReason === 'awaiting_admin_review');
    const rejected = await cli('reject', id, '--reason', 'Outside refund window', '--operator', 'ops@example.com', '--json');
    expect(rejected.code).toBe(0);
    expect(parse(rejected.stdout)).toMatchObject({ status: 'rejected', provider: { message: 'Outside refund window' } });
    const watched = await cli('watch', id);
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(/final: rejected \(Outside refund window\)\n$/);
  });

  it('SecPaid needs_attention: watch shows it prominently and goes on; resolve from the CLI ends it', async () => {
    const payId = await payment({ provider: 'secpaid', amount: 5000, currency: 'EUR' });
    // Someone else already asked SecPaid for a refund of this payment.
    const res = await fetch(`${s.sandbox.urls.secpaid}/refundPayment`, {
      method: 'POST',
      headers: { token: s.sandbox.credentials.secpaidToken, 'content-type': 'application/x-www-form-urlencoded' },
      body: `pay_id=${payId}&refund_amount=10.00`,
    });
    expect(((await res.json()) as { ResponseCode: number }).ResponseCode).toBe(1);
    const key = uniqueKey('cli-na');
    const id = `refund-${key}`;
    expect((await cli('create', '--provider', 'secpaid', '--pay-id', payId, '--amount', '1000', '--currency', 'EUR', '--key', key)).code).toBe(0);
    const watch = start(['watch', id]);
    await eventually(async () => watch.stdout().includes('!!! NEEDS ATTENTION'), 30_000);
    expect(watch.stdout()).toContain(`!!! settle it with: refunds resolve ${id} --status <outcome>`);
    const shown = await cli('show', id);
    expect(shown.stdout).toMatch(/^!!! NEEDS ATTENTION: SecPaid answered "Refund already requested"/);
    const resolved = await cli('resolve', id, '--status', 'approved', '--note', 'the earlier refund is ours', '--operator', 'ops@example.com');
    expect(resolved.code).toBe(0);
    expect(resolved.stdout).toContain(`resolved ${id}: now approved`);
    const watched = await watch.done;
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/needs_attention.*\n!!! NEEDS ATTENTION[^]*approved {2,}operator ops@example.com resolve: the earlier refund is ours\nfinal: approved\n$/);
  });
});

describe.concurrent('refunds CLI: errors and exit codes', { timeout: 120_000 }, () => {
  it('reject of a refund that is not SecPaid\'s is refused: exit 3 and the reason', async () => {
    // Settled just now: the refund waits out Link Money's settlement hold, pending for days.
    const settledAt = new Date().toISOString();
    const paymentId = await payment({ provider: 'linkmoney', amount: 5000, currency: 'USD', settledAt });
    const key = uniqueKey('cli-rj');
    const id = `refund-${key}`;
    expect((await cli('create', '--provider', 'linkmoney', '--payment-id', paymentId, '--settled-at', settledAt, '--amount', '100', '--currency', 'USD', '--key', key)).code).toBe(0);
    await eventually(async () => (await s.refunds.get(id)).pendingReason === 'settlement_hold');
    const r = await cli('reject', id, '--reason', 'no');
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`error: reject refused for refund ${id}: approve and reject record SecPaid's admin review; this is a Link Money refund\n`);
    const shown = await cli('show', id);
    expect(shown.stdout).toMatch(/^Status\s+pending \(settlement_hold\)$/m);
    expect(shown.stdout).toMatch(/^Next check\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/m);
  });

  it('an invalid request: exit 2, field messages naming the flags, nothing started', async () => {
    const key = uniqueKey('cli-bad');
    const r = await cli('create', '--provider', 'secpaid', '--pay-id', '42', '--amount', '25.50', '--currency', 'EUR', '--key', key);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: invalid refund request (nothing was started)\n' +
        '  amount (--amount): --amount takes integer minor units (2500 means 25.00) or "full", got "25.50"; for a decimal use --amount-decimal 25.50\n',
    );
    const wrong = await cli('create', '--provider', 'secpaid', '--pay-id', '42', '--amount', '100', '--currency', 'USD', '--key', key, '--json');
    expect(wrong.code).toBe(2);
    expect(parse(wrong.stdout)).toEqual({
      error: {
        code: 'invalid_request',
        exitCode: 2,
        message: 'invalid refund request (nothing was started)',
        issues: [{ path: 'currency', flag: '--currency', message: 'SecPaid refunds are in EUR, not USD' }],
      },
    });
    const flags = await cli('create', '--provider', 'linkmoney', '--pay-id', '42', '--amount-decimal', '1.234', '--currency', 'USD');
    expect(flags.code).toBe(2);
    expect(flags.stderr).toContain('  payment.payId (--pay-id): --pay-id does not apply to Link Money refunds; a Link Money payment is given with --payment-id [--settled-at]\n');
    expect(flags.stderr).toContain('  amount (--amount): --amount-decimal: "1.234" has more than 2 fraction digits for USD\n');
    expect(flags.stderr).toContain('  idempotencyKey (--key): idempotencyKey is required\n');
    await notStarted(`refund-${key}`);
  });

  it('an unknown refund: exit 4', async () => {
    const r = await cli('show', 'refund-does-not-exist');
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(`error: refund refund-does-not-exist not found (namespace ${s.namespace} at ${s.address})\n`);
    const j = await cli('approve', 'refund-does-not-exist', '--json');
    expect(j.code).toBe(4);
    expect(parse(j.stdout)).toMatchObject({ error: { code: 'not_found', exitCode: 4, refundId: 'refund-does-not-exist' } });
  });

  it('the same key: the same refund again (exit 0); a different request under it is a conflict (exit 5)', async () => {
    const paymentId = await payment({ provider: 'reservepay', amount: 10_000, currency: 'THB' });
    const key = uniqueKey('cli-idem');
    const args = ['create', '--provider', 'reservepay', '--payment-id', paymentId, '--currency', 'THB', '--key', key];
    expect((await cli(...args, '--amount', '100')).code).toBe(0);
    const again = await cli(...args, '--amount', '100');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`already exists: refund-${key}`);
    const conflict = await cli(...args, '--amount', '200');
    expect(conflict.code).toBe(5);
    expect(conflict.stderr).toBe(`error: idempotency key already used for a different request (refund refund-${key}; differs in amount)\n`);
  });

  it('--help, help COMMAND, unknown commands and flags', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: refunds <command>');
    for (const c of ['create', 'show', 'list', 'watch', 'approve', 'reject', 'cancel', 'resolve']) expect(help.stdout).toContain(`refunds ${c} `);
    expect(help.stdout).toContain('exit codes: 0 ok');
    const one = await cli('help', 'resolve');
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^usage: refunds resolve ID --status approved\|authorized\|rejected\|failed\|canceled --note N/);

    const unknown = await cli('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/^error: unknown command "frobnicate"\n\nrefunds: operate refunds on Temporal/);
    const flag = await cli('list', '--colour', 'red');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^error: Unknown option '--colour'[^]*usage: refunds list /);
    const misplaced = await cli('show', 'refund-x', '--reason', 'r');
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toMatch(/^error: show does not take --reason\n/);
    const status = await cli('list', '--status', 'done');
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/^error: --status must be one of pending, approved, authorized, rejected, failed, canceled, needs_attention; got "done"/);
  });

  it('Temporal unreachable: one clear line, exit 1, no stack trace', async () => {
    const r = await start(['show', 'refund-x'], { TEMPORAL_ADDRESS: '127.0.0.1:1' }).done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot reach Temporal at 127\.0\.0\.1:1: is `npm start` running\? \(.*\)\n$/);
  });
});
