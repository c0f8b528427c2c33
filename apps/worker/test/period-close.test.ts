/**
 * period.close against real PostgreSQL (and Redis for the queued job): every ended period's blocks are
 * closed and their blank numbers stored per range, block and BAN (E0402); one PeriodClosed per seller and
 * period; a re-run, a concurrent run or a retry changes nothing more; an issue in flight is waited for and
 * none succeeds after; the CLI and the queued job do the same.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRenderer } from '@app/api/services';
import type { Database } from '@app/db';
import { testConfig } from '@app/devkit/testing';
import { nextPeriod, type Period, parseYearMonth, periodOf, previousPeriod } from '@app/domain';
import { addJob, type JobContext, queueFor } from '@app/jobs';
import { createXsdValidator } from '@app/xsd';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closePeriods, createPeriodCloseHandler } from '../src/jobs/period.close.ts';
import { startRuntime } from '../src/runtime.ts';
import { handOffBatch } from '../src/turnkey/handoff.ts';
import { captureLogger, openTestDb, type TestDb, waitFor } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CLI = join(ROOT, 'apps', 'worker', 'src', 'cli', 'period-close.ts');

const current = periodOf(new Date());
const ended = previousPeriod(current);
const older = previousPeriod(ended);

type Ids = { tenant: string; sellerA: string; sellerB: string; s1: string; br: string; s2: string };

async function seedParties(db: Database): Promise<Ids> {
  const tenant = (
    await db.insertInto('sys_tenants').values({ code: 'period', name: 'Period' }).returning('id').executeTakeFirstOrThrow()
  ).id;
  const seller = async (ban: string) =>
    (
      await db
        .insertInto('sellers')
        .values({ tenant_id: tenant, ban, name: `Seller ${ban}`, address: '台北市' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const site = async (sellerId: string, code: string, branchBan: string | null) =>
    (
      await db
        .insertInto('sites')
        .values({ seller_id: sellerId, code, name: code, branch_ban: branchBan })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const sellerA = await seller('04595257');
  const sellerB = await seller('22099131');
  return {
    tenant,
    sellerA,
    sellerB,
    s1: await site(sellerA, 'S1', null),
    br: await site(sellerA, 'BR', '10458574'),
    s2: await site(sellerB, 'S2', null),
  };
}

async function range(db: Database, sellerId: string, p: Period, track: string, begin: number, end: number) {
  return (
    await db
      .insertInto('tracks')
      .values({ seller_id: sellerId, invoice_type: '07', year_month: p.yearMonth, track, begin_no: begin, end_no: end })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

async function block(db: Database, trackId: string, siteId: string, begin: number, end: number, nextNo: number) {
  return (
    await db
      .insertInto('track_blocks')
      .values({ track_id: trackId, site_id: siteId, begin_no: begin, end_no: end, next_no: nextNo })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

const blanksOf = (db: Database, trackId: string) =>
  db
    .selectFrom('period_blanks')
    .select([
      'begin_no',
      'end_no',
      'count',
      'block_id',
      'site_id',
      'head_ban',
      'branch_ban',
      'year_month',
      'track',
      'invoice_type',
    ])
    .where('track_id', '=', trackId)
    .orderBy('begin_no')
    .execute();

const closedEvents = (db: Database) =>
  db
    .selectFrom('sys_outbox')
    .select(['aggregate_id', 'payload'])
    .where('event_type', '=', 'PeriodClosed')
    .orderBy('id')
    .execute();

const statusOf = async (db: Database, id: string) =>
  (await db.selectFrom('track_blocks').select(['status', 'next_no']).where('id', '=', id).executeTakeFirstOrThrow()).status;

describe('period.close', () => {
  let t: TestDb;
  let ids: Ids;
  let rangeA: string; // seller A, ended period
  let rangeOld: string; // seller A, the period before, no block at all
  let rangeB: string; // seller B, ended period
  let rangeNow: string; // seller A, current period
  const b: Record<string, string> = {};

  beforeAll(async () => {
    t = await openTestDb();
    ids = await seedParties(t.db);
    rangeA = await range(t.db, ids.sellerA, ended, 'AB', 0, 399);
    b.a1 = await block(t.db, rangeA, ids.s1, 0, 99, 10); // 0-9 issued
    b.a2 = await block(t.db, rangeA, ids.br, 100, 199, 100); // branch, nothing issued
    b.a3 = await block(t.db, rangeA, ids.s1, 200, 249, 250); // used up; 250-399 never allocated
    rangeOld = await range(t.db, ids.sellerA, older, 'EF', 1000, 1049);
    rangeB = await range(t.db, ids.sellerB, ended, 'CD', 0, 99);
    b.b1 = await block(t.db, rangeB, ids.s2, 0, 99, 0);
    rangeNow = await range(t.db, ids.sellerA, current, 'AB', 0, 99);
    b.now = await block(t.db, rangeNow, ids.s1, 0, 49, 5);
  });
  afterAll(() => t?.close());

  it('the database and the domain agree on when a period ends', async () => {
    for (const ym of [current.yearMonth, ended.yearMonth, '11302', '11312', '11410', '06912', '09902']) {
      const r = await sql<{ ends: Date }>`SELECT period_end(${ym}) AS ends`.execute(t.db);
      expect(r.rows[0]!.ends.toISOString()).toBe(parseYearMonth(ym)!.end.toISOString());
    }
  });

  it("closes every ended period's blocks and stores the blanks per range, block and BAN; one PeriodClosed each", async () => {
    const results = await closePeriods(t.db, { now: new Date() });
    expect(results.map((r) => r.yearMonth)).toEqual([older.yearMonth, ended.yearMonth, ended.yearMonth]); // oldest first
    expect(
      results.map((r) => [r.yearMonth, r.sellerBan, r.firstClose, r.blocksClosed, r.blankSpans, r.blankNumbers]).sort(),
    ).toEqual([
      [older.yearMonth, '04595257', true, 0, 1, 50],
      [ended.yearMonth, '04595257', true, 3, 3, 90 + 100 + 150],
      [ended.yearMonth, '22099131', true, 1, 1, 100],
    ]);

    for (const id of [b.a1, b.a2, b.a3, b.b1]) expect(await statusOf(t.db, id!)).toBe('closed');
    expect(await statusOf(t.db, b.now!)).toBe('active'); // the current period is not touched

    const common = { year_month: ended.yearMonth, track: 'AB', invoice_type: '07', head_ban: '04595257' };
    expect(await blanksOf(t.db, rangeA)).toEqual([
      { ...common, begin_no: 10, end_no: 99, count: 90, block_id: b.a1, site_id: ids.s1, branch_ban: '04595257' },
      { ...common, begin_no: 100, end_no: 199, count: 100, block_id: b.a2, site_id: ids.br, branch_ban: '10458574' },
      { ...common, begin_no: 250, end_no: 399, count: 150, block_id: null, site_id: null, branch_ban: '04595257' },
    ]);
    expect(await blanksOf(t.db, rangeOld)).toEqual([
      expect.objectContaining({ begin_no: 1000, end_no: 1049, count: 50, block_id: null, branch_ban: '04595257' }),
    ]);
    expect(await blanksOf(t.db, rangeB)).toEqual([
      expect.objectContaining({
        begin_no: 0,
        end_no: 99,
        count: 100,
        block_id: b.b1,
        head_ban: '22099131',
        branch_ban: '22099131',
      }),
    ]);
    expect(await blanksOf(t.db, rangeNow)).toEqual([]);

    const events = await closedEvents(t.db);
    expect(events).toHaveLength(3);
    expect(events.find((e) => e.aggregate_id === `${ids.sellerA}:${ended.yearMonth}`)?.payload).toEqual({
      sellerId: ids.sellerA,
      sellerBan: '04595257',
      yearMonth: ended.yearMonth,
      blocksClosed: 3,
      blankSpans: 3,
      blankNumbers: 340,
      e0402Deadline: new Date(current.start.getTime() + 10 * 86_400_000).toISOString(),
    });
  });

  it('queues one E0402 per branch BAN, track and invoice type, whose XML the hand-off builds and the official XSD accepts', async () => {
    const queued = await t.db
      .selectFrom('turnkey_messages')
      .select(['identifier', 'status'])
      .where('message_type', '=', 'E0402')
      .orderBy('identifier')
      .execute();
    expect(queued).toEqual(
      [
        `E0402${'04595257'}AB07${ended.yearMonth}`,
        `E0402${'04595257'}EF07${older.yearMonth}`,
        `E0402${'10458574'}AB07${ended.yearMonth}`,
        `E0402${'22099131'}CD07${ended.yearMonth}`,
      ]
        .sort()
        .map((identifier) => ({ identifier, status: 'pending' })),
    );
    const root = mkdtempSync(join(tmpdir(), 'e0402-'));
    try {
      const validator = createXsdValidator(join(ROOT, '..', 'shared', 'mig', 'xsd'));
      const r = await handOffBatch({
        db: t.db,
        root,
        render: createRenderer(t.db),
        validate: validator.validate.bind(validator),
      });
      expect(r).toMatchObject({ claimed: 4, delivered: 4, invalid: 0 });
      const files = readdirSync(join(root, 'UpCast', 'B2PMESSAGE', 'E0402', 'SRC'));
      const head = files.find((f) => f.includes(`E0402${'04595257'}AB07`)) as string;
      const xml = readFileSync(join(root, 'UpCast', 'B2PMESSAGE', 'E0402', 'SRC', head), 'utf8');
      // Seller A's own blanks of AB: 10-99 in block a1 and 250-399 never allocated (the branch's are its own message).
      expect(xml).toMatch(/<InvoiceBeginNo>00000010<\/InvoiceBeginNo>\s*<InvoiceEndNo>00000099<\/InvoiceEndNo>/);
      expect(xml).toMatch(/<InvoiceBeginNo>00000250<\/InvoiceBeginNo>\s*<InvoiceEndNo>00000399<\/InvoiceEndNo>/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a re-run (the job retried, or run again the next day) changes nothing and says skipped', async () => {
    const before = await t.db.selectFrom('period_blanks').selectAll().orderBy('track_id').orderBy('begin_no').execute();
    const closes = await t.db.selectFrom('period_closes').selectAll().orderBy('year_month').orderBy('seller_id').execute();
    const { log } = captureLogger();
    const ctx: JobContext = { jobId: 'test', attempt: 2, signal: new AbortController().signal, log };
    expect(await createPeriodCloseHandler({ db: t.db })({}, ctx)).toBe('skipped');
    expect(await closePeriods(t.db, { now: new Date() })).toEqual([]);
    expect(await t.db.selectFrom('period_blanks').selectAll().orderBy('track_id').orderBy('begin_no').execute()).toEqual(before);
    expect(await t.db.selectFrom('period_closes').selectAll().orderBy('year_month').orderBy('seller_id').execute()).toEqual(
      closes,
    );
    expect(await closedEvents(t.db)).toHaveLength(3);
  });

  it('a block allocated into a closed period is closed by the next run, which splits the blanks; no second event', async () => {
    const late = await block(t.db, rangeA, ids.br, 300, 349, 300);
    const [r] = await closePeriods(t.db, { now: new Date() });
    expect(r).toMatchObject({
      yearMonth: ended.yearMonth,
      sellerBan: '04595257',
      firstClose: false,
      blocksClosed: 1,
      blankSpans: 5,
    });
    expect(await statusOf(t.db, late)).toBe('closed');
    expect((await blanksOf(t.db, rangeA)).map((x) => [x.begin_no, x.end_no, x.branch_ban, x.block_id])).toEqual([
      [10, 99, '04595257', b.a1],
      [100, 199, '10458574', b.a2],
      [250, 299, '04595257', null],
      [300, 349, '10458574', late],
      [350, 399, '04595257', null],
    ]);
    expect(
      await t.db
        .selectFrom('period_closes')
        .select(['blocks_closed', 'blank_spans', 'blank_numbers'])
        .where('seller_id', '=', ids.sellerA)
        .where('year_month', '=', ended.yearMonth)
        .executeTakeFirstOrThrow(),
    ).toEqual({ blocks_closed: 4, blank_spans: 5, blank_numbers: 340 });
    expect(await closedEvents(t.db)).toHaveLength(3);
  });

  it('concurrent runs close a period once: one event, the same blanks', async () => {
    const sellerC = (
      await t.db
        .insertInto('sellers')
        .values({ tenant_id: ids.tenant, ban: '10458574', name: 'C', address: 'x' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const siteC = (
      await t.db
        .insertInto('sites')
        .values({ seller_id: sellerC, code: 'C1', name: 'C1' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const rangeC = await range(t.db, sellerC, ended, 'GH', 0, 199);
    for (let i = 0; i < 4; i++) await block(t.db, rangeC, siteC, i * 50, i * 50 + 49, i * 50 + 7 * i);
    const runs = await Promise.all(Array.from({ length: 4 }, () => closePeriods(t.db, { now: new Date() })));
    const mine = runs.flat().filter((r) => r.sellerId === sellerC);
    expect(mine.filter((r) => r.firstClose)).toHaveLength(1);
    expect(mine.reduce((n, r) => n + r.blocksClosed, 0)).toBe(4);
    expect((await blanksOf(t.db, rangeC)).map((x) => [x.begin_no, x.end_no])).toEqual([
      [0, 49],
      [57, 99],
      [114, 149],
      [171, 199],
    ]);
    expect((await closedEvents(t.db)).filter((e) => e.aggregate_id === `${sellerC}:${ended.yearMonth}`)).toHaveLength(1);
  });

  it('refuses a period that has not ended, or is no period', async () => {
    await expect(closePeriods(t.db, { now: new Date(), period: current.yearMonth })).rejects.toThrow(/has not ended yet/);
    await expect(closePeriods(t.db, { now: new Date(), period: '11413' })).rejects.toThrow(/not a YearMonth/);
    expect(await statusOf(t.db, b.now!)).toBe('active');
  });

  it('waits for an issue in flight on a block; once closed, no number of it can be taken', async () => {
    // The job's clock says the current period is over; the database's does not, so a number can still be taken.
    const after = new Date(current.end.getTime() + 1_000);
    const take = `UPDATE track_blocks SET next_no = next_no + 1, last_issued_at = greatest(last_issued_at, clock_timestamp())
                   WHERE id = $1 AND status = 'active' AND next_no <= end_no RETURNING next_no - 1 AS number`;
    const issuer = new pg.Client({ connectionString: t.url });
    await issuer.connect();
    try {
      await issuer.query('BEGIN');
      expect((await issuer.query(take, [b.now])).rows).toEqual([{ number: 5 }]);
      let done = false;
      const closing = closePeriods(t.db, { now: after, period: current.yearMonth }).finally(() => {
        done = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(done).toBe(false); // blocked on the block's row lock
      await issuer.query('COMMIT');
      const [r] = await closing;
      expect(r).toMatchObject({ yearMonth: current.yearMonth, blocksClosed: 1, blankSpans: 2 });
      // The number taken in flight is not a blank; the rest of the block and of the range are.
      expect((await blanksOf(t.db, rangeNow)).map((x) => [x.begin_no, x.end_no, x.block_id])).toEqual([
        [6, 49, b.now],
        [50, 99, null],
      ]);
      expect((await issuer.query(take, [b.now])).rows).toEqual([]); // closed: nothing to take
    } finally {
      await issuer.end();
    }
  });

  it('the queued job runs through the worker; a period that has not ended fails at once, without retries', async () => {
    const seller = (
      await t.db
        .insertInto('sellers')
        .values({ tenant_id: ids.tenant, ban: '12345675', name: 'D', address: 'x' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const rangeD = await range(t.db, seller, older, 'JK', 0, 49);
    const { log } = captureLogger();
    const runtime = startRuntime({ config: testConfig(t.url, { OUTBOX_POLL_MS: '50' }), db: t.db, log });
    try {
      const job = await addJob(runtime.queues, 'period.close', {});
      const queue = runtime.queues[queueFor('period.close')];
      await waitFor('the period.close job to complete', async () => (await queue.getJob(job.id!))?.finishedOn);
      const finished = await queue.getJob(job.id!);
      expect(finished?.returnvalue).toBe('done');
      expect((await blanksOf(t.db, rangeD)).map((x) => [x.begin_no, x.end_no])).toEqual([[0, 49]]);

      const bad = await addJob(runtime.queues, 'period.close', { period: nextPeriod(current).yearMonth });
      await waitFor('the bad job to fail', async () => (await queue.getJob(bad.id!))?.finishedOn);
      const failed = await queue.getJob(bad.id!);
      expect(await failed?.getState()).toBe('failed');
      expect(failed?.attemptsMade).toBe(1);
      expect(failed?.failedReason).toMatch(/has not ended yet/);
      await queue.obliterate({ force: true });
    } finally {
      await runtime.stop();
    }
  });

  it('pnpm period:close does the same from the command line, and checks its arguments', async () => {
    const seller = (
      await t.db
        .insertInto('sellers')
        .values({ tenant_id: ids.tenant, ban: '53212539', name: 'E', address: 'x' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const rangeE = await range(t.db, seller, ended, 'LM', 0, 49);
    const run = async (...args: string[]) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: t.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: string[] = [];
      child.stdout!.setEncoding('utf8').on('data', (d: string) => out.push(d));
      child.stderr!.setEncoding('utf8').on('data', (d: string) => out.push(d));
      const [code] = await once(child, 'exit');
      return { code: code as number, out: out.join('') };
    };
    expect(await run('--period', '11413')).toMatchObject({ code: 2, out: expect.stringContaining('ROC year + even month') });
    expect(await run('--period', current.yearMonth)).toMatchObject({
      code: 1,
      out: expect.stringContaining('has not ended yet'),
    });
    const ok = await run('--period', ended.yearMonth);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(
      `${ended.yearMonth} seller 53212539: closed; 0 block(s) closed now; 1 blank run(s), 50 blank number(s)`,
    );
    expect((await blanksOf(t.db, rangeE)).map((x) => [x.begin_no, x.end_no])).toEqual([[0, 49]]);
    expect(await run('--period', ended.yearMonth)).toMatchObject({
      code: 0,
      out: expect.stringContaining(`nothing to close in ${ended.yearMonth}`),
    });
  }, 60_000);
});
