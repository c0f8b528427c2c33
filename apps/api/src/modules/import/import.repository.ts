/** SQL of invoice imports: import_files (one per uploaded file) and import_file_logs (one per invoice of it). */
import type { Database, DbOrTx } from '@app/db';
import type { DataScope } from '@app/domain';
import type { ImportLogStatus, ImportStatus, RowErrorDetail } from '@app/schemas/import';
import { sql } from 'kysely';
import { scopeWhere } from '../../lib/scope-filter.ts';

const importColumns = [
  'id',
  'filename',
  'sha256',
  'format',
  'encoding',
  'size_bytes',
  'storage_key',
  'status',
  'rows_total',
  'rows_valid',
  'rows_issued',
  'rows_duplicate',
  'rows_failed',
  'error_code',
  'error_message',
  'error_details',
  'created_by',
  'created_by_name',
  'created_at',
  'started_at',
  'validated_at',
  'finished_at',
] as const;

export type ImportFileRow = {
  id: string;
  filename: string;
  sha256: string;
  format: string;
  encoding: string;
  size_bytes: number;
  storage_key: string;
  status: string;
  rows_total: number;
  rows_valid: number;
  rows_issued: number;
  rows_duplicate: number;
  rows_failed: number;
  error_code: string | null;
  error_message: string | null;
  error_details: unknown;
  created_by: string;
  created_by_name: string;
  created_at: Date;
  started_at: Date | null;
  validated_at: Date | null;
  finished_at: Date | null;
};

export async function findImport(db: DbOrTx, tenantId: string, id: string): Promise<ImportFileRow | undefined> {
  return db
    .selectFrom('import_files')
    .select(importColumns)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** What GET /api/v1/imports/{id}/status shows (status and counts), with the uploader for the visibility check. */
export async function findImportStatus(db: DbOrTx, tenantId: string, id: string) {
  return db
    .selectFrom('import_files')
    .select([
      'id',
      'status',
      'rows_total',
      'rows_valid',
      'rows_issued',
      'rows_duplicate',
      'rows_failed',
      'error_code',
      'created_by',
    ])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The import of this file (by SHA-256) that counts: any but a failed one (import_files_sha_once). */
export async function findImportOfFile(db: DbOrTx, tenantId: string, sha256: string): Promise<ImportFileRow | undefined> {
  return db
    .selectFrom('import_files')
    .select(importColumns)
    .where('tenant_id', '=', tenantId)
    .where('sha256', '=', sha256)
    .where('status', '<>', 'failed')
    .executeTakeFirst();
}

/** A new import, queued; undefined when a (not failed) import of the same file exists already. */
export async function insertImport(
  trx: DbOrTx,
  v: {
    tenant_id: string;
    filename: string;
    sha256: string;
    format: string;
    encoding: string;
    size_bytes: number;
    storage_key: string;
    created_by: string;
    created_by_name: string;
    request_id: string;
  },
): Promise<ImportFileRow | undefined> {
  return trx
    .insertInto('import_files')
    .values(v)
    .onConflict((oc) => oc.columns(['tenant_id', 'sha256']).where('status', '<>', 'failed').doNothing())
    .returning(importColumns)
    .executeTakeFirst();
}

/** Imports newest first; `createdBy` limits them to one uploader's; `after` is the last id of the previous page. */
export async function listImports(
  db: DbOrTx,
  tenantId: string,
  q: { status?: ImportStatus | undefined; createdBy: string | null; after?: string | undefined; limit: number },
): Promise<ImportFileRow[]> {
  let query = db
    .selectFrom('import_files')
    .select(importColumns)
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit);
  if (q.createdBy !== null) query = query.where('created_by', '=', q.createdBy);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.after) {
    const after = q.after;
    query = query.where((eb) =>
      eb(
        eb.refTuple('created_at', 'id'),
        '<',
        eb.selectFrom('import_files').select(['created_at', 'id']).where('id', '=', after) as never,
      ),
    );
  }
  return query.execute();
}

/** Moves an import from one of `from` to `to` (with `set`); undefined when it was not in `from` (someone else moved it). */
export async function transitionImport(
  trx: DbOrTx,
  id: string,
  from: ImportStatus[],
  to: ImportStatus,
  set: {
    rows_total?: number;
    rows_valid?: number;
    rows_failed?: number;
    error_code?: string;
    error_message?: string;
    error_details?: string;
    started_at?: Date;
    validated_at?: Date;
    finished_at?: Date;
  } = {},
  opts: { nothingIssued?: boolean } = {},
): Promise<ImportFileRow | undefined> {
  let q = trx
    .updateTable('import_files')
    .set({ ...set, status: to, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('status', 'in', from);
  if (opts.nothingIssued) q = q.where('rows_issued', '=', 0).where('rows_duplicate', '=', 0);
  return q.returning(importColumns).executeTakeFirst();
}

export type LogRow = {
  row_no: number;
  line_from: number;
  line_to: number;
  ref: string | null;
  status: ImportLogStatus;
  invoice: { id: string; number: string; date: string } | null;
  error: { code: string; message: string; details: RowErrorDetail[] } | null;
};

const logValues = (importId: string, l: LogRow) => ({
  import_id: importId,
  row_no: l.row_no,
  line_from: l.line_from,
  line_to: l.line_to,
  ref: l.ref,
  status: l.status,
  invoice_id: l.invoice?.id ?? null,
  invoice_date: l.invoice ? sql<Date>`${l.invoice.date}::date` : null,
  invoice_number: l.invoice?.number ?? null,
  error_code: l.error?.code ?? null,
  error_message: l.error?.message ?? null,
  error_details: l.error ? JSON.stringify(l.error.details) : null,
});

/**
 * Log one invoice's outcome and count it, in one statement: an invoice logged already (a run that went on
 * after another) is neither logged nor counted again. Returns whether this call logged it.
 */
export async function recordOutcome(db: DbOrTx, importId: string, l: LogRow): Promise<boolean> {
  const v = logValues(importId, l);
  const r = await sql<{ id: string }>`
    WITH ins AS (
      INSERT INTO import_file_logs (import_id, row_no, line_from, line_to, ref, status, invoice_id, invoice_date,
                                    invoice_number, error_code, error_message, error_details)
      VALUES (${v.import_id}, ${v.row_no}, ${v.line_from}, ${v.line_to}, ${v.ref}, ${v.status}, ${v.invoice_id},
              ${v.invoice_date}, ${v.invoice_number}, ${v.error_code}, ${v.error_message}, ${v.error_details}::jsonb)
      ON CONFLICT (import_id, row_no) DO NOTHING
      RETURNING status
    )
    UPDATE import_files SET
      rows_issued = rows_issued + (SELECT count(*) FROM ins WHERE status = 'issued'),
      rows_duplicate = rows_duplicate + (SELECT count(*) FROM ins WHERE status = 'duplicate'),
      rows_failed = rows_failed + (SELECT count(*) FROM ins WHERE status = 'failed'),
      updated_at = now()
    WHERE id = ${importId} AND EXISTS (SELECT 1 FROM ins)
    RETURNING id`.execute(db);
  return r.rows.length > 0;
}

/** Log invoices that failed before issuing began (counted by the caller); returns how many were new. */
export async function insertOutcomes(trx: DbOrTx, importId: string, logs: LogRow[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < logs.length; i += 1_000) {
    const r = await trx
      .insertInto('import_file_logs')
      .values(logs.slice(i, i + 1_000).map((l) => logValues(importId, l)))
      .onConflict((oc) => oc.columns(['import_id', 'row_no']).doNothing())
      .executeTakeFirst();
    inserted += Number(r.numInsertedOrUpdatedRows ?? 0n);
  }
  return inserted;
}

/** The invoices of an import that have their outcome. */
export async function loggedRows(db: DbOrTx, importId: string): Promise<Set<number>> {
  const rows = await db.selectFrom('import_file_logs').select('row_no').where('import_id', '=', importId).execute();
  return new Set(rows.map((r) => r.row_no));
}

export async function listOutcomes(
  db: DbOrTx,
  importId: string,
  q: { status?: ImportLogStatus | undefined; after?: number | undefined; limit: number },
) {
  let query = db
    .selectFrom('import_file_logs')
    .select([
      'row_no',
      'line_from',
      'line_to',
      'ref',
      'status',
      'invoice_id',
      sql<string | null>`invoice_date::text`.as('invoice_date'),
      'invoice_number',
      'error_code',
      'error_message',
      'error_details',
      'created_at',
    ])
    .where('import_id', '=', importId)
    .orderBy('row_no')
    .limit(q.limit);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.after !== undefined) query = query.where('row_no', '>', q.after);
  return query.execute();
}

/**
 * The idempotency keys an import's invoices were issued under, dropped once every invoice has its logged
 * outcome (then the log is the record; the same file cannot be imported again while the import stands).
 */
export async function deleteKeys(trx: DbOrTx, caller: string, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 5_000) {
    await trx
      .deleteFrom('sys_idempotency_keys')
      .where('caller', '=', caller)
      .where('idempotency_key', 'in', keys.slice(i, i + 5_000))
      .execute();
  }
}

/** Active sites with this code (of the seller with `sellerBan`, if given) in `scope`. */
export async function sitesByCode(
  db: DbOrTx,
  tenantId: string,
  scope: DataScope,
  code: string,
  sellerBan: string | undefined,
): Promise<string[]> {
  let q = db
    .selectFrom('sites as s')
    .innerJoin('sellers as se', 'se.id', 's.seller_id')
    .select('s.id')
    .where('se.tenant_id', '=', tenantId)
    .where('s.code', '=', code)
    .where('s.status', '=', 'active')
    .where('se.status', '=', 'active')
    .where(scopeWhere(scope, { seller: 's.seller_id', site: 's.id' }))
    .limit(2);
  if (sellerBan !== undefined) q = q.where('se.ban', '=', sellerBan);
  return (await q.execute()).map((r) => r.id);
}

/** The device with this code (its scope is checked when it issues), if it exists and is not revoked. */
export async function deviceByCode(db: DbOrTx, tenantId: string, code: string): Promise<string | undefined> {
  const r = await db
    .selectFrom('sys_devices')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('device_code', '=', code)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return r?.id;
}

/** Advisory-lock class of import runs (the second key is the hash of the import id). */
const IMPORT_LOCK = 40_411;

export const LOCK_BUSY = Symbol('import lock busy');

/**
 * Run `fn` holding the import's advisory lock on a connection of its own, so two runs of one import never
 * work side by side; LOCK_BUSY when another run holds it. A run that dies loses its connection and with it
 * the lock. (Correctness does not rest on the lock: keys, the log's primary key and guarded transitions
 * already make a second run harmless; the lock saves it the work.)
 */
export async function withImportLock<T>(db: Database, id: string, fn: () => Promise<T>): Promise<T | typeof LOCK_BUSY> {
  return db.connection().execute(async (conn) => {
    const got = await sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(${IMPORT_LOCK}, hashtext(${id})) AS ok`.execute(conn);
    if (!got.rows[0]?.ok) return LOCK_BUSY;
    try {
      return await fn();
    } finally {
      await sql`SELECT pg_advisory_unlock(${IMPORT_LOCK}, hashtext(${id}))`.execute(conn).catch(() => {});
    }
  });
}
