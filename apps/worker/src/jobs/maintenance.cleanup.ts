import type { Database } from '@app/db';
import type { JobHandler } from '@app/jobs';
import { sql } from 'kysely';

/** Rows per DELETE: each statement is short, so cleanup never holds many locks for long. */
export const CLEANUP_BATCH_SIZE = 5_000;
/** Processed outbox rows are kept this long for diagnosis (and re-delivery by hand). */
export const OUTBOX_RETENTION = '7 days';
/** Expired or revoked sessions are kept this long (refresh tokens go with them, ON DELETE CASCADE). */
export const SESSION_RETENTION = '1 day';

/** Days each data class is kept (RETENTION_* in deploy/.env.example). */
export type RetentionDays = { audit: number; clientErrors: number; notifications: number };
export const DEFAULT_RETENTION: RetentionDays = { audit: 730, clientErrors: 90, notifications: 90 };

export type CleanupCounts = {
  idempotencyKeys: number;
  sessions: number;
  outbox: number;
  auditLogs: number;
  approvals: number;
  clientErrors: number;
  notificationItems: number;
  notificationMails: number;
};

/**
 * The data classes kept for a number of days: the table, the rows past their time (`$days` is the class's
 * retention), in the order they must go (items before the mails they point at).
 */
const RETENTION_CLASSES = [
  { key: 'auditLogs', days: 'audit', table: 'sys_audit_logs', old: 'occurred_at < now() - make_interval(days => $days)' },
  {
    key: 'approvals',
    days: 'audit',
    table: 'approval_requests',
    old: "status <> 'pending' AND decided_at < now() - make_interval(days => $days)",
  },
  {
    key: 'clientErrors',
    days: 'clientErrors',
    table: 'sys_client_errors',
    old: 'received_at < now() - make_interval(days => $days)',
  },
  {
    key: 'notificationItems',
    days: 'notifications',
    table: 'notification_items',
    // An item whose mail went out (or failed for good) long ago; one still waiting for its digest stays.
    old: "created_at < now() - make_interval(days => $days) AND (mail_id IS NULL AND delivery = 'immediate' OR mail_id IN (SELECT id FROM notification_mails WHERE status IN ('sent', 'failed')))",
  },
  {
    key: 'notificationMails',
    days: 'notifications',
    table: 'notification_mails',
    old: "status IN ('sent', 'failed') AND updated_at < now() - make_interval(days => $days) AND NOT EXISTS (SELECT 1 FROM notification_items i WHERE i.mail_id = notification_mails.id)",
  },
] as const satisfies readonly { key: keyof CleanupCounts; days: keyof RetentionDays; table: string; old: string }[];

/** Run `deleteBatch` until it deletes fewer than `batchSize` rows; returns the total. */
async function inBatches(batchSize: number, signal: AbortSignal, deleteBatch: () => Promise<bigint>): Promise<number> {
  let total = 0;
  for (;;) {
    signal.throwIfAborted();
    const n = Number(await deleteBatch());
    total += n;
    if (n < batchSize) return total;
  }
}

/**
 * Delete expired idempotency keys, sessions expired or revoked more than SESSION_RETENTION ago, and
 * outbox rows dispatched and processed more than OUTBOX_RETENTION ago. Rows another transaction holds
 * are skipped (next run gets them). Each DELETE is its own statement of at most `batchSize` rows.
 */
export async function cleanupExpired(
  db: Database,
  opts: { batchSize?: number; signal?: AbortSignal; retention?: RetentionDays } = {},
): Promise<CleanupCounts> {
  const retention = opts.retention ?? DEFAULT_RETENTION;
  const batchSize = opts.batchSize ?? CLEANUP_BATCH_SIZE;
  const signal = opts.signal ?? new AbortController().signal;

  const idempotencyKeys = await inBatches(batchSize, signal, async () => {
    const r = await db
      .deleteFrom('sys_idempotency_keys')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('sys_idempotency_keys')
          .select('id')
          .where('expires_at', '<', sql<Date>`now()`)
          .limit(batchSize)
          .forUpdate()
          .skipLocked(),
      )
      .executeTakeFirst();
    return r.numDeletedRows;
  });

  const sessionCutoff = sql<Date>`now() - ${SESSION_RETENTION}::interval`;
  const sessions = await inBatches(batchSize, signal, async () => {
    const r = await db
      .deleteFrom('sys_auth_sessions')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('sys_auth_sessions')
          .select('id')
          .where((w) => w.or([w('expires_at', '<', sessionCutoff), w('revoked_at', '<', sessionCutoff)]))
          .limit(batchSize)
          .forUpdate()
          .skipLocked(),
      )
      .executeTakeFirst();
    return r.numDeletedRows;
  });

  const outbox = await inBatches(batchSize, signal, async () => {
    const r = await db
      .deleteFrom('sys_outbox')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('sys_outbox')
          .select('id')
          .where('dispatched_at', 'is not', null)
          .where('processed_at', '<', sql<Date>`now() - ${OUTBOX_RETENTION}::interval`)
          // Oldest first along the primary key: the scan stops after `batchSize` old rows.
          .orderBy('id')
          .limit(batchSize)
          .forUpdate()
          .skipLocked(),
      )
      .executeTakeFirst();
    return r.numDeletedRows;
  });

  const byClass = {} as Record<(typeof RETENTION_CLASSES)[number]['key'], number>;
  for (const c of RETENTION_CLASSES) {
    const [before, after] = c.old.split('$days') as [string, string];
    const days = retention[c.days];
    byClass[c.key] = await inBatches(batchSize, signal, async () => {
      const r = await sql`DELETE FROM ${sql.table(c.table)} WHERE id IN (
          SELECT id FROM ${sql.table(c.table)} WHERE ${sql.raw(before)}${days}::int${sql.raw(after)}
           ORDER BY id LIMIT ${batchSize} FOR UPDATE SKIP LOCKED)`.execute(db);
      return r.numAffectedRows ?? 0n;
    });
  }

  return { idempotencyKeys, sessions, outbox, ...byClass };
}

export function createMaintenanceCleanupHandler(deps: {
  db: Database;
  batchSize?: number;
  retention?: RetentionDays;
}): JobHandler<'maintenance.cleanup'> {
  return async (_payload, { signal, log }) => {
    const counts = await cleanupExpired(deps.db, { batchSize: deps.batchSize, signal, retention: deps.retention });
    // Invoice partitions for this month and the next three exist before anyone needs them.
    const created = Number(
      (await sql<{ n: number }>`SELECT ensure_invoice_partitions(date_trunc('month', now())::date, 4) AS n`.execute(deps.db))
        .rows[0]?.n ?? 0,
    );
    log.info({ deleted: counts, invoicePartitionsCreated: created }, 'maintenance cleanup finished');
    return Object.values(counts).reduce((a, b) => a + b, 0) + created > 0 ? 'done' : 'skipped';
  };
}

/**
 * The tables rows are inserted into and deleted from (or updated) fastest: dead tuples pile up there between
 * autovacuum runs, and their planner statistics go stale.
 */
export const HIGH_CHURN_TABLES = [
  'sys_idempotency_keys',
  'sys_auth_sessions',
  'sys_refresh_tokens',
  'sys_outbox',
  'turnkey_messages',
  'track_blocks',
  'sys_webhook_deliveries',
  'notification_mails',
  'notification_items',
] as const;

/**
 * VACUUM (ANALYZE) each high-churn table, one statement each (VACUUM cannot run in a transaction; each
 * statement on the pool is its own). A table that cannot be vacuumed now (a lock held too long) is logged
 * and the others still run; the job fails (and retries) only if none could.
 */
export function createMaintenanceVacuumHandler(deps: {
  db: Database;
  tables?: readonly string[];
}): JobHandler<'maintenance.vacuum'> {
  return async (_payload, { signal, log }) => {
    const tables = deps.tables ?? HIGH_CHURN_TABLES;
    const done: string[] = [];
    const failed: { table: string; error: string }[] = [];
    for (const table of tables) {
      signal.throwIfAborted();
      const t0 = performance.now();
      try {
        await sql`VACUUM (ANALYZE) ${sql.table(table)}`.execute(deps.db);
        done.push(table);
        log.info({ table, ms: Math.round(performance.now() - t0) }, 'vacuum (analyze) done');
      } catch (e) {
        failed.push({ table, error: (e as Error).message });
        log.warn({ table, error: (e as Error).message }, 'vacuum (analyze) failed');
      }
    }
    if (done.length === 0 && failed.length > 0) throw new Error(`VACUUM failed on every table: ${failed[0]?.error}`);
    return 'done';
  };
}
