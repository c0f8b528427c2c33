/**
 * Turnkey's result files end to end: invoices issued through the REST API, handed off by the worker's jobs
 * (in-process runtime, real Redis), taken and answered by the Turnkey stand-in (real MariaDB) — which accepts
 * them but rejects one — and the verdicts come back through the ProcessResult files alone (the worker has no
 * TURNKEY_DB_URL here, so the database poller reads nothing). The stand-in's daily SummaryResult is read by
 * turnkey.unpack and turnkey.reconcile finds both sides agree; then our side is made to disagree (a verdict
 * changed, a message the platform never answered) and the reconciliation names each difference, writes one
 * event and the API lists it. An E0501 the stand-in drops becomes number ranges.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { testConfig } from '@app/devkit/testing';
import { taipeiIsoDate } from '@app/domain';
import { addJob, EVENTS, type JobName, type JobPayload } from '@app/jobs';
import { createLogger } from '@app/logger';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimUnderTest, startSim, startTestMariadb, type TestMariadb } from '../../turnkey-sim/test/helpers.ts';
import { lazyApiServices } from '../../worker/src/api-services.ts';
import { type Runtime, startRuntime } from '../../worker/src/runtime.ts';
import { createTestApp, setupIssuer, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;
let siteId: string;
let mariadb: TestMariadb;
let sim: SimUnderTest;
let runtime: Runtime;

const items = [{ description: '95無鉛汽油', quantity: '20', unit: 'L', unitPrice: '31' }];
const issue = async () => {
  const r = await t.call({ method: 'POST', url: '/api/v1/invoices', token: admin, payload: { siteId, items, printMark: 'Y' } });
  if (r.statusCode !== 201) throw new Error(`issue: ${r.statusCode} ${r.body}`);
  const inv = r.json();
  return { number: inv.invoiceNumber as string, identifier: `F0401${inv.invoiceNumber}${inv.invoiceDate.replaceAll('-', '')}` };
};
const statusOf = async (identifier: string) =>
  (
    await t.deps.db
      .selectFrom('turnkey_messages')
      .select(['status', 'result_code'])
      .where('identifier', '=', identifier)
      .executeTakeFirstOrThrow()
  ).status;

/** Add `job` now and then until `check` holds (the unpack job leaves files younger than 2 s for its next run). */
async function runUntil<N extends JobName>(what: string, job: N, payload: JobPayload<N>, check: () => Promise<boolean>) {
  for (let i = 0; i < 60; i++) {
    await addJob(runtime.queues, job, payload);
    for (let j = 0; j < 10; j++) {
      await sleep(50);
      if (await check()) return;
    }
  }
  throw new Error(`timed out waiting for ${what}`);
}

const reconciliation = (day: string) =>
  t.deps.db
    .selectFrom('turnkey_reconciliations')
    .select([
      'message_type',
      'summary_received',
      'our_handed_off',
      'our_accepted',
      'our_rejected',
      'their_total',
      'their_good',
      'their_failed',
      'difference_count',
      'reconciled_at',
    ])
    .where(sql<boolean>`day = ${day}::date`)
    .execute();

beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_GENERAL_PER_MINUTE: '100000' });
  ({ admin, siteId } = await setupIssuer(t));
  mariadb = await startTestMariadb();
  sim = await startSim(mariadb);
  const config = testConfig(t.dbUrl, { TURNKEY_ROOT: sim.root });
  const log = createLogger({ name: 'worker-test', level: 'silent' });
  runtime = startRuntime({
    config,
    db: t.deps.db,
    log,
    api: lazyApiServices({ config, db: t.deps.db, pool: t.deps.pool, storage: t.deps.storage, log }),
  });
});
afterAll(async () => {
  await runtime?.stop();
  await sim?.close();
  await mariadb?.close();
  await t?.close();
});

describe('ProcessResult and SummaryResult files → verdicts → daily reconciliation', () => {
  const today = taipeiIsoDate(new Date());
  const invoices: Awaited<ReturnType<typeof issue>>[] = [];

  it('verdicts come back through the ProcessResult files: accepted, and one rejected with its code', async () => {
    for (let i = 0; i < 4; i++) invoices.push(await issue());
    const [, , rejected] = invoices as [unknown, unknown, { number: string }];
    expect((await sim.control('PUT', '/mode', { mode: 'reject', code: 'E0201', invoiceNumbers: [rejected.number] })).status).toBe(
      200,
    );

    await runUntil('the hand-off', 'turnkey.handoff', {}, async () =>
      (await Promise.all(invoices.map((i) => statusOf(i.identifier)))).every((s) => s === 'delivered'),
    );
    expect((await sim.control('POST', '/poll')).body).toMatchObject({ uploaded: 4, accepted: 3, rejected: 1 });
    await runUntil('the ProcessResult verdicts', 'turnkey.unpack', {}, async () =>
      (await Promise.all(invoices.map((i) => statusOf(i.identifier)))).every((s) => s !== 'delivered'),
    );
    expect(await Promise.all(invoices.map((i) => statusOf(i.identifier)))).toEqual([
      'accepted',
      'accepted',
      'rejected',
      'accepted',
    ]);
    const r = await t.deps.db
      .selectFrom('turnkey_messages')
      .select(['result_code', 'result_message'])
      .where('identifier', '=', invoices[2]?.identifier as string)
      .executeTakeFirstOrThrow();
    expect(r.result_code).toBe('E0201');
    expect(r.result_message).toContain('Message is repeated.');
    const files = await t.deps.db.selectFrom('turnkey_unpacked_files').select(['kind', 'outcome']).execute();
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => f.kind === 'ProcessResult' && f.outcome === 'processed')).toBe(true);
    await sim.control('PUT', '/mode', { mode: 'accept' });
  });

  it("the day's SummaryResult agrees with our side: the reconciliation has no difference", async () => {
    const summary = await sim.control('POST', '/summary', { date: today.replaceAll('-', '') });
    expect(summary.status).toBe(200);
    expect(summary.body.files).toHaveLength(1);
    await runUntil(
      'the SummaryResult',
      'turnkey.unpack',
      {},
      async () => (await t.deps.db.selectFrom('turnkey_summary_results').select('pack_id').execute()).length > 0,
    );
    const before = Date.now();
    await runUntil('the reconciliation', 'turnkey.reconcile', { day: today }, async () =>
      (await reconciliation(today)).some((r) => r.reconciled_at.getTime() >= before - 1000),
    );
    expect(await reconciliation(today)).toEqual([
      expect.objectContaining({
        message_type: 'F0401',
        summary_received: true,
        our_handed_off: 4,
        our_accepted: 3,
        our_rejected: 1,
        their_total: 4,
        their_good: 3,
        their_failed: 1,
        difference_count: 0,
      }),
    ]);
    const listed = await t.call({ url: `/api/v1/turnkey/reconciliations?from=${today}&to=${today}`, token: admin });
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toMatchObject({
      from: today,
      to: today,
      items: [
        {
          day: today,
          messageType: 'F0401',
          summaryReceived: true,
          ours: { handedOff: 4, accepted: 3, rejected: 1, waiting: 0, rejectedBeforeUpload: 0 },
          theirs: { total: 4, good: 3, failed: 1 },
          differing: false,
          differences: [],
        },
      ],
    });
    expect((await t.call({ url: '/api/v1/turnkey/reconciliations?differing=true', token: admin })).json().items).toEqual([]);
    expect(
      await t.deps.db.selectFrom('sys_outbox').select('id').where('event_type', '=', 'TurnkeyReconciliationDiffers').execute(),
    ).toEqual([]);
  });

  it('a verdict that differs and a message the platform never answered are each reported, with one event, and listed', async () => {
    // Our side says the fourth was rejected, though the platform stored it …
    const [, , , changed] = invoices as [unknown, unknown, unknown, { identifier: string }];
    await t.deps.db
      .updateTable('turnkey_messages')
      .set({ status: 'rejected', result_code: 'E0202' })
      .where('identifier', '=', changed.identifier)
      .execute();
    // … and a fifth is handed off but never answered (Turnkey uploads it; no reply comes).
    expect((await sim.control('PUT', '/mode', { mode: 'stall', stage: 'G' })).status).toBe(200);
    const unanswered = await issue();
    await runUntil(
      'the fifth hand-off',
      'turnkey.handoff',
      {},
      async () => (await statusOf(unanswered.identifier)) === 'delivered',
    );
    await sim.control('POST', '/poll');
    expect((await sim.control('POST', '/summary', { date: today.replaceAll('-', '') })).status).toBe(200);

    const before = Date.now();
    await runUntil('the second reconciliation', 'turnkey.reconcile', { day: today }, async () =>
      (await reconciliation(today)).some((r) => r.reconciled_at.getTime() >= before - 1000 && r.difference_count > 0),
    );
    const events = await t.deps.db
      .selectFrom('sys_outbox')
      .select(['payload', 'aggregate_type', 'aggregate_id'])
      .where('event_type', '=', 'TurnkeyReconciliationDiffers')
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ aggregate_type: 'turnkey_reconciliation', aggregate_id: today });
    expect(EVENTS.TurnkeyReconciliationDiffers.payload.parse(events[0]?.payload)).toEqual({
      day: today,
      summaryReceived: true,
      differences: 2,
      byMessageType: [{ messageType: 'F0401', differences: 2, kinds: { good_not_accepted: 1, missing_from_summary: 1 } }],
    });

    const listed = await t.call({ url: '/api/v1/turnkey/reconciliations?differing=true', token: admin });
    expect(listed.statusCode).toBe(200);
    const [row] = listed.json().items;
    expect(row).toMatchObject({
      day: today,
      messageType: 'F0401',
      differing: true,
      ours: { handedOff: 5, accepted: 2, rejected: 2, waiting: 1 },
      theirs: { total: 4, good: 3, failed: 1 },
    });
    expect(
      row.differences.map((d: { kind: string; identifier: string; ourStatus: string }) => [d.kind, d.identifier, d.ourStatus]),
    ).toEqual([
      ['good_not_accepted', changed.identifier, 'rejected'],
      ['missing_from_summary', unanswered.identifier, 'delivered'],
    ]);

    // Run again: the same differences, no second event.
    const again = Date.now();
    await runUntil('the third reconciliation', 'turnkey.reconcile', { day: today }, async () =>
      (await reconciliation(today)).some((r) => r.reconciled_at.getTime() >= again - 1000),
    );
    expect(
      await t.deps.db.selectFrom('sys_outbox').select('id').where('event_type', '=', 'TurnkeyReconciliationDiffers').execute(),
    ).toHaveLength(1);

    // An operator limited to some sellers sees only their differences, and no counts (they cover every seller).
    const scopedAs = async (sellers: string[]) => {
      const username = `op-${randomUUID().slice(0, 8)}`;
      const password = 'operator-password-1';
      const created = await t.call({
        method: 'POST',
        url: '/api/v1/users',
        token: admin,
        payload: { username, displayName: username, password, roles: ['operator'], scope: { all: false, sellers, sites: [] } },
      });
      expect(created.statusCode).toBe(201);
      return (await t.login(username, password)).accessToken;
    };
    const sellerId = (await t.deps.db.selectFrom('sellers').select('id').executeTakeFirstOrThrow()).id;
    const mine = (
      await t.call({ url: '/api/v1/turnkey/reconciliations?differing=true', token: await scopedAs([sellerId]) })
    ).json();
    expect(mine.items).toEqual([expect.objectContaining({ ours: null, theirs: null, differing: true })]);
    expect(mine.items[0].differences).toHaveLength(2);
    const other = await scopedAs([randomUUID()]);
    expect((await t.call({ url: '/api/v1/turnkey/reconciliations?differing=true', token: other })).json().items).toEqual([]);
    expect((await t.call({ url: '/api/v1/turnkey/reconciliations', token: other })).json().items).toEqual([
      expect.objectContaining({ messageType: 'F0401', ours: null, differing: false, differences: [] }),
    ]);

    // Staff only: a POS client may not read it; a bad range is refused.
    expect((await t.call({ url: '/api/v1/turnkey/reconciliations', token: await t.clientToken() })).statusCode).toBe(403);
    const bad = await t.call({ url: `/api/v1/turnkey/reconciliations?from=${today}&to=2020-01-01`, token: admin });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('VALIDATION_ERROR');
    await sim.control('PUT', '/mode', { mode: 'accept' });
  });
});

describe('E0501 dropped by Turnkey', () => {
  it('becomes number ranges, imported as system:turnkey-unpack', async () => {
    const seller = await t.deps.db.selectFrom('sellers').select(['id', 'ban']).executeTakeFirstOrThrow();
    const drop = await sim.control('POST', '/e0501', {
      name: `E0501-${randomUUID().slice(0, 8)}.xml`,
      entries: [
        {
          ban: seller.ban,
          invoiceType: '07',
          yearMonth: '11602',
          invoiceTrack: 'XY',
          invoiceBeginNo: '12345000',
          invoiceEndNo: '12345149',
          invoiceBooklet: 3,
        },
      ],
    });
    expect(drop.status).toBe(201);
    const tracks = () =>
      t.deps.db
        .selectFrom('tracks as t')
        .innerJoin('e0501_imports as i', 'i.id', 't.import_id')
        .select(['t.seller_id', 't.year_month', 't.track', 't.begin_no', 't.end_no', 'i.uploaded_by', 'i.filename'])
        .where('t.track', '=', 'XY')
        .execute();
    await runUntil('the E0501 import', 'turnkey.unpack', {}, async () => (await tracks()).length > 0);
    const [track] = await tracks();
    expect(track).toMatchObject({
      seller_id: seller.id,
      year_month: '11602',
      track: 'XY',
      begin_no: 12345000,
      end_no: 12345149,
      uploaded_by: 'system:turnkey-unpack',
    });
    // Staff see the import among the E0501 imports, named after its place in Turnkey's folder.
    const imports = await t.call({ url: '/api/v1/tracks/e0501', token: admin });
    expect(imports.json().items).toContainEqual(expect.objectContaining({ filename: track?.filename, accepted: 1, rejected: 0 }));
    expect(track?.filename).toMatch(/^Unpack\/BAK\/E0501\/\d{8}\/\d{2}\/E0501-/);
  });
});
