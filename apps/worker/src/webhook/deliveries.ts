/**
 * SQL of sending webhook deliveries (the table is described in db/migrations/…_create_webhooks.sql):
 * claiming due rows and recording each try. Times come from the caller's clock (`now`), never from the
 * database's, so the retry schedule can be tested with a clock that jumps hours ahead.
 */
import type { Database } from '@app/db';
import { WEBHOOK_TEST_EVENT, webhookRetryDelay } from '@app/domain';
import { appendOutbox } from '@app/jobs';
import { sql } from 'kysely';

export type ClaimedDelivery = {
  id: string;
  webhook_id: string;
  message_id: string;
  kind: 'event' | 'test';
  event_id: string;
  event_type: string;
  body: string;
  /** This try's number (the claim counted it). */
  attempts: number;
  max_attempts: number;
  url: string;
  auth_mode: 'hmac_sha256' | 'bearer' | 'ip_only';
  secret_enc: string | null;
  previous_secret_enc: string | null;
  previous_secret_expires_at: Date | null;
  bearer_token: string | null;
};

/**
 * Claim due deliveries: for each subscription that is enabled (or, for test events, any), its most overdue
 * rows up to its free share (`perSubscription` minus what this process already sends to it), most overdue
 * first across subscriptions, at most `limit` in all. `FOR UPDATE SKIP LOCKED`: workers never claim the same
 * row; the try is counted and the row leased until `now + leaseMs` — if this process dies, it comes due again
 * then (and is sent again with the same webhook-id). Due means due by `now` or by the database's clock, whichever
 * is later: new deliveries are stamped with the database's now(), and a worker clock a little behind it (or
 * JavaScript's millisecond precision against PostgreSQL's microseconds) must not hold them back.
 */
export async function claimDueDeliveries(
  db: Database,
  o: { now: Date; leaseMs: number; perSubscription: number; limit: number; inFlight: ReadonlyMap<string, number> },
): Promise<ClaimedDelivery[]> {
  if (o.limit <= 0) return [];
  const leaseEnd = new Date(o.now.getTime() + o.leaseMs);
  const busyIds = [...o.inFlight.keys()];
  const busyCounts = busyIds.map((id) => o.inFlight.get(id) ?? 0);
  const r = await sql<ClaimedDelivery>`
    WITH busy AS (SELECT * FROM unnest(${busyIds}::uuid[], ${busyCounts}::int[]) AS b(webhook_id, n)),
    c AS (
      SELECT d.id, d.next_attempt_at
        FROM sys_webhooks w
        LEFT JOIN busy ON busy.webhook_id = w.id
       CROSS JOIN LATERAL (
         SELECT d.id, d.next_attempt_at
           FROM sys_webhook_deliveries d
          WHERE d.webhook_id = w.id AND d.status = 'pending' AND d.next_attempt_at <= greatest(${o.now}::timestamptz, now())
            AND (w.status = 'enabled' OR d.kind = 'test')
          ORDER BY d.next_attempt_at, d.id
          LIMIT greatest(0, ${o.perSubscription}::int - coalesce(busy.n, 0))
            FOR UPDATE SKIP LOCKED
       ) d
       ORDER BY d.next_attempt_at, d.id
       LIMIT ${o.limit}
    )
    UPDATE sys_webhook_deliveries d
       SET attempts = d.attempts + 1, next_attempt_at = ${leaseEnd}, claimed_until = ${leaseEnd},
           last_attempt_at = ${o.now}, updated_at = now()
      FROM c, sys_webhooks w
     WHERE d.id = c.id AND w.id = d.webhook_id
    RETURNING d.id, d.webhook_id, d.message_id, d.kind, d.event_id, d.event_type, d.body, d.attempts, d.max_attempts,
              w.url, w.auth_mode, w.secret_enc, w.previous_secret_enc, w.previous_secret_expires_at, w.bearer_token`.execute(db);
  return r.rows;
}

export type AttemptOutcome = 'succeeded' | 'http_error' | 'gone' | 'timeout' | 'network_error' | 'refused' | 'aborted' | 'error';

export type Attempt = {
  startedAt: Date;
  durationMs: number;
  outcome: AttemptOutcome;
  statusCode: number | null;
  error: string | null;
  excerpt: string | null;
  address: string | null;
  /** The receiver's Retry-After, in ms. */
  retryAfterMs: number | null;
};

export type Recorded =
  | { settled: 'succeeded' }
  | { settled: 'retry'; nextAttemptAt: Date }
  | { settled: 'dead'; announced: boolean }
  | { settled: 'failed' }
  /** The row is no longer this try's (deleted with its subscription, or re-claimed after the lease ran out). */
  | { settled: 'lost' };

const attemptRow = (deliveryId: string, attempt: number, a: Attempt, next: Date | null) => ({
  delivery_id: deliveryId,
  attempt,
  started_at: a.startedAt,
  duration_ms: Math.max(0, Math.round(a.durationMs)),
  outcome: a.outcome,
  status_code: a.statusCode,
  error: a.error,
  response_excerpt: a.excerpt,
  address: a.address,
  next_attempt_at: next,
});

/**
 * 2xx answers: each delivery succeeded and its try is logged — for a whole batch of deliveries in one
 * statement (the common case stays cheap). Returns the ids that were still this try's to settle.
 */
export async function recordSuccesses(
  db: Database,
  items: readonly { d: ClaimedDelivery; a: Attempt; at: Date }[],
): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  const r = await sql<{ id: string }>`
    WITH v AS (
      SELECT * FROM unnest(${items.map((x) => x.d.id)}::bigint[], ${items.map((x) => x.d.attempts)}::int[],
                           ${items.map((x) => x.a.startedAt)}::timestamptz[], ${items.map((x) => Math.max(0, Math.round(x.a.durationMs)))}::int[],
                           ${items.map((x) => x.a.statusCode)}::int[], ${items.map((x) => x.a.excerpt)}::text[],
                           ${items.map((x) => x.a.address)}::text[], ${items.map((x) => x.at)}::timestamptz[])
               AS v(id, attempt, started_at, duration_ms, status_code, excerpt, address, done_at)
    ), u AS (
      UPDATE sys_webhook_deliveries d
         SET status = 'succeeded', succeeded_at = v.done_at, next_attempt_at = NULL, claimed_until = NULL,
             last_status_code = v.status_code, last_error = NULL, last_duration_ms = v.duration_ms, updated_at = now()
        FROM v
       WHERE d.id = v.id AND d.status = 'pending' AND d.attempts = v.attempt
      RETURNING d.id
    ), log AS (
      INSERT INTO sys_webhook_delivery_attempts
             (delivery_id, attempt, started_at, duration_ms, outcome, status_code, error, response_excerpt, address, next_attempt_at)
      SELECT v.id, v.attempt, v.started_at, v.duration_ms, 'succeeded', v.status_code, NULL, v.excerpt, v.address, NULL
        FROM v
       WHERE EXISTS (SELECT 1 FROM sys_webhook_deliveries x WHERE x.id = v.id)
      ON CONFLICT (delivery_id, attempt) DO NOTHING
    )
    SELECT id::text AS id FROM u`.execute(db);
  return new Set(r.rows.map((x) => x.id));
}

/**
 * A failed try: log it, and either schedule the next one (webhookRetryDelay: 1 min … 24 h, never before the
 * receiver's Retry-After) or settle the delivery — `failed` for a single-shot try (a test event, or a
 * redelivery of one that had succeeded), else `dead`, with one WebhookDead event the first time it dies
 * (not for a WebhookDead delivery: no chain of them). A 410 Gone disables the subscription. One transaction.
 */
export async function recordFailure(
  db: Database,
  d: ClaimedDelivery,
  a: Attempt,
  now: Date,
  target: string,
): Promise<Recorded & { disabled?: boolean }> {
  return db.transaction().execute(async (trx) => {
    // The subscription first, then the delivery: the order the API locks them in (no deadlock with a redelivery).
    let disabled = false;
    if (a.outcome === 'gone') {
      const r = await trx
        .updateTable('sys_webhooks')
        .set({
          status: 'disabled',
          disabled_reason: 'gone',
          disabled_note: `${target} answered 410 Gone`,
          disabled_at: now,
          disabled_by: 'worker',
          updated_at: sql`now()`,
        })
        .where('id', '=', d.webhook_id)
        .where('status', '=', 'enabled')
        .executeTakeFirst();
      disabled = r.numUpdatedRows > 0n;
    }
    const cur = await trx
      .selectFrom('sys_webhook_deliveries')
      .select(['status', 'attempts', 'max_attempts', 'kind', 'succeeded_at', 'dead_at', 'event_type'])
      .where('id', '=', d.id)
      .forUpdate()
      .executeTakeFirst();
    if (!cur) return { settled: 'lost' as const, disabled };
    const ours = cur.status === 'pending' && cur.attempts === d.attempts;
    // A try this worker cut short itself (it is stopping) says nothing about the receiver: due again at once.
    const delay =
      a.outcome === 'aborted' && d.attempts < cur.max_attempts
        ? 0
        : webhookRetryDelay(d.attempts, a.retryAfterMs, cur.max_attempts);
    const next = ours && delay !== null ? new Date(now.getTime() + delay) : null;
    await trx
      .insertInto('sys_webhook_delivery_attempts')
      .values(attemptRow(d.id, d.attempts, a, next))
      .onConflict((oc) => oc.columns(['delivery_id', 'attempt']).doNothing())
      .execute();
    if (!ours) return { settled: 'lost' as const, disabled };

    const last = {
      claimed_until: null,
      last_status_code: a.statusCode,
      last_error: a.error,
      last_duration_ms: Math.round(a.durationMs),
      updated_at: sql<Date>`now()`,
    };
    if (next) {
      await trx
        .updateTable('sys_webhook_deliveries')
        .set({ ...last, next_attempt_at: next })
        .where('id', '=', d.id)
        .execute();
      return { settled: 'retry' as const, nextAttemptAt: next, disabled };
    }
    if (cur.kind === 'test' || cur.succeeded_at !== null) {
      await trx
        .updateTable('sys_webhook_deliveries')
        .set({ ...last, status: 'failed', next_attempt_at: null })
        .where('id', '=', d.id)
        .execute();
      return { settled: 'failed' as const, disabled };
    }
    await trx
      .updateTable('sys_webhook_deliveries')
      .set({ ...last, status: 'dead', next_attempt_at: null, dead_at: cur.dead_at ?? now })
      .where('id', '=', d.id)
      .execute();
    const announce = cur.dead_at === null && cur.event_type !== 'WebhookDead' && cur.event_type !== WEBHOOK_TEST_EVENT;
    if (announce) {
      const first = await trx
        .selectFrom('sys_webhook_delivery_attempts')
        .select((eb) => eb.fn.min('started_at').as('first'))
        .where('delivery_id', '=', d.id)
        .executeTakeFirst();
      const firstAt = first?.first ? new Date(first.first as Date) : null;
      await appendOutbox(
        trx,
        'WebhookDead',
        {
          webhookId: d.webhook_id,
          deliveryId: d.id,
          webhookMessageId: d.message_id,
          eventId: d.event_id,
          eventType: d.event_type,
          target,
          attempts: d.attempts,
          lastStatusCode: a.statusCode,
          lastError: a.error,
          firstAttemptAt: firstAt ? firstAt.toISOString() : null,
          deadAt: now.toISOString(),
        },
        { aggregateType: 'webhook', aggregateId: d.webhook_id },
      );
    }
    return { settled: 'dead' as const, announced: announce, disabled };
  });
}
