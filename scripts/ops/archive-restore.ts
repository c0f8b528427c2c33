/**
 * Invoice archives from the shell (docs/archive.md): restore a month or list the archives
 * (scripts/archive-restore.sh), or run the archive once now (scripts/archive-partitions.sh) — the same code
 * the worker's maintenance.archive job runs.
 *
 *   node --import tsx scripts/ops/archive-restore.ts restore <YYYY-MM> | --list [--env-file FILE]
 *   node --import tsx scripts/ops/archive-restore.ts archive [--month YYYY-MM] [--env-file FILE]
 *
 * The configuration (DATABASE_URL, STORAGE_*, S3_*, ARCHIVE_*) comes from --env-file, else the environment.
 * Exit codes: 0 done, 1 refused or failed (nothing changed for a refused month), 2 bad usage or configuration.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { type Config, ConfigError, parseConfig } from '@app/config';
import { createDb, createPool } from '@app/db';
import { createLogger } from '@app/logger';
import { createStorage } from '@app/storage';
import { archiveMonths } from '../../apps/worker/src/archive/archive.ts';
import { ArchiveError, archiveMonth } from '../../apps/worker/src/archive/parts.ts';
import { listArchives, restoreMonth } from '../../apps/worker/src/archive/restore.ts';

const USAGE = {
  restore: `usage: scripts/archive-restore.sh <YYYY-MM> [--env-file FILE]
       scripts/archive-restore.sh --list [--env-file FILE]
  Brings an archived invoice month back online: checks the manifest and the SHA-256 of every part first
  (nothing changes if one does not match), then loads the invoices, their items and every row that referenced
  them in one transaction and attaches the month's partitions. The month then stays online for
  ARCHIVE_RESTORED_KEEP_DAYS before the worker archives it again. --list shows every archive and its state.
  Reads DATABASE_URL, STORAGE_*, S3_* from --env-file (e.g. deploy/.env), else the environment.
  Exit: 0 restored (or listed), 1 refused or failed (nothing changed), 2 bad usage or configuration.`,
  archive: `usage: scripts/archive-partitions.sh [--month YYYY-MM] [--env-file FILE]
  Archives now what the worker's daily maintenance.archive job would (docs/archive.md): every invoice month
  before the hot window (ARCHIVE_HOT_MONTHS) whose Turnkey messages are all accepted, or only --month.
  Without the job's 15-minute limit, so a large month can be archived by hand. Prints one JSON line per month.
  Reads DATABASE_URL, STORAGE_*, S3_*, ARCHIVE_* from --env-file (e.g. deploy/.env), else the environment.
  Exit: 0 done (months that must wait are reported, not failures), 1 a month failed or another run is busy,
  2 bad usage or configuration.`,
};

type Args = { verb: 'restore' | 'archive'; month?: string; list: boolean; envFile?: string };

function parseArgs(argv: string[]): Args | 'help' | string {
  // The wrappers put "--" before the user's arguments (Node 20 would otherwise take --env-file for itself).
  const [verb, ...given] = argv;
  const rest = given[0] === '--' ? given.slice(1) : given;
  if (verb !== 'restore' && verb !== 'archive') return 'usage: archive-restore.ts restore|archive …';
  const a: Args = { verb, list: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--env-file' || (arg === '--month' && verb === 'archive')) {
      const v = rest[++i];
      if (!v) return `${arg} needs a value`;
      if (arg === '--env-file') a.envFile = v;
      else a.month = v;
    } else if (arg === '--list' && verb === 'restore') a.list = true;
    else if (!arg.startsWith('-') && verb === 'restore' && a.month === undefined) a.month = arg;
    else return `unexpected argument "${arg}"`;
  }
  if (verb === 'restore' && a.list === (a.month !== undefined)) return 'name one month (YYYY-MM), or --list';
  if (a.month !== undefined && !archiveMonth(a.month)) return `"${a.month}" is not a month (YYYY-MM)`;
  return a;
}

function loadConfig(envFile: string | undefined): Config | string {
  if (envFile && !existsSync(envFile)) return `no env file ${envFile}`;
  try {
    return parseConfig(envFile ? parseEnv(readFileSync(envFile, 'utf8')) : process.env);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const verb = process.argv[2] === 'archive' ? 'archive' : 'restore';
  if (args === 'help') {
    console.log(USAGE[verb]);
    return 0;
  }
  if (typeof args === 'string') {
    console.error(`${args}\n${USAGE[verb]}`);
    return 2;
  }
  const config = loadConfig(args.envFile);
  if (typeof config === 'string') {
    console.error(config);
    return 2;
  }
  if (args.verb === 'archive' && config.ARCHIVE_HOT_MONTHS === 0) {
    console.error('archiving is off (ARCHIVE_HOT_MONTHS=0)');
    return 2;
  }
  const db = createDb(createPool({ connectionString: config.DATABASE_URL, max: 2, applicationName: `ops-archive-${args.verb}` }));
  const storage = createStorage(config);
  const by = `script:${process.env.USER ?? 'ops'}`;
  try {
    if (args.verb === 'archive') {
      // The outcome lines below say what the log would.
      const log = createLogger({ name: 'ops-archive', level: 'silent' });
      const run = await archiveMonths(
        { db, storage },
        {
          now: new Date(),
          hotMonths: config.ARCHIVE_HOT_MONTHS,
          restoredKeepDays: config.ARCHIVE_RESTORED_KEEP_DAYS,
          by,
          ...(args.month ? { only: args.month } : {}),
          log,
        },
      );
      if (run.busy) {
        console.error('another archive or restore is running (the maintenance.archive job?); try again when it has finished');
        return 1;
      }
      for (const m of run.months) console.log(JSON.stringify(m));
      if (run.months.length === 0) console.log(JSON.stringify({ archived: 0, firstHotMonth: run.firstHotMonth }));
      return run.months.some((m) => m.outcome === 'failed') ? 1 : 0;
    }
    if (args.list) {
      const list = await listArchives({ db, storage });
      if (list.length === 0) console.log('no invoice archives');
      for (const a of list) {
        const when =
          a.state === 'restored'
            ? `restored ${a.restoredAt}`
            : a.archivedAt
              ? `archived ${a.archivedAt}`
              : 'not recorded in this database';
        console.log(
          `${a.month}  ${a.state.padEnd(12)}  ${String(a.invoices ?? '?').padStart(9)} invoices  ${when}  ${a.prefix}/`,
        );
      }
      return 0;
    }
    const r = await restoreMonth({ db, storage }, args.month as string, { by });
    const rows = Object.entries(r.rows)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ');
    console.log(
      `restored ${r.month} in ${r.ms} ms: ${rows}; rows compared with the archive's digests: ${r.digestsChecked.join(', ') || 'none (columns changed since)'}`,
    );
    return 0;
  } catch (e) {
    console.error(e instanceof ArchiveError ? e.message : `${args.verb} failed: ${(e as Error).message}`);
    return 1;
  } finally {
    await db.destroy();
  }
}

process.exitCode = await main();
