/** POST /api/v1/invoices/batch: entries succeed or fail on their own; a retried batch never issues an entry twice. */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, setupIssuer, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;
let siteId: string;
let blockId: string;

const items = [
  { description: '95無鉛汽油', quantity: '20.5', unit: 'L', unitPrice: '31.2' },
  { description: '洗車', quantity: '1', unitPrice: '150' },
];
const good = () => ({ siteId, items, printMark: 'Y' });

const batch = (invoices: unknown[], key: string = randomUUID()) =>
  t.call({ method: 'POST', url: '/api/v1/invoices/batch', token: admin, payload: { invoices }, idempotencyKey: key });

const nextNo = async () =>
  (await t.deps.db.selectFrom('track_blocks').select('next_no').where('id', '=', blockId).executeTakeFirstOrThrow()).next_no;
const invoiceCount = async () =>
  Number(
    (
      await t.deps.db
        .selectFrom('invoices')
        .select((e) => e.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_GENERAL_PER_MINUTE: '100000' });
  ({ admin, siteId, blockId } = await setupIssuer(t));
});
afterAll(() => t.close());

describe('POST /api/v1/invoices/batch', () => {
  it('issues the good entries in order and refuses the bad ones alone, naming their fields; refusals take no number', async () => {
    const before = await nextNo();
    const r = await batch([
      good(),
      { ...good(), colour: 'red' }, // unknown field
      good(),
      { ...good(), buyer: { ban: '12345678', name: 'X' } }, // BAN checksum fails
      { ...good(), printMark: 'N' }, // B2C without carrier or donation must print
      good(),
    ]);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.issued).toBe(3);
    expect(body.failed).toBe(3);
    expect(body.results.map((x: { status: number }) => x.status)).toEqual([201, 400, 201, 400, 400, 201]);
    expect(body.results[1].error.details).toContainEqual({ field: 'body.invoices[1].colour', message: 'unknown field' });
    expect(body.results[3].error.code).toBe('VALIDATION_ERROR');
    expect(body.results[3].error.details.map((d: { field: string }) => d.field)).toContain('body.invoices[3].buyer.ban');
    expect(body.results[4].error.details.every((d: { field: string }) => d.field.startsWith('body.invoices[4].'))).toBe(true);
    // Consecutive numbers for the three good entries; the three refusals took none.
    const numbers = [0, 2, 5].map((i) => Number(body.results[i].invoice.invoiceNumber.slice(2)));
    expect(numbers).toEqual([before, before + 1, before + 2]);
    expect(await nextNo()).toBe(before + 3);
    expect(body.results[0].invoice.qrLeft).toMatch(/^AB\d{8}/);
    // One audit entry for the batch and one invoice.issue entry per issued invoice.
    const audits = await t.deps.db
      .selectFrom('sys_audit_logs')
      .select(['action', 'target_id'])
      .where('request_id', '=', r.headers['x-request-id'] as string)
      .execute();
    expect(audits.filter((a) => a.action === 'invoice.issue_batch')).toHaveLength(1);
    expect(
      audits
        .filter((a) => a.action === 'invoice.issue')
        .map((a) => a.target_id)
        .sort(),
    ).toEqual([0, 2, 5].map((i) => body.results[i].invoice.invoiceNumber).sort());
  });

  it('the same key again answers the stored result and issues nothing', async () => {
    const key = randomUUID();
    const first = await batch([good(), good()], key);
    const count = await invoiceCount();
    const again = await batch([good(), good()], key);
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await invoiceCount()).toBe(count);
    const other = await batch([good()], key);
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('a batch retried after a crash half-way issues only what was missing', async () => {
    const key = randomUUID();
    const entries = [good(), good(), good()];
    // The state a crash after entry 1 leaves: entries 0 and 1 committed one by one, the batch's own key
    // never completed (its lease long over). Recreate it: run the first two, then drop the batch's key row.
    const first = (await batch(entries.slice(0, 2), key)).json();
    await sql`DELETE FROM sys_idempotency_keys WHERE idempotency_key = ${key}`.execute(t.deps.db);
    const count = await invoiceCount();
    const retry = await batch(entries, key);
    expect(retry.statusCode).toBe(200);
    const results = retry.json().results;
    expect(results.map((x: { status: number }) => x.status)).toEqual([201, 201, 201]);
    // Entries 0 and 1 answer from what is stored — the same invoices, proofs included; only entry 2 is new.
    expect(results.slice(0, 2).map((x: { invoice: unknown }) => x.invoice)).toEqual(
      first.results.map((x: { invoice: unknown }) => x.invoice),
    );
    expect(await invoiceCount()).toBe(count + 1);
  });

  it('refuses an empty batch and one over 500 entries, naming body.invoices', async () => {
    for (const invoices of [[], Array.from({ length: 501 }, good)]) {
      const r = await batch(invoices);
      expect(r.statusCode).toBe(400);
      expect(r.json().details[0].field).toBe('body.invoices');
    }
  });
});
