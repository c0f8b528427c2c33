/**
 * Archiving invoice months (docs/archive.md), run by the daily maintenance.archive job and by
 * scripts/archive-partitions.sh. For each monthly partition of `invoices` that lies wholly before the hot
 * window, oldest first:
 *
 *   1. In one snapshot (REPEATABLE READ): check the month may go (`blockersOf`), then stream each part — the
 *      two partitions and every referencing row — to storage as gzipped JSON lines, noting rows and digest.
 *   2. Read every part back: its SHA-256 and its line count must be what was written. Then the manifest.
 *   3. In one transaction: lock the partitions against writes, check they still hold exactly the exported rows,
 *      delete the referencing rows (each delete's rows must be exactly the exported ones), detach and drop the
 *      partitions, record the month in invoice_archives. Anything that changed since step 1 rolls it all back.
 *
 * A month that may not go yet, or whose rows changed meanwhile, stays online and is tried on the next run.
 */

import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { type Database, type DbOrTx, SCHEMA_VERSION } from '@app/db';
import type { JobLog } from '@app/jobs';
import type { Storage } from '@app/storage';
import { sql } from 'kysely';
import {
  ARCHIVE_BUSY,
  ARCHIVE_FORMAT,
  type ArchivedTable,
  ArchiveError,
  type ArchiveMonth,
  archiveMonth,
  archiveSession,
  columnsOf,
  type Digest,
  deleteOf,
  digestOf,
  firstHotMonth,
  hashObject,
  type Manifest,
  type ManifestPart,
  manifestKeyOf,
  monthPartitions,
  monthStart,
  PARTITIONED,
  PARTS,
  type Part,
  partKey,
  prefixOf,
  readPart,
  withArchiveLock,
} from './parts.ts';

/** Rows fetched from the export cursor at a time. */
const FETCH_ROWS = 2_000;
/** The export and the final transaction may run long (a month's digest, its deletes)… */
const STATEMENT_TIMEOUT_MS = 30 * 60_000;
/**
 * …but the final step's locks (detaching takes invoices and the tables referencing it exclusively, for
 * milliseconds) are not waited for longer than this, so issuing never queues behind the archive for long.
 */
export const ARCHIVE_LOCK_TIMEOUT_MS = 5_000;

export type ArchiveOptions = {
  now: Date;
  /** ARCHIVE_HOT_MONTHS (≥ 1 here; 0 means off and is the caller's business). */
  hotMonths: number;
  /** ARCHIVE_RESTORED_KEEP_DAYS: a restored month stays online this long. */
  restoredKeepDays: number;
  /** Who archives, as recorded: `job:maintenance.archive`, `script:<user>`. */
  by: string;
  /** Only this month (YYYY-MM), as `scripts/archive-partitions.sh --month` asks; the rules still apply. */
  only?: string;
  signal?: AbortSignal;
  log: JobLog;
  /** Runs after the export was verified and before anything is deleted (tests change rows here). */
  afterExport?: (month: string) => Promise<void>;
};

export type MonthOutcome =
  | { month: string; outcome: 'archived'; rows: Record<ArchivedTable, number>; bytes: number; ms: number }
  /** Not now: a rule holds it online (an unaccepted message, recent activity, a change during the export). */
  | { month: string; outcome: 'waiting'; reasons: string[] }
  /** Nothing to do: archived already, restored recently, inside the hot window. */
  | { month: string; outcome: 'skipped'; reason: string }
  | { month: string; outcome: 'failed'; error: string };

export type ArchiveRun = { busy: boolean; firstHotMonth: string; months: MonthOutcome[] };

/** The rows of the month changed between the export and the delete: nothing was deleted. */
class ChangedMeanwhile extends Error {}

export async function archiveMonths(deps: { db: Database; storage: Storage }, opts: ArchiveOptions): Promise<ArchiveRun> {
  if (opts.hotMonths < 1) throw new Error(`archiveMonths needs hotMonths ≥ 1 (got ${opts.hotMonths})`);
  const hot = firstHotMonth(opts.now, opts.hotMonths);
  const only = opts.only === undefined ? undefined : archiveMonth(opts.only);
  if (opts.only !== undefined && !only) throw new ArchiveError(`"${opts.only}" is not a month (YYYY-MM).`);

  const run = await withArchiveLock(deps.db, async (conn) => {
    const months: MonthOutcome[] = [];
    for (const c of await candidates(conn, hot, opts, only)) {
      opts.signal?.throwIfAborted();
      if ('outcome' in c) {
        months.push(c);
        logOutcome(opts.log, c);
        continue;
      }
      const outcome = await archiveOne(conn, deps.storage, c.month, c.partitions, hot, opts).catch(
        (e: Error): MonthOutcome =>
          e instanceof ChangedMeanwhile
            ? { month: c.month.label, outcome: 'waiting', reasons: [e.message] }
            : { month: c.month.label, outcome: 'failed', error: e.message },
      );
      months.push(outcome);
      logOutcome(opts.log, outcome);
    }
    return months;
  });
  return run === ARCHIVE_BUSY
    ? { busy: true, firstHotMonth: hot.label, months: [] }
    : { busy: false, firstHotMonth: hot.label, months: run };
}

function logOutcome(log: JobLog, o: MonthOutcome): void {
  if (o.outcome === 'archived')
    log.info({ month: o.month, rows: o.rows, bytes: o.bytes, ms: o.ms }, `invoice month ${o.month} archived`);
  else if (o.outcome === 'waiting')
    log.warn({ month: o.month, reasons: o.reasons }, `invoice month ${o.month} not archived yet: ${o.reasons.join('; ')}`);
  else if (o.outcome === 'failed')
    log.error({ month: o.month, error: o.error }, `invoice month ${o.month} could not be archived: ${o.error}`);
  else log.info({ month: o.month, reason: o.reason }, `invoice month ${o.month} skipped: ${o.reason}`);
}

type Candidate = { month: ArchiveMonth; partitions: Record<(typeof PARTITIONED)[number], string> };

/** The months to archive now, oldest first, and (for `only`) why that month is not one. */
async function candidates(
  db: DbOrTx,
  hot: ArchiveMonth,
  opts: ArchiveOptions,
  only: ArchiveMonth | null | undefined,
): Promise<(Candidate | MonthOutcome)[]> {
  const invoices = await monthPartitions(db, 'invoices');
  const items = await monthPartitions(db, 'invoice_items');
  if (invoices.other.length > 0) {
    opts.log.warn({ partitions: invoices.other }, 'invoice partitions that are not one calendar month are never archived');
  }
  const records = new Map(
    (
      await sql<{ month: string; restored_at: Date | null }>`
        SELECT to_char(month, 'YYYY-MM') AS month, restored_at FROM invoice_archives`.execute(db)
    ).rows.map((r) => [r.month, r.restored_at]),
  );
  const keepUntil = (restoredAt: Date) => new Date(restoredAt.getTime() + opts.restoredKeepDays * 86_400_000);

  const out: (Candidate | MonthOutcome)[] = [];
  const labels = only ? [only.label] : [...invoices.byMonth.keys()].filter((l) => l < hot.label).sort();
  for (const label of labels) {
    const month = archiveMonth(label) as ArchiveMonth;
    const inv = invoices.byMonth.get(label);
    const it = items.byMonth.get(label);
    const restoredAt = records.get(label);
    if (label >= hot.label) {
      out.push({
        month: label,
        outcome: 'skipped',
        reason: `${label} is inside the hot window (months before ${hot.label} are archived; ARCHIVE_HOT_MONTHS=${opts.hotMonths})`,
      });
    } else if (!inv) {
      out.push(
        restoredAt === null
          ? { month: label, outcome: 'skipped', reason: `${label} is archived already` }
          : { month: label, outcome: 'failed', error: `${label} has no invoices partition and is not recorded as archived` },
      );
    } else if (restoredAt === null) {
      // Its objects are the only copy of the month: archiving what is online now would overwrite them.
      out.push({
        month: label,
        outcome: 'failed',
        error: `${label} is recorded as archived (invoice_archives) but partition ${inv} exists — created by hand? If it and the items partition are empty, detach and drop both (docs/archive.md), then restore the month with scripts/archive-restore.sh ${label}`,
      });
    } else if (restoredAt && keepUntil(restoredAt) > opts.now) {
      out.push({
        month: label,
        outcome: 'skipped',
        reason: `${label} was restored ${restoredAt.toISOString()} and stays online until ${keepUntil(restoredAt).toISOString()} (ARCHIVE_RESTORED_KEEP_DAYS=${opts.restoredKeepDays})`,
      });
    } else if (!it) {
      out.push({
        month: label,
        outcome: 'failed',
        error: `${label} has partition ${inv} but no invoice_items partition for the same month`,
      });
    } else {
      out.push({ month, partitions: { invoices: inv, invoice_items: it } });
    }
  }
  return out;
}

/**
 * Why the month may not leave the database yet (empty: it may). Everything of the month must be final at
 * the platform and older than the hot window: a number still being reported must stay online.
 */
async function blockersOf(db: DbOrTx, m: ArchiveMonth, hot: ArchiveMonth): Promise<string[]> {
  const any = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM (SELECT 1 FROM invoices WHERE invoice_date >= ${m.from}::date AND invoice_date < ${m.to}::date LIMIT 1) x`.execute(
    db,
  );
  if (any.rows[0]?.n === 0) return [];
  const hotFrom = monthStart(hot);
  const r = await sql<{
    not_accepted: number;
    examples: string | null;
    allowances: number;
    transitions: number;
    approvals: number;
    imports: number;
  }>`
    WITH inv AS MATERIALIZED (
      SELECT year_month, invoice_number FROM invoices WHERE invoice_date >= ${m.from}::date AND invoice_date < ${m.to}::date
    ), open AS MATERIALIZED (
      SELECT m.id, m.identifier, m.status FROM turnkey_messages m
       WHERE m.chain IN (SELECT year_month || ':' || invoice_number FROM inv) AND m.status <> 'accepted'
    )
    SELECT (SELECT count(*) FROM open)::int AS not_accepted,
           (SELECT string_agg(identifier || ' ' || status, ', ' ORDER BY id) FROM (SELECT * FROM open ORDER BY id LIMIT 3) x) AS examples,
           (SELECT count(*) FROM allowances a
             WHERE a.invoice_date >= ${m.from}::date AND a.invoice_date < ${m.to}::date
               AND (a.allowance_date >= ${hot.from}::date OR a.status_changed_at >= ${hotFrom}))::int AS allowances,
           (SELECT count(*) FROM invoice_transitions x
             WHERE x.invoice_date >= ${m.from}::date AND x.invoice_date < ${m.to}::date AND x.occurred_at >= ${hotFrom})::int AS transitions,
           (SELECT count(*) FROM approval_requests r
             WHERE r.status = 'pending' AND (r.year_month, r.invoice_number) IN (SELECT year_month, invoice_number FROM inv))::int AS approvals,
           (SELECT count(DISTINCT l.import_id) FROM import_file_logs l JOIN import_files f ON f.id = l.import_id
             WHERE l.invoice_date >= ${m.from}::date AND l.invoice_date < ${m.to}::date
               AND f.status NOT IN ('done', 'failed'))::int AS imports`.execute(db);
  const b = r.rows[0] as NonNullable<(typeof r.rows)[number]>;
  const reasons: string[] = [];
  if (b.not_accepted > 0) {
    reasons.push(
      `${b.not_accepted} Turnkey message(s) not accepted by the platform (${b.examples}${b.not_accepted > 3 ? ', …' : ''})`,
    );
  }
  if (b.allowances > 0)
    reasons.push(`${b.allowances} allowance(s) issued, cancelled or voided since ${hot.from}, inside the hot window`);
  if (b.transitions > 0) reasons.push(`${b.transitions} cancel, void or re-issue(s) since ${hot.from}, inside the hot window`);
  if (b.approvals > 0) reasons.push(`${b.approvals} approval request(s) still pending for its invoices`);
  if (b.imports > 0) reasons.push(`${b.imports} import(s) naming its invoices still running`);
  return reasons;
}

async function archiveOne(
  conn: Database,
  storage: Storage,
  m: ArchiveMonth,
  partitions: Candidate['partitions'],
  hot: ArchiveMonth,
  opts: ArchiveOptions,
): Promise<MonthOutcome> {
  const t0 = performance.now();
  const exported = await conn
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx): Promise<{ reasons: string[] } | { parts: ManifestPart[] }> => {
      await archiveSession(trx, { statementTimeoutMs: STATEMENT_TIMEOUT_MS, lockTimeoutMs: STATEMENT_TIMEOUT_MS });
      const reasons = await blockersOf(trx, m, hot);
      if (reasons.length > 0) return { reasons };
      const parts: ManifestPart[] = [];
      for (const p of PARTS) parts.push(await exportPart(trx, storage, m, p, opts.signal));
      return { parts };
    });
  if ('reasons' in exported) return { month: m.label, outcome: 'waiting', reasons: exported.reasons };

  for (const part of exported.parts) {
    opts.signal?.throwIfAborted();
    const r = readPart(storage, part.key);
    for await (const _ of r.batches());
    const back = r.read();
    if (back.sha256 !== part.sha256 || back.rows !== part.rows) {
      throw new ArchiveError(
        `${part.key} read back from storage is not what was written (SHA-256 ${back.sha256}, ${back.rows} rows; written ${part.sha256}, ${part.rows} rows); nothing was deleted`,
      );
    }
  }
  const manifest: Manifest = {
    format: ARCHIVE_FORMAT,
    month: m.label,
    bounds: { from: m.from, to: m.to },
    partitions,
    schemaVersion: SCHEMA_VERSION.toString(),
    archivedAt: new Date().toISOString(),
    archivedBy: opts.by,
    parts: exported.parts,
  };
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  const manifestSha = createHash('sha256').update(manifestBytes).digest('hex');
  await storage.put(manifestKeyOf(m), manifestBytes, { contentType: 'application/json' });
  if ((await hashObject(storage, manifestKeyOf(m))).sha256 !== manifestSha) {
    throw new ArchiveError(`${manifestKeyOf(m)} read back from storage is not what was written; nothing was deleted`);
  }
  await opts.afterExport?.(m.label);

  const byTable = new Map(exported.parts.map((p) => [p.table, p]));
  const expect = (table: ArchivedTable, now: Digest, what: string) => {
    const was = byTable.get(table) as ManifestPart;
    if (now.rows !== was.rows || now.digest !== was.digest) {
      throw new ChangedMeanwhile(
        `${table}: ${what} ${now.rows} row(s) where ${was.rows} were exported (or their contents changed) while the month was exported; it is tried again on the next run`,
      );
    }
  };
  await conn.transaction().execute(async (trx) => {
    await archiveSession(trx, { statementTimeoutMs: STATEMENT_TIMEOUT_MS, lockTimeoutMs: ARCHIVE_LOCK_TIMEOUT_MS });
    const state = await sql<{ restored: boolean }>`
      SELECT restored_at IS NOT NULL AS restored FROM invoice_archives WHERE month = ${m.from}::date FOR UPDATE`.execute(trx);
    if (state.rows[0] && !state.rows[0].restored) throw new ChangedMeanwhile(`${m.label} was archived by another run meanwhile`);
    // Writes to the month wait from here; reads go on until the partitions are detached.
    await sql`LOCK TABLE ${sql.table(partitions.invoices)}, ${sql.table(partitions.invoice_items)} IN SHARE MODE`.execute(trx);
    for (const p of PARTS) {
      if ((PARTITIONED as readonly string[]).includes(p.table)) expect(p.table, await digestOf(trx, m, p), 'holds');
    }
    for (const p of [...PARTS].reverse()) {
      if (!(PARTITIONED as readonly string[]).includes(p.table)) expect(p.table, await deleteOf(trx, m, p), 'deleted');
    }
    // The detached items table keeps its own key to invoices, so it goes before the invoices partition is detached.
    await sql`ALTER TABLE invoice_items DETACH PARTITION ${sql.table(partitions.invoice_items)}`.execute(trx);
    await sql`DROP TABLE ${sql.table(partitions.invoice_items)}`.execute(trx);
    await sql`ALTER TABLE invoices DETACH PARTITION ${sql.table(partitions.invoices)}`.execute(trx);
    await sql`DROP TABLE ${sql.table(partitions.invoices)}`.execute(trx);
    const rowCounts = Object.fromEntries(exported.parts.map((p) => [p.table, p.rows]));
    await sql`
      INSERT INTO invoice_archives (month, storage_prefix, manifest_sha256, row_counts, parts, schema_version, archived_by)
      VALUES (${m.from}::date, ${prefixOf(m)}, ${manifestSha}, ${JSON.stringify(rowCounts)}::jsonb,
              ${JSON.stringify(exported.parts)}::jsonb, ${SCHEMA_VERSION.toString()}::bigint, ${opts.by})
      ON CONFLICT (month) DO UPDATE SET storage_prefix = EXCLUDED.storage_prefix, manifest_sha256 = EXCLUDED.manifest_sha256,
        row_counts = EXCLUDED.row_counts, parts = EXCLUDED.parts, schema_version = EXCLUDED.schema_version,
        archived_at = now(), archived_by = EXCLUDED.archived_by, restored_at = NULL, restored_by = NULL`.execute(trx);
  });
  return {
    month: m.label,
    outcome: 'archived',
    rows: Object.fromEntries(exported.parts.map((p) => [p.table, p.rows])) as Record<ArchivedTable, number>,
    bytes: exported.parts.reduce((a, p) => a + p.bytes, 0) + manifestBytes.length,
    ms: Math.round(performance.now() - t0),
  };
}

/** Stream the month's rows of a part to storage as gzipped JSON lines, in the export's snapshot. */
async function exportPart(trx: DbOrTx, storage: Storage, m: ArchiveMonth, p: Part, signal?: AbortSignal): Promise<ManifestPart> {
  const columns = (await columnsOf(trx, p.table)).all;
  const digest = await digestOf(trx, m, p);
  const cursor = sql.raw(`archive_${p.table}`);
  await sql`DECLARE ${cursor} NO SCROLL CURSOR FOR
    SELECT row_to_json(t)::text AS line FROM ${sql.table(p.table)} t WHERE ${p.where(m)} ORDER BY ${sql.raw(p.order)}`.execute(
    trx,
  );
  let rows = 0;
  async function* text(): AsyncGenerator<string> {
    for (;;) {
      signal?.throwIfAborted();
      const r = await sql<{ line: string }>`FETCH FORWARD ${sql.raw(String(FETCH_ROWS))} FROM ${cursor}`.execute(trx);
      if (r.rows.length === 0) break;
      rows += r.rows.length;
      yield `${r.rows.map((x) => x.line).join('\n')}\n`;
    }
    await sql`CLOSE ${cursor}`.execute(trx);
  }
  const key = partKey(m, p);
  // An error on either side destroys the gzip stream, which fails the put.
  const gzipped = pipeline(Readable.from(text()), createGzip(), () => {});
  const stored = await storage.put(key, gzipped, { contentType: 'application/gzip' });
  if (rows !== digest.rows) throw new Error(`${p.table}: the export read ${rows} row(s), the snapshot counted ${digest.rows}`);
  return { table: p.table, key, rows, bytes: stored.size, sha256: stored.sha256 as string, digest: digest.digest, columns };
}
