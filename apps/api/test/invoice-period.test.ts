/**
 * A number is never issued outside its period (PRODUCT.md §4): once a period has ended, no number of it
 * is taken — neither by an invoice dated inside it that arrives late (before or after period.close closed
 * its blocks), nor by an issue racing the boundary. The database refuses the take itself
 * (trigger track_blocks_period_open), whatever the issuing code does.
 */
import { periodOf, previousPeriod } from '@app/domain';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, setupIssuer, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;
let siteId: string;
let oldBlock: string;
const ended = previousPeriod(periodOf(new Date()));
const items = [{ description: '95無鉛汽油', quantity: '10', unitPrice: '31' }];

const blockState = (id: string) =>
  t.deps.db
    .selectFrom('track_blocks')
    .select(['next_no', 'last_issued_at', 'status'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
const invoicesOf = async (id: string) =>
  (await t.deps.db.selectFrom('invoices').select('invoice_number').where('block_id', '=', id).execute()).length;

beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_GENERAL_PER_MINUTE: '100000' });
  let sellerId: string;
  ({ admin, siteId, sellerId } = await setupIssuer(t));
  // The site also holds a block of the period that has just ended (its close has not run yet).
  const track = await t.deps.db
    .insertInto('tracks')
    .values({ seller_id: sellerId, invoice_type: '07', year_month: ended.yearMonth, track: 'ZZ', begin_no: 0, end_no: 99 })
    .returning('id')
    .executeTakeFirstOrThrow();
  const r = await t.call({
    method: 'POST',
    url: `/api/v1/tracks/${track.id}/blocks`,
    token: admin,
    payload: { siteId, booklets: 1 },
  });
  expect(r.statusCode).toBe(201);
  oldBlock = r.json().id;
});
afterAll(() => t?.close());

describe('numbers of an ended period', () => {
  it('an invoice dated in an ended period is refused and takes no number, before and after period.close', async () => {
    const late = { siteId, items, printMark: 'Y', invoiceTime: new Date(ended.end.getTime() - 3_600_000).toISOString() };
    const before = await blockState(oldBlock);

    // The block is still active (period.close runs a few minutes after midnight), and after the close.
    for (const closeHasRun of [false, true]) {
      if (closeHasRun) await t.deps.db.updateTable('track_blocks').set({ status: 'closed' }).where('id', '=', oldBlock).execute();
      const r = await t.call({ method: 'POST', url: '/api/v1/invoices', token: admin, payload: late });
      expect(r.statusCode).toBe(409);
      expect(r.json()).toMatchObject({ code: 'PERIOD_CLOSED', details: { field: 'body.invoiceTime' } });
      expect((await blockState(oldBlock)).next_no).toBe(before.next_no);
      expect(await invoicesOf(oldBlock)).toBe(0);
    }

    // The current period issues as ever.
    const now = await t.call({
      method: 'POST',
      url: '/api/v1/invoices',
      token: admin,
      payload: { siteId, items, printMark: 'Y' },
    });
    expect(now.statusCode).toBe(201);
  });

  it('an issue racing the boundary — prepared before the end, taking its number after — cannot take a number of the old period', async () => {
    await t.deps.db.updateTable('track_blocks').set({ status: 'active' }).where('id', '=', oldBlock).execute();
    const before = await blockState(oldBlock);
    // The atomic take of issuing (db/queries/invoice.take-number.sql) with the time the issue was prepared at,
    // one second before the end, run now that the period is over.
    const at = new Date(ended.end.getTime() - 1_000);
    const take = sql<{ number: number }>`
      UPDATE track_blocks
         SET next_no = next_no + 1, last_issued_at = greatest(last_issued_at, coalesce(${at}::timestamptz, clock_timestamp()))
       WHERE id = ${oldBlock} AND status = 'active' AND next_no <= end_no
       RETURNING next_no - 1 AS number`;
    await expect(take.execute(t.deps.db)).rejects.toMatchObject({ code: '23514', constraint: 'track_blocks_period_open' });
    expect(await blockState(oldBlock)).toEqual(before);
    await t.deps.db.updateTable('track_blocks').set({ status: 'closed' }).where('id', '=', oldBlock).execute();
  });
});
