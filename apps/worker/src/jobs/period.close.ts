import { type Database, type Tx, unissuedReservedRuns } from '@app/db';
import { e0402Deadline, isYearMonth, parseYearMonth, rangeBlanks, turnkeyIdentifier } from '@app/domain';
import { appendOutbox, type JobHandler, type JobLog } from '@app/jobs';
import { UnrecoverableError } from 'bullmq';
import { sql } from 'kysely';

/**
 * Period end (einvoice-domain.md §3.2): for every period that has ended, per seller, in one transaction:
 * close the period's active blocks (no number of them is taken any more — the take needs `status =
 * 'active'`, and the block's row lock orders the close after any issue in flight), compute each range's
 * blank numbers with the domain's `rangeBlanks` (the same computation as GET /api/v1/tracks/blanks) and
 * store them in `period_blanks` for E0402, and, the first time, record the close in `period_closes` and
 * write one PeriodClosed event. Idempotent: a re-run finds nothing to do and changes nothing. Safe to run
 * concurrently: an advisory lock per (seller, period) serialises runs, and the keys hold the rest.
 */

/** Advisory-lock class of period.close (the second key is the hash of seller and period). */
const PERIOD_CLOSE_LOCK = 40_402;

export type PeriodCloseResult = {
  sellerId: string;
  sellerBan: string;
  yearMonth: string;
  /** Blocks this run closed. */
  blocksClosed: number;
  /** Blank runs and numbers of the seller's ranges of the period, as stored. */
  blankSpans: number;
  blankNumbers: number;
  /** period_blanks rows this run inserted, updated or deleted (0 on a re-run). */
  blanksChanged: number;
  /** This run closed the period for the seller first (and wrote PeriodClosed). */
  firstClose: boolean;
};

/**
 * The (seller, period) pairs that may need work: never closed, or with an active block, or with a range
 * or block created after the last close (an allocation into an ended period). Oldest period first.
 */
async function pendingClosures(db: Database, period: string | undefined) {
  let q = db
    .selectFrom('tracks as t')
    .innerJoin('sellers as s', 's.id', 't.seller_id')
    .leftJoin('period_closes as pc', (j) =>
      j.onRef('pc.seller_id', '=', 't.seller_id').onRef('pc.year_month', '=', 't.year_month'),
    )
    .select(['t.seller_id', 's.ban', 't.year_month'])
    .distinct()
    .where((eb) =>
      eb.or([
        eb('pc.seller_id', 'is', null),
        eb('t.created_at', '>', eb.ref('pc.updated_at')),
        eb.exists(
          eb
            .selectFrom('track_blocks as b')
            .select('b.id')
            .whereRef('b.track_id', '=', 't.id')
            .where((w) => w.or([w('b.status', '=', 'active'), w('b.created_at', '>', w.ref('pc.updated_at'))])),
        ),
      ]),
    )
    .orderBy('t.year_month')
    .orderBy('t.seller_id');
  if (period) q = q.where('t.year_month', '=', period);
  return q.execute();
}

/** Close one seller's period and store its blanks (see the top of this file). */
async function closeSellerPeriod(trx: Tx, seller: { id: string; ban: string }, yearMonth: string): Promise<PeriodCloseResult> {
  await sql`SELECT pg_advisory_xact_lock(${PERIOD_CLOSE_LOCK}, hashtext(${`${seller.id}:${yearMonth}`}))`.execute(trx);
  // Waits for issues in flight on these blocks (their row locks); next_no is final once this returns.
  const closed = await trx
    .updateTable('track_blocks as b')
    .from('tracks as t')
    .set({ status: 'closed', updated_at: sql`now()` })
    .whereRef('t.id', '=', 'b.track_id')
    .where('t.seller_id', '=', seller.id)
    .where('t.year_month', '=', yearMonth)
    .where('b.status', '=', 'active')
    .returning('b.id')
    .execute();

  const ranges = await trx
    .selectFrom('tracks')
    .select(['id', 'invoice_type', 'track', 'begin_no', 'end_no'])
    .where('seller_id', '=', seller.id)
    .where('year_month', '=', yearMonth)
    .orderBy('track')
    .orderBy('begin_no')
    .execute();
  const trackIds = ranges.map((r) => r.id);
  const blocks = await trx
    .selectFrom('track_blocks as b')
    .innerJoin('sites as st', 'st.id', 'b.site_id')
    .select(['b.id', 'b.track_id', 'b.site_id', 'b.begin_no', 'b.end_no', 'b.next_no', 'st.branch_ban'])
    .where('b.track_id', 'in', trackIds)
    .execute();
  const siteOf = new Map(blocks.map((b) => [b.id, b.site_id]));
  // Reserved for offline use and never submitted: blank like any unused number (below the block's next_no).
  const holes = await unissuedReservedRuns(trx, trackIds);
  const rows = rangeBlanks(
    ranges.map((r) => ({ id: r.id, begin: r.begin_no, end: r.end_no, ban: seller.ban, row: r })),
    blocks.map((b) => ({
      id: b.id,
      rangeId: b.track_id,
      begin: b.begin_no,
      end: b.end_no,
      nextNo: b.next_no,
      ban: b.branch_ban ?? seller.ban,
      holes: holes.get(b.id) ?? [],
    })),
  ).flatMap(({ range: { row: r }, spans }) =>
    spans.map((x) => ({
      track_id: r.id,
      begin_no: x.begin,
      end_no: x.end,
      block_id: x.blockId,
      site_id: x.blockId ? (siteOf.get(x.blockId) ?? null) : null,
      seller_id: seller.id,
      year_month: yearMonth,
      invoice_type: r.invoice_type,
      track: r.track,
      head_ban: seller.ban,
      branch_ban: x.ban,
    })),
  );

  // Runs that are no longer runs (an allocation after an earlier close split one) go; the others are
  // inserted, or updated only where they differ.
  const deleted = await trx
    .deleteFrom('period_blanks')
    .where('track_id', 'in', trackIds)
    .$if(rows.length > 0, (q) =>
      q.where((eb) =>
        eb(
          eb.refTuple('track_id', 'begin_no'),
          'not in',
          rows.map((r) => eb.tuple(r.track_id, r.begin_no)),
        ),
      ),
    )
    .executeTakeFirst();
  const upserted =
    rows.length === 0
      ? []
      : await trx
          .insertInto('period_blanks')
          .values(rows)
          .onConflict((oc) =>
            oc
              .columns(['track_id', 'begin_no'])
              .doUpdateSet((eb) => ({
                end_no: eb.ref('excluded.end_no'),
                block_id: eb.ref('excluded.block_id'),
                site_id: eb.ref('excluded.site_id'),
                head_ban: eb.ref('excluded.head_ban'),
                branch_ban: eb.ref('excluded.branch_ban'),
                computed_at: sql`now()`,
              }))
              .where(
                sql<boolean>`(period_blanks.end_no, period_blanks.block_id, period_blanks.site_id, period_blanks.head_ban, period_blanks.branch_ban)
                  IS DISTINCT FROM (excluded.end_no, excluded.block_id, excluded.site_id, excluded.head_ban, excluded.branch_ban)`,
              ),
          )
          .returning('track_id')
          .execute();
  const blanksChanged = Number(deleted.numDeletedRows) + upserted.length;
  const blankNumbers = rows.reduce((n, r) => n + r.end_no - r.begin_no + 1, 0);

  // One E0402 message per branch BAN, track and invoice type of the blanks (built from period_blanks when it
  // is handed off), queued once: a re-run finds them queued. The identifier names the group (turnkeyIdentifier);
  // the hand-off's renderer finds the group by the same function.
  const e0402 = [
    ...new Set(
      rows.map((r) =>
        turnkeyIdentifier({ type: 'E0402', branchBan: r.branch_ban, track: r.track, invoiceType: r.invoice_type, yearMonth }),
      ),
    ),
  ];
  if (e0402.length > 0) {
    await trx
      .insertInto('turnkey_messages')
      .values(
        e0402.map((identifier) => ({
          message_type: 'E0402',
          seller_id: seller.id,
          year_month: yearMonth,
          identifier,
          chain: identifier,
        })),
      )
      .onConflict((oc) => oc.columns(['message_type', 'identifier']).where('year_month', 'is not', null).doNothing())
      .execute();
  }

  const first = await trx
    .insertInto('period_closes')
    .values({
      seller_id: seller.id,
      year_month: yearMonth,
      blocks_closed: closed.length,
      blank_spans: rows.length,
      blank_numbers: blankNumbers,
    })
    .onConflict((oc) => oc.columns(['seller_id', 'year_month']).doNothing())
    .returning('seller_id')
    .executeTakeFirst();
  if (first) {
    const period = parseYearMonth(yearMonth);
    await appendOutbox(
      trx,
      'PeriodClosed',
      {
        sellerId: seller.id,
        sellerBan: seller.ban,
        yearMonth,
        blocksClosed: closed.length,
        blankSpans: rows.length,
        blankNumbers,
        e0402Deadline: period ? e0402Deadline(period).toISOString() : '',
      },
      { aggregateType: 'seller', aggregateId: `${seller.id}:${yearMonth}` },
    );
  } else if (closed.length > 0 || blanksChanged > 0) {
    await trx
      .updateTable('period_closes')
      .set((eb) => ({
        blocks_closed: eb('blocks_closed', '+', closed.length),
        blank_spans: rows.length,
        blank_numbers: blankNumbers,
        updated_at: sql`now()`,
      }))
      .where('seller_id', '=', seller.id)
      .where('year_month', '=', yearMonth)
      .execute();
  }
  return {
    sellerId: seller.id,
    sellerBan: seller.ban,
    yearMonth,
    blocksClosed: closed.length,
    blankSpans: rows.length,
    blankNumbers,
    blanksChanged,
    firstClose: first !== undefined,
  };
}

/**
 * Close every period that has ended by `now` (only `period` when given; it must have ended), seller by
 * seller, each in its own transaction. Returns what each (seller, period) needed.
 */
export async function closePeriods(
  db: Database,
  opts: {
    now: Date;
    period?: string;
    /** Without `period`: close a period only this long after its end (offline invoices may still arrive). */
    graceHours?: number;
    signal?: AbortSignal;
    log?: JobLog;
  },
): Promise<PeriodCloseResult[]> {
  if (opts.period !== undefined) {
    const p = isYearMonth(opts.period) ? parseYearMonth(opts.period) : null;
    if (!p) throw new RangeError(`period ${opts.period}: not a YearMonth (ROC year + even month, e.g. 11410)`);
    if (p.end.getTime() > opts.now.getTime()) {
      throw new RangeError(`period ${opts.period} has not ended yet (it ends ${p.end.toISOString()})`);
    }
  }
  const ended = (await pendingClosures(db, opts.period)).filter((x) => {
    const p = isYearMonth(x.year_month) ? parseYearMonth(x.year_month) : null;
    const grace = opts.period === undefined ? (opts.graceHours ?? 0) * 3_600_000 : 0;
    return p !== null && p.end.getTime() + grace <= opts.now.getTime();
  });
  const results: PeriodCloseResult[] = [];
  for (const x of ended) {
    opts.signal?.throwIfAborted();
    const r = await db.transaction().execute((trx) => closeSellerPeriod(trx, { id: x.seller_id, ban: x.ban }, x.year_month));
    if (r.firstClose || r.blocksClosed > 0 || r.blanksChanged > 0) opts.log?.info({ ...r }, 'period closed');
    results.push(r);
  }
  return results;
}

export function createPeriodCloseHandler(deps: {
  db: Database;
  now?: () => Date;
  /** OFFLINE_SUBMIT_GRACE_HOURS: periods are closed this long after their end. */
  offlineGraceHours?: number;
}): JobHandler<'period.close'> {
  return async ({ period }, { signal, log }) => {
    let results: PeriodCloseResult[];
    try {
      results = await closePeriods(deps.db, {
        now: deps.now?.() ?? new Date(),
        period,
        graceHours: deps.offlineGraceHours ?? 0,
        signal,
        log,
      });
    } catch (e) {
      // A period that has not ended (or is no period) will not end by retrying.
      if (e instanceof RangeError) throw new UnrecoverableError(e.message);
      throw e;
    }
    const changed = results.filter((r) => r.firstClose || r.blocksClosed > 0 || r.blanksChanged > 0);
    log.info({ checked: results.length, changed: changed.length }, 'period close finished');
    return changed.length > 0 ? 'done' : 'skipped';
  };
}
