/**
 * maintenance.cleanup's retention per data class (RETENTION_*): the audit log and the decided approval
 * requests past their days, web error reports, sent or failed notification mails with their items — and
 * nothing that is still in its time, still pending, or still waiting to be mailed; in object storage (the
 * local driver and the S3 driver against s3rver) report files and temp files past their days by last
 * modification, and nothing else (uploaded imports stay). And the off-peak VACUUM (ANALYZE) of the
 * high-churn tables, and the scripts that run both once.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Database } from '@app/db';
import { createLocalStorage, createS3Storage, ensureBucket, type Storage } from '@app/storage';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanupExpired,
  cleanupStorage,
  createMaintenanceCleanupHandler,
  createMaintenanceVacuumHandler,
  DEFAULT_RETENTION,
  HIGH_CHURN_TABLES,
  STORAGE_DELETE_BATCH,
} from '../src/jobs/maintenance.cleanup.ts';
import { captureLogger, openTestDb, type TestDb } from './helpers.ts';

const ago = (days: number) => sql<Date>`now() - make_interval(days => ${days})`;
const RETENTION = { audit: 730, clientErrors: 90, notifications: 90, reportFiles: 30, tempFiles: 7 };

async function seed(db: Database) {
  const tenant = await db
    .insertInto('sys_tenants')
    .values({ code: 'retain', name: 'Retain' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const user = await db
    .insertInto('sys_users')
    .values({ tenant_id: tenant.id, username: 'keeper', display_name: 'Keeper', password_hash: 'x' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const seller = await db
    .insertInto('sellers')
    .values({ tenant_id: tenant.id, ban: '04595257', name: 'S', address: 'A' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const site = await db
    .insertInto('sites')
    .values({ seller_id: seller.id, code: 'S1', name: 'Site' })
    .returning('id')
    .executeTakeFirstOrThrow();

  const audit = (action: string, days: number) => ({
    tenant_id: tenant.id,
    actor_type: 'system',
    action,
    outcome: 'success',
    occurred_at: ago(days),
  });
  await db
    .insertInto('sys_audit_logs')
    .values([audit('old-1', 800), audit('old-2', 731), audit('kept', 700)])
    .execute();

  const approval = (invoice: string, status: string, decidedDays: number | null) => ({
    action: 'invoice.void',
    status,
    invoice_number: invoice,
    year_month: '11412',
    seller_id: seller.id,
    site_id: site.id,
    payload: JSON.stringify({}),
    requested_by_type: 'user',
    requested_by_id: user.id,
    requested_by_name: 'keeper',
    requested_at: ago(decidedDays ?? 900),
    decided_at: decidedDays === null ? null : ago(decidedDays),
    decided_by_name: decidedDays === null ? null : 'someone',
    error_code: status === 'failed' ? 'CONFLICT' : null,
  });
  await db
    .insertInto('approval_requests')
    .values([
      approval('AB00000001', 'approved', 800), // deleted
      approval('AB00000002', 'failed', 740), // deleted
      approval('AB00000003', 'rejected', 100), // kept
      approval('AB00000004', 'pending', null), // kept: still waiting, however old
    ])
    .execute();

  const opsReport = (days: number) => ({
    kind: 'slow_queries',
    created_at: ago(days),
    period_start: ago(days + 1),
    period_end: ago(days),
    summary: JSON.stringify({ source: 'none' }),
    body: JSON.stringify({}),
  });
  await db
    .insertInto('sys_ops_reports')
    .values([opsReport(800), opsReport(10)])
    .execute();

  const report = (message: string, days: number) => ({
    tenant_id: tenant.id,
    message,
    url: '/',
    user_agent: 'UA',
    occurred_at: ago(days),
    received_at: ago(days),
  });
  await db
    .insertInto('sys_client_errors')
    .values([report('old', 91), report('kept', 30)])
    .execute();

  const mail = async (subject: string, status: 'queued' | 'sent' | 'failed', days: number) =>
    (
      await db
        .insertInto('notification_mails')
        .values({
          user_id: user.id,
          to_address: 'k@example.com',
          mail_kind: 'immediate',
          subject,
          text_body: 't',
          html_body: 'h',
          status,
          sent_at: status === 'sent' ? ago(days) : null,
          failed_at: status === 'failed' ? ago(days) : null,
          created_at: ago(days),
          updated_at: ago(days),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const item = (event: string, days: number, mailId: string | null, delivery: 'immediate' | 'digest') => ({
    user_id: user.id,
    event_id: event,
    event_type: 'TrackLow',
    kind: 'track_low',
    delivery,
    facts: JSON.stringify({}),
    occurred_at: ago(days),
    created_at: ago(days),
    mail_id: mailId,
  });
  const sentOld = await mail('sent-old', 'sent', 100);
  const failedOld = await mail('failed-old', 'failed', 120);
  const queuedOld = await mail('queued-old', 'queued', 100);
  const sentNew = await mail('sent-new', 'sent', 10);
  await db
    .insertInto('notification_items')
    .values([
      item('11111111-1111-4111-8111-000000000001', 100, sentOld, 'immediate'), // deleted, then its mail
      item('11111111-1111-4111-8111-000000000002', 120, failedOld, 'immediate'), // deleted, then its mail
      item('11111111-1111-4111-8111-000000000003', 100, queuedOld, 'immediate'), // kept: its mail still queued
      item('11111111-1111-4111-8111-000000000004', 100, null, 'digest'), // kept: waits for its digest
      item('11111111-1111-4111-8111-000000000005', 10, sentNew, 'immediate'), // kept: recent
    ])
    .execute();
}

describe('retention per data class', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb();
    await seed(t.db);
  });
  afterAll(() => t?.close());

  it('deletes exactly what is past its days, in batches, and keeps the rest', async () => {
    const counts = await cleanupExpired(t.db, { batchSize: 1, retention: RETENTION });
    expect(counts).toMatchObject({
      auditLogs: 2,
      approvals: 2,
      clientErrors: 1,
      notificationItems: 2,
      notificationMails: 2,
      opsReports: 1,
    });
    expect(await t.db.selectFrom('sys_ops_reports').select('id').execute()).toHaveLength(1);

    expect((await t.db.selectFrom('sys_audit_logs').select('action').execute()).map((r) => r.action)).toEqual(['kept']);
    const approvals = await t.db.selectFrom('approval_requests').select('invoice_number').orderBy('invoice_number').execute();
    expect(approvals.map((a) => a.invoice_number)).toEqual(['AB00000003', 'AB00000004']);
    expect((await t.db.selectFrom('sys_client_errors').select('message').execute()).map((r) => r.message)).toEqual(['kept']);
    const mails = await t.db.selectFrom('notification_mails').select('subject').orderBy('subject').execute();
    expect(mails.map((m) => m.subject)).toEqual(['queued-old', 'sent-new']);
    expect(await t.db.selectFrom('notification_items').select('event_id').execute()).toHaveLength(3);

    // Shorter retention from the configuration reaches further back; a second run at the same settings finds nothing.
    const again = await cleanupExpired(t.db, { retention: RETENTION });
    expect(Object.values(again).every((n) => n === 0)).toBe(true);
    const shorter = await cleanupExpired(t.db, { retention: { ...RETENTION, audit: 30, clientErrors: 7, notifications: 5 } });
    expect(shorter).toMatchObject({
      auditLogs: 1,
      approvals: 1,
      clientErrors: 1,
      notificationItems: 1,
      notificationMails: 1,
      opsReports: 0,
    });
  });
});

/** Objects put now and then made `days` old (their last modification moved back). */
type AgedStorage = {
  storage: Storage;
  /** The folder of the local driver (its STORAGE_LOCAL_ROOT). */
  root: string;
  age: (key: string, days: number) => Promise<void>;
  close: () => Promise<void>;
};
const DAY_MS = 86_400_000;
const mtime = (days: number) => new Date(Date.now() - days * DAY_MS);

async function localStorage(): Promise<AgedStorage> {
  const root = await mkdtemp(join(tmpdir(), 'retention-local-'));
  return {
    storage: createLocalStorage(root),
    root,
    age: (key, days) => utimes(join(root, ...key.split('/')), mtime(days), mtime(days)),
    close: () => rm(root, { recursive: true, force: true }),
  };
}

// s3rver keeps each object as `<dir>/<bucket>/<key>._S3rver_object` and answers its mtime as LastModified.
type S3rverInstance = { run(): Promise<{ port: number }>; close(): Promise<void> };
type S3rverClass = new (opts: { address: string; port: number; directory: string; silent: boolean }) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

async function s3Storage(): Promise<AgedStorage> {
  const dir = await mkdtemp(join(tmpdir(), 'retention-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory: dir, silent: true });
  const { port } = await server.run();
  const opts = {
    endPoint: '127.0.0.1',
    port,
    useSSL: false,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    bucket: 'retention',
    region: 'us-east-1',
  };
  await ensureBucket(opts);
  return {
    storage: createS3Storage(opts),
    root: dir,
    age: (key, days) => {
      const parts = key.split('/');
      const file = join(dir, opts.bucket, ...parts.slice(0, -1), `${parts.at(-1)}._S3rver_object`);
      return utimes(file, mtime(days), mtime(days));
    },
    close: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

for (const [driver, open] of [
  ['local', localStorage],
  ['s3', s3Storage],
] as const) {
  describe(`retention of report and temp files in ${driver} storage`, () => {
    let s: AgedStorage;
    beforeAll(async () => {
      s = await open();
    });
    afterAll(() => s?.close());

    // Older than any retention, but not report or temp files: never touched.
    const ALWAYS_KEPT = [
      'imports/invoices/2025-01/5f1c.csv',
      'imports/e0501/2025-01/9a2b.xml',
      'archive/invoices_2024_01.jsonl.gz',
      'reportsx/old.txt',
      'tmpfiles/old.txt',
    ];
    const OLD_TEMP = Array.from({ length: STORAGE_DELETE_BATCH + 4 }, (_, i) => `tmp/upload/${i}.part`);
    // A recent object beside the old ones: s3rver removes a folder once its last object is deleted, and two
    // deletes emptying one folder at once race there (HTTP 500) — a test-server quirk, not S3's or MinIO's.
    const NEW_TEMP = 'tmp/upload/new.part';

    it('deletes report files past their 30 days and temp files past their 7, in batches, and nothing else', async () => {
      const objects: [string, number][] = [
        ['reports/2026/10/old.pdf', 31],
        ['reports/summary.csv', 45],
        ['reports/2026/11/new.pdf', 29],
        ['tmp/new.bin', 6],
        [NEW_TEMP, 1],
        ...OLD_TEMP.map((k, i): [string, number] => [k, 8 + i]),
        ...ALWAYS_KEPT.map((k): [string, number] => [k, 800]),
      ];
      for (const [key, days] of objects) {
        await s.storage.put(key, `${key}\n`);
        await s.age(key, days);
      }
      const signal = new AbortController().signal;
      expect(await cleanupStorage(s.storage, { retention: RETENTION, signal })).toEqual({
        reportFiles: 2,
        tempFiles: OLD_TEMP.length,
      });
      const left = (await s.storage.list('')).map((o) => o.key);
      expect(left.sort()).toEqual([...ALWAYS_KEPT, 'reports/2026/11/new.pdf', 'tmp/new.bin', NEW_TEMP].sort());
      expect((await s.storage.get('imports/invoices/2025-01/5f1c.csv')).toString()).toBe('imports/invoices/2025-01/5f1c.csv\n');

      // Again: nothing is old any more. Shorter retention from the configuration reaches the newer ones.
      expect(await cleanupStorage(s.storage, { retention: RETENTION, signal })).toEqual({ reportFiles: 0, tempFiles: 0 });
      expect(await cleanupStorage(s.storage, { retention: { ...RETENTION, reportFiles: 28, tempFiles: 5 }, signal })).toEqual({
        reportFiles: 1,
        tempFiles: 1,
      });
      expect((await s.storage.list('')).map((o) => o.key).sort()).toEqual([...ALWAYS_KEPT, NEW_TEMP].sort());
    });

    it('stops between batches when the job is aborted', async () => {
      for (const key of OLD_TEMP) {
        await s.storage.put(key, 'x');
        await s.age(key, 10);
      }
      const abort = new AbortController();
      abort.abort(new Error('job timeout'));
      await expect(cleanupStorage(s.storage, { retention: RETENTION, signal: abort.signal })).rejects.toThrow('job timeout');
      expect(await s.storage.list('tmp/')).toHaveLength(OLD_TEMP.length + 1);
      await cleanupStorage(s.storage, { retention: RETENTION, signal: new AbortController().signal });
      expect((await s.storage.list('tmp/')).map((o) => o.key)).toEqual([NEW_TEMP]);
    });
  });
}

describe('maintenance.cleanup with storage', () => {
  let t: TestDb;
  let s: AgedStorage;
  beforeAll(async () => {
    t = await openTestDb();
    s = await localStorage();
  });
  afterAll(async () => {
    await s?.close();
    await t?.close();
  });

  const ctx = () => {
    const { log, lines } = captureLogger();
    return { ctx: { jobId: 'c', attempt: 1, signal: new AbortController().signal, log }, lines };
  };

  it('counts the deleted files in its result, and fails naming the folder when storage is down', async () => {
    await s.storage.put('tmp/old.bin', 'x');
    await s.age('tmp/old.bin', 8);
    await s.storage.put('reports/old.pdf', 'x');
    await s.age('reports/old.pdf', 31);
    const run = ctx();
    const handler = createMaintenanceCleanupHandler({ db: t.db, retention: DEFAULT_RETENTION, storage: s.storage });
    expect(await handler({}, run.ctx)).toBe('done');
    expect(run.lines.find((l) => l.msg === 'maintenance cleanup finished')?.deleted).toMatchObject({
      reportFiles: 1,
      tempFiles: 1,
    });
    expect(await s.storage.list('')).toEqual([]);

    // Nothing listens on port 1: the database part is done, the error names the folder, the job retries.
    const down = createS3Storage({
      endPoint: '127.0.0.1',
      port: 1,
      useSSL: false,
      accessKey: 'k',
      secretKey: 's',
      bucket: 'b',
      region: 'us-east-1',
    });
    const failing = createMaintenanceCleanupHandler({ db: t.db, retention: DEFAULT_RETENTION, storage: down });
    await expect(failing({}, ctx().ctx)).rejects.toThrow(
      'Deleting the objects under "reports/" older than 30 days in s3 storage failed (0 deleted)',
    );
  });
});

describe('maintenance.vacuum', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb();
  });
  afterAll(() => t?.close());

  const run = (tables?: readonly string[]) => {
    const { log, lines } = captureLogger();
    const handler = createMaintenanceVacuumHandler({ db: t.db, ...(tables ? { tables } : {}) });
    return { result: handler({}, { jobId: 'v', attempt: 1, signal: new AbortController().signal, log }), lines };
  };

  it('vacuums and analyzes every high-churn table', async () => {
    const { result } = run();
    expect(await result).toBe('done');
    // The statistics reach pg_stat_user_tables when the vacuuming backend flushes them (within a second or so).
    const deadline = Date.now() + 10_000;
    let vacuumed: string[] = [];
    while (Date.now() < deadline) {
      const r = await sql<{ relname: string }>`SELECT relname FROM pg_stat_user_tables
        WHERE last_vacuum IS NOT NULL AND last_analyze IS NOT NULL AND relname IN (${sql.join([...HIGH_CHURN_TABLES])})`.execute(
        t.db,
      );
      vacuumed = r.rows.map((x) => x.relname).sort();
      if (vacuumed.length === HIGH_CHURN_TABLES.length) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(vacuumed).toEqual([...HIGH_CHURN_TABLES].sort());
  });

  it('goes on past a table it cannot vacuum (logged), and fails only when none could be', async () => {
    const some = run(['no_such_table', 'sys_outbox']);
    expect(await some.result).toBe('done');
    expect(some.lines.find((l) => l.msg === 'vacuum (analyze) failed')).toMatchObject({ table: 'no_such_table' });
    expect(some.lines.find((l) => l.msg === 'vacuum (analyze) done')).toMatchObject({ table: 'sys_outbox' });
    await expect(run(['no_such_table']).result).rejects.toThrow(/VACUUM failed on every table/);
  });
});

describe('scripts/retention-cleanup.sh and scripts/vacuum-maintenance.sh', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb();
    await seed(t.db);
  });
  afterAll(() => t?.close());

  const run = async (script: string, env: Record<string, string> = {}, args: string[] = []) => {
    const path = fileURLToPath(new URL(`../../../scripts/${script}`, import.meta.url));
    try {
      const r = await promisify(execFile)(path, args, { env: { ...process.env, DATABASE_URL: t.url, ...env } });
      return { code: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, out: x.stdout, err: x.stderr };
    }
  };

  it('run the jobs once, with the retention from the environment, and say what they did', async () => {
    const bad = await run('retention-cleanup.sh', { RETENTION_AUDIT_DAYS: 'forever' });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('RETENTION_AUDIT_DAYS:');
    // The worker's own bounds: the audit log stays at least 30 days.
    expect((await run('retention-cleanup.sh', { RETENTION_AUDIT_DAYS: '7' })).code).toBe(2);
    const noS3 = await run('retention-cleanup.sh', { STORAGE_DRIVER: 's3' });
    expect(noS3.code).toBe(2);
    expect(noS3.err).toContain('STORAGE_DRIVER=s3 needs S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET');
    const help = await run('retention-cleanup.sh', {}, ['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('reports/ and tmp/');

    const files = await localStorage();
    for (const [key, days] of [
      ['reports/r.pdf', 31],
      ['tmp/t.bin', 8],
      ['imports/invoices/2025-01/i.csv', 800],
    ] as const) {
      await files.storage.put(key, key);
      await files.age(key, days);
    }
    const r = await run('retention-cleanup.sh', { STORAGE_DRIVER: 'local', STORAGE_LOCAL_ROOT: files.root });
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      job: 'maintenance.cleanup',
      deleted: {
        auditLogs: 2,
        approvals: 2,
        clientErrors: 1,
        notificationItems: 2,
        notificationMails: 2,
        opsReports: 1,
        reportFiles: 1,
        tempFiles: 1,
      },
    });
    expect((await files.storage.list('')).map((o) => o.key)).toEqual(['imports/invoices/2025-01/i.csv']);
    const shorter = await run('retention-cleanup.sh', { RETENTION_AUDIT_DAYS: '30', STORAGE_LOCAL_ROOT: files.root });
    await files.close();
    expect(JSON.parse(shorter.out).deleted).toMatchObject({ auditLogs: 1, approvals: 1, clientErrors: 0 });

    const v = await run('vacuum-maintenance.sh');
    expect(v.code, v.err).toBe(0);
    expect(JSON.parse(v.out)).toMatchObject({ job: 'maintenance.vacuum' });
  }, 60_000);
});
