/**
 * The outbox subscriber of webhooks: an event becomes one delivery row per enabled subscription whose filter
 * names its type (or '*'), in one INSERT … SELECT. The rows are unique per subscription and event, so an
 * event dispatched again (a retried event.dispatch, a relay that enqueued twice) adds nothing and keeps the
 * delivery's webhook-id. A WebhookDead event is never sent to the subscription it is about. Then the
 * sender is nudged; if that fails, the 5 s sweep finds the rows anyway.
 */
import type { Database } from '@app/db';
import { webhookBody } from '@app/domain';
import { sql } from 'kysely';
import type { EventSubscriber } from '../subscribers.ts';

export function webhookFanoutSubscriber(deps: { db: Database; nudge: () => void | Promise<void> }): EventSubscriber {
  return async (event) => {
    const about =
      event.type === 'WebhookDead' && typeof (event.payload as { webhookId?: unknown })?.webhookId === 'string'
        ? (event.payload as { webhookId: string }).webhookId
        : null;
    const body = webhookBody({
      type: event.type,
      version: event.version,
      eventId: event.eventId,
      occurredAt: event.occurredAt,
      data: event.payload,
    });
    const r = await sql`
      INSERT INTO sys_webhook_deliveries (webhook_id, event_id, event_type, body, next_attempt_at)
      SELECT w.id, ${event.eventId}::uuid, ${event.type}, ${body}, now()
        FROM sys_webhooks w
       WHERE w.status = 'enabled'
         AND (${event.type} = ANY (w.event_types) OR '*' = ANY (w.event_types))
         AND w.id IS DISTINCT FROM ${about}::uuid
      ON CONFLICT ON CONSTRAINT sys_webhook_deliveries_once DO NOTHING`.execute(deps.db);
    if ((r.numAffectedRows ?? 0n) > 0n) {
      try {
        await deps.nudge();
      } catch {
        // Not needed for correctness: the scheduled sweep sends due deliveries within seconds.
      }
    }
  };
}
