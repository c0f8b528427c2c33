import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidBan } from '../ban.ts';
import {
  type InvoiceType,
  itemAmount,
  parseDecimal,
  SPECIAL_TAX_RATES,
  type TaxRate,
  type TaxType,
  type Totals,
} from './amounts.ts';
import { INVOICE_RULE_ERRORS, type InvoiceRuleErrorCode } from './invoice-errors.ts';
import {
  type CarrierInput,
  type InvoiceInput,
  type InvoiceItemInput,
  type InvoiceRuleContext,
  type InvoiceValidation,
  validateInvoice,
  ZERO_TAX_RATE_REASONS,
} from './invoice-rules.ts';

// ---------------------------------------------------------------- fixtures

const NOW = new Date('2025-03-15T12:00:00+08:00');
const SKEW_MS = 5 * 60_000;
const CTX: InvoiceRuleContext = {
  now: NOW,
  maxFutureSkewMs: SKEW_MS,
  period: { start: new Date('2025-03-01T00:00:00+08:00'), end: new Date('2025-05-01T00:00:00+08:00') },
};

const SELLER_BAN = '04595252'; // valid only under the 2023 divide-by-5 rule
const BUYER_BAN = '10458575'; // 7th digit 7

const b2c = (over: Partial<InvoiceInput> = {}): InvoiceInput => ({
  seller: { ban: SELLER_BAN, name: '範例加油站股份有限公司', address: '臺北市中正區忠孝西路一段1號' },
  invoiceType: '07',
  taxType: '1',
  taxRate: '0.05',
  items: [{ description: '無鉛汽油 95', quantity: '30.12', unit: '公升', unitPrice: '31.5' }], // 948.78 → 949
  printMark: 'Y',
  invoiceTime: new Date('2025-03-15T11:59:00+08:00'),
  ...over,
});

const b2b = (over: Partial<InvoiceInput> = {}): InvoiceInput =>
  b2c({
    buyer: { ban: BUYER_BAN, name: '買方股份有限公司' },
    items: [{ description: '商品', quantity: '1', unitPrice: '1380' }],
    ...over,
  });

const MOBILE: CarrierInput = { type: '3J0002', id1: '/ABC+1.-', id2: '/ABC+1.-' };
const CITIZEN: CarrierInput = { type: 'CQ0001', id1: 'AB12345678901234', id2: 'AB12345678901234' };

/** Deep copy of `inv` with `path` (dot-separated, array indexes as numbers) set to `value`, or deleted. */
const DELETE = Symbol('delete');
function withField(inv: InvoiceInput, path: string, value: unknown): InvoiceInput {
  const copy = structuredClone(inv) as any;
  const keys = path.split('.');
  let node = copy;
  for (const k of keys.slice(0, -1)) {
    node[k] ??= {};
    node = node[k];
  }
  const last = keys[keys.length - 1] as string;
  if (value === DELETE) delete node[last];
  else node[last] = value;
  return copy;
}

const errorsOf = (r: InvoiceValidation) => (r.ok ? [] : r.errors.map((e) => [e.field, e.code] as const));
const expectOk = (r: InvoiceValidation): Totals => {
  expect(errorsOf(r)).toEqual([]);
  if (!r.ok) throw new Error('unreachable');
  return r.totals;
};
const expectErrors = (inv: InvoiceInput, expected: [string, InvoiceRuleErrorCode][], ctx = CTX) =>
  expect(errorsOf(validateInvoice(inv, ctx))).toEqual(expected);

// ---------------------------------------------------------------- examples

describe('validateInvoice: legal invoices', () => {
  it('B2C printed invoice: totals with tax included (UNVERIFIED B2C convention)', () => {
    const r = validateInvoice(b2c(), CTX);
    expect(expectOk(r)).toEqual<Totals>({
      salesAmount: 949n,
      freeTaxSalesAmount: 0n,
      zeroTaxSalesAmount: 0n,
      taxType: '1',
      taxRate: '0.05',
      taxAmount: 0n,
      totalAmount: 949n,
    });
    expect(r.ok && r.itemAmounts).toEqual([949n]);
  });

  it('B2B, the [HO] example: item 1380 → SalesAmount 1314, TaxAmount 66, TotalAmount 1380', () => {
    const t = expectOk(validateInvoice(b2b(), CTX));
    expect([t.salesAmount, t.taxAmount, t.totalAmount]).toEqual([1314n, 66n, 1380n]);
  });

  it.each([
    ['mobile barcode', MOBILE],
    ['citizen certificate', CITIZEN],
    ['member carrier', { type: 'EJ0113', id1: 'member-0001', id2: 'a1b2c3d4e5' }],
  ])('B2C with a carrier (%s), not printed', (_, carrier) => {
    expectOk(validateInvoice(b2c({ printMark: 'N', carrier }), CTX));
  });

  it('B2C donated, not printed', () => {
    expectOk(validateInvoice(b2c({ printMark: 'N', donation: { npoban: '8585' } }), CTX));
  });

  it('B2B printed with a mobile barcode (the one carrier allowed on a printed invoice)', () => {
    expectOk(validateInvoice(b2b({ printMark: 'Y', carrier: MOBILE }), CTX));
  });

  it('B2B buyer without a name; consumer buyer with a name', () => {
    expectOk(validateInvoice(b2b({ buyer: { ban: BUYER_BAN } }), CTX));
    expectOk(validateInvoice(b2c({ buyer: { name: '王小明' } }), CTX));
  });

  it('caller amounts equal to round half up(quantity × unit price) are accepted, also written as 949.0', () => {
    for (const amount of ['949', '949.0', '0949']) {
      expectOk(validateInvoice(b2c({ items: [{ description: 'x', quantity: '30.12', unitPrice: '31.5', amount }] }), CTX));
    }
  });

  it('a zero-price line (gift) is fine when the total is positive', () => {
    const items = [
      { description: '商品', quantity: '1', unitPrice: '100' },
      { description: '贈品', quantity: '1', unitPrice: '0' },
    ];
    expect(expectOk(validateInvoice(b2c({ items }), CTX)).totalAmount).toBe(100n);
  });

  it('texts at their XSD limits, counted in characters (CJK Extension B counts once)', () => {
    const inv = b2c({
      seller: { ban: SELLER_BAN, name: '𠀀'.repeat(60), address: '路'.repeat(100) },
      mainRemark: '備'.repeat(200),
      items: [{ description: 'd'.repeat(500), quantity: '1', unit: 'u'.repeat(6), unitPrice: '1', remark: 'r'.repeat(120) }],
    });
    expectOk(validateInvoice(inv, CTX));
  });

  it('9999 items are allowed', () => {
    const items = Array.from({ length: 9999 }, () => ({ description: 'x', quantity: '1', unitPrice: '1' }));
    expect(expectOk(validateInvoice(b2c({ items }), CTX)).totalAmount).toBe(9999n);
  });

  it('zero-rated with customs mark and reason; tax-free; mixed', () => {
    expectOk(
      validateInvoice(b2b({ taxType: '2', taxRate: '0', zeroTax: { customsClearanceMark: '2', zeroTaxRateReason: '71' } }), CTX),
    );
    expectOk(validateInvoice(b2c({ taxType: '3', taxRate: '0' }), CTX));
    const mixed = b2b({
      taxType: '9',
      items: [
        { description: 'a', quantity: '1', unitPrice: '1050', taxType: '1' },
        { description: 'b', quantity: '1', unitPrice: '300', taxType: '3' },
      ],
    });
    const t = expectOk(validateInvoice(mixed, CTX));
    expect([t.salesAmount, t.freeTaxSalesAmount, t.taxAmount, t.totalAmount]).toEqual([1000n, 300n, 50n, 1350n]);
  });

  it.each(['1', '4'] as const)('special-tax invoice 08 with tax type %s: TaxAmount 0 even for B2B', (taxType) => {
    for (const taxRate of SPECIAL_TAX_RATES) {
      const t = expectOk(validateInvoice(b2b({ invoiceType: '08', taxType, taxRate }), CTX));
      expect([t.salesAmount, t.taxAmount, t.totalAmount]).toEqual([1380n, 0n, 1380n]);
    }
  });

  it('item tax type equal to the invoice tax type is accepted on non-mixed invoices', () => {
    expectOk(validateInvoice(b2c({ items: [{ description: 'x', quantity: '1', unitPrice: '5', taxType: '1' }] }), CTX));
  });
});

describe('validateInvoice: identity (einvoice-domain.md §4.1, §4.2)', () => {
  it('seller BAN: checksum, length, digits, all zeros', () => {
    for (const ban of ['04595253', '0459525', '045952520', '0459525A', '00000000', '']) {
      expectErrors(b2c({ seller: { ...b2c().seller, ban } }), [['seller.ban', 'SELLER_BAN_INVALID']]);
    }
  });

  it('buyer BAN: checksum; the B2C identifier 0000000000 is not a BAN', () => {
    for (const ban of ['10458576', '0000000000', '', '1045857']) {
      expectErrors(b2b({ buyer: { ban } }), [['buyer.ban', 'BUYER_BAN_INVALID']]);
    }
  });

  it('BANs are checked by the rule in force on the invoice date (2023-04-01 Asia/Taipei)', () => {
    const ctx2023 = {
      ...CTX,
      now: new Date('2023-06-01T00:00:00+08:00'),
      period: { start: new Date('2023-03-01T00:00:00+08:00'), end: new Date('2023-05-01T00:00:00+08:00') },
    };
    expect(isValidBan(SELLER_BAN, new Date('2023-03-31T23:59:59+08:00'))).toBe(false);
    expectErrors(b2c({ invoiceTime: new Date('2023-03-31T23:59:59+08:00') }), [['seller.ban', 'SELLER_BAN_INVALID']], ctx2023);
    expectOk(validateInvoice(b2c({ invoiceTime: new Date('2023-04-01T00:00:00+08:00') }), ctx2023));
  });
});

describe('validateInvoice: text fields and XSD lengths (formats.ts)', () => {
  it.each([
    ['seller.name', '', 'FIELD_REQUIRED'],
    ['seller.name', '　 ', 'FIELD_REQUIRED'],
    ['seller.name', '名'.repeat(61), 'FIELD_TOO_LONG'],
    ['seller.address', DELETE, 'FIELD_REQUIRED'],
    ['seller.address', 'a'.repeat(101), 'FIELD_TOO_LONG'],
    ['seller.address', 'a\u0000b', 'FIELD_INVALID_CHARACTERS'],
    ['buyer.name', 'n'.repeat(61), 'FIELD_TOO_LONG'],
    ['buyer.name', '', 'FIELD_REQUIRED'],
    ['buyer.address', 'a'.repeat(101), 'FIELD_TOO_LONG'],
    ['mainRemark', 'm'.repeat(201), 'FIELD_TOO_LONG'],
    ['mainRemark', 'bell\u0007', 'FIELD_INVALID_CHARACTERS'],
    ['items.0.description', '', 'FIELD_REQUIRED'],
    ['items.0.description', DELETE, 'FIELD_REQUIRED'],
    ['items.0.description', 'd'.repeat(501), 'FIELD_TOO_LONG'],
    ['items.0.description', '\uD800', 'FIELD_INVALID_CHARACTERS'],
    ['items.0.unit', 'u'.repeat(7), 'FIELD_TOO_LONG'],
    ['items.0.remark', 'r'.repeat(121), 'FIELD_TOO_LONG'],
  ] as const)('%s = %j → %s', (path, value, code) => {
    expectErrors(withField(b2b(), path, value), [[path, code]]);
  });

  it('reports every bad field at once, in the API terms', () => {
    const inv = b2c({
      seller: { ban: '1', name: '', address: 'a' },
      items: [
        { description: 'ok', quantity: '1', unitPrice: '1' },
        { description: 'x', quantity: '0', unitPrice: '-1' },
        { description: 'y', quantity: '1', unitPrice: '1', amount: '2' },
      ],
      printMark: 'N',
      carrier: { type: '3J0002', id1: ' /ABC1234', id2: '/abc1234' },
    });
    expectErrors(inv, [
      ['seller.ban', 'SELLER_BAN_INVALID'],
      ['seller.name', 'FIELD_REQUIRED'],
      ['items.1.quantity', 'QUANTITY_NOT_POSITIVE'],
      ['items.1.unitPrice', 'UNIT_PRICE_NEGATIVE'],
      ['items.2.amount', 'ITEM_AMOUNT_MISMATCH'],
      ['carrier.id1', 'CARRIER_ID_EDGE_BLANKS'],
      ['carrier.id2', 'CARRIER_ID_FORMAT'],
    ]);
  });
});

describe('validateInvoice: items, quantities, amounts (E0103, E0105, E0106)', () => {
  const item = (over: Partial<InvoiceItemInput>): InvoiceItemInput => ({
    description: 'x',
    quantity: '1',
    unitPrice: '10',
    ...over,
  });

  it('needs 1..9999 items', () => {
    expectErrors(b2c({ items: [] }), [['items', 'ITEMS_REQUIRED']]);
    const items = Array.from({ length: 10_000 }, () => item({}));
    expectErrors(b2c({ items }), [['items', 'ITEMS_TOO_MANY']]);
  });

  it.each([
    ['0', 'QUANTITY_NOT_POSITIVE'],
    ['0.0000000', 'QUANTITY_NOT_POSITIVE'],
    ['-1', 'QUANTITY_NOT_POSITIVE'],
    ['abc', 'QUANTITY_FORMAT'],
    ['1.12345678', 'QUANTITY_FORMAT'],
    ['1e2', 'QUANTITY_FORMAT'],
    ['123456789012345678901', 'QUANTITY_FORMAT'],
  ] as const)('quantity %j → %s', (quantity, code) => {
    expectErrors(b2c({ items: [item({}), item({ quantity })] }), [['items.1.quantity', code]]);
  });

  it('quantity given as a number is refused (decimals travel as strings)', () => {
    expectErrors(b2c({ items: [item({ quantity: 1 as never })] }), [['items.0.quantity', 'QUANTITY_FORMAT']]);
  });

  it.each([
    ['-0.01', 'UNIT_PRICE_NEGATIVE'],
    ['12,5', 'UNIT_PRICE_FORMAT'],
    ['', 'UNIT_PRICE_FORMAT'],
  ] as const)('unit price %j → %s', (unitPrice, code) => {
    expectErrors(b2c({ items: [item({ unitPrice })] }), [['items.0.unitPrice', code]]);
  });

  it('caller amount must equal round half up(quantity × unit price)', () => {
    expectErrors(b2c({ items: [item({ quantity: '2.5', unitPrice: '1', amount: '2' })] }), [
      ['items.0.amount', 'ITEM_AMOUNT_MISMATCH'],
    ]);
    expectOk(validateInvoice(b2c({ items: [item({ quantity: '2.5', unitPrice: '1', amount: '3' })] }), CTX));
    expectErrors(b2c({ items: [item({ amount: '10.4' })] }), [['items.0.amount', 'ITEM_AMOUNT_MISMATCH']]);
    expectErrors(b2c({ items: [item({ amount: 'ten' })] }), [['items.0.amount', 'ITEM_AMOUNT_FORMAT']]);
    const r = validateInvoice(b2c({ items: [item({ amount: '11' })] }), CTX);
    expect(r.ok ? '' : r.errors[0]?.message).toContain('Expected 10.');
  });

  it('total must be positive (E0105)', () => {
    expectErrors(b2c({ items: [item({ unitPrice: '0' })] }), [['items', 'TOTAL_NOT_POSITIVE']]);
    expectErrors(b2c({ items: [item({ quantity: '0.4', unitPrice: '1' })] }), [['items', 'TOTAL_NOT_POSITIVE']]);
  });

  it('amounts beyond the XSD totalDigits 20 are refused', () => {
    const big = '99999999999999999999'; // 20 digits
    expectErrors(b2c({ items: [item({ quantity: big, unitPrice: '2' })] }), [['items.0.amount', 'ITEM_AMOUNT_TOO_LARGE']]);
    expectOk(validateInvoice(b2c({ items: [item({ quantity: big, unitPrice: '1' })] }), CTX));
    expectErrors(b2c({ items: [item({ quantity: big, unitPrice: '1' }), item({ quantity: big, unitPrice: '1' })] }), [
      ['items', 'TOTAL_TOO_LARGE'],
    ]);
  });
});

describe('validateInvoice: invoice type, tax type, tax rate (einvoice-domain.md §4.4)', () => {
  it.each([
    [{ invoiceType: '09' as InvoiceType }, [['invoiceType', 'INVOICE_TYPE_INVALID']]],
    [{ taxType: '5' as TaxType }, [['taxType', 'TAX_TYPE_INVALID']]],
    [{ taxRate: '0.03' as TaxRate }, [['taxRate', 'TAX_RATE_INVALID']]],
    [{ taxRate: 0.05 as unknown as TaxRate }, [['taxRate', 'TAX_RATE_INVALID']]],
    [{ taxType: '4' as const, taxRate: '0.05' as const }, [['taxType', 'TAX_TYPE_NOT_ALLOWED']]],
    [{ taxType: '1' as const, taxRate: '0' as const }, [['taxRate', 'TAX_RATE_MISMATCH']]],
    [{ taxType: '1' as const, taxRate: '0.25' as const }, [['taxRate', 'TAX_RATE_MISMATCH']]],
    [{ taxType: '3' as const, taxRate: '0.05' as const }, [['taxRate', 'TAX_RATE_MISMATCH']]],
    [{ invoiceType: '08' as const, taxType: '2' as const, taxRate: '0.05' as const }, [['taxType', 'SPECIAL_INVOICE_TAX_TYPE']]],
    [{ invoiceType: '08' as const, taxType: '3' as const, taxRate: '0.05' as const }, [['taxType', 'SPECIAL_INVOICE_TAX_TYPE']]],
    [{ invoiceType: '08' as const, taxType: '1' as const, taxRate: '0.01' as const }, [['taxRate', 'SPECIAL_INVOICE_TAX_RATE']]],
    [{ invoiceType: '08' as const, taxType: '1' as const, taxRate: '0' as const }, [['taxRate', 'SPECIAL_INVOICE_TAX_RATE']]],
  ] as [Partial<InvoiceInput>, [string, InvoiceRuleErrorCode][]][])('%j', (over, expected) => {
    expectErrors(b2c(over), expected);
  });

  it('item tax types: must match on non-mixed invoices; never 9; required and 1/2/3 on mixed', () => {
    const it1 = (taxType: unknown): InvoiceItemInput => ({
      description: 'x',
      quantity: '1',
      unitPrice: '1',
      taxType: taxType as TaxType,
    });
    expectErrors(b2c({ items: [it1('3')] }), [['items.0.taxType', 'ITEM_TAX_TYPE_MISMATCH']]);
    expectErrors(b2c({ items: [it1('9')] }), [['items.0.taxType', 'ITEM_TAX_TYPE_INVALID']]);
    expectErrors(b2c({ items: [it1('x')] }), [['items.0.taxType', 'ITEM_TAX_TYPE_INVALID']]);
    const mixed = (...types: unknown[]) => b2c({ taxType: '9', items: types.map(it1) });
    expectErrors(mixed('1', undefined), [['items.1.taxType', 'ITEM_TAX_TYPE_REQUIRED']]);
    expectErrors(mixed('1', '4'), [['items.1.taxType', 'ITEM_TAX_TYPE_INVALID']]);
    expectErrors(mixed('1', '9'), [['items.1.taxType', 'ITEM_TAX_TYPE_INVALID']]);
    expectErrors(mixed('1', '1'), [['taxType', 'MIXED_TAX_TYPE_NOT_MIXED']]);
    expectErrors(mixed('3', '3'), [['taxType', 'MIXED_TAX_TYPE_NOT_MIXED']]);
    expectOk(validateInvoice(mixed('1', '3'), CTX));
  });
});

describe('validateInvoice: zero-rate marks (E0228, E0112)', () => {
  const zeroRated = (zeroTax: InvoiceInput['zeroTax']) => b2c({ taxType: '2', taxRate: '0', zeroTax });

  it('zero-rated needs a customs clearance mark and a reason', () => {
    expectErrors(zeroRated(undefined), [
      ['zeroTax.customsClearanceMark', 'ZERO_TAX_NEEDS_CUSTOMS_MARK'],
      ['zeroTax.zeroTaxRateReason', 'ZERO_TAX_NEEDS_REASON'],
    ]);
    expectErrors(zeroRated({ zeroTaxRateReason: '79' }), [['zeroTax.customsClearanceMark', 'ZERO_TAX_NEEDS_CUSTOMS_MARK']]);
    expectErrors(zeroRated({ customsClearanceMark: '1' }), [['zeroTax.zeroTaxRateReason', 'ZERO_TAX_NEEDS_REASON']]);
    for (const reason of ZERO_TAX_RATE_REASONS)
      expectOk(validateInvoice(zeroRated({ customsClearanceMark: '1', zeroTaxRateReason: reason }), CTX));
  });

  it('refuses values outside the enums', () => {
    expectErrors(zeroRated({ customsClearanceMark: '3' as never, zeroTaxRateReason: '70' as never }), [
      ['zeroTax.customsClearanceMark', 'CUSTOMS_CLEARANCE_MARK_INVALID'],
      ['zeroTax.zeroTaxRateReason', 'ZERO_TAX_RATE_REASON_INVALID'],
    ]);
  });

  it('non-zero-rated invoices must not carry the marks', () => {
    expectErrors(b2c({ zeroTax: { customsClearanceMark: '1', zeroTaxRateReason: '71' } }), [
      ['zeroTax.customsClearanceMark', 'CUSTOMS_MARK_NOT_ALLOWED'],
      ['zeroTax.zeroTaxRateReason', 'ZERO_TAX_REASON_NOT_ALLOWED'],
    ]);
  });

  it('a mixed invoice with a zero-rated item is treated like a zero-rated one (UNVERIFIED)', () => {
    const items: InvoiceItemInput[] = [
      { description: 'a', quantity: '1', unitPrice: '10', taxType: '1' },
      { description: 'b', quantity: '1', unitPrice: '10', taxType: '2' },
    ];
    expectErrors(b2c({ taxType: '9', items }), [
      ['zeroTax.customsClearanceMark', 'ZERO_TAX_NEEDS_CUSTOMS_MARK'],
      ['zeroTax.zeroTaxRateReason', 'ZERO_TAX_NEEDS_REASON'],
    ]);
    const t = expectOk(
      validateInvoice(b2c({ taxType: '9', items, zeroTax: { customsClearanceMark: '2', zeroTaxRateReason: '72' } }), CTX),
    );
    expect([t.salesAmount, t.zeroTaxSalesAmount, t.totalAmount]).toEqual([10n, 10n, 20n]);
  });
});

describe('validateInvoice: print mark, carrier, donation (einvoice-domain.md §4.3)', () => {
  it('print mark must be Y or N', () => {
    expectErrors(b2c({ printMark: 'y' as never }), [['printMark', 'PRINT_MARK_INVALID']]);
  });

  it('not printed and neither carrier nor donation → CARRIER_REQUIRED (B2C and B2B)', () => {
    expectErrors(b2c({ printMark: 'N' }), [['carrier', 'CARRIER_REQUIRED']]);
    expectErrors(b2b({ printMark: 'N' }), [['carrier', 'CARRIER_REQUIRED']]);
  });

  it('printed with a carrier: refused, except 3J0002 for a business buyer', () => {
    expectErrors(b2c({ printMark: 'Y', carrier: MOBILE }), [['carrier', 'CARRIER_NOT_ALLOWED_WITH_PRINT']]);
    expectErrors(b2c({ printMark: 'Y', carrier: CITIZEN }), [['carrier', 'CARRIER_NOT_ALLOWED_WITH_PRINT']]);
    expectErrors(b2b({ printMark: 'Y', carrier: CITIZEN }), [['carrier', 'CARRIER_NOT_ALLOWED_WITH_PRINT']]);
    expectOk(validateInvoice(b2b({ printMark: 'Y', carrier: MOBILE }), CTX));
  });

  it('printed and donated → DONATION_NOT_ALLOWED_WITH_PRINT', () => {
    expectErrors(b2c({ printMark: 'Y', donation: { npoban: '8585' } }), [['donation', 'DONATION_NOT_ALLOWED_WITH_PRINT']]);
  });

  it('carrier and donation together are refused (UNVERIFIED "one of three")', () => {
    expectErrors(b2c({ printMark: 'N', carrier: MOBILE, donation: { npoban: '8585' } }), [['donation', 'DONATION_WITH_CARRIER']]);
  });

  it('donation only for consumers (UNVERIFIED)', () => {
    expectErrors(b2b({ printMark: 'N', donation: { npoban: '8585' } }), [['donation', 'DONATION_NOT_ALLOWED_FOR_BUSINESS']]);
  });

  it.each(['12', '12345678', '85a5', '', ' 8585'])('NPOBAN %j → NPOBAN_FORMAT', (npoban) => {
    expectErrors(b2c({ printMark: 'N', donation: { npoban } }), [['donation.npoban', 'NPOBAN_FORMAT']]);
  });

  it.each([
    [{ ...MOBILE, type: '3J002' }, 'carrier.type', 'CARRIER_TYPE_INVALID'],
    [{ ...MOBILE, type: '3j0002' }, 'carrier.type', 'CARRIER_TYPE_INVALID'],
    [{ ...MOBILE, id1: '' }, 'carrier.id1', 'CARRIER_ID_REQUIRED'],
    [{ ...MOBILE, id2: undefined as never }, 'carrier.id2', 'CARRIER_ID_REQUIRED'],
    [{ ...MOBILE, id1: ' /ABC1234' }, 'carrier.id1', 'CARRIER_ID_EDGE_BLANKS'],
    [{ ...MOBILE, id2: '/ABC1234\u3000' }, 'carrier.id2', 'CARRIER_ID_EDGE_BLANKS'],
    [{ ...MOBILE, id2: '\u3000/ABC1234' }, 'carrier.id2', 'CARRIER_ID_EDGE_BLANKS'],
    [{ ...MOBILE, id1: '/abc1234' }, 'carrier.id1', 'CARRIER_ID_FORMAT'],
    [{ ...MOBILE, id1: '/ABC12345' }, 'carrier.id1', 'CARRIER_ID_FORMAT'],
    [{ ...CITIZEN, id1: 'ab12345678901234' }, 'carrier.id1', 'CARRIER_ID_FORMAT'],
    [{ ...CITIZEN, id2: 'AB1234567890123' }, 'carrier.id2', 'CARRIER_ID_FORMAT'],
    [{ type: 'EJ0113', id1: 'x'.repeat(401), id2: 'y' }, 'carrier.id1', 'FIELD_TOO_LONG'],
    [{ type: 'EJ0113', id1: 'x', id2: 'y\u0000z' }, 'carrier.id2', 'FIELD_INVALID_CHARACTERS'],
    [{ type: 'EJ0113', id1: 'x', id2: ' y' }, 'carrier.id2', 'CARRIER_ID_EDGE_BLANKS'],
  ] as [CarrierInput, string, InvoiceRuleErrorCode][])('carrier %j → %s %s', (carrier, field, code) => {
    expectErrors(b2c({ printMark: 'N', carrier }), [[field, code]]);
  });

  it('member carrier ids up to 400 characters are accepted', () => {
    expectOk(
      validateInvoice(b2c({ printMark: 'N', carrier: { type: 'EJ0113', id1: 'x'.repeat(400), id2: '隱'.repeat(400) } }), CTX),
    );
  });
});

describe('validateInvoice: invoice time', () => {
  it('not later than now + skew', () => {
    expectOk(validateInvoice(b2c({ invoiceTime: new Date(NOW.getTime() + SKEW_MS) }), CTX));
    expectErrors(b2c({ invoiceTime: new Date(NOW.getTime() + SKEW_MS + 1) }), [['invoiceTime', 'INVOICE_TIME_IN_FUTURE']]);
  });

  it('inside [period.start, period.end)', () => {
    expectOk(validateInvoice(b2c({ invoiceTime: CTX.period.start }), CTX));
    expectErrors(b2c({ invoiceTime: new Date(CTX.period.start.getTime() - 1) }), [
      ['invoiceTime', 'INVOICE_TIME_OUTSIDE_PERIOD'],
    ]);
    const late = { ...CTX, now: new Date('2025-06-01T00:00:00+08:00') };
    expectOk(validateInvoice(b2c({ invoiceTime: new Date(CTX.period.end.getTime() - 1) }), late));
    expectErrors(b2c({ invoiceTime: CTX.period.end }), [['invoiceTime', 'INVOICE_TIME_OUTSIDE_PERIOD']], late);
  });

  it('future and outside the period are both reported', () => {
    expectErrors(b2c({ invoiceTime: new Date('2025-06-01T00:00:00+08:00') }), [
      ['invoiceTime', 'INVOICE_TIME_IN_FUTURE'],
      ['invoiceTime', 'INVOICE_TIME_OUTSIDE_PERIOD'],
    ]);
  });

  it('an invalid date or a non-date is refused', () => {
    expectErrors(b2c({ invoiceTime: new Date(Number.NaN) }), [['invoiceTime', 'INVOICE_TIME_INVALID']]);
    expectErrors(b2c({ invoiceTime: '2025-03-15T12:00:00+08:00' as never }), [['invoiceTime', 'INVOICE_TIME_INVALID']]);
  });
});

describe('error dictionary', () => {
  it('every returned error carries the dictionary message of its code', () => {
    const r = validateInvoice(
      b2c({
        seller: { ban: 'x', name: '', address: '' },
        items: [{ description: '', quantity: 'q', unitPrice: 'p' }],
        printMark: 'N',
      }),
      CTX,
    );
    expect(r.ok).toBe(false);
    for (const e of r.ok ? [] : r.errors) expect(e.message.startsWith(INVOICE_RULE_ERRORS[e.code].message)).toBe(true);
  });

  it('codes are SCREAMING_SNAKE_CASE and messages are sentences', () => {
    for (const [code, { message }] of Object.entries(INVOICE_RULE_ERRORS)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(message).toMatch(/^[A-Z].*[.)]$/);
    }
  });
});

describe('validateInvoice never throws', () => {
  it('on malformed shapes', () => {
    const bad: unknown[] = [
      null,
      undefined,
      42,
      'invoice',
      [],
      {},
      { items: 'x' },
      { items: [null, 1, 'x', {}] },
      { seller: null, buyer: 'x', carrier: 'x', donation: 'x', zeroTax: 5 },
      { ...b2c(), carrier: { type: 1, id1: 2, id2: {} } },
      { ...b2c(), donation: { npoban: 8585 } },
      { ...b2c(), seller: { ban: 4595252, name: 1, address: [] } },
      { ...b2c(), buyer: { ban: 10458575 } },
    ];
    for (const input of bad) {
      const r = validateInvoice(input as InvoiceInput, CTX);
      expect(r.ok).toBe(false);
    }
  });

  it('property: on arbitrary values in any field', () => {
    const fields = Object.keys(b2c()).concat(['buyer', 'carrier', 'donation', 'zeroTax']);
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.anything(), (field, value) => {
        expect(() => validateInvoice(withField(b2c(), field, value), CTX)).not.toThrow();
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(() => validateInvoice(value as InvoiceInput, CTX)).not.toThrow();
        expect(() => validateInvoice(withField(b2c(), 'items.0', value), CTX)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------- property: valid invoices and single-field mutations

/** 7 random digits + the check digit that makes a BAN valid under both rules (not 00000000). */
const banArb = fc
  .string({ unit: fc.constantFrom(...'0123456789'), minLength: 7, maxLength: 7 })
  .map((head) => {
    const d = [...'0123456789'].find((c) => isValidBan(head + c, new Date('2020-01-01T00:00:00+08:00')));
    return `${head}${d}`;
  })
  .filter((ban) => ban !== '00000000');

const textArb = (minLength: number, maxLength: number) =>
  fc
    .string({ unit: fc.constantFrom(...'AZaz09 -_/品名汽油路𠀀😀'), minLength, maxLength })
    .filter((s) => minLength === 0 || s.trim() !== '');

/** A decimal string with 0..7 fraction digits and an integer part in [minInt, 9999]. */
const decimalArb = (minInt: number) =>
  fc
    .tuple(fc.integer({ min: minInt, max: 9999 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 9_999_999 }))
    .map(([i, fd, f]) => (fd === 0 ? `${i}` : `${i}.${String(f).padStart(7, '0').slice(0, fd)}`));

const scaled = (s: string): bigint => {
  const r = parseDecimal(s);
  if (!r.ok) throw new Error(s);
  return r.scaled;
};

const itemArb = (taxType: TaxType | undefined, first: boolean): fc.Arbitrary<InvoiceItemInput> =>
  fc
    .record({
      description: textArb(1, 40),
      quantity: first ? decimalArb(1) : decimalArb(0).filter((q) => scaled(q) > 0n),
      unitPrice: decimalArb(first ? 1 : 0),
      unit: fc.option(textArb(1, 6), { nil: undefined }),
      remark: fc.option(textArb(0, 120), { nil: undefined }),
      withAmount: fc.boolean(),
    })
    .map(({ withAmount, ...r }) => {
      const item: InvoiceItemInput = { ...r };
      if (taxType) item.taxType = taxType;
      if (withAmount) item.amount = String(itemAmount(scaled(r.quantity), scaled(r.unitPrice)));
      return item;
    });

type TaxSetup = { invoiceType: InvoiceType; taxType: TaxType; taxRate: TaxRate };
const taxSetupArb: fc.Arbitrary<TaxSetup> = fc.oneof(
  fc.constant<TaxSetup>({ invoiceType: '07', taxType: '1', taxRate: '0.05' }),
  fc.constant<TaxSetup>({ invoiceType: '07', taxType: '2', taxRate: '0' }),
  fc.constant<TaxSetup>({ invoiceType: '07', taxType: '3', taxRate: '0' }),
  fc.constant<TaxSetup>({ invoiceType: '07', taxType: '9', taxRate: '0.05' }),
  fc.record<TaxSetup>({
    invoiceType: fc.constant('08'),
    taxType: fc.constantFrom('1', '4'),
    taxRate: fc.constantFrom(...SPECIAL_TAX_RATES),
  }),
);

/** Item tax types: on mixed invoices a taxable one and a zero/free one at least; elsewhere absent or equal. */
const itemTaxTypesArb = (taxType: TaxType): fc.Arbitrary<(TaxType | undefined)[]> =>
  taxType === '9'
    ? fc
        .tuple(fc.constantFrom<TaxType>('2', '3'), fc.array(fc.constantFrom<TaxType>('1', '2', '3'), { maxLength: 3 }))
        .map(([other, rest]) => ['1', other, ...rest])
    : fc.array(fc.constantFrom(taxType, undefined), { minLength: 1, maxLength: 5 });

const mobileArb = fc
  .string({ unit: fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.+-'), minLength: 7, maxLength: 7 })
  .map((s): CarrierInput => ({ type: '3J0002', id1: `/${s}`, id2: `/${s}` }));
const citizenArb = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), minLength: 2, maxLength: 2 }),
    fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 14, maxLength: 14 }),
  )
  .map(([a, d]): CarrierInput => ({ type: 'CQ0001', id1: a + d, id2: a + d }));
const idText = fc.string({ unit: fc.constantFrom(...'AZaz09-_隱'), minLength: 1, maxLength: 40 });
const memberArb = fc.record<CarrierInput>({ type: fc.constantFrom('EJ0113', 'AB1234'), id1: idText, id2: idText });
const carrierArb = fc.oneof(mobileArb, citizenArb, memberArb);
const npobanArb = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 3, maxLength: 7 });

type Delivery = Pick<InvoiceInput, 'printMark' | 'carrier' | 'donation'>;
const b2cDeliveryArb: fc.Arbitrary<Delivery> = fc.oneof(
  fc.constant<Delivery>({ printMark: 'Y' }),
  carrierArb.map((carrier): Delivery => ({ printMark: 'N', carrier })),
  npobanArb.map((npoban): Delivery => ({ printMark: 'N', donation: { npoban } })),
);
const b2bDeliveryArb: fc.Arbitrary<Delivery> = fc.oneof(
  fc.constant<Delivery>({ printMark: 'Y' }),
  mobileArb.map((carrier): Delivery => ({ printMark: 'Y', carrier })),
  carrierArb.map((carrier): Delivery => ({ printMark: 'N', carrier })),
);

const validInvoiceArb: fc.Arbitrary<InvoiceInput> = fc
  .record({ business: fc.boolean(), tax: taxSetupArb })
  .chain(({ business, tax }) =>
    fc
      .record({
        seller: fc.record({ ban: banArb, name: textArb(1, 60), address: textArb(1, 100) }),
        buyer: business
          ? fc.record({ ban: banArb, name: fc.option(textArb(1, 60), { nil: undefined }) })
          : fc.option(fc.record({ name: textArb(1, 60) }), { nil: undefined }),
        delivery: business ? b2bDeliveryArb : b2cDeliveryArb,
        items: itemTaxTypesArb(tax.taxType).chain((types) => fc.tuple(...types.map((t, i) => itemArb(t, i === 0)))),
        zeroTax: fc.record({
          customsClearanceMark: fc.constantFrom('1' as const, '2' as const),
          zeroTaxRateReason: fc.constantFrom(...ZERO_TAX_RATE_REASONS),
        }),
        invoiceTime: fc.integer({ min: CTX.period.start.getTime(), max: NOW.getTime() + SKEW_MS }).map((t) => new Date(t)),
        mainRemark: fc.option(textArb(0, 200), { nil: undefined }),
      })
      .map(({ delivery, zeroTax, ...r }): InvoiceInput => {
        const hasZero = tax.taxType === '2' || r.items.some((i) => i.taxType === '2');
        const inv: InvoiceInput = { ...r, ...tax, ...delivery };
        if (hasZero) inv.zeroTax = zeroTax;
        return inv;
      }),
  );

type Mutation = { path: string; value: unknown; code: InvoiceRuleErrorCode };

/** Single-field mutations that make `inv` invalid, each expected to be reported on `path` only. */
function mutationsFor(inv: InvoiceInput): Mutation[] {
  const m: Mutation[] = [
    { path: 'seller.ban', value: inv.seller.ban.slice(0, 7), code: 'SELLER_BAN_INVALID' },
    { path: 'seller.ban', value: '00000000', code: 'SELLER_BAN_INVALID' },
    { path: 'seller.name', value: ' ', code: 'FIELD_REQUIRED' },
    { path: 'seller.name', value: '名'.repeat(61), code: 'FIELD_TOO_LONG' },
    { path: 'seller.address', value: DELETE, code: 'FIELD_REQUIRED' },
    { path: 'seller.address', value: 'a\u0000', code: 'FIELD_INVALID_CHARACTERS' },
    { path: 'mainRemark', value: 'x'.repeat(201), code: 'FIELD_TOO_LONG' },
    { path: 'invoiceType', value: '09', code: 'INVOICE_TYPE_INVALID' },
    { path: 'taxType', value: '5', code: 'TAX_TYPE_INVALID' },
    { path: 'taxRate', value: '0.03', code: 'TAX_RATE_INVALID' },
    { path: 'printMark', value: 'y', code: 'PRINT_MARK_INVALID' },
    { path: 'invoiceTime', value: new Date(CTX.period.start.getTime() - 1), code: 'INVOICE_TIME_OUTSIDE_PERIOD' },
    { path: 'invoiceTime', value: new Date(NOW.getTime() + SKEW_MS + 1), code: 'INVOICE_TIME_IN_FUTURE' },
    { path: 'invoiceTime', value: new Date(Number.NaN), code: 'INVOICE_TIME_INVALID' },
    { path: 'items', value: [], code: 'ITEMS_REQUIRED' },
  ];
  if (inv.invoiceType === '07') {
    m.push({ path: 'taxRate', value: inv.taxRate === '0' ? '0.05' : '0', code: 'TAX_RATE_MISMATCH' });
    if (inv.taxType !== '9') m.push({ path: 'taxType', value: '4', code: 'TAX_TYPE_NOT_ALLOWED' });
  } else {
    m.push({ path: 'taxRate', value: '0.01', code: 'SPECIAL_INVOICE_TAX_RATE' });
    m.push({ path: 'taxType', value: '3', code: 'SPECIAL_INVOICE_TAX_TYPE' });
  }
  if (inv.buyer?.ban !== undefined) {
    m.push({ path: 'buyer.ban', value: `${inv.buyer.ban}0`, code: 'BUYER_BAN_INVALID' });
    m.push({ path: 'buyer.name', value: 'n'.repeat(61), code: 'FIELD_TOO_LONG' });
  }
  inv.items.forEach((item, i) => {
    const p = `items.${i}`;
    m.push(
      { path: `${p}.description`, value: '', code: 'FIELD_REQUIRED' },
      { path: `${p}.description`, value: 'd'.repeat(501), code: 'FIELD_TOO_LONG' },
      { path: `${p}.quantity`, value: '0', code: 'QUANTITY_NOT_POSITIVE' },
      { path: `${p}.quantity`, value: '-1', code: 'QUANTITY_NOT_POSITIVE' },
      { path: `${p}.quantity`, value: '1.12345678', code: 'QUANTITY_FORMAT' },
      { path: `${p}.unitPrice`, value: '-0.5', code: 'UNIT_PRICE_NEGATIVE' },
      { path: `${p}.unitPrice`, value: '1e3', code: 'UNIT_PRICE_FORMAT' },
      { path: `${p}.amount`, value: 'x', code: 'ITEM_AMOUNT_FORMAT' },
      {
        path: `${p}.amount`,
        value: String(itemAmount(scaled(item.quantity), scaled(item.unitPrice)) + 1n),
        code: 'ITEM_AMOUNT_MISMATCH',
      },
      { path: `${p}.unit`, value: 'u'.repeat(7), code: 'FIELD_TOO_LONG' },
      { path: `${p}.remark`, value: 'r'.repeat(121), code: 'FIELD_TOO_LONG' },
      { path: `${p}.taxType`, value: '9', code: 'ITEM_TAX_TYPE_INVALID' },
    );
    if (inv.taxType !== '9') {
      m.push({ path: `${p}.taxType`, value: inv.taxType === '3' ? '1' : '3', code: 'ITEM_TAX_TYPE_MISMATCH' });
    } else {
      m.push({ path: `${p}.taxType`, value: DELETE, code: 'ITEM_TAX_TYPE_REQUIRED' });
    }
  });
  if (inv.carrier) {
    const { id1, type } = inv.carrier;
    m.push(
      { path: 'carrier.type', value: 'XX', code: 'CARRIER_TYPE_INVALID' },
      { path: 'carrier.id1', value: ` ${id1}`, code: 'CARRIER_ID_EDGE_BLANKS' },
      { path: 'carrier.id2', value: `${inv.carrier.id2}\u3000`, code: 'CARRIER_ID_EDGE_BLANKS' },
      { path: 'carrier.id1', value: '', code: 'CARRIER_ID_REQUIRED' },
      { path: 'carrier.id2', value: DELETE, code: 'CARRIER_ID_REQUIRED' },
      { path: 'carrier.id1', value: 'i'.repeat(401), code: 'FIELD_TOO_LONG' },
    );
    if (type === '3J0002' || type === 'CQ0001')
      m.push({ path: 'carrier.id1', value: id1.toLowerCase() + '0', code: 'CARRIER_ID_FORMAT' });
    if (inv.printMark === 'N' && !inv.donation) m.push({ path: 'carrier', value: DELETE, code: 'CARRIER_REQUIRED' });
  } else if (inv.printMark === 'Y') {
    m.push({
      path: 'carrier',
      value: { type: 'CQ0001', id1: 'AB12345678901234', id2: 'AB12345678901234' },
      code: 'CARRIER_NOT_ALLOWED_WITH_PRINT',
    });
  }
  if (inv.donation) {
    m.push({ path: 'donation.npoban', value: '12', code: 'NPOBAN_FORMAT' });
  } else {
    m.push({
      path: 'donation',
      value: { npoban: '8585' },
      code:
        inv.buyer?.ban !== undefined
          ? 'DONATION_NOT_ALLOWED_FOR_BUSINESS'
          : inv.printMark === 'Y'
            ? 'DONATION_NOT_ALLOWED_WITH_PRINT'
            : 'DONATION_WITH_CARRIER',
    });
  }
  if (inv.zeroTax) {
    m.push(
      { path: 'zeroTax.customsClearanceMark', value: '3', code: 'CUSTOMS_CLEARANCE_MARK_INVALID' },
      { path: 'zeroTax.customsClearanceMark', value: DELETE, code: 'ZERO_TAX_NEEDS_CUSTOMS_MARK' },
      { path: 'zeroTax.zeroTaxRateReason', value: '80', code: 'ZERO_TAX_RATE_REASON_INVALID' },
      { path: 'zeroTax.zeroTaxRateReason', value: DELETE, code: 'ZERO_TAX_NEEDS_REASON' },
    );
  } else {
    m.push({ path: 'zeroTax.customsClearanceMark', value: '1', code: 'CUSTOMS_MARK_NOT_ALLOWED' });
    m.push({ path: 'zeroTax.zeroTaxRateReason', value: '71', code: 'ZERO_TAX_REASON_NOT_ALLOWED' });
  }
  return m;
}

const sum = (xs: readonly bigint[]) => xs.reduce((a, b) => a + b, 0n);

describe('validateInvoice properties', () => {
  it('generated valid invoices pass; totals obey the identity and equal the item sum', () => {
    fc.assert(
      fc.property(validInvoiceArb, (inv) => {
        const r = validateInvoice(inv, CTX);
        expect(errorsOf(r)).toEqual([]);
        if (!r.ok) return;
        const t = r.totals;
        expect(t.totalAmount).toBe(t.salesAmount + t.freeTaxSalesAmount + t.zeroTaxSalesAmount + t.taxAmount);
        expect(t.totalAmount).toBe(sum(r.itemAmounts));
        expect(t.totalAmount > 0n).toBe(true);
        for (const v of [t.salesAmount, t.freeTaxSalesAmount, t.zeroTaxSalesAmount, t.taxAmount]) expect(v >= 0n).toBe(true);
        inv.items.forEach((item, i) => {
          if (item.amount !== undefined) expect(String(r.itemAmounts[i])).toBe(item.amount);
        });
        if (inv.invoiceType === '08' || inv.buyer?.ban === undefined) expect(t.taxAmount).toBe(0n);
      }),
      { numRuns: 300 },
    );
  });

  it('each single-field mutation of a valid invoice yields errors naming exactly that field', () => {
    fc.assert(
      fc.property(
        validInvoiceArb.chain((inv) => fc.tuple(fc.constant(inv), fc.constantFrom(...mutationsFor(inv)))),
        ([inv, mutation]) => {
          const r = validateInvoice(withField(inv, mutation.path, mutation.value), CTX);
          expect(r.ok).toBe(false);
          const errors = r.ok ? [] : r.errors;
          expect([...new Set(errors.map((e) => e.field))]).toEqual([mutation.path]);
          expect(errors.map((e) => e.code)).toContain(mutation.code);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('every mutation kind is exercised over the generated invoices', () => {
    // Guards the property above against generators that silently stop producing some shapes.
    const seen = new Set<InvoiceRuleErrorCode>();
    fc.assert(
      fc.property(validInvoiceArb, (inv) => {
        for (const m of mutationsFor(inv)) seen.add(m.code);
      }),
      { numRuns: 400 },
    );
    const expected: InvoiceRuleErrorCode[] = [
      'BUYER_BAN_INVALID',
      'CARRIER_ID_FORMAT',
      'CARRIER_NOT_ALLOWED_WITH_PRINT',
      'CARRIER_REQUIRED',
      'CUSTOMS_MARK_NOT_ALLOWED',
      'DONATION_NOT_ALLOWED_FOR_BUSINESS',
      'DONATION_NOT_ALLOWED_WITH_PRINT',
      'DONATION_WITH_CARRIER',
      'ITEM_TAX_TYPE_MISMATCH',
      'ITEM_TAX_TYPE_REQUIRED',
      'NPOBAN_FORMAT',
      'SPECIAL_INVOICE_TAX_RATE',
      'TAX_RATE_MISMATCH',
      'ZERO_TAX_NEEDS_CUSTOMS_MARK',
      'ZERO_TAX_RATE_REASON_INVALID',
    ];
    for (const code of expected) expect(seen, code).toContain(code);
  });
});
