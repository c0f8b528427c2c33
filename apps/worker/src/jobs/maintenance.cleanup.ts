import type { Database } from '@app/db';
import type { JobHandler } from '@app/jobs';
import type { Storage } from '@app/storage';
import { sql } from 'kysely';

/** Rows per DELETE: each statement is short, so cleanup never holds many locks for long. */
export const CLEANUP_BATCH_SIZE = 5_000;
/** Processed outbox rows are kept this long for diagnosis (and re-delivery by hand). */
export const OUTBOX_RETENTION = '7 days';
/** Expired or revoked sessions are kept this long (refresh tokens go with them, ON DELETE CASCADE). */
export const SESSION_RETENTION = '1 day';

/**
 * Days each data class is kept (RETENTION_* in deploy/.env.example). Idempotency keys go at their own
 * expires_at, which the API sets IDEMPOTENCY_TTL_HOURS (24) after the request; webhook logs in webhook.cleanup.
 */
export type RetentionDays = {
  audit: number;
  clientErrors: number;
  notifications: number;
  reportFiles: number;
  tempFiles: number;
};
export const DEFAULT_RETENTION: RetentionDays = {
  audit: 730,
  clientErrors: 90,
  notifications: 90,
  reportFiles: 30,
  tempFiles: 7,
};

/**
 * The folders of object storage whose objects expire, by their last modification. Nothing else in storage is
 * touched: uploaded import files (imports/invoices/, imports/e0501/) are the evidence of what was imported.
 */
export const STORAGE_RETENTION_CLASSES = [
  { key: 'reportFiles', days: 'reportFiles', prefix: 'reports/' },
  { key: 'tempFiles', days: 'tempFiles', prefix: 'tmp/' },
] as const satisfies readonly { key: keyof CleanupCounts; days: keyof RetentionDays; prefix: string }[];
/** Objects deleted at once (one request each); the job's signal is checked between batches. */
export const STORAGE_DELETE_BATCH = 16;

export type CleanupCounts = {
  idempotencyKeys: number;
  sessions: number;
  outbox: number;
  auditLogs: number;
  approvals: number;
  clientErrors: number;
  notificationItems: number;
  notificationMails: number;
  opsReports: number;
  reportFiles: number;
  tempFiles: number;
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
  // The daily operations reports (slow queries) are kept as long as the audit log.
  { key: 'opsReports', days: 'audit', table: 'sys_ops_reports', old: 'created_at < now() - make_interval(days => $days)' },
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
 * Delete the objects under each STORAGE_RETENTION_CLASSES prefix last modified more than its days before
 * `now`, STORAGE_DELETE_BATCH at a time. A run cut short (timeout, storage down) leaves the rest for the next
 * hour; its error names the prefix and how many objects went before it.
 */
export async function cleanupStorage(
  storage: Storage,
  opts: { retention: RetentionDays; signal: AbortSignal; now?: Date },
): Promise<Pick<CleanupCounts, 'reportFiles' | 'tempFiles'>> {
  const now = (opts.now ?? new Date()).getTime();
  const counts = { reportFiles: 0, tempFiles: 0 };
  for (const c of STORAGE_RETENTION_CLASSES) {
    const cutoff = now - opts.retention[c.days] * 86_400_000;
    try {
      const old = (await storage.list(c.prefix)).filter((o) => o.modifiedAt.getTime() < cutoff);
      for (let i = 0; i < old.length; i += STORAGE_DELETE_BATCH) {
        opts.signal.throwIfAborted();
        const batch = old.slice(i, i + STORAGE_DELETE_BATCH);
        await Promise.all(batch.map((o) => storage.delete(o.key)));
        counts[c.key] += batch.length;
      }
    } catch (e) {
      if (opts.signal.aborted) throw e;
      throw new Error(
        `Deleting the objects under "${c.prefix}" older than ${opts.retention[c.days]} days in ${storage.driver} storage failed (${counts[c.key]} deleted): ${(e as Error).message}`,
        { cause: e },
      );
    }
  }
  return counts;
}

/**
 * Delete expired idempotency keys, sessions expired or revoked more than SESSION_RETENTION ago, and
 * outbox rows dispatched and processed more than OUTBOX_RETENTION ago. Rows another transaction holds
 * are skipped (next run gets them). Each DELETE is its own statement of at most `batchSize` rows.
 * With `storage`, then the old report and temp files (cleanupStorage); without, those counts are 0.
 */
export async function cleanupExpired(
  db: Database,
  opts: { batchSize?: number; signal?: AbortSignal; retention?: RetentionDays; storage?: Storage | null; now?: Date } = {},
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

  const files = opts.storage
    ? await cleanupStorage(opts.storage, { retention, signal, ...(opts.now ? { now: opts.now } : {}) })
    : { reportFiles: 0, tempFiles: 0 };

  return { idempotencyKeys, sessions, outbox, ...byClass, ...files };
}

export function createMaintenanceCleanupHandler(deps: {
  db: Database;
  batchSize?: number;
  retention?: RetentionDays;
  /** Object storage, for the report and temp files; without, only the database is cleaned. */
  storage?: Storage | null;
}): JobHandler<'maintenance.cleanup'> {
  return async (_payload, { signal, log }) => {
    // Invoice partitions for this month and the next three exist before anyone needs them — first, so that
    // storage being down (which fails the cleanup below) never holds them back.
    const created = Number(
      (await sql<{ n: number }>`SELECT ensure_invoice_partitions(date_trunc('month', now())::date, 4) AS n`.execute(deps.db))
        .rows[0]?.n ?? 0,
    );
    const counts = await cleanupExpired(deps.db, {
      batchSize: deps.batchSize,
      signal,
      retention: deps.retention,
      storage: deps.storage ?? null,
    });
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
