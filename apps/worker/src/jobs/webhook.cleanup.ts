/**
 * webhook.cleanup (hourly, P4): the delivery log is kept WEBHOOK_LOG_RETENTION_DAYS (90, platform plan §6);
 * older deliveries go with their tries (ON DELETE CASCADE), in batches, oldest first. A delivery still
 * pending that old can only belong to a subscription disabled all that time; it goes too. One being sent
 * right now is left for the next run.
 */
import type { Database } from '@app/db';
import type { JobHandler } from '@app/jobs';
import { sql } from 'kysely';

export async function cleanupWebhookDeliveries(
  db: Database,
  opts: { retentionDays: number; batchSize?: number; signal?: AbortSignal },
): Promise<number> {
  const batchSize = opts.batchSize ?? 5_000;
  let total = 0;
  for (;;) {
    opts.signal?.throwIfAborted();
    const r = await sql`
      DELETE FROM sys_webhook_deliveries
       WHERE id IN (SELECT id FROM sys_webhook_deliveries
                     WHERE created_at < now() - make_interval(days => ${opts.retentionDays}::int)
                       AND claimed_until IS NULL
                     ORDER BY created_at
                     LIMIT ${batchSize}
                     FOR UPDATE SKIP LOCKED)`.execute(db);
    const n = Number(r.numAffectedRows ?? 0n);
    total += n;
    if (n < batchSize) return total;
  }
}

export function createWebhookCleanupHandler(deps: {
  db: Database;
  retentionDays?: number | undefined;
}): JobHandler<'webhook.cleanup'> {
  return async (_payload, { signal, log }) => {
    const deleted = await cleanupWebhookDeliveries(deps.db, { retentionDays: deps.retentionDays ?? 90, signal });
    if (deleted > 0) log.info({ deleted }, 'old webhook deliveries deleted');
    return deleted > 0 ? 'done' : 'skipped';
  };
}
