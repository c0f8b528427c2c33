/**
 * The import job's run, driven directly (no worker running, so each test decides when a run starts and
 * where it is cut off): a run killed between invoices, a run that dies after issuing an invoice but before
 * logging it, two runs at once, an uploader who lost the permission before the run — no invoice is ever
 * issued twice and none is lost.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRINCIPAL_CACHE_MS } from '../src/plugins/scope-injector.ts';
import { createImportRunService, createInvoiceService, type InvoiceService } from '../src/services.ts';
import { createTestApp, setupIssuer, type TestApp } from './helpers.ts';
import { allLogs, countInvoices, csv, importEvents, uploadImport } from './import-helpers.ts';

let t: TestApp;
let admin: string;
let invoices: InvoiceService;

beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_GENERAL_PER_MINUTE: '100000' });
  ({ admin } = await setupIssuer(t));
  invoices = createInvoiceService(t.deps);
});
afterAll(() => t?.close());

/** A run service whose issuing calls `after(n)` once the n-th invoice of the run was issued. */
function runner(after?: (n: number) => void | Promise<void>) {
  let n = 0;
  const issuing: Pick<InvoiceService, 'issueKeyed' | 'issuedAgain'> = {
    issuedAgain: (ref) => invoices.issuedAgain(ref),
    issueKeyed: async (ctx, input, key) => {
      const out = await invoices.issueKeyed(ctx, input, key);
      await after?.(++n);
      return out;
    },
  };
  return createImportRunService({ ...t.deps, invoices: issuing });
}

let fileNo = 0;
/** Upload a CSV of `n` one-line invoices (a new file each time); returns the import id. */
async function upload(n: number, token = admin): Promise<string> {
  fileNo++;
  const rows = Array.from({ length: n }, (_, i) => [`F${fileNo}-${i + 1}`, 'S1', 'Y', `item ${i + 1}`, '1', String(10 + i)]);
  const r = await uploadImport(t, token, {
    content: csv(['ref', 'siteCode', 'printMark', 'description', 'quantity', 'unitPrice'], rows),
  });
  expect(r.statusCode, r.body).toBe(202);
  return r.json().id;
}

const state = (id: string) =>
  t.deps.db
    .selectFrom('import_files')
    .select(['status', 'rows_total', 'rows_valid', 'rows_issued', 'rows_duplicate', 'rows_failed'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

/** Every invoice of the import logged once, each with its own invoice, and no invoice of it without a log. */
async function expectEachIssuedOnce(id: string, total: number) {
  const { items } = await allLogs(t, admin, id, '', 200);
  expect(items.map((l) => l.row)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  const numbers = items.map((l) => l.invoice?.invoiceNumber);
  expect(numbers.every(Boolean)).toBe(true);
  expect(new Set(numbers).size).toBe(total);
  expect(await countInvoices(t, `import:${id}`)).toBe(total);
  return items;
}

describe('an import run cut off at any point and run again', () => {
  it('killed between two invoices: the next run issues the rest, each once', async () => {
    const id = await upload(8);
    const stop = new AbortController();
    const first = runner((n) => {
      if (n === 3) stop.abort(new Error('SIGKILL'));
    });
    await expect(first.run(id, { signal: stop.signal })).rejects.toThrow('SIGKILL');
    expect(await state(id)).toMatchObject({ status: 'issuing', rows_total: 8, rows_valid: 8, rows_issued: 3 });
    expect(await countInvoices(t, `import:${id}`)).toBe(3);

    expect(await runner().run(id)).toBe('done');
    expect(await state(id)).toMatchObject({ status: 'done', rows_issued: 8, rows_duplicate: 0, rows_failed: 0 });
    await expectEachIssuedOnce(id, 8);
    // One ImportStarted, one ImportValidated, one ImportCompleted, whatever the number of runs.
    expect((await importEvents(t, id)).map((e) => e.event_type)).toEqual([
      'ImportQueued',
      'ImportStarted',
      'ImportValidated',
      'ImportCompleted',
    ]);
    // Run again: nothing left to do.
    expect(await runner().run(id)).toBe('skipped');
    expect(await countInvoices(t, `import:${id}`)).toBe(8);
  });

  it('died after issuing an invoice but before logging it: the next run finds it under its key (duplicate), issues no second', async () => {
    const id = await upload(6);
    const dying = runner((n) => {
      if (n === 4) throw new Error('process died between issuing and logging');
    });
    await expect(dying.run(id)).rejects.toThrow('process died');
    // Four invoices exist, three are logged.
    expect(await countInvoices(t, `import:${id}`)).toBe(4);
    expect(await state(id)).toMatchObject({ status: 'issuing', rows_issued: 3 });

    expect(await runner().run(id)).toBe('done');
    expect(await state(id)).toMatchObject({ status: 'done', rows_issued: 5, rows_duplicate: 1 });
    const items = await expectEachIssuedOnce(id, 6);
    expect(items.map((l) => l.status)).toEqual(['issued', 'issued', 'issued', 'duplicate', 'issued', 'issued']);
  });

  it('two runs at once: one does the work, the other stands back; nothing twice', async () => {
    const id = await upload(10);
    const outcomes = await Promise.allSettled([runner().run(id), runner().run(id)]);
    const done = outcomes.filter((o) => o.status === 'fulfilled' && o.value === 'done');
    expect(done).toHaveLength(1);
    for (const o of outcomes) {
      if (o.status === 'rejected') expect(String(o.reason)).toMatch(/being processed by another run/);
      else expect(['done', 'skipped']).toContain(o.value);
    }
    expect(await state(id)).toMatchObject({ status: 'done', rows_issued: 10 });
    await expectEachIssuedOnce(id, 10);
  });
});

describe('the uploader at processing time', () => {
  it('an uploader who lost invoice.issue before the run: the import fails, nothing issued; the same file may be uploaded again', async () => {
    const created = await t.call({
      method: 'POST',
      url: '/api/v1/users',
      token: admin,
      payload: {
        username: 'erp-clerk',
        displayName: 'ERP clerk',
        password: 'erp-clerk-password-1',
        roles: ['operator'],
        scope: { all: true, sellers: [], sites: [] },
      },
    });
    expect(created.statusCode).toBe(201);
    const userId = created.json().id;
    const token = (await t.login('erp-clerk', 'erp-clerk-password-1')).accessToken;
    const content = csv(
      ['ref', 'siteCode', 'printMark', 'description', 'quantity', 'unitPrice'],
      [['U1', 'S1', 'Y', 'x', '1', '5']],
    );
    const first = await uploadImport(t, token, { content });
    expect(first.statusCode).toBe(202);

    const demote = (roles: string[]) =>
      t.call({ method: 'PATCH', url: `/api/v1/users/${userId}`, token: admin, payload: { roles } });
    expect((await demote(['auditor'])).statusCode).toBe(200);
    expect(await runner().run(first.json().id)).toBe('done');
    const failed = (await t.call({ url: `/api/v1/imports/${first.json().id}`, token: admin })).json();
    expect(failed).toMatchObject({
      status: 'failed',
      counts: { issued: 0, duplicate: 0 },
      error: { code: 'FORBIDDEN', message: "This action needs the permission 'invoice.issue'." },
    });
    expect((await importEvents(t, failed.id)).map((e) => e.event_type)).toEqual([
      'ImportQueued',
      'ImportStarted',
      'ImportFailed',
    ]);
    expect(await countInvoices(t, `import:${failed.id}`)).toBe(0);

    // Permission back: the same file is a new import (the failed one issued nothing) and issues.
    expect((await demote(['operator'])).statusCode).toBe(200);
    const again = await uploadImport(t, token, { content });
    expect(again.statusCode).toBe(202);
    expect(again.json().id).not.toBe(failed.id);
    expect(await runner().run(again.json().id)).toBe('done');
    expect((await state(again.json().id)).rows_issued).toBe(1);

    // A disabled uploader: the import fails the same way, naming them.
    const third = await upload(1, token);
    expect(
      (await t.call({ method: 'PATCH', url: `/api/v1/users/${userId}`, token: admin, payload: { status: 'disabled' } }))
        .statusCode,
    ).toBe(200);
    expect(await runner().run(third)).toBe('done');
    expect((await t.call({ url: `/api/v1/imports/${third}`, token: admin })).json()).toMatchObject({
      status: 'failed',
      error: { code: 'FORBIDDEN', message: expect.stringMatching(/^The uploader \(erp-clerk\) is disabled or deleted/) },
    });
  });

  it('an uploader who loses invoice.issue half-way: what was issued stays, the rest fails with the API refusal', async () => {
    const created = await t.call({
      method: 'POST',
      url: '/api/v1/users',
      token: admin,
      payload: {
        username: 'half-way',
        displayName: 'Half way',
        password: 'half-way-password-1',
        roles: ['operator'],
        scope: { all: true, sellers: [], sites: [] },
      },
    });
    const token = (await t.login('half-way', 'half-way-password-1')).accessToken;
    const id = await upload(4, token);
    const demoting = runner(async (n) => {
      if (n !== 2) return;
      await t.call({ method: 'PATCH', url: `/api/v1/users/${created.json().id}`, token: admin, payload: { roles: ['auditor'] } });
      // The run reloads the uploader's permissions as often as the API does (PRINCIPAL_CACHE_MS).
      await new Promise((ok) => setTimeout(ok, PRINCIPAL_CACHE_MS + 100));
    });
    expect(await demoting.run(id)).toBe('done');
    expect(await state(id)).toMatchObject({ status: 'done', rows_issued: 2, rows_failed: 2 });
    const { items } = await allLogs(t, admin, id);
    expect(items.map((l) => l.status)).toEqual(['issued', 'issued', 'failed', 'failed']);
    expect(items[2].error).toEqual({
      code: 'FORBIDDEN',
      message: "This action needs the permission 'invoice.issue'.",
      details: [],
    });
    expect(await countInvoices(t, `import:${id}`)).toBe(2);
  }, 20_000);

  it('a failed import of a file whose invoice was issued by a run that died: the new import finds it (duplicate)', async () => {
    const id = await upload(2);
    // Issue the first invoice, die before logging it; then the import cannot go on and is failed by hand
    // (as an operator would after, say, losing the uploader) — nothing logged as issued, so failing is allowed.
    const dying = runner((n) => {
      if (n === 1) throw new Error('died');
    });
    await expect(dying.run(id)).rejects.toThrow('died');
    expect(await countInvoices(t, `import:${id}`)).toBe(1);
    await t.deps.db
      .updateTable('import_files')
      .set({ status: 'failed', error_code: 'FORBIDDEN', error_message: 'test' })
      .where('id', '=', id)
      .execute();
    const content = (await t.deps.storage.get(
      (
        await t.deps.db.selectFrom('import_files').select('storage_key').where('id', '=', id).executeTakeFirstOrThrow()
      ).storage_key,
    )) as Buffer;
    const again = await uploadImport(t, admin, { content });
    expect(again.statusCode).toBe(202);
    expect(await runner().run(again.json().id)).toBe('done');
    const { items } = await allLogs(t, admin, again.json().id);
    expect(items.map((l) => l.status)).toEqual(['duplicate', 'issued']);
    // Two invoices for two lines, across both imports.
    expect((await countInvoices(t, `import:${id}`)) + (await countInvoices(t, `import:${again.json().id}`))).toBe(2);
  });
});
