/**
 * maintenance.cleanup: deletes what has expired (idempotency keys, old sessions with their refresh
 * tokens, old processed outbox rows) in bounded batches, keeps everything else, and is registered to
 * run hourly through a BullMQ job scheduler (upserted: registering twice keeps one schedule).
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '@app/db';
import { testConfig } from '@app/devkit/testing';
import { createQueues, createRedis, jobOptions, queueFor } from '@app/jobs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupExpired, createMaintenanceCleanupHandler } from '../src/jobs/maintenance.cleanup.ts';
import { registerSchedules, SCHEDULES } from '../src/schedules.ts';
import { captureLogger, openTestDb, type TestDb } from './helpers.ts';

const ago = (interval: string) => sql<Date>`now() - ${interval}::interval`;
const ahead = (interval: string) => sql<Date>`now() + ${interval}::interval`;

async function seed(db: Database) {
  const tenant = await db
    .insertInto('sys_tenants')
    .values({ code: 'cleanup', name: 'Cleanup' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const user = await db
    .insertInto('sys_users')
    .values({ tenant_id: tenant.id, username: 'cleaner', display_name: 'Cleaner', password_hash: 'x' })
    .returning('id')
    .executeTakeFirstOrThrow();

  const key = (name: string, expires: ReturnType<typeof ago>) => ({
    caller: 'user:cleaner',
    idempotency_key: name,
    method: 'POST',
    path: '/api/v1/things',
    request_hash: 'h',
    locked_until: sql<Date>`now()`,
    expires_at: expires,
  });
  await db
    .insertInto('sys_idempotency_keys')
    .values([
      key('old-1', ago('2 hours')),
      key('old-2', ago('1 minute')),
      key('old-3', ago('3 days')),
      key('fresh', ahead('23 hours')),
    ])
    .execute();

  const session = async (name: string, expires: ReturnType<typeof ago>, revoked: ReturnType<typeof ago> | null) => {
    const s = await db
      .insertInto('sys_auth_sessions')
      .values({ user_id: user.id, expires_at: expires, revoked_at: revoked, user_agent: name })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('sys_refresh_tokens')
      .values({ session_id: s.id, token_hash: randomUUID(), expires_at: expires })
      .execute();
  };
  await session('expired-2d', ago('2 days'), null); // deleted
  await session('revoked-2d', ahead('5 days'), ago('2 days')); // deleted
  await session('expired-1h', ago('1 hour'), null); // kept: within the 1-day grace
  await session('revoked-1h', ahead('5 days'), ago('1 hour')); // kept
  await session('active', ahead('5 days'), null); // kept

  const outbox = (name: string, dispatched: ReturnType<typeof ago> | null, processed: ReturnType<typeof ago> | null) => ({
    event_type: 'UserCreated',
    event_version: 1,
    aggregate_id: name,
    payload: JSON.stringify({}),
    occurred_at: ago('30 days'),
    dispatched_at: dispatched,
    processed_at: processed,
    process_count: processed ? 1 : 0,
  });
  await db
    .insertInto('sys_outbox')
    .values([
      outbox('processed-8d-a', ago('8 days'), ago('8 days')), // deleted
      outbox('processed-8d-b', ago('9 days'), ago('8 days')), // deleted
      outbox('processed-20d', ago('20 days'), ago('20 days')), // deleted
      outbox('processed-1d', ago('8 days'), ago('1 day')), // kept: processed recently
      outbox('dispatched-unprocessed', ago('8 days'), null), // kept: not processed yet
      outbox('never-dispatched', null, null), // kept: the relay still owes it
    ])
    .execute();
}

describe('maintenance.cleanup', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb();
    await seed(t.db);
  });
  afterAll(() => t?.close());

  it('deletes only expired rows, in batches, and a second run finds nothing (skipped)', async () => {
    const { log, lines } = captureLogger();
    const ctx = { jobId: 'test', attempt: 1, signal: new AbortController().signal, log };
    // Batch size 2: every table needs more than one DELETE, which exercises the loop.
    const counts = await cleanupExpired(t.db, { batchSize: 2 });
    // The retention classes (retention.test.ts) have nothing to delete in this seed.
    expect(counts).toEqual({
      idempotencyKeys: 3,
      sessions: 2,
      outbox: 3,
      auditLogs: 0,
      approvals: 0,
      clientErrors: 0,
      notificationItems: 0,
      notificationMails: 0,
      opsReports: 0,
      reportFiles: 0,
      tempFiles: 0,
    });

    const keys = await t.db.selectFrom('sys_idempotency_keys').select('idempotency_key').execute();
    expect(keys.map((k) => k.idempotency_key)).toEqual(['fresh']);
    const sessions = await t.db.selectFrom('sys_auth_sessions').select(['id', 'user_agent']).orderBy('user_agent').execute();
    expect(sessions.map((s) => s.user_agent)).toEqual(['active', 'expired-1h', 'revoked-1h']);
    const tokens = await t.db.selectFrom('sys_refresh_tokens').select('session_id').execute();
    expect(tokens.map((r) => r.session_id).toSorted()).toEqual(sessions.map((s) => s.id).toSorted()); // cascaded
    const outbox = await t.db.selectFrom('sys_outbox').select('aggregate_id').orderBy('aggregate_id').execute();
    expect(outbox.map((r) => r.aggregate_id)).toEqual(['dispatched-unprocessed', 'never-dispatched', 'processed-1d']);

    const handler = createMaintenanceCleanupHandler({ db: t.db, batchSize: 2 });
    expect(await handler({}, ctx)).toBe('skipped');
    expect(lines.at(-1)).toMatchObject({
      msg: 'maintenance cleanup finished',
      deleted: { idempotencyKeys: 0, sessions: 0, outbox: 0 },
    });
  });

  it("creates the coming months' invoice partitions when one is missing", async () => {
    const next = new Date();
    next.setUTCDate(15);
    next.setUTCMonth(next.getUTCMonth() + 1);
    const suffix = `${next.getUTCFullYear()}${String(next.getUTCMonth() + 1).padStart(2, '0')}`;
    // A referenced partition is detached before it can be dropped (the items' foreign key points at every partition).
    await sql
      .raw(
        `DROP TABLE invoice_items_${suffix}; ALTER TABLE invoices DETACH PARTITION invoices_${suffix}; DROP TABLE invoices_${suffix}`,
      )
      .execute(t.db);
    const { log, lines } = captureLogger();
    const ctx = { jobId: 'test', attempt: 1, signal: new AbortController().signal, log };
    const handler = createMaintenanceCleanupHandler({ db: t.db });
    expect(await handler({}, ctx)).toBe('done');
    expect(lines.at(-1)).toMatchObject({ invoicePartitionsCreated: 2 });
    const back = await sql<{
      n: string;
    }>`SELECT count(*)::text AS n FROM pg_class WHERE relname IN (${`invoices_${suffix}`}, ${`invoice_items_${suffix}`})`.execute(
      t.db,
    );
    expect(back.rows[0]?.n).toBe('2');
    expect(await handler({}, ctx)).toBe('skipped');
  });

  it('stops between batches when its signal aborts (the hard timeout)', async () => {
    const controller = new AbortController();
    controller.abort(new Error('deadline'));
    await expect(cleanupExpired(t.db, { signal: controller.signal })).rejects.toThrow('deadline');
  });

  it('is scheduled hourly with the registry job options; registering again keeps one schedule each', async () => {
    const config = testConfig(t.url);
    const redis = createRedis(config.REDIS_URL, 'client');
    const queues = createQueues(redis, config.REDIS_KEY_PREFIX);
    try {
      await registerSchedules(queues);
      await registerSchedules(queues);
      // In the queue of its class (P4); one per schedule of that queue, not one per registration.
      const queue = queues[queueFor('maintenance.cleanup')];
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers).toHaveLength(SCHEDULES.filter((s) => queueFor(s.job) === queue.name).length);
      const cleanup = schedulers.find((s) => s.key === 'maintenance-cleanup-hourly');
      expect(cleanup).toMatchObject({ key: SCHEDULES[0]!.id, every: 3_600_000, name: 'maintenance.cleanup' });
      const { jobId: _, ...expected } = jobOptions('maintenance.cleanup');
      expect(cleanup!.template?.opts).toMatchObject(expected);
      await queue.obliterate({ force: true });
    } finally {
      await queues.close();
      redis.disconnect();
    }
  });
});
