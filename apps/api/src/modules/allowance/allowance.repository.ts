/**
 * SQL of allowances (折讓, G0401) and their cancel (G0501) and void (G0701). Callers hold the lock of the
 * invoice's number (`lockInvoiceNumber`) while they read what is left and write, so two allowances on one
 * invoice cannot both spend the same remainder.
 */
import { type DbOrTx, pgErrorCode } from '@app/db';
import { DomainError } from '@app/domain';
import { sql } from 'kysely';
import type { scopeWhere } from '../../lib/scope-filter.ts';

type ScopeFilter = ReturnType<typeof scopeWhere>;

/** Σ tax-included amounts of a number's active (issued) allowances, per original item. */
export async function activeAllowedPerItem(db: DbOrTx, yearMonth: string, number: string): Promise<Map<number, bigint>> {
  const rows = await db
    .selectFrom('allowance_items as ai')
    .innerJoin('allowances as a', 'a.id', 'ai.allowance_id')
    .select(['ai.original_seq', sql<string>`sum(ai.amount)::text`.as('allowed')])
    .where('a.invoice_number', '=', number)
    .where('a.year_month', '=', yearMonth)
    .where('a.status', '=', 'issued')
    .groupBy('ai.original_seq')
    .execute();
  return new Map(rows.map((r) => [r.original_seq, BigInt(r.allowed)]));
}

/** How many of a number's allowances are neither cancelled nor voided. */
export async function countActiveAllowances(db: DbOrTx, yearMonth: string, number: string): Promise<number> {
  const r = await db
    .selectFrom('allowances')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('invoice_number', '=', number)
    .where('year_month', '=', yearMonth)
    .where('status', '=', 'issued')
    .executeTakeFirstOrThrow();
  return r.n;
}

/** The seller's next allowance counter (1, 2, …): one upsert, so concurrent allowances never share one. */
export async function nextAllowanceCounter(trx: DbOrTx, sellerId: string): Promise<number> {
  try {
    const r = await sql<{ last_no: string }>`
      INSERT INTO allowance_counters (seller_id, last_no) VALUES (${sellerId}, 1)
      ON CONFLICT (seller_id) DO UPDATE SET last_no = allowance_counters.last_no + 1, updated_at = now()
      RETURNING last_no`.execute(trx);
    return Number(r.rows[0]?.last_no);
  } catch (e) {
    if (pgErrorCode(e) === '23514') throw new DomainError('CONFLICT', 'The seller has used every allowance number.');
    throw e;
  }
}

export type AllowanceRow = {
  id: string;
  allowance_number: string;
  allowance_date: string;
  seller_id: string;
  site_id: string;
  year_month: string;
  invoice_number: string;
  invoice_id: string;
  invoice_date: string;
  buyer_ban: string | null;
  tax_amount: string;
  total_amount: string;
  remark: string | null;
  issued_by: string | null;
  request_id: string | null;
};

export type AllowanceItemRow = {
  seq: number;
  original_seq: number;
  description: string;
  quantity: string;
  unit: string | null;
  unit_price: string;
  tax_type: string;
  amount: string;
  untaxed_amount: string;
  tax: string;
};

export async function insertAllowance(trx: DbOrTx, a: AllowanceRow, items: AllowanceItemRow[]): Promise<void> {
  await trx.insertInto('allowances').values(a).execute();
  await trx
    .insertInto('allowance_items')
    .values(items.map((i) => ({ ...i, allowance_id: a.id })))
    .execute();
}

const allowanceColumns = [
  'a.id',
  'a.allowance_number',
  'a.allowance_type',
  sql<string>`a.allowance_date::text`.as('allowance_date'),
  'a.status',
  'a.year_month',
  'a.invoice_number',
  'a.invoice_id',
  sql<string>`a.invoice_date::text`.as('invoice_date'),
  'a.seller_id',
  'a.site_id',
  'a.buyer_ban',
  'a.tax_amount',
  'a.total_amount',
  'a.remark',
  'a.status_reason',
  'a.status_changed_at',
  'a.created_at',
] as const;

async function withItems<T extends { id: string }>(db: DbOrTx, allowances: T[]) {
  if (allowances.length === 0) return [];
  const items = await db
    .selectFrom('allowance_items')
    .select([
      'allowance_id',
      'seq',
      'original_seq',
      'description',
      sql<string>`quantity::text`.as('quantity'),
      'unit',
      sql<string>`unit_price::text`.as('unit_price'),
      'tax_type',
      'amount',
      'untaxed_amount',
      'tax',
    ])
    .where(
      'allowance_id',
      'in',
      allowances.map((a) => a.id),
    )
    .orderBy('allowance_id')
    .orderBy('seq')
    .execute();
  return allowances.map((a) => ({ ...a, items: items.filter((i) => i.allowance_id === a.id) }));
}

/** An allowance by its number, in the caller's scope, with its items. */
export async function findAllowance(db: DbOrTx, allowanceNumber: string, scopeFilter: ScopeFilter) {
  const a = await db
    .selectFrom('allowances as a')
    .select(allowanceColumns)
    .where('a.allowance_number', '=', allowanceNumber)
    .where(scopeFilter)
    .executeTakeFirst();
  if (!a) return null;
  const [found] = await withItems(db, [a]);
  return found ?? null;
}
export type FoundAllowance = NonNullable<Awaited<ReturnType<typeof findAllowance>>>;

/** Every allowance of an invoice number, oldest first, with items. */
export async function listAllowancesOfNumber(db: DbOrTx, yearMonth: string, number: string) {
  const rows = await db
    .selectFrom('allowances as a')
    .select(allowanceColumns)
    .where('a.invoice_number', '=', number)
    .where('a.year_month', '=', yearMonth)
    .orderBy('a.created_at')
    .orderBy('a.allowance_number')
    .execute();
  return withItems(db, rows);
}

/** Cancel or void an issued allowance; false when it was no longer issued. */
export async function endAllowance(
  trx: DbOrTx,
  id: string,
  v: { status: 'cancelled' | 'voided'; reason: string; at: Date; by: string | null; requestId: string },
): Promise<boolean> {
  const r = await trx
    .updateTable('allowances')
    .set({
      status: v.status,
      status_reason: v.reason,
      status_changed_at: v.at,
      status_changed_by: v.by,
      status_request_id: v.requestId,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .where('status', '=', 'issued')
    .executeTakeFirst();
  return r.numUpdatedRows === 1n;
}
