/**
 * Slow callback receivers cannot starve provider calls: on a worker with 3 activity slots and at
 * most 1 callback delivery in flight, refunds whose receiver hangs (it holds every request open
 * until the test lets go) leave the other slots to provider calls. A refund without a callback
 * completes while the receiver still holds a request, the receiver never sees more than one
 * request at a time, and once it answers every held-back callback is delivered.
 */
import { createServer, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startStack, uniqueKey, type Stack } from '../helpers/stack.js';

let s: Stack;
let receiver: Server;
let base: string;
const held: ServerResponse[] = [];
let open = 0;
let maxOpen = 0;
let received = 0;
let hang = true;

beforeAll(async () => {
  // Provider timeout 60 s: a callback request hangs for as long as callbacks allow (25 s, under the activity's 30 s).
  s = await startStack({ requestTimeoutMs: 60_000, callbackMaxConcurrent: 1, tuning: { maxConcurrentActivityTaskExecutions: 3 } });
  receiver = createServer((req, res) => {
    received++;
    open++;
    maxOpen = Math.max(maxOpen, open);
    res.on('close', () => open--);
    req.resume();
    req.on('end', () => (hang ? held.push(res) : res.writeHead(200).end()));
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  hang = false;
  for (const res of held.splice(0)) res.writeHead(200).end();
  await s?.stop();
  receiver?.closeAllConnections();
  await new Promise((r) => receiver?.close(r));
});

async function reservepayRefund(callbackUrl?: string): Promise<string> {
  const paymentId = (await s.admin('POST', '/payments', { provider: 'reservepay', amount: 10_000, currency: 'THB' })).id as string;
  const { refund } = await s.refunds.create({ idempotencyKey: uniqueKey('slots'), provider: 'reservepay', payment: { paymentId }, amount: 500, currency: 'THB', ...(callbackUrl ? { callbackUrl } : {}) });
  return refund.refundId;
}

describe('callback activity slots', () => {
  it('a hanging receiver holds at most its own slot; provider calls go on', async () => {
    const withCallbacks = [];
    for (let i = 0; i < 5; i++) withCallbacks.push(await reservepayRefund(`${base}/hook/${i}`));
    // The receiver holds a request open...
    await eventually(async () => held.length >= 1, 30_000);
    // ...and while it does, a refund needs provider calls (submit, check) and gets them.
    const plain = await reservepayRefund();
    expect((await s.refunds.waitForFinal(plain)).status).toBe('approved');
    expect(held.length).toBeGreaterThanOrEqual(1);
    expect(open).toBeGreaterThanOrEqual(1);
    // Never more than one delivery in flight, although five refunds wanted theirs sent.
    expect(maxOpen).toBe(1);

    // The receiver answers: every held-back callback is delivered.
    hang = false;
    for (const res of held.splice(0)) res.writeHead(200).end();
    for (const id of withCallbacks) {
      const final = await s.refunds.waitForFinal(id);
      expect(final.callbacks).toEqual([expect.objectContaining({ state: 'delivered', httpStatus: 200 })]);
    }
    expect(maxOpen).toBe(1);
    expect(received).toBeGreaterThanOrEqual(5);
  }, 150_000);
});
