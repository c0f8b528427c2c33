import { describe, expect, it } from 'vitest';
import { addressPermitted, classifyAddress, parseIpv4, parseIpv6 } from './address.ts';
import { checkWebhookTarget, displayTarget, parseWebhookUrl } from './target.ts';

describe('address parsing', () => {
  it('reads dotted quads strictly and IPv6 in every textual form', () => {
    expect(parseIpv4('192.168.1.20')).toEqual([192, 168, 1, 20]);
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.x', '']) expect(parseIpv4(bad)).toBeNull();
    expect(parseIpv6('::1')).toEqual([...Array(15).fill(0), 1]);
    expect(parseIpv6('[::1]')).toEqual(parseIpv6('0:0:0:0:0:0:0:1'));
    expect(parseIpv6('fe80::1%eth0')).toEqual(parseIpv6('fe80:0:0:0:0:0:0:1'));
    expect(parseIpv6('::ffff:127.0.0.1')).toEqual(parseIpv6('::ffff:7f00:1'));
    expect(parseIpv6('2001:db8::8:800:200c:417a')).toEqual([
      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0x08, 0x08, 0, 0x20, 0x0c, 0x41, 0x7a,
    ]);
    for (const bad of ['1::2::3', '12345::', ':::', 'g::1', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '127.0.0.1']) {
      expect(parseIpv6(bad), bad).toBeNull();
    }
  });
});

describe('which addresses a webhook may reach', () => {
  const refused: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.10', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.254', 'cgnat'],
    ['169.254.0.7', 'link_local'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.5', 'documentation'],
    ['198.18.0.1', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'ipv4_mapped'],
    ['::ffff:8.8.8.8', 'ipv4_mapped'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['fc00::1', 'unique_local'],
    ['fd12:3456:789a::1', 'unique_local'],
    ['fd00:ec2::254', 'metadata'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:c0a8:0101::1', 'private'],
    ['2001::1', 'reserved'],
    ['4000::1', 'reserved'],
    ['not-an-ip', 'invalid'],
  ];
  it.each(refused)('%s is refused as %s', (address, reason) => {
    expect(classifyAddress(address)).toMatchObject({ allowed: false, reason });
    expect(addressPermitted(address, false)).toEqual({ ok: false, reason });
  });

  it.each([
    ['8.8.8.8', 4],
    ['1.1.1.1', 4],
    ['172.32.0.1', 4],
    ['100.128.0.1', 4],
    ['169.255.0.1', 4],
    ['2606:4700:4700::1111', 6],
    ['64:ff9b::8.8.8.8', 6],
    ['2002:0808:0808::1', 6],
  ] as const)('%s is a public address', (address, family) => {
    expect(classifyAddress(address)).toEqual({ allowed: true, family });
    expect(addressPermitted(address, false)).toEqual({ ok: true, family });
  });

  it('allowing internal targets (on-prem) opens private, loopback, link-local … but never metadata, multicast or unspecified', () => {
    for (const a of ['127.0.0.1', '10.0.0.5', '192.168.1.1', '100.64.0.1', '169.254.1.1', 'fd00::5', '::1', '::ffff:10.0.0.1']) {
      expect(addressPermitted(a, true).ok, a).toBe(true);
    }
    for (const a of [
      '169.254.169.254',
      '::ffff:169.254.169.254',
      'fd00:ec2::254',
      '0.0.0.0',
      '::',
      '224.0.0.1',
      'ff02::1',
      'x',
    ]) {
      expect(addressPermitted(a, true).ok, a).toBe(false);
    }
  });
});

describe('webhook targets', () => {
  const resolver =
    (table: Record<string, string[]>) =>
    async (host: string): Promise<{ address: string; family: 4 | 6 }[]> => {
      const list = table[host];
      if (!list) throw new Error('ENOTFOUND');
      return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
  const resolve = resolver({
    'erp.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    'internal.example.com': ['10.20.30.40'],
    'mixed.example.com': ['93.184.216.34', '192.168.1.9'],
    'meta.example.com': ['169.254.169.254'],
    'empty.example.com': [],
  });

  it('accepts a public host with every address it resolves to, and refuses if any address is internal', async () => {
    const ok = await checkWebhookTarget('https://erp.example.com:8443/hooks?x=1', { resolve, allowInternal: false });
    expect(ok).toMatchObject({ ok: true, hostname: 'erp.example.com' });
    expect(ok.ok && ok.addresses.map((a) => a.address)).toEqual(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']);
    expect(await checkWebhookTarget('https://internal.example.com/', { resolve, allowInternal: false })).toMatchObject({
      ok: false,
      reason: 'private',
      address: '10.20.30.40',
    });
    expect(await checkWebhookTarget('https://mixed.example.com/', { resolve, allowInternal: false })).toMatchObject({
      ok: false,
      reason: 'private',
      address: '192.168.1.9',
    });
    expect(await checkWebhookTarget('https://internal.example.com/', { resolve, allowInternal: true })).toMatchObject({
      ok: true,
    });
    expect(await checkWebhookTarget('https://meta.example.com/', { resolve, allowInternal: true })).toMatchObject({
      ok: false,
      reason: 'metadata',
    });
  });

  it('checks IP literals without resolving (WHATWG URL normalises decimal/hex forms first)', async () => {
    const noResolve = async () => {
      throw new Error('must not resolve');
    };
    for (const [url, reason] of [
      ['http://127.0.0.1:8080/x', 'loopback'],
      ['http://2130706433/', 'loopback'],
      ['http://0x7f.1/', 'loopback'],
      ['http://[::1]/', 'loopback'],
      ['http://[::ffff:7f00:1]/', 'ipv4_mapped'],
      ['http://169.254.169.254/latest/meta-data/', 'metadata'],
      ['http://[fd00::1]/', 'unique_local'],
      ['http://0.0.0.0:3000/', 'unspecified'],
    ] as const) {
      expect(await checkWebhookTarget(url, { resolve: noResolve, allowInternal: false }), url).toMatchObject({
        ok: false,
        reason,
      });
    }
    expect(await checkWebhookTarget('http://[::1]:9/', { resolve: noResolve, allowInternal: true })).toMatchObject({
      ok: true,
      hostname: '::1',
      addresses: [{ address: '::1', family: 6 }],
    });
  });

  it('refuses malformed URLs, other schemes, credentials, fragments and names that do not resolve', async () => {
    const opts = { resolve, allowInternal: true };
    expect(await checkWebhookTarget('erp.example.com/x', opts)).toMatchObject({ ok: false, reason: 'invalid_url' });
    expect(await checkWebhookTarget('ftp://erp.example.com/', opts)).toMatchObject({ ok: false, reason: 'scheme' });
    expect(await checkWebhookTarget('file:///etc/passwd', opts)).toMatchObject({ ok: false, reason: 'scheme' });
    expect(await checkWebhookTarget('https://u:p@erp.example.com/', opts)).toMatchObject({ ok: false, reason: 'credentials' });
    expect(await checkWebhookTarget('https://erp.example.com/#x', opts)).toMatchObject({ ok: false, reason: 'fragment' });
    expect(await checkWebhookTarget('https://nowhere.example.com/', opts)).toMatchObject({ ok: false, reason: 'unresolvable' });
    expect(await checkWebhookTarget('https://empty.example.com/', opts)).toMatchObject({ ok: false, reason: 'unresolvable' });
    expect(await checkWebhookTarget(`https://erp.example.com/${'a'.repeat(2100)}`, opts)).toMatchObject({
      reason: 'invalid_url',
    });
    expect(parseWebhookUrl('https://erp.example.com/hook')).toMatchObject({ ok: true });
  });

  it('shows a target without its query string', () => {
    expect(displayTarget('https://erp.example.com:8443/hooks/in?token=abc')).toBe('https://erp.example.com:8443/hooks/in');
    expect(displayTarget('nope')).toBe('(invalid URL)');
  });
});
