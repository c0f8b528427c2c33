/** SQL of ranges (tracks) and blocks. Reads take the caller's data scope through the seller. */
import { type DbOrTx, pgErrorCode } from '@app/db';
import { type DataScope, DomainError } from '@app/domain';
import { sql } from 'kysely';
import { scopeWhere } from '../../lib/scope-filter.ts';

const trackSelect = (db: DbOrTx, tenantId: string, scope: DataScope) =>
  db
    .selectFrom('tracks as t')
    .innerJoin('sellers as s', 's.id', 't.seller_id')
    .select([
      't.id',
      't.seller_id',
      's.ban as seller_ban',
      't.invoice_type',
      't.year_month',
      't.track',
      't.begin_no',
      't.end_no',
      't.booklets',
      't.import_id',
      't.created_at',
      sql<number>`coalesce((SELECT sum(b.end_no - b.begin_no + 1) FROM track_blocks b WHERE b.track_id = t.id), 0)::int`.as(
        'allocated',
      ),
      sql<number>`coalesce((SELECT sum(b.next_no - b.begin_no) FROM track_blocks b WHERE b.track_id = t.id), 0)::int`.as(
        'issued',
      ),
    ])
    .where('s.tenant_id', '=', tenantId)
    .where(scopeWhere(scope, { seller: 't.seller_id', sellerOfSites: 't.seller_id' }));

/** Newest period first; `page` for the list screen (offset and limit), every row otherwise (period reports). */
export async function listTracks(
  db: DbOrTx,
  tenantId: string,
  scope: DataScope,
  f: { sellerId?: string; yearMonth?: string; invoiceType?: string; page?: { offset: number; limit: number } },
) {
  let q = trackSelect(db, tenantId, scope)
    .orderBy('t.year_month', 'desc')
    .orderBy('t.track')
    .orderBy('t.begin_no')
    .orderBy('t.id');
  if (f.sellerId) q = q.where('t.seller_id', '=', f.sellerId);
  if (f.yearMonth) q = q.where('t.year_month', '=', f.yearMonth);
  if (f.invoiceType) q = q.where('t.invoice_type', '=', f.invoiceType);
  if (f.page) q = q.offset(f.page.offset).limit(f.page.limit);
  return q.execute();
}
export type TrackRow = Awaited<ReturnType<typeof listTracks>>[number];

export async function findTrack(db: DbOrTx, tenantId: string, scope: DataScope, id: string) {
  return trackSelect(db, tenantId, scope).where('t.id', '=', id).executeTakeFirst();
}

/** Serialise allocations within one range. */
export async function lockTrack(trx: DbOrTx, id: string): Promise<void> {
  await trx.selectFrom('tracks').select('id').where('id', '=', id).forUpdate().execute();
}

export async function listBlocks(db: DbOrTx, trackId: string) {
  return db
    .selectFrom('track_blocks')
    .select(['id', 'track_id', 'site_id', 'device_id', 'begin_no', 'end_no', 'next_no', 'status', 'last_issued_at', 'created_at'])
    .where('track_id', '=', trackId)
    .orderBy('begin_no')
    .execute();
}
export type BlockRow = Awaited<ReturnType<typeof listBlocks>>[number];

export async function insertBlock(
  trx: DbOrTx,
  v: { track_id: string; site_id: string; device_id: string | null; begin_no: number; end_no: number; created_by: string | null },
): Promise<string> {
  try {
    const r = await trx
      .insertInto('track_blocks')
      .values({ ...v, next_no: v.begin_no })
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  } catch (e) {
    const code = pgErrorCode(e);
    if (code === '23P01')
      throw new DomainError('BLOCK_OVERLAP', 'The block overlaps a block already allocated in this range.', {
        field: 'body.beginNo',
      });
    if (code === '23514')
      throw new DomainError('BLOCK_OUTSIDE_RANGE', 'The block does not lie inside the range.', { field: 'body.beginNo' });
    throw e;
  }
}

/** Blocks of the given ranges with the BAN they invoice under (the site's branch BAN, else the seller's). */
export async function blocksWithBans(db: DbOrTx, trackIds: string[]) {
  if (trackIds.length === 0) return [];
  return db
    .selectFrom('track_blocks as b')
    .innerJoin('sites as st', 'st.id', 'b.site_id')
    .innerJoin('sellers as s', 's.id', 'st.seller_id')
    .select(['b.id', 'b.track_id', 'b.begin_no', 'b.end_no', 'b.next_no', sql<string>`coalesce(st.branch_ban, s.ban)`.as('ban')])
    .where('b.track_id', 'in', trackIds)
    .execute();
}
