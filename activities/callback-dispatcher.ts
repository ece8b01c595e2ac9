/**
 * The completion callbacks' own HTTP pool: an undici Agent whose connect step resolves the
 * receiver's name itself, checks every address it resolves to, and connects to the checked
 * address (never resolving again), so a name that answers with a public address to one lookup
 * and 127.0.0.1 to the next (DNS rebinding) gets nowhere. IP literals in any spelling the URL
 * parser accepts (`2130706433`, `0x7f000001`, `127.1`, `[::ffff:127.0.0.1]`) arrive here already
 * normalised to an address and are checked the same way.
 *
 * Refused: loopback, "this network"/unspecified, RFC 1918, link-local (IPv4 and fe80::/10),
 * CGNAT 100.64.0.0/10, IETF/benchmark/reserved ranges, multicast, broadcast, unique local
 * fc00::/7, site-local, IPv4-compatible IPv6, and the IPv4 embedded in IPv4-mapped, NAT64 and
 * 6to4 addresses; cloud metadata endpoints (169.254.169.254, fd00:ec2::254, 100.100.100.200,
 * 192.0.0.192) all lie in those ranges. Operators who need an internal receiver list its networks
 * in REFUNDS_CALLBACK_ALLOWED_NETWORKS (CIDRs or addresses); `npm start` and the tests allow loopback.
 */
import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';

/** Thrown by the connect step: nothing was sent to `address`. */
export class DestinationRefusedError extends Error {
  override readonly name = 'DestinationRefusedError';
  readonly code = 'ERR_CALLBACK_DESTINATION_REFUSED';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(`callback destination ${host} (${address}) is in a forbidden range (${range})`);
  }
}

/** [network, prefix, what it is]. */
const FORBIDDEN_V4: [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified / this network'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'CGNAT (RFC 6598)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local / cloud metadata'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved / broadcast'],
];
const FORBIDDEN_V6: [string, number, string][] = [
  ['::', 96, 'unspecified / loopback / IPv4-compatible'],
  ['100::', 64, 'discard'],
  ['2001:db8::', 32, 'documentation'],
  ['fc00::', 7, 'unique local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

/** The 8 hextets of an IPv6 address (with a trailing dotted quad, if any, folded in). */
function hextets(address: string): number[] {
  let a = address.toLowerCase().replace(/%.*$/, '');
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (quad) {
    const [b0, b1, b2, b3] = quad[1]!.split('.').map(Number) as [number, number, number, number];
    a = `${a.slice(0, -quad[1]!.length)}${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
  }
  const [head, tail] = a.includes('::') ? (a.split('::') as [string, string]) : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((x) => parseInt(x, 16));
}

/** The IPv4 address an IPv6 one carries for IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96, 64:ff9b:1::/48) and 6to4 (2002::/16). */
export function embeddedIPv4(address: string): string | undefined {
  const h = hextets(address);
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (h.slice(0, 5).every((x) => x === 0) && h[5] === 0xffff) return v4(h[6]!, h[7]!);
  if (h[0] === 0x64 && h[1] === 0xff9b && (h.slice(2, 6).every((x) => x === 0) || h[2] === 1)) return v4(h[6]!, h[7]!);
  if (h[0] === 0x2002) return v4(h[1]!, h[2]!);
  return undefined;
}

/** Parse `10.1.2.0/24`, `fd12::/64`, `127.0.0.1`, `::1` into a BlockList. Throws on a bad entry. */
function networkList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [net, prefix] = entry.trim().split('/') as [string, string | undefined];
    const family = isIP(net);
    if (family === 0) throw new Error(`not an IP network: ${JSON.stringify(entry)}`);
    const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
    if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) throw new Error(`bad prefix length in ${JSON.stringify(entry)}`);
    list.addSubnet(net, bits, family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

export class DestinationPolicy {
  private readonly forbidden: { list: BlockList; v4: boolean; range: string }[];
  private readonly allowed: BlockList;

  /** `allowedNetworks`: CIDRs or single addresses let through although in a forbidden range. */
  constructor(allowedNetworks: readonly string[] = []) {
    this.allowed = networkList(allowedNetworks);
    this.forbidden = [
      ...FORBIDDEN_V4.map(([n, p, r]) => ({ list: networkList([`${n}/${p}`]), v4: true, range: `${n}/${p} ${r}` })),
      ...FORBIDDEN_V6.map(([n, p, r]) => ({ list: networkList([`${n}/${p}`]), v4: false, range: `${n}/${p} ${r}` })),
    ];
  }

  /** Why `address` (an IP) must not be contacted, or undefined when it may be. */
  refusal(address: string): string | undefined {
    const family = isIP(address);
    if (family === 0) return 'not an IP address';
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (this.allowed.check(address, type)) return undefined;
    const embedded = family === 6 ? embeddedIPv4(address) : undefined;
    if (embedded !== undefined) return this.refusal(embedded);
    // BlockList compares IPv4-mapped IPv6 addresses with IPv4 rules too: match by family only.
    for (const f of this.forbidden) if (f.v4 === (family === 4) && f.list.check(address, type)) return f.range;
    return undefined;
  }
}

/** `localhost` and `*.localhost` (RFC 6761), with or without the root dot. */
const LOCALHOST = /(^|\.)localhost\.?$/i;
const LOOPBACK_ADDRESSES = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemLookup: LookupAll = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

export interface CallbackDispatcherOptions {
  /** REFUNDS_CALLBACK_ALLOWED_NETWORKS. */
  allowedNetworks?: readonly string[];
  /** Name resolution (default: the system resolver, as for any other connection). Tests inject one. */
  lookup?: LookupAll;
  /** TCP/TLS connect timeout. Default 5 s. */
  connectTimeoutMs?: number;
  /** Max sockets per receiver origin. Default 4. */
  connections?: number;
}

/** The callbacks' Agent. One per worker; close it on shutdown. */
export function createCallbackDispatcher(options: CallbackDispatcherOptions = {}): Agent {
  const policy = new DestinationPolicy(options.allowedNetworks ?? []);
  const lookup = options.lookup ?? systemLookup;
  const connect = buildConnector({ timeout: options.connectTimeoutMs ?? 5_000 });
  return new Agent({
    connections: options.connections ?? 4,
    keepAliveTimeout: 4_000,
    connect(opts, callback) {
      const host = opts.hostname;
      const resolved = isIP(host)
        ? Promise.resolve([{ address: host, family: isIP(host) }])
        : LOCALHOST.test(host)
          ? Promise.resolve(LOOPBACK_ADDRESSES) // RFC 6761: always loopback, whatever the resolver says
          : lookup(host);
      resolved.then(
        (addresses) => {
          if (addresses.length === 0) throw Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
          // Every address the name has must be allowed (it is the receiver's, not an attacker's choice).
          for (const a of addresses) {
            const why = policy.refusal(a.address);
            if (why) throw new DestinationRefusedError(host, a.address, why);
          }
          // Connect to the checked address; TLS still sends and verifies the name (undici takes it from opts.host).
          connect({ ...opts, hostname: addresses[0]!.address }, callback);
        },
      ).catch((err: unknown) => callback(err as Error, null));
    },
  });
}
