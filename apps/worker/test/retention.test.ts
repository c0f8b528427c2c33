/**
 * maintenance.cleanup's retention per data class (RETENTION_*): the audit log and the decided approval
 * requests past their days, web error reports, sent or failed notification mails with their items — and
 * nothing that is still in its time, still pending, or still waiting to be mailed. And the off-peak
 * VACUUM (ANALYZE) of the high-churn tables.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Database } from '@app/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupExpired, createMaintenanceVacuumHandler, HIGH_CHURN_TABLES } from '../src/jobs/maintenance.cleanup.ts';
import { captureLogger, openTestDb, type TestDb } from './helpers.ts';

const ago = (days: number) => sql<Date>`now() - make_interval(days => ${days})`;
const RETENTION = { audit: 730, clientErrors: 90, notifications: 90 };

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
    expect(counts).toMatchObject({ auditLogs: 2, approvals: 2, clientErrors: 1, notificationItems: 2, notificationMails: 2 });

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
    const shorter = await cleanupExpired(t.db, { retention: { audit: 30, clientErrors: 7, notifications: 5 } });
    expect(shorter).toMatchObject({ auditLogs: 1, approvals: 1, clientErrors: 1, notificationItems: 1, notificationMails: 1 });
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

  const run = async (script: string, env: Record<string, string> = {}) => {
    const path = fileURLToPath(new URL(`../../../scripts/${script}`, import.meta.url));
    try {
      const r = await promisify(execFile)(path, [], { env: { ...process.env, DATABASE_URL: t.url, ...env } });
      return { code: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, out: x.stdout, err: x.stderr };
    }
  };

  it('run the jobs once, with the retention from the environment, and say what they did', async () => {
    const bad = await run('retention-cleanup.sh', { RETENTION_AUDIT_DAYS: 'forever' });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('RETENTION_AUDIT_DAYS must be a whole number');

    const r = await run('retention-cleanup.sh');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      job: 'maintenance.cleanup',
      deleted: { auditLogs: 2, approvals: 2, clientErrors: 1, notificationItems: 2, notificationMails: 2 },
    });
    const shorter = await run('retention-cleanup.sh', { RETENTION_AUDIT_DAYS: '30' });
    expect(JSON.parse(shorter.out).deleted).toMatchObject({ auditLogs: 1, approvals: 1, clientErrors: 0 });

    const v = await run('vacuum-maintenance.sh');
    expect(v.code, v.err).toBe(0);
    expect(JSON.parse(v.out)).toMatchObject({ job: 'maintenance.vacuum' });
  }, 60_000);
});
