/** Ranges and blocks: allocation rules, data scope, the database's own guards, concurrent allocation. */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;
let sellerId: string;
let otherSellerId: string;
let siteId: string;
let otherSite: string;
let trackId: string;

async function insertTrack(seller: string, yearMonth: string, track: string, begin: number, end: number) {
  const r = await t.deps.db
    .insertInto('tracks')
    .values({ seller_id: seller, invoice_type: '07', year_month: yearMonth, track, begin_no: begin, end_no: end })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

beforeAll(async () => {
  t = await createTestApp({ LOGIN_IP_MAX_PER_MINUTE: '1000' });
  admin = (await t.login()).accessToken;
  const post = async (url: string, payload: object) => (await t.call({ method: 'POST', url, token: admin, payload })).json();
  sellerId = (await post('/api/v1/sellers', { ban: '04595257', name: 'S', address: 'A' })).id;
  otherSellerId = (await post('/api/v1/sellers', { ban: '22099131', name: 'O', address: 'B' })).id;
  siteId = (await post(`/api/v1/sellers/${sellerId}/sites`, { code: 'S1', name: 'Site 1' })).id;
  otherSite = (await post(`/api/v1/sellers/${otherSellerId}/sites`, { code: 'O1', name: 'Other 1' })).id;
  trackId = await insertTrack(sellerId, '11412', 'AB', 12_345_600, 12_346_099); // 10 booklets
});
afterAll(() => t.close());

const allocate = (payload: object, id = trackId) =>
  t.call({ method: 'POST', url: `/api/v1/tracks/${id}/blocks`, token: admin, payload });

describe('ranges and blocks', () => {
  it('allocates the lowest free run, or an explicit one, and counts', async () => {
    const a = await allocate({ siteId, booklets: 2 });
    expect(a.statusCode).toBe(201);
    expect(a.json()).toMatchObject({
      beginNo: '12345600',
      endNo: '12345699',
      nextNo: '12345600',
      size: 100,
      issued: 0,
      remaining: 100,
    });
    const b = await allocate({ siteId, booklets: 1, beginNo: '12345800' });
    expect(b.json()).toMatchObject({ beginNo: '12345800', endNo: '12345849' });
    const c = await allocate({ siteId, booklets: 2 });
    expect(c.json()).toMatchObject({ beginNo: '12345700', endNo: '12345799' });
    const list = (await t.call({ url: '/api/v1/tracks?yearMonth=11412', token: admin })).json().items;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      track: 'AB',
      beginNo: '12345600',
      endNo: '12346099',
      booklets: 10,
      size: 500,
      allocated: 250,
      unallocated: 250,
      issued: 0,
      remaining: 500,
    });
    const blocks = (await t.call({ url: `/api/v1/tracks/${trackId}/blocks`, token: admin })).json().items;
    expect(blocks.map((x: { beginNo: string }) => x.beginNo)).toEqual(['12345600', '12345700', '12345800']);
  });

  it('refuses overlaps, blocks outside the range, misaligned begins, foreign sites, and when nothing fits', async () => {
    const overlap = await allocate({ siteId, booklets: 1, beginNo: '12345650' });
    expect(overlap.statusCode).toBe(409);
    expect(overlap.json().code).toBe('BLOCK_OVERLAP');
    const outside = await allocate({ siteId, booklets: 2, beginNo: '12346050' });
    expect(outside.statusCode).toBe(400);
    expect(outside.json()).toMatchObject({ code: 'BLOCK_OUTSIDE_RANGE', details: { field: 'body.beginNo' } });
    const misaligned = await allocate({ siteId, booklets: 1, beginNo: '12345925' });
    expect(misaligned.json().details).toEqual([{ field: 'body.beginNo', message: 'must end in 00 or 50' }]);
    const foreign = await allocate({ siteId: otherSite, booklets: 1 });
    expect(foreign.json().details).toEqual([{ field: 'body.siteId', message: 'not a site of the seller' }]);
    const tooBig = await allocate({ siteId, booklets: 6 });
    expect(tooBig.statusCode).toBe(409);
    expect(tooBig.json().code).toBe('NO_FREE_NUMBERS');
  });

  it('the database itself refuses overlapping ranges (any seller) and blocks outside their range', async () => {
    await expect(insertTrack(otherSellerId, '11412', 'AB', 12_346_000, 12_346_049)).rejects.toMatchObject({ code: '23P01' });
    // Same numbers in another period or track are fine.
    await expect(insertTrack(otherSellerId, '11410', 'AB', 12_345_600, 12_345_649)).resolves.toMatch(/^[0-9a-f-]{36}$/);
    await expect(
      sql`INSERT INTO track_blocks (track_id, site_id, begin_no, end_no, next_no) VALUES (${trackId}, ${siteId}, 12346100, 12346149, 12346100)`.execute(
        t.deps.db,
      ),
    ).rejects.toMatchObject({ code: '23514' });
    await expect(
      sql`UPDATE track_blocks SET next_no = end_no + 2 WHERE track_id = ${trackId}`.execute(t.deps.db),
    ).rejects.toMatchObject({ code: '23514' });
  });

  it('concurrent allocations never overlap', async () => {
    const id = await insertTrack(sellerId, '11412', 'CD', 0, 499);
    const results = await Promise.all(Array.from({ length: 12 }, () => allocate({ siteId, booklets: 1 }, id)));
    const ok = results.filter((r) => r.statusCode === 201).map((r) => r.json().beginNo);
    expect(ok).toHaveLength(10);
    expect(new Set(ok).size).toBe(10);
    expect(results.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'NO_FREE_NUMBERS')).toBe(true);
  });

  it("blank numbers per range and BAN: unallocated parts under the seller, unissued block tails under the block's BAN", async () => {
    const branch = (
      await t.call({
        method: 'POST',
        url: `/api/v1/sellers/${sellerId}/sites`,
        token: admin,
        payload: { code: 'BR', name: 'Branch', branchBan: '10458574' },
      })
    ).json().id;
    const id = await insertTrack(sellerId, '11408', 'EF', 1000, 1199);
    const a = (await allocate({ siteId, booklets: 1 }, id)).json();
    const b = (await allocate({ siteId: branch, booklets: 1 }, id)).json();
    // 10 numbers of block a were issued; block b untouched.
    await t.deps.db.updateTable('track_blocks').set({ next_no: 1010 }).where('id', '=', a.id).execute();
    const r = await t.call({ url: '/api/v1/tracks/blanks?yearMonth=11408', token: admin });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ yearMonth: '11408', periodClosed: true, e0402Deadline: '2025-09-10T16:00:00.000Z' });
    expect(b.beginNo).toBe('00001050');
    expect(r.json().items).toEqual([
      expect.objectContaining({
        track: 'EF',
        blanks: [
          { ban: '04595257', beginNo: '00001010', endNo: '00001049', count: 40 },
          { ban: '10458574', beginNo: '00001050', endNo: '00001099', count: 50 },
          { ban: '04595257', beginNo: '00001100', endNo: '00001199', count: 100 },
        ],
      }),
    ]);
    const bad = await t.call({ url: '/api/v1/tracks/blanks?yearMonth=11403', token: admin });
    expect(bad.json().details[0].field).toBe('querystring.yearMonth');
  });

  it('data scope: a user scoped to the other seller sees no range of this one', async () => {
    const { hashSecret } = await import('@app/security');
    const u = await t.deps.db
      .insertInto('sys_users')
      .values({
        tenant_id: t.deps.tenant.id,
        username: 'other-op',
        display_name: 'o',
        password_hash: await hashSecret('other-op-password'),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const role = await t.deps.db.selectFrom('sys_roles').select('id').where('code', '=', 'operator').executeTakeFirstOrThrow();
    await t.deps.db.insertInto('sys_user_roles').values({ user_id: u.id, role_id: role.id }).execute();
    await t.deps.db
      .insertInto('sys_data_scopes')
      .values({
        tenant_id: t.deps.tenant.id,
        subject_type: 'user',
        subject_id: u.id,
        scope_type: 'seller',
        scope_ref: otherSellerId,
      })
      .execute();
    const token = (await t.login('other-op', 'other-op-password')).accessToken;
    const list = (await t.call({ url: '/api/v1/tracks', token })).json().items;
    expect(list.every((x: { sellerId: string }) => x.sellerId === otherSellerId)).toBe(true);
    expect((await t.call({ url: `/api/v1/tracks/${trackId}/blocks`, token })).statusCode).toBe(404);
    expect(
      (await t.call({ method: 'POST', url: `/api/v1/tracks/${trackId}/blocks`, token, payload: { siteId, booklets: 1 } }))
        .statusCode,
    ).toBe(404);
  });
});
