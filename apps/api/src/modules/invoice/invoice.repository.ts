/** SQL of invoices: issuing (one statement), search, detail, the site's remaining numbers. */

import { createHash } from 'node:crypto';
import { type DbOrTx, pgErrorCode } from '@app/db';
import { DomainError } from '@app/domain';
import type { outboxRow } from '@app/jobs';
import { type CompiledQuery, sql } from 'kysely';
import type pg from 'pg';
import { type InlineKey, KEY_TAKEN } from '../../context.ts';
import type { scopeWhere } from '../../lib/scope-filter.ts';
import type { auditRow } from '../audit/audit.repository.ts';

type ScopeFilter = ReturnType<typeof scopeWhere>;

/** The active blocks a caller issues from, for one period and invoice type, in issuing order. */
export async function candidateBlocks(
  db: DbOrTx,
  f: { siteId: string; deviceId: string | null; yearMonth: string; invoiceType: string },
) {
  let q = db
    .selectFrom('track_blocks as b')
    .innerJoin('tracks as t', 't.id', 'b.track_id')
    .select(['b.id', 't.track', 't.year_month'])
    .where('b.site_id', '=', f.siteId)
    .where('b.status', '=', 'active')
    .where('t.year_month', '=', f.yearMonth)
    .where('t.invoice_type', '=', f.invoiceType)
    .orderBy('t.track')
    .orderBy('b.begin_no');
  q = f.deviceId ? q.where('b.device_id', '=', f.deviceId) : q.where('b.device_id', 'is', null);
  return q.execute();
}

export type InvoiceRow = {
  id: string;
  invoice_date: string;
  invoice_time: Date;
  seller_id: string;
  site_id: string;
  device_id: string | null;
  block_id: string;
  year_month: string;
  invoice_number: string;
  random_number: string;
  invoice_type: string;
  buyer_ban: string | null;
  buyer_name: string | null;
  buyer_address: string | null;
  print_mark: string;
  carrier_type: string | null;
  carrier_id1: string | null;
  carrier_id2: string | null;
  npoban: string | null;
  tax_type: string;
  tax_rate: string;
  customs_clearance_mark: string | null;
  zero_tax_rate_reason: string | null;
  sales_amount: string;
  free_tax_sales_amount: string;
  zero_tax_sales_amount: string;
  tax_amount: string;
  total_amount: string;
  main_remark: string | null;
  issued_by: string | null;
  request_id: string | null;
};

export type ItemRow = {
  seq: number;
  description: string;
  quantity: string;
  unit: string | null;
  unit_price: string;
  amount: string;
  tax_type: string | null;
  remark: string | null;
};

/**
 * A compiled query as a named prepared statement: PostgreSQL parses and plans it once per connection
 * instead of on every call (the name is the text's hash, so each variant has its own).
 */
async function runPrepared<R>(pool: pg.Pool, q: CompiledQuery<R>): Promise<{ rows: R[] }> {
  const name = `q_${createHash('sha1').update(q.sql).digest('hex').slice(0, 20)}`;
  return pool.query<R & pg.QueryResultRow>({ name, text: q.sql, values: q.parameters as unknown[] });
}

/** An invoice row as issuing writes it, before a number is taken. */
export type InvoiceTemplate = Omit<InvoiceRow, 'invoice_number' | 'invoice_date' | 'invoice_time' | 'block_id'>;

const INVOICE_COLUMNS = [
  'id',
  'invoice_date',
  'invoice_time',
  'seller_id',
  'site_id',
  'device_id',
  'block_id',
  'year_month',
  'invoice_number',
  'random_number',
  'invoice_type',
  'buyer_ban',
  'buyer_name',
  'buyer_address',
  'print_mark',
  'carrier_type',
  'carrier_id1',
  'carrier_id2',
  'npoban',
  'tax_type',
  'tax_rate',
  'customs_clearance_mark',
  'zero_tax_rate_reason',
  'sales_amount',
  'free_tax_sales_amount',
  'zero_tax_sales_amount',
  'tax_amount',
  'total_amount',
  'main_remark',
  'issued_by',
  'request_id',
] as const satisfies readonly (keyof InvoiceRow)[];
const invoiceCols = sql.raw(INVOICE_COLUMNS.join(', '));
const invoiceColsOfR = sql.raw(INVOICE_COLUMNS.map((c) => `r.${c}`).join(', '));

type OutboxRow = ReturnType<typeof outboxRow>;
type AuditRow = ReturnType<typeof auditRow>;

/** Where the number comes from: the next one of the first eligible block, or a number reserved for offline use. */
export type NumberSource =
  | {
      kind: 'block';
      /** Candidate blocks in issuing order. */
      blockIds: string[];
      /** false: take from the first block nobody holds (SKIP LOCKED); true: wait for the first with numbers left. */
      wait: boolean;
      /** The given invoice time, or null for the server's clock (read once, under the block's lock). */
      at: Date | null;
      /** Numbers of the period can only be taken before it ends. */
      periodEnd: Date;
    }
  | { kind: 'reserved'; blockId: string; track: string; number: number; at: Date };

export type IssueStatement = {
  source: NumberSource;
  invoice: InvoiceTemplate;
  items: ItemRow[];
  /** The InvoiceIssued row; invoiceNumber and invoiceDate are filled in by the statement. */
  outbox: OutboxRow;
  /** The audit row; target_id and summary.after.invoiceNumber are filled in by the statement. */
  audit: AuditRow;
  /** Where the Idempotency-Key goes: a new row, or the row the request already claimed. */
  key: InlineKey;
  status: number;
};

/** The `n` CTE: one row (block, number, time, number text, Taipei date) or none. */
function numberCte(src: NumberSource) {
  if (src.kind === 'reserved') {
    // The caller checked the reservation under its row lock; the registry's primary key refuses a reuse.
    return sql`SELECT ${src.blockId}::uuid AS block_id, ${src.number}::int AS number, ${src.number}::int AS end_no,
                      ${src.at}::timestamptz AS issued_at, ${src.track} || lpad(${src.number}::text, 8, '0') AS invoice_number,
                      (${src.at}::timestamptz AT TIME ZONE 'Asia/Taipei')::date AS invoice_date`;
  }
  const lock = src.wait ? sql.raw('FOR UPDATE') : sql.raw('FOR UPDATE SKIP LOCKED');
  return sql`
        WITH t AS MATERIALIZED (SELECT coalesce(${src.at}::timestamptz, clock_timestamp()) AS at)
        UPDATE track_blocks b
           SET next_no = b.next_no + 1,
               last_issued_at = greatest(b.last_issued_at, t.at),
               updated_at = now()
          FROM t, tracks tr
         WHERE b.id = (
                 SELECT c.id FROM track_blocks c
                  WHERE c.id = ANY(${src.blockIds}::uuid[])
                    AND c.status = 'active'
                    AND c.next_no <= c.end_no
                    AND (${src.at}::timestamptz IS NULL OR c.last_issued_at IS NULL OR c.last_issued_at <= ${src.at}::timestamptz)
                  ORDER BY array_position(${src.blockIds}::uuid[], c.id)
                  LIMIT 1 ${lock})
           AND tr.id = b.track_id
           AND greatest(b.last_issued_at, t.at) < ${src.periodEnd}::timestamptz
        RETURNING b.id AS block_id, b.next_no - 1 AS number, b.end_no, b.last_issued_at AS issued_at,
                  tr.track || lpad((b.next_no - 1)::text, 8, '0') AS invoice_number,
                  (b.last_issued_at AT TIME ZONE 'Asia/Taipei')::date AS invoice_date`;
}

export type Issued = {
  blockId: string;
  number: number;
  endNo: number;
  issuedAt: Date;
  invoiceNumber: string;
  invoiceDate: string;
};

const IDEMPOTENCY_UNIQUE = 'sys_idempotency_keys_caller_idempotency_key_key';

/**
 * Issue an invoice in ONE statement (so one round trip and one commit): take the next number of the
 * first eligible block (an atomic UPDATE of the block row — its row lock serialises issues on a block,
 * and the number, registry, invoice, items, outbox event, audit entry, Turnkey message (F0401) and
 * idempotency key commit or roll back together, so a failed issue gives its number back). Every insert reads the taken number
 * from `n`, so when no block could give one nothing at all is written and the result is null.
 * Returns KEY_TAKEN (nothing written) when the request's Idempotency-Key already exists.
 */
export async function issueInOneStatement(
  db: DbOrTx,
  s: IssueStatement,
  /** Outside a transaction: run it as a named prepared statement on the pool (planned once per connection). */
  pool?: pg.Pool,
): Promise<Issued | null | typeof KEY_TAKEN> {
  const id = s.invoice.id;
  const ref = sql`jsonb_build_object('$ref', 'invoice', 'id', ${id}::text, 'date', n.invoice_date)`;
  const key =
    s.key.kind === 'insert'
      ? sql`INSERT INTO sys_idempotency_keys (caller, idempotency_key, method, path, request_hash, response_status,
                                             response_body, locked_until, completed_at, expires_at)
            SELECT ${s.key.caller}, ${s.key.key}, ${s.key.method}, ${s.key.path}, ${s.key.hash}, ${s.status},
                   ${ref}, now(), now(), now() + make_interval(hours => ${s.key.ttlHours}) FROM n`
      : sql`UPDATE sys_idempotency_keys SET response_status = ${s.status}, response_body = ${ref}, completed_at = now()
              FROM n WHERE sys_idempotency_keys.id = ${s.key.id}`;
  const a = s.audit;
  try {
    const r = sql<{
      block_id: string;
      number: number;
      end_no: number;
      issued_at: Date;
      invoice_number: string;
      invoice_date: string;
    }>`
      WITH n AS (${numberCte(s.source)}),
      reg AS (
        INSERT INTO invoice_numbers (year_month, invoice_number, block_id, invoice_id, invoice_date)
        SELECT ${s.invoice.year_month}, n.invoice_number, n.block_id, ${id}::uuid, n.invoice_date FROM n
      ),
      inv AS (
        INSERT INTO invoices (${invoiceCols})
        SELECT ${invoiceColsOfR}
          FROM n, jsonb_populate_record(null::invoices, ${JSON.stringify(s.invoice)}::jsonb || jsonb_build_object(
                 'invoice_number', n.invoice_number, 'invoice_date', n.invoice_date,
                 'invoice_time', n.issued_at, 'block_id', n.block_id)) r
      ),
      items AS (
        INSERT INTO invoice_items (invoice_id, invoice_date, seq, description, quantity, unit, unit_price, amount, tax_type, remark)
        SELECT ${id}::uuid, n.invoice_date, r.seq, r.description, r.quantity, r.unit, r.unit_price, r.amount, r.tax_type, r.remark
          FROM n, jsonb_populate_recordset(null::invoice_items, ${JSON.stringify(s.items)}::jsonb) r
      ),
      ob AS (
        INSERT INTO sys_outbox (event_type, event_version, aggregate_type, aggregate_id, payload, request_id)
        SELECT ${s.outbox.event_type}, ${s.outbox.event_version}, ${s.outbox.aggregate_type}, n.invoice_number,
               ${JSON.stringify(s.outbox.payload)}::jsonb
                 || jsonb_build_object('invoiceNumber', n.invoice_number, 'invoiceDate', n.invoice_date::text),
               ${s.outbox.request_id}
          FROM n
      ),
      au AS (
        INSERT INTO sys_audit_logs (tenant_id, actor_type, actor_id, actor_name, action, outcome, status_code, target_type,
                                    target_id, request_id, source_ip, user_agent, summary)
        SELECT ${a.tenant_id}, ${a.actor_type}, ${a.actor_id}, ${a.actor_name}, ${a.action}, ${a.outcome}, ${a.status_code},
               ${a.target_type}, n.invoice_number, ${a.request_id}, ${a.source_ip}::inet, ${a.user_agent},
               jsonb_set(${JSON.stringify(a.summary)}::jsonb, '{after,invoiceNumber}', to_jsonb(n.invoice_number))
          FROM n
      ),
      -- The invoice's F0401, identifier as the domain's turnkeyIdentifier writes it (<MSG><number><YYYYMMDD>).
      tm AS (
        INSERT INTO turnkey_messages (message_type, seller_id, invoice_id, invoice_date, identifier, chain)
        SELECT 'F0401', ${s.invoice.seller_id}::uuid, ${id}::uuid, n.invoice_date,
               'F0401' || n.invoice_number || to_char(n.invoice_date, 'YYYYMMDD'),
               ${s.invoice.year_month} || ':' || n.invoice_number
          FROM n
      ),
      k AS (${key})
      SELECT block_id, number, end_no, issued_at, invoice_number, invoice_date::text AS invoice_date FROM n`;
    const row = (pool ? await runPrepared(pool, r.compile(db)) : await r.execute(db)).rows[0];
    if (!row) return null;
    return {
      blockId: row.block_id,
      number: row.number,
      endNo: row.end_no,
      issuedAt: row.issued_at,
      invoiceNumber: row.invoice_number,
      invoiceDate: row.invoice_date,
    };
  } catch (err) {
    if (pgErrorCode(err) === '23505') {
      const constraint = (err as { constraint?: string }).constraint;
      if (constraint === IDEMPOTENCY_UNIQUE) return KEY_TAKEN;
      if (constraint === 'invoice_numbers_pkey' && s.source.kind === 'reserved') {
        throw new DomainError('OFFLINE_NUMBER_USED', 'This reserved number was already issued.', {
          field: 'body.offline.invoiceNumber',
        });
      }
    }
    throw err;
  }
}

/**
 * Take `count` consecutive numbers out of the first block (in order) that still has them, by moving its
 * next number past them: online issuing can never take them afterwards.
 */
export async function takeRun(
  trx: DbOrTx,
  blockIds: string[],
  count: number,
): Promise<{ blockId: string; track: string; beginNo: number } | null> {
  if (blockIds.length === 0) return null;
  const r = await sql<{ id: string; track: string; begin_no: number }>`
    UPDATE track_blocks b
       SET next_no = b.next_no + ${count}::int, updated_at = now()
      FROM tracks tr
     WHERE b.id = (SELECT c.id FROM track_blocks c
                    WHERE c.id = ANY(${blockIds}::uuid[]) AND c.status = 'active' AND c.end_no - c.next_no + 1 >= ${count}::int
                    ORDER BY array_position(${blockIds}::uuid[], c.id)
                    LIMIT 1 FOR UPDATE)
       AND tr.id = b.track_id
    RETURNING b.id, tr.track, b.next_no - ${count}::int AS begin_no`.execute(trx);
  const row = r.rows[0];
  return row ? { blockId: row.id, track: row.track, beginNo: row.begin_no } : null;
}

export async function insertReservation(
  trx: DbOrTx,
  v: {
    device_id: string;
    site_id: string;
    block_id: string;
    year_month: string;
    invoice_type: string;
    track: string;
    begin_no: number;
    end_no: number;
    random_numbers: string[];
    created_by: string | null;
    request_id: string;
  },
) {
  return trx.insertInto('offline_reservations').values(v).returningAll().executeTakeFirstOrThrow();
}

/** Reservations in the caller's scope, newest first, with how many of their numbers were issued. */
export async function findReservations(
  db: DbOrTx,
  scopeFilter: ScopeFilter,
  f: { id?: string; deviceId?: string; yearMonth?: string; limit: number },
) {
  let q = db
    .selectFrom('offline_reservations as r')
    .selectAll('r')
    .select(
      sql<number>`(SELECT count(*)::int FROM invoice_numbers n
                    WHERE n.year_month = r.year_month
                      AND n.invoice_number BETWEEN r.track || lpad(r.begin_no::text, 8, '0') AND r.track || lpad(r.end_no::text, 8, '0'))`.as(
        'issued',
      ),
    )
    .where(scopeFilter);
  if (f.id) q = q.where('r.id', '=', f.id);
  if (f.deviceId) q = q.where('r.device_id', '=', f.deviceId);
  if (f.yearMonth) q = q.where('r.year_month', '=', f.yearMonth);
  return q.orderBy('r.created_at', 'desc').limit(f.limit).execute();
}

/** The numbers of a reservation that were issued. */
export async function issuedInReservation(
  db: DbOrTx,
  r: { year_month: string; track: string; begin_no: number; end_no: number },
): Promise<string[]> {
  const rows = await db
    .selectFrom('invoice_numbers')
    .select('invoice_number')
    .where('year_month', '=', r.year_month)
    .where('invoice_number', '>=', `${r.track}${String(r.begin_no).padStart(8, '0')}`)
    .where('invoice_number', '<=', `${r.track}${String(r.end_no).padStart(8, '0')}`)
    .execute();
  return rows.map((x) => x.invoice_number);
}

/** The device's reservation holding a number, locked for the submission, with its block's status. */
export async function lockReservation(
  trx: DbOrTx,
  f: { deviceId: string; yearMonth: string; invoiceType: string; track: string; number: number },
) {
  return trx
    .selectFrom('offline_reservations as r')
    .innerJoin('track_blocks as b', 'b.id', 'r.block_id')
    .select([
      'r.id',
      'r.block_id',
      'r.year_month',
      'r.track',
      'r.begin_no',
      'r.end_no',
      'r.random_numbers',
      'b.status as block_status',
    ])
    .where('r.device_id', '=', f.deviceId)
    .where('r.year_month', '=', f.yearMonth)
    .where('r.invoice_type', '=', f.invoiceType)
    .where('r.track', '=', f.track)
    .where('r.begin_no', '<=', f.number)
    .where('r.end_no', '>=', f.number)
    .forUpdate('r')
    .executeTakeFirst();
}

/** The latest invoice time below `number` and the earliest above it, among a reservation's issued numbers. */
export async function reservationTimes(
  db: DbOrTx,
  r: { year_month: string; track: string; begin_no: number; end_no: number },
  number: string,
): Promise<{ before: Date | null; after: Date | null }> {
  const lo = `${r.track}${String(r.begin_no).padStart(8, '0')}`;
  const hi = `${r.track}${String(r.end_no).padStart(8, '0')}`;
  const row = await db
    .selectFrom('invoice_numbers as n')
    .innerJoin('invoices as i', (j) => j.onRef('i.id', '=', 'n.invoice_id').onRef('i.invoice_date', '=', 'n.invoice_date'))
    .select([
      sql<Date | null>`max(i.invoice_time) FILTER (WHERE n.invoice_number < ${number})`.as('before'),
      sql<Date | null>`min(i.invoice_time) FILTER (WHERE n.invoice_number > ${number})`.as('after'),
    ])
    .where('n.year_month', '=', r.year_month)
    .where('n.invoice_number', '>=', lo)
    .where('n.invoice_number', '<=', hi)
    .executeTakeFirstOrThrow();
  return { before: row.before, after: row.after };
}

/** The invoice an idempotency key's stored reference response points at, if the key exists. */
export async function storedRef(db: DbOrTx, caller: string, key: string): Promise<{ id: string; date: string } | null> {
  const row = await db
    .selectFrom('sys_idempotency_keys')
    .select('response_body')
    .where('caller', '=', caller)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  const body = row?.response_body as { $ref?: string; id?: string; date?: string } | null | undefined;
  return body?.$ref === 'invoice' && body.id && body.date ? { id: body.id, date: body.date } : null;
}

/**
 * Why no block gave a number: every one is used up, the given time precedes a block's last invoice,
 * the period has ended — or they were all busy (then wait for one).
 */
export async function whyNoNumber(
  db: DbOrTx,
  blockIds: string[],
  at: Date | null,
  periodEnd: Date,
): Promise<'exhausted' | 'time_order' | 'period_ended' | 'busy'> {
  const r = await sql<{ open: number; too_late: number; ended: boolean }>`
    SELECT count(*) FILTER (WHERE next_no <= end_no)::int AS open,
           count(*) FILTER (WHERE next_no <= end_no AND ${at}::timestamptz IS NOT NULL
                              AND last_issued_at > ${at}::timestamptz)::int AS too_late,
           coalesce(${at}::timestamptz, clock_timestamp()) >= ${periodEnd}::timestamptz AS ended
      FROM track_blocks WHERE id = ANY(${blockIds}::uuid[]) AND status = 'active'`.execute(db);
  const x = r.rows[0];
  if (!x || x.ended) return x?.ended ? 'period_ended' : 'exhausted';
  if (x.open === 0) return 'exhausted';
  if (x.too_late === x.open) return 'time_order';
  return 'busy';
}

const summaryColumns = [
  'i.id',
  'i.invoice_number',
  'i.year_month',
  sql<string>`i.invoice_date::text`.as('invoice_date'),
  'i.invoice_time',
  'i.seller_id',
  'i.site_id',
  'i.device_id',
  'i.buyer_ban',
  'i.status',
  'i.total_amount',
] as const;

/**
 * Invoices newest first by (invoice_date, invoice_number), keyset-paged. Filters map onto the indexes
 * of the invoices migration (seller/site + date, number, buyer BAN + date); a date range prunes the
 * monthly partitions. `scopeFilter` is the caller's data scope.
 */
export async function searchInvoices(
  db: DbOrTx,
  scopeFilter: ScopeFilter,
  f: {
    sellerId?: string;
    siteId?: string;
    number?: string;
    from?: string;
    to?: string;
    status?: string;
    buyerBan?: string;
    minTotal?: number;
    maxTotal?: number;
    after?: { date: string; number: string };
    limit: number;
  },
) {
  let q = db.selectFrom('invoices as i').select(summaryColumns).where(scopeFilter);
  if (f.sellerId) q = q.where('i.seller_id', '=', f.sellerId);
  if (f.siteId) q = q.where('i.site_id', '=', f.siteId);
  if (f.number) q = q.where('i.invoice_number', '=', f.number);
  if (f.from) q = q.where('i.invoice_date', '>=', sql<Date>`${f.from}::date`);
  if (f.to) q = q.where('i.invoice_date', '<=', sql<Date>`${f.to}::date`);
  if (f.status) q = q.where('i.status', '=', f.status);
  if (f.buyerBan) q = q.where('i.buyer_ban', '=', f.buyerBan);
  if (f.minTotal !== undefined) q = q.where('i.total_amount', '>=', String(f.minTotal));
  if (f.maxTotal !== undefined) q = q.where('i.total_amount', '<=', String(f.maxTotal));
  if (f.after) {
    const a = f.after;
    q = q.where(sql<boolean>`(i.invoice_date, i.invoice_number) < (${a.date}::date, ${a.number})`);
  }
  return q.orderBy('i.invoice_date', 'desc').orderBy('i.invoice_number', 'desc').limit(f.limit).execute();
}

/** The current version of an invoice number (the registry points at it), with its items. */
export async function findInvoiceByNumber(db: DbOrTx, number: string, scopeFilter: ScopeFilter) {
  const inv = await db
    .selectFrom('invoice_numbers as n')
    .innerJoin('invoices as i', (j) => j.onRef('i.id', '=', 'n.invoice_id').onRef('i.invoice_date', '=', 'n.invoice_date'))
    .selectAll('i')
    .select(sql<string>`i.invoice_date::text`.as('invoice_date_text'))
    .where('n.invoice_number', '=', number)
    .where(scopeFilter)
    .orderBy('n.issued_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!inv) return null;
  const items = await db
    .selectFrom('invoice_items')
    .select([
      'seq',
      'description',
      sql<string>`quantity::text`.as('quantity'),
      'unit',
      sql<string>`unit_price::text`.as('unit_price'),
      'amount',
      'tax_type',
      'remark',
    ])
    .where('invoice_id', '=', inv.id)
    .where('invoice_date', '=', sql<Date>`${inv.invoice_date_text}::date`)
    .orderBy('seq')
    .execute();
  return { inv, items };
}

/** Unissued numbers of a site's active blocks for a period and type (its shared and its devices' blocks). */
export async function siteRemaining(db: DbOrTx, f: { siteId: string; yearMonth: string; invoiceType: string }): Promise<number> {
  const r = await db
    .selectFrom('track_blocks as b')
    .innerJoin('tracks as t', 't.id', 'b.track_id')
    .select(sql<number>`coalesce(sum(b.end_no - b.next_no + 1), 0)::int`.as('remaining'))
    .where('b.site_id', '=', f.siteId)
    .where('b.status', '=', 'active')
    .where('t.year_month', '=', f.yearMonth)
    .where('t.invoice_type', '=', f.invoiceType)
    .executeTakeFirstOrThrow();
  return r.remaining;
}

/** Record that a site ran low; true only for the first caller (so the event fires once). */
export async function markTrackLow(
  db: DbOrTx,
  v: { siteId: string; yearMonth: string; invoiceType: string; remaining: number },
): Promise<boolean> {
  const r = await db
    .insertInto('track_low_alerts')
    .values({ site_id: v.siteId, year_month: v.yearMonth, invoice_type: v.invoiceType, remaining: v.remaining })
    .onConflict((oc) => oc.doNothing())
    .returning('site_id')
    .executeTakeFirst();
  return r !== undefined;
}
