/**
 * Payload encryption seen through the Temporal Web UI in a real browser (Debian's headless
 * Chromium + playwright-core, as test/integration/temporal-ui.test.ts): the dev server runs with
 * `--ui-codec-endpoint` pointing at our codec server, the worker and the client encrypt with
 * AES-256-GCM, and the refund's page shows its input DECRYPTED (the payment id). Control: the raw
 * history (fetchHistory, no codec) holds no payment id outside the search attributes, which stay
 * plain on purpose (they are indexed), and every input payload is `binary/encrypted`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefundsClient } from '../../client/refunds-client.js';
import { AesGcmCodec, ENCRYPTED_ENCODING } from '../../codec/codec.js';
import { dataConverter } from '../../codec/data-converter.js';
import { parseKeyRing } from '../../codec/keys.js';
import { startCodecServer, type RunningCodecServer } from '../../codec/server.js';
import { startDevServer, type DevServer } from '../../scripts/dev-server.js';
import { freePort } from '../../scripts/processes.js';
import { PROJECT_ROOT } from '../../scripts/temporal-binaries.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { createRefundWorker } from '../../worker/worker.js';
import { sandboxProviderConfig, uniqueKey } from '../helpers/stack.js';

const available = chromiumAvailable;
const KEYS = `t1:${randomBytes(32).toString('base64')}`;

/** Raw history as JSON with bytes as UTF-8 text, search attributes left out. */
function rawText(v: unknown, key = ''): unknown {
  if (/searchAttributes/i.test(key)) return '[search attributes]';
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (Array.isArray(v)) return v.map((x) => rawText(x));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rawText(x, k)]));
  return v;
}

describe.skipIf(!available && process.env.CI !== 'true')('encrypted payloads, decrypted in the Temporal Web UI by the codec server', () => {
  let server: DevServer;
  let codecServer: RunningCodecServer;
  let sandbox: RunningSandbox;
  let browser: Browser;
  let refunds: RefundsClient;
  let stopWorker: () => Promise<void>;
  let refundId: string;
  let paymentId: string;

  beforeAll(async () => {
    const uiPort = await freePort();
    // The UI dev server sends no Authorization header to a codec endpoint: auth off, loopback only.
    codecServer = await startCodecServer({ port: 0, codec: new AesGcmCodec(parseKeyRing(KEYS)), token: false, allowedOrigins: [`http://localhost:${uiPort}`, `http://127.0.0.1:${uiPort}`] });
    server = await startDevServer({ uiPort, logLevel: 'error', extraArgs: ['--ui-codec-endpoint', codecServer.url] });
    sandbox = await startSandbox({ port: 0 });
    const converter = dataConverter({ REFUNDS_ENCRYPTION_KEYS: KEYS })!;
    const native = await NativeConnection.connect({ address: server.address });
    const { worker, close } = await createRefundWorker({ connection: native, temporal: { namespace: 'default', taskQueue: 'ui-codec' }, providers: sandboxProviderConfig(sandbox), dataConverter: converter, extra: { shutdownGraceTime: '1s' } });
    const running = worker.run();
    stopWorker = async () => {
      worker.shutdown();
      await running;
      await close();
      await native.close();
    };
    refunds = new RefundsClient(new Client({ connection: await Connection.connect({ address: server.address }), dataConverter: converter }), 'ui-codec');
    paymentId = `pay_enc_${randomBytes(4).toString('hex')}`;
    await fetch(`${sandbox.urls.admin}/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'reservepay', id: paymentId, amount: 9000, currency: 'THB' }) });
    refundId = (await refunds.create({ idempotencyKey: uniqueKey('ui-enc'), provider: 'reservepay', payment: { paymentId }, amount: 1234, currency: 'THB', reason: 'encrypted-reason-marker' })).refund.refundId;
    expect((await refunds.waitForFinal(refundId)).status).toBe('approved');
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stopWorker?.();
    await refunds?.close();
    await sandbox?.close();
    await server?.stop();
    await codecServer?.close();
  });

  it('control: the raw history holds ciphertext only (no payment id outside the search attributes)', async () => {
    const raw = new Client({ connection: refunds.client.connection }); // no codec
    const history = await raw.workflow.getHandle(refundId).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const input = started?.input?.payloads ?? [];
    expect(input.length).toBe(1);
    for (const p of input) expect(Buffer.from(p.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    const text = JSON.stringify(rawText(history));
    expect(text).not.toContain(paymentId);
    expect(text).not.toContain('encrypted-reason-marker');
    // ... while the client with the codec reads it back.
    expect((await refunds.get(refundId)).request).toMatchObject({ payment: { paymentId }, reason: 'encrypted-reason-marker' });
  });

  it('the refund page shows the decrypted input', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
    const decodeCalls: number[] = [];
    page.on('response', (r) => r.url().startsWith(codecServer.url) && r.request().method() === 'POST' && decodeCalls.push(r.status()));
    await page.goto(`${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(refundId)}`);
    const shown = async () => (await Promise.all(page.frames().map((f) => f.locator('body').innerText().catch(() => '')))).join('\n');
    let text = '';
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      text = await shown();
      if (text.includes(paymentId) && text.includes('encrypted-reason-marker')) break;
      await page.waitForTimeout(500);
    }
    mkdirSync(join(PROJECT_ROOT, '.data'), { recursive: true });
    await page.screenshot({ path: join(PROJECT_ROOT, '.data', 'ui-refund-decrypted.png'), fullPage: true });
    expect(text).toContain(paymentId);
    expect(text).toContain('encrypted-reason-marker');
    expect(decodeCalls.length).toBeGreaterThan(0);
    expect(decodeCalls.every((s) => s === 200)).toBe(true);
    await page.close();
  }, 120_000);
});
