/**
 * The callbacks' dispatcher (activities/callback-dispatcher.ts): which addresses it refuses, and
 * over real sockets on loopback that a refused destination is never contacted, that the address
 * it connects to is the one it checked (a name that rebinds to 127.0.0.1 on its next lookup gets
 * nowhere), and that the allow-list lets an operator's internal receiver through.
 */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallbackDispatcher, DestinationPolicy, DestinationRefusedError, embeddedIPv4, type LookupAll } from '../../activities/callback-dispatcher.js';
import { sendFailureKind } from '../../activities/callbacks.js';

describe('DestinationPolicy', () => {
  const policy = new DestinationPolicy();

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['10.0.0.1', 'RFC 1918'],
    ['172.16.0.1', 'RFC 1918'],
    ['172.31.255.255', 'RFC 1918'],
    ['192.168.1.1', 'RFC 1918'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'CGNAT'],
    ['100.100.100.200', 'CGNAT'],
    ['192.0.0.192', 'IETF'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fc00::1', 'unique local'],
    ['fd00:ec2::254', 'unique local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::127.0.0.1', 'IPv4-compatible'],
    ['64:ff9b::a00:1', 'RFC 1918'],
    ['2002:7f00:1::1', 'loopback'],
  ])('refuses %s (%s)', (address, why) => {
    expect(policy.refusal(address)).toMatch(new RegExp(why, 'i'));
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])('lets %s through', (address) => {
    expect(policy.refusal(address)).toBeUndefined();
  });

  it('reads the IPv4 inside mapped, NAT64 and 6to4 addresses', () => {
    expect(embeddedIPv4('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(embeddedIPv4('::ffff:a01:203')).toBe('10.1.2.3');
    expect(embeddedIPv4('64:ff9b::c0a8:101')).toBe('192.168.1.1');
    expect(embeddedIPv4('2002:c0a8:101::')).toBe('192.168.1.1');
    expect(embeddedIPv4('2606:4700::1')).toBeUndefined();
  });

  it('the allow-list opens exactly the listed networks', () => {
    const p = new DestinationPolicy(['10.1.0.0/16', '::1', '127.0.0.1']);
    expect(p.refusal('10.1.200.3')).toBeUndefined();
    expect(p.refusal('10.2.0.1')).toMatch(/RFC 1918/);
    expect(p.refusal('::1')).toBeUndefined();
    expect(p.refusal('127.0.0.1')).toBeUndefined();
    expect(p.refusal('127.0.0.2')).toMatch(/loopback/);
    expect(p.refusal('169.254.169.254')).toMatch(/link-local/);
    expect(() => new DestinationPolicy(['10.0.0.0/33'])).toThrow(/prefix/);
    expect(() => new DestinationPolicy(['intranet'])).toThrow(/not an IP network/);
  });
});

describe('createCallbackDispatcher over real sockets', () => {
  const servers: Server[] = [];
  const connections = new Map<string, number>();
  let port: number;

  /** A bare TCP listener on `host` answering every request with 204; counts connections. */
  async function listen(host: string, p: number): Promise<number> {
    const server = createServer((socket) => {
      connections.set(host, (connections.get(host) ?? 0) + 1);
      socket.on('data', () => socket.end('HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n'));
    });
    servers.push(server);
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(p, host, resolve));
    return (server.address() as AddressInfo).port;
  }

  beforeAll(async () => {
    port = await listen('127.0.0.1', 0);
    await listen('127.0.0.2', port);
    await listen('::1', port);
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  async function post(url: string, lookup?: LookupAll, allowedNetworks: string[] = []): Promise<number | unknown> {
    const dispatcher = createCallbackDispatcher({ allowedNetworks, ...(lookup ? { lookup } : {}) });
    try {
      const res = await request(url, { dispatcher, method: 'POST', body: '{}' });
      await res.body.dump();
      return res.statusCode;
    } catch (err) {
      return err;
    } finally {
      await dispatcher.close();
    }
  }

  it.each([
    'http://127.0.0.1:PORT/',
    'http://2130706433:PORT/',
    'http://0x7f000001:PORT/',
    'http://0177.0.0.1:PORT/',
    'http://127.1:PORT/',
    'http://0.0.0.0:PORT/',
    'http://[::1]:PORT/',
    'http://[::ffff:127.0.0.1]:PORT/',
    'http://[::]:PORT/',
    'http://localhost:PORT/',
  ])('refuses %s without connecting', async (template) => {
    const before = [...connections.values()].reduce((a, b) => a + b, 0);
    const err = await post(template.replace('PORT', String(port)));
    expect(sendFailureKind(err)).toBe('refused');
    expect([...connections.values()].reduce((a, b) => a + b, 0)).toBe(before);
  });

  it('refuses a name that resolves to loopback (and any name with one internal address)', async () => {
    const err = await post(`http://receiver.example:${port}/`, async () => [{ address: '127.0.0.1', family: 4 }]);
    expect(err).toBeInstanceOf(Error);
    expect(sendFailureKind(err)).toBe('refused');
    const mixed = await post(`http://receiver.example:${port}/`, async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ]);
    expect(sendFailureKind(mixed)).toBe('refused');
    expect(connections.get('127.0.0.1') ?? 0).toBe(0);
  });

  it('connects to the address it checked: a name rebinding to 127.0.0.1 on its next lookup gets nowhere', async () => {
    const answers = ['127.0.0.2', '127.0.0.1'];
    let lookups = 0;
    const rebinding: LookupAll = async () => [{ address: answers[lookups++ % 2]!, family: 4 }];
    // 127.0.0.2 is allowed (an operator's internal receiver); 127.0.0.1 is not.
    expect(await post(`http://rebind.example:${port}/`, rebinding, ['127.0.0.2'])).toBe(204);
    expect(connections.get('127.0.0.2')).toBe(1);
    const second = await post(`http://rebind.example:${port}/`, rebinding, ['127.0.0.2']);
    expect(second).toBeInstanceOf(DestinationRefusedError);
    expect(lookups).toBe(2); // one lookup per connection, checked and used
    expect(connections.get('127.0.0.1') ?? 0).toBe(0);
  });

  it('the allow-list lets an internal receiver through (npm start and the tests allow loopback)', async () => {
    expect(await post(`http://127.0.0.1:${port}/`, undefined, ['127.0.0.0/8', '::1'])).toBe(204);
    expect(await post(`http://[::1]:${port}/`, undefined, ['127.0.0.0/8', '::1'])).toBe(204);
    expect(connections.get('127.0.0.1')).toBe(1);
    expect(connections.get('::1')).toBe(1);
  });
});
