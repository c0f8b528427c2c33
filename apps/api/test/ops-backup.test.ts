/**
 * scripts/backup.sh and scripts/restore.sh against a real database, storage folder and Turnkey folder:
 * backup → drop everything → restore brings back every table (row count and checksum of every row) and every
 * stored object byte for byte; a damaged archive or another tenant's is refused before anything changes; the
 * newest N backups are kept, and the off-site copy goes to a real S3 server (s3rver) where old copies expire.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SCHEMA_VERSION } from '@app/db';
import { closeConnections } from '@app/devkit/testing';
import { createS3Storage, ensureBucket } from '@app/storage';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3rver } from '../../../packages/storage/test/s3rver.ts';
import { databaseSums, withDatabase } from '../../../scripts/ops/snapshot.ts';
import { createTestApp, type TestApp } from './helpers.ts';
import { fillTenant, folderHashes, runScript } from './ops-helpers.ts';

describe('backup.sh and restore.sh', () => {
  let t: TestApp;
  let dir: string;
  let envFile: string;
  let storageRoot: string;
  let turnkeyRoot: string;
  let admin: pg.Client;
  let closed = false;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ops-backup-'));
    turnkeyRoot = join(dir, 'turnkey');
    t = await createTestApp();
    storageRoot = t.deps.config.STORAGE_LOCAL_ROOT;
    await fillTenant(t, turnkeyRoot);
    envFile = join(dir, 'tenant.env');
    writeFileSync(
      envFile,
      [
        'TENANT_CODE=demo',
        `DATABASE_URL=${t.dbUrl}`,
        'STORAGE_DRIVER=local',
        `STORAGE_LOCAL_ROOT=${storageRoot}`,
        `TURNKEY_ROOT=${turnkeyRoot}`,
        `JWT_SECRET=${t.deps.config.JWT_SECRET}`,
        `APP_ENCRYPTION_KEY=${t.deps.config.APP_ENCRYPTION_KEY}`,
      ].join('\n'),
    );
    admin = new pg.Client({ connectionString: withDatabase(t.dbUrl, 'postgres') });
    await admin.connect();
  });
  afterAll(async () => {
    if (!closed) {
      await t?.app.close();
      await t?.deps.close();
    }
    const name = new URL(t.dbUrl).pathname.slice(1);
    const left = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${name}%`]);
    for (const r of left.rows) {
      await closeConnections(admin, r.datname);
      await admin.query(`DROP DATABASE "${r.datname}" WITH (FORCE)`);
    }
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backup → drop everything → restore: every table, stored object and Turnkey file comes back identical', async () => {
    const sums = await databaseSums(t.dbUrl);
    expect(sums.sys_audit_logs?.rows).toBeGreaterThan(10);
    const invoiceRows = Object.entries(sums)
      .filter(([k]) => k.startsWith('invoices_'))
      .reduce((s, [, v]) => s + v.rows, 0);
    expect(invoiceRows).toBe(12);
    const objects = folderHashes(storageRoot);
    expect(Object.keys(objects)).toHaveLength(3);
    const turnkey = folderHashes(turnkeyRoot);

    const out = join(dir, 'backups');
    const b = await runScript('backup.sh', ['--env-file', envFile, '--out', out]);
    expect(b.code, b.err).toBe(0);
    const made = JSON.parse(b.out);
    expect(made.file).toMatch(/\/einvoice-backup-demo-\d{8}T\d{6}Z\.tar\.gz$/);
    expect(readdirSync(out)).toEqual([made.file.split('/').at(-1)]); // no .partial, no work folder left

    // Everything gone: the database, every stored object, the Turnkey folder.
    await t.app.close();
    await t.deps.close();
    closed = true;
    const name = new URL(t.dbUrl).pathname.slice(1);
    await closeConnections(admin, name);
    await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
    rmSync(storageRoot, { recursive: true, force: true });
    rmSync(turnkeyRoot, { recursive: true, force: true });

    // Without --yes only the archive is checked.
    const dry = await runScript('restore.sh', [made.file, '--env-file', envFile]);
    expect(dry.code, dry.err).toBe(0);
    expect(JSON.parse(dry.out)).toMatchObject({ verified: true, changed: false });
    expect((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount).toBe(0);

    const r = await runScript('restore.sh', [made.file, '--env-file', envFile, '--yes']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ database: name, previousDatabase: null, healthy: true, objects: 3 });
    expect(report.configWrittenTo).toBe(`${envFile}.from-archive`);
    expect(readFileSync(report.configWrittenTo, 'utf8')).toBe(readFileSync(envFile, 'utf8'));

    expect(await databaseSums(t.dbUrl)).toEqual(sums);
    expect(folderHashes(storageRoot)).toEqual(objects);
    expect(folderHashes(turnkeyRoot)).toEqual(turnkey);
  });

  it('a second restore over a live database keeps the replaced one aside, and refuses damaged or foreign archives untouched', async () => {
    const out = join(dir, 'backups');
    const [file] = readdirSync(out).map((f) => join(out, f));
    const sums = await databaseSums(t.dbUrl);
    const name = new URL(t.dbUrl).pathname.slice(1);

    // Another tenant's stack refuses it.
    const foreign = join(dir, 'foreign.env');
    writeFileSync(foreign, readFileSync(envFile, 'utf8').replace('TENANT_CODE=demo', 'TENANT_CODE=other'));
    const f = await runScript('restore.sh', [file as string, '--env-file', foreign, '--yes']);
    expect(f.code).toBe(3);
    expect(f.err).toContain('the archive is of tenant "demo", this stack is "other"');

    // One flipped byte in a stored object: the tar is intact, the part's SHA-256 is not.
    const x = join(dir, 'x');
    mkdirSync(x);
    expect((await promisify(execFile)('tar', ['-xzf', file as string, '-C', x])).stderr).toBe('');
    const [top] = readdirSync(x);
    const manifest = JSON.parse(readFileSync(join(x, top as string, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      format: 'einvoice-snapshot/1',
      kind: 'backup',
      tenant: 'demo',
      turnkeyFolder: true,
      config: true,
    });
    expect(manifest.postgres).toMatch(/^\d+\.\d+/);
    expect(manifest.schemaVersion).toBe(String(SCHEMA_VERSION));
    expect(manifest.tables).toEqual(sums);
    const victim = join(x, top as string, 'storage', 'imports', '2026', '11', 'a.csv');
    const bytes = readFileSync(victim);
    bytes[0] = (bytes[0] as number) ^ 1;
    writeFileSync(victim, bytes);
    const damaged = join(dir, 'damaged.tar.gz');
    await promisify(execFile)('tar', ['-czf', damaged, '-C', x, top as string]);
    const d = await runScript('restore.sh', [damaged, '--env-file', envFile, '--yes']);
    expect(d.code).toBe(3);
    expect(d.err).toContain('part storage/imports/2026/11/a.csv does not match its SHA-256');

    // A truncated file is no archive at all.
    const cut = join(dir, 'cut.tar.gz');
    writeFileSync(cut, readFileSync(file as string).subarray(0, 2_000));
    expect((await runScript('restore.sh', [cut, '--env-file', envFile, '--yes'])).code).toBe(3);

    // Nothing was touched by the refusals; no temporary database is left behind.
    expect(await databaseSums(t.dbUrl)).toEqual(sums);
    const dbs = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${name}%`]);
    expect(dbs.rows.map((r) => r.datname)).toEqual([name]);

    // A change after the backup, then a restore over the live database: the change is undone, the replaced
    // database kept aside under its own name.
    const c = new pg.Client({ connectionString: t.dbUrl });
    await c.connect();
    await c.query(`UPDATE sys_users SET display_name = 'changed after the backup'`);
    await c.end();
    const r = await runScript('restore.sh', [file as string, '--env-file', envFile, '--yes']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.previousDatabase).toMatch(new RegExp(`^${name}__before_\\d{14}$`));
    expect(await databaseSums(t.dbUrl)).toEqual(sums);
    const aside = await databaseSums(withDatabase(t.dbUrl, report.previousDatabase));
    expect(aside.sys_users?.sum).not.toBe(sums.sys_users?.sum);
  });

  it('keeps the newest --keep backups, encrypts with a passphrase, and copies off-site keeping 30 days', async () => {
    const s3 = await startS3rver();
    try {
      const opts = s3.options('offsite');
      const env = join(dir, 'offsite.env');
      writeFileSync(
        env,
        `${readFileSync(envFile, 'utf8')}\nBACKUP_S3_ENDPOINT=${opts.endPoint}\nBACKUP_S3_PORT=${opts.port}\nBACKUP_S3_USE_SSL=false\nBACKUP_S3_BUCKET=offsite\nBACKUP_S3_ACCESS_KEY=${opts.accessKey}\nBACKUP_S3_SECRET_KEY=${opts.secretKey}\n`,
      );
      // An off-site copy 40 days old, and one 10 days old: the first expires, the second stays.
      const remote = createS3Storage(opts);
      const stamp = (days: number) =>
        new Date(Date.now() - days * 86_400_000)
          .toISOString()
          .replace(/[-:]/g, '')
          .replace(/\.\d+Z$/, 'Z');
      await ensureBucket(opts);
      const [old, recent] = [stamp(40), stamp(10)];
      await remote.put(`einvoice/demo/einvoice-backup-demo-${old}.tar.gz`, 'old');
      await remote.put(`einvoice/demo/einvoice-backup-demo-${recent}.tar.gz`, 'recent');
      await remote.put('einvoice/demo/notes.txt', 'not a backup');

      const out = join(dir, 'rotating');
      const pass = join(dir, 'pass');
      writeFileSync(pass, 'correct horse battery staple\n');
      const files: string[] = [];
      for (let i = 0; i < 3; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 1_100)); // names carry the second
        const b = await runScript('backup.sh', ['--env-file', env, '--out', out, '--keep', '2', '--passphrase-file', pass]);
        expect(b.code, b.err).toBe(0);
        files.push(JSON.parse(b.out).file);
      }
      expect(readdirSync(out).sort()).toEqual(files.slice(1).map((f) => f.split('/').at(-1)));
      expect(files[2]).toMatch(/\.tar\.gz\.enc$/);
      // Encrypted: not a gzip stream; restore needs the passphrase.
      expect(
        readFileSync(files[2] as string)
          .subarray(0, 8)
          .toString(),
      ).toBe('EINVENC1');
      const noPass = await runScript('restore.sh', [files[2] as string, '--env-file', envFile]);
      expect(noPass.code).toBe(3);
      expect(noPass.err).toContain('is encrypted');
      const wrong = join(dir, 'wrong');
      writeFileSync(wrong, 'not the right passphrase');
      expect((await runScript('restore.sh', [files[2] as string, '--env-file', envFile, '--passphrase-file', wrong])).code).toBe(
        3,
      );
      const ok = await runScript('restore.sh', [files[2] as string, '--env-file', envFile, '--passphrase-file', pass]);
      expect(ok.code, ok.err).toBe(0);

      const keys = (await remote.list('einvoice/demo/')).map((o) => o.key.split('/').at(-1));
      expect(keys).toContain('notes.txt');
      expect(keys).toContain(`einvoice-backup-demo-${recent}.tar.gz`);
      expect(keys.some((k) => k?.includes(old))).toBe(false);
      for (const f of files) expect(keys).toContain(f.split('/').at(-1));
      const copy = await remote.get(`einvoice/demo/${files[2]?.split('/').at(-1)}`);
      expect(copy.equals(readFileSync(files[2] as string))).toBe(true);
    } finally {
      await s3.stop();
    }
  }, 120_000);

  it('answers --help with 0 and bad usage with 2, naming the problem', async () => {
    for (const s of ['backup.sh', 'restore.sh', 'export.sh', 'import.sh']) {
      const h = await runScript(s, ['--help']);
      expect(h.code, s).toBe(0);
      expect(h.out).toMatch(/^usage: scripts\//);
      const bad = await runScript(s, ['--no-such-option']);
      expect(bad.code, s).toBe(2);
      expect(bad.err).toContain('unknown argument --no-such-option');
    }
    expect((await runScript('backup.sh', ['--keep', '0', '--env-file', envFile])).err).toContain(
      '--keep must be a whole number ≥ 1',
    );
    expect((await runScript('backup.sh', [])).err).toContain('DATABASE_URL is not set');
    expect((await runScript('export.sh', ['--env-file', envFile])).err).toContain('give the passphrase');
    expect((await runScript('restore.sh', ['/no/such/file', '--env-file', envFile])).code).toBe(2);
    expect((await runScript('backup.sh', ['--env-file', '/no/such.env'])).err).toContain('no env file /no/such.env');
  });
});
