/** SQL of invoice issuance. The number is taken with one atomic UPDATE of the block row. */
import type { DbOrTx } from '@app/db';
import { sql } from 'kysely';
import type { scopeWhere } from '../../lib/scope-filter.ts';

type ScopeFilter = ReturnType<typeof scopeWhere>;

/** The active blocks a caller issues from, for one period and invoice type, in issuing order. */
export async function candidateBlocks(
  db: DbOrTx,
  f: { siteId: string; deviceId: string | null; yearMonth: string; invoiceType: string },
) {
  let q = db
    .selectFrom('track_blocks as b')
    .innerJoin('tracks as t', 't.id', 'b.track_id')
    .select(['b.id', 't.track', 't.year_month'])
    .where('b.site_id', '=', f.siteId)
    .where('b.status', '=', 'active')
    .where('t.year_month', '=', f.yearMonth)
    .where('t.invoice_type', '=', f.invoiceType)
    .orderBy('t.track')
    .orderBy('b.begin_no');
  q = f.deviceId ? q.where('b.device_id', '=', f.deviceId) : q.where('b.device_id', 'is', null);
  return q.execute();
}

/**
 * Take the next number of a block, atomically: the row lock serialises concurrent issues on one block,
 * and a rolled-back issue gives its number back (the next one re-reads next_no). `at` null = server
 * time, taken under the lock so times follow numbers; a given `at` must not precede the block's last.
 * Returns null when the block is used up or `at` is too early (see `reason`).
 */
export async function takeNumber(
  trx: DbOrTx,
  blockId: string,
  at: Date | null,
): Promise<{ number: number; endNo: number; issuedAt: Date } | { number: null; reason: 'exhausted' | 'time_order' }> {
  const r = await sql<{ number: number; end_no: number; issued_at: Date }>`
    UPDATE track_blocks
       SET next_no = next_no + 1,
           last_issued_at = greatest(last_issued_at, coalesce(${at}::timestamptz, clock_timestamp())),
           updated_at = now()
     WHERE id = ${blockId}
       AND status = 'active'
       AND next_no <= end_no
       AND (${at}::timestamptz IS NULL OR last_issued_at IS NULL OR last_issued_at <= ${at}::timestamptz)
     RETURNING next_no - 1 AS number, end_no, last_issued_at AS issued_at`.execute(trx);
  const row = r.rows[0];
  if (row) return { number: row.number, endNo: row.end_no, issuedAt: row.issued_at };
  const b = await trx.selectFrom('track_blocks').select(['next_no', 'end_no']).where('id', '=', blockId).executeTakeFirst();
  return { number: null, reason: b && b.next_no <= b.end_no ? 'time_order' : 'exhausted' };
}

/**
 * Take a number from the first of `blockIds` (in order) that is free right now: blocks another issue
 * holds are skipped, so a site with several blocks issues from them in parallel while each block still
 * hands out its numbers in order. Null when every block is busy, used up or too late for `at` (the
 * caller then waits on them one by one with `takeNumber`).
 */
export async function takeNumberSkipLocked(
  trx: DbOrTx,
  blockIds: string[],
  at: Date | null,
): Promise<{ blockId: string; number: number; endNo: number; issuedAt: Date } | null> {
  const r = await sql<{ id: string; number: number; end_no: number; issued_at: Date }>`
    UPDATE track_blocks
       SET next_no = next_no + 1,
           last_issued_at = greatest(last_issued_at, coalesce(${at}::timestamptz, clock_timestamp())),
           updated_at = now()
     WHERE id = (
       SELECT id FROM track_blocks
        WHERE id = ANY(${blockIds}::uuid[])
          AND status = 'active'
          AND next_no <= end_no
          AND (${at}::timestamptz IS NULL OR last_issued_at IS NULL OR last_issued_at <= ${at}::timestamptz)
        ORDER BY array_position(${blockIds}::uuid[], id)
        LIMIT 1
        FOR UPDATE SKIP LOCKED)
     RETURNING id, next_no - 1 AS number, end_no, last_issued_at AS issued_at`.execute(trx);
  const row = r.rows[0];
  return row ? { blockId: row.id, number: row.number, endNo: row.end_no, issuedAt: row.issued_at } : null;
}

export type InvoiceRow = {
  id: string;
  invoice_date: string;
  invoice_time: Date;
  seller_id: string;
  site_id: string;
  device_id: string | null;
  block_id: string;
  year_month: string;
  invoice_number: string;
  random_number: string;
  invoice_type: string;
  buyer_ban: string | null;
  buyer_name: string | null;
  print_mark: string;
  carrier_type: string | null;
  carrier_id1: string | null;
  carrier_id2: string | null;
  npoban: string | null;
  tax_type: string;
  tax_rate: string;
  customs_clearance_mark: string | null;
  zero_tax_rate_reason: string | null;
  sales_amount: string;
  free_tax_sales_amount: string;
  zero_tax_sales_amount: string;
  tax_amount: string;
  total_amount: string;
  main_remark: string | null;
  issued_by: string | null;
  request_id: string | null;
};

export type ItemRow = {
  seq: number;
  description: string;
  quantity: string;
  unit: string | null;
  unit_price: string;
  amount: string;
  tax_type: string | null;
  remark: string | null;
};

/** The number registry, the invoice and its items. */
export async function insertInvoice(trx: DbOrTx, inv: InvoiceRow, items: ItemRow[]): Promise<void> {
  await trx
    .insertInto('invoice_numbers')
    .values({
      year_month: inv.year_month,
      invoice_number: inv.invoice_number,
      block_id: inv.block_id,
      invoice_id: inv.id,
      invoice_date: inv.invoice_date,
    })
    .execute();
  await trx.insertInto('invoices').values(inv).execute();
  await trx
    .insertInto('invoice_items')
    .values(items.map((i) => ({ ...i, invoice_id: inv.id, invoice_date: inv.invoice_date })))
    .execute();
}

const summaryColumns = [
  'i.id',
  'i.invoice_number',
  'i.year_month',
  sql<string>`i.invoice_date::text`.as('invoice_date'),
  'i.invoice_time',
  'i.seller_id',
  'i.site_id',
  'i.device_id',
  'i.buyer_ban',
  'i.status',
  'i.total_amount',
] as const;

/**
 * Invoices newest first by (invoice_date, invoice_number), keyset-paged. Filters map onto the indexes
 * of the invoices migration (seller/site + date, number, buyer BAN + date); a date range prunes the
 * monthly partitions. `scopeFilter` is the caller's data scope.
 */
export async function searchInvoices(
  db: DbOrTx,
  scopeFilter: ScopeFilter,
  f: {
    sellerId?: string;
    siteId?: string;
    number?: string;
    from?: string;
    to?: string;
    status?: string;
    buyerBan?: string;
    minTotal?: number;
    maxTotal?: number;
    after?: { date: string; number: string };
    limit: number;
  },
) {
  let q = db.selectFrom('invoices as i').select(summaryColumns).where(scopeFilter);
  if (f.sellerId) q = q.where('i.seller_id', '=', f.sellerId);
  if (f.siteId) q = q.where('i.site_id', '=', f.siteId);
  if (f.number) q = q.where('i.invoice_number', '=', f.number);
  if (f.from) q = q.where('i.invoice_date', '>=', sql<Date>`${f.from}::date`);
  if (f.to) q = q.where('i.invoice_date', '<=', sql<Date>`${f.to}::date`);
  if (f.status) q = q.where('i.status', '=', f.status);
  if (f.buyerBan) q = q.where('i.buyer_ban', '=', f.buyerBan);
  if (f.minTotal !== undefined) q = q.where('i.total_amount', '>=', String(f.minTotal));
  if (f.maxTotal !== undefined) q = q.where('i.total_amount', '<=', String(f.maxTotal));
  if (f.after) {
    const a = f.after;
    q = q.where(sql<boolean>`(i.invoice_date, i.invoice_number) < (${a.date}::date, ${a.number})`);
  }
  return q.orderBy('i.invoice_date', 'desc').orderBy('i.invoice_number', 'desc').limit(f.limit).execute();
}

/** The current version of an invoice number (the registry points at it), with its items. */
export async function findInvoiceByNumber(db: DbOrTx, number: string, scopeFilter: ScopeFilter) {
  const inv = await db
    .selectFrom('invoice_numbers as n')
    .innerJoin('invoices as i', (j) => j.onRef('i.id', '=', 'n.invoice_id').onRef('i.invoice_date', '=', 'n.invoice_date'))
    .selectAll('i')
    .select(sql<string>`i.invoice_date::text`.as('invoice_date_text'))
    .where('n.invoice_number', '=', number)
    .where(scopeFilter)
    .orderBy('n.issued_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!inv) return null;
  const items = await db
    .selectFrom('invoice_items')
    .select([
      'seq',
      'description',
      sql<string>`quantity::text`.as('quantity'),
      'unit',
      sql<string>`unit_price::text`.as('unit_price'),
      'amount',
      'tax_type',
      'remark',
    ])
    .where('invoice_id', '=', inv.id)
    .where('invoice_date', '=', sql<Date>`${inv.invoice_date_text}::date`)
    .orderBy('seq')
    .execute();
  return { inv, items };
}

/** Unissued numbers of a site's active blocks for a period and type (its shared and its devices' blocks). */
export async function siteRemaining(db: DbOrTx, f: { siteId: string; yearMonth: string; invoiceType: string }): Promise<number> {
  const r = await db
    .selectFrom('track_blocks as b')
    .innerJoin('tracks as t', 't.id', 'b.track_id')
    .select(sql<number>`coalesce(sum(b.end_no - b.next_no + 1), 0)::int`.as('remaining'))
    .where('b.site_id', '=', f.siteId)
    .where('b.status', '=', 'active')
    .where('t.year_month', '=', f.yearMonth)
    .where('t.invoice_type', '=', f.invoiceType)
    .executeTakeFirstOrThrow();
  return r.remaining;
}

/** Record that a site ran low; true only for the first caller (so the event fires once). */
export async function markTrackLow(
  db: DbOrTx,
  v: { siteId: string; yearMonth: string; invoiceType: string; remaining: number },
): Promise<boolean> {
  const r = await db
    .insertInto('track_low_alerts')
    .values({ site_id: v.siteId, year_month: v.yearMonth, invoice_type: v.invoiceType, remaining: v.remaining })
    .onConflict((oc) => oc.doNothing())
    .returning('site_id')
    .executeTakeFirst();
  return r !== undefined;
}
