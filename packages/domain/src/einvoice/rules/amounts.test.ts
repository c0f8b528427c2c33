import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BuyerKind,
  computeTotals,
  DECIMAL_SCALE,
  type InvoiceType,
  itemAmount,
  MIXED_ITEM_TAX_TYPES,
  type MixedItemTaxType,
  parseDecimal,
  roundHalfUpDiv,
  SPECIAL_TAX_RATES,
  splitTaxIncluded,
  TAX_RATE_BASIS_POINTS,
  TAX_RATES,
  type TaxRate,
  type TaxType,
  type Totals,
  type TotalsInput,
} from './amounts.ts';

const scaled = (s: string): bigint => {
  const r = parseDecimal(s);
  if (!r.ok) throw new Error(`test input ${s}: ${r.reason}`);
  return r.scaled;
};

describe('parseDecimal: exact decimals scaled by 10^7', () => {
  it.each([
    ['0', 0n],
    ['1', 10_000_000n],
    ['1.5', 15_000_000n],
    ['0.0000001', 1n],
    ['007.50', 75_000_000n],
    ['1.50000000', 15_000_000n], // trailing zeros are not significant fraction digits
    ['-2.25', -22_500_000n],
    ['12345678901234567890', 12345678901234567890n * DECIMAL_SCALE], // 20 digits
    ['1234567890123.1234567', 12345678901231234567n], // 13 + 7 digits
  ])('%s', (text, expected) => {
    expect(parseDecimal(text)).toEqual({ ok: true, scaled: expected });
  });

  it.each([
    ['1.12345678', 'fraction digits'],
    ['123456789012345678901', 'more than 20 digits'],
    ['12345678901234.1234567', 'more than 20 digits'],
    ['1e3', 'plain decimal'],
    ['.5', 'plain decimal'],
    ['5.', 'plain decimal'],
    ['+1', 'plain decimal'],
    [' 1', 'plain decimal'],
    ['1,000', 'plain decimal'],
    ['', 'plain decimal'],
    ['0x10', 'plain decimal'],
    ['１', 'plain decimal'],
    ['NaN', 'plain decimal'],
    ['Infinity', 'plain decimal'],
  ])('refuses %j', (text, reason) => {
    const r = parseDecimal(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });

  it('property: integer part and up to 7 fraction digits round-trip exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 13n - 1n }), fc.integer({ min: 0, max: 9_999_999 }), (int, frac) => {
        const text = `${int}.${String(frac).padStart(7, '0')}`;
        expect(parseDecimal(text)).toEqual({ ok: true, scaled: int * DECIMAL_SCALE + BigInt(frac) });
      }),
    );
  });
});

describe('roundHalfUpDiv (四捨五入)', () => {
  it('rounds halves up, not to even', () => {
    expect(roundHalfUpDiv(4n, 10n)).toBe(0n);
    expect(roundHalfUpDiv(5n, 10n)).toBe(1n);
    expect(roundHalfUpDiv(15n, 10n)).toBe(2n);
    expect(roundHalfUpDiv(25n, 10n)).toBe(3n);
    expect(roundHalfUpDiv(24n, 10n)).toBe(2n);
    expect(roundHalfUpDiv(0n, 7n)).toBe(0n);
  });

  it('refuses a negative numerator or a non-positive divisor', () => {
    expect(() => roundHalfUpDiv(-1n, 10n)).toThrow(RangeError);
    expect(() => roundHalfUpDiv(1n, 0n)).toThrow(RangeError);
  });

  it('property: r - 1/2 <= n/d < r + 1/2', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 10n ** 15n }), (n, d) => {
        const r = roundHalfUpDiv(n, d);
        expect(2n * n >= (2n * r - 1n) * d).toBe(true);
        expect(2n * n < (2n * r + 1n) * d).toBe(true);
      }),
    );
  });
});

describe('itemAmount: round half up(quantity × unit price) in whole TWD', () => {
  it.each([
    ['1', '1380', 1380n],
    ['3', '33.3333333', 100n], // 99.9999999
    ['1.5', '0.3', 0n], // 0.45
    ['2.5', '1', 3n], // 2.5 → 3
    ['0.5', '1', 1n],
    ['1.005', '1000', 1005n],
    ['0.1', '0.1', 0n],
    ['1.005', '100', 101n], // 100.5 → 101; in binary floats 1.005 × 100 = 100.49999999999999 → 100
    ['33.25', '28.7', 954n], // 954.275
    ['1', '0', 0n],
  ])('%s × %s = %s', (q, p, expected) => {
    expect(itemAmount(scaled(q), scaled(p))).toBe(expected);
  });
});

describe('splitTaxIncluded: untaxed = round(total / (1 + rate)), tax = total − untaxed', () => {
  it.each([
    [1380n, '0.05', 1314n, 66n], // the [HO] example (einvoice-domain.md §4.4)
    [105n, '0.05', 100n, 5n],
    [21n, '0.05', 20n, 1n],
    [10n, '0.05', 10n, 0n],
    [0n, '0.05', 0n, 0n],
    [115n, '0.15', 100n, 15n],
    [1000n, '0.25', 800n, 200n],
    [500n, '0', 500n, 0n],
  ] as const)('%s at %s → %s + %s', (total, rate, untaxed, tax) => {
    expect(splitTaxIncluded(total, rate)).toEqual({ untaxed, tax });
  });

  it('refuses a negative total', () => {
    expect(() => splitTaxIncluded(-1n, '0.05')).toThrow(RangeError);
  });
});

const rateArb = fc.constantFrom(...TAX_RATES);
const moneyArb = fc.bigInt({ min: 0n, max: 10n ** 12n });

describe('splitTaxIncluded properties (B2C → B2B conversion)', () => {
  it('untaxed + tax = total, both non-negative, untaxed is the nearest whole number to total / (1 + rate)', () => {
    fc.assert(
      fc.property(moneyArb, rateArb, (total, rate) => {
        const { untaxed, tax } = splitTaxIncluded(total, rate);
        const bp = TAX_RATE_BASIS_POINTS[rate];
        expect(untaxed + tax).toBe(total);
        expect(untaxed >= 0n && tax >= 0n).toBe(true);
        const err = untaxed * (10_000n + bp) - total * 10_000n; // (untaxed − exact) × (1 + rate) × 10000
        expect(2n * err <= 10_000n + bp && -2n * err <= 10_000n + bp).toBe(true);
      }),
    );
  });

  it('tax equals the 401 formula round half up(total × rate / (1 + rate)) for every enum rate', () => {
    fc.assert(
      fc.property(moneyArb, rateArb, (total, rate) => {
        const bp = TAX_RATE_BASIS_POINTS[rate];
        expect(splitTaxIncluded(total, rate).tax).toBe(roundHalfUpDiv(total * bp, 10_000n + bp));
      }),
      { numRuns: 2000 },
    );
  });
});

const totalsInputArb = (buyer?: BuyerKind, invoiceType?: InvoiceType): fc.Arbitrary<TotalsInput> =>
  fc.record({
    buyer: buyer ? fc.constant(buyer) : fc.constantFrom<BuyerKind>('business', 'consumer'),
    invoiceType: invoiceType ? fc.constant(invoiceType) : fc.constantFrom<InvoiceType>('07', '08'),
    taxType: fc.constantFrom<TaxType>('1', '2', '3', '4', '9'),
    taxRate: rateArb,
    items: fc.array(fc.record({ amount: moneyArb, taxType: fc.constantFrom<MixedItemTaxType>(...MIXED_ITEM_TAX_TYPES) }), {
      minLength: 1,
      maxLength: 20,
    }),
  });

const sum = (xs: readonly bigint[]) => xs.reduce((a, b) => a + b, 0n);

describe('computeTotals examples', () => {
  const items = (...amounts: bigint[]) => amounts.map((amount) => ({ amount }));

  it('B2B, the [HO] example: item 1380 tax-included → SalesAmount 1314, TaxAmount 66, TotalAmount 1380', () => {
    expect(
      computeTotals({ buyer: 'business', invoiceType: '07', taxType: '1', taxRate: '0.05', items: items(1380n) }),
    ).toEqual<Totals>({
      salesAmount: 1314n,
      freeTaxSalesAmount: 0n,
      zeroTaxSalesAmount: 0n,
      taxType: '1',
      taxRate: '0.05',
      taxAmount: 66n,
      totalAmount: 1380n,
    });
  });

  it('the tax-separate convention (tax = round(sales × rate) on item amounts) does NOT reproduce the [HO] example', () => {
    // Were 1380 untaxed: 1380 + round(1380 × 0.05) = 1380 + 69 = 1449 ≠ 1380. Hence tax-included item amounts.
    const r = computeTotals({ buyer: 'business', invoiceType: '07', taxType: '1', taxRate: '0.05', items: items(1380n) });
    expect(r.totalAmount).not.toBe(1449n);
    expect(r.taxAmount).not.toBe(roundHalfUpDiv(1380n * 500n, 10_000n));
  });

  it('B2B splits the sum of the items, not each item', () => {
    // 3 × 10: per item 10 → 10 + 0 (tax 0); on the sum 30 → 29 + 1.
    const r = computeTotals({ buyer: 'business', invoiceType: '07', taxType: '1', taxRate: '0.05', items: items(10n, 10n, 10n) });
    expect([r.salesAmount, r.taxAmount, r.totalAmount]).toEqual([29n, 1n, 30n]);
  });

  it('B2C taxable (UNVERIFIED convention): SalesAmount tax-included, TaxAmount 0', () => {
    const r = computeTotals({ buyer: 'consumer', invoiceType: '07', taxType: '1', taxRate: '0.05', items: items(1380n, 20n) });
    expect([r.salesAmount, r.taxAmount, r.totalAmount]).toEqual([1400n, 0n, 1400n]);
  });

  it('zero-rated and tax-free go to their own buckets without tax, for B2B too', () => {
    const zero = computeTotals({ buyer: 'business', invoiceType: '07', taxType: '2', taxRate: '0', items: items(1000n) });
    expect([zero.salesAmount, zero.zeroTaxSalesAmount, zero.freeTaxSalesAmount, zero.taxAmount, zero.totalAmount]).toEqual([
      0n,
      1000n,
      0n,
      0n,
      1000n,
    ]);
    const free = computeTotals({ buyer: 'business', invoiceType: '07', taxType: '3', taxRate: '0', items: items(700n) });
    expect([free.salesAmount, free.zeroTaxSalesAmount, free.freeTaxSalesAmount, free.taxAmount, free.totalAmount]).toEqual([
      0n,
      0n,
      700n,
      0n,
      700n,
    ]);
  });

  it('mixed (9): per-item tax types summed into the three buckets; B2B taxes the taxable bucket only', () => {
    const mixedItems = [
      { amount: 1050n, taxType: '1' as const },
      { amount: 300n, taxType: '3' as const },
      { amount: 200n, taxType: '2' as const },
      { amount: 105n, taxType: '1' as const },
    ];
    const b2b = computeTotals({ buyer: 'business', invoiceType: '07', taxType: '9', taxRate: '0.05', items: mixedItems });
    expect(b2b).toEqual<Totals>({
      salesAmount: 1100n,
      freeTaxSalesAmount: 300n,
      zeroTaxSalesAmount: 200n,
      taxType: '9',
      taxRate: '0.05',
      taxAmount: 55n,
      totalAmount: 1655n,
    });
    const b2c = computeTotals({ buyer: 'consumer', invoiceType: '07', taxType: '9', taxRate: '0.05', items: mixedItems });
    expect([b2c.salesAmount, b2c.freeTaxSalesAmount, b2c.zeroTaxSalesAmount, b2c.taxAmount]).toEqual([1155n, 300n, 200n, 0n]);
  });

  it('special-tax invoices (08) never carry TaxAmount (E0224/E0227), B2B included', () => {
    const r = computeTotals({ buyer: 'business', invoiceType: '08', taxType: '1', taxRate: '0.25', items: items(1250n) });
    expect([r.salesAmount, r.taxAmount, r.totalAmount]).toEqual([1250n, 0n, 1250n]);
  });

  it('refuses negative item amounts and mixed items without a tax type', () => {
    expect(() =>
      computeTotals({ buyer: 'consumer', invoiceType: '07', taxType: '1', taxRate: '0.05', items: items(-1n) }),
    ).toThrow(RangeError);
    expect(() =>
      computeTotals({ buyer: 'consumer', invoiceType: '07', taxType: '9', taxRate: '0.05', items: items(1n) }),
    ).toThrow(RangeError);
  });
});

describe('computeTotals properties', () => {
  it('TotalAmount = SalesAmount + FreeTaxSalesAmount + ZeroTaxSalesAmount + TaxAmount = Σ item amounts; nothing negative', () => {
    fc.assert(
      fc.property(totalsInputArb(), (input) => {
        const t = computeTotals(input);
        expect(t.totalAmount).toBe(t.salesAmount + t.freeTaxSalesAmount + t.zeroTaxSalesAmount + t.taxAmount);
        expect(t.totalAmount).toBe(sum(input.items.map((i) => i.amount)));
        for (const v of [t.salesAmount, t.freeTaxSalesAmount, t.zeroTaxSalesAmount, t.taxAmount, t.totalAmount]) {
          expect(v >= 0n).toBe(true);
        }
        expect(t.taxType).toBe(input.taxType);
        expect(t.taxRate).toBe(input.taxRate);
      }),
      { numRuns: 500 },
    );
  });

  it('the total is positive when the items are', () => {
    fc.assert(
      fc.property(totalsInputArb(), (input) => {
        const positive = { ...input, items: input.items.map((i) => ({ ...i, amount: i.amount + 1n })) };
        expect(computeTotals(positive).totalAmount > 0n).toBe(true);
      }),
    );
  });

  it('B2B 07: TaxAmount = round half up(taxable total × rate / (1 + rate)); |TaxAmount − SalesAmount × rate| ≤ (1 + rate) / 2', () => {
    fc.assert(
      fc.property(totalsInputArb('business', '07'), (input) => {
        const t = computeTotals(input);
        const bp = TAX_RATE_BASIS_POINTS[input.taxRate];
        const taxable = t.totalAmount - t.freeTaxSalesAmount - t.zeroTaxSalesAmount;
        expect(t.taxAmount).toBe(roundHalfUpDiv(taxable * bp, 10_000n + bp));
        const diff = t.taxAmount * 10_000n - t.salesAmount * bp;
        expect(2n * diff <= 10_000n + bp && -2n * diff <= 10_000n + bp).toBe(true);
        // So TaxAmount is round half up(SalesAmount × rate) or one away from it — never further.
        const naive = roundHalfUpDiv(t.salesAmount * bp, 10_000n);
        expect(t.taxAmount - naive <= 1n && naive - t.taxAmount <= 1n).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('B2B tax differs from round(sales × rate) exactly where S ↦ S + round(S × rate) skips the total (e.g. 10)', () => {
    // No whole S gives S + round(S × 5%) = 10 (9 → 9, 10 → 11): with the customer paying 10, tax 0 is the only split.
    const onSales = (s: bigint) => s + roundHalfUpDiv(s * 500n, 10_000n);
    expect([9n, 10n].map(onSales)).toEqual([9n, 11n]);
    const t = computeTotals({ buyer: 'business', invoiceType: '07', taxType: '1', taxRate: '0.05', items: [{ amount: 10n }] });
    expect([t.salesAmount, t.taxAmount]).toEqual([10n, 0n]);
    // Where the total is reachable, the split is the tax-separate one: S + round(S × 5%) = T.
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 9n }), (s) => {
        const total = onSales(s);
        const r = computeTotals({
          buyer: 'business',
          invoiceType: '07',
          taxType: '1',
          taxRate: '0.05',
          items: [{ amount: total }],
        });
        expect(r.taxAmount).toBe(roundHalfUpDiv(r.salesAmount * 500n, 10_000n));
      }),
      { numRuns: 1000 },
    );
  });

  it('B2C → B2B round trip: same items, same TotalAmount; B2B SalesAmount + TaxAmount = B2C SalesAmount', () => {
    fc.assert(
      fc.property(totalsInputArb('consumer', '07'), (input) => {
        const c = computeTotals(input);
        const b = computeTotals({ ...input, buyer: 'business' });
        expect(b.totalAmount).toBe(c.totalAmount);
        expect(b.salesAmount + b.taxAmount).toBe(c.salesAmount);
        expect([b.freeTaxSalesAmount, b.zeroTaxSalesAmount]).toEqual([c.freeTaxSalesAmount, c.zeroTaxSalesAmount]);
        expect(c.taxAmount).toBe(0n);
      }),
    );
  });

  it('08 invoices have TaxAmount 0 for every rate and buyer', () => {
    fc.assert(
      fc.property(totalsInputArb(undefined, '08'), fc.constantFrom<TaxRate>(...SPECIAL_TAX_RATES), (input, taxRate) => {
        expect(computeTotals({ ...input, taxRate }).taxAmount).toBe(0n);
      }),
    );
  });
});
