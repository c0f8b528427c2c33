import type { Database } from '@app/db';
import type { JobHandler } from '@app/jobs';
import { sql } from 'kysely';

/** Rows per DELETE: each statement is short, so cleanup never holds many locks for long. */
export const CLEANUP_BATCH_SIZE = 5_000;
/** Processed outbox rows are kept this long for diagnosis (and re-delivery by hand). */
export const OUTBOX_RETENTION = '7 days';
/** Expired or revoked sessions are kept this long (refresh tokens go with them, ON DELETE CASCADE). */
export const SESSION_RETENTION = '1 day';

export type CleanupCounts = { idempotencyKeys: number; sessions: number; outbox: number };

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
  opts: { batchSize?: number; signal?: AbortSignal } = {},
): Promise<CleanupCounts> {
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

  return { idempotencyKeys, sessions, outbox };
}

export function createMaintenanceCleanupHandler(deps: { db: Database; batchSize?: number }): JobHandler<'maintenance.cleanup'> {
  return async (_payload, { signal, log }) => {
    const counts = await cleanupExpired(deps.db, { batchSize: deps.batchSize, signal });
    // Invoice partitions for this month and the next three exist before anyone needs them.
    const created = Number(
      (await sql<{ n: number }>`SELECT ensure_invoice_partitions(date_trunc('month', now())::date, 4) AS n`.execute(deps.db))
        .rows[0]?.n ?? 0,
    );
    log.info({ deleted: counts, invoicePartitionsCreated: created }, 'maintenance cleanup finished');
    return counts.idempotencyKeys + counts.sessions + counts.outbox + created > 0 ? 'done' : 'skipped';
  };
}
