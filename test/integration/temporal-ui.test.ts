/**
 * A real browser (Debian's headless Chromium, driven by playwright-core) on the dev server's
 * Temporal Web UI: a refund shows with its summary, filtering by RefundStatus and the refunds-only
 * query work, the current details are the short Markdown block, and the timeline's timer says
 * what it waits for.
 * Chromium is installed by .ci/run; without it the test is skipped locally and fails in CI.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { utc } from '../../workflows/time.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFUNDS_ONLY_QUERY, RefundsClient } from '../../client/refunds-client.js';
import { startDevServer, type DevServer } from '../../scripts/dev-server.js';
import { freePort } from '../../scripts/processes.js';
import { PROJECT_ROOT } from '../../scripts/temporal-binaries.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { createRefundWorker } from '../../worker/worker.js';
import { eventually, sandboxProviderConfig, uniqueKey } from '../helpers/stack.js';

const available = chromiumAvailable;

describe.skipIf(!available && process.env.CI !== 'true')('Temporal Web UI in a real browser', () => {
  let server: DevServer;
  let sandbox: RunningSandbox;
  let browser: Browser;
  let refunds: RefundsClient;
  let stopWorker: () => Promise<void>;
  let pendingId: string;
  let approvedId: string;
  let payId: string;

  beforeAll(async () => {
    server = await startDevServer({ uiPort: await freePort(), logLevel: 'error' });
    sandbox = await startSandbox({ port: 0 });
    const native = await NativeConnection.connect({ address: server.address });
    const { worker, close } = await createRefundWorker({ connection: native, temporal: { namespace: 'default', taskQueue: 'ui-test' }, providers: sandboxProviderConfig(sandbox), extra: { shutdownGraceTime: '1s' } });
    const running = worker.run();
    stopWorker = async () => {
      worker.shutdown();
      await running;
      await close();
      await native.close();
    };
    refunds = new RefundsClient(new Client({ connection: await Connection.connect({ address: server.address }) }), 'ui-test');
    const admin = async (body: unknown) =>
      ((await (await fetch(`${sandbox.urls.admin}/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as { id: string }).id;
    payId = await admin({ provider: 'secpaid', amount: 5000 });
    const rp = await admin({ provider: 'reservepay', amount: 9000, currency: 'THB' });
    pendingId = (await refunds.create({ idempotencyKey: uniqueKey('ui-sp'), provider: 'secpaid', payment: { payId }, amount: 2500, currency: 'EUR' })).refund.refundId;
    approvedId = (await refunds.create({ idempotencyKey: uniqueKey('ui-rp'), provider: 'reservepay', payment: { paymentId: rp }, amount: 1000, currency: 'THB' })).refund.refundId;
    await refunds.waitForFinal(approvedId);
    await eventually(async () => (await refunds.list({ status: 'pending' })).refunds.some((r) => r.refundId === pendingId));
    await eventually(async () => (await refunds.list({ status: 'approved' })).refunds.some((r) => r.refundId === approvedId));
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stopWorker?.();
    await refunds?.close();
    await sandbox?.close();
    await server?.stop();
  });

  it('lists the refund with its summary and filters by RefundStatus', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const list = (query: string) => `${server.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`;

    await page.goto(list(`RefundStatus="pending"`));
    await page.getByText(pendingId).first().waitFor({ timeout: 30_000 });
    expect(await page.getByText(approvedId).count()).toBe(0);
    mkdirSync(join(PROJECT_ROOT, '.data'), { recursive: true });
    await page.screenshot({ path: join(PROJECT_ROOT, '.data', 'ui-list-pending.png') });

    await page.goto(list(`RefundStatus="approved"`));
    await page.getByText(approvedId).first().waitFor({ timeout: 30_000 });
    expect(await page.getByText(pendingId).count()).toBe(0);

    // The refund's own page (one click from the list) carries the static summary and the current details.
    await page.goto(list(`RefundStatus="pending"`));
    await page.getByRole('link', { name: pendingId }).first().click();
    await page.getByText('User Metadata').first().click();
    // The UI renders summaries as markdown inside sandboxed frames: read every frame's text.
    const shown = async () => (await Promise.all(page.frames().map((f) => f.locator('body').innerText().catch(() => '')))).join('\n');
    const text = await eventually(async () => {
      const all = await shown();
      return all.includes(`Refund EUR 25.00 of SecPaid payment ${payId}`) && all.includes('Awaiting the admin review at SecPaid since') && all;
    }, 30_000);
    expect(text).toContain(`Refund EUR 25.00 of SecPaid payment ${payId}`);
    // The current details: status and why pending, the next check, the last provider answer.
    expect(text).toMatch(/Pending: Awaiting the admin review at SecPaid since \w{3} \d{1,2} \w{3} \d{4} \d{2}:\d{2} UTC/);
    expect(text).toMatch(/Next check: \w{3} \d{1,2} \w{3} \d{4} \d{2}:\d{2} UTC/);
    expect(text).toMatch(/Last SecPaid answer \(.*\): .*Refund request/);
    // Its expected-by date (13c: SecPaid's answer + 10 days), as the refund keeps it.
    const expectedBy = (await refunds.get(pendingId)).expectedBy!;
    expect(Date.parse(expectedBy) - Date.now()).toBeGreaterThan(9 * 86_400_000);
    expect(text).toContain(`Expected by: ${utc(expectedBy)}`);
    await page.screenshot({ path: join(PROJECT_ROOT, '.data', 'ui-refund.png'), fullPage: true });

    // The timeline: the pending check is a timer whose summary says what it waits for (not a retrying activity).
    await page.getByText('Event History').first().click();
    const timeline = await eventually(async () => {
      const all = (await page.locator('body').innerText()) + (await shown());
      return all.includes('SecPaid admin review: check 1 of the pay-ins at') && all;
    }, 30_000);
    expect(timeline).toContain('submit the refund to SecPaid');
    expect(timeline).not.toMatch(/Attempt \d+ \/ ∞/);
    await page.screenshot({ path: join(PROJECT_ROOT, '.data', 'ui-refund-timeline.png'), fullPage: true });
    await page.close();
  }, 120_000);

  it('the refunds-only query lists refunds and no payment locks', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`${server.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(REFUNDS_ONLY_QUERY)}`);
    await page.getByText(pendingId).first().waitFor({ timeout: 30_000 });
    await page.getByText(approvedId).first().waitFor({ timeout: 30_000 });
    expect(await page.getByText('payment-lock:').count()).toBe(0);
    await page.close();
  }, 60_000);
});
