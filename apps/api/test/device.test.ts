/** Devices bound to sites; revoking a device disables its machine clients at once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;
let siteId: string;
let otherSiteId: string;

beforeAll(async () => {
  t = await createTestApp({ LOGIN_IP_MAX_PER_MINUTE: '1000' });
  admin = (await t.login()).accessToken;
  const seller = await t.call({
    method: 'POST',
    url: '/api/v1/sellers',
    token: admin,
    payload: { ban: '04595257', name: 'S', address: 'A' },
  });
  const site = await t.call({
    method: 'POST',
    url: `/api/v1/sellers/${seller.json().id}/sites`,
    token: admin,
    payload: { code: 'S1', name: 'Site 1' },
  });
  const site2 = await t.call({
    method: 'POST',
    url: `/api/v1/sellers/${seller.json().id}/sites`,
    token: admin,
    payload: { code: 'S2', name: 'Site 2' },
  });
  siteId = site.json().id;
  otherSiteId = site2.json().id;
});
afterAll(() => t.close());

describe('devices', () => {
  it('registers a device at a site, refuses unknown sites and duplicate codes, moves it', async () => {
    const r = await t.call({
      method: 'POST',
      url: '/api/v1/devices',
      token: admin,
      payload: { deviceCode: 'POS-001', name: 'Pump 1', siteId },
    });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ deviceCode: 'POS-001', kind: 'pos', siteId, revokedAt: null });
    const dup = await t.call({
      method: 'POST',
      url: '/api/v1/devices',
      token: admin,
      payload: { deviceCode: 'POS-001', name: 'x', siteId },
    });
    expect(dup.statusCode).toBe(409);
    const unknown = await t.call({
      method: 'POST',
      url: '/api/v1/devices',
      token: admin,
      payload: { deviceCode: 'POS-002', name: 'x', siteId: '00000000-0000-4000-8000-000000000000' },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().details).toEqual([{ field: 'body.siteId', message: 'unknown site' }]);
    const moved = await t.call({
      method: 'PATCH',
      url: `/api/v1/devices/${r.json().id}`,
      token: admin,
      payload: { siteId: otherSiteId },
    });
    expect(moved.json().siteId).toBe(otherSiteId);
    const list = await t.call({ url: `/api/v1/devices?siteId=${otherSiteId}`, token: admin });
    expect(list.json().items.map((d: { deviceCode: string }) => d.deviceCode)).toEqual(['POS-001']);
  });

  it('revoking a device disables its clients: their tokens stop working at once', async () => {
    const d = await t.call({
      method: 'POST',
      url: '/api/v1/devices',
      token: admin,
      payload: { deviceCode: 'POS-009', name: 'Pump 9', siteId },
    });
    const c = await t.call({
      method: 'POST',
      url: '/api/v1/clients',
      token: admin,
      payload: {
        name: 'Pump 9 POS',
        kind: 'pos',
        roles: ['pos'],
        scope: { all: false, sellers: [], sites: [siteId] },
        deviceId: d.json().id,
      },
    });
    expect(c.statusCode).toBe(201);
    expect(c.json().deviceId).toBe(d.json().id);
    const token = await t.clientToken(c.json().clientId, c.json().clientSecret);
    expect((await t.call({ url: '/api/v1/auth/me', token })).statusCode).toBe(200);

    const r = await t.call({
      method: 'POST',
      url: `/api/v1/devices/${d.json().id}/revoke`,
      token: admin,
      payload: { reason: 'stolen' },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ revokedReason: 'stolen' });
    expect(r.json().revokedAt).not.toBeNull();
    expect((await t.call({ url: '/api/v1/auth/me', token })).statusCode).toBe(401);
    const again = await t.call({
      method: 'POST',
      url: `/api/v1/devices/${d.json().id}/revoke`,
      token: admin,
      payload: { reason: 'x' },
    });
    expect(again.statusCode).toBe(409);
    const bind = await t.call({
      method: 'POST',
      url: '/api/v1/clients',
      token: admin,
      payload: { name: 'x', kind: 'pos', roles: ['pos'], scope: { all: true, sellers: [], sites: [] }, deviceId: d.json().id },
    });
    expect(bind.json().details).toEqual([{ field: 'body.deviceId', message: 'device is revoked' }]);
    const audit = await t.deps.db
      .selectFrom('sys_audit_logs')
      .select(['summary'])
      .where('action', '=', 'device.revoke')
      .where('outcome', '=', 'success')
      .executeTakeFirstOrThrow();
    expect(audit.summary).toMatchObject({ note: { clientsDisabled: 1 } });
  });

  it('needs device.manage', async () => {
    const pos = await t.clientToken();
    expect((await t.call({ url: '/api/v1/devices', token: pos })).statusCode).toBe(403);
  });
});
