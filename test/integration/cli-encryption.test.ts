/**
 * The CLI connects through RefundsClient.connect, so it uses the worker's data converter: with
 * REFUNDS_ENCRYPTION_KEYS set, `refunds create` stores encrypted payloads (the workflow input,
 * memo and static details hold no plaintext) and `refunds show` reads the worker's encrypted
 * result. The CLI is spawned for real (bin/refunds.mjs) against the run's dev server and a worker
 * with the same keys on a task queue of its own.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dataConverter } from '../../codec/data-converter.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { createRefundWorker } from '../../worker/worker.js';
import { sandboxProviderConfig, uniqueKey } from '../helpers/stack.js';

const BIN = fileURLToPath(new URL('../../bin/refunds.mjs', import.meta.url));
const KEYS = `cli1:${randomBytes(32).toString('base64')}`;
const MARKER = `cli-secret-reason-${randomUUID().slice(0, 8)}`;

let sandbox: RunningSandbox;
let native: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let closeWorker: () => Promise<void>;
let plain: Client;
const taskQueue = `cli-enc-${randomUUID()}`;
const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');

beforeAll(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // installed already in this process
  }
  sandbox = await startSandbox({ port: 0 });
  native = await NativeConnection.connect({ address });
  const created = await createRefundWorker({
    connection: native,
    temporal: { namespace, taskQueue },
    providers: sandboxProviderConfig(sandbox),
    dataConverter: dataConverter({ REFUNDS_ENCRYPTION_KEYS: KEYS })!,
    extra: { shutdownGraceTime: '1s' },
  });
  worker = created.worker;
  closeWorker = created.close;
  running = worker.run();
  // No data converter: what is really stored.
  plain = new Client({ connection: await Connection.connect({ address }), namespace });
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await closeWorker?.();
  await native?.close();
  await plain?.connection.close();
  await sandbox?.close();
});

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: tmpdir(),
    env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, TEMPORAL_TASK_QUEUE: taskQueue, REFUNDS_DEBUG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** Every payload's bytes in the history, memo and static details included, as UTF-8 text. */
function rawText(v: unknown, key = ''): unknown {
  if (/searchAttributes/i.test(key)) return '[search attributes]';
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (Array.isArray(v)) return v.map((x) => rawText(x));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rawText(x, k)]));
  return v;
}

describe('refunds CLI with REFUNDS_ENCRYPTION_KEYS', { timeout: 150_000 }, () => {
  it('create stores encrypted payloads; show reads the worker\'s encrypted result; without the keys show cannot', async () => {
    const paymentId = `pay_cli_enc_${randomBytes(4).toString('hex')}`;
    const res = await fetch(`${sandbox.urls.admin}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'reservepay', id: paymentId, amount: 9000, currency: 'THB' }),
    });
    expect(res.status).toBeLessThan(300);
    const key = uniqueKey('cli-enc');
    const env = { REFUNDS_ENCRYPTION_KEYS: KEYS };
    const created = await cli(['create', '--provider', 'reservepay', '--payment-id', paymentId, '--amount', '1234', '--currency', 'THB', '--key', key, '--reason', MARKER, '--json'], env);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const refundId = `refund-${key}`;
    expect(JSON.parse(created.stdout)).toMatchObject({ created: true, refund: { refundId, request: { reason: MARKER } } });

    // What Temporal stores: the start event's input is encrypted with this run's key id.
    const handle = plain.workflow.getHandle(refundId);
    const history = await handle.fetchHistory();
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
    const input = started.input!.payloads![0]!;
    expect(Buffer.from(input.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(input.metadata!['encryption-key-id']!).toString()).toBe('cli1');
    // No plaintext of the request anywhere in the stored history or its memo.
    expect(JSON.stringify(rawText(history))).not.toContain(MARKER);

    // The worker (same keys) finishes it; its result is encrypted too.
    await handle.result().catch(() => undefined); // the plain client cannot decode it, but waits for it
    const completed = (await handle.fetchHistory()).events!.find((e) => e.workflowExecutionCompletedEventAttributes)!;
    const result = completed.workflowExecutionCompletedEventAttributes!.result!.payloads![0]!;
    expect(Buffer.from(result.metadata!.encoding!).toString()).toBe('binary/encrypted');

    const shown = await cli(['show', refundId, '--json'], env);
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ refundId, status: 'approved', request: { reason: MARKER, amount: 1234, currency: 'THB' } });

    // Control: the same command without the keys cannot read the worker's result.
    const blind = await cli(['show', refundId, '--json'], { REFUNDS_ENCRYPTION_KEYS: '' });
    expect(blind.code).not.toBe(0);
    expect(blind.stdout).not.toContain(MARKER);
  });
});
