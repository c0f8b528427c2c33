import type { DbOrTx } from '@app/db';
import { EVENTS, type EventPayload, type EventType } from './events.ts';

/** The sys_outbox row of an event (JSON-able), its payload checked against the catalogue. */
export function outboxRow<T extends EventType>(
  type: T,
  payload: EventPayload<T>,
  meta: { aggregateType?: string; aggregateId?: string; requestId?: string } = {},
) {
  const def = EVENTS[type];
  return {
    event_type: type as string,
    event_version: def.version as number,
    aggregate_type: meta.aggregateType ?? null,
    aggregate_id: meta.aggregateId ?? null,
    payload: def.payload.parse(payload) as Record<string, unknown>,
    request_id: meta.requestId ?? null,
  };
}

/**
 * Append an event to the transactional outbox. Call it with the transaction that makes the change
 * the event announces: both commit or neither does. Never enqueue to Redis inside a transaction.
 */
export async function appendOutbox<T extends EventType>(
  trx: DbOrTx,
  type: T,
  payload: EventPayload<T>,
  meta: { aggregateType?: string; aggregateId?: string; requestId?: string } = {},
): Promise<{ id: string; eventId: string }> {
  const row = outboxRow(type, payload, meta);
  const r = await trx
    .insertInto('sys_outbox')
    .values({ ...row, payload: JSON.stringify(row.payload) })
    .returning(['id', 'event_id'])
    .executeTakeFirstOrThrow();
  return { id: r.id, eventId: r.event_id };
}

/**
 * The BullMQ job id of the `event.dispatch` job relaying the outbox event `eventId`. BullMQ ignores an
 * add whose id it still holds (completed jobs are kept KEEP_COMPLETED_SECONDS), so relaying a row twice,
 * e.g. after a crash between the enqueue and the commit, never creates a second job. The event's UUID,
 * not the row's bigserial id, so a database restored behind Redis's back cannot reuse a job id.
 */
export const outboxJobId = (eventId: string): string => `outbox-${eventId}`;
