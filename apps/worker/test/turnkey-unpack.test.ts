/**
 * The unpack job against real PostgreSQL and a real Turnkey folder, with result files written by the Turnkey
 * stand-in's own writers (apps/turnkey-sim/src/results.ts): every file is read once; a ProcessResult settles
 * the messages still waiting (accepted, or rejected with the code and its text) and never overturns a verdict
 * or applies an answer older than the hand-off; a SummaryResult is stored per pack; an E0501 becomes tracks
 * through the API's import as `system:turnkey-unpack`; a file that cannot be read is recorded, not retried,
 * and stops nothing. Then the reconciliation over what was stored, run twice.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRenderer } from '@app/api/services';
import { EVENTS } from '@app/jobs';
import { createLogger } from '@app/logger';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, setupIssuer, type TestApp } from '../../api/test/helpers.ts';
import { e0501EnvelopeXml, type Pack, packId, processResultXml, summaryResultXml } from '../../turnkey-sim/src/results.ts';
import { taipei } from '../../turnkey-sim/src/time.ts';
import { lazyApiServices } from '../src/api-services.ts';
import { createTurnkeyReconcileHandler } from '../src/jobs/turnkey.reconcile.ts';
import { createTurnkeyUnpackHandler } from '../src/jobs/turnkey.unpack.ts';
import { handOffBatch } from '../src/turnkey/handoff.ts';
import { reconcileDay } from '../src/turnkey/reconcile.ts';
import { listUnpackFiles, type UnpackDeps, unpackFiles } from '../src/turnkey/unpack.ts';

let t: TestApp;
let admin: string;
let siteId: string;
let root: string;
let api: UnpackDeps['api'];

const items = [{ description: '洗車', quantity: '1', unitPrice: '150' }];
const issue = async () => {
  const r = await t.call({ method: 'POST', url: '/api/v1/invoices', token: admin, payload: { siteId, items, printMark: 'Y' } });
  if (r.statusCode !== 201) throw new Error(`issue: ${r.statusCode} ${r.body}`);
  const inv = r.json();
  return {
    number: inv.invoiceNumber as string,
    date: (inv.invoiceDate as string).replaceAll('-', ''),
    identifier: `F0401${inv.invoiceNumber}${inv.invoiceDate.replaceAll('-', '')}`,
  };
};
const handOff = () => handOffBatch({ db: t.deps.db, root, render: createRenderer(t.deps.db) });
const message = (identifier: string) =>
  t.deps.db
    .selectFrom('turnkey_messages')
    .select(['id', 'status', 'result_code', 'result_message', 'delivered_at'])
    .where('identifier', '=', identifier)
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
const recorded = () =>
  t.deps.db.selectFrom('turnkey_unpacked_files').select(['kind', 'path', 'outcome', 'error', 'details']).orderBy('id').execute();

/** A pack made at `at` (its common name carries the time, Asia/Taipei). */
const packAt = (at: Date, over: Partial<Pack> = {}): Pack => {
  const s = taipei(at);
  const uuid = randomUUID();
  return {
    uuid,
    id: packId(over.messageType ?? 'F0401', s.day, s.time9, uuid),
    messageType: 'F0401',
    service: 'B2SSTORAGE',
    size: 100,
    fromPartyId: '04595257',
    fromRoutingId: '04595257',
    ...over,
  };
};
/** Leaves `content` in Unpack/BAK/<kind>/<today>/<hour>/<name>, `ageMs` old. */
const drop = (kind: string, name: string, content: string | Buffer, ageMs = 10_000) => {
  const s = taipei(new Date());
  const dir = join(root, 'Unpack', 'BAK', kind, s.day, s.hour);
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, content);
  const at = new Date(Date.now() - ageMs);
  utimesSync(p, at, at);
  return p;
};

let seen: Set<string>;
const run = async (deps: Partial<UnpackDeps> = {}) =>
  unpackFiles(
    { db: t.deps.db, api, seen, ...deps },
    await listUnpackFiles(root, { now: new Date(), lookbackDays: 14, settleMs: 1_000 }),
  );

beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_GENERAL_PER_MINUTE: '100000' });
  ({ admin, siteId } = await setupIssuer(t));
  api = lazyApiServices({ ...t.deps, log: createLogger({ name: 'worker-test', level: 'silent' }) });
});
beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'turnkey-unpack-'));
  seen = new Set();
  // Each test sees only the files it drops.
  await t.deps.db.deleteFrom('turnkey_summary_results').execute();
  await t.deps.db.deleteFrom('turnkey_unpacked_files').execute();
});
afterEach(() => rmSync(root, { recursive: true, force: true }));
afterAll(async () => {
  await t?.close();
});

describe('ProcessResult', () => {
  it('settles the delivered messages it names: 00000 accepted, a platform code rejected with its text; each file once', async () => {
    const a = await issue();
    const b = await issue();
    expect((await handOff()).delivered).toBe(2);
    const pack = packAt(new Date());
    drop(
      'ProcessResult',
      `ProcessResult-${pack.id}.xml`,
      processResultXml(pack, [
        { code: '00000', description: '訊息存證成功', referenceNumber: a.number, date: a.date },
        { code: 'E0201', description: '訊息重複 Message is repeated.', referenceNumber: b.number, date: b.date },
      ]),
    );
    // Too fresh to read yet (may still be being written).
    drop('ProcessResult', 'ProcessResult-fresh.xml', '<ProcessResult/>', -60_000);

    expect(await run()).toMatchObject({ processed: 1, failed: 0, accepted: 1, rejected: 1 });
    expect(await message(a.identifier)).toMatchObject({ status: 'accepted', result_code: null });
    const rejected = await message(b.identifier);
    expect(rejected).toMatchObject({ status: 'rejected', result_code: 'E0201' });
    expect(rejected.result_message).toContain('訊息重複');
    expect(rejected.result_message).toContain('Message is repeated.');
    expect(await recorded()).toEqual([
      expect.objectContaining({
        kind: 'ProcessResult',
        outcome: 'processed',
        error: null,
        details: expect.objectContaining({
          messageType: 'F0401',
          entries: 2,
          accepted: 1,
          rejected: 1,
          notWaiting: 0,
          tooOld: 0,
        }),
      }),
    ]);
    expect((await recorded())[0]?.path).toMatch(/^ProcessResult\/\d{8}\/\d{2}\/ProcessResult-4\.1-F0401-/);

    // Seen again: by this process without reading it; by a fresh process through its hash. Nothing changes.
    expect(await run()).toMatchObject({ processed: 0, failed: 0, skipped: 0 });
    seen = new Set();
    expect(await run()).toMatchObject({ processed: 0, failed: 0 });
    expect(await recorded()).toHaveLength(1);
  });

  it('never overturns a verdict, and never applies an answer made before the hand-off', async () => {
    const a = await issue();
    const b = await issue();
    await handOff();
    // a is already rejected (the poller got there first); b was handed off an hour after this pack was made.
    await t.deps.db
      .updateTable('turnkey_messages')
      .set({ status: 'rejected', result_code: 'E0202' })
      .where('identifier', '=', a.identifier)
      .execute();
    const old = packAt(new Date(Date.now() - 3_600_000));
    drop(
      'ProcessResult',
      'old.xml',
      processResultXml(old, [
        { code: '00000', description: '訊息存證成功', referenceNumber: a.number, date: a.date },
        { code: 'E0201', description: '訊息重複', referenceNumber: b.number, date: b.date },
      ]),
    );
    expect(await run()).toMatchObject({ processed: 1, accepted: 0, rejected: 0 });
    expect(await message(a.identifier)).toMatchObject({ status: 'rejected', result_code: 'E0202' });
    expect(await message(b.identifier)).toMatchObject({ status: 'delivered' });
    expect((await recorded()).at(-1)?.details).toMatchObject({ notWaiting: 1, tooOld: 1 });

    // The answer to b's own hand-off settles it.
    const now = packAt(new Date());
    drop(
      'ProcessResult',
      'new.xml',
      processResultXml(now, [{ code: '00000', description: '', referenceNumber: b.number, date: b.date }]),
    );
    expect(await run()).toMatchObject({ processed: 1, accepted: 1 });
    expect(await message(b.identifier)).toMatchObject({ status: 'accepted' });
  });

  it('a file that cannot be read is recorded with its error, not retried, and stops nothing', async () => {
    const a = await issue();
    await handOff();
    drop('ProcessResult', 'a-garbage.xml', 'this is not a ProcessResult', 20_000);
    drop('ProcessResult', 'b-summary-in-the-wrong-folder.xml', '<SummaryResult/>', 15_000);
    const pack = packAt(new Date());
    drop(
      'ProcessResult',
      'c-good.xml',
      processResultXml(pack, [{ code: '00000', description: '', referenceNumber: a.number, date: a.date }]),
    );
    drop('ProcessResult', '.d.xml.tmp', 'half a file');
    const logged: Record<string, any>[] = [];
    const log = createLogger({ name: 't', level: 'info' }, { write: (s: string) => void logged.push(JSON.parse(s)) });

    expect(await run({ log })).toMatchObject({ listed: 3, processed: 1, failed: 2 });
    expect(await message(a.identifier)).toMatchObject({ status: 'accepted' });
    expect((await recorded()).map((r) => [r.path.split('/').at(-1), r.outcome, r.error])).toEqual([
      ['a-garbage.xml', 'failed', expect.stringMatching(/malformed|root/)],
      ['b-summary-in-the-wrong-folder.xml', 'failed', 'The root element is <SummaryResult>, not <ProcessResult>'],
      ['c-good.xml', 'processed', null],
    ]);
    expect(logged.filter((l) => l.msg?.includes('could not be read')).map((l) => l.level)).toEqual(['warn', 'warn']);
    seen = new Set();
    expect(await run()).toMatchObject({ processed: 0, failed: 0 });
    expect(await recorded()).toHaveLength(3);
  });
});

describe('SummaryResult', () => {
  it('stores each pack per day, type and party; the same pack again replaces its row; inconsistencies are kept as warnings', async () => {
    const party = { fromPartyId: '04595257', fromRoutingId: '04595257' };
    const day = new Date('2026-11-21T03:00:00Z');
    const p1 = packAt(day);
    const p2 = packAt(day, { messageType: 'E0402', service: 'B2PMESSAGE' });
    drop(
      'SummaryResult',
      'SummaryResult-04595257-20261121.xml',
      summaryResultXml(party, [
        {
          pack: p1,
          good: [{ referenceNumber: 'AB00000001', date: '20261121' }],
          failed: [{ referenceNumber: 'AB00000002', date: '20261121' }],
        },
        { pack: p2, good: [{ referenceNumber: '04595257AB07', date: '' }], failed: [] },
      ]),
    );
    expect(await run()).toMatchObject({ processed: 1, failed: 0 });
    const rows = () =>
      t.deps.db
        .selectFrom('turnkey_summary_results')
        .select(['message_type', 'party_id', 'pack_id', 'total_count', 'good_count', 'failed_count', 'listed', 'good', 'failed'])
        .orderBy('message_type')
        .execute();
    expect(await rows()).toEqual([
      {
        message_type: 'E0402',
        party_id: '04595257',
        pack_id: p2.id,
        total_count: 1,
        good_count: 1,
        failed_count: 0,
        listed: false,
        good: [],
        failed: [],
      },
      {
        message_type: 'F0401',
        party_id: '04595257',
        pack_id: p1.id,
        total_count: 2,
        good_count: 1,
        failed_count: 1,
        listed: true,
        good: [{ referenceNumber: 'AB00000001', invoiceDate: '20261121' }],
        failed: [{ referenceNumber: 'AB00000002', invoiceDate: '20261121' }],
      },
    ]);
    const [{ day: stored }] = (await t.deps.db
      .selectFrom('turnkey_summary_results')
      .select((eb) => eb.cast<string>('day', 'text').as('day'))
      .execute()) as [{ day: string }];
    expect(stored).toBe('2026-11-21');

    // The F0401 pack again, corrected, with a Total that disagrees with Good + Failed: its row is replaced.
    const corrected = summaryResultXml(party, [
      {
        pack: p1,
        good: [
          { referenceNumber: 'AB00000001', date: '20261121' },
          { referenceNumber: 'AB00000002', date: '20261121' },
        ],
        failed: [],
      },
    ]).replace('<Count>2</Count>', '<Count>3</Count>');
    drop('SummaryResult', 'SummaryResult-04595257-20261121-again.xml', corrected);
    expect(await run()).toMatchObject({ processed: 1 });
    expect((await rows()).find((r) => r.message_type === 'F0401')).toMatchObject({
      total_count: 3,
      good_count: 2,
      failed_count: 0,
    });
    expect(await t.deps.db.selectFrom('turnkey_summary_results').select('pack_id').execute()).toHaveLength(2);
    expect((await recorded()).at(-1)?.details).toMatchObject({
      stored: 1,
      days: ['2026-11-21'],
      warnings: ['Message #1 Total: Count 3 but 2 invoices are listed', 'Message #1: Total 3 ≠ Good 2 + Failed 0'],
    });
  });
  it("without a common name, a pack's day comes from the file name, else the day before its folder's", async () => {
    const xml = (id: string) => `<SummaryResult xmlns="urn:GEINV:SummaryResult:4.1">
  <RoutingInfo><From><PartyId>04595257</PartyId></From></RoutingInfo>
  <DetailList><Message><Info><Id>${id}</Id><MessageType>F0401</MessageType></Info>
    <ResultType><Total><Count>0</Count></Total><Good><Count>0</Count></Good><Failed><Count>0</Count></Failed></ResultType>
  </Message></DetailList></SummaryResult>`;
    drop('SummaryResult', 'SummaryResult-04595257-20261115.xml', xml('pack-a'));
    drop('SummaryResult', 'summary.xml', xml('pack-b'));
    expect(await run()).toMatchObject({ processed: 2 });
    const days = await t.deps.db
      .selectFrom('turnkey_summary_results')
      .select(['pack_id', (eb) => eb.cast<string>('day', 'text').as('day')])
      .orderBy('pack_id')
      .execute();
    const s = taipei(new Date());
    const folderDayBefore = new Date(Date.UTC(+s.day.slice(0, 4), +s.day.slice(4, 6) - 1, +s.day.slice(6) - 1))
      .toISOString()
      .slice(0, 10);
    expect(days).toEqual([
      { pack_id: 'pack-a', day: '2026-11-15' },
      { pack_id: 'pack-b', day: folderDayBefore },
    ]);
  });
});

describe('E0501', () => {
  it('imports the allocations through the E0501 import as system:turnkey-unpack; a broken file is recorded; without the API it waits', async () => {
    const entries = [
      {
        ban: '04595257',
        invoiceType: '07',
        yearMonth: '11612',
        invoiceTrack: 'QZ',
        invoiceBeginNo: '00000000',
        invoiceEndNo: '00000099',
        invoiceBooklet: '2',
      },
    ];
    drop('E0501', 'E0501-1.xml', e0501EnvelopeXml({ partyId: '04595257', routingId: '04595257' }, entries));
    drop('E0501', 'E0501-broken.xml', '<InvoiceEnvelope><From>');

    // Without the API's services nothing is recorded: the files wait for a process that has them.
    expect(await run({ api: undefined })).toMatchObject({ processed: 0, failed: 0, skipped: 2 });
    expect(await recorded()).toEqual([]);

    expect(await run()).toMatchObject({ processed: 1, failed: 1 });
    const [broken, imported] = [...(await recorded())].sort((x, y) => (x.outcome < y.outcome ? -1 : 1));
    expect(broken).toMatchObject({ kind: 'E0501', outcome: 'failed', error: expect.stringContaining('malformed') });
    expect(imported).toMatchObject({ kind: 'E0501', outcome: 'processed', details: { accepted: 1, rejected: 0 } });
    const track = await t.deps.db
      .selectFrom('tracks as t')
      .innerJoin('e0501_imports as i', 'i.id', 't.import_id')
      .select(['t.track', 't.year_month', 't.begin_no', 't.end_no', 'i.uploaded_by', 'i.filename'])
      .where('t.track', '=', 'QZ')
      .executeTakeFirstOrThrow();
    expect(track).toMatchObject({
      track: 'QZ',
      year_month: '11612',
      begin_no: 0,
      end_no: 99,
      uploaded_by: 'system:turnkey-unpack',
    });
    expect(track.filename).toMatch(/^Unpack\/BAK\/E0501\/\d{8}\/\d{2}\/E0501-1\.xml$/);
  });
});

describe('the turnkey.unpack handler', () => {
  it('skips without TURNKEY_ROOT, reads the folder through its breaker, and says done only when it read something', async () => {
    const ctx = {
      jobId: '1',
      attempt: 1,
      signal: new AbortController().signal,
      log: createLogger({ name: 't', level: 'silent' }),
    };
    expect(await createTurnkeyUnpackHandler({ db: t.deps.db, root: undefined, lookbackDays: 14 })({}, ctx)).toBe('skipped');
    const handler = createTurnkeyUnpackHandler({ db: t.deps.db, root, api, lookbackDays: 14, settleMs: 0 });
    expect(await handler({}, ctx)).toBe('skipped'); // a fresh Turnkey: no Unpack/BAK yet
    drop('SummaryResult', 's.xml', 'garbage');
    expect(await handler({}, ctx)).toBe('done');
    expect(await handler({}, ctx)).toBe('skipped');
    const gone = createTurnkeyUnpackHandler({ db: t.deps.db, root: join(root, 'no-such-folder'), lookbackDays: 14 });
    for (let i = 0; i < 3; i++) await expect(gone({}, ctx)).rejects.toThrow(/ENOENT/);
    await expect(gone({}, ctx)).rejects.toMatchObject({ name: 'CircuitOpenError', breaker: 'turnkey-unpack-folder' });
  });

  it('does not walk day folders older than the look-back', async () => {
    const oldDir = join(root, 'Unpack', 'BAK', 'SummaryResult', '20200101', '10');
    mkdirSync(oldDir, { recursive: true });
    writeFileSync(join(oldDir, 'x.xml'), 'garbage');
    drop('SummaryResult', 'y.xml', 'garbage');
    const files = await listUnpackFiles(root, { now: new Date(), lookbackDays: 14, settleMs: 0 });
    expect(files.map((f) => f.rel.split('/').at(-1))).toEqual(['y.xml']);
    expect((await listUnpackFiles(root, { now: new Date(), lookbackDays: 3650, settleMs: 0 })).length).toBe(2);
  });
});

describe('reconciliation over stored summaries', () => {
  it('lists each difference, stores one row per type, emits one event, and a re-run changes nothing', async () => {
    // Only this test's messages and summaries count.
    await t.deps.db.deleteFrom('turnkey_summary_results').execute();
    await t.deps.db.deleteFrom('turnkey_messages').execute();
    const a = await issue();
    const b = await issue();
    const c = await issue();
    await handOff();
    await t.deps.db
      .updateTable('turnkey_messages')
      .set({ status: 'accepted' })
      .where('identifier', 'in', [a.identifier, b.identifier, c.identifier])
      .execute();
    const today = taipei(new Date()).day;
    const isoToday = `${today.slice(0, 4)}-${today.slice(4, 6)}-${today.slice(6)}`;
    const pack = packAt(new Date());
    drop(
      'SummaryResult',
      'summary.xml',
      summaryResultXml({ fromPartyId: '04595257', fromRoutingId: '04595257' }, [
        {
          pack,
          good: [{ referenceNumber: a.number, date: a.date }],
          failed: [{ referenceNumber: b.number, date: b.date }],
        },
      ]),
    );
    await run();
    const events = () =>
      t.deps.db
        .selectFrom('sys_outbox')
        .select(['payload', 'aggregate_id'])
        .where('event_type', '=', 'TurnkeyReconciliationDiffers')
        .execute();
    const before = (await events()).length;
    const r = await reconcileDay({ db: t.deps.db }, isoToday);
    const f = r.types.find((x) => x.messageType === 'F0401');
    expect(f?.differences.map((d) => [d.kind, d.identifier])).toEqual([
      ['accepted_but_failed', b.identifier],
      ['missing_from_summary', c.identifier],
    ]);
    expect(r.eventEmitted).toBe(true);
    const stored = await t.deps.db
      .selectFrom('turnkey_reconciliations')
      .select(['message_type', 'summary_received', 'our_handed_off', 'their_total', 'difference_count'])
      .where(sql<boolean>`day = ${isoToday}::date`)
      .execute();
    expect(stored).toContainEqual({
      message_type: 'F0401',
      summary_received: true,
      our_handed_off: 3,
      their_total: 2,
      difference_count: 2,
    });
    const ev = (await events()).slice(before);
    expect(ev).toHaveLength(1);
    expect(EVENTS.TurnkeyReconciliationDiffers.payload.parse(ev[0]?.payload)).toMatchObject({
      day: isoToday,
      summaryReceived: true,
      byMessageType: [
        expect.objectContaining({ messageType: 'F0401', kinds: { accepted_but_failed: 1, missing_from_summary: 1 } }),
      ],
    });

    // Again (the job's handler, as the schedule runs it for a given day): same rows, no second event.
    const handler = createTurnkeyReconcileHandler({ db: t.deps.db });
    const ctx = {
      jobId: '1',
      attempt: 1,
      signal: new AbortController().signal,
      log: createLogger({ name: 't', level: 'silent' }),
    };
    expect(await handler({ day: isoToday }, ctx)).toBe('done');
    expect((await events()).slice(before)).toHaveLength(1);
    // Fixed on our side (b really failed): the differences change, and one more event says so.
    await t.deps.db
      .updateTable('turnkey_messages')
      .set({ status: 'rejected', result_code: 'E0201' })
      .where('identifier', '=', b.identifier)
      .execute();
    expect((await reconcileDay({ db: t.deps.db }, isoToday)).eventEmitted).toBe(true);
    expect((await events()).slice(before)).toHaveLength(2);
  });
});
