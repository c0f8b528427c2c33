/**
 * A webhook's target URL and the addresses it may be sent to. The API checks a URL when a subscription is
 * created, changed or enabled; the worker checks it again before every attempt (DNS may have changed since:
 * rebinding) and connects to exactly the addresses it checked. The name resolver is passed in (the apps give
 * the system's, tests their own), so this stays free of I/O.
 */
import { addressPermitted, classifyAddress, parseIpv6, REFUSED_ADDRESS_TEXT, type RefusedAddressReason } from './address.ts';

export const WEBHOOK_URL_MAX_LENGTH = 2048;

export type ResolvedAddress = { address: string; family: 4 | 6 };
/** All A and AAAA records of a host name (throws when it does not resolve). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export type TargetRefusal =
  | 'invalid_url'
  | 'scheme'
  | 'credentials'
  | 'fragment'
  | 'unresolvable'
  | Exclude<RefusedAddressReason, 'invalid'>;

export type TargetCheck =
  | { ok: true; url: URL; hostname: string; addresses: ResolvedAddress[] }
  | { ok: false; reason: TargetRefusal; message: string; address?: string };

/** The URL's host without IPv6 brackets. */
export const bareHostname = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** A URL as it may be shown anywhere (events, logs): scheme, host, port and path — no query, no credentials. */
export function displayTarget(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** The URL's form: http(s), no user:password (it would travel in logs), no fragment. */
export function parseWebhookUrl(raw: string): { ok: true; url: URL } | { ok: false; reason: TargetRefusal; message: string } {
  if (raw.length > WEBHOOK_URL_MAX_LENGTH) {
    return { ok: false, reason: 'invalid_url', message: `longer than ${WEBHOOK_URL_MAX_LENGTH} characters` };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'invalid_url', message: 'not an absolute URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, reason: 'scheme', message: `scheme ${url.protocol} is not http: or https:` };
  }
  if (url.username || url.password) {
    return {
      ok: false,
      reason: 'credentials',
      message: 'a user name or password in the URL is not allowed; use auth mode bearer for a token',
    };
  }
  if (url.hash) return { ok: false, reason: 'fragment', message: 'a #fragment is never sent; remove it' };
  if (!url.hostname) return { ok: false, reason: 'invalid_url', message: 'no host' };
  return { ok: true, url };
}

const isIpLiteral = (host: string) => classifyAddress(host).family !== 0;

/**
 * Check a target: the URL's form, then every address its host resolves to (an IP literal is its own
 * address). One refused address refuses the target — an attacker's DNS may return a public address and a
 * private one. On success, `addresses` are the ones to connect to.
 */
export async function checkWebhookTarget(
  raw: string,
  opts: { resolve: HostResolver; allowInternal: boolean },
): Promise<TargetCheck> {
  const parsed = parseWebhookUrl(raw);
  if (!parsed.ok) return parsed;
  const { url } = parsed;
  const hostname = bareHostname(url);
  let addresses: ResolvedAddress[];
  if (isIpLiteral(hostname)) {
    addresses = [{ address: hostname, family: parseIpv6(hostname) ? 6 : 4 }];
  } else {
    try {
      addresses = await opts.resolve(hostname);
    } catch (e) {
      return { ok: false, reason: 'unresolvable', message: `${hostname} does not resolve (${(e as Error).message})` };
    }
    if (addresses.length === 0) return { ok: false, reason: 'unresolvable', message: `${hostname} has no addresses` };
  }
  for (const a of addresses) {
    const p = addressPermitted(a.address, opts.allowInternal);
    if (!p.ok) {
      const reason: Exclude<RefusedAddressReason, 'invalid'> = p.reason === 'invalid' ? 'reserved' : p.reason;
      const via = a.address === hostname ? '' : ` (${hostname} resolves to it)`;
      return {
        ok: false,
        reason,
        address: a.address,
        message: `${a.address}${via} is ${REFUSED_ADDRESS_TEXT[p.reason]}; ${
          opts.allowInternal ? 'never a webhook target' : 'internal targets are not allowed (WEBHOOK_ALLOW_INTERNAL_TARGETS)'
        }`,
      };
    }
  }
  return { ok: true, url, hostname, addresses };
}
