/**
 * One tenant's data as a folder, and back: the core of backup.sh/restore.sh and export.sh/import.sh.
 *
 *   <name>/manifest.json   what is inside: tenant, schema version, every table's row count and checksum, every
 *                          stored object, and the SHA-256 and size of every other file
 *   <name>/db/             pg_dump directory format (one compressed file per table; dumped and restored in parallel)
 *   <name>/storage/<key>   every object of the tenant's object storage (uploaded E0501/CSV files, archives…)
 *   <name>/turnkey.tar     the Turnkey hand-off folder (TURNKEY_ROOT), when the stack has one
 *   <name>/config/env      the tenant's env file (secrets included: protect the archive like the env file)
 *
 * The table checksums are taken in the very snapshot pg_dump dumps (pg_export_snapshot), so the manifest
 * describes the dump exactly, and a restore is compared against it table by table before it replaces anything.
 * Redis is not in the archive: everything that matters is in PostgreSQL (the Turnkey pipeline, webhooks and mails
 * are swept from their tables), and a restore marks the events not yet processed as not dispatched, so the outbox
 * relay sends them again.
 */
import { spawn } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHash, type DecipherGCM, randomBytes, scryptSync } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { type Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createDb, createPool, migrate, SCHEMA_VERSION } from '@app/db';
import { createStorage, type Storage } from '@app/storage';
import { sql } from 'kysely';
import pg from 'pg';
import type { OpsEnv } from './env.ts';

export const FORMAT = 'einvoice-snapshot/1';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type TableSum = { rows: number; sum: string };
export type Manifest = {
  format: typeof FORMAT;
  kind: 'backup' | 'export';
  tenant: string;
  createdAt: string;
  schemaVersion: string;
  app: { version: string | null; commit: string | null };
  postgres: string;
  tables: Record<string, TableSum>;
  objects: { key: string; bytes: number; sha256: string }[];
  turnkeyFolder: boolean;
  config: boolean;
  /** Every file of the snapshot but the manifest, with its size and SHA-256. */
  parts: { path: string; bytes: number; sha256: string }[];
};

export class VerifyError extends Error {
  override readonly name = 'VerifyError';
}

// ---------------------------------------------------------------------------------------------------------
// PostgreSQL tools and connections

/** pg_dump/pg_restore: PG_BIN_DIR, else the newest server install on this machine, else $PATH. */
export function pgTool(name: 'pg_dump' | 'pg_restore'): string {
  if (process.env.PG_BIN_DIR) return join(process.env.PG_BIN_DIR, name);
  try {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', name)))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join('/usr/lib/postgresql', versions[0], 'bin', name);
  } catch {}
  return name;
}

/** Run a program; resolves with its stderr, rejects with the command and the tail of stderr on failure. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: Readable; stdout?: Writable } = {}) {
  return new Promise<string>((resolve, reject) => {
    const p = spawn(cmd, args, {
      env: opts.env ?? process.env,
      stdio: [opts.stdin ? 'pipe' : 'ignore', opts.stdout ? 'pipe' : 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr?.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4_000);
    });
    if (opts.stdin && p.stdin) opts.stdin.pipe(p.stdin);
    if (opts.stdout && p.stdout) p.stdout.pipe(opts.stdout);
    p.on('error', (e) => reject(new Error(`${cmd}: ${e.message}`)));
    p.on('close', (code) =>
      code === 0
        ? resolve(err)
        : reject(new Error(`${cmd} ${args.filter((a) => !a.includes('://')).join(' ')} exited ${code}: ${err.trim()}`)),
    );
  });
}

/** libpq's environment for a URL (the password travels in PGPASSWORD, never on a command line). */
function pgEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  return {
    ...process.env,
    PGHOST: decodeURIComponent(u.hostname),
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)),
  };
}

export const databaseName = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const jobs = () => String(Math.max(1, Math.min(4, availableParallelism())));

const TABLES_SQL = `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY pg_relation_size(c.oid) DESC, c.relname`;

/**
 * Row count and an order-independent checksum of every table holding rows (partitions one by one; the
 * partitioned parents hold none themselves), shared out over `clients` — each already in a transaction on the
 * same snapshot — largest tables first.
 */
export async function tableSums(clients: pg.ClientBase[]): Promise<Record<string, TableSum>> {
  const [first] = clients;
  if (!first) throw new Error('tableSums needs a connection');
  const tables = (await first.query<{ name: string }>(TABLES_SQL)).rows.map((r) => r.name);
  const out: Record<string, TableSum> = {};
  let next = 0;
  await Promise.all(
    clients.map(async (c) => {
      await c.query(`SET LOCAL TimeZone = 'UTC'`);
      for (let i = next++; i < tables.length; i = next++) {
        const name = tables[i] as string;
        // The sum of each row's first 60 bits of MD5: independent of row order, changed by any changed row.
        const r = await c.query<{ rows: string; sum: string }>(
          `SELECT count(*) AS rows, coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)::text AS sum FROM ${ident(name)} t`,
        );
        out[name] = { rows: Number(r.rows[0]?.rows), sum: r.rows[0]?.sum ?? '0' };
      }
    }),
  );
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * `n` connections to `url`, each in a read-only transaction on one snapshot: `snapshot` when given (another
 * session's pg_export_snapshot), else the first connection's. Returns them with the snapshot's name.
 */
export async function snapshotClients(
  url: string,
  n: number,
  snapshot?: string,
): Promise<{ clients: pg.Client[]; snapshot: string }> {
  const clients: pg.Client[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const c = new pg.Client({ connectionString: url });
      clients.push(c);
      await c.connect();
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      if (snapshot) await c.query(`SET TRANSACTION SNAPSHOT '${snapshot.replace(/'/g, "''")}'`);
      else snapshot = (await c.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]?.s as string;
    }
    return { clients, snapshot: snapshot as string };
  } catch (e) {
    await Promise.allSettled(clients.map((c) => c.end()));
    throw e;
  }
}

/** Table sums of a database, in one consistent read over a few connections. */
export async function databaseSums(url: string): Promise<Record<string, TableSum>> {
  const { clients } = await snapshotClients(url, Number(jobs()));
  try {
    return await tableSums(clients);
  } finally {
    await Promise.allSettled(clients.map((c) => c.end()));
  }
}

export function compareSums(expected: Record<string, TableSum>, actual: Record<string, TableSum>): string[] {
  const problems: string[] = [];
  for (const [t, e] of Object.entries(expected)) {
    const a = actual[t];
    if (!a) problems.push(`table ${t} is missing`);
    else if (a.rows !== e.rows) problems.push(`table ${t}: ${a.rows} rows, expected ${e.rows}`);
    else if (a.sum !== e.sum) problems.push(`table ${t}: same ${a.rows} rows but different content`);
  }
  for (const t of Object.keys(actual)) if (!(t in expected)) problems.push(`table ${t} is not in the archive`);
  return problems;
}

// ---------------------------------------------------------------------------------------------------------
// Files

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(file), h);
  return h.digest('hex');
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

function appInfo(): { version: string | null; commit: string | null } {
  let version: string | null = null;
  try {
    version = (JSON.parse(readFileSync(join(ROOT, 'apps/api/package.json'), 'utf8')) as { version?: string }).version ?? null;
  } catch {}
  let commit: string | null = null;
  try {
    const head = readFileSync(join(ROOT, '.git/HEAD'), 'utf8').trim();
    commit = head.startsWith('ref: ') ? readFileSync(join(ROOT, '.git', head.slice(5)), 'utf8').trim() : head;
  } catch {}
  return { version, commit };
}

// ---------------------------------------------------------------------------------------------------------
// Take a snapshot

export type Progress = (step: string) => void;

/** Write the tenant's snapshot into `dir` (which must not exist); returns its manifest. */
export async function takeSnapshot(env: OpsEnv, dir: string, kind: Manifest['kind'], say: Progress): Promise<Manifest> {
  mkdirSync(dirname(dir), { recursive: true });
  mkdirSync(dir); // not recursive: a folder already there is an error, never merged into
  // One snapshot for the dump and the checksums: the manifest describes exactly what was dumped.
  const { clients, snapshot } = await snapshotClients(env.databaseUrl, Number(jobs()));
  let tables: Record<string, TableSum>;
  let postgres: string;
  let schemaVersion: string;
  try {
    const [client] = clients as [pg.Client];
    postgres = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v as string;
    schemaVersion = String(
      (await client.query<{ v: string }>('SELECT max(version)::text AS v FROM sys_schema_version')).rows[0]?.v ?? '',
    );
    say(`dumping the database (PostgreSQL ${postgres}, schema ${schemaVersion}) and checksumming every table`);
    const dump = run(
      pgTool('pg_dump'),
      ['--format=directory', `--jobs=${jobs()}`, `--snapshot=${snapshot}`, '--file', join(dir, 'db')],
      {
        env: pgEnv(env.databaseUrl),
      },
    );
    [, tables] = await Promise.all([dump, tableSums(clients)]);
  } finally {
    await Promise.allSettled(clients.map((c) => c.query('COMMIT').finally(() => c.end())));
  }

  say('copying the stored objects');
  const storage = createStorage(env.storage);
  const objects: Manifest['objects'] = [];
  for (const o of await storage.list('')) {
    const file = join(dir, 'storage', o.key);
    mkdirSync(dirname(file), { recursive: true });
    const h = createHash('sha256');
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _e, done) {
        h.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(await storage.getStream(o.key), count, createWriteStream(file));
    objects.push({ key: o.key, bytes, sha256: h.digest('hex') });
  }

  const turnkeyFolder = !!env.turnkeyRoot && existsSync(env.turnkeyRoot);
  if (turnkeyFolder) {
    say(`packing the Turnkey folder ${env.turnkeyRoot}`);
    await run('tar', ['-cf', join(dir, 'turnkey.tar'), '-C', env.turnkeyRoot as string, '.']);
  }
  const config = !!env.envFile;
  if (env.envFile) {
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'config', 'env'), readFileSync(env.envFile), { mode: 0o600 });
  }

  say('computing checksums');
  const parts: Manifest['parts'] = [];
  for (const f of filesUnder(dir)) parts.push({ path: relative(dir, f), bytes: statSync(f).size, sha256: await sha256File(f) });
  const manifest: Manifest = {
    format: FORMAT,
    kind,
    tenant: env.tenantCode,
    createdAt: new Date().toISOString(),
    schemaVersion,
    app: appInfo(),
    postgres,
    tables,
    objects,
    turnkeyFolder,
    config,
    parts,
  };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

// ---------------------------------------------------------------------------------------------------------
// Check a snapshot

/** Every part present with its size and SHA-256, nothing extra, the format and tenant right. */
export async function verifySnapshot(dir: string, opts: { tenant?: string } = {}): Promise<Manifest> {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) throw new VerifyError('the archive has no manifest.json: not a backup or export of this system');
  const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  if (m.format !== FORMAT) throw new VerifyError(`unknown archive format "${m.format}" (this version reads ${FORMAT})`);
  if (opts.tenant && m.tenant !== opts.tenant) {
    throw new VerifyError(`the archive is of tenant "${m.tenant}", this stack is "${opts.tenant}" (TENANT_CODE)`);
  }
  const listed = new Set(m.parts.map((p) => p.path));
  const present = filesUnder(dir)
    .map((f) => relative(dir, f))
    .filter((p) => p !== 'manifest.json');
  const extra = present.filter((p) => !listed.has(p));
  if (extra.length) throw new VerifyError(`files not in the manifest: ${extra.slice(0, 5).join(', ')}`);
  for (const p of m.parts) {
    const f = join(dir, p.path);
    if (!existsSync(f)) throw new VerifyError(`part ${p.path} is missing`);
    const bytes = statSync(f).size;
    if (bytes !== p.bytes) throw new VerifyError(`part ${p.path} has ${bytes} bytes, the manifest says ${p.bytes}`);
    if ((await sha256File(f)) !== p.sha256)
      throw new VerifyError(`part ${p.path} does not match its SHA-256: the archive is damaged`);
  }
  for (const o of m.objects) {
    const part = m.parts.find((p) => p.path === `storage/${o.key}`);
    if (!part || part.sha256 !== o.sha256) throw new VerifyError(`stored object ${o.key} does not match the manifest`);
  }
  if (BigInt(m.schemaVersion || '0') > SCHEMA_VERSION) {
    throw new VerifyError(
      `the archive has schema version ${m.schemaVersion}, newer than this release's ${SCHEMA_VERSION}: update this stack to the source's release first`,
    );
  }
  return m;
}

// ---------------------------------------------------------------------------------------------------------
// Restore a snapshot

export type RestoreResult = {
  database: string;
  /** The database that was replaced, kept under this name (null: there was none, or it was dropped). */
  previousDatabase: string | null;
  migratedFrom: string | null;
  tables: number;
  rows: number;
  objects: number;
  eventsToResend: number;
  configWrittenTo: string | null;
};

/**
 * Restore a verified snapshot into the stack `env` describes. The database is restored under a temporary
 * name and compared with the manifest table by table; only when all match is the current database (if any)
 * renamed aside and the restored one renamed into its place. Then objects, the Turnkey folder and the config.
 */
export async function restoreSnapshot(
  dir: string,
  m: Manifest,
  env: OpsEnv,
  opts: { say: Progress; dropPrevious?: boolean; maintenance?: 'keep' | 'off' },
): Promise<RestoreResult> {
  const { say } = opts;
  const target = databaseName(env.databaseUrl);
  const stamp = new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14);
  const temp = `${target}__restoring_${stamp}`.slice(0, 63);
  const aside = `${target}__before_${stamp}`.slice(0, 63);
  const admin = new pg.Client({ connectionString: withDatabase(env.databaseUrl, 'postgres') });
  await admin.connect();
  let previous: string | null = null;
  try {
    await admin.query(`CREATE DATABASE ${ident(temp)}`);
    try {
      say(`restoring the database into ${temp}`);
      await run(
        pgTool('pg_restore'),
        [
          '--format=directory',
          `--jobs=${jobs()}`,
          '--no-owner',
          '--no-acl',
          '--exit-on-error',
          '--dbname',
          temp,
          join(dir, 'db'),
        ],
        // Index builds dominate a restore: more sort memory per job; and no wait for each COPY's commit to be
        // flushed (a crash midway leaves a temporary database that is dropped, never one that is used).
        {
          env: {
            ...pgEnv(withDatabase(env.databaseUrl, temp)),
            PGOPTIONS: '-c maintenance_work_mem=512MB -c synchronous_commit=off',
          },
        },
      );
      say('comparing every table with the manifest');
      const problems = compareSums(m.tables, await databaseSums(withDatabase(env.databaseUrl, temp)));
      if (problems.length)
        throw new VerifyError(`the restored database differs from the archive: ${problems.slice(0, 5).join('; ')}`);
    } catch (e) {
      await admin.query(`DROP DATABASE IF EXISTS ${ident(temp)} WITH (FORCE)`).catch(() => {});
      throw e;
    }
    // Swap: nobody may connect to the old database while it is renamed aside.
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [target])).rowCount;
    if (exists) {
      await admin.query(`ALTER DATABASE ${ident(target)} WITH ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
        target,
      ]);
      await admin.query(`ALTER DATABASE ${ident(target)} RENAME TO ${ident(aside)}`);
      await admin.query(`ALTER DATABASE ${ident(aside)} WITH ALLOW_CONNECTIONS true`);
      previous = aside;
    }
    await admin.query(`ALTER DATABASE ${ident(temp)} RENAME TO ${ident(target)}`);
    if (previous && opts.dropPrevious) {
      await admin.query(`DROP DATABASE ${ident(previous)} WITH (FORCE)`);
      previous = null;
    }
  } finally {
    await admin.end();
  }

  // A snapshot of an older release: bring it to this release's schema.
  let migratedFrom: string | null = null;
  if (BigInt(m.schemaVersion || '0') < SCHEMA_VERSION) {
    say(`migrating from schema ${m.schemaVersion} to ${SCHEMA_VERSION}`);
    await migrate(env.databaseUrl);
    migratedFrom = m.schemaVersion;
  }
  const db = createDb(createPool({ connectionString: env.databaseUrl, max: 2 }));
  let eventsToResend = 0;
  try {
    // Redis is not in the archive: events handed to the old stack's queue but not processed go out again here.
    const r = await db
      .updateTable('sys_outbox')
      .set({ dispatched_at: null })
      .where('processed_at', 'is', null)
      .where('dispatched_at', 'is not', null)
      .executeTakeFirst();
    eventsToResend = Number(r.numUpdatedRows);
    await db.deleteFrom('sys_worker_heartbeats').execute();
    if (opts.maintenance === 'off') {
      await db
        .updateTable('sys_maintenance')
        .set({ enabled: false, reason: null, changed_by: 'script:import', changed_at: sql`now()` })
        .execute();
    }
  } finally {
    await db.destroy();
  }

  say(`restoring ${m.objects.length} stored objects`);
  const storage = createStorage(env.storage);
  for (const o of m.objects) {
    await storage.put(o.key, createReadStream(join(dir, 'storage', o.key)));
  }
  if (m.turnkeyFolder) {
    if (env.turnkeyRoot) {
      say(`restoring the Turnkey folder into ${env.turnkeyRoot}`);
      mkdirSync(env.turnkeyRoot, { recursive: true });
      await run('tar', ['-xf', join(dir, 'turnkey.tar'), '-C', env.turnkeyRoot]);
    } else say('the archive has a Turnkey folder but TURNKEY_ROOT is not set here: not restored');
  }
  let configWrittenTo: string | null = null;
  if (m.config && env.envFile) {
    // Never overwrite the env file in use: ops compare and merge by hand.
    configWrittenTo = `${env.envFile}.from-archive`;
    writeFileSync(configWrittenTo, readFileSync(join(dir, 'config', 'env')), { mode: 0o600 });
  }
  const rows = Object.values(m.tables).reduce((a, t) => a + t.rows, 0);
  return {
    database: target,
    previousDatabase: previous,
    migratedFrom,
    tables: Object.keys(m.tables).length,
    rows,
    objects: m.objects.length,
    eventsToResend,
    configWrittenTo,
  };
}

/** Every object of the manifest is in `storage` with its content (read back and hashed). */
export async function checkObjects(storage: Storage, m: Manifest): Promise<string[]> {
  const problems: string[] = [];
  for (const o of m.objects) {
    try {
      const h = createHash('sha256')
        .update(await storage.get(o.key))
        .digest('hex');
      if (h !== o.sha256) problems.push(`object ${o.key} differs`);
    } catch (e) {
      problems.push(`object ${o.key}: ${(e as Error).message}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------
// Pack and unpack: tar.gz, optionally encrypted (AES-256-GCM, key from a passphrase by scrypt)

const MAGIC = Buffer.from('EINVENC1');
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** tar + gzip `dir` (its last segment becomes the archive's top folder) into `out`, encrypted when a passphrase is given. */
export async function pack(dir: string, out: string, passphrase?: string): Promise<void> {
  const tar = spawn('tar', ['-c', '--use-compress-program=gzip -1', '-C', dirname(dir), relative(dirname(dir), dir)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  tar.stderr.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-2_000);
  });
  const exited = new Promise<number>((r) => tar.on('close', (c) => r(c ?? 1)));
  const sink = createWriteStream(out, { mode: 0o600 });
  if (passphrase) {
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const key = scryptSync(passphrase, salt, 32, SCRYPT);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    sink.write(Buffer.concat([MAGIC, salt, iv]));
    const tag = new Transform({
      transform: (c, _e, done) => done(null, c),
      flush(done) {
        this.push(cipher.getAuthTag());
        done();
      },
    });
    await pipeline(tar.stdout, cipher, tag, sink);
  } else {
    await pipeline(tar.stdout, sink);
  }
  if ((await exited) !== 0) throw new Error(`tar failed: ${err.trim()}`);
}

/** The first `n` bytes of `file` (fewer when it is shorter), or the last `n` with `fromEnd`. */
function readBytes(file: string, n: number, fromEnd = false): Buffer {
  const b = Buffer.alloc(n);
  const fd = openSync(file, 'r');
  try {
    const got = readSync(fd, b, 0, n, fromEnd ? Math.max(0, statSync(file).size - n) : 0);
    return b.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Is `file` one of our encrypted archives? */
export const isEncrypted = (file: string): boolean => readBytes(file, MAGIC.length).equals(MAGIC);

/** Unpack `file` into `into`; returns the snapshot folder. Encrypted archives need the passphrase. */
export async function unpack(file: string, into: string, passphrase?: string): Promise<string> {
  mkdirSync(into, { recursive: true });
  // Everything that can be refused is refused before tar starts (a tar left waiting for input keeps us alive).
  const size = statSync(file).size;
  let source: Readable;
  let decipher: DecipherGCM | null = null;
  if (isEncrypted(file)) {
    if (!passphrase) throw new VerifyError(`${file} is encrypted: give the passphrase (--passphrase-file)`);
    const header = readBytes(file, MAGIC.length + 28);
    if (size < header.length + 16) throw new VerifyError(`${file} is too short to be an archive`);
    const salt = header.subarray(MAGIC.length, MAGIC.length + 16);
    const iv = header.subarray(MAGIC.length + 16);
    decipher = createDecipheriv('aes-256-gcm', scryptSync(passphrase, salt, 32, SCRYPT), iv);
    decipher.setAuthTag(readBytes(file, 16, true));
    source = createReadStream(file, { start: header.length, end: size - 17 });
  } else source = createReadStream(file);
  const tar = spawn('tar', ['-xz', '-C', into], { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  tar.stderr.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-2_000);
  });
  const exited = new Promise<number>((r) => tar.on('close', (c) => r(c ?? 1)));
  try {
    await (decipher ? pipeline(source, decipher, tar.stdin) : pipeline(source, tar.stdin));
  } catch (e) {
    tar.kill();
    await exited;
    throw new VerifyError(
      decipher
        ? 'the archive could not be decrypted: wrong passphrase, or the file is damaged'
        : `could not unpack ${file}: ${err.trim() || (e as Error).message}`,
    );
  }
  if ((await exited) !== 0) {
    throw new VerifyError(
      decipher
        ? 'the archive could not be decrypted: wrong passphrase, or the file is damaged'
        : `could not unpack ${file}: ${err.trim() || 'tar failed'}`,
    );
  }
  const tops = readdirSync(into);
  if (tops.length !== 1) throw new VerifyError(`${file} should hold one folder, it holds ${tops.length}`);
  return join(into, tops[0] as string);
}
