/** SQL of invoice issuance. The number is taken with one atomic UPDATE of the block row. */
import type { DbOrTx } from '@app/db';
import { sql } from 'kysely';

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
): Promise<{ number: number; issuedAt: Date } | { number: null; reason: 'exhausted' | 'time_order' }> {
  const r = await sql<{ number: number; issued_at: Date }>`
    UPDATE track_blocks
       SET next_no = next_no + 1,
           last_issued_at = greatest(last_issued_at, coalesce(${at}::timestamptz, clock_timestamp())),
           updated_at = now()
     WHERE id = ${blockId}
       AND status = 'active'
       AND next_no <= end_no
       AND (${at}::timestamptz IS NULL OR last_issued_at IS NULL OR last_issued_at <= ${at}::timestamptz)
     RETURNING next_no - 1 AS number, last_issued_at AS issued_at`.execute(trx);
  const row = r.rows[0];
  if (row) return { number: row.number, issuedAt: row.issued_at };
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
): Promise<{ blockId: string; number: number; issuedAt: Date } | null> {
  const r = await sql<{ id: string; number: number; issued_at: Date }>`
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
     RETURNING id, next_no - 1 AS number, last_issued_at AS issued_at`.execute(trx);
  const row = r.rows[0];
  return row ? { blockId: row.id, number: row.number, issuedAt: row.issued_at } : null;
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
