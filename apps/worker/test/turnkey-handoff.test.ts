/**
 * The Turnkey hand-off against real PostgreSQL and a real folder: due messages become one file each in
 * UpCast/<CAT>/<MSG>/SRC (atomically, in creation order); a document that fails its check never gets
 * there; write failures retry on the schedule, then die; an attempt that died after writing its file is
 * not written twice; two workers never hand the same message over twice.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Rendered } from '@app/api/services';
import type { Database } from '@app/db';
import { EVENTS } from '@app/jobs';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTurnkeyDeadlinesHandler } from '../src/jobs/turnkey.ts';
import { handOffFileName, removeStaleTemps, srcDir } from '../src/turnkey/files.ts';
import { type DueMessage, handOffBatch } from '../src/turnkey/handoff.ts';
import { openTestDb, type TestDb } from './helpers.ts';

let t: TestDb;
let sellerId: string;
let root: string;

const xmlOf = (m: DueMessage) => `<BranchTrackBlank><Main><Id>${m.identifier}</Id></Main></BranchTrackBlank>`;
const renderAll = async (ms: DueMessage[]) => new Map<string, Rendered>(ms.map((m) => [m.id, { xml: xmlOf(m) }]));

/** n pending E0402 messages (no invoice needed), identifiers E0402-<prefix>-<i>. */
async function queue(db: Database, n: number, prefix: string): Promise<string[]> {
  const rows = await db
    .insertInto('turnkey_messages')
    .values(
      Array.from({ length: n }, (_, i) => ({
        message_type: 'E0402',
        seller_id: sellerId,
        year_month: '11410',
        identifier: `E0402${prefix}${String(i).padStart(5, '0')}`,
        chain: `E0402${prefix}${String(i).padStart(5, '0')}`,
      })),
    )
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

const state = (db: Database, ids: string[]) =>
  db
    .selectFrom('turnkey_messages')
    .select([
      'id',
      'status',
      'attempts',
      'file_name',
      'last_error',
      sql<number>`extract(epoch FROM next_attempt_at - now())::float8`.as('due_in'),
    ])
    .where('id', 'in', ids)
    .orderBy('id')
    .execute();

beforeAll(async () => {
  t = await openTestDb();
  const tenant = (
    await t.db.insertInto('sys_tenants').values({ code: 'handoff', name: 'Hand-off' }).returning('id').executeTakeFirstOrThrow()
  ).id;
  sellerId = (
    await t.db
      .insertInto('sellers')
      .values({ tenant_id: tenant, ban: '04595257', name: 'S', address: '台北市' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
});
beforeEach(async () => {
  await t.db.deleteFrom('turnkey_messages').execute();
  root = mkdtempSync(join(tmpdir(), 'turnkey-'));
});
afterAll(() => t.close());

describe('handOffBatch', () => {
  it('writes one file per message into SRC, in creation order; a message that cannot be built or fails its check is invalid', async () => {
    const ids = await queue(t.db, 5, 'A');
    const r = await handOffBatch({
      db: t.db,
      root,
      render: async (ms) => {
        const out = await renderAll(ms);
        out.set(ids[1] as string, { error: 'buyer BAN missing' });
        return out;
      },
      validate: async (_type, docs) =>
        docs.map((d, i) => ({ name: d.name, ok: i !== 2, errors: i === 2 ? ['line 1: element X: too long'] : [] })),
    });
    expect(r).toMatchObject({ claimed: 5, delivered: 3, invalid: 2, retrying: 0, dead: 0 });
    const rows = await state(t.db, ids);
    expect(rows.map((x) => x.status)).toEqual(['delivered', 'invalid', 'delivered', 'invalid', 'delivered']);
    expect(rows[1]?.last_error).toBe('buyer BAN missing');
    expect(rows[3]?.last_error).toBe('XSD: line 1: element X: too long');
    const files = readdirSync(srcDir(root, 'E0402')).sort();
    expect(files).toEqual(
      rows
        .filter((x) => x.status === 'delivered')
        .map((x) => x.file_name)
        .sort(),
    );
    expect(files[0]).toMatch(/^04595257_E0402_E0402A00000_\d+\.xml$/);
    expect(readFileSync(join(srcDir(root, 'E0402'), files[0] as string), 'utf8')).toContain('E0402A00000');
    // Nothing but the files themselves is left behind (the temp files were renamed).
    expect(readdirSync(join(root, 'UpCast', 'B2PMESSAGE', 'E0402'))).toEqual(['SRC']);
    // Nothing is due any more.
    expect((await handOffBatch({ db: t.db, root, render: renderAll })).claimed).toBe(0);
  });

  it('retries a failed write after each delay of the schedule, then marks the message dead', async () => {
    const [id] = await queue(t.db, 1, 'B');
    writeFileSync(join(root, 'UpCast'), 'not a folder'); // every write fails
    const run = () => handOffBatch({ db: t.db, root, render: renderAll, retryDelaysMs: [60_000, 300_000] });
    expect(await run()).toMatchObject({ claimed: 1, retrying: 1 });
    let [row] = await state(t.db, [id as string]);
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row?.due_in).toBeGreaterThan(55);
    expect(row?.last_error).toMatch(/ENOTDIR|EEXIST|not a directory/i);
    const due = () => sql`UPDATE turnkey_messages SET next_attempt_at = now() WHERE id = ${id}`.execute(t.db);
    await due();
    expect(await run()).toMatchObject({ retrying: 1 });
    expect((await state(t.db, [id as string]))[0]?.due_in).toBeGreaterThan(295);
    await due();
    expect(await run()).toMatchObject({ dead: 1 });
    [row] = await state(t.db, [id as string]);
    expect(row).toMatchObject({ status: 'dead', attempts: 3 });
  });

  it('does not write again a file an attempt that died had already handed off (found in SRC or in BAK)', async () => {
    const ids = await queue(t.db, 2, 'C');
    // Claimed once before (attempts 1) and its lease ran out: the process died after writing, before marking.
    await sql`UPDATE turnkey_messages SET attempts = 1 WHERE id = ANY(${ids}::bigint[])`.execute(t.db);
    const [first, second] = (await t.db
      .selectFrom('turnkey_messages as m')
      .select(['m.id', 'm.message_type', 'm.identifier', sql<string>`'04595257'`.as('seller_ban')])
      .where('m.id', 'in', ids)
      .orderBy('id')
      .execute()) as { id: string; message_type: string; identifier: string; seller_ban: string }[];
    // The first one's file is still in SRC; Turnkey already moved the second one's to BAK.
    mkdirSync(srcDir(root, 'E0402'), { recursive: true });
    writeFileSync(join(srcDir(root, 'E0402'), handOffFileName(first as never)), 'x');
    const bak = join(root, 'UpCast', 'B2PMESSAGE', 'E0402', 'BAK', '20261121', '10');
    mkdirSync(bak, { recursive: true });
    writeFileSync(join(bak, handOffFileName(second as never)), 'x');
    const rendered: string[] = [];
    const r = await handOffBatch({
      db: t.db,
      root,
      render: async (ms) => {
        rendered.push(...ms.map((m) => m.id));
        return renderAll(ms);
      },
    });
    expect(r).toMatchObject({ claimed: 2, delivered: 2 });
    expect(rendered).toEqual([]);
    expect(readdirSync(srcDir(root, 'E0402'))).toEqual([handOffFileName(first as never)]);
    expect(readFileSync(join(srcDir(root, 'E0402'), handOffFileName(first as never)), 'utf8')).toBe('x');
  });

  it('removes the temp files an interrupted hand-off left, once they are an hour old, and nothing else', async () => {
    const dir = join(root, 'UpCast', 'B2SSTORAGE', 'F0401');
    mkdirSync(join(dir, 'SRC'), { recursive: true });
    const stale = join(dir, '.04595257_F0401_F0401AB1234567820261121_7.xml.0123456789ab.tmp');
    const fresh = join(dir, '.04595257_F0401_F0401AB1234567920261121_8.xml.ba9876543210.tmp');
    const other = join(dir, 'notes.tmp');
    const sent = join(dir, 'SRC', '04595257_F0401_F0401AB1234567720261121_6.xml');
    for (const f of [stale, fresh, other, sent]) writeFileSync(f, '<x/>');
    const hourAgo = new Date(Date.now() - 3_700_000);
    for (const f of [stale, other, sent]) utimesSync(f, hourAgo, hourAgo);
    expect(await removeStaleTemps(root, 3_600_000)).toBe(1);
    expect(existsSync(stale)).toBe(false);
    for (const f of [fresh, other, sent]) expect(existsSync(f)).toBe(true);
    expect(await removeStaleTemps(join(root, 'missing'), 3_600_000)).toBe(0);
  });

  it('two workers draining one queue hand each message over exactly once', async () => {
    const ids = await queue(t.db, 300, 'D');
    const drain = async () => {
      let n = 0;
      for (;;) {
        const r = await handOffBatch({ db: t.db, root, render: renderAll, batchSize: 40 });
        if (r.claimed === 0) return n;
        n += r.delivered;
      }
    };
    const [a, b] = await Promise.all([drain(), drain()]);
    expect((a as number) + (b as number)).toBe(300);
    expect(readdirSync(srcDir(root, 'E0402'))).toHaveLength(300);
    const rows = await state(t.db, ids);
    expect(rows.every((x) => x.status === 'delivered' && x.attempts === 1)).toBe(true);
  });
});

describe('turnkey.deadlines', () => {
  it('flags a message not accepted after most of its upload limit, once, with a DeadlineAtRisk event', async () => {
    const [old, young, accepted] = await queue(t.db, 3, 'R');
    await sql`UPDATE turnkey_messages SET created_at = now() - interval '25 hours' WHERE id IN (${old}, ${accepted})`.execute(
      t.db,
    );
    await sql`UPDATE turnkey_messages SET status = 'accepted' WHERE id = ${accepted}`.execute(t.db);
    await sql`UPDATE turnkey_messages SET created_at = now() - interval '10 hours' WHERE id = ${young}`.execute(t.db);
    const run = createTurnkeyDeadlinesHandler({ db: t.db, b2cHours: 24, b2bHours: 96 });
    const ctx = { signal: new AbortController().signal, log: { info() {}, warn() {}, error() {}, debug() {} } } as never;
    expect(await run({}, ctx)).toBe('done');
    expect(await run({}, ctx)).toBe('skipped'); // once
    const events = await t.db
      .selectFrom('sys_outbox')
      .select(['aggregate_id', 'payload'])
      .where('event_type', '=', 'DeadlineAtRisk')
      .execute();
    expect(events.map((e) => e.aggregate_id)).toEqual([old]);
    const payload = EVENTS.DeadlineAtRisk.payload.parse(events[0]?.payload);
    expect(payload).toMatchObject({ messageId: old, messageType: 'E0402', status: 'pending', b2b: false });
    expect(new Date(payload.deadline).getTime() - new Date(payload.createdAt).getTime()).toBe(48 * 3_600_000);
  });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));
