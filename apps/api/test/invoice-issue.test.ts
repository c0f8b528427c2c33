/** Issuing invoices over HTTP: numbering from blocks, MIG rules before numbers, proofs, retries, concurrency. */
import { createDecipheriv, randomUUID } from 'node:crypto';
import { periodOf } from '@app/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;
let sellerId: string;
let siteId: string;
let deviceToken: string;
const KEY = 'FE0F50D87215F625D1248F5FDAEBA37F';
const BAN = '04595257';
const yearMonth = periodOf(new Date()).yearMonth;

const items = [
  { description: '95無鉛汽油', quantity: '20.5', unit: 'L', unitPrice: '31.2' },
  { description: '洗車', quantity: '1', unitPrice: '150' },
  { description: '礦泉水', quantity: '2', unitPrice: '20' },
];
const b2c = { siteId: '', items, printMark: 'Y' as const };

const issue = (body: object, token = admin, key?: string) =>
  t.call({ method: 'POST', url: '/api/v1/invoices', token, payload: body, ...(key ? { idempotencyKey: key } : {}) });

async function range(track: string, begin: number, end: number) {
  return (
    await t.deps.db
      .insertInto('tracks')
      .values({ seller_id: sellerId, invoice_type: '07', year_month: yearMonth, track, begin_no: begin, end_no: end })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

beforeAll(async () => {
  t = await createTestApp({ LOGIN_IP_MAX_PER_MINUTE: '1000', RATE_LIMIT_GENERAL_PER_MINUTE: '100000' });
  admin = (await t.login()).accessToken;
  const post = async (url: string, payload: object) => (await t.call({ method: 'POST', url, token: admin, payload })).json();
  sellerId = (await post('/api/v1/sellers', { ban: BAN, name: '示範加油站', address: '台北市信義區', qrAesKey: KEY })).id;
  siteId = (await post(`/api/v1/sellers/${sellerId}/sites`, { code: 'S1', name: 'Site 1' })).id;
  b2c.siteId = siteId;
  const trackId = await range('AB', 0, 1999);
  await post(`/api/v1/tracks/${trackId}/blocks`, { siteId, booklets: 20 }); // 0..999 shared by the site
  const device = await post('/api/v1/devices', { deviceCode: 'POS-1', name: 'Pump 1', siteId });
  await post(`/api/v1/tracks/${trackId}/blocks`, { siteId, deviceId: device.id, booklets: 1 }); // 1000..1049
  const client = await post('/api/v1/clients', {
    name: 'POS 1',
    kind: 'pos',
    roles: ['pos'],
    scope: { all: false, sellers: [], sites: [siteId] },
    deviceId: device.id,
  });
  deviceToken = await t.clientToken(client.clientId, client.clientSecret);
});
afterAll(() => t.close());

describe('POST /api/v1/invoices', () => {
  let first: Record<string, any>;

  it('issues a B2C invoice with the next number, the proof barcode and both QR payloads', async () => {
    const r = await issue(b2c);
    expect(r.statusCode).toBe(201);
    first = r.json();
    expect(first).toMatchObject({ invoiceNumber: 'AB00000000', yearMonth, sellerBan: BAN, buyerBan: null, taxAmount: 0 });
    expect(first.randomNumber).toMatch(/^\d{4}$/);
    // 20.5 × 31.2 = 639.6 → 640; 150; 40 → 830 tax-included.
    expect(first.totalAmount).toBe(830);
    expect(first.salesAmount).toBe(830);
    expect(first.barcode).toBe(`${yearMonth}AB00000000${first.randomNumber}`);
    expect(first.qrLeft.slice(0, 10)).toBe('AB00000000');
    expect(first.qrLeft.slice(17, 21)).toBe(first.randomNumber);
    // Header: number(10) date(7) random(4) untaxed sales(8, hex) total(8, hex) buyer(8) seller(8) verification(24).
    expect(first.qrLeft.slice(21, 29)).toBe((790).toString(16).padStart(8, '0')); // 830 / 1.05 → 790
    expect(first.qrLeft.slice(29, 37)).toBe((830).toString(16).padStart(8, '0'));
    expect(first.qrLeft.slice(37, 45)).toBe('00000000');
    expect(first.qrLeft.slice(45, 53)).toBe(BAN);
    // Field 8 decrypts with the seller's key to number + random.
    const d = createDecipheriv('aes-128-cbc', Buffer.from(KEY, 'hex'), Buffer.from('0EDF25C93A28D7B5FF5E45DA42F8A1B8', 'hex'));
    const plain = Buffer.concat([d.update(Buffer.from(first.qrLeft.slice(53, 77), 'base64')), d.final()]).toString();
    expect(plain).toBe(`AB00000000${first.randomNumber}`);
    expect(first.qrRight.startsWith('**')).toBe(true);
    const stored = await t.deps.db
      .selectFrom('invoices')
      .selectAll()
      .where('invoice_number', '=', 'AB00000000')
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ total_amount: '830', status: 'issued', site_id: siteId });
    const outbox = await t.deps.db
      .selectFrom('sys_outbox')
      .select(['payload'])
      .where('event_type', '=', 'InvoiceIssued')
      .execute();
    expect(outbox).toHaveLength(1);
  });

  it('a refused invoice consumes no number; the next good one gets the next number', async () => {
    const bad = await issue({ ...b2c, printMark: 'N' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.map((x: { field: string }) => x.field)).toContain('body.carrier');
    const ok = await issue(b2c);
    expect(ok.json().invoiceNumber).toBe('AB00000001');
  });

  it('B2B: tax separated from the tax-included amounts; the proof carries the buyer BAN and untaxed sales', async () => {
    const r = await issue({
      siteId,
      buyer: { ban: '22099131', name: '台積電' },
      items: [{ description: '柴油', quantity: '1', unitPrice: '1380' }],
      printMark: 'Y',
    });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ buyerBan: '22099131', salesAmount: 1314, taxAmount: 66, totalAmount: 1380 });
    expect(r.json().qrLeft.slice(21, 29)).toBe((1314).toString(16).padStart(8, '0'));
    expect(r.json().qrLeft.slice(29, 37)).toBe((1380).toString(16).padStart(8, '0'));
    expect(r.json().qrLeft.slice(37, 45)).toBe('22099131');
  });

  it('a retry with the same Idempotency-Key answers the same invoice', async () => {
    const key = randomUUID();
    const a = await issue(b2c, admin, key);
    const b = await issue(b2c, admin, key);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.json().invoiceNumber).toBe(a.json().invoiceNumber);
    expect(
      await t.deps.db.selectFrom('invoices').select('id').where('invoice_number', '=', a.json().invoiceNumber).execute(),
    ).toHaveLength(1);
  });

  it('a device-bound POS client issues from its own block', async () => {
    const r = await issue({ items, printMark: 'Y' }, deviceToken);
    expect(r.statusCode).toBe(201);
    expect(r.json().invoiceNumber).toBe('AB00001000');
  });

  it('refuses: an ended period, a time before the block’s last, no QR key, a foreign site', async () => {
    const past = await issue({ ...b2c, invoiceTime: '2020-01-15T10:00:00+08:00' });
    expect(past.statusCode).toBe(409);
    expect(past.json()).toMatchObject({ code: 'PERIOD_CLOSED', details: { field: 'body.invoiceTime' } });
    const earlier = await issue({ ...b2c, invoiceTime: new Date(Date.now() - 3600_000).toISOString() });
    // Earlier than the last invoice of the block (issued just now) — unless that falls in the previous period.
    expect([409]).toContain(earlier.statusCode);
    expect(['INVOICE_TIME_ORDER', 'PERIOD_CLOSED']).toContain(earlier.json().code);
    const other = (
      await t.call({
        method: 'POST',
        url: '/api/v1/sellers',
        token: admin,
        payload: { ban: '22099131', name: 'O', address: 'B' },
      })
    ).json();
    const otherSite = (
      await t.call({ method: 'POST', url: `/api/v1/sellers/${other.id}/sites`, token: admin, payload: { code: 'O1', name: 'x' } })
    ).json();
    const noKey = await issue({ ...b2c, siteId: otherSite.id });
    expect(noKey.json().code).toBe('SELLER_QR_KEY_MISSING');
    const foreign = await issue({ items, printMark: 'Y', siteId: otherSite.id }, deviceToken);
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().details).toEqual([{ field: 'body.siteId', message: 'not the device’s site' }]);
  });

  it('64 concurrent clients × 10 issues on a site with two blocks: no duplicate, no gap, each block in number and time order', async () => {
    const trackId = (await t.deps.db.selectFrom('tracks').select('id').where('track', '=', 'AB').executeTakeFirstOrThrow()).id;
    await t.call({ method: 'POST', url: `/api/v1/tracks/${trackId}/blocks`, token: admin, payload: { siteId, booklets: 10 } });
    const blocks = await t.deps.db
      .selectFrom('track_blocks')
      .select(['id', 'begin_no', 'next_no'])
      .where('site_id', '=', siteId)
      .where('device_id', 'is', null)
      .orderBy('begin_no')
      .execute();
    expect(blocks).toHaveLength(2);
    const results = await Promise.all(
      Array.from({ length: 64 }, async () => {
        const out: string[] = [];
        for (let i = 0; i < 10; i++) {
          const r = await issue(b2c);
          expect(r.statusCode).toBe(201);
          out.push(r.json().invoiceNumber);
        }
        return out;
      }),
    );
    const numbers = results.flat();
    expect(new Set(numbers).size).toBe(640);
    let total = 0;
    for (const b of blocks) {
      const after = await t.deps.db.selectFrom('track_blocks').select('next_no').where('id', '=', b.id).executeTakeFirstOrThrow();
      const rows = await t.deps.db
        .selectFrom('invoices')
        .select(['invoice_number', 'invoice_time'])
        .where('block_id', '=', b.id)
        .where('invoice_number', 'in', numbers)
        .orderBy('invoice_number')
        .execute();
      // This block's share of the 640: exactly the numbers from where it stood to where it stands, no gap.
      expect(rows.map((r) => Number(r.invoice_number.slice(2)))).toEqual(
        Array.from({ length: after.next_no - b.next_no }, (_, i) => b.next_no + i),
      );
      for (let i = 1; i < rows.length; i++)
        expect(rows[i]!.invoice_time.getTime()).toBeGreaterThanOrEqual(rows[i - 1]!.invoice_time.getTime());
      total += rows.length;
    }
    expect(total).toBe(640);
  });

  it('GET /invoices/{number} answers the invoice with its items; GET /invoices filters and pages', async () => {
    const one = await t.call({ url: '/api/v1/invoices/AB00000000', token: admin });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({
      invoiceNumber: 'AB00000000',
      status: 'issued',
      totalAmount: 830,
      printMark: 'Y',
      carrier: null,
    });
    expect(one.json().items).toEqual([
      expect.objectContaining({
        seq: 1,
        description: '95無鉛汽油',
        quantity: '20.5000000',
        unitPrice: '31.2000000',
        amount: 640,
      }),
      expect.objectContaining({ seq: 2, amount: 150 }),
      expect.objectContaining({ seq: 3, amount: 40 }),
    ]);
    expect((await t.call({ url: '/api/v1/invoices/ZZ00000000', token: admin })).statusCode).toBe(404);
    expect((await t.call({ url: '/api/v1/invoices/bad', token: admin })).json().details[0].field).toBe('params.number');

    const b2b = (await t.call({ url: '/api/v1/invoices?buyerBan=22099131', token: admin })).json();
    expect(b2b.items.map((i: { buyerBan: string }) => i.buyerBan)).toEqual(['22099131']);
    const p1 = (await t.call({ url: '/api/v1/invoices?limit=2', token: admin })).json();
    expect(p1.items).toHaveLength(2);
    const p2 = (
      await t.call({ url: `/api/v1/invoices?limit=2&cursor=${encodeURIComponent(p1.nextCursor)}`, token: admin })
    ).json();
    expect(p2.items).toHaveLength(2);
    expect(p2.items[0].invoiceNumber < p1.items[1].invoiceNumber).toBe(true);
    const big = (await t.call({ url: '/api/v1/invoices?minTotal=1000', token: admin })).json();
    expect(big.items.every((i: { totalAmount: number }) => i.totalAmount >= 1000)).toBe(true);
    // A client scoped to the site sees it.
    expect((await t.call({ url: '/api/v1/invoices/AB00000000', token: deviceToken })).statusCode).toBe(200);
  });

  it('a used-up block answers TRACK_EXHAUSTED', async () => {
    const tok = deviceToken;
    const codes: number[] = [];
    for (let i = 0; i < 50; i++) codes.push((await issue({ items, printMark: 'Y' }, tok)).statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(49); // one was issued earlier
    expect(codes.at(-1)).toBe(409);
    const r = await issue({ items, printMark: 'Y' }, tok);
    expect(r.json().code).toBe('TRACK_EXHAUSTED');
  });
});
