import type { Database } from '@app/db';
import type { JobHandler } from '@app/jobs';
import { UnrecoverableError } from 'bullmq';
import { sql } from 'kysely';
import type { OutboxEvent, SubscriberRegistry } from '../subscribers.ts';

/**
 * Deliver one outbox event to the subscribers, then mark the row processed, only if nobody has yet:
 * a redelivered job (relayed twice, retried after the mark, stalled and re-run) ends `skipped`.
 */
export function createEventDispatchHandler(deps: {
  db: Database;
  subscribers: SubscriberRegistry;
}): JobHandler<'event.dispatch'> {
  return async ({ outboxId, eventId }, { signal, log }) => {
    const row = await deps.db
      .selectFrom('sys_outbox')
      .select([
        'id',
        'event_id',
        'event_type',
        'event_version',
        'aggregate_type',
        'aggregate_id',
        'payload',
        'request_id',
        'occurred_at',
        'processed_at',
      ])
      .where('id', '=', outboxId)
      .executeTakeFirst();
    if (!row) {
      log.warn({ outboxId, eventId }, 'outbox row not found (already cleaned up?); nothing to deliver');
      return 'skipped';
    }
    if (row.event_id !== eventId) {
      throw new UnrecoverableError(`outbox row ${outboxId} holds event ${row.event_id}, not ${eventId}`);
    }
    if (row.processed_at !== null) return 'skipped';

    const event: OutboxEvent = {
      outboxId: row.id,
      eventId: row.event_id,
      type: row.event_type,
      version: row.event_version,
      aggregateType: row.aggregate_type,
      aggregateId: row.aggregate_id,
      payload: row.payload,
      requestId: row.request_id,
      occurredAt: row.occurred_at,
    };
    await deps.subscribers.deliver(event, signal);

    const marked = await deps.db
      .updateTable('sys_outbox')
      .set({ processed_at: sql`now()`, process_count: sql`process_count + 1` })
      .where('id', '=', outboxId)
      .where('processed_at', 'is', null)
      .executeTakeFirst();
    return marked.numUpdatedRows > 0n ? 'done' : 'skipped';
  };
}
