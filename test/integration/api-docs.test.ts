/**
 * A real browser (Debian's headless Chromium, driven by playwright-core) on the HTTP API's /docs
 * page (Swagger UI from the installed @fastify/swagger-ui package): the page loads with no request
 * leaving the API's origin (no CDN), lists the refund endpoints, and a person authorises with an
 * API key and makes one call from the page (GET /v1/refunds/{id}) that answers 200 with the refund.
 * Chromium is installed by .ci/run; without it the test is skipped locally and fails in CI.
 */
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type RunningApiServer } from '../../client/api/server.js';
import { startStack, uniqueKey, type Stack } from '../helpers/stack.js';

const available = chromiumAvailable;
const KEY = `svc_${randomBytes(24).toString('base64url')}`;

describe.skipIf(!available && process.env.CI !== 'true')('/docs in a real browser', () => {
  let s: Stack;
  let api: RunningApiServer;
  let browser: Browser;
  let refundId: string;

  beforeAll(async () => {
    s = await startStack();
    api = await startApiServer({ port: 0, refunds: s.refunds, keys: [{ name: 'docs-reader', role: 'service', key: KEY }] });
    const paymentId = (await s.admin('POST', '/payments', { provider: 'reservepay', amount: 9000, currency: 'THB' })).id as string;
    refundId = (await s.refunds.create({ idempotencyKey: uniqueKey('docs'), provider: 'reservepay', payment: { paymentId }, amount: 1000, currency: 'THB' })).refund.refundId;
    await s.refunds.waitForFinal(refundId);
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await s?.stop();
  });

  it('shows the refund endpoints and makes an authorised call from the page', async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(`${api.url}/docs`, { waitUntil: 'load' });

    // The refund endpoints, from the OpenAPI document.
    await page.locator('.opblock-summary-path').first().waitFor({ timeout: 30_000 });
    const paths = await page.locator('.opblock-summary-path').allInnerTexts();
    for (const p of ['/v1/refunds', '/v1/refunds/{id}', '/v1/refunds/{id}/approve', '/v1/refunds/{id}/reject', '/v1/refunds/{id}/cancel', '/v1/refunds/{id}/resolve']) {
      expect(paths.map((t) => t.replace(/\u200b/g, '').trim())).toContain(p);
    }

    // Authorise with the API key (the bearer scheme's dialog).
    await page.locator('button.authorize').first().click();
    await page.locator('.modal-ux input').first().fill(KEY);
    await page.locator('.modal-ux button.modal-btn.auth.authorize').click();
    await page.locator('.modal-ux button.btn-done').click();

    // GET /v1/refunds/{id}: Try it out, the id, Execute.
    const op = page.locator('#operations-default-getRefund');
    await op.locator('.opblock-summary').click();
    await op.locator('button.try-out__btn').click();
    await op.locator('input[placeholder="id"]').fill(refundId);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${api.url}/v1/refunds/${refundId}`, { timeout: 30_000 }),
      op.locator('button.execute').click(),
    ]);
    expect(response.status()).toBe(200);
    expect(await response.request().headerValue('authorization')).toBe(`Bearer ${KEY}`);
    // What the page shows: the status code and the refund's body.
    await op.locator('.live-responses-table tr.response .response-col_status').first().waitFor();
    expect((await op.locator('.live-responses-table tr.response .response-col_status').first().innerText()).trim()).toMatch(/^200/);
    expect(await op.locator('.live-responses-table tr.response .response-col_description').first().innerText()).toContain(refundId);

    // Everything the page loaded came from the API itself: no CDN.
    expect(requested.length).toBeGreaterThan(3);
    expect(requested.filter((u) => !u.startsWith(`${api.url}/`) && !u.startsWith('data:'))).toEqual([]);
    await page.close();
  }, 120_000);
});
