/** Offline POS: reserved numbers with random numbers and verification strings, submitted later in any order. */
import { createDecipheriv, randomUUID } from 'node:crypto';
import { periodOf, previousPeriod } from '@app/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { createTestApp, QR_KEY, setupIssuer, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;
let siteId: string;
let deviceId: string;
let deviceToken: string;
let deviceBlockId: string;

const items = [{ description: '95無鉛汽油', quantity: '10', unit: 'L', unitPrice: '30' }];
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

type Reserved = { invoiceNumber: string; randomNumber: string; verification: string; issued: boolean };

const reserve = (payload: object, token = deviceToken) =>
  t.call({ method: 'POST', url: '/api/v1/offline-reservations', token, payload });
const submit = (n: { invoiceNumber: string; randomNumber: string }, invoiceTime: string | undefined, key?: string) =>
  t.call({
    method: 'POST',
    url: '/api/v1/invoices',
    token: deviceToken,
    payload: { items, printMark: 'Y', invoiceTime, offline: { invoiceNumber: n.invoiceNumber, randomNumber: n.randomNumber } },
    ...(key ? { idempotencyKey: key } : {}),
  });
const blockNext = async (id: string) =>
  (await t.deps.db.selectFrom('track_blocks').select('next_no').where('id', '=', id).executeTakeFirstOrThrow()).next_no;

/** The AES verification string opened with the seller's key: invoice number + random number. */
function open(verification: string): string {
  const d = createDecipheriv('aes-128-cbc', Buffer.from(QR_KEY, 'hex'), Buffer.from('Dt8lyToo17X/XkXaQvihuA==', 'base64'));
  return Buffer.concat([d.update(Buffer.from(verification, 'base64')), d.final()]).toString();
}

beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_GENERAL_PER_MINUTE: '100000' });
  const issuer = await setupIssuer(t, { booklets: 20 }); // site block 0..999
  ({ admin, siteId } = issuer);
  const post = async (url: string, payload: object) => (await t.call({ method: 'POST', url, token: admin, payload })).json();
  const device = await post('/api/v1/devices', { deviceCode: 'POS-OFF', name: 'Offline pump', siteId });
  deviceId = device.id;
  deviceBlockId = (await post(`/api/v1/tracks/${issuer.trackId}/blocks`, { siteId, deviceId, booklets: 1 })).id; // 1000..1049
  const client = await post('/api/v1/clients', {
    name: 'POS offline',
    kind: 'pos',
    roles: ['pos'],
    scope: { all: false, sellers: [], sites: [siteId] },
    deviceId,
  });
  deviceToken = await t.clientToken(client.clientId, client.clientSecret);
});
afterAll(() => t.close());

let numbers: Reserved[];

describe('offline reservations', () => {
  let reservationId: string;

  it('reserves consecutive numbers of the device block, with random numbers and verification strings', async () => {
    const r = await reserve({ count: 10 });
    expect(r.statusCode).toBe(201);
    const body = r.json();
    reservationId = body.id;
    numbers = body.numbers;
    expect(body).toMatchObject({ deviceId, siteId, track: 'AB', beginNo: '00001000', endNo: '00001009', count: 10, issued: 0 });
    expect(numbers.map((n) => n.invoiceNumber)).toEqual(Array.from({ length: 10 }, (_, i) => `AB0000${1000 + i}`));
    for (const n of numbers) {
      expect(n.randomNumber).toMatch(/^\d{4}$/);
      expect(open(n.verification)).toBe(`${n.invoiceNumber}${n.randomNumber}`);
    }
    // Taken out of the block: online issuing continues after the run.
    expect(await blockNext(deviceBlockId)).toBe(1010);
    const online = await t.call({
      method: 'POST',
      url: '/api/v1/invoices',
      token: deviceToken,
      payload: { items, printMark: 'Y' },
    });
    expect(online.statusCode).toBe(201);
    expect(online.json().invoiceNumber).toBe('AB00001010');
  });

  it('accepts reserved numbers in any order while number order follows time order', async () => {
    const [n0, n1, n2] = numbers as [Reserved, Reserved, Reserved];
    const third = await submit(n2, minutesAgo(30));
    expect(third.statusCode).toBe(201);
    expect(third.json()).toMatchObject({ invoiceNumber: n2.invoiceNumber, randomNumber: n2.randomNumber });
    // The printed QR (from the reservation) and the server's answer agree.
    expect(third.json().qrLeft.slice(53, 77)).toBe(n2.verification);
    expect((await submit(n0, minutesAgo(50))).statusCode).toBe(201);
    // n1 lies between n0 (50 min ago) and n2 (30 min ago): a time after n2's is refused, one between is fine.
    const late = await submit(n1, minutesAgo(20));
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ code: 'INVOICE_TIME_ORDER', details: { field: 'body.invoiceTime' } });
    expect((await submit(n1, minutesAgo(40))).statusCode).toBe(201);
    const view = (await t.call({ url: `/api/v1/offline-reservations/${reservationId}`, token: deviceToken })).json();
    expect(view.issued).toBe(3);
    expect(view.numbers.filter((n: Reserved) => n.issued).map((n: Reserved) => n.invoiceNumber)).toEqual([
      n0.invoiceNumber,
      n1.invoiceNumber,
      n2.invoiceNumber,
    ]);
  });

  it('refuses a wrong random number, a number not reserved, a reused number and a missing time', async () => {
    const n3 = numbers[3] as Reserved;
    const wrong = await submit({ ...n3, randomNumber: n3.randomNumber === '0000' ? '0001' : '0000' }, minutesAgo(10));
    expect(wrong.json()).toMatchObject({ code: 'OFFLINE_RANDOM_MISMATCH', details: { field: 'body.offline.randomNumber' } });
    const foreign = await submit({ invoiceNumber: 'AB00000005', randomNumber: '1234' }, minutesAgo(10));
    expect(foreign.json()).toMatchObject({
      code: 'OFFLINE_NUMBER_NOT_RESERVED',
      details: { field: 'body.offline.invoiceNumber' },
    });
    const reused = await submit(numbers[0] as Reserved, minutesAgo(55));
    expect(reused.statusCode).toBe(409);
    expect(reused.json().code).toBe('OFFLINE_NUMBER_USED');
    const untimed = await submit(n3, undefined);
    expect(untimed.statusCode).toBe(400);
    expect(untimed.json().details).toContainEqual({ field: 'body.invoiceTime', message: 'required with offline' });
    // None of the refusals issued anything.
    const view = (await t.call({ url: `/api/v1/offline-reservations/${reservationId}`, token: deviceToken })).json();
    expect(view.issued).toBe(3);
  });

  it('a retried submission with the same key answers the first result', async () => {
    const n4 = numbers[4] as Reserved;
    const key = 'offline-retry-1';
    const at = minutesAgo(5);
    const first = await submit(n4, at, key);
    expect(first.json()).toMatchObject({ invoiceNumber: n4.invoiceNumber });
    const again = await submit(n4, at, key);
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
  });

  it('refuses a reservation larger than what is left, and a user reserving without naming a device', async () => {
    const noDevice = await reserve({ count: 5 }, admin);
    expect(noDevice.statusCode).toBe(400);
    expect(noDevice.json().details).toContainEqual({ field: 'body.deviceId', message: 'required' });
    // A user names the device; the numbers come from the site's shared block once the device's is short.
    const shared = await reserve({ count: 50, deviceId }, admin);
    expect(shared.statusCode).toBe(201);
    expect(shared.json().beginNo).toBe('00000000');
    // 950 left in the shared block, 39 in the device's: 951 consecutive numbers are nowhere.
    const big = await reserve({ count: 951 });
    expect(big.statusCode).toBe(409);
    expect(big.json()).toMatchObject({ code: 'TRACK_EXHAUSTED', details: { field: 'body.count' } });
    const list = (await t.call({ url: `/api/v1/offline-reservations?deviceId=${deviceId}`, token: admin })).json();
    expect(list.items.map((r: { count: number }) => r.count)).toEqual([50, 10]);
  });
});

describe('offline numbers after the period', () => {
  it('reserved numbers never submitted are blanks; late submissions are accepted only within the grace', async () => {
    // Device block 1000..1049: 1000..1009 reserved (1000, 1001, 1002, 1004 submitted), 1010 issued online.
    // Shared block 0..999: 0..49 reserved and never submitted.
    const ym = periodOf(new Date()).yearMonth;
    const blanks = (await t.call({ url: `/api/v1/tracks/blanks?yearMonth=${ym}`, token: admin })).json();
    const runs = blanks.items[0].blanks.map((b: { beginNo: string; endNo: string }) => `${b.beginNo}-${b.endNo}`);
    expect(runs).toEqual([
      '00000000-00000999', // the unsubmitted reservation runs on into the shared block's unissued tail
      '00001003-00001003',
      '00001005-00001009',
      '00001011-00001049',
      '00001050-00009999', // given to no block
    ]);

    // The clock moves past the period's end: within OFFLINE_SUBMIT_GRACE_HOURS a sale made in it still
    // arrives; after it, it is refused.
    const end = periodOf(new Date()).end.getTime();
    const late = async (at: number, n: Reserved) => {
      const app = await buildApp({ ...t.deps, now: () => new Date(at) });
      await app.ready();
      try {
        return await app.inject({
          method: 'POST',
          url: '/api/v1/invoices',
          headers: { authorization: `Bearer ${deviceToken}`, 'idempotency-key': randomUUID() },
          payload: {
            items,
            printMark: 'Y',
            invoiceTime: minutesAgo(2),
            offline: { invoiceNumber: n.invoiceNumber, randomNumber: n.randomNumber },
          },
        });
      } finally {
        await app.close();
      }
    };
    const grace = t.deps.config.OFFLINE_SUBMIT_GRACE_HOURS * 3_600_000;
    const inGrace = await late(end + grace - 60_000, numbers[5] as Reserved);
    expect(inGrace.statusCode).toBe(201);
    const after = await late(end + grace, numbers[6] as Reserved);
    expect(after.statusCode).toBe(409);
    expect(after.json()).toMatchObject({ code: 'PERIOD_CLOSED', details: { field: 'body.invoiceTime' } });
  });
});

describe('refused before a number is taken', () => {
  it('refuses an online invoice dated in a period that has ended', async () => {
    const last = previousPeriod(periodOf(new Date()));
    const r = await t.call({
      method: 'POST',
      url: '/api/v1/invoices',
      token: admin,
      payload: { siteId, items, printMark: 'Y', invoiceTime: new Date(last.end.getTime() - 60_000).toISOString() },
    });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'PERIOD_CLOSED', details: { field: 'body.invoiceTime' } });
  });

  it('refuses a site without a block for the current period', async () => {
    const sellerId = (await t.deps.db.selectFrom('sites').select('seller_id').where('id', '=', siteId).executeTakeFirstOrThrow())
      .seller_id;
    const bare = (
      await t.call({
        method: 'POST',
        url: `/api/v1/sellers/${sellerId}/sites`,
        token: admin,
        payload: { code: 'S9', name: 'No block' },
      })
    ).json();
    const r = await t.call({
      method: 'POST',
      url: '/api/v1/invoices',
      token: admin,
      payload: { siteId: bare.id, items, printMark: 'Y' },
    });
    expect(r.statusCode).toBe(409);
    expect(r.json().code).toBe('NO_NUMBER_BLOCK');
  });
});
