/**
 * scripts/restore.sh (a backup) and scripts/import.sh (an export from another stack): unpack, verify every part
 * against the manifest, restore the database beside the current one and compare every table, swap it in, put
 * back the stored objects and the Turnkey folder, then check the result. Nothing is replaced before the archive
 * and the restored database have both been verified.
 *
 *   node --import tsx scripts/ops/restore.ts restore|import <archive> [options]
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createDb, createPool, SCHEMA_VERSION } from '@app/db';
import { createStorage } from '@app/storage';
import { loadOpsEnv, parseArgs, progress, readPassphrase, runCli, UsageError } from './env.ts';
import { getMaintenance } from './maintenance-lib.ts';
import { checkObjects, restoreSnapshot, unpack, VerifyError, verifySnapshot } from './snapshot.ts';

const mode = process.argv[2];
if (mode !== 'restore' && mode !== 'import') {
  console.error('usage: restore.ts restore|import <archive> [options]');
  process.exit(2);
}

const COMMON = `  Before anything is replaced: every part's SHA-256 and size are checked against the manifest, the tenant must be
  this stack's TENANT_CODE, and the schema version must not be newer than this release's; the database is then
  restored under a temporary name and every table's row count and checksum compared with the manifest. Only then
  is the current database renamed aside (kept as <db>__before_<time>; --drop-previous drops it) and the restored
  one put in its place, the stored objects and the Turnkey folder (TURNKEY_ROOT) written back, and an older
  schema migrated. The archived env file is written beside --env-file as <file>.from-archive (never over it).
  Stop the API and the worker first (their connections to the old database are closed), and start them again
  afterwards: they read the tenant at start (scripts/restore.sh --compose does both).
  Without --yes only the checks of the archive run (nothing is changed).
  --work-dir: where the archive is unpacked (default: beside it; needs about its size again, uncompressed).
  --health-url URL: after restoring, wait until URL answers 200 (e.g. http://127.0.0.1:3000/health) — an API
  started on the restored database: one still running from before answers 503 until it is restarted.
  Exit: 0 done (or verified), 1 failed, 2 bad usage, 3 the archive failed verification (nothing changed),
        4 restored but the health check failed.`;
const USAGE =
  mode === 'restore'
    ? `usage: scripts/restore.sh <backup .tar.gz[.enc]> [--env-file FILE] [--passphrase-file FILE] [--work-dir DIR]
                          [--health-url URL] [--drop-previous] [--yes]
  Restores a backup made by scripts/backup.sh into this stack.
${COMMON}`
    : `usage: scripts/import.sh <export .tar.gz.enc> --passphrase-file FILE [--env-file FILE] [--work-dir DIR]
                         [--health-url URL] [--keep-maintenance] [--drop-previous] [--yes]
  Imports a tenant exported by scripts/export.sh (platform plan §10) into this (new) stack. The export was taken
  in maintenance mode; after the import this stack leaves it (--keep-maintenance: stays read-only). The source
  stays read-only for rollback; switch devices and users over once the health check passes.
${COMMON}`;

async function waitHealthy(url: string, timeoutMs: number): Promise<string | null> {
  const until = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < until) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (r.status === 200) return null;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return `${url} did not answer 200 within ${timeoutMs / 1000} s (last: ${last})`;
}

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(3), {
    values: ['env-file', 'config', 'passphrase-file', 'work-dir', 'health-url', 'health-timeout'],
    flags: ['yes', 'drop-previous', 'keep-maintenance'],
    positional: 1,
  });
  if (a.help) {
    console.log(USAGE);
    return 0;
  }
  const archive = a.positional[0];
  if (!archive) throw new UsageError('name the archive to restore');
  if (!existsSync(archive)) throw new UsageError(`no file ${archive}`);
  if (mode === 'restore' && a.flags.has('keep-maintenance')) throw new UsageError('--keep-maintenance is for import.sh');
  const env = loadOpsEnv(a.values['env-file'], a.values.config);
  const passphrase = readPassphrase(a.values['passphrase-file'], mode === 'import');
  const say = progress(String(mode));
  const work = mkdtempSync(join(resolve(a.values['work-dir'] ?? dirname(resolve(archive))), '.unpack-'));
  try {
    let dir: string;
    let manifest: Awaited<ReturnType<typeof verifySnapshot>>;
    try {
      say(`unpacking ${archive}`);
      dir = await unpack(archive, work, passphrase);
      say('checking every part against the manifest');
      manifest = await verifySnapshot(dir, { tenant: env.tenantCode });
      if (mode === 'import' && manifest.kind !== 'export') {
        throw new VerifyError('this is a backup, not an export: use scripts/restore.sh');
      }
    } catch (e) {
      if (e instanceof VerifyError) {
        console.error(`verification failed, nothing changed: ${e.message}`);
        return 3;
      }
      throw e;
    }
    const rows = Object.values(manifest.tables).reduce((s, t) => s + t.rows, 0);
    say(
      `verified: tenant ${manifest.tenant}, schema ${manifest.schemaVersion} (this release ${SCHEMA_VERSION}), ${Object.keys(manifest.tables).length} tables, ${rows} rows, ${manifest.objects.length} objects, taken ${manifest.createdAt}`,
    );
    if (!a.flags.has('yes')) {
      console.log(JSON.stringify({ verified: true, changed: false, hint: 'run again with --yes to restore' }));
      return 0;
    }

    let result: Awaited<ReturnType<typeof restoreSnapshot>>;
    try {
      result = await restoreSnapshot(dir, manifest, env, {
        say,
        dropPrevious: a.flags.has('drop-previous'),
        maintenance: mode === 'import' && !a.flags.has('keep-maintenance') ? 'off' : 'keep',
      });
    } catch (e) {
      if (e instanceof VerifyError) {
        console.error(`verification failed, nothing replaced: ${e.message}`);
        return 3;
      }
      throw e;
    }

    // The health check: this release accepts the database, every object reads back, the API answers.
    const problems: string[] = [];
    const db = createDb(createPool({ connectionString: env.databaseUrl, max: 1 }));
    try {
      const v = await db
        .selectFrom('sys_schema_version')
        .select((eb) => eb.fn.max('version').as('v'))
        .executeTakeFirst();
      if (String(v?.v) !== String(SCHEMA_VERSION))
        problems.push(`schema version ${v?.v} is not this release's ${SCHEMA_VERSION}`);
      const m = await getMaintenance(db, env.tenantCode);
      if (m.enabled)
        say(`maintenance (read-only) mode is on${m.reason ? ` (${m.reason})` : ''}: turn it off with scripts/maintenance.sh off`);
    } finally {
      await db.destroy();
    }
    problems.push(...(await checkObjects(createStorage(env.storage), manifest)));
    if (a.values['health-url']) {
      const timeout = Number(a.values['health-timeout'] ?? 120) * 1000;
      const err = await waitHealthy(a.values['health-url'], timeout);
      if (err) problems.push(err);
    }
    const report = { ...result, healthy: problems.length === 0, problems };
    console.log(JSON.stringify(report));
    if (result.previousDatabase) say(`the replaced database is kept as ${result.previousDatabase} (drop it once all is well)`);
    if (result.configWrittenTo) say(`the archived env file is at ${result.configWrittenTo}: compare it with ${env.envFile}`);
    if (problems.length) {
      console.error(`restored, but the health check failed: ${problems.join('; ')}`);
      return 4;
    }
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await runCli(USAGE, main);
