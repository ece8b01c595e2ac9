/**
 * Bad input for completion callbacks (issue 12): refunds whose callbackUrl points at every
 * forbidden range, IPv4 and IPv6, in decimal, hex, octal and short forms, and names resolving to
 * 127.0.0.1 (`localhost`). The worker allows no internal network here (unlike the other tests).
 * None is contacted (listeners on each loopback target count 0 connections), each refund still
 * completes, and each refund's callback state says `CallbackRefused: refused`: a generic kind,
 * never the socket's text or an internal host and port.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startStack, uniqueKey, type Stack } from '../helpers/stack.js';

let s: Stack;
let port: number;
const servers: Server[] = [];
const accepted: string[] = [];

async function listen(host: string, p: number): Promise<number> {
  const server = createServer((socket: Socket) => {
    accepted.push(`${host} from ${socket.remoteAddress}`);
    socket.destroy();
  });
  servers.push(server);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(p, host, resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  s = await startStack({ callbackAllowedNetworks: [] });
  port = await listen('127.0.0.1', 0);
  await listen('::1', port);
  await listen('127.0.0.2', port);
});

afterAll(async () => {
  await s?.stop();
  await Promise.all(servers.map((srv) => new Promise((r) => srv.close(r))));
});

const LOOPBACK_TARGETS = [
  'http://127.0.0.1:PORT/hook',
  'http://127.0.0.2:PORT/hook',
  'http://2130706433:PORT/hook', // 127.0.0.1 as one decimal number
  'http://0x7f000001:PORT/hook', // hex
  'http://0177.0.0.1:PORT/hook', // octal
  'http://127.1:PORT/hook', // short form
  'http://0.0.0.0:PORT/hook', // reaches loopback on Linux
  'http://[::1]:PORT/hook',
  'http://[::ffff:127.0.0.1]:PORT/hook', // IPv4-mapped
  'http://[::ffff:7f00:1]:PORT/hook',
  'http://[::]:PORT/hook',
  'http://localhost:PORT/hook', // a name resolving to 127.0.0.1 (and ::1)
  'http://LOCALHOST.:PORT/hook',
];

const OTHER_FORBIDDEN = [
  'http://169.254.169.254/latest/meta-data/iam/security-credentials/', // cloud metadata
  'http://[fd00:ec2::254]/latest/meta-data/', // AWS IPv6 metadata
  'http://100.100.100.200/latest/meta-data/', // Alibaba metadata (CGNAT)
  'http://10.0.0.1:7233/',
  'http://172.16.0.1/',
  'http://192.168.1.1/',
  'http://100.64.0.1/',
  'http://224.0.0.1/',
  'http://255.255.255.255/',
  'http://[fe80::1]/',
  'http://[fc00::1]/',
  'http://[ff02::1]/',
  'http://[64:ff9b::a00:1]/', // NAT64 of 10.0.0.1
];

describe('callbacks to internal destinations', () => {
  it('contacts none of them and records each as refused', async () => {
    const urls = [...LOOPBACK_TARGETS.map((u) => u.replace('PORT', String(port))), ...OTHER_FORBIDDEN];
    const started: { url: string; refundId: string }[] = [];
    for (const url of urls) {
      const paymentId = (await s.admin('POST', '/payments', { provider: 'reservepay', amount: 1_000, currency: 'THB' })).id as string;
      const { refund } = await s.refunds.create({ idempotencyKey: uniqueKey('ssrf'), provider: 'reservepay', payment: { paymentId }, amount: 100, currency: 'THB', callbackUrl: url });
      started.push({ url, refundId: refund.refundId });
    }
    // Every refund ends (a callback still retrying would keep its workflow open): then compare.
    const outcomes: Record<string, unknown> = {};
    await eventually(async () => {
      for (const { url, refundId } of started) {
        const r = await s.refunds.get(refundId);
        outcomes[url] = { status: r.status, callbacks: r.callbacks?.map((c) => ({ state: c.state, error: c.error })) };
      }
      return Object.values(outcomes).every((o) => (o as { callbacks?: { state: string }[] }).callbacks?.every((c) => c.state !== 'pending'));
    }, 60_000).catch(() => undefined);
    const expected = Object.fromEntries(urls.map((u) => [u, { status: 'approved', callbacks: [{ state: 'failed', error: 'CallbackRefused: refused' }] }]));
    expect(outcomes).toEqual(expected);
    // Not one connection reached a loopback listener.
    expect(accepted).toEqual([]);
  }, 150_000);
});
