/**
 * scripts/export.sh: move a tenant to another stack (platform plan §10, Offline Copy). Maintenance (read-only)
 * mode on, wait until every worker has paused, then the database, the stored objects, the Turnkey folder, the
 * config and a manifest (schema version, SHA-256 of every part) into one encrypted .tar.gz. The source stays
 * read-only afterwards, so nothing written here after the export is lost — and it is the rollback.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createDb, createPool } from '@app/db';
import { waitForPausedWorkers } from '../../apps/worker/src/maintenance-watch.ts';
import { fileStamp, loadOpsEnv, parseArgs, progress, readPassphrase, runCli, UsageError } from './env.ts';
import { getMaintenance, setMaintenance } from './maintenance-lib.ts';
import { pack, takeSnapshot } from './snapshot.ts';

const USAGE = `usage: scripts/export.sh --passphrase-file FILE [--env-file FILE] [--out DIR] [--wait-seconds N]
  Exports the tenant for a move to another stack (docs/migration-playbook.md):
  1. turns maintenance (read-only) mode on: the API refuses writes, the workers finish their jobs and pause;
  2. waits until every live worker has paused (at most N seconds, default 120);
  3. writes DIR/einvoice-export-<tenant>-<time>.tar.gz.enc — database, stored objects, Turnkey folder, env file and
     a manifest with the schema version and the SHA-256 of every part, encrypted (AES-256-GCM) with the
     passphrase — as .partial, renamed when complete, with a .sha256 file beside it for the transfer;
  4. leaves this stack read-only (the rollback: scripts/maintenance.sh off here).
  If the export fails, maintenance mode is set back to what it was. Give the passphrase to the importing side
  separately from the file. --out defaults to ./exports.
  Exit: 0 written, 1 failed, 2 bad usage, 3 workers did not pause in time (nothing written).`;

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2), {
    values: ['env-file', 'config', 'out', 'passphrase-file', 'wait-seconds'],
    flags: [],
  });
  if (a.help) {
    console.log(USAGE);
    return 0;
  }
  const waitSeconds = Number(a.values['wait-seconds'] ?? 120);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new UsageError('--wait-seconds must be a number ≥ 0');
  const env = loadOpsEnv(a.values['env-file'], a.values.config);
  const passphrase = readPassphrase(a.values['passphrase-file'], true);
  const out = resolve(a.values.out ?? 'exports');
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const say = progress('export');
  const t0 = performance.now();

  const db = createDb(createPool({ connectionString: env.databaseUrl, max: 1 }));
  const before = await getMaintenance(db, env.tenantCode);
  let done = false;
  const name = `einvoice-export-${env.tenantCode}-${fileStamp()}`;
  const file = join(out, `${name}.tar.gz.enc`);
  const work = join(out, `.work-${name}`);
  try {
    if (!before.enabled) {
      await setMaintenance(db, env.tenantCode, true, 'export: moving to another stack', `script:${process.env.USER ?? 'ops'}`);
      say('maintenance (read-only) mode on');
    }
    say('waiting for the workers to finish their jobs and pause');
    const w = await waitForPausedWorkers(db, env.tenantCode, { timeoutMs: waitSeconds * 1000 });
    if (w.busy.length) {
      console.error(
        `the workers ${w.busy.join(', ')} did not pause within ${waitSeconds} s (a long job is running?); nothing written. Try again, or --wait-seconds more.`,
      );
      return 3;
    }
    say(w.live ? `${w.live} worker(s) paused` : 'no worker running');
    const m = await takeSnapshot(env, join(work, name), 'export', say);
    say('packing and encrypting');
    await pack(join(work, name), `${file}.partial`, passphrase);
    renameSync(`${file}.partial`, file);
    const h = createHash('sha256');
    await pipeline(createReadStream(file), h);
    const sha = h.digest('hex');
    writeFileSync(`${file}.sha256`, `${sha}  ${basename(file)}\n`);
    done = true;
    const rows = Object.values(m.tables).reduce((s, t) => s + t.rows, 0);
    console.log(
      JSON.stringify({
        file,
        bytes: statSync(file).size,
        sha256: sha,
        schemaVersion: m.schemaVersion,
        tables: Object.keys(m.tables).length,
        rows,
        objects: m.objects.length,
        seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
      }),
    );
    say('this stack stays read-only: it is the rollback. scripts/maintenance.sh off here undoes the move.');
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(`${file}.partial`, { force: true });
    if (!done && !before.enabled) {
      await setMaintenance(db, env.tenantCode, false, null, `script:${process.env.USER ?? 'ops'}`).catch(() => {});
      say('maintenance mode set back to off');
    }
    await db.destroy();
  }
}

await runCli(USAGE, main);
