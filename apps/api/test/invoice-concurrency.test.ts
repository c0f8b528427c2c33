/**
 * POS number allocation under load (PRODUCT.md §7, einvoice-domain.md §3.2): 64 concurrent clients ×
 * 200 issues each, all from ONE block, through the real API. Every number is taken once, the block hands
 * out exactly the contiguous run from its first number, invoice times follow the numbers, and the number
 * registry, invoices and items agree. 26–50 s on a 2-core machine; the 15-minute timeout leaves a wide margin.
 */
import { randomUUID } from 'node:crypto';
import { formatNo } from '@app/domain';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, setupIssuer, type TestApp } from './helpers.ts';

const CLIENTS = 64;
const ISSUES_PER_CLIENT = 200;
const TOTAL = CLIENTS * ISSUES_PER_CLIENT;

let t: TestApp;
let siteId: string;
let blockId: string;
let pos: string;

const items = [
  { description: '95無鉛汽油', quantity: '20.5', unit: 'L', unitPrice: '31.2' },
  { description: '洗車', quantity: '1', unitPrice: '150' },
  { description: '礦泉水', quantity: '2', unitPrice: '20' },
];

beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_GENERAL_PER_MINUTE: '10000000' });
  // One block of 300 booklets (15,000 numbers): room for all 12,800, so "no gap" is not "used up".
  ({ siteId, blockId } = await setupIssuer(t, { rangeEnd: 19_999, booklets: 300 }));
  pos = await t.clientToken();
});
afterAll(() => t?.close());

describe(`${CLIENTS} concurrent clients × ${ISSUES_PER_CLIENT} issues on one block`, () => {
  it(
    'no duplicate, no gap, block counter = begin + issued, invoice time in number order, registry = invoices = items / 3',
    async () => {
      const before = await t.deps.db
        .selectFrom('track_blocks')
        .select(['begin_no', 'next_no', 'end_no'])
        .where('id', '=', blockId)
        .executeTakeFirstOrThrow();
      expect(before.next_no).toBe(before.begin_no);
      expect(before.end_no - before.begin_no + 1).toBeGreaterThan(TOTAL);

      const started = performance.now();
      const failures: string[] = [];
      const perClient = await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          const got: string[] = [];
          for (let i = 0; i < ISSUES_PER_CLIENT; i++) {
            const r = await t.call({
              method: 'POST',
              url: '/api/v1/invoices',
              token: pos,
              idempotencyKey: randomUUID(),
              payload: { siteId, printMark: 'Y', items },
            });
            if (r.statusCode === 201) got.push(r.json().invoiceNumber);
            else failures.push(`${r.statusCode} ${r.body}`);
          }
          return got;
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      console.info(`${TOTAL} invoices in ${seconds.toFixed(1)} s (${(TOTAL / seconds).toFixed(0)}/s)`);
      expect(failures.slice(0, 5)).toEqual([]);
      for (const got of perClient) expect(got).toHaveLength(ISSUES_PER_CLIENT);

      // No duplicate among the answers, and exactly the run begin .. begin + TOTAL - 1 (no gap).
      const answered = perClient.flat();
      expect(new Set(answered).size).toBe(TOTAL);
      const expected = Array.from({ length: TOTAL }, (_, i) => `AB${formatNo(before.begin_no + i)}`);
      expect(answered.toSorted()).toEqual(expected);

      const after = await t.deps.db
        .selectFrom('track_blocks')
        .select('next_no')
        .where('id', '=', blockId)
        .executeTakeFirstOrThrow();
      expect(after.next_no).toBe(before.begin_no + TOTAL);

      // What is stored: the same run, and invoice times never decrease along the numbers.
      const stored = await t.deps.db
        .selectFrom('invoices')
        .select(['invoice_number', 'invoice_time'])
        .where('block_id', '=', blockId)
        .orderBy('invoice_number')
        .execute();
      expect(stored.map((r) => r.invoice_number)).toEqual(expected);
      let outOfOrder = 0;
      for (let i = 1; i < stored.length; i++) {
        if (stored[i]!.invoice_time.getTime() < stored[i - 1]!.invoice_time.getTime()) outOfOrder++;
      }
      expect(outOfOrder).toBe(0);

      const counts = await sql<{ numbers: number; invoices: number; items: number; events: number }>`
        SELECT (SELECT count(*) FROM invoice_numbers WHERE block_id = ${blockId})::int AS numbers,
               (SELECT count(*) FROM invoices WHERE block_id = ${blockId})::int AS invoices,
               (SELECT count(*) FROM invoice_items it JOIN invoices i ON i.id = it.invoice_id AND i.invoice_date = it.invoice_date
                 WHERE i.block_id = ${blockId})::int AS items,
               (SELECT count(*) FROM sys_outbox WHERE event_type = 'InvoiceIssued')::int AS events`.execute(t.deps.db);
      expect(counts.rows[0]).toEqual({ numbers: TOTAL, invoices: TOTAL, items: TOTAL * items.length, events: TOTAL });
    },
    15 * 60_000,
  );
});
