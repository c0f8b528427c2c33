/**
 * Which IP addresses a webhook may be sent to (SSRF protection). A target that resolves to loopback,
 * private (RFC 1918), shared/CGNAT (RFC 6598), link-local (incl. the cloud metadata address
 * 169.254.169.254), unique-local IPv6, IPv4-mapped IPv6, unspecified, multicast or another special-purpose
 * range (IANA special-purpose registries) is refused, unless the stack allows internal targets
 * (WEBHOOK_ALLOW_INTERNAL_TARGETS, on-prem installs). Metadata endpoints, multicast and unspecified
 * addresses are refused even then: no receiver lives there.
 *
 * Parsing is done here, not with the resolver's or the HTTP client's ideas of an address, so what is
 * checked is exactly what is connected to (the sender pins the connection to these addresses).
 */

export type RefusedAddressReason =
  | 'invalid'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'cgnat'
  | 'link_local'
  | 'metadata'
  | 'unique_local'
  | 'ipv4_mapped'
  | 'multicast'
  | 'documentation'
  | 'reserved';

export type AddressVerdict =
  | { allowed: true; family: 4 | 6 }
  | { allowed: false; family: 4 | 6 | 0; reason: RefusedAddressReason };

/** Reasons that internal targets being allowed does not lift: nothing a receiver can listen on, or cloud metadata. */
const ALWAYS_REFUSED: ReadonlySet<RefusedAddressReason> = new Set(['invalid', 'unspecified', 'multicast', 'metadata']);

/** Words for each reason, for error messages and the delivery log. */
export const REFUSED_ADDRESS_TEXT: Record<RefusedAddressReason, string> = {
  invalid: 'not an IP address',
  unspecified: 'an unspecified address (0.0.0.0, ::)',
  loopback: 'a loopback address',
  private: 'a private network address',
  cgnat: 'a shared (carrier-grade NAT) address',
  link_local: 'a link-local address',
  metadata: 'a cloud metadata service address',
  unique_local: 'a unique-local IPv6 address',
  ipv4_mapped: 'an IPv4-mapped IPv6 address',
  multicast: 'a multicast or broadcast address',
  documentation: 'a documentation address',
  reserved: 'a reserved or special-purpose address',
};

/** The 4 bytes of a dotted-quad IPv4 address (exactly four decimal parts 0-255, no leading zeros), or null. */
export function parseIpv4(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const bytes: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    bytes.push(n);
  }
  return bytes;
}

/** The 16 bytes of an IPv6 address (with `::`, an IPv4 tail, and a `%zone` allowed), or null. */
export function parseIpv6(input: string): number[] | null {
  let s = input;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (!s.includes(':')) return null;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (!v4) return null;
    tail = v4;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0] as string);
  const rest = halves.length === 2 ? groups(halves[1] as string) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => '0'), ...rest];
  const bytes: number[] = [];
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    const n = Number.parseInt(g, 16);
    bytes.push(n >> 8, n & 0xff);
  }
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** Whether the first `bits` bits of `bytes` equal those of `prefix`. */
function inPrefix(bytes: number[], prefix: number[], bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if (((bytes[byte] ?? 0) & mask) !== ((prefix[byte] ?? 0) & mask)) return false;
  }
  return true;
}

type Range = { prefix: number[]; bits: number; reason: RefusedAddressReason };
const v4 = (a: string, bits: number, reason: RefusedAddressReason): Range => ({ prefix: parseIpv4(a)!, bits, reason });
const v6 = (a: string, bits: number, reason: RefusedAddressReason): Range => ({ prefix: parseIpv6(a)!, bits, reason });

/** IANA IPv4 special-purpose ranges that are not globally reachable unicast (most specific first). */
const IPV4_RANGES: Range[] = [
  v4('169.254.169.254', 32, 'metadata'), // AWS, GCP, Azure, OpenStack …
  v4('100.100.100.200', 32, 'metadata'), // Alibaba Cloud
  v4('192.0.0.192', 32, 'metadata'), // Oracle Cloud
  v4('0.0.0.0', 8, 'unspecified'),
  v4('10.0.0.0', 8, 'private'),
  v4('100.64.0.0', 10, 'cgnat'),
  v4('127.0.0.0', 8, 'loopback'),
  v4('169.254.0.0', 16, 'link_local'),
  v4('172.16.0.0', 12, 'private'),
  v4('192.0.0.0', 24, 'reserved'),
  v4('192.0.2.0', 24, 'documentation'),
  v4('192.88.99.0', 24, 'reserved'),
  v4('192.168.0.0', 16, 'private'),
  v4('198.18.0.0', 15, 'reserved'),
  v4('198.51.100.0', 24, 'documentation'),
  v4('203.0.113.0', 24, 'documentation'),
  v4('224.0.0.0', 4, 'multicast'),
  v4('255.255.255.255', 32, 'multicast'),
  v4('240.0.0.0', 4, 'reserved'),
];

function classifyIpv4(bytes: number[]): AddressVerdict {
  const hit = IPV4_RANGES.find((r) => inPrefix(bytes, r.prefix, r.bits));
  return hit ? { allowed: false, family: 4, reason: hit.reason } : { allowed: true, family: 4 };
}

/** IPv6 ranges (most specific first); addresses that embed an IPv4 address are judged by it below. */
const IPV6_RANGES: Range[] = [
  v6('fd00:ec2::254', 128, 'metadata'), // AWS (IPv6)
  v6('::', 128, 'unspecified'),
  v6('::1', 128, 'loopback'),
  v6('::ffff:0:0', 96, 'ipv4_mapped'),
  v6('::', 96, 'reserved'), // IPv4-compatible (deprecated)
  v6('64:ff9b:1::', 48, 'private'), // local-use NAT64
  v6('100::', 64, 'reserved'), // discard-only
  v6('2001:db8::', 32, 'documentation'),
  v6('2001::', 23, 'reserved'), // IETF protocol assignments, incl. Teredo
  v6('fc00::', 7, 'unique_local'),
  v6('fe80::', 10, 'link_local'),
  v6('fec0::', 10, 'private'), // site-local (deprecated)
  v6('ff00::', 8, 'multicast'),
];

function classifyIpv6(bytes: number[]): AddressVerdict {
  const hit = IPV6_RANGES.find((r) => inPrefix(bytes, r.prefix, r.bits));
  if (hit) {
    // ::ffff:a.b.c.d and ::a.b.c.d reach the IPv4 address: one that is never allowed stays never allowed.
    if (hit.bits === 96) {
      const inner = classifyIpv4(bytes.slice(12, 16));
      if (!inner.allowed && ALWAYS_REFUSED.has(inner.reason)) return { allowed: false, family: 6, reason: inner.reason };
    }
    return { allowed: false, family: 6, reason: hit.reason };
  }
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address: a gateway will connect to it.
  const embedded = inPrefix(bytes, parseIpv6('64:ff9b::')!, 96)
    ? bytes.slice(12, 16)
    : inPrefix(bytes, parseIpv6('2002::')!, 16)
      ? bytes.slice(2, 6)
      : null;
  if (embedded) {
    const inner = classifyIpv4(embedded);
    return inner.allowed ? { allowed: true, family: 6 } : { allowed: false, family: 6, reason: inner.reason };
  }
  // Only 2000::/3 is allocated global unicast.
  if (!inPrefix(bytes, parseIpv6('2000::')!, 3)) return { allowed: false, family: 6, reason: 'reserved' };
  return { allowed: true, family: 6 };
}

/** Classify an IP address (IPv4 dotted quad, or IPv6 in any textual form). */
export function classifyAddress(address: string): AddressVerdict {
  const a4 = parseIpv4(address);
  if (a4) return classifyIpv4(a4);
  const a6 = parseIpv6(address);
  if (a6) return classifyIpv6(a6);
  return { allowed: false, family: 0, reason: 'invalid' };
}

/** Whether a webhook may be sent to `address`, given whether internal targets are allowed. */
export function addressPermitted(
  address: string,
  allowInternal: boolean,
): { ok: true; family: 4 | 6 } | { ok: false; reason: RefusedAddressReason } {
  const v = classifyAddress(address);
  if (v.allowed) return { ok: true, family: v.family };
  if (allowInternal && !ALWAYS_REFUSED.has(v.reason) && v.family !== 0) return { ok: true, family: v.family };
  return { ok: false, reason: v.reason };
}
