import { createDecipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verificationString } from './aes.ts';
import { type PrintItem, type QrInput, type QrOptions, qrPayloads } from './qr.ts';
import { qrByteCapacity } from './qr-version.ts';
import { expectInvalid, taipeiYmd } from './test-support.ts';

const KEY = 'FE0F50D87215F625D1248F5FDAEBA37F';
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** The worked example of the MOF spec v1.8 ch.2 四 (二), UTF-8 (the key is unknown: its field 8 is given). */
const SPEC_EXAMPLE: QrInput = {
  invoiceNumber: 'AB11223344',
  invoiceDate: new Date('2013-05-23T11:22:33+08:00'),
  randomNumber: '9999',
  salesAmount: 324,
  totalAmount: 340,
  buyerBan: null,
  sellerBan: '01234567',
  verification: 'ydXZt4LAN1UHN/j1juVcRA==',
  items: [
    { name: '乾電池', quantity: 1, unitPrice: 105 },
    { name: '口罩', quantity: 1, unitPrice: 210 },
    { name: '牛奶', quantity: 1, unitPrice: 25 },
  ],
};

const base: QrInput = {
  invoiceNumber: 'AA12345678',
  invoiceDate: new Date('2024-01-05T10:00:00+08:00'),
  randomNumber: '1234',
  salesAmount: 897,
  totalAmount: 942,
  buyerBan: null,
  sellerBan: '28997723',
  aesKey: KEY,
  items: [{ name: '牛肉麵', quantity: 1, unitPrice: 942 }],
};

const item = (name: string, quantity: string | number = 1, unitPrice: string | number = 1): PrintItem => ({
  name,
  quantity,
  unitPrice,
});

describe('qrPayloads: the spec example', () => {
  it('reproduces both codes of the MOF example byte for byte', () => {
    const r = qrPayloads(SPEC_EXAMPLE);
    expect(r.left).toBe(
      'AB112233441020523999900000144000001540000000001234567ydXZt4LAN1UHN/j1juVcRA==:**********:3:3:1:乾電池:1:105:',
    );
    expect(r.right).toBe('**口罩:1:210:牛奶:1:25');
    expect(r.leftItems.map((i) => i.name)).toEqual(['乾電池']);
    expect(r.rightItems.map((i) => i.name)).toEqual(['口罩', '牛奶']);
    expect([r.recordedItemCount, r.totalItemCount]).toEqual([3, 3]);
    expect([r.leftBytes, r.rightBytes]).toEqual([bytes(r.left), bytes(r.right)]);
    expect([r.leftVersion, r.rightVersion]).toEqual([6, 2]);
  });
});

describe('qrPayloads: the 77-character header', () => {
  it('lays out every field at its offset and width', () => {
    const r = qrPayloads({ ...base, buyerBan: '12345676' });
    const h = r.left.slice(0, 77);
    expect(h.slice(0, 10)).toBe('AA12345678');
    expect(h.slice(10, 17)).toBe('1130105');
    expect(h.slice(17, 21)).toBe('1234');
    expect(h.slice(21, 29)).toBe('00000381'); // 897
    expect(h.slice(29, 37)).toBe('000003ae'); // 942, lower-case hex like the MOF reference code
    expect(h.slice(37, 45)).toBe('12345676');
    expect(h.slice(45, 53)).toBe('28997723');
    expect(h.slice(53, 77)).toBe('73UqXrAk5DsVNv2VEvIFkQ=='); // the AES test vector: same key, number and random
    expect(r.left[77]).toBe(':');
    expect(r.header).toEqual({
      invoiceNumber: 'AA12345678',
      invoiceDate: '1130105',
      randomNumber: '1234',
      salesAmount: '00000381',
      totalAmount: '000003ae',
      buyerBan: '12345676',
      sellerBan: '28997723',
      verification: '73UqXrAk5DsVNv2VEvIFkQ==',
    });
  });

  it('writes ROC years of 100 and more, from the Taipei date', () => {
    expect(qrPayloads({ ...base, invoiceDate: new Date('2011-01-01T00:00:00+08:00') }).header.invoiceDate).toBe('1000101');
    expect(qrPayloads({ ...base, invoiceDate: new Date('2024-12-31T16:30:00Z') }).header.invoiceDate).toBe('1140101');
    expect(qrPayloads({ ...base, invoiceDate: new Date('2110-06-30T12:00:00+08:00') }).header.invoiceDate).toBe('1990630');
  });

  it("writes 00000000 for a consumer buyer, also when given MIG's 10-zero identifier", () => {
    for (const buyerBan of [null, '00000000', '0000000000']) {
      expect(qrPayloads({ ...base, buyerBan }).left.slice(37, 45)).toBe('00000000');
    }
    expectInvalid(() => qrPayloads({ ...base, buyerBan: '1234567' }), 'buyerBan');
  });

  it('writes 00000000 as the sales amount when the tax cannot be split — for consumers only', () => {
    expect(qrPayloads({ ...base, salesAmount: null }).left.slice(21, 29)).toBe('00000000');
    expectInvalid(() => qrPayloads({ ...base, salesAmount: null, buyerBan: '12345676' }), 'salesAmount');
  });

  it('uses the full 8 hex digits and refuses amounts that do not fit', () => {
    const max = qrPayloads({ ...base, salesAmount: 0xffffffff, totalAmount: 0xffffffff });
    expect(max.left.slice(21, 37)).toBe('ffffffffffffffff');
    expectInvalid(() => qrPayloads({ ...base, totalAmount: 0x100000000 }), 'totalAmount');
    expectInvalid(() => qrPayloads({ ...base, totalAmount: 0 }), 'totalAmount');
    expectInvalid(() => qrPayloads({ ...base, totalAmount: 942.5 }), 'totalAmount');
    expectInvalid(() => qrPayloads({ ...base, salesAmount: -1 }), 'salesAmount');
    expectInvalid(() => qrPayloads({ ...base, salesAmount: 943 }), 'salesAmount');
  });

  it('takes a precomputed verification string instead of the key (offline POS)', () => {
    const verification = verificationString(KEY, { invoiceNumber: 'AA12345678', randomNumber: '1234' });
    const { aesKey: _, ...rest } = base;
    expect(qrPayloads({ ...rest, verification }).left).toBe(qrPayloads(base).left);
    expectInvalid(() => qrPayloads({ ...rest, verification: 'ydXZt4LAN1UHN/j1juVcRA=' }), 'verification');
    expectInvalid(() => qrPayloads({ ...rest, verification: 'ydXZt4LAN1UHN/j1juVcRB==' }), 'verification'); // not canonical
    expectInvalid(() => qrPayloads({ ...base, verification } as unknown as QrInput), 'verification');
    expectInvalid(() => qrPayloads({ ...rest } as unknown as QrInput), 'verification');
    expectInvalid(() => qrPayloads({ ...base, aesKey: 'FE0F' }), 'aesKey');
  });

  it('checks the number, random number and seller BAN', () => {
    expectInvalid(() => qrPayloads({ ...base, invoiceNumber: 'AA1234567X' }), 'invoiceNumber');
    expectInvalid(() => qrPayloads({ ...base, randomNumber: '12345' }), 'randomNumber');
    expectInvalid(() => qrPayloads({ ...base, sellerBan: '2899772' }), 'sellerBan');
  });
});

describe('qrPayloads: the tail after the header', () => {
  it('writes merchant area, recorded count, total count and UTF-8 before the items', () => {
    const r = qrPayloads(base);
    expect(r.left.slice(77)).toBe(':**********:1:1:1:牛肉麵:1:942');
    expect(r.right).toBe('**');
    expect(r.encoding).toBe('1');
  });

  it('takes a 10-character merchant area and refuses one that could break the fields', () => {
    expect(qrPayloads({ ...base, merchantArea: 'ORD-000042' }).left.slice(77, 89)).toBe(':ORD-000042:');
    expectInvalid(() => qrPayloads({ ...base, merchantArea: 'ORD:000042' }), 'merchantArea');
    expectInvalid(() => qrPayloads({ ...base, merchantArea: 'ORD-00042' }), 'merchantArea');
    expectInvalid(() => qrPayloads({ ...base, merchantArea: 'ORD 000042' }), 'merchantArea');
    expectInvalid(() => qrPayloads({ ...base, merchantArea: '訂單編號一二三四五六' }), 'merchantArea');
  });

  it('replaces ":" in item names with the full-width "：" so the fields still split', () => {
    const r = qrPayloads({ ...base, items: [item('A:B', 1, 10), item('茶:大杯', 2, 5)] });
    expect(r.left.endsWith(':1:A：B:1:10:')).toBe(true);
    expect(r.right).toBe('**茶：大杯:2:5');
    const fields = (r.left.slice(77) + r.right.slice(2)).split(':');
    expect(fields).toEqual(['', '**********', '2', '2', '1', 'A：B', '1', '10', '茶：大杯', '2', '5']);
  });

  it('writes quantity and unit price as decimals, keeping the text it is given', () => {
    const r = qrPayloads({ ...base, items: [item('蘋果', '35.00', '26.90'), item('折扣', 1, -10), item('秤重', 0.5, 120)] });
    expect(r.leftItems).toEqual([{ name: '蘋果', quantity: '35.00', unitPrice: '26.90' }]);
    expect(r.right).toBe('**折扣:1:-10:秤重:0.5:120');
  });

  it('refuses names and numbers a reader could not parse', () => {
    const bad = (it: PrintItem) => () => qrPayloads({ ...base, items: [item('ok'), it] });
    expectInvalid(bad(item('')), 'items[1].name');
    expectInvalid(bad(item('   ')), 'items[1].name');
    expectInvalid(bad(item('two\nlines')), 'items[1].name');
    expectInvalid(bad(item('tab\there')), 'items[1].name');
    expectInvalid(bad(item('broken \uD83D')), 'items[1].name');
    expectInvalid(bad(item('x', '1e3')), 'items[1].quantity');
    expectInvalid(bad(item('x', 1e21)), 'items[1].quantity');
    expectInvalid(bad(item('x', Number.NaN)), 'items[1].quantity');
    expectInvalid(bad(item('x', '1,000')), 'items[1].quantity');
    expectInvalid(bad(item('x', 1, '.5')), 'items[1].unitPrice');
    expectInvalid(bad(item('x', 1, Number.POSITIVE_INFINITY)), 'items[1].unitPrice');
    expect(qrPayloads({ ...base, items: [item('咖啡 ☕ 🍰', 1, 1)] }).left.endsWith(':咖啡 ☕ 🍰:1:1')).toBe(true);
  });

  it('needs 1..9999 items', () => {
    expectInvalid(() => qrPayloads({ ...base, items: [] }), 'items');
    expectInvalid(() => qrPayloads({ ...base, items: Array.from({ length: 10_000 }, () => item('x')) }), 'items');
    const r = qrPayloads({ ...base, items: Array.from({ length: 9999 }, () => item('x')) });
    expect(r.totalItemCount).toBe(9999);
    expect(r.left).toContain(`:${r.recordedItemCount}:9999:1:`);
  });
});

describe('qrPayloads: splitting items between the codes', () => {
  const v6: QrOptions = { maxVersion: 6 }; // 133 bytes per code at level L

  it('records as many items as fit, first one left, the rest right', () => {
    const items = Array.from({ length: 40 }, (_, i) => item('珍珠奶茶大杯少冰', 1, 65 + (i % 5)));
    const r = qrPayloads({ ...base, items });
    const cap = qrByteCapacity(10, 'L');
    expect([r.recordedItemCount, r.totalItemCount]).toEqual([13, 40]);
    expect([r.leftItems.length, r.rightItems.length]).toEqual([5, 8]);
    expect(r.left).toContain(':**********:13:40:1:珍珠奶茶大杯少冰:1:65:');
    expect(r.leftBytes).toBeLessThanOrEqual(cap);
    expect(r.rightBytes).toBeLessThanOrEqual(cap);
    expect(r.rightItems.map((i) => i.unitPrice)).toEqual(['65', '66', '67', '68', '69', '65', '66', '67']);
  });

  it('counts bytes, not characters: three-byte Chinese names overflow where the character count would fit', () => {
    const long = '中'.repeat(22); // 66 bytes, 22 characters
    const r = qrPayloads({ ...base, items: [item('乾電池', 1, 105), item(long), item(long)] }, v6);
    expect(r.left.length + r.right.length).toBeLessThan(2 * 133); // by characters all three would fit
    expect([r.recordedItemCount, r.totalItemCount]).toEqual([2, 3]);
    expect(r.right).toBe(`**${long}:1:1`);
    expect(r.leftBytes).toBeLessThanOrEqual(133);
    expect(r.rightBytes).toBeLessThanOrEqual(133);
  });

  it('moves items to the left only when the right would overflow', () => {
    const c = `${'c'.repeat(123)}`; // "c…c:1:1" is 127 bytes
    const r = qrPayloads({ ...base, items: [item('a'), item('b'), item(c)] }, v6);
    expect(r.leftItems.map((i) => i.name)).toEqual(['a', 'b']);
    expect(r.right).toBe(`**${c}:1:1`);
    expect(r.left.endsWith(':3:3:1:a:1:1:b:1:1:')).toBe(true);
  });

  it('puts a first item too long for the left on the right', () => {
    const x = 'X'.repeat(40);
    const r = qrPayloads({ ...base, items: [item(x)] }, v6);
    expect(r.left.slice(77)).toBe(':**********:1:1:1:');
    expect(r.right).toBe(`**${x}:1:1`);
    expect([r.leftItems.length, r.rightItems.length]).toEqual([0, 1]);
  });

  it('records no item when not even the first fits, and says so', () => {
    const r = qrPayloads({ ...base, items: [item('X'.repeat(200)), item('y')] }, v6);
    expect(r.left.slice(77)).toBe(':**********:0:2:1');
    expect(r.right).toBe('**');
    expect(r.recordedItemCount).toBe(0);
  });

  it('keeps the left at version 6 or more and reports each version', () => {
    const r = qrPayloads(base);
    expect(r.leftVersion).toBe(6);
    expect(r.rightVersion).toBe(1);
    const big = qrPayloads({ ...base, items: Array.from({ length: 40 }, () => item('珍珠奶茶大杯少冰', 1, 65)) });
    expect(big.leftVersion).toBeGreaterThan(6);
    expect(big.leftVersion).toBeLessThanOrEqual(10);
  });

  it('accepts caps from version 6 to 20 at level L or M', () => {
    const items = Array.from({ length: 40 }, () => item('珍珠奶茶大杯少冰', 1, 65));
    const m = qrPayloads({ ...base, items }, { maxVersion: 10, errorCorrection: 'M' });
    expect(m.leftBytes).toBeLessThanOrEqual(qrByteCapacity(10, 'M'));
    expect(m.recordedItemCount).toBeLessThan(13);
    expectInvalid(() => qrPayloads(base, { maxVersion: 5 }), 'maxVersion');
    expectInvalid(() => qrPayloads(base, { maxVersion: 21 }), 'maxVersion');
    expectInvalid(() => qrPayloads(base, { maxVersion: 7.5 }), 'maxVersion');
    expectInvalid(() => qrPayloads(base, { errorCorrection: 'Q' as 'L' }), 'errorCorrection');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Properties, checked against oracles that do not share code with qr.ts: the ICU time zone for dates, node:crypto
// decryption for field 8, and a brute-force search over every split for the item placement.

const nameArb = fc
  .string({
    unit: fc.constantFrom('乾', '電', '池', '口', '罩', '牛', '奶', ':', 'a', 'Z', '1', ' ', '-', '*', '😀', 'é'),
    minLength: 1,
    maxLength: 45,
  })
  .filter((s) => s.trim() !== '');
const decimalArb = fc.oneof(fc.integer({ min: -1000, max: 100_000 }), fc.stringMatching(/^\d{1,6}(\.\d{1,3})?$/));
const itemArb = fc.record({ name: nameArb, quantity: decimalArb, unitPrice: decimalArb });

const inputArb = fc
  .record({
    invoiceNumber: fc.stringMatching(/^[A-Z]{2}\d{8}$/),
    invoiceDate: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2500-01-01T00:00:00Z'), noInvalidDate: true }),
    randomNumber: fc.stringMatching(/^\d{4}$/),
    totalAmount: fc.integer({ min: 1, max: 0xffffffff }),
    salesShare: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
    buyerBan: fc.option(fc.stringMatching(/^\d{8}$/)),
    sellerBan: fc.stringMatching(/^\d{8}$/),
    aesKey: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex').toUpperCase()),
    items: fc.array(itemArb, { minLength: 1, maxLength: 25 }),
  })
  .map(({ salesShare, ...r }): QrInput & { aesKey: string } => ({
    ...r,
    // A business buyer always gets the untaxed amount.
    salesAmount: salesShare === null && r.buyerBan === null ? null : Math.floor((salesShare ?? 0.95) * r.totalAmount),
  }));

const optionsArb = fc.record({
  maxVersion: fc.constantFrom(6, 7, 10, 20),
  errorCorrection: fc.constantFrom('L' as const, 'M' as const),
});

const colonFree = (i: PrintItem) => ({
  name: i.name.replaceAll(':', '：'),
  quantity: String(i.quantity),
  unitPrice: String(i.unitPrice),
});
const text = (i: PrintItem) => [i.name.replaceAll(':', '：'), String(i.quantity), String(i.unitPrice)].join(':');

/** Every split k (items on the left) of the first n items that fits `cap`, built as strings — no shortcuts. */
function feasibleSplits(
  prefix: string,
  tail: (n: number) => string,
  items: readonly PrintItem[],
  n: number,
  cap: number,
): number[] {
  const out: number[] = [];
  for (let k = 0; k <= n; k++) {
    const left =
      prefix +
      tail(n) +
      items
        .slice(0, k)
        .map((i) => `:${text(i)}`)
        .join('') +
      (k < n ? ':' : '');
    const right = `**${items.slice(k, n).map(text).join(':')}`;
    if (bytes(left) <= cap && bytes(right) <= cap) out.push(k);
  }
  return out;
}

describe('qrPayloads: properties', () => {
  it('starts with the 77-character header whose fields parse back to the inputs', () => {
    fc.assert(
      fc.property(inputArb, optionsArb, (input, options) => {
        const r = qrPayloads(input, options);
        const h = r.left.slice(0, 77);
        expect(h.slice(0, 10)).toBe(input.invoiceNumber);
        const { year, month, day } = taipeiYmd(input.invoiceDate);
        expect(Number(h.slice(10, 13))).toBe(year - 1911);
        expect(Number(h.slice(13, 15))).toBe(month);
        expect(Number(h.slice(15, 17))).toBe(day);
        expect(h.slice(17, 21)).toBe(input.randomNumber);
        expect(h.slice(21, 37)).toMatch(/^[0-9a-f]{16}$/);
        expect(Number.parseInt(h.slice(21, 29), 16)).toBe(input.salesAmount ?? 0);
        expect(Number.parseInt(h.slice(29, 37), 16)).toBe(input.totalAmount);
        expect(h.slice(37, 45)).toBe(input.buyerBan ?? '00000000');
        expect(h.slice(45, 53)).toBe(input.sellerBan);
        const d = createDecipheriv(
          'aes-128-cbc',
          Buffer.from(input.aesKey, 'hex'),
          Buffer.from('0EDF25C93A28D7B5FF5E45DA42F8A1B8', 'hex'),
        );
        const plain = Buffer.concat([d.update(Buffer.from(h.slice(53, 77), 'base64')), d.final()]).toString('ascii');
        expect(plain).toBe(input.invoiceNumber + input.randomNumber);
        expect(r.left[77]).toBe(':');
      }),
    );
  });

  it('carries the first N items, unaltered but for ":", as one stream across both codes, within capacity', () => {
    fc.assert(
      fc.property(inputArb, optionsArb, (input, options) => {
        const r = qrPayloads(input, options);
        const cap = qrByteCapacity(options.maxVersion, options.errorCorrection);
        expect(r.right.startsWith('**')).toBe(true);
        expect(bytes(r.left)).toBe(r.leftBytes);
        expect(bytes(r.right)).toBe(r.rightBytes);
        expect(r.leftBytes).toBeLessThanOrEqual(cap);
        expect(r.rightBytes).toBeLessThanOrEqual(cap);
        expect(r.leftVersion).toBeGreaterThanOrEqual(6);
        expect(r.leftVersion).toBeLessThanOrEqual(options.maxVersion);
        expect(r.rightVersion).toBeLessThanOrEqual(options.maxVersion);

        const n = r.recordedItemCount;
        const fields = (r.left.slice(77) + r.right.slice(2)).split(':');
        expect(fields.slice(0, 5)).toEqual(['', '**********', String(n), String(input.items.length), '1']);
        const rest = fields.slice(5);
        expect(rest).toHaveLength(3 * n);
        const expected = input.items.slice(0, n).map(colonFree);
        expect(
          Array.from({ length: n }, (_, i) => ({ name: rest[3 * i], quantity: rest[3 * i + 1], unitPrice: rest[3 * i + 2] })),
        ).toEqual(expected);
        expect([...r.leftItems, ...r.rightItems]).toEqual(expected);
      }),
    );
  });

  it('records the most items that fit, placed the way the spec example places them', () => {
    fc.assert(
      fc.property(inputArb, optionsArb, (input, options) => {
        const r = qrPayloads(input, options);
        const cap = qrByteCapacity(options.maxVersion, options.errorCorrection);
        const prefix = r.left.slice(0, 77);
        const tail = (n: number) => `:**********:${n}:${input.items.length}:1`;
        const n = r.recordedItemCount;
        if (n < input.items.length) expect(feasibleSplits(prefix, tail, input.items, n + 1, cap)).toEqual([]);
        const feasible = feasibleSplits(prefix, tail, input.items, n, cap);
        const preferred = feasible.find((k) => k >= 1) ?? (n === 0 ? 0 : feasible[0]);
        expect(r.leftItems.length).toBe(preferred);
      }),
      { numRuns: 200 },
    );
  });
});
