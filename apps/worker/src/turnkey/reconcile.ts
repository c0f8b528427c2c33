/**
 * The daily reconciliation (issue 4, item 7; docs/turnkey.md §7): for one Asia/Taipei day, our hand-offs per
 * message type against the platform's SummaryResult (stored by the unpack job), compared by the domain's
 * `reconcileTurnkeyDay`. The result replaces the day's rows of turnkey_reconciliations (re-running is safe);
 * when the day has differences and they are new or changed, one TurnkeyReconciliationDiffers event goes to
 * the outbox in the same transaction.
 */
import type { Database } from '@app/db';
import {
  type ReconcileMessage,
  type ReconcileSummaryPack,
  type ReconciliationDifference,
  reconcileTurnkeyDay,
  shiftDay,
  summaryIdentifier,
  type TypeReconciliation,
  taipeiDayBounds,
  taipeiIsoDate,
} from '@app/domain';
import { appendOutbox, type EventPayload } from '@app/jobs';
import { sql } from 'kysely';

type Invoice = { referenceNumber: string; invoiceDate: string };

/** The stored summary packs of `day` and its two neighbours. */
async function loadPacks(db: Database, day: string): Promise<ReconcileSummaryPack[]> {
  const rows = await db
    .selectFrom('turnkey_summary_results')
    .select([
      sql<string>`day::text`.as('day'),
      'message_type',
      'party_id',
      'pack_id',
      'pack_at',
      'total_count',
      'good_count',
      'failed_count',
      'listed',
      'good',
      'failed',
    ])
    .where(sql<boolean>`day BETWEEN ${shiftDay(day, -1)}::date AND ${shiftDay(day, 1)}::date`)
    .orderBy('pack_at')
    .orderBy('pack_id')
    .execute();
  return rows.map((r) => ({
    day: r.day,
    messageType: r.message_type,
    partyId: r.party_id,
    packId: r.pack_id,
    packAt: r.pack_at,
    total: r.total_count,
    good: r.good_count,
    failed: r.failed_count,
    listed: r.listed,
    goodIdentifiers: (r.good as Invoice[]).map((i) => summaryIdentifier(r.message_type, i)),
    failedIdentifiers: (r.failed as Invoice[]).map((i) => summaryIdentifier(r.message_type, i)),
  }));
}

/**
 * Our messages handed off on the day, and every message (whenever handed off) with an identifier the day's
 * summary names. One scan of turnkey_messages (no index on delivered_at: once a day is cheap enough).
 */
async function loadMessages(db: Database, day: string, identifiers: string[]): Promise<ReconcileMessage[]> {
  const { start, end } = taipeiDayBounds(day);
  const rows = await db
    .selectFrom('turnkey_messages')
    .select(['id', 'message_type', 'identifier', 'seller_id', 'status', 'result_code', 'delivered_at'])
    .where((eb) =>
      eb.or([
        eb.and([eb('delivered_at', '>=', start), eb('delivered_at', '<', end)]),
        sql<boolean>`identifier = ANY(${identifiers}::text[])`,
      ]),
    )
    .execute();
  return rows.map((r) => ({
    id: r.id,
    messageType: r.message_type,
    identifier: r.identifier,
    sellerId: r.seller_id,
    status: r.status,
    resultCode: r.result_code,
    deliveredAt: r.delivered_at,
  }));
}

/** A stable text of a day's differences, to tell whether a re-run found anything new. */
function fingerprint(byType: { messageType: string; differences: readonly ReconciliationDifference[] }[]): string {
  return JSON.stringify(
    [...byType]
      .filter((t) => t.differences.length > 0)
      .sort((a, b) => a.messageType.localeCompare(b.messageType))
      .map((t) => [
        t.messageType,
        t.differences.map((d) => [
          d.kind,
          d.identifier,
          d.messageId,
          d.sellerId,
          d.partyId,
          d.ourStatus,
          d.theirVerdict,
          d.detail,
        ]),
      ]),
  );
}

export type ReconcileRun = { day: string; types: TypeReconciliation[]; differences: number; eventEmitted: boolean };

export async function reconcileDay(deps: { db: Database }, day: string): Promise<ReconcileRun> {
  const { db } = deps;
  const packs = await loadPacks(db, day);
  const named = [...new Set(packs.filter((p) => p.day === day).flatMap((p) => [...p.goodIdentifiers, ...p.failedIdentifiers]))];
  const messages = await loadMessages(db, day, named);
  const parties = [...new Set(packs.map((p) => p.partyId))];
  const sellers = parties.length
    ? await db.selectFrom('sellers').select(['id', 'ban']).where('ban', 'in', parties).execute()
    : [];
  const types = reconcileTurnkeyDay({ day, messages, packs, sellerOfParty: new Map(sellers.map((s) => [s.ban, s.id])) });
  const differences = types.reduce((n, t) => n + t.differences.length, 0);

  const eventEmitted = await db.transaction().execute(async (trx) => {
    // One run per day at a time: the rows and the event decision are the run's.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`turnkey.reconcile:${day}`}))`.execute(trx);
    const before = await trx
      .selectFrom('turnkey_reconciliations')
      .select(['message_type', 'differences'])
      .where(sql<boolean>`day = ${day}::date`)
      .execute();
    await trx
      .deleteFrom('turnkey_reconciliations')
      .where(sql<boolean>`day = ${day}::date`)
      .where(
        'message_type',
        'not in',
        types.length ? types.map((t) => t.messageType) : [''], // none left: delete them all
      )
      .execute();
    for (const t of types) {
      const row = {
        day,
        message_type: t.messageType,
        summary_received: t.summaryReceived,
        our_handed_off: t.ours.handedOff,
        our_accepted: t.ours.accepted,
        our_rejected: t.ours.rejected,
        our_waiting: t.ours.waiting,
        our_rejected_before_upload: t.ours.rejectedBeforeUpload,
        their_total: t.theirs?.total ?? null,
        their_good: t.theirs?.good ?? null,
        their_failed: t.theirs?.failed ?? null,
        differences: JSON.stringify(t.differences),
        difference_count: t.differences.length,
      };
      await trx
        .insertInto('turnkey_reconciliations')
        .values(row)
        .onConflict((c) =>
          c.columns(['day', 'message_type']).doUpdateSet({
            ...row,
            reconciled_at: sql`now()`,
          }),
        )
        .execute();
    }
    const previous = fingerprint(
      before.map((b) => ({ messageType: b.message_type, differences: b.differences as ReconciliationDifference[] })),
    );
    if (differences === 0 || fingerprint(types) === previous) return false;
    const payload: EventPayload<'TurnkeyReconciliationDiffers'> = {
      day,
      summaryReceived: types.some((t) => t.summaryReceived),
      differences,
      byMessageType: types
        .filter((t) => t.differences.length > 0)
        .map((t) => ({
          messageType: t.messageType,
          differences: t.differences.length,
          kinds: t.differences.reduce<Record<string, number>>((k, d) => {
            k[d.kind] = (k[d.kind] ?? 0) + 1;
            return k;
          }, {}),
        })),
    };
    await appendOutbox(trx, 'TurnkeyReconciliationDiffers', payload, {
      aggregateType: 'turnkey_reconciliation',
      aggregateId: day,
    });
    return true;
  });
  return { day, types, differences, eventEmitted };
}

/** The days a run without a day reconciles: yesterday and the day before (Asia/Taipei). */
export function defaultReconcileDays(now: Date): string[] {
  const today = taipeiIsoDate(now);
  return [shiftDay(today, -1), shiftDay(today, -2)];
}
