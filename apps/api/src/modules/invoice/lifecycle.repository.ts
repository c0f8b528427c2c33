/**
 * SQL of the invoice lifecycle. Every transition of an invoice number first locks its invoice_numbers row
 * (`lockInvoiceNumber`), so cancel, void and the allowances of one number run one after another; each then
 * reads the current version with a fresh statement, which under READ COMMITTED sees what the previous holder
 * of the lock committed.
 */
import type { DbOrTx } from '@app/db';
import { sql } from 'kysely';
import type { scopeWhere } from '../../lib/scope-filter.ts';
import type { InvoiceRow, ItemRow } from './invoice.repository.ts';

type ScopeFilter = ReturnType<typeof scopeWhere>;

const onDate = (d: string) => sql<Date>`${d}::date`;

/**
 * The period of the newest number `number` in the caller's scope (the one GET /api/v1/invoices/{number}
 * shows), or null. Seller and site never change between versions, so the scope check holds for all of them.
 */
export async function findNumberInScope(db: DbOrTx, number: string, scopeFilter: ScopeFilter): Promise<string | null> {
  const r = await db
    .selectFrom('invoice_numbers as n')
    .innerJoin('invoices as i', (j) => j.onRef('i.id', '=', 'n.invoice_id').onRef('i.invoice_date', '=', 'n.invoice_date'))
    .select('n.year_month')
    .where('n.invoice_number', '=', number)
    .where(scopeFilter)
    .orderBy('n.issued_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r?.year_month ?? null;
}

/** Lock a number's registry row until the transaction ends; returns the version it points at. */
export async function lockInvoiceNumber(
  trx: DbOrTx,
  yearMonth: string,
  number: string,
): Promise<{ invoiceId: string; invoiceDate: string }> {
  const r = await sql<{ invoice_id: string; invoice_date: string }>`
    SELECT invoice_id, invoice_date::text AS invoice_date
      FROM invoice_numbers
     WHERE year_month = ${yearMonth} AND invoice_number = ${number}
       FOR UPDATE`.execute(trx);
  const row = r.rows[0];
  if (!row) throw new Error(`invoice number ${yearMonth}/${number} vanished`);
  return { invoiceId: row.invoice_id, invoiceDate: row.invoice_date };
}

/** One version of an invoice with its items (quantities and prices as decimal text). */
export async function loadVersion(db: DbOrTx, id: string, invoiceDate: string) {
  const inv = await db
    .selectFrom('invoices')
    .selectAll()
    .select(sql<string>`invoice_date::text`.as('invoice_date_text'))
    .where('id', '=', id)
    .where('invoice_date', '=', onDate(invoiceDate))
    .executeTakeFirstOrThrow();
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
    .where('invoice_id', '=', id)
    .where('invoice_date', '=', onDate(invoiceDate))
    .orderBy('seq')
    .execute();
  return { inv, items };
}
export type LoadedVersion = Awaited<ReturnType<typeof loadVersion>>;

/** Move an issued version to `status`; false when it was no longer issued. */
export async function endVersion(trx: DbOrTx, id: string, invoiceDate: string, status: 'cancelled' | 'voided'): Promise<boolean> {
  const r = await trx
    .updateTable('invoices')
    .set({ status, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('invoice_date', '=', onDate(invoiceDate))
    .where('status', '=', 'issued')
    .executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

/**
 * Insert a re-issued version (same number, period and date as the voided one) with its items, and point the
 * number's registry row at it. Not `insertInvoice`: the registry row exists and keeps its block and issue time.
 */
export async function insertReissuedVersion(trx: DbOrTx, inv: InvoiceRow, items: ItemRow[], replaces: string): Promise<void> {
  await trx.insertInto('invoices').values(inv).execute();
  await trx
    .insertInto('invoice_items')
    .values(items.map((i) => ({ ...i, invoice_id: inv.id, invoice_date: inv.invoice_date })))
    .execute();
  const r = await trx
    .updateTable('invoice_numbers')
    .set({ invoice_id: inv.id })
    .where('year_month', '=', inv.year_month)
    .where('invoice_number', '=', inv.invoice_number)
    .where('invoice_id', '=', replaces)
    .executeTakeFirst();
  if (r.numUpdatedRows !== 1n) throw new Error(`invoice number ${inv.invoice_number} no longer points at ${replaces}`);
}

export type TransitionRow = {
  year_month: string;
  invoice_number: string;
  kind: 'cancelled' | 'voided' | 'reissued';
  invoice_date: string;
  from_invoice_id: string;
  to_invoice_id: string | null;
  reason: string | null;
  return_tax_document_number: string | null;
  remark: string | null;
  occurred_at: Date;
  actor: string | null;
  request_id: string | null;
};

/** Insert status changes; their ids, in the order given. */
export async function insertTransitions(trx: DbOrTx, rows: TransitionRow[]): Promise<string[]> {
  const out = await trx.insertInto('invoice_transitions').values(rows).returning('id').execute();
  return out.map((r) => r.id);
}

/** The status changes of a number, oldest first. */
export async function listTransitions(db: DbOrTx, yearMonth: string, number: string) {
  return db
    .selectFrom('invoice_transitions')
    .select([
      'kind',
      'from_invoice_id',
      'to_invoice_id',
      'reason',
      'return_tax_document_number',
      'remark',
      'occurred_at',
      'actor',
      'request_id',
    ])
    .where('invoice_number', '=', number)
    .where('year_month', '=', yearMonth)
    .orderBy('id')
    .execute();
}

/** When and by whom a version was issued (the "issued" entry of the history is the version's own row). */
export async function findIssue(db: DbOrTx, id: string, invoiceDate: string) {
  return db
    .selectFrom('invoices')
    .select(['invoice_time', 'issued_by', 'request_id'])
    .where('id', '=', id)
    .where('invoice_date', '=', onDate(invoiceDate))
    .executeTakeFirstOrThrow();
}
