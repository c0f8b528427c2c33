/**
 * The invoice archive (docs/archive.md) against real PostgreSQL and real storage (local files; S3 through
 * s3rver): a month past the hot window goes to storage with everything that references its invoices and its
 * partitions are dropped; the API then answers 404 for its numbers and empty lists for its dates; the restore
 * script checks every part before it changes anything and brings every row back identical; a month with a
 * message not accepted, recent activity or a pending approval stays online; a change between export and delete
 * rolls the archive back; nothing is archived twice or over its own archive.
 */
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, SCHEMA_VERSION } from '@app/db';
import { createS3Storage, ensureBucket, type Storage } from '@app/storage';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3rver } from '../../../packages/storage/test/s3rver.ts';
import { createTestApp, setupIssuer, type TestApp } from '../../api/test/helpers.ts';
import { type ArchiveOptions, archiveMonths, type MonthOutcome } from '../src/archive/archive.ts';
import { restoreMonth } from '../src/archive/restore.ts';
import { createMaintenanceArchiveHandler } from '../src/jobs/maintenance.archive.ts';
import { captureLogger, configEnv, openTestDb, type TestDb } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
/** Asia/Taipei 2026-02-10: the hot window (12 months) starts 2025-02, so 2025-01 and older are archived. */
const NOW = new Date('2026-02-10T04:00:00Z');
const DAY = 86_400_000;

/** Every table a month's rows live in, and the number registry, which stays online. */
const TABLES = {
  invoices: 'id, invoice_date',
  invoice_items: 'invoice_id, invoice_date, seq',
  invoice_transitions: 'id',
  allowances: 'id',
  allowance_items: 'allowance_id, seq',
  turnkey_messages: 'id',
  import_file_logs: 'import_id, row_no',
  invoice_numbers: 'year_month, invoice_number',
} as const;
type Table = keyof typeof TABLES;

/** One checksum of every row of `table` (the whole table, not only the month). */
async function checksum(db: Database, table: Table): Promise<string> {
  const r = await sql<{ md5: string | null }>`
    SELECT md5(string_agg(t::text, E'\n' ORDER BY ${sql.raw(TABLES[table].replace(/(\w+)/g, 't.$1'))})) AS md5
      FROM ${sql.table(table)} t`.execute(db);
  return r.rows[0]?.md5 ?? 'empty';
}
const checksums = async (db: Database) =>
  Object.fromEntries(await Promise.all((Object.keys(TABLES) as Table[]).map(async (t) => [t, await checksum(db, t)])));

/** Rows of `table` whose invoice_date lies in [from, to). */
async function rowsDated(db: Database, table: Exclude<Table, 'allowance_items'>, from: string, to: string): Promise<number> {
  const r = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE invoice_date >= ${from}::date AND invoice_date < ${to}::date`.execute(
    db,
  );
  return r.rows[0]?.n ?? -1;
}

async function partitionsOf(db: Database, parent: string): Promise<Record<string, string>> {
  const r = await sql<{ name: string; bound: string }>`
    SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = ${parent}::regclass`.execute(db);
  return Object.fromEntries(r.rows.map((x) => [x.name, x.bound]));
}

type Parties = { tenantId: string; sellerId: string; siteId: string };

/**
 * Invoices as the API leaves them, written straight in SQL because their dates lie in the past: each with its
 * items, its registry row and its accepted F0401 — plus cancel, void and re-issue, an allowance, an import log.
 */
function seeder(db: Database, p: Parties) {
  const blocks = new Map<string, string>();
  async function block(yearMonth: string, track: string) {
    const k = `${yearMonth}${track}`;
    if (!blocks.has(k)) {
      const t = await db
        .insertInto('tracks')
        .values({ seller_id: p.sellerId, invoice_type: '07', year_month: yearMonth, track, begin_no: 0, end_no: 49 })
        .returning('id')
        .executeTakeFirstOrThrow();
      const b = await db
        .insertInto('track_blocks')
        .values({ track_id: t.id, site_id: p.siteId, begin_no: 0, end_no: 49, next_no: 20 })
        .returning('id')
        .executeTakeFirstOrThrow();
      blocks.set(k, b.id);
    }
    return blocks.get(k) as string;
  }
  const at = (iso: string) => new Date(iso);

  async function message(m: {
    type: string;
    invoiceId?: string;
    date?: string;
    transitionId?: string;
    allowanceId?: string;
    identifier: string;
    chain: string;
    status?: string;
  }) {
    return (
      await db
        .insertInto('turnkey_messages')
        .values({
          message_type: m.type,
          seller_id: p.sellerId,
          invoice_id: m.invoiceId ?? null,
          invoice_date: m.date ?? null,
          transition_id: m.transitionId ?? null,
          allowance_id: m.allowanceId ?? null,
          identifier: m.identifier,
          chain: m.chain,
          status: m.status ?? 'accepted',
          attempts: 1,
          result_code: m.status === 'delivered' ? null : '00000',
          delivered_at: at('2025-01-01T00:00:00Z'),
          result_at: m.status === 'delivered' ? null : at('2025-01-01T00:05:00Z'),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  }

  /** A version of an invoice (without its registry row). */
  async function version(number: string, date: string, yearMonth: string, status = 'issued', total = 1050n) {
    const id = randomUUID();
    const tax = 50n;
    await db
      .insertInto('invoices')
      .values({
        id,
        invoice_date: date,
        invoice_time: at(`${date}T10:00:00.123456+08:00`),
        seller_id: p.sellerId,
        site_id: p.siteId,
        block_id: await block(yearMonth, number.slice(0, 2)),
        year_month: yearMonth,
        invoice_number: number,
        random_number: '0427',
        invoice_type: '07',
        buyer_ban: '22099131',
        buyer_name: '買方 "股份" 有限公司',
        print_mark: 'Y',
        tax_type: '1',
        tax_rate: '0.05',
        sales_amount: String(total - tax),
        free_tax_sales_amount: '0',
        zero_tax_sales_amount: '0',
        tax_amount: String(tax),
        total_amount: String(total),
        main_remark: 'line one\nline two, with "quotes" and \\ backslash',
        status,
        issued_by: 'user:seed',
        request_id: `req-${number}`,
      })
      .execute();
    await db
      .insertInto('invoice_items')
      .values([
        {
          invoice_id: id,
          invoice_date: date,
          seq: 1,
          description: '咖啡豆 (深焙)',
          quantity: '1.5000000',
          unit: '包',
          unit_price: '466.6666667',
          amount: '700',
          tax_type: '1',
        },
        {
          invoice_id: id,
          invoice_date: date,
          seq: 2,
          description: '濾紙',
          quantity: '3',
          unit: null,
          unit_price: String((total - 700n) / 3n),
          amount: String(total - 700n),
          tax_type: null,
          remark: 'tab\there',
        },
      ])
      .execute();
    return id;
  }

  /** An issued invoice with its registry row and its F0401 (accepted unless told). */
  async function invoice(number: string, date: string, yearMonth: string, o: { status?: string; total?: bigint } = {}) {
    const id = await version(number, date, yearMonth, 'issued', o.total);
    const blockId = await block(yearMonth, number.slice(0, 2));
    await db
      .insertInto('invoice_numbers')
      .values({ year_month: yearMonth, invoice_number: number, block_id: blockId, invoice_id: id, invoice_date: date })
      .execute();
    await message({
      type: 'F0401',
      invoiceId: id,
      date,
      identifier: `F0401${number}${date.replaceAll('-', '')}`,
      chain: `${yearMonth}:${number}`,
      status: o.status,
    });
    return id;
  }

  async function transition(t: {
    kind: 'cancelled' | 'voided' | 'reissued';
    number: string;
    yearMonth: string;
    date: string;
    from: string;
    to?: string;
    at: string;
  }) {
    return (
      await db
        .insertInto('invoice_transitions')
        .values({
          year_month: t.yearMonth,
          invoice_number: t.number,
          kind: t.kind,
          invoice_date: t.date,
          from_invoice_id: t.from,
          to_invoice_id: t.to ?? null,
          reason: t.kind === 'reissued' ? null : '買方要求',
          occurred_at: at(t.at),
          actor: 'user:seed',
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  }

  async function allowance(
    number: string,
    yearMonth: string,
    invoiceId: string,
    invoiceDate: string,
    allowanceDate: string,
    seq: number,
  ) {
    const allowanceNumber = `04595257${String(seq).padStart(8, '0')}`;
    const a = await db
      .insertInto('allowances')
      .values({
        allowance_number: allowanceNumber,
        allowance_date: allowanceDate,
        seller_id: p.sellerId,
        site_id: p.siteId,
        year_month: yearMonth,
        invoice_number: number,
        invoice_id: invoiceId,
        invoice_date: invoiceDate,
        buyer_ban: '22099131',
        tax_amount: '5',
        total_amount: '100',
        issued_by: 'user:seed',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('allowance_items')
      .values({
        allowance_id: a.id,
        seq: 1,
        original_seq: 1,
        description: '咖啡豆 (深焙)',
        quantity: '1',
        unit_price: '100',
        tax_type: '1',
        amount: '105',
        untaxed_amount: '100',
        tax: '5',
      })
      .execute();
    await message({
      type: 'G0401',
      allowanceId: a.id,
      identifier: `G0401${allowanceNumber}${allowanceDate.replaceAll('-', '')}`,
      chain: `${yearMonth}:${number}`,
    });
    return a.id;
  }

  return { invoice, version, transition, allowance, message };
}

/** The month 2025-01 (period 11402) in every shape, 2024-12 with a message still delivered, 2025-02 in the hot window. */
async function seedMonths(db: Database, p: Parties) {
  const s = seeder(db, p);
  await s.invoice('AB00000001', '2025-01-05', '11402');
  // Cancelled (F0501).
  const b = await s.invoice('AB00000002', '2025-01-10', '11402');
  await db.updateTable('invoices').set({ status: 'cancelled' }).where('id', '=', b).execute();
  const bt = await s.transition({
    kind: 'cancelled',
    number: 'AB00000002',
    yearMonth: '11402',
    date: '2025-01-10',
    from: b,
    at: '2025-01-11T09:00:00+08:00',
  });
  await s.message({
    type: 'F0501',
    invoiceId: b,
    date: '2025-01-10',
    transitionId: bt,
    identifier: 'F0501AB0000000220250111',
    chain: '11402:AB00000002',
  });
  // With an allowance (G0401) inside the month.
  const c = await s.invoice('AB00000003', '2025-01-20', '11402');
  await s.allowance('AB00000003', '11402', c, '2025-01-20', '2025-01-25', 1);
  // A number past its largest JavaScript-safe integer: only exact text survives a round trip.
  const d = await s.invoice('AB00000004', '2025-01-31', '11402', { total: 9_007_199_254_740_993n });
  const imp = await db
    .insertInto('import_files')
    .values({
      tenant_id: p.tenantId,
      filename: '一月.csv',
      sha256: 'a'.repeat(64),
      format: 'csv',
      encoding: 'utf8',
      size_bytes: 120,
      storage_key: 'imports/2025/01/a.csv',
      status: 'done',
      rows_total: 1,
      rows_valid: 1,
      rows_issued: 1,
      created_by: 'user:seed',
      created_by_name: 'Seed',
      finished_at: new Date('2025-01-31T12:00:00Z'),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('import_file_logs')
    .values({
      import_id: imp.id,
      row_no: 1,
      line_from: 2,
      line_to: 3,
      ref: 'r1',
      status: 'issued',
      invoice_id: d,
      invoice_date: '2025-01-31',
      invoice_number: 'AB00000004',
    })
    .execute();
  // Voided (F0701) and re-issued with the same number and date (a second F0401).
  const v1 = await s.invoice('AB00000005', '2025-01-15', '11402');
  await db.updateTable('invoices').set({ status: 'voided' }).where('id', '=', v1).execute();
  const v2 = await s.version('AB00000005', '2025-01-15', '11402');
  const vt = await s.transition({
    kind: 'voided',
    number: 'AB00000005',
    yearMonth: '11402',
    date: '2025-01-15',
    from: v1,
    at: '2025-01-16T09:00:00+08:00',
  });
  await s.transition({
    kind: 'reissued',
    number: 'AB00000005',
    yearMonth: '11402',
    date: '2025-01-15',
    from: v1,
    to: v2,
    at: '2025-01-16T09:00:00+08:00',
  });
  await db.updateTable('invoice_numbers').set({ invoice_id: v2 }).where('invoice_number', '=', 'AB00000005').execute();
  await s.message({
    type: 'F0701',
    invoiceId: v1,
    date: '2025-01-15',
    transitionId: vt,
    identifier: 'F0701AB0000000520250116',
    chain: '11402:AB00000005',
  });
  await s.message({
    type: 'F0401',
    invoiceId: v2,
    date: '2025-01-15',
    identifier: 'F0401AB0000000520250115',
    chain: '11402:AB00000005',
  });

  const x = await s.invoice('AC00000001', '2024-12-20', '11312', { status: 'delivered' });
  await s.invoice('AB00000010', '2025-02-02', '11402');
  return { s, x };
}

function runScript(script: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(join(ROOT, 'scripts', script), args, { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const byMonth = (months: MonthOutcome[]) => Object.fromEntries(months.map((m) => [m.month, m]));

describe('invoice archive (local storage, restore through the script)', () => {
  let t: TestApp;
  let db: Database;
  let storage: Storage;
  let env: Record<string, string>;
  let admin: string;
  let seeded: Awaited<ReturnType<typeof seedMonths>>;
  let before: Record<string, string>;
  let invoiceBefore: unknown;
  const { log, lines } = captureLogger();
  const archive = (o: Partial<ArchiveOptions> = {}) =>
    archiveMonths({ db, storage }, { now: NOW, hotMonths: 12, restoredKeepDays: 30, by: 'test', log, ...o });
  const get = (url: string) => t.call({ method: 'GET', url, token: admin });

  beforeAll(async () => {
    t = await createTestApp();
    db = t.deps.db;
    storage = t.deps.storage;
    env = configEnv(t.deps.config);
    const issuer = await setupIssuer(t);
    admin = issuer.admin;
    const tenant = await db
      .selectFrom('sys_tenants')
      .select('id')
      .where('code', '=', t.deps.config.TENANT_CODE)
      .executeTakeFirstOrThrow();
    seeded = await seedMonths(db, { tenantId: tenant.id, sellerId: issuer.sellerId, siteId: issuer.siteId });
    before = await checksums(db);
    const r = await get('/api/v1/invoices/AB00000003');
    expect(r.statusCode).toBe(200);
    invoiceBefore = r.json();
    expect((invoiceBefore as { allowances: unknown[] }).allowances).toHaveLength(1);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('archives the months before the hot window whose messages are all accepted: rows, items and every referencing row go to storage with a manifest, the partitions go', async () => {
    const run = await archive();
    expect(run).toMatchObject({ busy: false, firstHotMonth: '2025-02' });
    const months = byMonth(run.months);
    // 2024-01 … 2024-11 are empty and go too; 2025-02 is hot and not even considered.
    expect(Object.keys(months).sort()).toEqual([
      ...Array.from({ length: 11 }, (_, i) => `2024-${String(i + 1).padStart(2, '0')}`),
      '2024-12',
      '2025-01',
    ]);
    expect(months['2024-05']).toMatchObject({ outcome: 'archived', rows: { invoices: 0, turnkey_messages: 0 } });
    expect(months['2024-12']).toEqual({
      month: '2024-12',
      outcome: 'waiting',
      reasons: ['1 Turnkey message(s) not accepted by the platform (F0401AC0000000120241220 delivered)'],
    });
    expect(lines.some((l) => l.level === 'warn' && l.month === '2024-12' && /not archived yet/.test(l.msg))).toBe(true);
    expect(months['2025-01']).toMatchObject({
      outcome: 'archived',
      rows: {
        invoices: 6,
        invoice_items: 12,
        invoice_transitions: 3,
        allowances: 1,
        allowance_items: 1,
        turnkey_messages: 9,
        import_file_logs: 1,
      },
    });

    const inv = await partitionsOf(db, 'invoices');
    const items = await partitionsOf(db, 'invoice_items');
    expect(inv.invoices_202501).toBeUndefined();
    expect(items.invoice_items_202501).toBeUndefined();
    expect(inv.invoices_202405).toBeUndefined();
    expect(inv.invoices_202412).toBe("FOR VALUES FROM ('2024-12-01') TO ('2025-01-01')");
    expect(inv.invoices_202502).toBe("FOR VALUES FROM ('2025-02-01') TO ('2025-03-01')");
    for (const table of [
      'invoices',
      'invoice_items',
      'invoice_transitions',
      'allowances',
      'turnkey_messages',
      'import_file_logs',
    ] as const) {
      expect(await rowsDated(db, table, '2025-01-01', '2025-02-01'), table).toBe(0);
    }
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM allowance_items`.execute(db)).rows[0]?.n).toBe(0);
    expect(await rowsDated(db, 'invoices', '2024-12-01', '2024-12-31')).toBe(1);
    expect(await rowsDated(db, 'invoices', '2025-02-01', '2025-03-01')).toBe(1);
    // The number registry stays whole: the numbers can never be issued again.
    expect(await checksum(db, 'invoice_numbers')).toBe(before.invoice_numbers);

    const keys = (await storage.list('archive/invoices/2025-01/')).map((o) => o.key);
    expect(keys).toEqual(
      ['allowance_items', 'import_file_logs', 'invoice_items', 'invoice_transitions', 'invoices', 'turnkey_messages']
        .map((x) => `archive/invoices/2025-01/${x}.jsonl.gz`)
        .concat('archive/invoices/2025-01/allowances.jsonl.gz', 'archive/invoices/2025-01/manifest.json')
        .sort(),
    );
    const manifestBytes = await storage.get('archive/invoices/2025-01/manifest.json');
    const manifest = JSON.parse(manifestBytes.toString());
    expect(manifest).toMatchObject({
      format: 'einvoice-invoice-archive/1',
      month: '2025-01',
      bounds: { from: '2025-01-01', to: '2025-02-01' },
      partitions: { invoices: 'invoices_202501', invoice_items: 'invoice_items_202501' },
      schemaVersion: SCHEMA_VERSION.toString(),
      archivedBy: 'test',
    });
    for (const part of manifest.parts) {
      const bytes = await storage.get(part.key);
      expect(createHash('sha256').update(bytes).digest('hex'), part.key).toBe(part.sha256);
      expect(bytes.length).toBe(part.bytes);
    }
    const record = await db
      .selectFrom('invoice_archives')
      .selectAll()
      .where('month', '=', sql<Date>`'2025-01-01'::date`)
      .executeTakeFirstOrThrow();
    expect(record).toMatchObject({
      storage_prefix: 'archive/invoices/2025-01',
      manifest_sha256: createHash('sha256').update(manifestBytes).digest('hex'),
      row_counts: { invoices: 6, invoice_items: 12, turnkey_messages: 9 },
      restored_at: null,
      archived_by: 'test',
    });
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM invoice_archives`.execute(db)).rows[0]?.n).toBe(12);

    // Nothing brings the month back empty, not even the migration's own call over the whole range.
    expect((await sql<{ n: number }>`SELECT ensure_invoice_partitions('2024-01-01', 48) AS n`.execute(db)).rows[0]?.n).toBe(0);
    expect((await partitionsOf(db, 'invoices')).invoices_202501).toBeUndefined();

    // An archived invoice is simply not online; searches over archived months find nothing and do not fail.
    const one = await get('/api/v1/invoices/AB00000003');
    expect(one.statusCode).toBe(404);
    expect(one.json()).toMatchObject({ code: 'NOT_FOUND' });
    const month = await get('/api/v1/invoices?from=2025-01-01&to=2025-01-31');
    expect(month.statusCode).toBe(200);
    expect(month.json().items).toEqual([]);
    const span = await get('/api/v1/invoices?from=2024-11-01&to=2025-02-28');
    expect(span.statusCode).toBe(200);
    expect(span.json().items.map((i: { invoiceNumber: string }) => i.invoiceNumber)).toEqual(['AB00000010', 'AC00000001']);
    expect((await get('/api/v1/invoices/AB00000010')).statusCode).toBe(200);
  }, 60_000);

  it('runs again without archiving anything twice', async () => {
    const objects = await storage.list('archive/invoices/');
    const records = await sql`SELECT * FROM invoice_archives ORDER BY month`.execute(db);
    const run = await archive();
    expect(run.months).toEqual([expect.objectContaining({ month: '2024-12', outcome: 'waiting' })]);
    expect(await storage.list('archive/invoices/')).toEqual(objects);
    expect((await sql`SELECT * FROM invoice_archives ORDER BY month`.execute(db)).rows).toEqual(records.rows);
    // Asked for by name, the month says why.
    expect((await archive({ only: '2025-01' })).months).toEqual([
      { month: '2025-01', outcome: 'skipped', reason: '2025-01 is archived already' },
    ]);
  });

  it('refuses to restore a damaged part before it changes anything', async () => {
    const file = join(t.deps.config.STORAGE_LOCAL_ROOT, 'archive', 'invoices', '2025-01', 'invoice_items.jsonl.gz');
    const good = readFileSync(file);
    const bad = Buffer.from(good);
    const at = Math.floor(bad.length / 2);
    bad[at] = (bad[at] as number) ^ 0x01;
    writeFileSync(file, bad);
    try {
      const r = await runScript('archive-restore.sh', ['2025-01'], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /^archive\/invoices\/2025-01\/invoice_items\.jsonl\.gz does not match the manifest: SHA-256 [0-9a-f]{64}/,
      );
      expect(r.stderr).toContain('nothing was changed');
      expect((await partitionsOf(db, 'invoices')).invoices_202501).toBeUndefined();
      expect(await rowsDated(db, 'invoices', '2025-01-01', '2025-02-01')).toBe(0);
      expect(await rowsDated(db, 'turnkey_messages', '2025-01-01', '2025-02-01')).toBe(0);
      const rec = await db
        .selectFrom('invoice_archives')
        .select('restored_at')
        .where('month', '=', sql<Date>`'2025-01-01'::date`)
        .executeTakeFirstOrThrow();
      expect(rec.restored_at).toBeNull();
    } finally {
      writeFileSync(file, good);
    }
  });

  it('restores a month through the script with every row identical, once', async () => {
    const r = await runScript('archive-restore.sh', ['2025-01'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^restored 2025-01 in \d+ ms: invoices 6, invoice_items 12, invoice_transitions 3, allowances 1, allowance_items 1, turnkey_messages 9, import_file_logs 1; rows compared with the archive's digests: invoices, invoice_items, invoice_transitions, allowances, allowance_items, turnkey_messages, import_file_logs\n$/,
    );

    // The 11 empty months stay archived; everything of 2025-01 is back, byte for byte.
    expect(await checksums(db)).toEqual(before);
    expect((await partitionsOf(db, 'invoices')).invoices_202501).toBe("FOR VALUES FROM ('2025-01-01') TO ('2025-02-01')");
    expect((await partitionsOf(db, 'invoice_items')).invoice_items_202501).toBe(
      "FOR VALUES FROM ('2025-01-01') TO ('2025-02-01')",
    );
    const got = await get('/api/v1/invoices/AB00000003');
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(invoiceBefore);
    const rec = await db
      .selectFrom('invoice_archives')
      .select(['restored_at', 'restored_by'])
      .where('month', '=', sql<Date>`'2025-01-01'::date`)
      .executeTakeFirstOrThrow();
    expect(rec.restored_at).toBeInstanceOf(Date);
    expect(rec.restored_by).toMatch(/^script:/);

    const list = await runScript('archive-restore.sh', ['--list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^2025-01 {2}restored {5}\s+6 invoices {2}restored \S+ {2}archive\/invoices\/2025-01\/$/m);
    expect(list.stdout).toMatch(/^2024-03 {2}archived {5}\s+0 invoices {2}archived /m);

    const again = await runScript('archive-restore.sh', ['2025-01'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^2025-01 is online already: restored .* by script:/);
    expect(await checksums(db)).toEqual(before);
  }, 60_000);

  it('keeps a restored month online for ARCHIVE_RESTORED_KEEP_DAYS, then archives it again', async () => {
    const soon = await archive({ now: new Date(Date.now() + DAY), hotMonths: 3, only: '2025-01' });
    expect(soon.months).toEqual([
      expect.objectContaining({
        month: '2025-01',
        outcome: 'skipped',
        reason: expect.stringMatching(/stays online until .* \(ARCHIVE_RESTORED_KEEP_DAYS=30\)$/),
      }),
    ]);
    expect(await rowsDated(db, 'invoices', '2025-01-01', '2025-02-01')).toBe(6);

    const later = await archive({ now: new Date(Date.now() + 31 * DAY), hotMonths: 3, only: '2025-01' });
    expect(later.months).toEqual([expect.objectContaining({ month: '2025-01', outcome: 'archived' })]);
    expect(await rowsDated(db, 'invoices', '2025-01-01', '2025-02-01')).toBe(0);
    const rec = await db
      .selectFrom('invoice_archives')
      .select(['restored_at', 'restored_by'])
      .where('month', '=', sql<Date>`'2025-01-01'::date`)
      .executeTakeFirstOrThrow();
    expect(rec).toEqual({ restored_at: null, restored_by: null });
  });

  it('never archives a hand-made partition of an archived month over its archive', async () => {
    const manifest = await storage.get('archive/invoices/2025-01/manifest.json');
    await sql`CREATE TABLE invoices_202501 PARTITION OF invoices FOR VALUES FROM ('2025-01-01') TO ('2025-02-01')`.execute(db);
    await sql`CREATE TABLE invoice_items_202501 PARTITION OF invoice_items FOR VALUES FROM ('2025-01-01') TO ('2025-02-01')`.execute(
      db,
    );
    try {
      const run = await archive();
      expect(byMonth(run.months)['2025-01']).toEqual({
        month: '2025-01',
        outcome: 'failed',
        error: expect.stringContaining('is recorded as archived (invoice_archives) but partition invoices_202501 exists'),
      });
      expect((await storage.get('archive/invoices/2025-01/manifest.json')).equals(manifest)).toBe(true);
      const restore = await runScript('archive-restore.sh', ['2025-01'], env);
      expect(restore.code).toBe(1);
      expect(restore.stderr).toMatch(/recorded as archived but partition invoices_202501 exists/);
    } finally {
      // Detached first: a partition that keys reference cannot be dropped in place.
      await sql`ALTER TABLE invoice_items DETACH PARTITION invoice_items_202501`.execute(db);
      await sql`DROP TABLE invoice_items_202501`.execute(db);
      await sql`ALTER TABLE invoices DETACH PARTITION invoices_202501`.execute(db);
      await sql`DROP TABLE invoices_202501`.execute(db);
    }
  });

  it('holds a month while an approval is pending or an allowance is inside the hot window, and rolls back when rows change during the export', async () => {
    const x = seeded.x;
    await db.updateTable('turnkey_messages').set({ status: 'accepted' }).where('invoice_id', '=', x).execute();
    const user = await db.selectFrom('sys_users').select('id').executeTakeFirstOrThrow();
    const seller = await db.selectFrom('invoices').select(['seller_id', 'site_id']).where('id', '=', x).executeTakeFirstOrThrow();
    const approval = await db
      .insertInto('approval_requests')
      .values({
        action: 'invoice.void',
        invoice_number: 'AC00000001',
        year_month: '11312',
        seller_id: seller.seller_id,
        site_id: seller.site_id,
        payload: JSON.stringify({ reason: '錯誤' }),
        requested_by_type: 'user',
        requested_by_id: user.id,
        requested_by_name: 'admin',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const allowanceId = await seeded.s.allowance('AC00000001', '11312', x, '2024-12-20', '2025-02-05', 2);
    const held = byMonth((await archive()).months)['2024-12'];
    expect(held).toEqual({
      month: '2024-12',
      outcome: 'waiting',
      reasons: [
        '1 allowance(s) issued, cancelled or voided since 2025-02-01, inside the hot window',
        '1 approval request(s) still pending for its invoices',
      ],
    });

    await db
      .updateTable('approval_requests')
      .set({ status: 'rejected', decided_at: new Date() })
      .where('id', '=', approval.id)
      .execute();
    await db.updateTable('allowances').set({ allowance_date: '2025-01-05' }).where('id', '=', allowanceId).execute();
    const snapshot = await checksums(db);
    // Between the export and the delete, the month gets one more message: the archive must not delete it unseen.
    const changed = byMonth(
      (
        await archive({
          only: '2024-12',
          afterExport: async () => {
            await seeded.s.message({
              type: 'F0401',
              identifier: 'F0401AC00000001X',
              chain: '11312:AC00000001',
              invoiceId: x,
              date: '2024-12-20',
            });
          },
        })
      ).months,
    )['2024-12'];
    expect(changed).toEqual({
      month: '2024-12',
      outcome: 'waiting',
      reasons: [
        expect.stringMatching(/^turnkey_messages: deleted 3 row\(s\) where 2 were exported .* tried again on the next run$/),
      ],
    });
    await db.deleteFrom('turnkey_messages').where('identifier', '=', 'F0401AC00000001X').execute();
    expect(await checksums(db)).toEqual(snapshot);
    expect((await partitionsOf(db, 'invoices')).invoices_202412).toBeDefined();
    expect(
      await db.selectFrom('invoice_archives').select('month').where('month', '=', sql<Date>`'2024-12-01'::date`).execute(),
    ).toEqual([]);

    expect(byMonth((await archive()).months)['2024-12']).toMatchObject({
      outcome: 'archived',
      rows: { invoices: 1, allowances: 1, turnkey_messages: 2 },
    });
  });

  it('scripts: --help, bad usage (2), a month with no archive (1), the archive run by hand', async () => {
    const help = await runScript('archive-restore.sh', ['--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: scripts\/archive-restore\.sh <YYYY-MM> \[--env-file FILE\]/);
    expect((await runScript('archive-restore.sh', [], env)).code).toBe(2);
    const bad = await runScript('archive-restore.sh', ['2025-13'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^"2025-13" is not a month \(YYYY-MM\)/);
    expect((await runScript('archive-restore.sh', ['2025-01', '--env-file', '/nonexistent/.env'], env)).code).toBe(2);
    const none = await runScript('archive-restore.sh', ['2019-01'], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^No archive of 2019-01 in storage \(archive\/invoices\/2019-01\/manifest\.json is missing\)/);

    expect((await runScript('archive-partitions.sh', ['--help'], env)).stdout).toMatch(/^usage: scripts\/archive-partitions\.sh/);
    // Run by hand today, with a 3-month window: 2025-02, still online, lies before it.
    const run = await runScript('archive-partitions.sh', ['--month', '2025-02'], { ...env, ARCHIVE_HOT_MONTHS: '3' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      month: '2025-02',
      outcome: 'archived',
      rows: { invoices: 1, turnkey_messages: 1 },
    });
    expect(await rowsDated(db, 'invoices', '2025-02-01', '2025-03-01')).toBe(0);
  }, 60_000);
});

describe('invoice archive on S3 (s3rver), through the job handler', () => {
  let s3: Awaited<ReturnType<typeof startS3rver>>;
  let d: TestDb;
  beforeAll(async () => {
    s3 = await startS3rver();
    d = await openTestDb();
  });
  afterAll(async () => {
    await d?.close();
    await s3?.stop();
  });

  it('the job archives to S3 and the restore brings the rows back identical; off with ARCHIVE_HOT_MONTHS=0', async () => {
    await ensureBucket(s3.options('archive'));
    const storage = createS3Storage(s3.options('archive'));
    const tenant = await d.db
      .insertInto('sys_tenants')
      .values({ code: 'arch', name: 'Arch' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const seller = await d.db
      .insertInto('sellers')
      .values({ tenant_id: tenant.id, ban: '04595257', name: 'S', address: 'A' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const site = await d.db
      .insertInto('sites')
      .values({ seller_id: seller.id, code: 'S1', name: 'Site' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const s = seeder(d.db, { tenantId: tenant.id, sellerId: seller.id, siteId: site.id });
    const a = await s.invoice('AB00000001', '2025-01-05', '11402');
    await s.allowance('AB00000001', '11402', a, '2025-01-05', '2025-01-06', 1);
    const before = await checksums(d.db);
    const { log } = captureLogger();
    const ctx = { jobId: 'j', attempt: 1, signal: new AbortController().signal, log };

    const off = createMaintenanceArchiveHandler({ db: d.db, storage, hotMonths: 0, restoredKeepDays: 30, now: () => NOW });
    expect(await off({}, ctx)).toBe('skipped');
    expect(await storage.list('archive/')).toEqual([]);

    const handler = createMaintenanceArchiveHandler({ db: d.db, storage, hotMonths: 12, restoredKeepDays: 30, now: () => NOW });
    expect(await handler({}, ctx)).toBe('done');
    expect(await handler({}, ctx)).toBe('skipped');
    expect(await rowsDated(d.db, 'invoices', '2025-01-01', '2025-02-01')).toBe(0);
    expect((await storage.list('archive/invoices/2025-01/')).map((o) => o.key)).toContain(
      'archive/invoices/2025-01/manifest.json',
    );

    const r = await restoreMonth({ db: d.db, storage }, '2025-01', { by: 'test' });
    expect(r.rows).toMatchObject({ invoices: 1, invoice_items: 2, allowances: 1, allowance_items: 1, turnkey_messages: 2 });
    expect(r.digestsChecked).toHaveLength(7);
    expect(await checksums(d.db)).toEqual(before);
  }, 60_000);
});
