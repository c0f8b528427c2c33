import type { DbOrTx } from '@app/db';
import type { DataScope } from '@app/domain';
import { type ExpressionBuilder, type ExpressionWrapper, type SqlBool, sql } from 'kysely';
import { scopeWhere } from '../../lib/scope-filter.ts';

export type Filter = (eb: ExpressionBuilder<any, any>) => ExpressionWrapper<any, any, SqlBool>;

const COLUMNS = [
  sql<string>`a.id::text`.as('id'),
  'a.action',
  'a.status',
  'a.invoice_number',
  'a.year_month',
  'a.seller_id',
  'a.site_id',
  'a.amount',
  'a.payload',
  'a.requested_by_type',
  'a.requested_by_id',
  'a.requested_by_name',
  'a.requested_at',
  'a.decided_by_id',
  'a.decided_by_name',
  'a.decided_at',
  'a.decision_note',
  'a.result',
  'a.error_code',
  'a.error_message',
  sql<string | null>`(SELECT display_name FROM sys_users WHERE id = a.requested_by_id)`.as('requester_display_name'),
  sql<string | null>`(SELECT display_name FROM sys_users WHERE id = a.decided_by_id)`.as('decider_display_name'),
] as const;

export type ApprovalRow = {
  id: string;
  action: string;
  status: string;
  invoice_number: string;
  year_month: string;
  seller_id: string;
  site_id: string;
  amount: string | number | bigint | null;
  payload: unknown;
  requested_by_type: string;
  requested_by_id: string;
  requested_by_name: string;
  requested_at: Date;
  decided_by_id: string | null;
  decided_by_name: string | null;
  decided_at: Date | null;
  decision_note: string | null;
  result: unknown;
  error_code: string | null;
  error_message: string | null;
  requester_display_name: string | null;
  decider_display_name: string | null;
};

/** The current version of an invoice number in the scope: what a request needs to know and store. */
export async function invoiceForApproval(db: DbOrTx, scope: DataScope, number: string) {
  return db
    .selectFrom('invoice_numbers as n')
    .innerJoin('invoices as i', (j) => j.onRef('i.id', '=', 'n.invoice_id').onRef('i.invoice_date', '=', 'n.invoice_date'))
    .select(['i.year_month', 'i.seller_id', 'i.site_id', 'i.status'])
    .where('n.invoice_number', '=', number)
    .where(scopeWhere(scope, { seller: 'i.seller_id', site: 'i.site_id' }))
    .orderBy('n.issued_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function insertApproval(
  db: DbOrTx,
  v: {
    action: string;
    invoice_number: string;
    year_month: string;
    seller_id: string;
    site_id: string;
    amount: number | null;
    payload: string;
    requested_by_type: string;
    requested_by_id: string;
    requested_by_name: string;
    request_id: string;
  },
): Promise<ApprovalRow> {
  const { id } = await db
    .insertInto('approval_requests')
    .values({ ...v, payload: sql`${v.payload}::jsonb` })
    .returning(sql<string>`id::text`.as('id'))
    .executeTakeFirstOrThrow();
  return (await findApprovals(db, (eb) => eb.val(true), { id, limit: 1 }))[0] as ApprovalRow;
}

/** Newest first; `before` is the id of the last row of the previous page. */
export async function findApprovals(
  db: DbOrTx,
  visible: Filter,
  f: {
    id?: string;
    status?: string | undefined;
    action?: string | undefined;
    invoiceNumber?: string | undefined;
    requestedBy?: string | undefined;
    before?: string | undefined;
    limit: number;
  },
): Promise<ApprovalRow[]> {
  let q = db.selectFrom('approval_requests as a').select(COLUMNS).where(visible);
  if (f.id) q = q.where('a.id', '=', f.id);
  if (f.status) q = q.where('a.status', '=', f.status);
  if (f.action) q = q.where('a.action', '=', f.action);
  if (f.invoiceNumber) q = q.where('a.invoice_number', '=', f.invoiceNumber);
  if (f.requestedBy) q = q.where('a.requested_by_id', '=', f.requestedBy);
  if (f.before) q = q.where('a.id', '<', f.before);
  return (await q.orderBy('a.id', 'desc').limit(f.limit).execute()) as ApprovalRow[];
}

/** The request, locked until the transaction ends (two approvers at once: the second sees it decided). */
export async function lockApproval(db: DbOrTx, id: string, visible: Filter = (eb) => eb.val(true)) {
  const locked = await db
    .selectFrom('approval_requests as a')
    .select(sql<string>`a.id::text`.as('id'))
    .where('a.id', '=', id)
    .where(visible)
    .forUpdate()
    .executeTakeFirst();
  if (!locked) return null;
  return (await findApprovals(db, (eb) => eb.val(true), { id, limit: 1 }))[0] ?? null;
}

export async function decideApproval(
  db: DbOrTx,
  id: string,
  v: {
    status: string;
    decided_by_id: string | null;
    decided_by_name: string;
    decision_note: string | null;
    result: string | null;
    error_code: string | null;
    error_message: string | null;
  },
): Promise<ApprovalRow> {
  await db
    .updateTable('approval_requests')
    .set({ ...v, result: v.result === null ? null : sql`${v.result}::jsonb`, decided_at: sql`now()` })
    .where('id', '=', id)
    .execute();
  return (await findApprovals(db, (eb) => eb.val(true), { id, limit: 1 }))[0] as ApprovalRow;
}
