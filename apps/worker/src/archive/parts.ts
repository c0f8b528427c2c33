/**
 * What an archived invoice month is made of (docs/archive.md), shared by the archive job (archive.ts) and the
 * restore (restore.ts): the month, its storage keys, its parts — one per table, with the SQL that finds the
 * month's rows — the manifest, and the row digest both sides compare.
 *
 * A month's rows are its two partitions (invoices, invoice_items) and every row that references them: status
 * history, allowances with their items, Turnkey messages (found through their chain, period:number, which has
 * an index; the FK columns have none), and the import log lines naming the invoices. The number registry
 * (invoice_numbers) stays online: it keeps "a number is issued once" and the periods' blank-number counts
 * true, and lookups through it join the invoice, so an archived number simply finds nothing.
 */
import { createHash } from 'node:crypto';
import { pipeline, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Database, DbOrTx } from '@app/db';
import { taipeiIsoDate } from '@app/domain';
import type { Storage } from '@app/storage';
import { type RawBuilder, sql } from 'kysely';
import { z } from 'zod';

export const ARCHIVE_FORMAT = 'einvoice-invoice-archive/1';
export const ARCHIVE_ROOT = 'archive/invoices';

/** One archive or restore at a time (pg_try_advisory_lock(ARCHIVE_LOCK, 0)), whoever runs it. */
export const ARCHIVE_LOCK = 40_420;

/** A calendar month of invoice dates: `label` 2025-01, partition bounds [from, to). */
export type ArchiveMonth = { label: string; from: string; to: string };

/** The month of a YYYY-MM label, or null when it is not one. */
export function archiveMonth(label: string): ArchiveMonth | null {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(label);
  if (!m) return null;
  return { label, from: `${label}-01`, to: `${monthLabel(Number(m[1]) * 12 + Number(m[2]))}-01` };
}

/** YYYY-MM of a month counted as year × 12 + month − 1. */
const monthLabel = (index: number) => `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;

/**
 * The first month of the hot window at `now`: the Asia/Taipei month `hotMonths` before the current one.
 * Months before it are archived; with 12 on 2026-11-21, that is 2025-11, so 2025-10 is the newest archived.
 */
export function firstHotMonth(now: Date, hotMonths: number): ArchiveMonth {
  const [y, m] = taipeiIsoDate(now).split('-').map(Number) as [number, number];
  return archiveMonth(monthLabel(y * 12 + m - 1 - hotMonths)) as ArchiveMonth;
}

/** 00:00 Asia/Taipei on the month's first day. */
export const monthStart = (m: ArchiveMonth) => new Date(`${m.from}T00:00:00+08:00`);

export const prefixOf = (m: ArchiveMonth) => `${ARCHIVE_ROOT}/${m.label}`;
export const manifestKeyOf = (m: ArchiveMonth) => `${prefixOf(m)}/manifest.json`;
const partKeyOf = (m: ArchiveMonth, table: ArchivedTable) => `${prefixOf(m)}/${table}.jsonl.gz`;

export type ArchivedTable =
  | 'invoices'
  | 'invoice_items'
  | 'invoice_transitions'
  | 'allowances'
  | 'allowance_items'
  | 'turnkey_messages'
  | 'import_file_logs';

export type Part = {
  table: ArchivedTable;
  /** The export's order (a stable file for the same rows). */
  order: string;
  /** The month's rows of the table, aliased `t`. */
  where: (m: ArchiveMonth) => RawBuilder<boolean>;
};

const inMonth = (m: ArchiveMonth) => sql<boolean>`t.invoice_date >= ${m.from}::date AND t.invoice_date < ${m.to}::date`;

/** The partitions of the month: loaded first on restore, dropped last when archived. */
export const PARTITIONED = ['invoices', 'invoice_items'] as const;

/** In load order, a row's parents before it; the archive deletes the referencing ones in reverse. */
export const PARTS: readonly Part[] = [
  { table: 'invoices', order: 't.id, t.invoice_date', where: inMonth },
  { table: 'invoice_items', order: 't.invoice_id, t.invoice_date, t.seq', where: inMonth },
  { table: 'invoice_transitions', order: 't.id', where: inMonth },
  { table: 'allowances', order: 't.id', where: inMonth },
  {
    table: 'allowance_items',
    order: 't.allowance_id, t.seq',
    where: (m) =>
      sql<boolean>`t.allowance_id IN (SELECT a.id FROM allowances a WHERE a.invoice_date >= ${m.from}::date AND a.invoice_date < ${m.to}::date)`,
  },
  {
    // Every F and G message of an invoice carries its chain (period:number); all versions of a number share
    // one invoice date, so the chains of the month's invoices are exactly the month's messages.
    table: 'turnkey_messages',
    order: 't.id',
    where: (m) =>
      sql<boolean>`t.chain IN (SELECT i.year_month || ':' || i.invoice_number FROM invoices i
                                WHERE i.invoice_date >= ${m.from}::date AND i.invoice_date < ${m.to}::date)`,
  },
  { table: 'import_file_logs', order: 't.import_id, t.row_no', where: inMonth },
];

export const partKey = (m: ArchiveMonth, p: Part) => partKeyOf(m, p.table);

const manifestPart = z.object({
  table: z.enum(PARTS.map((p) => p.table) as [ArchivedTable, ...ArchivedTable[]]),
  key: z.string(),
  rows: z.number().int().min(0),
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  digest: z.string().regex(/^\d+$/),
  columns: z.array(z.string()).min(1),
});
export const manifestSchema = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  month: z.string().regex(/^\d{4}-\d{2}$/),
  bounds: z.object({ from: z.string(), to: z.string() }),
  partitions: z.object({ invoices: z.string(), invoice_items: z.string() }),
  schemaVersion: z.string().regex(/^\d+$/),
  archivedAt: z.string(),
  archivedBy: z.string(),
  parts: z.array(manifestPart),
});
export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestPart = z.infer<typeof manifestPart>;

/**
 * Text renderings that do not depend on the session: the digest hashes each row's text, and the archive and
 * the restore must render the same row the same way. Plus the statement timeout (the pool's 15 s is for
 * requests; a month's digest or delete takes longer) and how long to wait for a lock.
 */
export async function archiveSession(trx: DbOrTx, o: { statementTimeoutMs: number; lockTimeoutMs: number }): Promise<void> {
  await sql`SELECT set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true),
                   set_config('IntervalStyle', 'postgres', true), set_config('extra_float_digits', '1', true),
                   set_config('statement_timeout', ${String(o.statementTimeoutMs)}, true),
                   set_config('lock_timeout', ${String(o.lockTimeoutMs)}, true)`.execute(trx);
}

/**
 * Order-free digest of a set of rows: the sum of the first 60 bits of each row text's MD5. The same rows give
 * the same digest whatever their order; a changed, added or missing row changes it.
 */
const DIGEST = (alias: string) => sql.raw(`coalesce(sum(('x' || substr(md5(${alias}::text), 1, 15))::bit(60)::bigint), 0)::text`);

export type Digest = { rows: number; digest: string };

/** Rows and digest of the month's rows of a part, as they are now. */
export async function digestOf(db: DbOrTx, m: ArchiveMonth, p: Part): Promise<Digest> {
  const r = await sql<{ rows: string; digest: string }>`
    SELECT count(*)::text AS rows, ${DIGEST('t')} AS digest FROM ${sql.table(p.table)} t WHERE ${p.where(m)}`.execute(db);
  const row = r.rows[0] as { rows: string; digest: string };
  return { rows: Number(row.rows), digest: row.digest };
}

/** Delete the month's rows of a part; rows and digest of exactly the rows deleted. */
export async function deleteOf(db: DbOrTx, m: ArchiveMonth, p: Part): Promise<Digest> {
  const r = await sql<{ rows: string; digest: string }>`
    WITH d AS (DELETE FROM ${sql.table(p.table)} AS t WHERE ${p.where(m)} RETURNING t.*)
    SELECT count(*)::text AS rows, ${DIGEST('d')} AS digest FROM d`.execute(db);
  const row = r.rows[0] as { rows: string; digest: string };
  return { rows: Number(row.rows), digest: row.digest };
}

/** The table's columns in order, and which of them are generated (never inserted). */
export async function columnsOf(db: DbOrTx, table: string): Promise<{ all: string[]; insertable: string[] }> {
  const r = await sql<{ name: string; generated: boolean }>`
    SELECT attname AS name, attgenerated <> '' AS generated FROM pg_attribute
     WHERE attrelid = ${table}::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`.execute(db);
  return { all: r.rows.map((c) => c.name), insertable: r.rows.filter((c) => !c.generated).map((c) => c.name) };
}

/** The monthly partitions of `parent` by month label; partitions with other bounds are listed apart. */
export async function monthPartitions(
  db: DbOrTx,
  parent: (typeof PARTITIONED)[number],
): Promise<{ byMonth: Map<string, string>; other: string[] }> {
  const r = await sql<{ name: string; bound: string }>`
    SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = ${parent}::regclass`.execute(db);
  const byMonth = new Map<string, string>();
  const other: string[] = [];
  for (const { name, bound } of r.rows) {
    const b = /^FOR VALUES FROM \('(\d{4}-\d{2})-01'\) TO \('(\d{4}-\d{2}-\d{2})'\)$/.exec(bound);
    const m = b ? archiveMonth(b[1] as string) : null;
    if (m && m.to === b?.[2]) byMonth.set(m.label, name);
    else other.push(name);
  }
  return { byMonth, other };
}

/** Hex SHA-256 and size of a stored object, read as a stream. */
export async function hashObject(storage: Storage, key: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of await storage.getStream(key)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * The JSON lines of a stored part in batches of up to `batch` lines, ungzipped as they are read; `read()` then
 * gives the SHA-256 and size of the stored bytes and the number of lines.
 */
export function readPart(storage: Storage, key: string, batch = 2_000) {
  const hash = createHash('sha256');
  let bytes = 0;
  let lines = 0;
  let done = false;
  async function* batches(): AsyncGenerator<string[]> {
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    const text = pipeline(await storage.getStream(key), hashing, createGunzip(), () => {});
    let rest = '';
    let out: string[] = [];
    for await (const chunk of text.setEncoding('utf8')) {
      const split = (rest + (chunk as string)).split('\n');
      rest = split.pop() as string;
      for (const line of split) {
        out.push(line);
        if (out.length >= batch) {
          lines += out.length;
          yield out;
          out = [];
        }
      }
    }
    if (rest !== '') throw new Error(`${key} does not end with a line break: it is cut short`);
    if (out.length > 0) {
      lines += out.length;
      yield out;
    }
    done = true;
  }
  return {
    batches,
    read: () => {
      if (!done) throw new Error(`${key} was not read to the end`);
      return { sha256: hash.digest('hex'), bytes, rows: lines };
    },
  };
}

export const ARCHIVE_BUSY = Symbol('another archive or restore is running');

/**
 * Run `fn` on one connection holding the archive lock (session-level, so it spans the export, the read-back and
 * the final transaction); ARCHIVE_BUSY when another archive or restore holds it. A process that dies loses
 * its connection and the lock with it.
 */
export async function withArchiveLock<T>(db: Database, fn: (conn: Database) => Promise<T>): Promise<T | typeof ARCHIVE_BUSY> {
  return db.connection().execute(async (conn) => {
    const got = await sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(${ARCHIVE_LOCK}::int, 0) AS ok`.execute(conn);
    if (!got.rows[0]?.ok) return ARCHIVE_BUSY;
    try {
      return await fn(conn);
    } finally {
      await sql`SELECT pg_advisory_unlock(${ARCHIVE_LOCK}::int, 0)`.execute(conn).catch(() => {});
    }
  });
}

/** Archive and restore refuse with this: the message says what is wrong and what to do. */
export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
}
