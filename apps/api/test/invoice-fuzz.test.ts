/** Fuzzing POST /api/v1/invoices: any body gets 201 or a precise 4xx naming fields — never a 500 — and a refusal consumes no number. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, setupIssuer, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;
let siteId: string;
let blockId: string;

beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_GENERAL_PER_MINUTE: '1000000' });
  ({ admin, siteId, blockId } = await setupIssuer(t));
});
afterAll(() => t.close());

const nextNo = async () =>
  (await t.deps.db.selectFrom('track_blocks').select('next_no').where('id', '=', blockId).executeTakeFirstOrThrow()).next_no;

// Values that are sometimes right and often wrong in type, format or length.
const anyValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    '',
    ' ',
    'Y',
    'N',
    '1',
    '0.05',
    '07',
    '08',
    '3J0002',
    '/ABC+123',
    'CQ0001',
    '12345678',
    '0000000000',
    "x' OR 1=1 --",
    '<script>',
    '\u3000',
    '１２３',
  ),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
);
const decimalish = fc.oneof(
  fc.constantFrom('1', '0', '-1', '1.5', '0.0000001', '1e3', '99999999999999999999', 'abc', ''),
  fc.integer().map(String),
  anyValue,
);
const item = fc.record(
  {
    description: fc.oneof(fc.string({ maxLength: 600 }), anyValue),
    quantity: decimalish,
    unitPrice: decimalish,
    unit: anyValue,
    taxType: anyValue,
    amount: decimalish,
    remark: anyValue,
  },
  { requiredKeys: [] },
);
const body = fc.record(
  {
    siteId: fc.oneof(fc.constant('SITE'), fc.uuid(), anyValue),
    printMark: fc.oneof(fc.constantFrom('Y', 'N'), anyValue),
    items: fc.oneof(fc.array(item, { maxLength: 4 }), anyValue),
    buyer: fc.oneof(fc.record({ ban: anyValue, name: anyValue }, { requiredKeys: [] }), anyValue),
    carrier: fc.oneof(fc.record({ type: anyValue, id1: anyValue, id2: anyValue }, { requiredKeys: [] }), anyValue),
    donation: fc.oneof(fc.record({ npoban: anyValue }, { requiredKeys: [] }), anyValue),
    taxType: anyValue,
    taxRate: anyValue,
    invoiceType: anyValue,
    invoiceTime: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      anyValue,
    ),
    zeroTax: fc.oneof(fc.record({ customsClearanceMark: anyValue, zeroTaxRateReason: anyValue }, { requiredKeys: [] }), anyValue),
    unknownField: anyValue,
  },
  { requiredKeys: [] },
);

// A valid invoice with one field replaced by anything: exercises the rules one field at a time.
const validBase = { siteId: 'SITE', printMark: 'Y', items: [{ description: '汽油', quantity: '10', unitPrice: '30' }] };
const mutated = fc
  .tuple(
    fc.constantFrom(
      'siteId',
      'printMark',
      'items',
      'buyer',
      'carrier',
      'donation',
      'taxType',
      'taxRate',
      'invoiceType',
      'invoiceTime',
      'mainRemark',
      'extra',
    ),
    anyValue,
    fc.boolean(),
  )
  .map(([k, v, keep]) => (keep ? validBase : { ...validBase, [k]: v }));
// Bodies that pass the schema but break a MIG rule: the domain must refuse them before any number is taken.
const ruleBreaking = fc.constantFrom<Record<string, unknown>>(
  { ...validBase, printMark: 'N' },
  { ...validBase, carrier: { type: '3J0002', id1: '/ABC+123', id2: '/ABC+123' } },
  { ...validBase, printMark: 'N', donation: { npoban: '1' } },
  { ...validBase, donation: { npoban: '123' } },
  { ...validBase, buyer: { ban: '12345678' } },
  { ...validBase, taxRate: '0.25' },
  { ...validBase, taxType: '2' },
  { ...validBase, invoiceType: '08', taxRate: '0.01' },
  { ...validBase, invoiceTime: new Date(Date.now() + 86_400_000).toISOString() },
  { ...validBase, items: [{ description: '汽油', quantity: '0', unitPrice: '30' }] },
  { ...validBase, items: [{ description: '汽油', quantity: '1', unitPrice: '30', amount: '31' }] },
  { ...validBase, items: [{ description: ' ', quantity: '1', unitPrice: '0' }] },
  { ...validBase, printMark: 'N', carrier: { type: 'CQ0001', id1: 'ab12345678901234', id2: 'ab12345678901234' } },
);
const bodies = fc.oneof(body, mutated, ruleBreaking);

describe('fuzzing POST /api/v1/invoices', () => {
  it('never 500; refusals are 4xx naming fields and consume no number', async () => {
    let issued = 0;
    await fc.assert(
      fc.asyncProperty(bodies, async (b: Record<string, unknown>) => {
        const payload = { ...b, ...(b.siteId === 'SITE' ? { siteId } : {}) };
        const before = await nextNo();
        const r = await t.call({ method: 'POST', url: '/api/v1/invoices', token: admin, payload });
        expect(r.statusCode, r.body).toBeLessThan(500);
        if (r.statusCode === 201) {
          issued++;
          expect(await nextNo()).toBe(before + 1);
          return;
        }
        const e = r.json();
        expect(e).toMatchObject({ statusCode: r.statusCode, requestId: expect.any(String), code: expect.any(String) });
        if (e.code === 'VALIDATION_ERROR') {
          expect(e.details.length).toBeGreaterThan(0);
          for (const d of e.details) expect(d.field).toMatch(/^body(\.|$)/);
        }
        expect(await nextNo()).toBe(before);
      }),
      { numRuns: 300 },
    );
    // The valid-body-with-one-mutation half of the generator issues some invoices: both paths ran.
    expect(issued).toBeGreaterThan(0);
  }, 120_000);
});
