/** Sellers and devices list in pages (cursor) for the web app's screens; devices also by part of code or name. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;

const post = (url: string, payload: object) => t.call({ method: 'POST', url, token: admin, payload });
async function allPages(path: string, limit: number) {
  const out: string[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r = await t.call({ url: `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, token: admin });
    expect(r.statusCode, r.body).toBe(200);
    const page = r.json();
    expect(page.items.length).toBeLessThanOrEqual(limit);
    out.push(...page.items.map((x: { ban?: string; deviceCode?: string }) => x.ban ?? x.deviceCode));
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

beforeAll(async () => {
  t = await createTestApp();
  admin = (await t.login()).accessToken;
});
afterAll(async () => t?.close());

describe('paged lists', () => {
  it('pages sellers in BAN order, every seller once', async () => {
    const bans = ['04595257', '22099131', '53212539', '12345675', '10458575'];
    for (const ban of bans) expect((await post('/api/v1/sellers', { ban, name: `S${ban}`, address: 'A' })).statusCode).toBe(201);
    expect(await allPages('/api/v1/sellers', 2)).toEqual([...bans].sort());
    // Without a limit, pickers get them all at once.
    const all = (await t.call({ url: '/api/v1/sellers', token: admin })).json();
    expect(all.items).toHaveLength(5);
    expect(all.nextCursor).toBeNull();
  });

  it('pages devices and finds them by part of their code or name', async () => {
    const seller = (await post('/api/v1/sellers', { ban: '24549210', name: 'D', address: 'A' })).json().id;
    const siteId = (await post(`/api/v1/sellers/${seller}/sites`, { code: 'D1', name: 'Site' })).json().id;
    for (const [code, name] of [
      ['POS-01', '一號機'],
      ['POS-02', '二號機'],
      ['PDA-01', '巡場機'],
    ]) {
      expect((await post('/api/v1/devices', { deviceCode: code, name, siteId })).statusCode).toBe(201);
    }
    expect(await allPages('/api/v1/devices', 2)).toEqual(['PDA-01', 'POS-01', 'POS-02']);
    expect(await allPages('/api/v1/devices?q=pos', 10)).toEqual(['POS-01', 'POS-02']);
    expect(await allPages(`/api/v1/devices?q=${encodeURIComponent('巡場')}`, 10)).toEqual(['PDA-01']);
    expect(await allPages('/api/v1/devices?q=%25', 10)).toEqual([]);
  });
});
