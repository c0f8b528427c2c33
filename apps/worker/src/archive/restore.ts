/**
 * Bringing an archived invoice month back online (scripts/archive-restore.sh; docs/archive.md), and the list
 * of archives. Nothing in the database changes until the manifest and every part have been checked against
 * their SHA-256; then one transaction re-creates the two partitions as plain tables with the month's bounds,
 * loads them, loads the referencing rows into temporary tables, attaches the partitions (the only moment
 * issuing waits: attaching locks invoices and the tables referencing it), copies the referencing rows in,
 * compares every table's rows with the archive's digests and marks the month restored. Any difference rolls
 * all of it back.
 */
import { createHash } from 'node:crypto';
import { type Database, type DbOrTx, SCHEMA_VERSION } from '@app/db';
import { type Storage, StorageNotFoundError } from '@app/storage';
import { sql } from 'kysely';
import {
  ARCHIVE_BUSY,
  ARCHIVE_ROOT,
  type ArchivedTable,
  ArchiveError,
  type ArchiveMonth,
  archiveMonth,
  archiveSession,
  columnsOf,
  digestOf,
  hashObject,
  type Manifest,
  type ManifestPart,
  manifestKeyOf,
  manifestSchema,
  monthPartitions,
  PARTITIONED,
  PARTS,
  readPart,
  withArchiveLock,
} from './parts.ts';

/** How long the restore waits for a lock (attaching needs invoices and its referencing tables). */
export const RESTORE_LOCK_TIMEOUT_MS = 30_000;

export type RestoreResult = {
  month: string;
  rows: Record<ArchivedTable, number>;
  /** Tables whose restored rows were compared with the archive's digest (all, unless a table's columns changed since). */
  digestsChecked: ArchivedTable[];
  ms: number;
};

type ArchiveRecord = { manifest_sha256: string; restored_at: Date | null; restored_by: string | null };

async function recordOf(db: DbOrTx, m: ArchiveMonth, forUpdate = false): Promise<ArchiveRecord | undefined> {
  const r = await sql<ArchiveRecord>`
    SELECT manifest_sha256, restored_at, restored_by FROM invoice_archives WHERE month = ${m.from}::date
    ${forUpdate ? sql`FOR UPDATE` : sql``}`.execute(db);
  return r.rows[0];
}

/** Refuses (ArchiveError) unless the month is archived, not online, and its manifest is the recorded one. */
async function checkState(
  db: DbOrTx,
  m: ArchiveMonth,
  manifestSha: string,
  forUpdate = false,
): Promise<ArchiveRecord | undefined> {
  const rec = await recordOf(db, m, forUpdate);
  if (rec?.restored_at) {
    throw new ArchiveError(`${m.label} is online already: restored ${rec.restored_at.toISOString()} by ${rec.restored_by}.`);
  }
  if (rec && rec.manifest_sha256 !== manifestSha) {
    throw new ArchiveError(
      `${manifestKeyOf(m)} is not the manifest recorded when ${m.label} was archived (SHA-256 ${manifestSha}, recorded ${rec.manifest_sha256}); nothing was changed.`,
    );
  }
  for (const parent of PARTITIONED) {
    const name = (await monthPartitions(db, parent)).byMonth.get(m.label);
    if (name) {
      throw new ArchiveError(
        rec
          ? `${m.label} is recorded as archived but partition ${name} exists (created by hand?); if it and the items partition are empty, detach and drop both (docs/archive.md), then restore again.`
          : `${m.label} is online (partition ${name} exists) and not recorded as archived: there is nothing to restore.`,
      );
    }
  }
  return rec;
}

/** Read and check the month's manifest: present, well-formed, for this month, from this schema or an older one. */
async function readManifest(storage: Storage, m: ArchiveMonth): Promise<{ manifest: Manifest; sha256: string }> {
  const key = manifestKeyOf(m);
  let bytes: Buffer;
  try {
    bytes = await storage.get(key);
  } catch (e) {
    if (e instanceof StorageNotFoundError) {
      throw new ArchiveError(
        `No archive of ${m.label} in storage (${key} is missing); scripts/archive-restore.sh --list shows them.`,
      );
    }
    throw e;
  }
  let parsed: ReturnType<typeof manifestSchema.safeParse>;
  try {
    parsed = manifestSchema.safeParse(JSON.parse(bytes.toString('utf8')));
  } catch (e) {
    throw new ArchiveError(`${key} is not JSON (${(e as Error).message}); the archive is damaged, nothing was changed.`);
  }
  if (!parsed.success) {
    throw new ArchiveError(
      `${key} is not an archive manifest (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}).`,
    );
  }
  const manifest = parsed.data;
  if (manifest.month !== m.label || manifest.bounds.from !== m.from || manifest.bounds.to !== m.to) {
    throw new ArchiveError(
      `${key} describes month ${manifest.month} (${manifest.bounds.from} – ${manifest.bounds.to}), not ${m.label}.`,
    );
  }
  const tables = manifest.parts.map((p) => p.table).join(',');
  if (tables !== PARTS.map((p) => p.table).join(',')) {
    throw new ArchiveError(`${key} lists the parts ${tables}; this version restores ${PARTS.map((p) => p.table).join(',')}.`);
  }
  if (BigInt(manifest.schemaVersion) > SCHEMA_VERSION) {
    throw new ArchiveError(
      `${m.label} was archived from schema ${manifest.schemaVersion}, newer than this code's ${SCHEMA_VERSION}: restore it with the version that archived it or a later one.`,
    );
  }
  return { manifest, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export async function restoreMonth(
  deps: { db: Database; storage: Storage },
  label: string,
  opts: { by: string; lockTimeoutMs?: number },
): Promise<RestoreResult> {
  const t0 = performance.now();
  const m = archiveMonth(label);
  if (!m) throw new ArchiveError(`"${label}" is not a month (YYYY-MM).`);
  const { manifest, sha256: manifestSha } = await readManifest(deps.storage, m);
  await checkState(deps.db, m, manifestSha);

  // Every archived column must still exist (a column added since is left to its default).
  const columns = new Map<ArchivedTable, { insert: string[]; same: boolean }>();
  for (const part of manifest.parts) {
    const now = await columnsOf(deps.db, part.table);
    const gone = part.columns.filter((c) => !now.all.includes(c));
    if (gone.length > 0) {
      throw new ArchiveError(
        `${part.table} no longer has column(s) ${gone.join(', ')} that the archive of ${m.label} holds (schema ${manifest.schemaVersion} → ${SCHEMA_VERSION}); restore it with a version that has them.`,
      );
    }
    columns.set(part.table, {
      insert: now.insertable.filter((c) => part.columns.includes(c)),
      same: now.all.join(',') === part.columns.join(','),
    });
  }

  // Every part is checked before anything is changed.
  for (const part of manifest.parts) {
    let got: { sha256: string; bytes: number };
    try {
      got = await hashObject(deps.storage, part.key);
    } catch (e) {
      if (e instanceof StorageNotFoundError) throw new ArchiveError(`${part.key} is missing from storage; nothing was changed.`);
      throw e;
    }
    if (got.sha256 !== part.sha256 || got.bytes !== part.bytes) {
      throw new ArchiveError(
        `${part.key} does not match the manifest: SHA-256 ${got.sha256} (${got.bytes} bytes), expected ${part.sha256} (${part.bytes} bytes). The archive is damaged; nothing was changed. Put the object back from a copy of the bucket and run the restore again.`,
      );
    }
  }

  const restored = await withArchiveLock(deps.db, (conn) =>
    conn.transaction().execute(async (trx) => {
      await archiveSession(trx, { statementTimeoutMs: 0, lockTimeoutMs: opts.lockTimeoutMs ?? RESTORE_LOCK_TIMEOUT_MS });
      const rec = await checkState(trx, m, manifestSha, true);
      if (rec) {
        await sql`UPDATE invoice_archives SET restored_at = now(), restored_by = ${opts.by} WHERE month = ${m.from}::date`.execute(
          trx,
        );
      } else {
        // The database does not know this archive (it was restored from a backup older than the archive):
        // record it from its manifest.
        await sql`
          INSERT INTO invoice_archives (month, storage_prefix, manifest_sha256, row_counts, parts, schema_version,
                                        archived_at, archived_by, restored_at, restored_by)
          VALUES (${m.from}::date, ${`${ARCHIVE_ROOT}/${m.label}`}, ${manifestSha},
                  ${JSON.stringify(Object.fromEntries(manifest.parts.map((p) => [p.table, p.rows])))}::jsonb,
                  ${JSON.stringify(manifest.parts)}::jsonb, ${manifest.schemaVersion}::bigint, ${manifest.archivedAt}::timestamptz,
                  ${manifest.archivedBy}, now(), ${opts.by})`.execute(trx);
      }

      const names = Object.fromEntries(PARTITIONED.map((t) => [t, `${t}_${m.label.replace('-', '')}`])) as Record<
        (typeof PARTITIONED)[number],
        string
      >;
      const bounds = sql`invoice_date >= ${sql.lit(m.from)}::date AND invoice_date < ${sql.lit(m.to)}::date`;
      for (const t of PARTITIONED) {
        // Its parent's columns, defaults, checks and indexes, so attaching adopts the indexes instead of building them,
        // and the bounds as a check, so attaching need not scan the rows to prove them.
        await sql`CREATE TABLE ${sql.table(names[t])} (LIKE ${sql.table(t)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES INCLUDING GENERATED)`.execute(
          trx,
        );
        await sql`ALTER TABLE ${sql.table(names[t])} ADD CONSTRAINT ${sql.ref(`${names[t]}_archive_bounds`)} CHECK (${bounds})`.execute(
          trx,
        );
      }
      const stage = (t: ArchivedTable) => `archive_stage_${t}`;
      for (const part of manifest.parts) {
        const target = (PARTITIONED as readonly string[]).includes(part.table)
          ? names[part.table as (typeof PARTITIONED)[number]]
          : stage(part.table);
        if (target === stage(part.table)) {
          await sql`CREATE TEMP TABLE ${sql.table(target)} (LIKE ${sql.table(part.table)} INCLUDING DEFAULTS) ON COMMIT DROP`.execute(
            trx,
          );
        }
        await loadPart(trx, deps.storage, part, target, columns.get(part.table)?.insert ?? []);
      }
      for (const t of PARTITIONED) {
        await sql`ALTER TABLE ${sql.table(t)} ATTACH PARTITION ${sql.table(names[t])} FOR VALUES FROM (${sql.lit(m.from)}) TO (${sql.lit(m.to)})`.execute(
          trx,
        );
        await sql`ALTER TABLE ${sql.table(names[t])} DROP CONSTRAINT ${sql.ref(`${names[t]}_archive_bounds`)}`.execute(trx);
      }
      for (const part of manifest.parts) {
        if ((PARTITIONED as readonly string[]).includes(part.table)) continue;
        const cols = sql.join((columns.get(part.table)?.insert ?? []).map((c) => sql.ref(c)));
        await sql`INSERT INTO ${sql.table(part.table)} (${cols}) OVERRIDING SYSTEM VALUE SELECT ${cols} FROM ${sql.table(stage(part.table))}`.execute(
          trx,
        );
      }

      const checked: ArchivedTable[] = [];
      for (const part of manifest.parts) {
        const p = PARTS.find((x) => x.table === part.table) as (typeof PARTS)[number];
        const now = await digestOf(trx, m, p);
        const same = columns.get(part.table)?.same ?? false;
        if (now.rows !== part.rows || (same && now.digest !== part.digest)) {
          throw new ArchiveError(
            `${part.table} of ${m.label} holds ${now.rows} row(s) after loading, the archive ${part.rows}${same ? ' (or their contents differ)' : ''}; the restore was rolled back.`,
          );
        }
        if (same) checked.push(part.table);
      }
      return checked;
    }),
  );
  if (restored === ARCHIVE_BUSY) {
    throw new ArchiveError(
      'Another archive or restore is running (the maintenance.archive job?); try again when it has finished.',
    );
  }
  return {
    month: m.label,
    rows: Object.fromEntries(manifest.parts.map((p) => [p.table, p.rows])) as Record<ArchivedTable, number>,
    digestsChecked: restored,
    ms: Math.round(performance.now() - t0),
  };
}

/** Insert a part's lines into `target`; the bytes read must still be the manifest's. */
async function loadPart(trx: DbOrTx, storage: Storage, part: ManifestPart, target: string, columns: string[]): Promise<void> {
  const cols = sql.join(columns.map((c) => sql.ref(c)));
  const r = readPart(storage, part.key);
  for await (const lines of r.batches()) {
    // The lines go to PostgreSQL as text: numbers are never parsed (and rounded) in JavaScript.
    await sql`INSERT INTO ${sql.table(target)} (${cols}) OVERRIDING SYSTEM VALUE
      SELECT ${cols} FROM jsonb_populate_recordset(NULL::${sql.table(part.table)}, ${`[${lines.join(',')}]`}::jsonb)`.execute(
      trx,
    );
  }
  const got = r.read();
  if (got.sha256 !== part.sha256 || got.rows !== part.rows) {
    throw new ArchiveError(
      `${part.key} changed while it was being restored (SHA-256 ${got.sha256}, ${got.rows} rows); the restore was rolled back.`,
    );
  }
}

export type ArchiveListing = {
  month: string;
  /** archived: in storage only; restored: back online; storage-only: objects without a record in this database. */
  state: 'archived' | 'restored' | 'storage-only';
  invoices: number | null;
  archivedAt: string | null;
  restoredAt: string | null;
  prefix: string;
};

/** The archives this database records, and the manifests in storage it does not, by month. */
export async function listArchives(deps: { db: Database; storage: Storage }): Promise<ArchiveListing[]> {
  const rows = await sql<{
    month: string;
    invoices: string | null;
    archived_at: Date;
    restored_at: Date | null;
    storage_prefix: string;
  }>`
    SELECT to_char(month, 'YYYY-MM') AS month, row_counts->>'invoices' AS invoices, archived_at, restored_at, storage_prefix
      FROM invoice_archives ORDER BY month`.execute(deps.db);
  const out = new Map<string, ArchiveListing>(
    rows.rows.map((r) => [
      r.month,
      {
        month: r.month,
        state: r.restored_at ? 'restored' : 'archived',
        invoices: r.invoices === null ? null : Number(r.invoices),
        archivedAt: r.archived_at.toISOString(),
        restoredAt: r.restored_at?.toISOString() ?? null,
        prefix: r.storage_prefix,
      },
    ]),
  );
  for (const o of await deps.storage.list(`${ARCHIVE_ROOT}/`)) {
    const month = /^archive\/invoices\/(\d{4}-\d{2})\/manifest\.json$/.exec(o.key)?.[1];
    if (month && !out.has(month)) {
      out.set(month, {
        month,
        state: 'storage-only',
        invoices: null,
        archivedAt: null,
        restoredAt: null,
        prefix: `${ARCHIVE_ROOT}/${month}`,
      });
    }
  }
  return [...out.values()].sort((a, b) => (a.month < b.month ? -1 : 1));
}
