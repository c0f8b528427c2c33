/**
 * Batch import of invoices through the real processes' code: POST /api/v1/imports (app.inject) → the
 * transactional outbox → the worker runtime (relay, event.dispatch, the import.invoices job, issuing with
 * the API's services) → GET /api/v1/imports/{id} and its logs. CSV in UTF-8 and Big5, JSON lines; bad
 * invoices fail alone naming field, column and line; the same file again issues nothing; refusals by
 * permission and data scope; events in sys_outbox; bad uploads refused naming the field.
 */
import { randomUUID } from 'node:crypto';
import { createLogger } from '@app/logger';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazyApiServices } from '../../worker/src/api-services.ts';
import { type Runtime, startRuntime } from '../../worker/src/runtime.ts';
import { createTestApp, setupIssuer, type TestApp } from './helpers.ts';
import { allLogs, countInvoices, csv, importEvents, settledImport, uploadImport } from './import-helpers.ts';

let t: TestApp;
let admin: string;
let siteId: string;
let sellerId: string;
let other: { sellerId: string; siteId: string };
let runtime: Runtime | undefined;

const HEADER = [
  'ref',
  'siteCode',
  'printMark',
  'buyerBan',
  'buyerName',
  'carrierType',
  'carrierId1',
  'carrierId2',
  'npoban',
  'description',
  'quantity',
  'unit',
  'unitPrice',
];
/** Seven invoices on eight lines: three issue, four fail for different reasons. */
const MIXED = csv(HEADER, [
  ['R1', 'S1', 'Y', '', '', '', '', '', '', '95無鉛汽油', '20.5', 'L', '31.2'], // line 2
  ['R1', '', '', '', '', '', '', '', '', '洗車', '1', '', '150'], // line 3: second item of R1
  ['R2', 'S1', 'N', '', '', '3J0002', '/ABC+123', '/ABC+123', '', '茶葉蛋', '2', '', '10'], // line 4
  ['R3', 'S1', 'Y', '12345678', '買方', '', '', '', '', '咖啡', '1', '', '50'], // line 5: BAN checksum fails
  ['R4', 'S1', 'Y', '', '', '', '', '', '', '便當', 'abc', '', '80'], // line 6: quantity is no number
  ['R5', 'S9', 'Y', '', '', '', '', '', '', '水', '1', '', '20'], // line 7: no site S9
  ['R6', 'S1', 'N', '', '', '', '', '', '', '紙巾', '1', '', '15'], // line 8: B2C not printed needs carrier or donation
  ['R7', 'S1', 'N', '', '', '', '', '', '8585', '捐贈品', '1', '', '100'], // line 9
]);

function startWorker() {
  const log = createLogger({ name: 'worker-test', level: 'silent' });
  const { config, db, pool, storage } = t.deps;
  runtime = startRuntime({ config, db, log, api: lazyApiServices({ config, db, pool, storage, log }) });
}

beforeAll(async () => {
  t = await createTestApp({
    RATE_LIMIT_GENERAL_PER_MINUTE: '100000',
    OUTBOX_POLL_MS: '50',
    INVOICE_IMPORT_MAX_BYTES: '65536',
    INVOICE_IMPORT_MAX_INVOICES: '50',
  });
  ({ admin, siteId, sellerId } = await setupIssuer(t));
  other = await setupIssuer(t, { ban: '22099131', siteCode: 'S2', track: 'CD' });
});
afterAll(async () => {
  await runtime?.stop();
  await t?.close();
});

describe('POST /api/v1/imports → worker → GET /api/v1/imports/{id}', () => {
  it('answers 202 at once; the import waits in the outbox until a worker runs, which issues the good invoices and logs each', async () => {
    const before = await countInvoices(t);
    const r = await uploadImport(t, admin, { filename: 'mixed.csv', content: MIXED });
    expect(r.statusCode, r.body).toBe(202);
    const queued = r.json();
    expect(queued).toMatchObject({
      filename: 'mixed.csv',
      format: 'csv',
      encoding: 'utf8',
      status: 'queued',
      counts: { total: 0, valid: 0, issued: 0, duplicate: 0, failed: 0 },
      error: null,
      createdBy: { type: 'user', name: 'admin' },
      sameFileImportedBefore: false,
    });
    // Nothing but the database took part: the import and its ImportQueued event wait to be relayed.
    expect(await importEvents(t, queued.id)).toEqual([
      expect.objectContaining({ event_type: 'ImportQueued', dispatched_at: null, request_id: r.headers['x-request-id'] }),
    ]);
    expect(await countInvoices(t)).toBe(before);

    startWorker();
    const done = await settledImport(t, admin, queued.id);
    expect(done).toMatchObject({
      status: 'done',
      counts: { total: 7, valid: 6, issued: 3, duplicate: 0, failed: 4 },
      error: null,
    });
    // Each step's time is there, and they come in order: started ≤ validated ≤ finished.
    const steps = [done.startedAt, done.validatedAt, done.finishedAt].map((x: string | null) => Date.parse(x ?? ''));
    expect(steps.every(Number.isFinite)).toBe(true);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    expect(await countInvoices(t)).toBe(before + 3);
    expect(await countInvoices(t, `import:${queued.id}`)).toBe(3);

    const { items: logs } = await allLogs(t, admin, queued.id);
    expect(logs.map((l) => [l.row, l.ref, l.lines.from, l.lines.to, l.status])).toEqual([
      [1, 'R1', 2, 3, 'issued'],
      [2, 'R2', 4, 4, 'issued'],
      [3, 'R3', 5, 5, 'failed'],
      [4, 'R4', 6, 6, 'failed'],
      [5, 'R5', 7, 7, 'failed'],
      [6, 'R6', 8, 8, 'failed'],
      [7, 'R7', 9, 9, 'issued'],
    ]);
    // Each refusal names the body field, the CSV column and the line, as the API would name the field.
    expect(logs[2].error).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: [expect.objectContaining({ field: 'buyer.ban', column: 'buyerBan', line: 5, code: 'BUYER_BAN_INVALID' })],
    });
    expect(logs[3].error).toEqual({
      code: 'VALIDATION_ERROR',
      message: 'Invalid invoice.',
      details: [{ field: 'items.0.quantity', column: 'quantity', line: 6, message: expect.stringMatching(/decimal/) }],
    });
    expect(logs[4].error).toEqual({
      code: 'VALIDATION_ERROR',
      message: 'Unknown or disabled site.',
      details: [{ field: 'siteId', column: 'siteCode', line: 7, message: 'unknown or disabled site' }],
    });
    expect(logs[5].error.code).toBe('VALIDATION_ERROR');
    expect(logs[5].error.details.length).toBeGreaterThan(0);
    expect(logs[5].error.details.every((d: { line: number; column?: string }) => d.line === 8 && d.column)).toBe(true);
    expect(logs.filter((l) => l.status === 'failed').every((l) => l.invoice === null)).toBe(true);

    // The issued invoices are what the file said: R1 with its two items, R2 with its carrier, R7 donated.
    const r1 = (await t.call({ url: `/api/v1/invoices/${logs[0].invoice.invoiceNumber}`, token: admin })).json();
    expect(r1).toMatchObject({ id: logs[0].invoice.id, siteId, sellerId, printMark: 'Y', totalAmount: 790 });
    expect(r1.items.map((i: { description: string; quantity: string }) => [i.description, Number(i.quantity)])).toEqual([
      ['95無鉛汽油', 20.5],
      ['洗車', 1],
    ]);
    const r2 = (await t.call({ url: `/api/v1/invoices/${logs[1].invoice.invoiceNumber}`, token: admin })).json();
    expect(r2.carrier).toEqual({ type: '3J0002', id1: '/ABC+123', id2: '/ABC+123' });
    const r7 = (await t.call({ url: `/api/v1/invoices/${logs[6].invoice.invoiceNumber}`, token: admin })).json();
    expect(r7.npoban).toBe('8585');

    // Events: queued, started, validated with the counts, completed with the outcome — through the outbox.
    const events = await importEvents(t, queued.id);
    expect(events.map((e) => [e.event_type, e.event_version])).toEqual([
      ['ImportQueued', 1],
      ['ImportStarted', 1],
      ['ImportValidated', 1],
      ['ImportCompleted', 1],
    ]);
    expect(events[2]?.payload).toEqual({ importId: queued.id, total: 7, valid: 6, invalid: 1 });
    expect(events[3]?.payload).toEqual({ importId: queued.id, total: 7, valid: 6, issued: 3, duplicate: 0, failed: 4 });
    expect(events.slice(1).every((e) => e.request_id === `import:${queued.id}`)).toBe(true);

    // Audit: the upload, and one invoice.issue per invoice, as the uploader, pointing at the import row.
    const audits = await t.deps.db
      .selectFrom('sys_audit_logs')
      .select(['action', 'actor_name', 'target_id', 'request_id', 'summary'])
      .where((eb) =>
        eb.or([eb('request_id', '=', `import:${queued.id}`), eb('request_id', '=', r.headers['x-request-id'] as string)]),
      )
      .orderBy('id')
      .execute();
    expect(audits.map((a) => [a.action, a.actor_name])).toEqual([
      ['invoice.import', 'admin'],
      ['invoice.issue', 'admin'],
      ['invoice.issue', 'admin'],
      ['invoice.issue', 'admin'],
    ]);
    expect(audits[0]?.target_id).toBe(queued.id);
    expect((audits[3]!.summary as { note: unknown }).note).toEqual({ importId: queued.id, row: 7 });
    // The keys the invoices were issued under are dropped once every invoice has its outcome.
    const keys = await t.deps.db
      .selectFrom('sys_idempotency_keys')
      .select('id')
      .where('idempotency_key', 'like', `import:${done.sha256}#%`)
      .execute();
    expect(keys).toEqual([]);
  });

  it('the same file again — renamed, by another user — answers 200 with the earlier import and issues nothing', async () => {
    const first = await uploadImport(t, admin, { filename: 'again.csv', content: MIXED.replaceAll('R', 'Q') });
    expect(first.statusCode).toBe(202);
    await settledImport(t, admin, first.json().id);
    const invoices = await countInvoices(t);
    const imports = await t.deps.db.selectFrom('import_files').select('id').execute();

    const createdUser = await t.call({
      method: 'POST',
      url: '/api/v1/users',
      token: admin,
      payload: {
        username: 'clerk',
        displayName: 'Clerk',
        password: 'clerk-password-1',
        roles: ['operator'],
        scope: { all: true, sellers: [], sites: [] },
      },
    });
    expect(createdUser.statusCode).toBe(201);
    const clerk = (await t.login('clerk', 'clerk-password-1')).accessToken;
    const again = await uploadImport(t, clerk, { filename: 'renamed.txt', content: MIXED.replaceAll('R', 'Q') });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: first.json().id, status: 'done', sameFileImportedBefore: true });
    expect(again.json().counts.issued).toBe(3);
    // A new Idempotency-Key does not make it a new import: still nothing new.
    const third = await uploadImport(t, admin, { filename: 'again.csv', content: MIXED.replaceAll('R', 'Q') });
    expect(third.statusCode).toBe(200);
    await new Promise((ok) => setTimeout(ok, 300));
    expect(await countInvoices(t)).toBe(invoices);
    expect(await t.deps.db.selectFrom('import_files').select('id').execute()).toHaveLength(imports.length);
    const audit = await t.deps.db
      .selectFrom('sys_audit_logs')
      .select(['summary', 'target_id'])
      .where('request_id', '=', again.headers['x-request-id'] as string)
      .executeTakeFirstOrThrow();
    expect(audit.target_id).toBe(first.json().id);
    expect((audit.summary as { note: { sameFileAs: string } }).note.sameFileAs).toBe(first.json().id);
  });

  it('CSV in Big5 (detected, or declared): Chinese text arrives intact', async () => {
    const text = csv(
      ['ref', 'siteId', 'printMark', 'buyerBan', 'buyerName', 'description', 'quantity', 'unitPrice', 'remark'],
      [
        ['大1', siteId, 'Y', '22099131', '買方股份有限公司', '茶葉蛋（滷）', '3', '10', '加辣'],
        ['大2', siteId, 'Y', '', '', '統一發票', '1', '99', ''],
      ],
    );
    const big5 = iconv.encode(text, 'cp950');
    expect(big5.equals(Buffer.from(text))).toBe(false);
    const r = await uploadImport(t, admin, { filename: '發票.csv', content: big5 });
    expect(r.statusCode, r.body).toBe(202);
    expect(r.json()).toMatchObject({ format: 'csv', encoding: 'big5' });
    const done = await settledImport(t, admin, r.json().id);
    expect(done.counts).toEqual({ total: 2, valid: 2, issued: 2, duplicate: 0, failed: 0 });
    const { items } = await allLogs(t, admin, done.id);
    expect(items.map((l) => l.ref)).toEqual(['大1', '大2']);
    const inv = (await t.call({ url: `/api/v1/invoices/${items[0].invoice.invoiceNumber}`, token: admin })).json();
    expect(inv).toMatchObject({ buyerBan: '22099131', buyerName: '買方股份有限公司' });
    expect(inv.items[0]).toMatchObject({
      description: '茶葉蛋（滷）',
      unitPrice: expect.stringMatching(/^10(\.0+)?$/),
      remark: '加辣',
    });

    // Declared: a pure-ASCII file would be UTF-8 too; told it is Big5, it is read as Big5.
    const ascii = csv(
      ['ref', 'siteId', 'printMark', 'description', 'quantity', 'unitPrice'],
      [['A1', siteId, 'Y', 'Tea', '1', '20']],
    );
    const declared = await uploadImport(t, admin, { filename: 'x.csv', content: ascii, fields: { encoding: 'big5' } });
    expect(declared.json()).toMatchObject({ encoding: 'big5' });
    expect((await settledImport(t, admin, declared.json().id)).counts.issued).toBe(1);
  });

  it('JSON lines: each line a POST /api/v1/invoices body; bad lines fail alone, naming the line and field', async () => {
    const body = { siteId, printMark: 'Y', items: [{ description: '咖啡', quantity: '1', unitPrice: '60' }] };
    const lines = [
      JSON.stringify(body),
      '{"siteId": "oops"',
      JSON.stringify({ ...body, colour: 'red' }),
      '',
      '[1, 2]',
      JSON.stringify({ ...body, deviceId: other.siteId }), // not a device
      JSON.stringify({ ...body, buyer: { ban: '04595257', name: 'B' } }),
    ];
    const r = await uploadImport(t, admin, { filename: 'sales.ndjson', content: lines.join('\n') });
    expect(r.statusCode, r.body).toBe(202);
    expect(r.json()).toMatchObject({ format: 'jsonl', encoding: 'utf8' });
    const done = await settledImport(t, admin, r.json().id);
    expect(done.counts).toEqual({ total: 6, valid: 3, issued: 2, duplicate: 0, failed: 4 });
    const { items } = await allLogs(t, admin, done.id);
    expect(items.map((l) => [l.row, l.lines.from, l.ref, l.status])).toEqual([
      [1, 1, null, 'issued'],
      [2, 2, null, 'failed'],
      [3, 3, null, 'failed'],
      [4, 5, null, 'failed'],
      [5, 6, null, 'failed'],
      [6, 7, null, 'issued'],
    ]);
    expect(items[1].error.details).toEqual([{ line: 2, message: expect.stringMatching(/^Not valid JSON: /) }]);
    expect(items[2].error.details).toEqual([{ field: 'colour', line: 3, message: 'unknown field' }]);
    expect(items[4].error).toEqual({
      code: 'VALIDATION_ERROR',
      message: 'Unknown or revoked device.',
      details: [{ field: 'deviceId', line: 6, message: 'unknown or revoked device' }],
    });
  });

  it('logs page by row number with a cursor and filter by status', async () => {
    const rows = Array.from({ length: 9 }, (_, i) => [`P${i}`, 'S1', 'Y', `item ${i}`, i % 3 === 2 ? '-1' : '1', '10']);
    const r = await uploadImport(t, admin, {
      content: csv(['ref', 'siteCode', 'printMark', 'description', 'quantity', 'unitPrice'], rows),
    });
    const done = await settledImport(t, admin, r.json().id);
    expect(done.counts).toMatchObject({ total: 9, issued: 6, failed: 3 });
    const all = await allLogs(t, admin, done.id, '', 2);
    expect(all.pages).toBe(5);
    expect(all.items.map((l) => l.row)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const failed = await allLogs(t, admin, done.id, '&status=failed', 2);
    expect(failed.items.map((l) => l.row)).toEqual([3, 6, 9]);
    expect(failed.pages).toBe(2);
    const issued = await t.call({ url: `/api/v1/imports/${done.id}/logs?status=issued&cursor=4&limit=200`, token: admin });
    expect(issued.json()).toMatchObject({ nextCursor: null, items: [{ row: 5 }, { row: 7 }, { row: 8 }] });
    const bad = await t.call({ url: `/api/v1/imports/${done.id}/logs?status=lost&limit=500`, token: admin });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .details.map((d: { field: string }) => d.field)
        .sort(),
    ).toEqual(['querystring.limit', 'querystring.status']);

    const list = await t.call({ url: '/api/v1/imports?limit=2', token: admin });
    expect(list.json().items).toHaveLength(2);
    expect(list.json().items[0].id).toBe(done.id);
    const next = await t.call({ url: `/api/v1/imports?limit=2&cursor=${list.json().nextCursor}`, token: admin });
    expect(next.json().items[0].id).not.toBe(done.id);
    const failedOnes = await t.call({ url: '/api/v1/imports?status=failed', token: admin });
    expect(failedOnes.json().items.every((i: { status: string }) => i.status === 'failed')).toBe(true);
  });

  it('a file the worker cannot read fails as a whole (ImportFailed), naming the problem; nothing is issued', async () => {
    const before = await countInvoices(t);
    const unknownColumn = await uploadImport(t, admin, {
      content: 'ref,siteCode,printMark,description,qty,unitPrice\nA,S1,Y,x,1,1\n',
    });
    const tooMany = await uploadImport(t, admin, {
      content: csv(
        ['ref', 'siteCode', 'printMark', 'description', 'quantity', 'unitPrice'],
        Array.from({ length: 51 }, (_, i) => [`M${i}`, 'S1', 'Y', 'x', '1', '1']),
      ),
    });
    const a = await settledImport(t, admin, unknownColumn.json().id);
    expect(a).toMatchObject({
      status: 'failed',
      counts: { total: 0, issued: 0 },
      error: { code: 'IMPORT_FILE_INVALID', message: expect.stringMatching(/^Unknown column "qty"/), details: { line: 1 } },
    });
    const b = await settledImport(t, admin, tooMany.json().id);
    expect(b.error).toEqual({
      code: 'IMPORT_FILE_INVALID',
      message: 'The file holds more than 50 invoices (line 52 starts one more); split it.',
      details: { line: 52 },
    });
    expect((await importEvents(t, a.id)).map((e) => e.event_type)).toEqual(['ImportQueued', 'ImportStarted', 'ImportFailed']);
    expect((await importEvents(t, a.id))[2]?.payload).toMatchObject({ importId: a.id, code: 'IMPORT_FILE_INVALID' });
    expect(await countInvoices(t)).toBe(before);
  });
});

describe('who may import, and as whom the invoices are issued', () => {
  let scoped: string;

  beforeAll(async () => {
    const created = await t.call({
      method: 'POST',
      url: '/api/v1/users',
      token: admin,
      payload: {
        username: 'station',
        displayName: 'Station 1',
        password: 'station-password-1',
        roles: ['operator'],
        scope: { all: false, sellers: [sellerId], sites: [] },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    scoped = (await t.login('station', 'station-password-1')).accessToken;
  });

  it("an invoice for a seller outside the uploader's scope fails with the API's own error; the others issue", async () => {
    const text = csv(
      ['ref', 'siteId', 'siteCode', 'printMark', 'description', 'quantity', 'unitPrice'],
      [
        ['in', siteId, '', 'Y', 'x', '1', '10'],
        ['out', other.siteId, '', 'Y', 'x', '1', '10'],
        ['out-code', '', 'S2', 'Y', 'x', '1', '10'],
      ],
    );
    const r = await uploadImport(t, scoped, { content: text });
    expect(r.statusCode, r.body).toBe(202);
    const done = await settledImport(t, scoped, r.json().id);
    expect(done.counts).toMatchObject({ issued: 1, failed: 2 });
    const { items } = await allLogs(t, scoped, done.id);
    // The same answer POST /api/v1/invoices gives this user for that site.
    const direct = await t.call({
      method: 'POST',
      url: '/api/v1/invoices',
      token: scoped,
      payload: { siteId: other.siteId, printMark: 'Y', items: [{ description: 'x', quantity: '1', unitPrice: '10' }] },
    });
    expect(direct.statusCode).toBe(400);
    expect(items[1].error).toEqual({
      code: direct.json().code,
      message: direct.json().message,
      details: [{ field: 'siteId', column: 'siteId', line: 3, message: direct.json().details[0].message }],
    });
    expect(items[2].error).toMatchObject({ code: direct.json().code, message: direct.json().message });
    expect(items[2].error.details[0]).toMatchObject({ column: 'siteCode', line: 4 });

    // Imports are visible to their uploader, and to callers whose data scope is `all`.
    const mine = (await t.call({ url: '/api/v1/imports', token: scoped })).json().items;
    expect(mine.map((i: { id: string }) => i.id)).toEqual([done.id]);
    const adminsImport = (await t.call({ url: '/api/v1/imports?limit=200', token: admin })).json().items.at(-1);
    expect((await t.call({ url: `/api/v1/imports/${adminsImport.id}`, token: scoped })).statusCode).toBe(404);
    expect((await t.call({ url: `/api/v1/imports/${adminsImport.id}/logs`, token: scoped })).statusCode).toBe(404);
    expect((await t.call({ url: `/api/v1/imports/${done.id}`, token: admin })).statusCode).toBe(200);
  });

  it('needs import.upload to upload and read, and invoice.issue to upload', async () => {
    const pos = await t.clientToken();
    const r = await uploadImport(t, pos, { content: MIXED });
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ code: 'FORBIDDEN', details: { required: 'import.upload' } });
    expect((await t.call({ url: '/api/v1/imports', token: pos })).statusCode).toBe(403);

    const role = await t.call({
      method: 'POST',
      url: '/api/v1/roles',
      token: admin,
      payload: { code: 'uploader', name: 'Uploads only', permissions: ['import.upload'] },
    });
    expect(role.statusCode, role.body).toBe(201);
    const user = await t.call({
      method: 'POST',
      url: '/api/v1/users',
      token: admin,
      payload: {
        username: 'uploader',
        displayName: 'U',
        password: 'uploader-password-1',
        roles: ['uploader'],
        scope: { all: true, sellers: [], sites: [] },
      },
    });
    expect(user.statusCode).toBe(201);
    const token = (await t.login('uploader', 'uploader-password-1')).accessToken;
    const refused = await uploadImport(t, token, { content: MIXED });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'FORBIDDEN', details: { required: 'invoice.issue' } });
  });
});

describe('bad uploads are refused naming the field, and store nothing', () => {
  const good = 'ref,siteCode,printMark,description,quantity,unitPrice\nZ,S1,Y,x,1,1\n';
  const cases: [string, () => ReturnType<typeof uploadImport>, number, string, string][] = [
    [
      'no file (another field)',
      () => uploadImport(t, admin, { content: good, field: 'document' }),
      400,
      'VALIDATION_ERROR',
      'body.file',
    ],
    ['an empty file', () => uploadImport(t, admin, { content: '' }), 400, 'VALIDATION_ERROR', 'body.file'],
    ['a blank file', () => uploadImport(t, admin, { content: '\r\n \r\n' }), 400, 'VALIDATION_ERROR', 'body.file'],
    ['too large', () => uploadImport(t, admin, { content: good.repeat(3000) }), 413, 'PAYLOAD_TOO_LARGE', 'body.file'],
    [
      'an unknown format',
      () => uploadImport(t, admin, { content: good, fields: { format: 'xlsx' } }),
      400,
      'VALIDATION_ERROR',
      'body.format',
    ],
    [
      'an unknown encoding',
      () => uploadImport(t, admin, { content: good, fields: { encoding: 'utf16' } }),
      400,
      'VALIDATION_ERROR',
      'body.encoding',
    ],
    [
      'an unknown field',
      () => uploadImport(t, admin, { content: good, fields: { colour: 'red' } }),
      400,
      'VALIDATION_ERROR',
      'body.colour',
    ],
    [
      'not UTF-8 when declared so',
      () => uploadImport(t, admin, { content: iconv.encode(`${good}中,S1,Y,x,1,1\n`, 'cp950'), fields: { encoding: 'utf8' } }),
      400,
      'VALIDATION_ERROR',
      'body.file',
    ],
    [
      'JSON lines declared Big5',
      () => uploadImport(t, admin, { filename: 'a.jsonl', content: '{}\n', fields: { encoding: 'big5' } }),
      400,
      'VALIDATION_ERROR',
      'body.encoding',
    ],
    [
      'an Excel workbook',
      () => uploadImport(t, admin, { filename: 'a.xlsx', content: Buffer.from('PK\u0003\u0004xl/') }),
      400,
      'VALIDATION_ERROR',
      'body.file',
    ],
  ];

  for (const [what, send, status, code, field] of cases) {
    it(what, async () => {
      const before = await t.deps.db.selectFrom('import_files').select('id').execute();
      const r = await send();
      expect(r.statusCode, r.body).toBe(status);
      expect(r.json().code).toBe(code);
      expect(r.json().details.map((d: { field: string }) => d.field)).toContain(field);
      expect(await t.deps.db.selectFrom('import_files').select('id').execute()).toHaveLength(before.length);
    });
  }

  it('a JSON body instead of multipart, and a write without Idempotency-Key', async () => {
    const json = await t.call({ method: 'POST', url: '/api/v1/imports', token: admin, payload: { file: 'x' } });
    expect(json.statusCode).toBe(400);
    expect(json.json().details).toEqual([{ field: 'body.file', message: 'required' }]);
    const noKey = await t.call({ method: 'POST', url: '/api/v1/imports', token: admin, payload: {}, idempotencyKey: null });
    expect(noKey.json().code).toBe('IDEMPOTENCY_KEY_MISSING');
  });

  it('the same Idempotency-Key replays the answer; with another file it is refused', async () => {
    const key = randomUUID();
    const content = 'ref,siteCode,printMark,description,quantity,unitPrice\nK1,S1,Y,x,1,1\n';
    const a = await uploadImport(t, admin, { content, key });
    const b = await uploadImport(t, admin, { content, key });
    expect(a.statusCode).toBe(202);
    expect(b.statusCode).toBe(202);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.json().id).toBe(a.json().id);
    const c = await uploadImport(t, admin, { content: content.replace('K1', 'K2'), key });
    expect(c.statusCode).toBe(409);
    expect(c.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    await settledImport(t, admin, a.json().id);
  });
});
