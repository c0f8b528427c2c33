/** Sellers and sites: BAN checksum, QR key sealed and never returned, data scopes, audit. */
import { hashSecret } from '@app/security';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;
const KEY = 'FE0F50D87215F625D1248F5FDAEBA37F';

beforeAll(async () => {
  t = await createTestApp({ LOGIN_IP_MAX_PER_MINUTE: '1000' });
  admin = (await t.login()).accessToken;
});
afterAll(() => t.close());

const createSeller = (body: Record<string, unknown>, token = admin) =>
  t.call({ method: 'POST', url: '/api/v1/sellers', token, payload: body });

/** A user with the given data scope rows and the operator role. */
async function scopedUser(username: string, scope: { type: 'seller' | 'site'; ref: string }[]) {
  const u = await t.deps.db
    .insertInto('sys_users')
    .values({
      tenant_id: t.deps.tenant.id,
      username,
      display_name: username,
      password_hash: await hashSecret('scoped-password-1'),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const role = await t.deps.db.selectFrom('sys_roles').select('id').where('code', '=', 'operator').executeTakeFirstOrThrow();
  await t.deps.db.insertInto('sys_user_roles').values({ user_id: u.id, role_id: role.id }).execute();
  for (const s of scope) {
    await t.deps.db
      .insertInto('sys_data_scopes')
      .values({ tenant_id: t.deps.tenant.id, subject_type: 'user', subject_id: u.id, scope_type: s.type, scope_ref: s.ref })
      .execute();
  }
  return (await t.login(username, 'scoped-password-1')).accessToken;
}

describe('sellers', () => {
  let sellerA: string;
  let sellerB: string;
  let siteA1: string;

  it('registers a seller; the QR key is sealed at rest and only its fingerprint is shown', async () => {
    const r = await createSeller({
      ban: '04595257',
      name: '台灣加油站股份有限公司',
      address: '台北市信義區市府路1號',
      qrAesKey: KEY,
    });
    expect(r.statusCode).toBe(201);
    const s = r.json();
    sellerA = s.id;
    expect(s).toMatchObject({ ban: '04595257', qrKeySet: true, status: 'active' });
    expect(s.qrKeyFingerprint).toMatch(/^[0-9a-f]{8}$/);
    expect(r.body).not.toContain(KEY);
    expect(r.body.toLowerCase()).not.toContain(KEY.toLowerCase());
    const row = await t.deps.db
      .selectFrom('sellers')
      .select(['qr_aes_key_enc'])
      .where('id', '=', sellerA)
      .executeTakeFirstOrThrow();
    expect(row.qr_aes_key_enc).toMatch(/^v1\./);
    expect(row.qr_aes_key_enc).not.toContain(KEY);
    const audit = await t.deps.db
      .selectFrom('sys_audit_logs')
      .select(['summary'])
      .where('action', '=', 'seller.create')
      .execute();
    expect(JSON.stringify(audit)).not.toContain(KEY);
    const b = await createSeller({ ban: '22099131', name: 'Other Co', address: 'Hsinchu' });
    expect(b.statusCode).toBe(201);
    expect(b.json()).toMatchObject({ qrKeySet: false, qrKeyFingerprint: null });
    sellerB = b.json().id;
  });

  it('refuses a bad BAN checksum, a duplicate BAN, a missing address and a malformed key, naming the field', async () => {
    const bad = await createSeller({ ban: '12345678', name: 'X', address: 'Y' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details).toEqual([{ field: 'body.ban', message: 'invalid BAN checksum' }]);
    const dup = await createSeller({ ban: '04595257', name: 'X', address: 'Y' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ code: 'ALREADY_EXISTS', details: { field: 'body.ban' } });
    const noAddr = await createSeller({ ban: '10458575', name: 'X' });
    expect(noAddr.statusCode).toBe(400);
    expect(noAddr.json().details.map((d: { field: string }) => d.field)).toEqual(['body.address']);
    const key = await createSeller({ ban: '10458575', name: 'X', address: 'Y', qrAesKey: 'not-hex' });
    expect(key.json().details.map((d: { field: string }) => d.field)).toEqual(['body.qrAesKey']);
    const long = await createSeller({ ban: '10458575', name: 'X'.repeat(61), address: 'Y' });
    expect(long.json().details.map((d: { field: string }) => d.field)).toEqual(['body.name']);
  });

  it("keeps the signing certificate's expiry date; a new date starts the expiry announcements over", async () => {
    const patch = (body: object) => t.call({ method: 'PATCH', url: `/api/v1/sellers/${sellerB}`, token: admin, payload: body });
    const bad = await patch({ certificateExpiresAt: '2026-13-01' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.map((d: { field: string }) => d.field)).toEqual(['body.certificateExpiresAt']);
    const set = await patch({ certificateExpiresAt: '2027-03-31' });
    expect(set.statusCode).toBe(200);
    expect(set.json().certificateExpiresAt).toBe('2027-03-31');
    // certificate.watch announced the 30-day threshold; the same date again keeps it, a new date clears it.
    await t.deps.db.updateTable('sellers').set({ certificate_alerted_days: 30 }).where('id', '=', sellerB).execute();
    const alerted = async () =>
      (
        await t.deps.db
          .selectFrom('sellers')
          .select('certificate_alerted_days')
          .where('id', '=', sellerB)
          .executeTakeFirstOrThrow()
      ).certificate_alerted_days;
    await patch({ certificateExpiresAt: '2027-03-31', telephone: '02-1234-5678' });
    expect(await alerted()).toBe(30);
    const renewed = await patch({ certificateExpiresAt: '2028-03-31' });
    expect(renewed.json().certificateExpiresAt).toBe('2028-03-31');
    expect(await alerted()).toBeNull();
    expect((await patch({ certificateExpiresAt: null })).json().certificateExpiresAt).toBeNull();
  });

  it('replaces the QR key (new fingerprint, audit without the key)', async () => {
    const before = (await t.call({ url: `/api/v1/sellers/${sellerA}`, token: admin })).json().qrKeyFingerprint;
    const newKey = '00112233445566778899AABBCCDDEEFF';
    const r = await t.call({
      method: 'PUT',
      url: `/api/v1/sellers/${sellerA}/qr-key`,
      token: admin,
      payload: { qrAesKey: newKey },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().qrKeyFingerprint).not.toBe(before);
    const audit = await t.deps.db
      .selectFrom('sys_audit_logs')
      .select(['summary'])
      .where('action', '=', 'seller.qr_key_set')
      .executeTakeFirstOrThrow();
    expect(audit.summary).toEqual({
      before: { qrKeyFingerprint: before },
      after: { qrKeyFingerprint: r.json().qrKeyFingerprint },
    });
    expect(JSON.stringify(audit)).not.toContain(newKey);
  });

  it('sites: create with an optional branch BAN, unique code per seller, update', async () => {
    const r = await t.call({
      method: 'POST',
      url: `/api/v1/sellers/${sellerA}/sites`,
      token: admin,
      payload: { code: 'TPE-01', name: '信義站', branchBan: '10458574' },
    });
    expect(r.statusCode).toBe(201);
    siteA1 = r.json().id;
    const dup = await t.call({
      method: 'POST',
      url: `/api/v1/sellers/${sellerA}/sites`,
      token: admin,
      payload: { code: 'TPE-01', name: 'again' },
    });
    expect(dup.statusCode).toBe(409);
    const badBan = await t.call({
      method: 'POST',
      url: `/api/v1/sellers/${sellerA}/sites`,
      token: admin,
      payload: { code: 'TPE-02', name: 'x', branchBan: '12345678' },
    });
    expect(badBan.json().details).toEqual([{ field: 'body.branchBan', message: 'invalid BAN checksum' }]);
    const upd = await t.call({
      method: 'PATCH',
      url: `/api/v1/sites/${siteA1}`,
      token: admin,
      payload: { name: '信義二站', status: 'disabled' },
    });
    expect(upd.json()).toMatchObject({ name: '信義二站', status: 'disabled', branchBan: '10458574' });
    const list = await t.call({ url: `/api/v1/sellers/${sellerA}/sites`, token: admin });
    expect(list.json().items.map((s: { code: string }) => s.code)).toEqual(['TPE-01']);
    const missing = await t.call({
      method: 'POST',
      url: '/api/v1/sellers/00000000-0000-4000-8000-000000000000/sites',
      token: admin,
      payload: { code: 'X', name: 'x' },
    });
    expect(missing.statusCode).toBe(404);
  });

  it('data scopes: a seller-scoped user sees only that seller; a site-scoped one sees the seller of the site; no scope sees nothing', async () => {
    const onlyB = await scopedUser('only-b', [{ type: 'seller', ref: sellerB }]);
    const list = await t.call({ url: '/api/v1/sellers', token: onlyB });
    expect(list.json().items.map((s: { id: string }) => s.id)).toEqual([sellerB]);
    expect((await t.call({ url: `/api/v1/sellers/${sellerA}`, token: onlyB })).statusCode).toBe(404);
    expect((await t.call({ url: `/api/v1/sellers/${sellerA}/sites`, token: onlyB })).statusCode).toBe(404);

    const siteOnly = await scopedUser('site-only', [{ type: 'site', ref: siteA1 }]);
    expect((await t.call({ url: '/api/v1/sellers', token: siteOnly })).json().items.map((s: { id: string }) => s.id)).toEqual([
      sellerA,
    ]);
    expect((await t.call({ url: `/api/v1/sellers/${sellerA}/sites`, token: siteOnly })).json().items).toHaveLength(1);

    const nothing = await scopedUser('no-scope', []);
    expect((await t.call({ url: '/api/v1/sellers', token: nothing })).json().items).toEqual([]);
  });

  it('writes need seller.manage', async () => {
    const operator = await scopedUser('op-all', []);
    const r = await createSeller({ ban: '10458575', name: 'X', address: 'Y' }, operator);
    expect(r.statusCode).toBe(403);
    expect(r.json().details).toEqual({ required: 'seller.manage' });
  });
});
