/**
 * db/queries/*.sql stay the SQL the code runs: each file compiled from the repository function it names
 * (Kysely's SQL with the parameters written in as literals) must match, and every file has its plan.
 * When a repository query changes, update its file here and run `pnpm db:explain`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb, createPool, type Database } from '@app/db';
import { NoResultError } from 'kysely';
import { describe, expect, it } from 'vitest';
import { scopeWhere } from '../../apps/api/src/lib/scope-filter.ts';
import {
  countAcceptedTurnkeyMessages,
  countInvoicesOfDay,
  countOpenTurnkeyMessages,
  outboxBacklog,
  siteNumbers,
} from '../../apps/api/src/modules/dashboard/dashboard.repository.ts';
import { candidateBlocks, findInvoiceByNumber, searchInvoices } from '../../apps/api/src/modules/invoice/invoice.repository.ts';

const DIR = fileURLToPath(new URL('../../db/queries/', import.meta.url));
const S1 = 'a0000000-0000-4000-8000-000000000001';
const SITE = (n: number) => `b0000000-0000-4000-8000-000000000${n}`;
const all = scopeWhere({ all: true }, { seller: 'i.seller_id', site: 'i.site_id' });
const range = { from: '2026-09-01', to: '2026-10-31' };
/** The dashboard's "today" in the filled database (scripts/db/fill.ts FILL_LAST_DAY) and its start in Asia/Taipei. */
const DAY = '2026-10-31';
const DAY_START = new Date('2026-10-30T16:00:00.000Z');
const TENANT = 'a0000000-0000-4000-8000-000000000000';
const twoSites = { all: false, sellers: [], sites: [SITE(101), SITE(102)] } as const;
const oneSeller = { all: false, sellers: [S1], sites: [] } as const;

/** How each file's query is produced by the code. */
const CASES: Record<string, (db: Database) => Promise<unknown>> = {
  'invoice.search-latest': (db) => searchInvoices(db, all, { limit: 51 }),
  'invoice.search-seller-date-status': (db) => searchInvoices(db, all, { sellerId: S1, ...range, status: 'issued', limit: 51 }),
  'invoice.search-seller-date-cancelled': (db) =>
    searchInvoices(db, all, { sellerId: S1, ...range, status: 'cancelled', limit: 51 }),
  'invoice.search-seller-date-status-next-page': (db) =>
    searchInvoices(db, all, {
      sellerId: S1,
      ...range,
      status: 'issued',
      after: { date: '2026-10-15', number: 'AA00010000' },
      limit: 51,
    }),
  'invoice.search-site-date': (db) =>
    searchInvoices(
      db,
      scopeWhere({ all: false, sellers: [], sites: [SITE(101), SITE(102)] }, { seller: 'i.seller_id', site: 'i.site_id' }),
      {
        siteId: SITE(101),
        ...range,
        limit: 51,
      },
    ),
  'invoice.search-number': (db) =>
    searchInvoices(
      db,
      scopeWhere({ all: false, sellers: [S1], sites: [SITE(201)] }, { seller: 'i.seller_id', site: 'i.site_id' }),
      {
        number: 'AA00001234',
        limit: 51,
      },
    ),
  'invoice.search-buyer': (db) => searchInvoices(db, all, { buyerBan: '10003103', limit: 51 }),
  'invoice.search-seller-amount': (db) => searchInvoices(db, all, { sellerId: S1, minTotal: 4900, maxTotal: 5000, limit: 51 }),
  'invoice.get-by-number': (db) => findInvoiceByNumber(db, 'AA00001234', all),
  'invoice.candidate-blocks': (db) =>
    candidateBlocks(db, { siteId: SITE(101), deviceId: null, yearMonth: '11512', invoiceType: '07' }),
  'invoice.candidate-blocks-device': (db) =>
    candidateBlocks(db, {
      siteId: SITE(101),
      deviceId: 'd0000000-0000-4000-8000-000000010101',
      yearMonth: '11512',
      invoiceType: '07',
    }),
  'dashboard.invoices-today': (db) => countInvoicesOfDay(db, all, DAY),
  'dashboard.invoices-today-sites': (db) =>
    countInvoicesOfDay(db, scopeWhere(twoSites, { seller: 'i.seller_id', site: 'i.site_id' }), DAY),
  'dashboard.turnkey-open': (db) => countOpenTurnkeyMessages(db, scopeWhere({ all: true }, { seller: 'm.seller_id' })),
  'dashboard.turnkey-accepted-today': (db) =>
    countAcceptedTurnkeyMessages(db, scopeWhere(oneSeller, { seller: 'm.seller_id' }), DAY_START),
  'dashboard.outbox-backlog': (db) => outboxBacklog(db),
  'dashboard.site-numbers': (db) =>
    siteNumbers(db, TENANT, scopeWhere(twoSites, { seller: 't.seller_id', site: 'b.site_id' }), '11512'),
};
/** Files cut by hand out of a larger statement (the take of issueInOneStatement): checked by their EXPLAIN only. */
const EXTRACTS = new Set(['invoice.take-number', 'invoice.take-number-skip-locked']);

/** The first statement `run` sends, its parameters written in as SQL literals. */
async function compiled(run: (db: Database) => Promise<unknown>): Promise<string> {
  const pool = createPool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
  const sent: { sql: string; params: unknown[] }[] = [];
  // A client that records instead of sending (no server needed).
  (pool as unknown as { connect: () => Promise<unknown> }).connect = async () => ({
    query: async (sql: string, params: unknown[]) => {
      sent.push({ sql, params });
      return { rows: [], command: 'SELECT', rowCount: 0 };
    },
    release: () => {},
  });
  const db = createDb(pool);
  // The recorder answers no rows: a `…OrThrow` query's NoResultError comes after its SQL was sent.
  await run(db).catch((e) => {
    if (!(e instanceof NoResultError)) throw e;
  });
  await db.destroy();
  const q = sent[0] as { sql: string; params: unknown[] };
  return q.sql.replace(/\$(\d+)/g, (_, n: string) => {
    const v = q.params[Number(n) - 1];
    if (v instanceof Date) return `'${v.toISOString()}'`;
    return typeof v === 'string' ? `'${v.replaceAll("'", "''")}'` : String(v);
  });
}

const normal = (sql: string) =>
  sql
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('--'))
    .join(' ')
    .replace(/;\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();

describe('db/queries', () => {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.replace(/\.sql$/, ''));

  it('every query file is produced by the code (or is a named extract) and has its EXPLAIN', () => {
    expect(files.filter((f) => !(f in CASES) && !EXTRACTS.has(f))).toEqual([]);
    expect(files.filter((f) => !existsSync(join(DIR, `${f}.explain.txt`)))).toEqual([]);
    for (const f of files) expect(readFileSync(join(DIR, `${f}.sql`), 'utf8')).toMatch(/^-- Index: /m);
  });

  it.each(Object.keys(CASES))('%s.sql is the SQL the repository sends', async (name) => {
    const file = readFileSync(join(DIR, `${name}.sql`), 'utf8');
    expect(normal(file)).toBe(normal(await compiled(CASES[name] as (db: Database) => Promise<unknown>)));
  });
});
