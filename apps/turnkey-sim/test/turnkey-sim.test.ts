/**
 * The Turnkey stand-in against a real MariaDB (started by this file) and real files in a temp TURNKEY_ROOT:
 * what lands in TURNKEY_MESSAGE_LOG / _DETAIL / TURNKEY_SYSEVENT_LOG, where files go, the result files,
 * and the modes (reject, stall, down) switched through the control endpoint.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseE0501Xml } from '@app/domain';
import { createXsdValidator } from '@app/xsd';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSimConfig } from '../src/config.ts';
import { taipei } from '../src/time.ts';
import { pick, readXml, textAt, type XmlElement } from '../src/xml.ts';
import { e0402Xml, f0401Xml, f0501Xml, f0701Xml, SELLER_BAN } from './fixtures.ts';
import { filesUnder, type SimUnderTest, srcOf, startSim, startTestMariadb, type TestMariadb } from './helpers.ts';

const XSD_DIR = parseSimConfig({ TURNKEY_ROOT: '/x', TURNKEY_SIM_DB_URL: 'mysql://x@y/z' }).TURNKEY_SIM_XSD_DIR;

let m: TestMariadb;
const sims: SimUnderTest[] = [];
const sim = async (env: Record<string, string> = {}) => {
  const s = await startSim(m, env);
  sims.push(s);
  return s;
};

beforeAll(async () => {
  m = await startTestMariadb();
});
afterAll(async () => {
  for (const s of sims) await s.close().catch(() => {});
  await m?.close();
});

type LogRow = Record<string, string | null>;
const rowsOf = (s: SimUnderTest) => s.q<LogRow>('SELECT * FROM TURNKEY_MESSAGE_LOG ORDER BY SEQNO');
const eventsOf = (s: SimUnderTest) => s.q<LogRow>('SELECT * FROM TURNKEY_SYSEVENT_LOG ORDER BY EVENTDTS');
const message = (e: LogRow) => [1, 2, 3, 4, 5, 6].map((i) => e[`MESSAGE${i}`] ?? '').join('');
const poll = async (s: SimUnderTest) => {
  const r = await s.control('POST', '/poll');
  expect(r.status).toBe(200);
  return r.body;
};
const children = (el: XmlElement | undefined, local: string) => el?.children.filter((c) => c.local === local) ?? [];

describe('turnkey-sim', () => {
  it('takes a valid F0401 P → G → C with its INVOICE_IDENTIFIER, backs the file up, and answers 00000 in a valid ProcessResult', async () => {
    const s = await sim();
    await s.q("INSERT INTO FROM_CONFIG (PARTY_ID, ROUTING_ID) VALUES (?, 'RT24549210')", [SELLER_BAN]);
    const src = srcOf(s.root, 'F0401');
    s.drop('F0401', 'AB12345678.xml', f0401Xml({ number: 'AB12345678', date: '20261121' }));
    // Not complete messages: left alone.
    s.drop('F0401', 'half-written.xml.part', '<Invoice');
    const before = Date.now();

    const report = await poll(s);
    expect(report).toMatchObject({ taken: 1, localRejected: 0, uploaded: 1, accepted: 1, rejected: 0 });

    const [row, ...more] = await rowsOf(s);
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      SUBSEQNO: '00001',
      MESSAGE_TYPE: 'F0401',
      CATEGORY_TYPE: 'B2S',
      PROCESS_TYPE: 'STORAGE',
      FROM_PARTY_ID: SELLER_BAN,
      TO_PARTY_ID: '0000000000',
      STATUS: 'C',
      IN_OUT_BOUND: 'O',
      FROM_ROUTING_ID: 'RT24549210',
      INVOICE_IDENTIFIER: 'F0401AB1234567820261121',
    });
    expect(row!['SEQNO']).toMatch(/^\d{8}$/);
    expect(row!['UUID']).toMatch(/^[0-9a-f-]{36}$/);
    expect(row!['MESSAGE_DTS']).toMatch(/^\d{17}$/);
    expect(row!['MESSAGE_DTS']! >= taipei(new Date(before - 1000)).dts).toBe(true);
    expect(Number(row!['CHARACTER_COUNT'])).toBeGreaterThan(500);

    const detail = await s.q<LogRow>(
      'SELECT TASK, STATUS, FILENAME, UUID FROM TURNKEY_MESSAGE_LOG_DETAIL ORDER BY PROCESS_DTS, TASK',
    );
    expect(detail.map((d) => `${d['TASK']}:${d['STATUS']}`).sort()).toEqual([
      'Pack:C',
      'ReceiveFile:C',
      'SendFile:C',
      'UpCast:C',
    ]);
    const at = taipei(new Date());
    const upcast = detail.find((d) => d['TASK'] === 'UpCast')!;
    expect(upcast['FILENAME']).toBe(join(s.root, 'UpCast', 'B2SSTORAGE', 'F0401', 'BAK', at.day, at.hour, 'AB12345678.xml'));
    expect(existsSync(upcast['FILENAME']!)).toBe(true);
    expect(filesUnder(src)).toEqual(['half-written.xml.part']);
    expect(detail.find((d) => d['TASK'] === 'Pack')!['FILENAME']).toBe(
      `4.1-F0401-${row!['MESSAGE_DTS']!.slice(0, 8)}-${row!['MESSAGE_DTS']!.slice(8)}-${row!['UUID']}`,
    );
    expect(await eventsOf(s)).toEqual([]);

    const results = filesUnder(join(s.root, 'Unpack', 'BAK', 'ProcessResult'));
    expect(results).toHaveLength(1);
    expect(results[0]).toMatch(new RegExp(`^${at.day}/${at.hour}/ProcessResult-4\\.1-F0401-.*\\.xml$`));
    const xml = readFileSync(join(s.root, 'Unpack', 'BAK', 'ProcessResult', results[0]!), 'utf8');
    const pr = readXml(xml);
    expect(pr.ns).toBe('urn:GEINV:ProcessResult:4.0');
    expect(textAt(pr, 'RoutingInfo', 'From', 'PartyId')).toBe(SELLER_BAN);
    expect(textAt(pr, 'RoutingInfo', 'FromVAC', 'RoutingId')).toBe('RT24549210');
    expect(textAt(pr, 'MessageInfo', 'Id')).toContain(row!['UUID']);
    expect(
      children(pick(pr, 'Result'), 'Info').map((i) => [textAt(i, 'Code'), textAt(i, 'Parameter0'), textAt(i, 'Parameter1')]),
    ).toEqual([['00000', 'AB12345678', '20261121']]);
    // The official ProcessResult 4.0 schema accepts it.
    const [verdict] = await createXsdValidator(join(XSD_DIR, 'common', 'v40')).validate('ProcessResult', [
      { name: 'pr.xml', xml },
    ]);
    expect(verdict).toMatchObject({ ok: true, errors: [] });
  });

  it('rejects before upload: XSD failure 7002, unreadable XML 7001, business rule 7003, bad BAN 7004 — status E, file in ERR, event -007', async () => {
    const s = await sim();
    const badRate = f0401Xml({ number: 'AB00000001' }).replace('<TaxRate>0.05</TaxRate>', '<TaxRate>0.07</TaxRate>');
    s.drop('F0401', '1-xsd.xml', badRate);
    s.drop('F0401', '2-broken.xml', '<Invoice xmlns="urn:GEINV:eInvoiceMessage:F0401:4.1"><Main>');
    s.drop(
      'F0401',
      '3-rule.xml',
      f0401Xml({
        number: 'AB00000003',
        carrier: { type: 'CQ0001', id1: 'AB12345678901234', id2: 'AB12345678901234' },
        donateMark: '1',
        npoban: '919',
      }),
    );
    s.drop('F0401', '4-ban.xml', f0401Xml({ number: 'AB00000004', seller: '12345678' }));
    s.drop('F0401', '5-noaddress.xml', f0401Xml({ number: 'AB00000005', sellerAddress: null }));

    expect(await poll(s)).toMatchObject({ taken: 5, localRejected: 5, uploaded: 0, accepted: 0, rejected: 0 });

    const rows = await rowsOf(s);
    expect(rows.map((r) => [r['STATUS'], r['INVOICE_IDENTIFIER'], r['UUID']])).toEqual([
      ['E', 'F0401AB0000000120261121', null],
      ['E', null, null],
      ['E', 'F0401AB0000000320261121', null],
      ['E', 'F0401AB0000000420261121', null],
      ['E', 'F0401AB0000000520261121', null],
    ]);
    const events = await eventsOf(s);
    expect(events.map((e) => [e['SEQNO'], e['ERRORCODE'], message(e).slice(0, 4)])).toEqual(
      rows.map((r, i) => [r['SEQNO'], '-007', ['7002', '7001', '7003', '7004', '7003'][i]]),
    );
    expect(message(events[0]!)).toMatch(/^7002 XML 格式驗證\(XSD\)失敗 .*TaxRate/);
    expect(message(events[2]!)).toContain('"DonateMark" must be 0 when PrintMark is "Y"');
    expect(message(events[2]!)).toContain('"CarrierId1" and "CarrierId2" must be null or empty when PrintMark is "Y"');
    expect(message(events[4]!)).toContain('"Seller.Address" is invalid!');
    for (const e of events) {
      expect(e['EVENTDTS']).toMatch(/^\d{17}$/);
      for (const i of [1, 2, 3, 4, 5, 6]) expect((e[`MESSAGE${i}`] ?? '').length).toBeLessThanOrEqual(100);
    }
    expect(new Set(events.map((e) => e['EVENTDTS'])).size).toBe(5);

    const day = taipei(new Date()).day;
    const errDir = join(s.root, 'UpCast', 'B2SSTORAGE', 'F0401', 'ERR', day);
    expect(filesUnder(errDir)).toEqual(['1-xsd.xml', '2-broken.xml', '3-rule.xml', '4-ban.xml', '5-noaddress.xml']);
    expect(filesUnder(srcOf(s.root, 'F0401'))).toEqual([]);
    const detail = await s.q<LogRow>(
      "SELECT STATUS, FILENAME FROM TURNKEY_MESSAGE_LOG_DETAIL WHERE TASK = 'UpCast' ORDER BY SEQNO",
    );
    expect(detail.map((d) => [d['STATUS'], d['FILENAME']])).toEqual(filesUnder(errDir).map((f) => ['E', join(errDir, f)]));
    // Nothing was uploaded, so the platform sent nothing back.
    expect(filesUnder(join(s.root, 'Unpack'))).toEqual([]);
  });

  it('a file it cannot move out of SRC is recorded once (E, 7001) and not taken again until it changes', async () => {
    const s = await sim();
    // ERR is a file, so the folder for rejected messages cannot be made — even for root.
    mkdirSync(join(s.root, 'UpCast', 'B2SSTORAGE', 'F0401'), { recursive: true });
    writeFileSync(join(s.root, 'UpCast', 'B2SSTORAGE', 'F0401', 'ERR'), '');
    s.drop('F0401', 'stuck.xml', '<not-xml');
    expect(await poll(s)).toMatchObject({ taken: 1, localRejected: 1 });
    expect(await poll(s)).toMatchObject({ taken: 0 });
    expect(filesUnder(srcOf(s.root, 'F0401'))).toEqual(['stuck.xml']);
    expect((await rowsOf(s)).map((r) => r['STATUS'])).toEqual(['E']);
    expect(message((await eventsOf(s))[0]!)).toMatch(/^7001 .*cannot be moved out of SRC/);
  });

  it('reject mode with E0201 answers E with E0201 and its text (only for the chosen invoice numbers); unknown codes are refused', async () => {
    const s = await sim();
    const bad = await s.control('PUT', '/mode', { mode: 'reject', code: 'E9999' });
    expect(bad).toMatchObject({ status: 400, body: { code: 'UNKNOWN_CODE' } });
    expect((await s.control('PUT', '/mode', { mode: 'nap' })).status).toBe(400);

    const set = await s.control('PUT', '/mode', { mode: 'reject', code: 'E0201', invoiceNumbers: ['AB00000002'] });
    expect(set).toMatchObject({ status: 200, body: { mode: 'reject', code: 'E0201', invoiceNumbers: ['AB00000002'] } });
    s.drop('F0401', 'a.xml', f0401Xml({ number: 'AB00000001' }));
    s.drop('F0401', 'b.xml', f0401Xml({ number: 'AB00000002' }));
    expect(await poll(s)).toMatchObject({ taken: 2, uploaded: 2, accepted: 1, rejected: 1 });

    const rows = await rowsOf(s);
    expect(rows.map((r) => [r['INVOICE_IDENTIFIER'], r['STATUS']])).toEqual([
      ['F0401AB0000000120261121', 'C'],
      ['F0401AB0000000220261121', 'E'],
    ]);
    const [event, ...others] = await eventsOf(s);
    expect(others).toEqual([]);
    expect(event).toMatchObject({
      SEQNO: rows[1]!['SEQNO'],
      SUBSEQNO: '00001',
      UUID: rows[1]!['UUID'],
      PARTY_ID: SELLER_BAN,
      ERRORCODE: null,
    });
    expect(message(event!)).toBe('E0201 訊息重複 (Message is repeated.)');
    expect(event!['INFORMATION1']).toBe('F0401AB0000000220261121');
    expect(
      (await s.q<LogRow>("SELECT STATUS FROM TURNKEY_MESSAGE_LOG_DETAIL WHERE TASK = 'ReceiveFile' ORDER BY SEQNO")).map(
        (d) => d['STATUS'],
      ),
    ).toEqual(['C', 'E']);

    const [pr] = filesUnder(join(s.root, 'Unpack', 'BAK', 'ProcessResult'));
    const doc = readXml(readFileSync(join(s.root, 'Unpack', 'BAK', 'ProcessResult', pr!), 'utf8'));
    expect(
      children(pick(doc, 'Result'), 'Info').map((i) => [textAt(i, 'Code'), textAt(i, 'Parameter0'), textAt(i, 'Description')]),
    ).toEqual([
      ['00000', 'AB00000001', '訊息存證成功'],
      ['E0201', 'AB00000002', '訊息重複 Message is repeated.'],
    ]);
    // Rejected messages still went through BAK: they were valid and uploaded; the platform refused them.
    expect(filesUnder(join(s.root, 'UpCast', 'B2SSTORAGE', 'F0401', 'BAK')).map((f) => f.split('/').at(-1))).toEqual([
      'a.xml',
      'b.xml',
    ]);
  });

  it('answers a resend of an accepted message with E0201, but takes a cancel, a void and the re-issue after the void', async () => {
    const s = await sim();
    const step = async (type: string, name: string, xml: string) => {
      s.drop(type, name, xml);
      return poll(s);
    };
    expect(await step('F0401', 'first.xml', f0401Xml({ number: 'AB00000010' }))).toMatchObject({ accepted: 1 });
    expect(await step('F0401', 'again.xml', f0401Xml({ number: 'AB00000010' }))).toMatchObject({ rejected: 1 });
    expect(await step('F0701', 'void.xml', f0701Xml({ number: 'AB00000010' }))).toMatchObject({ accepted: 1 });
    expect(await step('F0401', 'reissue.xml', f0401Xml({ number: 'AB00000010' }))).toMatchObject({ accepted: 1 });
    expect(await step('F0501', 'cancel.xml', f0501Xml({ number: 'AB00000010' }))).toMatchObject({ accepted: 1 });
    const rows = await rowsOf(s);
    expect(rows.map((r) => [r['INVOICE_IDENTIFIER'], r['STATUS']])).toEqual([
      ['F0401AB0000001020261121', 'C'],
      ['F0401AB0000001020261121', 'E'],
      ['F0701AB0000001020261121', 'C'],
      ['F0401AB0000001020261121', 'C'],
      ['F0501AB0000001020261122', 'C'],
    ]);
    expect(message((await eventsOf(s))[0]!)).toMatch(/^E0201 /);
  });

  it('stall: rows stay G (or files stay in SRC) until the stall ends by a mode change or by itself', async () => {
    const s = await sim();
    expect((await s.control('PUT', '/mode', { mode: 'stall' })).body).toMatchObject({ mode: 'stall', stage: 'G' });
    s.drop('F0401', 'g.xml', f0401Xml({ number: 'AB00000020' }));
    expect(await poll(s)).toMatchObject({ taken: 1, uploaded: 1, accepted: 0 });
    expect(await poll(s)).toMatchObject({ taken: 0, accepted: 0 });
    expect((await rowsOf(s)).map((r) => r['STATUS'])).toEqual(['G']);
    expect(filesUnder(join(s.root, 'Unpack'))).toEqual([]);

    expect((await s.control('PUT', '/mode', { mode: 'stall', stage: 'SRC' })).status).toBe(200);
    s.drop('F0401', 'src.xml', f0401Xml({ number: 'AB00000021' }));
    expect(await poll(s)).toMatchObject({ taken: 0, accepted: 1 }); // replies resume, uploads wait
    expect(filesUnder(srcOf(s.root, 'F0401'))).toEqual(['src.xml']);

    await s.control('PUT', '/mode', { mode: 'accept' });
    expect(await poll(s)).toMatchObject({ taken: 1, accepted: 1 });
    expect((await rowsOf(s)).map((r) => r['STATUS'])).toEqual(['C', 'C']);

    // A timed stall recovers by itself.
    const timed = await s.control('PUT', '/mode', { mode: 'stall', delayMs: 300 });
    expect(timed.body.until).toBeDefined();
    s.drop('F0401', 'timed.xml', f0401Xml({ number: 'AB00000022' }));
    expect(await poll(s)).toMatchObject({ uploaded: 1, accepted: 0 });
    await new Promise((r) => setTimeout(r, 350));
    expect(await poll(s)).toMatchObject({ accepted: 1 });
    expect((await s.control('GET', '/mode')).body).toMatchObject({ mode: 'accept' });
  });

  it('accept with a reply delay: G first, C once the delay has passed', async () => {
    const s = await sim();
    await s.control('PUT', '/mode', { mode: 'accept', delayMs: 400 });
    s.drop('F0401', 'late.xml', f0401Xml({ number: 'AB00000030' }));
    expect(await poll(s)).toMatchObject({ uploaded: 1, accepted: 0 });
    expect((await rowsOf(s))[0]!['STATUS']).toBe('G');
    await new Promise((r) => setTimeout(r, 450));
    expect(await poll(s)).toMatchObject({ accepted: 1 });
  });

  it('down: locks the reader account (new connections refused, open ones killed), leaves SRC alone; recovery unlocks and processes', async () => {
    const reader = `reader_${process.pid}`;
    m.exec(`CREATE USER IF NOT EXISTS '${reader}'@'%' IDENTIFIED BY 'reader-pw'`);
    const s = await sim({ TURNKEY_SIM_DOWN_LOCK_ACCOUNTS: `${reader}@%` });
    m.exec(`GRANT SELECT ON ${s.database}.* TO '${reader}'@'%'`);
    const readerUrl = m.url({ user: reader, password: 'reader-pw', database: s.database });
    const open = await createConnection(readerUrl);
    open.on('error', () => {}); // the kill arrives as an error event too
    await open.query('SELECT COUNT(*) FROM TURNKEY_MESSAGE_LOG');

    const down = await s.control('PUT', '/mode', { mode: 'down' });
    expect(down).toMatchObject({ status: 200, body: { mode: 'down' } });
    expect(down.body.warnings).toBeUndefined();
    await expect(open.query('SELECT COUNT(*) FROM TURNKEY_MESSAGE_LOG')).rejects.toThrow();
    await expect(createConnection(readerUrl)).rejects.toMatchObject({ errno: 4151 }); // ER_ACCOUNT_HAS_BEEN_LOCKED
    s.drop('F0401', 'while-down.xml', f0401Xml({ number: 'AB00000040' }));
    expect(await poll(s)).toMatchObject({ skipped: 'down', taken: 0 });
    expect(filesUnder(srcOf(s.root, 'F0401'))).toEqual(['while-down.xml']);
    expect(await rowsOf(s)).toEqual([]);

    await s.control('PUT', '/mode', { mode: 'accept' });
    const again = await createConnection(readerUrl);
    expect(await poll(s)).toMatchObject({ taken: 1, accepted: 1 });
    const [rows] = await again.query('SELECT INVOICE_IDENTIFIER, STATUS FROM TURNKEY_MESSAGE_LOG');
    expect(rows).toEqual([{ INVOICE_IDENTIFIER: 'F0401AB0000004020261121', STATUS: 'C' }]);
    await again.end();
    open.destroy();
  });

  it('writes the daily SummaryResult with the real-world element names: Total = Good + Failed per pack, local rejections not counted', async () => {
    const s = await sim();
    for (const n of ['AB00000051', 'AB00000052', 'AB00000053']) s.drop('F0401', `${n}.xml`, f0401Xml({ number: n }));
    s.drop('F0401', 'invalid.xml', f0401Xml({ number: 'AB00000054' }).replace('<InvoiceType>07</InvoiceType>', ''));
    await s.control('PUT', '/mode', { mode: 'reject', code: 'E0103', invoiceNumbers: ['AB00000053'] });
    s.drop('E0402', 'blank.xml', e0402Xml());
    expect(await poll(s)).toMatchObject({ taken: 5, localRejected: 1, uploaded: 4, accepted: 3, rejected: 1 });
    const e0402 = (await rowsOf(s)).find((r) => r['MESSAGE_TYPE'] === 'E0402')!;
    expect(e0402).toMatchObject({
      CATEGORY_TYPE: 'B2P',
      PROCESS_TYPE: 'MESSAGE',
      STATUS: 'C',
      INVOICE_IDENTIFIER: `E0402${SELLER_BAN}AB07`,
    });

    const day = taipei(new Date()).day;
    expect((await s.control('POST', '/summary', { date: '2026-11-21' })).status).toBe(400);
    const { body } = await s.control('POST', '/summary', { date: day });
    expect(body.files).toHaveLength(1);
    expect(body.files[0]).toMatch(
      new RegExp(`/Unpack/BAK/SummaryResult/${day}/\\d{2}/SummaryResult-${SELLER_BAN}-${day}\\.xml$`),
    );
    const doc = readXml(readFileSync(body.files[0], 'utf8'));
    expect(doc.local).toBe('SummaryResult');
    expect(doc.ns).toBe('urn:GEINV:SummaryResult:4.0');
    expect(textAt(doc, 'RoutingInfo', 'From', 'PartyId')).toBe(SELLER_BAN);
    const msgs = children(pick(doc, 'DetailList'), 'Message');
    expect(msgs.map((x) => textAt(x, 'Info', 'MessageType')).sort()).toEqual(['E0402', 'F0401']);
    for (const msg of msgs) {
      const count = (k: string) => Number(textAt(msg, 'ResultType', k, 'ResultDetailType', 'Count'));
      expect(count('Total')).toBe(count('Good') + count('Failed'));
      expect(textAt(msg, 'Info', 'Id')).toMatch(
        new RegExp(`^4\\.1-${textAt(msg, 'Info', 'MessageType')}-${day}-\\d{9}-[0-9a-f-]{36}$`),
      );
    }
    const f = msgs.find((x) => textAt(x, 'Info', 'MessageType') === 'F0401')!;
    const refs = (k: string) =>
      children(pick(f, 'ResultType', k, 'ResultDetailType', 'Invoices'), 'Invoice').map(
        (i) => `${textAt(i, 'ReferenceNumber')}@${textAt(i, 'InvoiceDate')}`,
      );
    expect(textAt(f, 'ResultType', 'Total', 'ResultDetailType', 'Count')).toBe('3');
    expect(refs('Good')).toEqual(['AB00000051@20261121', 'AB00000052@20261121']);
    expect(refs('Failed')).toEqual(['AB00000053@20261121']);
    expect(refs('Total')).toHaveLength(3);
  });

  // The product's own MIG builders (packages/domain/src/einvoice/mig, golden files): what the product writes must
  // pass the stand-in's checks, and the identifiers come out as the formulas say.
  const GOLDEN = join(import.meta.dirname, '..', '..', '..', 'packages', 'domain', 'src', 'einvoice', 'mig', 'golden');
  it.skipIf(!existsSync(GOLDEN))('takes every golden file of the product’s MIG builders to C', async () => {
    const s = await sim({ TURNKEY_SIM_DUPLICATE_CHECK: 'false' });
    const names = readdirSync(GOLDEN).filter((n) => /^[EFG]0\d{3}.*\.xml$/.test(n));
    expect(names.length).toBeGreaterThanOrEqual(8);
    for (const n of names) s.drop(n.slice(0, 5), n, readFileSync(join(GOLDEN, n), 'utf8'));
    const report = await poll(s);
    const rows = await rowsOf(s);
    const problems = await eventsOf(s);
    expect(problems.map((e) => `${e['INFORMATION2']}: ${message(e)}`)).toEqual([]);
    expect(report).toMatchObject({ taken: names.length, localRejected: 0, accepted: names.length });
    for (const r of rows) {
      const expected: Record<string, RegExp> = {
        F0401: /^F0401[A-Z]{2}\d{8}\d{8}$/,
        F0501: /^F0501[A-Z]{2}\d{8}\d{8}$/,
        F0701: /^F0701[A-Z]{2}\d{8}\d{8}$/,
        G0401: /^G0401.{1,16}\d{8}$/,
        G0501: /^G0501.{1,16}\d{8}$/,
        G0701: /^G0701.{1,16}\d{8}$/,
        E0401: /^E0401\d{8}[A-Z]{2}0[78]$/,
        E0402: /^E0402\d{8}[A-Z]{2}0[78]$/,
      };
      expect(r['INVOICE_IDENTIFIER']).toMatch(expected[r['MESSAGE_TYPE']!]!);
    }
  });

  it('drops E0501 files into Unpack/BAK/E0501 that the product’s importer reads', async () => {
    const s = await sim();
    const entry = {
      ban: SELLER_BAN,
      invoiceType: '07',
      yearMonth: '11412',
      invoiceTrack: 'AB',
      invoiceBeginNo: '12345600',
      invoiceEndNo: '12345699',
      invoiceBooklet: 2,
    };
    const r = await s.control('POST', '/e0501', { entries: [entry], name: 'alloc.xml' });
    expect(r.status).toBe(201);
    const day = taipei(new Date());
    expect(r.body.path).toBe(join(s.root, 'Unpack', 'BAK', 'E0501', day.day, day.hour, 'alloc.xml'));
    const parsed = parseE0501Xml(readFileSync(r.body.path), { maxBytes: 1_000_000 });
    expect(parsed.envelope?.fromPartyId).toBe(SELLER_BAN);
    expect(parsed.entries.map((e) => [e.fields, e.issues])).toEqual([
      [
        { ban: SELLER_BAN, invoiceType: '07', yearMonth: '11412', track: 'AB', begin: '12345600', end: '12345699', booklet: '2' },
        [],
      ],
    ]);

    const raw = await s.control('POST', '/e0501?name=raw.xml', '<anything-the-test-wants/>', {
      'content-type': 'application/xml',
    });
    expect(raw.status).toBe(201);
    expect(readFileSync(raw.body.path, 'utf8')).toBe('<anything-the-test-wants/>');
    expect((await s.control('POST', '/e0501?name=../x.xml', '<x/>', { 'content-type': 'application/xml' })).status).toBe(400);
  });
});
