/**
 * SQL of the dashboard summary (GET /api/v1/dashboard/summary). Every statement is bounded by what is
 * happening now, never by history: today's invoices read one day of one monthly partition; Turnkey
 * messages are read through partial indexes that hold only the open ones (pending, delivered, rejected,
 * invalid, dead) and the ones accepted (by result time); the outbox through its pending index. Their SQL
 * and plans over 1,000,000 invoices and messages: db/queries/dashboard.*.sql and *.explain.txt.
 */
import type { DbOrTx } from '@app/db';
import { sql } from 'kysely';
import type { scopeWhere } from '../../lib/scope-filter.ts';

type ScopeFilter = ReturnType<typeof scopeWhere>;

/** Invoices dated `day` (YYYY-MM-DD, Asia/Taipei) by their current status; one partition, one day. */
export async function countInvoicesOfDay(db: DbOrTx, scope: ScopeFilter, day: string) {
  return db
    .selectFrom('invoices as i')
    .select([
      sql<number>`count(*) FILTER (WHERE i.status = 'issued')::int`.as('issued'),
      sql<number>`count(*) FILTER (WHERE i.status = 'cancelled')::int`.as('cancelled'),
      sql<number>`count(*) FILTER (WHERE i.status = 'voided')::int`.as('voided'),
    ])
    .where('i.invoice_date', '=', sql<Date>`${day}::date`)
    .where(scope)
    .executeTakeFirstOrThrow();
}

/**
 * The Turnkey messages not (yet) accepted, by status: how many, how many at risk, the oldest. Written as
 * three ORed conditions, one per partial index — pending: turnkey_messages_due_idx; delivered:
 * turnkey_messages_delivered_identifier_idx; rejected, invalid, dead: turnkey_messages_attention_idx — so
 * the planner combines them (BitmapOr) and reads only open messages; `status IN (all five)` matches none of
 * them and scans the whole table (every message ever queued).
 */
export async function countOpenTurnkeyMessages(db: DbOrTx, scope: ScopeFilter) {
  return db
    .selectFrom('turnkey_messages as m')
    .select([
      'm.status',
      sql<number>`count(*)::int`.as('count'),
      sql<number>`count(*) FILTER (WHERE m.at_risk_at IS NOT NULL)::int`.as('at_risk'),
      sql<Date | null>`min(m.created_at)`.as('oldest_created_at'),
    ])
    .where((eb) =>
      eb.or([
        eb('m.status', '=', 'pending'),
        eb('m.status', '=', 'delivered'),
        eb('m.status', 'in', ['rejected', 'invalid', 'dead']),
      ]),
    )
    .where(scope)
    .groupBy('m.status')
    .orderBy('m.status')
    .execute();
}

/**
 * Turnkey messages accepted at or after `since` (the start of today): an index-only scan of today's part of
 * turnkey_messages_accepted_idx (result_at, seller_id) WHERE status = 'accepted'.
 */
export async function countAcceptedTurnkeyMessages(db: DbOrTx, scope: ScopeFilter, since: Date) {
  const r = await db
    .selectFrom('turnkey_messages as m')
    .select(sql<number>`count(*)::int`.as('count'))
    .where('m.status', '=', 'accepted')
    .where('m.result_at', '>=', since)
    .where(scope)
    .executeTakeFirstOrThrow();
  return r.count;
}

/** Outbox events not yet moved to the queue, and when the oldest of them happened. */
export async function outboxBacklog(db: DbOrTx) {
  return db
    .selectFrom('sys_outbox as o')
    .select([
      sql<number>`count(*)::int`.as('count'),
      sql<Date | null>`(SELECT p.occurred_at FROM sys_outbox p WHERE p.dispatched_at IS NULL ORDER BY p.id LIMIT 1)`.as(
        'oldest_occurred_at',
      ),
    ])
    .where('o.dispatched_at', 'is', null)
    .executeTakeFirstOrThrow();
}

/** Jobs that failed for good and were not retried. */
export async function countOpenDeadLetters(db: DbOrTx): Promise<number> {
  const r = await db
    .selectFrom('sys_dead_letters')
    .select(sql<number>`count(*)::int`.as('count'))
    .where('retried_at', 'is', null)
    .executeTakeFirstOrThrow();
  return r.count;
}

/**
 * Each seller's numbers of the period per invoice type: the ranges' size, the numbers taken (issued or
 * reserved offline) and what is left to issue (not yet given to a block, plus what the active blocks hold).
 */
export async function sellerNumbers(db: DbOrTx, tenantId: string, scope: ScopeFilter, yearMonth: string) {
  return db
    .selectFrom('tracks as t')
    .innerJoin('sellers as s', 's.id', 't.seller_id')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('track_blocks as b')
          .select([
            sql<number>`sum(b.end_no - b.begin_no + 1)`.as('allocated'),
            sql<number>`sum(b.next_no - b.begin_no)`.as('taken'),
            sql<number>`sum(b.end_no - b.next_no + 1) FILTER (WHERE b.status = 'active')`.as('left_in_blocks'),
          ])
          .whereRef('b.track_id', '=', 't.id')
          .as('b'),
      (j) => j.onTrue(),
    )
    .select([
      't.seller_id',
      's.ban',
      's.name',
      't.invoice_type',
      sql<number>`sum(t.end_no - t.begin_no + 1)::int`.as('total'),
      sql<number>`coalesce(sum(b.taken), 0)::int`.as('taken'),
      sql<number>`(sum(t.end_no - t.begin_no + 1) - coalesce(sum(b.allocated), 0) + coalesce(sum(b.left_in_blocks), 0))::int`.as(
        'remaining',
      ),
    ])
    .where('s.tenant_id', '=', tenantId)
    .where('t.year_month', '=', yearMonth)
    .where(scope)
    .groupBy(['t.seller_id', 's.ban', 's.name', 't.invoice_type'])
    .orderBy('s.ban')
    .orderBy('t.invoice_type')
    .execute();
}

/** Each site's numbers left in its active blocks of the period per invoice type (what TrackLow watches). */
export async function siteNumbers(db: DbOrTx, tenantId: string, scope: ScopeFilter, yearMonth: string) {
  return db
    .selectFrom('track_blocks as b')
    .innerJoin('tracks as t', 't.id', 'b.track_id')
    .innerJoin('sites as st', 'st.id', 'b.site_id')
    .innerJoin('sellers as s', 's.id', 't.seller_id')
    .select([
      'b.site_id',
      'st.code',
      'st.name',
      't.seller_id',
      's.ban as seller_ban',
      't.invoice_type',
      sql<number>`coalesce(sum(b.end_no - b.next_no + 1) FILTER (WHERE b.status = 'active'), 0)::int`.as('remaining'),
    ])
    .where('s.tenant_id', '=', tenantId)
    .where('t.year_month', '=', yearMonth)
    .where(scope)
    .groupBy(['b.site_id', 'st.code', 'st.name', 't.seller_id', 's.ban', 't.invoice_type'])
    .orderBy('s.ban')
    .orderBy('st.code')
    .orderBy('t.invoice_type')
    .execute();
}
