/**
 * Number ranges (from E0501) and their blocks for sites and devices. Allocation runs with the range
 * row locked, so concurrent allocations in one range queue up; the exclusion constraint and the
 * inside-range trigger hold the invariants even if this code had a bug.
 */

import { unissuedReservedRuns } from '@app/db';
import {
  DomainError,
  e0402Deadline,
  findFreeRun,
  formatNo,
  type Interval,
  inside,
  parseYearMonth,
  rangeBlanks,
} from '@app/domain';
import type { AllocateInput, BlockView, TrackView } from '@app/schemas/track';
import type { ModuleDeps } from '../../app.ts';
import type { RequestContext, Tx } from '../../context.ts';
import { callerScope } from '../../lib/scope-filter.ts';
import { findDevice } from '../device/device.repository.ts';
import { findSite } from '../seller/seller.repository.ts';
import {
  type BlockRow,
  blocksWithBans,
  findTrack,
  insertBlock,
  listBlocks,
  listTracks,
  lockTrack,
  type TrackRow,
} from './track.repository.ts';

type Deps = Pick<ModuleDeps, 'db' | 'tenant' | 'now'>;

export const toTrackView = (r: TrackRow): TrackView => {
  const size = r.end_no - r.begin_no + 1;
  return {
    id: r.id,
    sellerId: r.seller_id,
    sellerBan: r.seller_ban,
    invoiceType: r.invoice_type as TrackView['invoiceType'],
    yearMonth: r.year_month,
    track: r.track,
    beginNo: formatNo(r.begin_no),
    endNo: formatNo(r.end_no),
    booklets: r.booklets ?? size / 50,
    importId: r.import_id,
    createdAt: r.created_at.toISOString(),
    allocated: r.allocated,
    unallocated: size - r.allocated,
    size,
    issued: r.issued,
    remaining: size - r.issued,
  };
};

const toBlockView = (r: BlockRow): BlockView => {
  const size = r.end_no - r.begin_no + 1;
  const issued = r.next_no - r.begin_no;
  return {
    id: r.id,
    trackId: r.track_id,
    siteId: r.site_id,
    deviceId: r.device_id,
    beginNo: formatNo(r.begin_no),
    endNo: formatNo(r.end_no),
    nextNo: r.next_no > r.end_no ? null : formatNo(r.next_no),
    status: r.status === 'closed' ? 'closed' : 'active',
    lastIssuedAt: r.last_issued_at ? r.last_issued_at.toISOString() : null,
    createdAt: r.created_at.toISOString(),
    size,
    issued,
    remaining: size - issued,
  };
};

export function createTrackService(deps: Deps) {
  const { db, tenant } = deps;

  async function track(dbOrTx: Tx | Deps['db'], ctx: RequestContext, id: string) {
    const r = await findTrack(dbOrTx, tenant.id, callerScope(ctx), id);
    if (!r) throw new DomainError('NOT_FOUND', `No range with id ${id}.`);
    return r;
  }

  return {
    async list(
      ctx: RequestContext,
      q: { sellerId?: string; yearMonth?: string; invoiceType?: string; cursor?: string; limit: number },
    ) {
      const offset = Number(q.cursor ?? 0);
      const rows = await listTracks(db, tenant.id, callerScope(ctx), {
        ...(q.sellerId ? { sellerId: q.sellerId } : {}),
        ...(q.yearMonth ? { yearMonth: q.yearMonth } : {}),
        ...(q.invoiceType ? { invoiceType: q.invoiceType } : {}),
        page: { offset, limit: q.limit + 1 },
      });
      return {
        items: rows.slice(0, q.limit).map(toTrackView),
        nextCursor: rows.length > q.limit ? String(offset + q.limit) : null,
      };
    },

    async get(ctx: RequestContext, id: string) {
      const row = await findTrack(db, tenant.id, callerScope(ctx), id);
      if (!row) throw new DomainError('NOT_FOUND', `No number range ${id} in your scope.`);
      return toTrackView(row);
    },

    /**
     * The numbers of a period never issued, per range and per BAN they belong to (a block at a branch
     * site with its own BAN reports under that BAN; unallocated numbers under the seller's): what E0402
     * must report once the period has closed. Numbers are issued in order within a block, so a block's
     * blanks run from its next number to its end.
     */
    async blanks(ctx: RequestContext, yearMonth: string) {
      const period = parseYearMonth(yearMonth);
      if (!period)
        throw new DomainError('VALIDATION_ERROR', 'Bad period.', [
          { field: 'querystring.yearMonth', message: 'ROC year + even month' },
        ]);
      const ranges = await listTracks(db, tenant.id, callerScope(ctx), { yearMonth });
      const blocks = await blocksWithBans(
        db,
        ranges.map((r) => r.id),
      );
      const holes = await unissuedReservedRuns(
        db,
        ranges.map((r) => r.id),
      );
      const now = deps.now();
      const items = rangeBlanks(
        ranges.map((r) => ({ id: r.id, begin: r.begin_no, end: r.end_no, ban: r.seller_ban, row: r })),
        blocks.map((b) => ({
          id: b.id,
          rangeId: b.track_id,
          begin: b.begin_no,
          end: b.end_no,
          nextNo: b.next_no,
          ban: b.ban,
          holes: holes.get(b.id) ?? [],
        })),
      ).map(({ range: { row: r }, spans }) => ({
        trackId: r.id,
        sellerBan: r.seller_ban,
        invoiceType: r.invoice_type,
        yearMonth: r.year_month,
        track: r.track,
        blanks: spans.map((x) => ({ ban: x.ban, beginNo: formatNo(x.begin), endNo: formatNo(x.end), count: x.count })),
      }));
      return {
        yearMonth,
        periodStart: period.start.toISOString(),
        periodEnd: period.end.toISOString(),
        periodClosed: now.getTime() >= period.end.getTime(),
        e0402Deadline: e0402Deadline(period).toISOString(),
        items,
      };
    },

    async blocks(ctx: RequestContext, trackId: string) {
      await track(db, ctx, trackId);
      return { items: (await listBlocks(db, trackId)).map(toBlockView) };
    },

    async allocate(trx: Tx, ctx: RequestContext, trackId: string, input: AllocateInput): Promise<BlockView> {
      const t = await track(trx, ctx, trackId);
      await lockTrack(trx, trackId);
      const scope = callerScope(ctx);
      const site = await findSite(trx, tenant.id, scope, input.siteId);
      if (!site || site.seller_id !== t.seller_id) {
        throw new DomainError('VALIDATION_ERROR', 'The site is not a site of this range’s seller (or not in your scope).', [
          { field: 'body.siteId', message: 'not a site of the seller' },
        ]);
      }
      if (input.deviceId) {
        const d = await findDevice(trx, tenant.id, scope, input.deviceId);
        if (!d || d.site_id !== site.id || d.revoked_at) {
          throw new DomainError('VALIDATION_ERROR', 'The device is not an active device of that site.', [
            { field: 'body.deviceId', message: 'not an active device of the site' },
          ]);
        }
      }
      const size = input.booklets * 50;
      const range: Interval = { begin: t.begin_no, end: t.end_no };
      let block: Interval;
      if (input.beginNo !== undefined) {
        block = { begin: Number(input.beginNo), end: Number(input.beginNo) + size - 1 };
        if (!inside(block, range)) {
          throw new DomainError(
            'BLOCK_OUTSIDE_RANGE',
            `Block ${formatNo(block.begin)}-${formatNo(block.end)} is not inside the range ${formatNo(range.begin)}-${formatNo(range.end)}.`,
            { field: 'body.beginNo' },
          );
        }
      } else {
        const taken = (await listBlocks(trx, trackId)).map((b) => ({ begin: b.begin_no, end: b.end_no }));
        const free = findFreeRun(range, taken, size);
        if (!free) {
          throw new DomainError('NO_FREE_NUMBERS', `The range has no free run of ${input.booklets} booklet(s).`, {
            field: 'body.booklets',
          });
        }
        block = free;
      }
      const p = ctx.principal;
      const id = await insertBlock(trx, {
        track_id: trackId,
        site_id: site.id,
        device_id: input.deviceId ?? null,
        begin_no: block.begin,
        end_no: block.end,
        created_by: p ? `${p.kind}:${p.id}` : null,
      });
      const view = toBlockView((await listBlocks(trx, trackId)).find((b) => b.id === id) as BlockRow);
      ctx.audit = {
        ...ctx.audit,
        target: { type: 'track_block', id },
        after: view,
        note: { track: `${t.year_month} ${t.track}` },
      };
      return view;
    },
  };
}
