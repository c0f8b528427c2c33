/**
 * The number-range list pages and filters as the web app's tracks screen needs (cursor, invoice type), one
 * range can be read alone, and E0501 imports are listed in pages and only to callers who may see them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';
import { createUser, PASSWORD } from './notification-helpers.ts';

let t: TestApp;
let admin: string;
let sellerId: string;
const BAN = '04595257';

const insertTrack = (track: string, invoiceType: string, yearMonth: string) =>
  t.deps.db
    .insertInto('tracks')
    .values({ seller_id: sellerId, invoice_type: invoiceType, year_month: yearMonth, track, begin_no: 0, end_no: 49 })
    .returning('id')
    .executeTakeFirstOrThrow();

function upload(token: string, filename: string, content: string) {
  const boundary = `----test${randomUUID()}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n\r\n`),
    Buffer.from(content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/tracks/e0501',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'idempotency-key': randomUUID(),
    },
    payload: body,
  });
}
const e0501 = (track: string) => `<?xml version="1.0" encoding="UTF-8"?>
<InvoiceAssignNo xmlns="urn:GEINV:E0501:4.0"><Ban>${BAN}</Ban><InvoiceType>07</InvoiceType><YearMonth>11402</YearMonth>
<InvoiceTrack>${track}</InvoiceTrack><InvoiceBeginNo>00000000</InvoiceBeginNo><InvoiceEndNo>00000049</InvoiceEndNo>
<InvoiceBooklet>1</InvoiceBooklet></InvoiceAssignNo>`;

beforeAll(async () => {
  t = await createTestApp({ LOGIN_IP_MAX_PER_MINUTE: '1000' });
  admin = (await t.login()).accessToken;
  sellerId = (
    await t.call({ method: 'POST', url: '/api/v1/sellers', token: admin, payload: { ban: BAN, name: 'S', address: 'A' } })
  ).json().id;
});
afterAll(async () => t?.close());

describe('GET /api/v1/tracks', () => {
  it('pages with a cursor, filters by invoice type, and reads one range', async () => {
    const ids: string[] = [];
    for (const [track, type] of [
      ['AA', '07'],
      ['AB', '07'],
      ['AC', '08'],
      ['AD', '07'],
      ['AE', '07'],
    ] as const) {
      ids.push((await insertTrack(track, type, '11412')).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await t.call({ url: `/api/v1/tracks?limit=2${cursor ? `&cursor=${cursor}` : ''}`, token: admin });
      expect(r.statusCode, r.body).toBe(200);
      const page = r.json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((x: { track: string }) => x.track));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['AA', 'AB', 'AC', 'AD', 'AE']);

    const only08 = (await t.call({ url: '/api/v1/tracks?invoiceType=08', token: admin })).json();
    expect(only08.items.map((x: { track: string }) => x.track)).toEqual(['AC']);
    expect(only08.nextCursor).toBeNull();
    expect((await t.call({ url: '/api/v1/tracks?invoiceType=09', token: admin })).statusCode).toBe(400);

    const one = await t.call({ url: `/api/v1/tracks/${ids[2]}`, token: admin });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: ids[2], track: 'AC', invoiceType: '08' });
    expect((await t.call({ url: `/api/v1/tracks/${randomUUID()}`, token: admin })).statusCode).toBe(404);
  });
});

describe('GET /api/v1/tracks/e0501', () => {
  it('pages imports, and shows a scoped user only the imports they uploaded', async () => {
    for (const track of ['BA', 'BB', 'BC']) expect((await upload(admin, `${track}.xml`, e0501(track))).statusCode).toBe(201);
    await createUser(t, admin, 'track.keeper', { roles: ['operator'], scope: { all: false, sellers: [sellerId] } });
    const keeper = (await t.login('track.keeper', PASSWORD)).accessToken;
    const mine = await upload(keeper, 'BD.xml', e0501('BD'));
    expect(mine.statusCode, mine.body).toBe(201);

    const first = (await t.call({ url: '/api/v1/tracks/e0501?limit=2', token: admin })).json();
    expect(first.items.map((i: { filename: string }) => i.filename)).toEqual(['BD.xml', 'BC.xml']);
    const second = (await t.call({ url: `/api/v1/tracks/e0501?limit=2&cursor=${first.nextCursor}`, token: admin })).json();
    expect(second.items.map((i: { filename: string }) => i.filename)).toEqual(['BB.xml', 'BA.xml']);

    const keeperList = (await t.call({ url: '/api/v1/tracks/e0501', token: keeper })).json();
    expect(keeperList.items.map((i: { filename: string }) => i.filename)).toEqual(['BD.xml']);
    const adminsImport = first.items[1].id;
    expect((await t.call({ url: `/api/v1/tracks/e0501/${adminsImport}`, token: keeper })).statusCode).toBe(404);
    expect((await t.call({ url: `/api/v1/tracks/e0501/${mine.json().id}`, token: keeper })).statusCode).toBe(200);
  });
});
