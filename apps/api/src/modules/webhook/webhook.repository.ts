/**
 * SQL of webhook subscriptions (sys_webhooks) and their delivery log (sys_webhook_deliveries,
 * sys_webhook_delivery_attempts). The worker claims and records deliveries itself
 * (apps/worker/src/webhook/deliveries.ts); here they are listed, redelivered and tested.
 * Reads of subscriptions never select the sealed secrets or token, except `lockWebhook`.
 */
import type { DbOrTx } from '@app/db';
import { sql } from 'kysely';

const webhookColumns = [
  'id',
  'url',
  'description',
  'event_types',
  'auth_mode',
  'status',
  'disabled_reason',
  'disabled_note',
  'disabled_at',
  'disabled_by',
  'secret_rotated_at',
  'previous_secret_expires_at',
  'risk_acknowledged_at',
  'risk_acknowledged_by',
  'created_by',
  'created_at',
  'updated_at',
] as const;

/** A page of subscriptions, newest first; `after` is the id of the last one seen. */
export async function listWebhooks(
  db: DbOrTx,
  tenantId: string,
  f: { status?: string; authMode?: string; after?: string; limit: number },
) {
  let q = db
    .selectFrom('sys_webhooks')
    .select(webhookColumns)
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(f.limit);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.authMode) q = q.where('auth_mode', '=', f.authMode);
  if (f.after) {
    q = q.where(sql<boolean>`(created_at, id) < (SELECT w.created_at, w.id FROM sys_webhooks w WHERE w.id = ${f.after})`);
  }
  return q.execute();
}
export type WebhookRow = Awaited<ReturnType<typeof listWebhooks>>[number];

export async function findWebhook(db: DbOrTx, tenantId: string, id: string): Promise<WebhookRow | undefined> {
  return db
    .selectFrom('sys_webhooks')
    .select(webhookColumns)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Lock the subscription for the rest of the transaction; with its sealed credentials (rotation keeps the old secret). */
export async function lockWebhook(trx: DbOrTx, tenantId: string, id: string) {
  return trx
    .selectFrom('sys_webhooks')
    .select([...webhookColumns, 'secret_enc', 'bearer_token'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export type WebhookWrite = {
  url?: string;
  description?: string;
  event_types?: string[];
  auth_mode?: string;
  secret_enc?: string | null;
  previous_secret_enc?: string | null;
  previous_secret_expires_at?: Date | null;
  secret_rotated_at?: Date | null;
  bearer_token?: string | null;
  risk_acknowledged_at?: Date | null;
  risk_acknowledged_by?: string | null;
  status?: string;
  disabled_reason?: string | null;
  disabled_note?: string | null;
  disabled_at?: Date | null;
  disabled_by?: string | null;
};

export async function insertWebhook(
  trx: DbOrTx,
  v: WebhookWrite & { tenant_id: string; url: string; event_types: string[]; created_by: string },
): Promise<string> {
  const row = await trx.insertInto('sys_webhooks').values(v).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updateWebhook(trx: DbOrTx, id: string, set: WebhookWrite): Promise<void> {
  await trx
    .updateTable('sys_webhooks')
    .set({ ...set, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

/** Delete a subscription with its deliveries and their tries (ON DELETE CASCADE); returns how many deliveries went. */
export async function deleteWebhook(trx: DbOrTx, id: string): Promise<number> {
  const n = await trx
    .selectFrom('sys_webhook_deliveries')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('webhook_id', '=', id)
    .executeTakeFirstOrThrow();
  await trx.deleteFrom('sys_webhooks').where('id', '=', id).execute();
  return Number(n.n);
}

/** On enable: pending deliveries that are not being sent come due now (they waited while it was disabled). */
export async function makePendingDue(trx: DbOrTx, webhookId: string, now: Date): Promise<number> {
  const r = await trx
    .updateTable('sys_webhook_deliveries')
    .set({ next_attempt_at: now, updated_at: sql`now()` })
    .where('webhook_id', '=', webhookId)
    .where('status', '=', 'pending')
    .where('claimed_until', 'is', null)
    .where('next_attempt_at', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

const deliveryColumns = [
  'id',
  'webhook_id',
  'message_id',
  'kind',
  'event_id',
  'event_type',
  'status',
  'attempts',
  'max_attempts',
  'next_attempt_at',
  'claimed_until',
  'last_attempt_at',
  'last_status_code',
  'last_error',
  'last_duration_ms',
  'succeeded_at',
  'dead_at',
  'redelivered_at',
  'redelivered_by',
  'created_at',
] as const;

/** A subscription's deliveries, newest first (keyset on id); `before` is the last id seen. */
export async function listDeliveries(
  db: DbOrTx,
  webhookId: string,
  f: { status?: string; eventType?: string; before?: string; limit: number },
) {
  let q = db
    .selectFrom('sys_webhook_deliveries')
    .select(deliveryColumns)
    .where('webhook_id', '=', webhookId)
    .orderBy('id', 'desc')
    .limit(f.limit);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.eventType) q = q.where('event_type', '=', f.eventType);
  if (f.before) q = q.where('id', '<', f.before);
  return q.execute();
}
export type DeliveryRow = Awaited<ReturnType<typeof listDeliveries>>[number];

export async function findDelivery(
  db: DbOrTx,
  webhookId: string,
  id: string,
  opts: { forUpdate?: boolean; withBody?: boolean } = {},
): Promise<(DeliveryRow & { body?: string }) | undefined> {
  const q = db
    .selectFrom('sys_webhook_deliveries')
    .select(opts.withBody ? [...deliveryColumns, 'body'] : deliveryColumns)
    .where('webhook_id', '=', webhookId)
    .where('id', '=', id);
  return (opts.forUpdate ? q.forUpdate() : q).executeTakeFirst();
}

export async function deliveryAttempts(db: DbOrTx, deliveryId: string) {
  return db
    .selectFrom('sys_webhook_delivery_attempts')
    .select([
      'attempt',
      'started_at',
      'duration_ms',
      'outcome',
      'status_code',
      'error',
      'response_excerpt',
      'address',
      'next_attempt_at',
    ])
    .where('delivery_id', '=', deliveryId)
    .orderBy('attempt')
    .execute();
}

/** A "send test event" delivery: one try, due now. */
export async function insertTestDelivery(
  trx: DbOrTx,
  v: { webhookId: string; eventId: string; eventType: string; body: string; now: Date },
): Promise<string> {
  const row = await trx
    .insertInto('sys_webhook_deliveries')
    .values({
      webhook_id: v.webhookId,
      kind: 'test',
      event_id: v.eventId,
      event_type: v.eventType,
      body: v.body,
      max_attempts: 1,
      next_attempt_at: v.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Make a pending delivery due now (it keeps its tries left). */
export async function makeDeliveryDue(trx: DbOrTx, id: string, v: { now: Date; by: string }): Promise<void> {
  await trx
    .updateTable('sys_webhook_deliveries')
    .set({ next_attempt_at: v.now, redelivered_at: v.now, redelivered_by: v.by, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

/** Send a settled delivery (succeeded, failed, dead) once more, with the same webhook-id: one more try. */
export async function reopenDelivery(trx: DbOrTx, id: string, v: { now: Date; by: string }): Promise<void> {
  await trx
    .updateTable('sys_webhook_deliveries')
    .set({
      status: 'pending',
      max_attempts: sql`attempts + 1`,
      next_attempt_at: v.now,
      redelivered_at: v.now,
      redelivered_by: v.by,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .execute();
}
