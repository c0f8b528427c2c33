import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** db/migrations at the repository root. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../db/migrations/', import.meta.url));

const FILE_RE = /^(\d{14})_([a-z0-9_]+)\.sql$/;

export type MigrationFile = { version: bigint; name: string; file: string; sql: string; checksum: string };

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const out: MigrationFile[] = [];
  for (const file of files) {
    const m = FILE_RE.exec(file);
    if (!m) throw new Error(`migration file name ${file} must look like YYYYMMDDHHMMSS_verb_object.sql`);
    const sql = await readFile(`${dir}/${file}`, 'utf8');
    out.push({
      version: BigInt(m[1] as string),
      name: m[2] as string,
      file,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  return out;
}

// Any constant works; it only has to be the same for every migrator of this database.
const MIGRATION_LOCK = 7_301_915_204;

/**
 * Apply every migration not yet applied, in order, each in its own transaction together with the
 * bump of sys_schema_version. Forward-only: an applied file whose content changed is an error.
 * Safe to run concurrently (an advisory lock serialises migrators).
 */
export async function migrate(
  connectionString: string,
  opts: { dir?: string; log?: (msg: string) => void } = {},
): Promise<{ applied: string[]; version: bigint | null }> {
  const log = opts.log ?? (() => {});
  const files = await readMigrations(opts.dir);
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS sys_schema_migrations (
      version bigint PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: string; checksum: string; name: string }>(
      'SELECT version::text, checksum, name FROM sys_schema_migrations ORDER BY version',
    );
    const done = new Map(rows.map((r) => [BigInt(r.version), r]));
    for (const f of files) {
      const prev = done.get(f.version);
      if (prev && prev.checksum !== f.checksum) {
        throw new Error(`migration ${f.file} was changed after it was applied (forward-only: add a new migration instead)`);
      }
    }
    const known = new Set(files.map((f) => f.version));
    const unknown = [...done.keys()].filter((v) => !known.has(v));
    if (unknown.length > 0) {
      throw new Error(`the database has migrations this code does not know (${unknown.join(', ')}): it is newer than the code`);
    }
    const applied: string[] = [];
    for (const f of files) {
      if (done.has(f.version)) continue;
      log(`applying ${f.file}`);
      await client.query('BEGIN');
      try {
        await client.query(f.sql);
        await client.query('INSERT INTO sys_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          f.version.toString(),
          f.name,
          f.checksum,
        ]);
        await client.query(
          `INSERT INTO sys_schema_version (id, version, applied_at) VALUES (true, $1, now())
           ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, applied_at = now()`,
          [f.version.toString()],
        );
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${f.file} failed: ${(e as Error).message}`);
      }
      applied.push(f.file);
    }
    const last = files.at(-1);
    return { applied, version: last ? last.version : null };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    await client.end();
  }
}
