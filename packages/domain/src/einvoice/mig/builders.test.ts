/** Unit tests of the MIG value formatting, XML text and the builders' own decisions (no XSD needed here). */
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { type BlankRun, buildE0401, buildE0402, E0402_MAX_ITEMS, groupBlankRuns } from './branch-track.ts';
import { buildF0401, type F0401Input } from './f0401.ts';
import { DECIMAL_13_5, MigValueError, migDate, migDecimal, migMoney, migTime } from './format.ts';
import { MIG_MESSAGE_TYPES, MIG_MESSAGES, migNamespace } from './messages.ts';
import { B2C_BUYER_NAME, buyerIdentifier, buyerName } from './party.ts';
import { buildF0501, buildG0501 } from './withdrawal.ts';
import { xmlText } from './xml.ts';

const NON_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

describe('xmlText', () => {
  it('escapes & < > " \' and CR, keeps TAB/LF and astral characters', () => {
    expect(xmlText(`a&b<c>d"e'f\r\n\tg😀𠀀`)).toBe('a&amp;b&lt;c&gt;d&quot;e&apos;f&#13;\n\tg😀𠀀');
  });

  it('strips what XML 1.0 cannot carry: C0 controls, lone surrogates, U+FFFE/U+FFFF', () => {
    expect(xmlText('a\u0000b\u0008c\u001Fd\uFFFEe\uFFFFf\uD800g\uDC00h')).toBe('abcdefgh');
  });

  it('property: the parsed text is the input without the forbidden characters', () => {
    const parser = new XMLParser({ trimValues: false, parseTagValue: false, htmlEntities: true, processEntities: true });
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const parsed = parser.parse(`<a>${xmlText(s)}</a>`) as { a: string };
        expect(parsed.a).toBe(s.replace(NON_XML, ''));
      }),
    );
  });
});

describe('value formatting', () => {
  it('decimals in their shortest exact form, from text or bigint', () => {
    expect(migDecimal('3.0000000', 'q')).toBe('3');
    expect(migDecimal('031.50', 'q')).toBe('31.5');
    expect(migDecimal('0.0000001', 'q')).toBe('0.0000001');
    expect(migDecimal('-0', 'q')).toBe('0');
    expect(migDecimal('-12.30', 'q')).toBe('-12.3');
    expect(migDecimal(1380n, 'q')).toBe('1380');
    expect(migDecimal('9999999999999.9999999', 'q')).toBe('9999999999999.9999999');
  });

  it.each([
    ['1e5', /not a plain decimal/],
    ['.5', /not a plain decimal/],
    ['1,000', /not a plain decimal/],
    ['0.00000001', /more than 7 fraction digits/],
    ['123456789012345678901', /more than 20 digits/],
  ])('refuses %s naming the field', (value, reason) => {
    expect(() => migDecimal(value, 'F0401 items.0.quantity')).toThrow(MigValueError);
    expect(() => migDecimal(value, 'F0401 items.0.quantity')).toThrow(/^F0401 items\.0\.quantity: /);
    expect(() => migDecimal(value, 'F0401 items.0.quantity')).toThrow(reason);
  });

  it('never takes a JavaScript number', () => {
    expect(() => migDecimal(1.5 as unknown as string, 'x')).toThrow(/never a JavaScript number/);
  });

  it('ExchangeRate facets (13, 5) and whole money (fractionDigits 0)', () => {
    expect(migDecimal('30.91450', 'r', DECIMAL_13_5)).toBe('30.9145');
    expect(() => migDecimal('30.914501', 'r', DECIMAL_13_5)).toThrow(/more than 5 fraction digits/);
    expect(() => migDecimal('12345678901234', 'r', DECIMAL_13_5)).toThrow(/more than 13 digits/);
    expect(migMoney('4632', 'm')).toBe('4632');
    expect(migMoney('4632.0000000', 'm')).toBe('4632');
    expect(() => migMoney('4632.5', 'm')).toThrow(/more than 0 fraction digits/);
  });

  it('dates as YYYYMMDD: text as given, instants by their Asia/Taipei date', () => {
    expect(migDate('2025-03-15', 'd')).toBe('20250315');
    expect(migDate('20250315', 'd')).toBe('20250315');
    expect(migDate(new Date('2025-03-14T16:00:00Z'), 'd')).toBe('20250315'); // 00:00 in Taipei
    expect(migDate(new Date('2025-03-14T15:59:59.999Z'), 'd')).toBe('20250314');
    expect(() => migDate('2025-02-29', 'd')).toThrow(/not a calendar date/);
    expect(() => migDate('15/03/2025', 'd')).toThrow(MigValueError);
    expect(() => migDate('2025-0315', 'd')).toThrow(MigValueError);
    expect(() => migDate(new Date(Number.NaN), 'd')).toThrow(/valid Date/);
  });

  it('times as HH:mm:ss in Asia/Taipei, fractions dropped', () => {
    expect(migTime(new Date('2025-03-14T16:00:00Z'), 't')).toBe('00:00:00');
    expect(migTime(new Date('2025-05-06T23:59:59.999+08:00'), 't')).toBe('23:59:59');
    expect(migTime(new Date('2025-03-15T01:41:27Z'), 't')).toBe('09:41:27');
  });
});

describe('messages', () => {
  it('the namespace and root of every message (einvoice-domain.md §1.3)', () => {
    expect(MIG_MESSAGE_TYPES).toEqual(['F0401', 'F0501', 'F0701', 'G0401', 'G0501', 'G0701', 'E0401', 'E0402']);
    expect(migNamespace('G0701')).toBe('urn:GEINV:eInvoiceMessage:G0701:4.1');
    expect(MIG_MESSAGES.E0402.root).toBe('BranchTrackBlank');
  });
});

const BASE: F0401Input = {
  invoiceNumber: 'AB12345678',
  invoiceTime: new Date('2025-03-15T09:41:27+08:00'),
  seller: { ban: '04595252', name: '賣方', address: '臺北市' },
  invoiceType: '07',
  printMark: 'Y',
  randomNumber: '0001',
  items: [{ description: '品項', quantity: '1', unitPrice: '100', amount: '100' }],
  amount: {
    salesAmount: 100n,
    freeTaxSalesAmount: 0n,
    zeroTaxSalesAmount: 0n,
    taxType: '1',
    taxRate: '0.05',
    taxAmount: 0n,
    totalAmount: 100n,
  },
};

describe('buildF0401', () => {
  it('leaves out absent optional elements and writes DonateMark 0 without a donation', () => {
    const xml = buildF0401({ ...BASE, items: [{ ...BASE.items[0], unit: null, remark: undefined } as F0401Input['items'][0]] });
    expect(xml).not.toMatch(/<Unit>|<Remark>|<CarrierType>|<NPOBAN>|<GroupMark>|<DiscountAmount>|<Currency>/);
    expect(xml).toContain('<DonateMark>0</DonateMark>');
    expect(xml.endsWith('</Invoice>\n')).toBe(true);
    expect(xml).not.toContain('\r');
  });

  it('donation: DonateMark 1 and NPOBAN', () => {
    const xml = buildF0401({ ...BASE, printMark: 'N', donation: { npoban: '8585' } });
    expect(xml).toMatch(/<DonateMark>1<\/DonateMark>[\s\S]*<NPOBAN>8585<\/NPOBAN>/);
  });

  it('item TaxType defaults to the invoice tax type, but a mixed (9) invoice needs it on every item', () => {
    expect(buildF0401(BASE)).toMatch(/<TaxType>1<\/TaxType>\s*<Amount>100<\/Amount>/);
    const mixed = { ...BASE, amount: { ...BASE.amount, taxType: '9' as const } };
    expect(() => buildF0401(mixed)).toThrow(/^F0401 items\.0\.taxType: is required on a mixed \(9\) invoice/);
  });

  it('sequence numbers: position from 1 zero-padded, or as given', () => {
    const items = [BASE.items[0], { ...BASE.items[0], sequenceNumber: 12 }, { ...BASE.items[0], sequenceNumber: 'A1' }];
    const xml = buildF0401({ ...BASE, items: items as F0401Input['items'] });
    expect([...xml.matchAll(/<SequenceNumber>(.*)<\/SequenceNumber>/g)].map((m) => m[1])).toEqual(['0001', '0012', 'A1']);
  });

  it('text that XML cannot carry is stripped, not refused', () => {
    const xml = buildF0401({ ...BASE, mainRemark: 'a\u0001b & c' });
    expect(xml).toContain('<MainRemark>ab &amp; c</MainRemark>');
  });
});

describe('Buyer identifier and name', () => {
  it('a consumer: 0000000000 and, without a name, the [HO] placeholder (UNVERIFIED rule)', () => {
    expect(buyerIdentifier(null)).toBe('0000000000');
    expect(buyerIdentifier({ name: '王小明' })).toBe('0000000000');
    expect(buyerName(undefined)).toBe(B2C_BUYER_NAME);
    expect(buyerName({ name: '王小明' })).toBe('王小明');
  });

  it('a business: its BAN, and the BAN as name when none is given', () => {
    expect(buyerIdentifier({ ban: '10458575' })).toBe('10458575');
    expect(buyerName({ ban: '10458575' })).toBe('10458575');
    expect(buyerName({ ban: '10458575', name: '買方' })).toBe('買方');
  });

  it('an empty BAN is written as it is (the XSD refuses it), never read as a consumer', () => {
    expect(buyerIdentifier({ ban: '' })).toBe('');
  });
});

describe('withdrawals (F0501, F0701, G0501, G0701)', () => {
  it('reason and remark are written collapsed, as the XSD reads them', () => {
    const xml = buildF0501({
      invoiceNumber: 'AB12345678',
      invoiceDate: '2025-03-15',
      sellerBan: '04595252',
      cancelTime: new Date('2025-03-15T10:00:00+08:00'),
      reason: ' \t退貨\r\n 作廢 ',
      remark: '  a   b ',
      returnTaxDocumentNumber: '財北國稅字第1140001號',
    });
    expect(xml).toContain('<CancelReason>退貨 作廢</CancelReason>');
    expect(xml).toContain('<Remark>a b</Remark>');
    expect(xml).toMatch(/<CancelReason>.*\n\s*<ReturnTaxDocumentNumber>.*\n\s*<Remark>/);
  });

  it('G0501 writes AllowanceType 2 unless told otherwise, and no F-only fields', () => {
    const input = {
      allowanceNumber: '0459525200000001',
      allowanceDate: '2025-05-06',
      sellerBan: '04595252',
      cancelTime: new Date('2025-05-07T08:00:00+08:00'),
      reason: 'x',
    };
    expect(buildG0501(input)).toMatch(/<CancelAllowanceNumber>0459525200000001<\/CancelAllowanceNumber>\s*<AllowanceType>2</);
    expect(buildG0501({ ...input, allowanceType: '1' })).toContain('<AllowanceType>1</AllowanceType>');
    // Extra properties of a wider object never leak into the message.
    const wide = { ...input, reserved1: 'r', returnTaxDocumentNumber: 'n' } as typeof input;
    expect(buildG0501(wide)).not.toMatch(/Reserved1|ReturnTaxDocumentNumber/);
  });
});

describe('E0401 / E0402', () => {
  const key = { headBan: '04595252', branchBan: '12458576', invoiceType: '07' as const, yearMonth: '11404', track: 'AB' };

  it('E0401 refuses blocks that are not whole booklets, lie outside the range or overlap', () => {
    const range = { begin: 1000, end: 1999 };
    expect(() => buildE0401({ ...key, range, blocks: [{ begin: 1010, end: 1059 }] })).toThrow(/whole booklets/);
    expect(() => buildE0401({ ...key, range, blocks: [{ begin: 1950, end: 2049 }] })).toThrow(/outside the range/);
    expect(() =>
      buildE0401({
        ...key,
        range,
        blocks: [
          { begin: 1000, end: 1099 },
          { begin: 1050, end: 1149 },
        ],
      }),
    ).toThrow(/overlaps/);
  });

  it('E0401 numbers are 8 digits and booklets = numbers / 50', () => {
    const xml = buildE0401({ ...key, range: { begin: 0, end: 999 }, blocks: [{ begin: 0, end: 249 }] });
    expect(xml).toMatch(
      /<InvoiceBeginNo>00000000<\/InvoiceBeginNo>\s*<InvoiceEndNo>00000249<\/InvoiceEndNo>\s*<InvoiceBooklet>5</,
    );
  });

  it('groupBlankRuns: one message per key, runs sorted, keys in order, split after 10,000 runs', () => {
    const run = (over: Partial<BlankRun>): BlankRun => ({ ...key, beginNo: 0, endNo: 0, ...over });
    const groups = groupBlankRuns([
      run({ track: 'AC', beginNo: 5, endNo: 9 }),
      run({ beginNo: 300, endNo: 349 }),
      run({ beginNo: 7, endNo: 7 }),
      run({ branchBan: '04595252', beginNo: 100, endNo: 199 }),
    ]);
    expect(groups.map((g) => [g.branchBan, g.track, g.blanks])).toEqual([
      ['04595252', 'AB', [{ begin: 100, end: 199 }]],
      [
        '12458576',
        'AB',
        [
          { begin: 7, end: 7 },
          { begin: 300, end: 349 },
        ],
      ],
      ['12458576', 'AC', [{ begin: 5, end: 9 }]],
    ]);
    const many = Array.from({ length: E0402_MAX_ITEMS + 1 }, (_, i) => run({ beginNo: 2 * i, endNo: 2 * i }));
    expect(groupBlankRuns(many).map((g) => g.blanks.length)).toEqual([E0402_MAX_ITEMS, 1]);
  });

  it('E0402 refuses a run that ends before it begins', () => {
    expect(() => buildE0402({ ...key, blanks: [{ begin: 10, end: 9 }] })).toThrow(MigValueError);
  });
});
