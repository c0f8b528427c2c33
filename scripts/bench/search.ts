/**
 * `pnpm bench:search [rows=5000000] [samples=200]`: invoice search latency over a large table. Target
 * (PRODUCT.md §7): seller + date range + status over 5,000,000 invoices, p95 ≤ 300 ms.
 *
 * A throwaway PostgreSQL with durable settings (fsync on), filled by scripts/db/fill.ts (4 sellers × 5
 * sites × 3 issuers, six months, 3 items per invoice), then every query shape of GET /api/v1/invoices runs
 * `samples` times with varied parameters (seller, date range, status, cursor, …) through the API's own
 * `searchInvoices` and scope filter — the very SQL the endpoint sends — one query at a time after a warm-up
 * pass, and once more for the §7 shape with 8 queries at a time. Prints p50/p95/p99/max per shape (the time
 * of the database round trip as the API sees it) and stops PostgreSQL by its PID, also on error and Ctrl-C.
 */
import { createDb, createPool, type Database } from '@app/db';
import { scopeWhere } from '../../apps/api/src/lib/scope-filter.ts';
import { findInvoiceByNumber, searchInvoices } from '../../apps/api/src/modules/invoice/invoice.repository.ts';
import { FIXTURE, fillInvoices, sellerId, siteId, startThrowaway, trackOf } from '../db/fill.ts';

const ROWS = Number(process.argv[2] ?? 5_000_000);
const SAMPLES = Number(process.argv[3] ?? 200);
const PAGE = 50;
if (!Number.isInteger(ROWS) || ROWS < 1000 || !Number.isInteger(SAMPLES) || SAMPLES < 10) {
  console.error('usage: pnpm bench:search [rows ≥ 1000, default 5000000] [samples ≥ 10, default 200]');
  process.exit(2);
}

/** A small deterministic generator, so two runs ask the same questions. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(20261121);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

const DAY = 86_400_000;
const FIRST_DAY = Date.UTC(2026, 4, 1); // the fixture's invoices: 2026-05-01 … 2026-10-31
const LAST_DAY = Date.UTC(2026, 9, 31);
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
/** A date range of 1 to 2 months inside the data. */
function dateRange() {
  const days = int(30, 61);
  const from = FIRST_DAY + int(0, (LAST_DAY - FIRST_DAY) / DAY - days) * DAY;
  return { from: iso(from), to: iso(from + days * DAY) };
}
const seller = () => sellerId(int(1, FIXTURE.sellers));
const STATUSES = ['issued', 'cancelled', 'voided'] as const;

const all = scopeWhere({ all: true }, { seller: 'i.seller_id', site: 'i.site_id' });

type Query = (db: Database) => Promise<number>;
type Shape = { name: string; next: () => Query };

const search = (f: Parameters<typeof searchInvoices>[2], scope = all): Query => {
  return async (db) => (await searchInvoices(db, scope, f)).length;
};

const SHAPES: Shape[] = [
  {
    name: 'seller + date range + status (PRODUCT.md §7)',
    next: () => search({ sellerId: seller(), ...dateRange(), status: pick(STATUSES), limit: PAGE + 1 }),
  },
  {
    name: 'seller + date range + status, a later page (cursor)',
    next: () => {
      const f = { sellerId: seller(), ...dateRange(), status: 'issued', limit: PAGE + 1 };
      // A cursor somewhere inside the range: the keyset walk starts there.
      const day = iso(Date.parse(f.from) + int(1, 25) * DAY);
      return search({
        ...f,
        after: { date: day, number: `${trackOf(int(1, FIXTURE.sellers))}${String(int(0, 99_999)).padStart(8, '0')}` },
      });
    },
  },
  { name: 'seller + date range', next: () => search({ sellerId: seller(), ...dateRange(), limit: PAGE + 1 }) },
  {
    name: 'site + date range, site-scoped caller',
    next: () => {
      const s = int(1, FIXTURE.sellers);
      const k = int(1, FIXTURE.sitesPerSeller);
      const scope = scopeWhere({ all: false, sellers: [], sites: [siteId(s, k)] }, { seller: 'i.seller_id', site: 'i.site_id' });
      return search({ siteId: siteId(s, k), ...dateRange(), limit: PAGE + 1 }, scope);
    },
  },
  { name: 'no filter (newest page)', next: () => search({ limit: PAGE + 1 }) },
  {
    name: 'buyer BAN',
    // The fixture's B2B buyers: 10000000 + (g × 104729) mod 5000 for g ≡ 7 (mod 10).
    next: () => search({ buyerBan: String(10_000_000 + (((int(0, 499) * 10 + 7) * 104_729) % 5000)), limit: PAGE + 1 }),
  },
  {
    name: 'invoice number',
    next: () =>
      search({ number: `${trackOf(int(1, FIXTURE.sellers))}${String(int(0, 9_999)).padStart(8, '0')}`, limit: PAGE + 1 }),
  },
  {
    name: 'seller + amount range (no date range)',
    next: () => {
      const min = int(50, 4_900);
      return search({ sellerId: seller(), minTotal: min, maxTotal: min + int(10, 500), limit: PAGE + 1 });
    },
  },
  {
    name: 'GET /invoices/{number} (registry → invoice → items)',
    next: () => async (db) => {
      const found = await findInvoiceByNumber(
        db,
        `${trackOf(int(1, FIXTURE.sellers))}${String(int(0, 9_999)).padStart(8, '0')}`,
        all,
      );
      return found ? 1 : 0;
    },
  },
];

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;

async function measure(db: Database, shape: Shape, concurrency: number) {
  const queries = Array.from({ length: SAMPLES }, () => shape.next());
  for (const q of queries.slice(0, Math.min(20, SAMPLES))) await q(db); // warm-up
  const times: number[] = [];
  let rows = 0;
  let i = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (i < queries.length) {
        const q = queries[i++] as Query;
        const t0 = performance.now();
        rows += await q(db);
        times.push(performance.now() - t0);
      }
    }),
  );
  times.sort((a, b) => a - b);
  const ms = (x: number) => x.toFixed(1);
  return {
    shape: concurrency > 1 ? `${shape.name}, ${concurrency} at a time` : shape.name,
    samples: String(times.length),
    'p50 ms': ms(quantile(times, 0.5)),
    'p95 ms': ms(quantile(times, 0.95)),
    'p99 ms': ms(quantile(times, 0.99)),
    'max ms': ms(times.at(-1) as number),
    'rows/query': (rows / times.length).toFixed(1),
  };
}

const pg = await startThrowaway('bench_search', { durable: true });
try {
  console.log(
    `PostgreSQL pid ${pg.server.pid} on port ${pg.server.port} (fsync on); filling ${ROWS.toLocaleString('en')} invoices`,
  );
  const inserted = await fillInvoices(pg.url, ROWS);
  const pool = createPool({ connectionString: pg.url, max: 8 });
  // pool.end() resolves before its sockets close; PostgreSQL's shutdown then ends them with an error.
  pool.on('error', () => {});
  const db = createDb(pool);
  try {
    const rows: Record<string, string>[] = [];
    for (const shape of SHAPES) rows.push(await measure(db, shape, 1));
    const target = await measure(db, SHAPES[0] as Shape, 8);
    rows.push(target);
    console.log(
      `\ninvoice search — ${inserted.toLocaleString('en')} invoices (${(inserted * 3).toLocaleString('en')} items), ` +
        `page of ${PAGE} (+1), PostgreSQL fsync on, ${new Date().toISOString()}`,
    );
    console.table(rows);
    const p95 = Number(rows[0]!['p95 ms']);
    console.log(
      `PRODUCT.md §7 target (seller + date range + status, p95 ≤ 300 ms): ${p95 <= 300 ? 'met' : 'NOT met'} (p95 ${p95} ms)`,
    );
  } finally {
    await db.destroy();
  }
} finally {
  await pg.stop();
  console.log('PostgreSQL stopped');
}
