/**
 * A throwaway PostgreSQL filled with a realistic invoice volume, for `db:explain` and `bench:search`.
 *
 * Shape (fixed ids, so db/queries/*.sql can name them as literals): 4 sellers × 5 sites × 3 issuers
 * (the site's shared block and 2 POS devices, each with its own block) = 60 issuers. Invoices (3 items
 * each, one number-registry row each) are spread evenly over 2026-05-01 … 2026-10-31 (periods 11506,
 * 11508, 11510), each issuer numbering its own block in time order. Blocks of those periods and of 14
 * earlier ones are closed; the blocks of 11512 are active and unused. About 1.5% of invoices are
 * cancelled and 0.5% voided; 10% are B2B (5,000 distinct buyer BANs); totals run from 50 to 5,000 TWD.
 * Everything is set-based (INSERT … SELECT generate_series), one statement per period and table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '@app/db';
import { freePort, type PostgresServer, startPostgres } from '@app/devkit';
import { parseYearMonth, previousPeriod } from '@app/domain';
import pg from 'pg';

export const FIXTURE = {
  tenantId: 'a0000000-0000-4000-8000-000000000000',
  sellers: 4,
  sitesPerSeller: 5,
  /** Issuers per site: the shared block (0) and one block per device (1, 2). */
  issuersPerSite: 3,
  /** Periods holding invoices, oldest first. */
  invoicePeriods: ['11506', '11508', '11510'],
  /** The period whose blocks are active (issuing happens here). */
  currentPeriod: '11512',
  /** Earlier periods with used-up, closed blocks and no invoices (history in track_blocks). */
  historyPeriods: 14,
} as const;

const hex12 = (n: number | string) => String(n).padStart(12, '0');
export const sellerId = (s: number) => `a0000000-0000-4000-8000-${hex12(s)}`;
export const siteId = (s: number, k: number) => `b0000000-0000-4000-8000-${hex12(s * 100 + k)}`;
export const deviceId = (s: number, k: number, d: number) => `d0000000-0000-4000-8000-${hex12(s * 10_000 + k * 100 + d)}`;
/** Block of issuer (seller s, site k, issuer d: 0 shared, 1.. device) in a period. */
export const blockId = (ym: string, s: number, k: number, d: number) =>
  `c0000000-0000-4000-8000-${ym}${String(s).padStart(2, '0')}${String(k).padStart(2, '0')}${d}00`;
/** Track letters of seller s: AA, BA, CA, … (distinct per seller, so ranges never overlap). */
export const trackOf = (s: number) => `${String.fromCharCode(64 + s)}A`;

export type Throwaway = { server: PostgresServer; url: string; stop: () => Promise<void> };

/**
 * Start a throwaway PostgreSQL on a free port (fsync off unless `durable`: the data is disposable), create
 * and migrate database `name`. `stop` stops the server by PID and deletes its folder; it also runs on
 * SIGINT/SIGTERM.
 */
export async function startThrowaway(name: string, opts: { durable?: boolean } = {}): Promise<Throwaway> {
  const dir = mkdtempSync(join(tmpdir(), `einv-${name}-`));
  const server = await startPostgres({ dataDir: join(dir, 'pg'), port: await freePort(), durable: opts.durable ?? false });
  let stopped: Promise<void> | null = null;
  const stop = () => {
    stopped ??= server.stop().finally(() => rmSync(dir, { recursive: true, force: true }));
    return stopped;
  };
  const onSignal = (sig: NodeJS.Signals) => {
    console.error(`${sig}: stopping PostgreSQL (pid ${server.pid})`);
    void stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // An error nobody awaits would end the process without the `finally` that stops the server.
  const onCrash = (err: unknown) => {
    console.error(err);
    void stop().finally(() => process.exit(1));
  };
  process.once('uncaughtException', onCrash);
  process.once('unhandledRejection', onCrash);
  try {
    const c = new pg.Client({ connectionString: server.url('postgres') });
    await c.connect();
    try {
      await c.query(`CREATE DATABASE ${name}`);
      // Bulk loading: fewer checkpoints. Settings a reload applies.
      await c.query(`ALTER SYSTEM SET max_wal_size = '8GB'`);
      await c.query(`ALTER SYSTEM SET checkpoint_timeout = '30min'`);
      await c.query('SELECT pg_reload_conf()');
    } finally {
      await c.end();
    }
    await migrate(server.url(name));
    return { server, url: server.url(name), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Days of a period (Asia/Taipei), from the domain's period boundaries. */
const periodBounds = (ym: string) => {
  const p = parseYearMonth(ym);
  if (!p) throw new Error(`bad period ${ym}`);
  return p;
};

/**
 * Fill the database with about `rows` invoices (rounded down to whole invoices per issuer and period);
 * returns the number inserted. Prints progress with `log`.
 */
export async function fillInvoices(url: string, rows: number, log: (m: string) => void = console.log): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'; SET synchronous_commit = off`);
    const { sellers, sitesPerSeller, issuersPerSite } = FIXTURE;
    const issuers = sellers * sitesPerSeller * issuersPerSite;
    const invoiceDays = FIXTURE.invoicePeriods.map((ym) => {
      const p = periodBounds(ym);
      return Math.round((p.end.getTime() - p.start.getTime()) / 86_400_000);
    });
    const totalDays = invoiceDays.reduce((a, b) => a + b, 0);
    /** Invoices per issuer in each invoice period (proportional to its days). */
    const perIssuer = invoiceDays.map((d) => Math.floor((rows * d) / totalDays / issuers));
    // Blocks hold whole booklets and leave some numbers unissued (blanks at period end).
    const blockSize = Math.ceil((Math.max(...perIssuer) * 1.1 + 1) / 50) * 50;
    const rangeSize = blockSize * sitesPerSeller * issuersPerSite;
    if (rangeSize > 100_000_000) throw new Error(`${rows} rows need ranges above 99,999,999 numbers; use fewer rows`);

    await c.query('BEGIN');
    await c.query(`INSERT INTO sys_tenants (id, code, name) VALUES ($1, 'explain', 'Explain')`, [FIXTURE.tenantId]);
    for (let s = 1; s <= sellers; s++) {
      await c.query(`INSERT INTO sellers (id, tenant_id, ban, name, address) VALUES ($1, $2, $3, $4, '台北市')`, [
        sellerId(s),
        FIXTURE.tenantId,
        String(10_000_000 + s * 1_111),
        `Seller ${s}`,
      ]);
      for (let k = 1; k <= sitesPerSeller; k++) {
        // Site 5 of every seller is a branch with its own BAN (E0402 reports its blanks under it).
        await c.query(`INSERT INTO sites (id, seller_id, code, name, branch_ban) VALUES ($1, $2, $3, $4, $5)`, [
          siteId(s, k),
          sellerId(s),
          `S${k}`,
          `Site ${k}`,
          k === sitesPerSeller ? String(20_000_000 + s * 100 + k) : null,
        ]);
        for (let d = 1; d < issuersPerSite; d++) {
          await c.query(`INSERT INTO sys_devices (id, tenant_id, device_code, name, site_id) VALUES ($1, $2, $3, $4, $5)`, [
            deviceId(s, k, d),
            FIXTURE.tenantId,
            `POS-${s}-${k}-${d}`,
            `POS ${d}`,
            siteId(s, k),
          ]);
        }
      }
    }

    // Ranges and blocks of every period: history (used up, closed), invoice periods (closed, partly
    // used), the current period (active, unused).
    let p = periodBounds(FIXTURE.invoicePeriods[0]);
    const history: string[] = [];
    for (let i = 0; i < FIXTURE.historyPeriods; i++) {
      p = previousPeriod(p);
      history.unshift(p.yearMonth);
    }
    const periods = [
      ...history.map((ym) => ({ ym, used: 'full' as const, status: 'closed' })),
      ...FIXTURE.invoicePeriods.map((ym, i) => ({ ym, used: perIssuer[i] as number, status: 'closed' })),
      { ym: FIXTURE.currentPeriod, used: 0, status: 'active' },
    ];
    for (const per of periods) {
      for (let s = 1; s <= sellers; s++) {
        const track = await c.query<{ id: string }>(
          `INSERT INTO tracks (seller_id, invoice_type, year_month, track, begin_no, end_no)
           VALUES ($1, '07', $2, $3, 0, $4) RETURNING id`,
          [sellerId(s), per.ym, trackOf(s), rangeSize - 1],
        );
        // One statement per range: its 15 blocks.
        await c.query(
          `INSERT INTO track_blocks (id, track_id, site_id, device_id, begin_no, end_no, next_no, last_issued_at, status)
           SELECT format('c0000000-0000-4000-8000-%s%s%s%s00', $2::text, lpad($3::int::text, 2, '0'), lpad(k::text, 2, '0'), d)::uuid,
                  $1, format('b0000000-0000-4000-8000-%s', lpad(($3::int * 100 + k)::text, 12, '0'))::uuid,
                  CASE WHEN d = 0 THEN NULL
                       ELSE format('d0000000-0000-4000-8000-%s', lpad(($3::int * 10000 + k * 100 + d)::text, 12, '0'))::uuid END,
                  ((k - 1) * $5::int + d) * $6::int,
                  ((k - 1) * $5::int + d + 1) * $6::int - 1,
                  ((k - 1) * $5::int + d) * $6::int + CASE WHEN $7::int < 0 THEN $6::int ELSE $7::int END,
                  CASE WHEN $7::int = 0 THEN NULL ELSE $8::timestamptz END,
                  $9::text
             FROM generate_series(1, $4::int) k, generate_series(0, $5::int - 1) d`,
          [
            track.rows[0]!.id,
            per.ym,
            s,
            sitesPerSeller,
            issuersPerSite,
            blockSize,
            per.used === 'full' ? -1 : per.used,
            new Date(periodBounds(per.ym).end.getTime() - 60_000),
            per.status,
          ],
        );
      }
    }
    await c.query('COMMIT');
    log(
      `sellers, sites, devices, ${periods.length * sellers} ranges and ${periods.length * sellers * sitesPerSeller * issuersPerSite} blocks`,
    );

    // Bulk load: foreign-key triggers off (CHECK constraints still apply); the references are checked
    // set-based afterwards, which is much faster than 7 row-by-row checks per invoice.
    await c.query('SET session_replication_role = replica');
    let total = 0;
    for (const [i, ym] of FIXTURE.invoicePeriods.entries()) {
      const count = perIssuer[i] as number;
      const bounds = periodBounds(ym);
      const started = performance.now();
      // g = seq × issuers + issuer: issuer → seller, site, device; seq → time and number (both increasing).
      await c.query(
        `INSERT INTO invoices (id, invoice_date, invoice_time, seller_id, site_id, device_id, block_id, year_month,
                               invoice_number, random_number, invoice_type, buyer_ban, buyer_name, print_mark,
                               tax_type, tax_rate, sales_amount, free_tax_sales_amount, zero_tax_sales_amount, tax_amount,
                               total_amount, status, issued_by, created_at, updated_at)
         WITH p AS (SELECT $1::text AS ym, $2::timestamptz AS t0, $3::bigint AS cnt, $4::int AS issuers, $5::int AS ips,
                           $6::int AS bs, $7::int AS sps, $8::float8 AS secs)
         SELECT md5(p.ym || ':' || g)::uuid,
                (t AT TIME ZONE 'Asia/Taipei')::date, t,
                format('a0000000-0000-4000-8000-%s', lpad(s::text, 12, '0'))::uuid,
                format('b0000000-0000-4000-8000-%s', lpad((s * 100 + k)::text, 12, '0'))::uuid,
                CASE WHEN d = 0 THEN NULL
                     ELSE format('d0000000-0000-4000-8000-%s', lpad((s * 10000 + k * 100 + d)::text, 12, '0'))::uuid END,
                format('c0000000-0000-4000-8000-%s%s%s%s00', p.ym, lpad(s::text, 2, '0'), lpad(k::text, 2, '0'), d)::uuid,
                p.ym,
                chr(64 + s) || 'A' || lpad((((k - 1) * p.ips + d) * p.bs + seq)::text, 8, '0'),
                lpad(((g * 7 + 13) % 10000)::text, 4, '0'),
                '07',
                CASE WHEN b2b THEN (10000000 + (g * 104729) % 5000)::text END,
                CASE WHEN b2b THEN 'Buyer ' || (g * 104729) % 5000 END,
                'Y', '1', '0.05',
                CASE WHEN b2b THEN round(total / 1.05)::bigint ELSE total END,
                0, 0,
                CASE WHEN b2b THEN total - round(total / 1.05)::bigint ELSE 0 END,
                total,
                CASE WHEN (g * 37 + issuer * 11) % 200 < 3 THEN 'cancelled'
                     WHEN (g * 37 + issuer * 11) % 200 = 3 THEN 'voided'
                     ELSE 'issued' END,
                'client:pos', t, t
           FROM p,
                generate_series(0, p.cnt * p.issuers - 1) g,
                LATERAL (SELECT (g % p.issuers)::int AS issuer, (g / p.issuers)::int AS seq) a,
                LATERAL (SELECT issuer / (p.sps * p.ips) + 1 AS s, (issuer % (p.sps * p.ips)) / p.ips + 1 AS k,
                                issuer % p.ips AS d,
                                p.t0 + (seq + issuer / p.issuers::float8) * (p.secs / p.cnt) * interval '1 second' AS t,
                                (50 + (g * 7919 + issuer * 31) % 4951)::bigint AS total,
                                g % 10 = 7 AS b2b) b`,
        [
          ym,
          bounds.start,
          count,
          issuers,
          issuersPerSite,
          blockSize,
          sitesPerSeller,
          (bounds.end.getTime() - bounds.start.getTime()) / 1000 - 1,
        ],
      );
      const range = [bounds.start, bounds.end];
      await c.query(
        `INSERT INTO invoice_numbers (year_month, invoice_number, block_id, invoice_id, invoice_date, issued_at)
         SELECT year_month, invoice_number, block_id, id, invoice_date, invoice_time
           FROM invoices WHERE invoice_time >= $1 AND invoice_time < $2`,
        range,
      );
      await c.query(
        `INSERT INTO invoice_items (invoice_id, invoice_date, seq, description, quantity, unit, unit_price, amount)
         SELECT i.id, i.invoice_date, n.seq,
                (ARRAY['95無鉛汽油', '洗車', '礦泉水'])[n.seq], 1, NULL, a.amount, a.amount
           FROM invoices i
          CROSS JOIN generate_series(1, 3) n(seq)
          CROSS JOIN LATERAL (SELECT CASE n.seq WHEN 2 THEN i.total_amount / 3 WHEN 3 THEN i.total_amount / 4
                                     ELSE i.total_amount - i.total_amount / 3 - i.total_amount / 4 END AS amount) a
          WHERE i.invoice_time >= $1 AND i.invoice_time < $2`,
        range,
      );
      total += count * issuers;
      log(
        `period ${ym}: ${(count * issuers).toLocaleString('en')} invoices in ${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
    }
    await c.query('RESET session_replication_role');
    const started = performance.now();
    const orphans = (
      await c.query<{ n: number }>(
        `SELECT ((SELECT count(*) FROM invoice_items it
                   WHERE NOT EXISTS (SELECT 1 FROM invoices i WHERE i.id = it.invoice_id AND i.invoice_date = it.invoice_date))
               + (SELECT count(*) FROM invoice_numbers n
                   WHERE NOT EXISTS (SELECT 1 FROM invoices i WHERE i.id = n.invoice_id AND i.invoice_date = n.invoice_date))
               + (SELECT count(*) FROM invoices i
                   WHERE NOT EXISTS (SELECT 1 FROM track_blocks b WHERE b.id = i.block_id AND b.site_id = i.site_id
                                        AND b.device_id IS NOT DISTINCT FROM i.device_id)
                      OR NOT EXISTS (SELECT 1 FROM sites s WHERE s.id = i.site_id AND s.seller_id = i.seller_id)))::int AS n`,
      )
    ).rows[0]!.n;
    if (orphans > 0) throw new Error(`fill: ${orphans} rows reference nothing`);
    await c.query('VACUUM (ANALYZE)');
    log(`references checked, VACUUM ANALYZE done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    return total;
  } finally {
    await c.end();
  }
}

/** The last day holding invoices: the "today" of the dashboard plans (db/queries/dashboard.*). */
export const FILL_LAST_DAY = '2026-10-31';

/**
 * The pipeline beside the invoices, for the dashboard plans: one F0401 Turnkey message per invoice — all but
 * about 0.07% accepted ten minutes after issue (0.05% rejected, 0.02% dead) until the day before
 * FILL_LAST_DAY; of FILL_LAST_DAY's, 60% accepted, 20% delivered and 20% still pending; the messages not accepted
 * and older than a day flagged at risk — and 1,000,000 outbox events, all dispatched but the newest 500.
 */
export async function fillPipeline(url: string, log: (m: string) => void = console.log): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const started = performance.now();
    await c.query(`SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'; SET synchronous_commit = off`);
    // Foreign keys to invoices are known to hold (the rows come from them): triggers off for the bulk load.
    await c.query('SET session_replication_role = replica');
    await c.query(
      `INSERT INTO turnkey_messages (message_type, seller_id, invoice_id, invoice_date, identifier, chain, status, attempts,
                                     created_at, next_attempt_at, delivered_at, result_at, at_risk_at, updated_at)
       SELECT 'F0401', i.seller_id, i.id, i.invoice_date,
              'F0401' || i.invoice_number || to_char(i.invoice_date, 'YYYYMMDD'), i.year_month || ':' || i.invoice_number,
              st, 1, i.invoice_time, i.invoice_time,
              CASE WHEN st <> 'pending' THEN i.invoice_time + interval '1 minute' END,
              CASE WHEN st IN ('accepted', 'rejected') THEN i.invoice_time + interval '10 minutes' END,
              CASE WHEN st <> 'accepted' AND i.invoice_date < $1::date - 1 THEN i.invoice_time + interval '24 hours' END,
              i.invoice_time
         FROM invoices i,
              LATERAL (SELECT abs(hashtext(i.id::text)) % 10000 AS h) x,
              LATERAL (SELECT CASE WHEN i.invoice_date < $1::date
                                   THEN CASE WHEN h < 5 THEN 'rejected' WHEN h < 7 THEN 'dead' ELSE 'accepted' END
                                   ELSE CASE WHEN h < 6000 THEN 'accepted' WHEN h < 8000 THEN 'delivered' ELSE 'pending' END
                              END AS st) s
        ORDER BY i.invoice_time`,
      [FILL_LAST_DAY],
    );
    await c.query(
      `INSERT INTO sys_outbox (event_type, event_version, payload, occurred_at, dispatched_at)
       SELECT 'InvoiceIssued', 1, '{}'::jsonb, t, CASE WHEN g <= 999500 THEN t END
         FROM generate_series(1, 1000000) g, LATERAL (SELECT timestamptz '2026-05-01' + g * interval '15 seconds' AS t) x`,
    );
    await c.query('RESET session_replication_role');
    await c.query('VACUUM (ANALYZE) turnkey_messages, sys_outbox');
    const counts = (
      await c.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM turnkey_messages GROUP BY 1 ORDER BY 1')
    ).rows;
    log(
      `pipeline: ${counts.map((r) => `${Number(r.n).toLocaleString('en')} ${r.status}`).join(', ')} Turnkey messages; ` +
        `1,000,000 outbox events (500 pending) in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
  } finally {
    await c.end();
  }
}
