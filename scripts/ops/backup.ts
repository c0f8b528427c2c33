/**
 * scripts/backup.sh: the tenant's daily backup (platform plan §11) — database dump, stored objects, the Turnkey
 * folder and the env file, with a manifest of checksums (scripts/ops/snapshot.ts) — as one .tar.gz, written under
 * a temporary name and renamed when complete. Keeps the newest --keep locally; with BACKUP_S3_* set, also copies
 * it to that S3 target and deletes the copies there older than BACKUP_S3_KEEP_DAYS.
 */
import { createReadStream, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createS3Storage, ensureBucket, type S3StorageOptions } from '@app/storage';
import { fileStamp, loadOpsEnv, type OpsEnv, parseArgs, progress, readPassphrase, runCli, UsageError } from './env.ts';
import { pack, takeSnapshot } from './snapshot.ts';

const USAGE = `usage: scripts/backup.sh [--env-file FILE] [--out DIR] [--keep N] [--passphrase-file FILE]
  Backs up the tenant: the database (pg_dump), every stored object, the Turnkey folder (TURNKEY_ROOT) and the
  env file, with a manifest of row counts and SHA-256 checksums, into
  DIR/einvoice-backup-<tenant>-<time>.tar.gz (.tar.gz.enc with a passphrase). Written as .partial and renamed
  when complete; the newest N backups of the tenant are kept (default 7), older ones deleted.
  Off-site copy: set BACKUP_S3_ENDPOINT, BACKUP_S3_BUCKET, BACKUP_S3_ACCESS_KEY, BACKUP_S3_SECRET_KEY (and
  optionally BACKUP_S3_PORT, BACKUP_S3_USE_SSL, BACKUP_S3_PREFIX, BACKUP_S3_KEEP_DAYS=30) in the env file; the
  backup is then uploaded and copies older than BACKUP_S3_KEEP_DAYS are deleted there.
  Needs DATABASE_URL and TENANT_CODE (--env-file, default: the environment); --out defaults to ./backups.
  Exit: 0 written, 1 failed, 2 bad usage.`;

export const backupPattern = (tenant: string) => new RegExp(`^einvoice-backup-${tenant}-(\\d{8}T\\d{6}Z)\\.tar\\.gz(\\.enc)?$`);

/** When a backup was taken, from its name (an object store's own dates change when objects are copied). */
function takenAt(tenant: string, name: string): Date | null {
  const m = backupPattern(tenant).exec(name);
  if (!m) return null;
  const s = m[1] as string;
  return new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`);
}

/** The off-site target from BACKUP_S3_*, or null when BACKUP_S3_ENDPOINT is not set. */
function remoteTarget(env: OpsEnv): { options: S3StorageOptions; prefix: string; keepDays: number } | null {
  const v = env.vars;
  if (!v.BACKUP_S3_ENDPOINT) return null;
  for (const k of ['BACKUP_S3_BUCKET', 'BACKUP_S3_ACCESS_KEY', 'BACKUP_S3_SECRET_KEY']) {
    if (!v[k]) throw new UsageError(`${k} is needed with BACKUP_S3_ENDPOINT`);
  }
  const keepDays = Number(v.BACKUP_S3_KEEP_DAYS || 30);
  if (!Number.isInteger(keepDays) || keepDays < 1) throw new UsageError('BACKUP_S3_KEEP_DAYS must be a whole number of days ≥ 1');
  return {
    options: {
      endPoint: v.BACKUP_S3_ENDPOINT,
      port: v.BACKUP_S3_PORT ? Number(v.BACKUP_S3_PORT) : undefined,
      useSSL: !/^(false|0|no)$/i.test(v.BACKUP_S3_USE_SSL ?? 'true'),
      accessKey: v.BACKUP_S3_ACCESS_KEY as string,
      secretKey: v.BACKUP_S3_SECRET_KEY as string,
      bucket: v.BACKUP_S3_BUCKET as string,
      region: v.BACKUP_S3_REGION || 'us-east-1',
    },
    prefix: (v.BACKUP_S3_PREFIX || `einvoice/${env.tenantCode}`).replace(/\/+$/, ''),
    keepDays,
  };
}

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2), { values: ['env-file', 'config', 'out', 'keep', 'passphrase-file'], flags: [] });
  if (a.help) {
    console.log(USAGE);
    return 0;
  }
  const keep = Number(a.values.keep ?? 7);
  if (!Number.isInteger(keep) || keep < 1) throw new UsageError('--keep must be a whole number ≥ 1');
  const env = loadOpsEnv(a.values['env-file'], a.values.config);
  const passphrase = readPassphrase(a.values['passphrase-file'], false);
  const remote = remoteTarget(env);
  const out = resolve(a.values.out ?? 'backups');
  mkdirSync(out, { recursive: true, mode: 0o700 });

  const t0 = performance.now();
  const name = `einvoice-backup-${env.tenantCode}-${fileStamp()}`;
  const file = `${name}.tar.gz${passphrase ? '.enc' : ''}`;
  const work = join(out, `.work-${name}`);
  const partial = join(out, `${file}.partial`);
  const say = progress('backup');
  try {
    const m = await takeSnapshot(env, join(work, name), 'backup', say);
    say('packing');
    await pack(join(work, name), partial, passphrase);
    renameSync(partial, join(out, file));
    const rows = Object.values(m.tables).reduce((s, t) => s + t.rows, 0);
    say(`wrote ${file}: ${Object.keys(m.tables).length} tables, ${rows} rows, ${m.objects.length} objects`);
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(partial, { force: true });
  }

  // Keep the newest `keep` of this tenant's backups (names sort by time).
  const mine = readdirSync(out)
    .filter((f) => backupPattern(env.tenantCode).test(f))
    .sort();
  const removed = mine.slice(0, Math.max(0, mine.length - keep));
  for (const f of removed) rmSync(join(out, f), { force: true });

  let uploaded: string | null = null;
  let remoteRemoved = 0;
  if (remote) {
    await ensureBucket(remote.options);
    const s3 = createS3Storage(remote.options);
    uploaded = `${remote.prefix}/${file}`;
    say(`copying to s3 ${remote.options.bucket}/${uploaded}`);
    await s3.put(uploaded, createReadStream(join(out, file)), { contentType: 'application/octet-stream' });
    const cutoff = Date.now() - remote.keepDays * 86_400_000;
    for (const o of await s3.list(`${remote.prefix}/`)) {
      const at = takenAt(env.tenantCode, o.key.slice(remote.prefix.length + 1));
      if (at && at.getTime() < cutoff) {
        await s3.delete(o.key);
        remoteRemoved++;
      }
    }
  }
  console.log(
    JSON.stringify({
      file: join(out, file),
      bytes: statSync(join(out, file)).size,
      seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
      kept: Math.min(mine.length, keep),
      removed,
      remote: uploaded,
      remoteRemoved,
    }),
  );
  return 0;
}

await runCli(USAGE, main);
