/**
 * From the REST calls to Turnkey and back: invoices issued (B2C printed, B2C with a phone carrier,
 * donated, B2B), one cancelled, one voided and re-issued, an allowance, its cancel and another's void — the
 * hand-off (the worker's code) builds every message with the MIG builders, checks each against the
 * official MIG 4.1 XSDs and writes one file per message into the right folder; the Turnkey stand-in
 * (apps/turnkey-sim, real MariaDB) takes them, and the results poller brings its verdicts back:
 * accepted, or rejected with the platform's code and text.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@app/devkit';
import { testConfig } from '@app/devkit/testing';
import { addJob } from '@app/jobs';
import { createLogger } from '@app/logger';
import { createXsdValidator } from '@app/xsd';
import { createPool as createMysqlPool, type Pool } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimUnderTest, startSim, startTestMariadb, type TestMariadb } from '../../turnkey-sim/test/helpers.ts';
import { startRuntime } from '../../worker/src/runtime.ts';
import { srcDir } from '../../worker/src/turnkey/files.ts';
import { handOffBatch } from '../../worker/src/turnkey/handoff.ts';
import { pollResults } from '../../worker/src/turnkey/results.ts';
import { createRenderer } from '../src/modules/turnkey/render.ts';
import { createTestApp, setupIssuer, type TestApp } from './helpers.ts';

const XSD_DIR = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'mig', 'xsd');

let t: TestApp;
let admin: string;
let siteId: string;
let root: string;
let mariadb: TestMariadb;
let sim: SimUnderTest;
let turnkeyDb: Pool;

const items = [
  { description: '95無鉛汽油', quantity: '20.5', unit: 'L', unitPrice: '31.2' },
  { description: '洗車 & 打蠟 <豪華>', quantity: '1', unitPrice: '150' },
];
const post = async (url: string, payload: object) => {
  const r = await t.call({ method: 'POST', url, token: admin, payload, idempotencyKey: randomUUID() });
  if (r.statusCode >= 300) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
  return r.json();
};

beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_GENERAL_PER_MINUTE: '100000' });
  ({ admin, siteId } = await setupIssuer(t));
  mariadb = await startTestMariadb();
  sim = await startSim(mariadb);
  root = sim.root;
  turnkeyDb = createMysqlPool({ uri: mariadb.rootUrl(sim.database), connectionLimit: 2 });
});
afterAll(async () => {
  await turnkeyDb?.end();
  await sim?.close();
  await mariadb?.close();
  await t.close();
});

const messageStates = () =>
  t.deps.db
    .selectFrom('turnkey_messages')
    .select(['message_type', 'identifier', 'status', 'result_code', 'result_message'])
    .orderBy('id')
    .execute();

/** Let the stand-in take what is in SRC and answer, then read its answers back until nothing is on the way. */
async function turnkeyRoundTrip() {
  for (let i = 0; i < 50; i++) {
    await sim.control('POST', '/poll');
    const r = await pollResults({ db: t.deps.db, turnkey: turnkeyDb });
    if (r.inFlight === 0) return;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error('Turnkey results did not arrive');
}

describe('REST → turnkey_messages → hand-off → SRC', () => {
  it('every message of issue, cancel, void + re-issue and allowances is built, passes the MIG 4.1 XSDs and lands in its folder', async () => {
    const printed = await post('/api/v1/invoices', { siteId, items, printMark: 'Y' });
    await post('/api/v1/invoices', {
      siteId,
      items,
      printMark: 'N',
      carrier: { type: '3J0002', id1: '/ABC+123', id2: '/ABC+123' },
    });
    await post('/api/v1/invoices', { siteId, items, printMark: 'N', donation: { npoban: '8585' } });
    const b2b = await post('/api/v1/invoices', {
      siteId,
      items,
      printMark: 'Y',
      buyer: { ban: '22099131', name: '買方股份有限公司' },
    });
    await post(`/api/v1/invoices/${printed.invoiceNumber}/cancel`, { reason: '客戶退貨' });
    await post(`/api/v1/invoices/${b2b.invoiceNumber}/void`, {
      reason: '統編錯誤',
      reissue: { printMark: 'Y', buyer: { ban: '04595257', name: '正確買方' } },
    });
    const a1 = await post(`/api/v1/invoices/${b2b.invoiceNumber}/allowances`, { items: [{ seq: 2, quantity: '1', amount: 50 }] });
    const a2 = await post(`/api/v1/invoices/${b2b.invoiceNumber}/allowances`, {
      items: [
        { seq: 1, quantity: '1', amount: 100 },
        { seq: 2, quantity: '1', amount: 20 },
      ],
    });
    await post(`/api/v1/allowances/${a1.allowanceNumber}/cancel`, { reason: '折讓開錯' });
    await post(`/api/v1/allowances/${a2.allowanceNumber}/void`, { reason: '重新開立' });

    const validator = createXsdValidator(XSD_DIR);
    const handOff = () =>
      handOffBatch({ db: t.deps.db, root, render: createRenderer(t.deps.db), validate: validator.validate.bind(validator) });
    // First round: of each invoice's chain only its first message is due; the later ones wait for it to be accepted.
    const first = await handOff();
    expect(first).toMatchObject({ claimed: 4, delivered: 4, invalid: 0 });
    const firstXml = readFileSync(join(srcDir(root, 'F0401'), readdirSync(srcDir(root, 'F0401'))[0] as string), 'utf8');
    expect(firstXml).toContain('urn:GEINV:eInvoiceMessage:F0401:4.1');
    expect(firstXml).toContain('洗車 &amp; 打蠟 &lt;豪華&gt;');
    // Then Turnkey answers and the hand-off sends what became due, round after round, until all is sent.
    let handed = first.delivered;
    for (let round = 0; round < 10 && handed < 11; round++) {
      await turnkeyRoundTrip();
      const r = await handOff();
      expect(r.invalid).toBe(0);
      handed += r.delivered;
    }
    expect(handed).toBe(11);
    await turnkeyRoundTrip();
    const rows = await messageStates();
    expect(rows.map((x) => x.message_type)).toEqual([
      'F0401',
      'F0401',
      'F0401',
      'F0401',
      'F0501',
      'F0701',
      'F0401',
      'G0401',
      'G0401',
      'G0501',
      'G0701',
    ]);
    // Turnkey (the stand-in) took every one and accepted it (status C): the void before its re-issue, the
    // invoice before its cancel and allowances.
    expect(rows.filter((m) => m.status !== 'accepted')).toEqual([]);
  });

  it('a message the platform rejects comes back rejected with the code and its text in both languages', async () => {
    expect((await sim.control('PUT', '/mode', { mode: 'reject', code: 'E0201' })).status).toBe(200);
    const inv = await post('/api/v1/invoices', { siteId, items, printMark: 'Y' });
    await handOffBatch({ db: t.deps.db, root, render: createRenderer(t.deps.db) });
    await turnkeyRoundTrip();
    const m = (await messageStates()).at(-1);
    expect(m).toMatchObject({
      message_type: 'F0401',
      identifier: `F0401${inv.invoiceNumber}${inv.invoiceDate.replaceAll('-', '')}`,
      status: 'rejected',
      result_code: 'E0201',
    });
    expect(m?.result_message).toContain('訊息重複');
    expect(m?.result_message).toContain('Message is repeated.');
    await sim.control('PUT', '/mode', { mode: 'accept' });

    // Staff see it among the messages to fix, with its code…
    const listed = await t.call({ url: '/api/v1/turnkey/messages', token: admin });
    expect(listed.statusCode).toBe(200);
    expect(listed.json().items).toContainEqual(
      expect.objectContaining({ identifier: m?.identifier, status: 'rejected', resultCode: 'E0201' }),
    );
    // …and resend it once the cause is fixed: built anew, handed off, accepted.
    const resent = await t.call({
      method: 'POST',
      url: `/api/v1/invoices/${inv.invoiceNumber}/resend`,
      token: admin,
      payload: {},
      idempotencyKey: randomUUID(),
    });
    expect(resent.statusCode).toBe(200);
    expect(resent.json().items).toEqual([expect.objectContaining({ status: 'pending', attempts: 0, resultCode: null })]);
    expect((await handOffBatch({ db: t.deps.db, root, render: createRenderer(t.deps.db) })).delivered).toBe(1);
    await turnkeyRoundTrip();
    expect((await messageStates()).at(-1)?.status).toBe('accepted');
    // Nothing left to resend: a specific 409; and a POS client may not resend at all.
    const again = await t.call({
      method: 'POST',
      url: `/api/v1/invoices/${inv.invoiceNumber}/resend`,
      token: admin,
      payload: {},
      idempotencyKey: randomUUID(),
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('NOTHING_TO_RESEND');
    const pos = await t.clientToken();
    const denied = await t.call({
      method: 'POST',
      url: `/api/v1/invoices/${inv.invoiceNumber}/resend`,
      token: pos,
      payload: {},
      idempotencyKey: randomUUID(),
    });
    expect(denied.statusCode).toBe(403);
  });

  it('the worker runs it by itself: its turnkey.handoff and turnkey.results jobs take an invoice to accepted', async () => {
    const inv = await post('/api/v1/invoices', { siteId, items, printMark: 'Y' });
    const runtime = startRuntime({
      config: testConfig(t.dbUrl, {
        TURNKEY_ROOT: root,
        TURNKEY_XSD_DIR: XSD_DIR,
        TURNKEY_DB_URL: mariadb.rootUrl(sim.database),
      }),
      db: t.deps.db,
      log: createLogger({ name: 'worker-test', level: 'silent' }),
    });
    try {
      const state = async () =>
        (
          await t.deps.db
            .selectFrom('turnkey_messages')
            .select('status')
            .where('identifier', '=', `F0401${inv.invoiceNumber}${inv.invoiceDate.replaceAll('-', '')}`)
            .executeTakeFirstOrThrow()
        ).status;
      await addJob(runtime.queues, 'turnkey.handoff', {});
      await waitFor('the invoice delivered', async () => (await state()) === 'delivered');
      await sim.control('POST', '/poll');
      await sim.control('POST', '/poll');
      await addJob(runtime.queues, 'turnkey.results', {});
      await waitFor('the invoice accepted', async () => (await state()) === 'accepted');
    } finally {
      await runtime.stop();
    }
  });
});
