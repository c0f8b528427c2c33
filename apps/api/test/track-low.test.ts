/** TrackLow: when a site's unissued numbers for the period fall below the threshold, one event is written. */
import { periodOf } from '@app/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;
let siteId: string;

beforeAll(async () => {
  t = await createTestApp({ TRACK_LOW_THRESHOLD: '20', RATE_LIMIT_GENERAL_PER_MINUTE: '100000' });
  admin = (await t.login()).accessToken;
  const post = async (url: string, payload: object) => (await t.call({ method: 'POST', url, token: admin, payload })).json();
  const seller = await post('/api/v1/sellers', {
    ban: '04595257',
    name: 'S',
    address: 'A',
    qrAesKey: 'FE0F50D87215F625D1248F5FDAEBA37F',
  });
  siteId = (await post(`/api/v1/sellers/${seller.id}/sites`, { code: 'S1', name: 'Site 1' })).id;
  const track = await t.deps.db
    .insertInto('tracks')
    .values({
      seller_id: seller.id,
      invoice_type: '07',
      year_month: periodOf(new Date()).yearMonth,
      track: 'AB',
      begin_no: 0,
      end_no: 99,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await post(`/api/v1/tracks/${track.id}/blocks`, { siteId, booklets: 1 }); // 50 numbers
});
afterAll(() => t.close());

const events = () => t.deps.db.selectFrom('sys_outbox').select(['payload']).where('event_type', '=', 'TrackLow').execute();

describe('TrackLow', () => {
  it('fires once, when the remaining numbers fall below the threshold, even with concurrent issues', async () => {
    const issue = () =>
      t.call({
        method: 'POST',
        url: '/api/v1/invoices',
        token: admin,
        payload: { siteId, printMark: 'Y', items: [{ description: 'x', quantity: '1', unitPrice: '10' }] },
      });
    for (let i = 0; i < 30; i++) expect((await issue()).statusCode).toBe(201);
    expect(await events()).toEqual([]); // 20 left: not below 20 yet
    const burst = await Promise.all(Array.from({ length: 8 }, issue));
    expect(burst.every((r) => r.statusCode === 201)).toBe(true);
    const e = await events();
    expect(e).toHaveLength(1);
    expect(e[0]!.payload).toMatchObject({ siteId, threshold: 20, invoiceType: '07', yearMonth: periodOf(new Date()).yearMonth });
    expect((e[0]!.payload as { remaining: number }).remaining).toBeLessThan(20);
  });
});
