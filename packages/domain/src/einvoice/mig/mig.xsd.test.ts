/**
 * Property tests: fast-check generates many business-valid inputs of every message — invoices through the domain's
 * own `validateInvoice`/`computeTotals`, allowances through `splitAllowanceLine`/`allowanceUnitPrice`, blank runs
 * through `rangeBlanks` — the builders write them, and every document is validated against the official MIG 4.1
 * XSDs with packages/xsd, many documents per xmllint run. No document may fail.
 *
 * Samples are drawn with a seed (printed on failure; set FC_SEED to replay one).
 */

// @app/xsd is not (yet) a dependency of @app/domain: the tests reach the sibling package by path.
import { createXsdValidator, type XsdValidator } from '@app/xsd';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BlankBlock, type BlankRange, BOOKLET, type Interval, rangeBlanks } from '../allocation.ts';
import { isValidBan } from '../ban.ts';
import { periodOf } from '../period.ts';
import { type InvoiceType, parseDecimal, SPECIAL_TAX_RATES, type TaxRate, type TaxType } from '../rules/amounts.ts';
import { charLength } from '../rules/formats.ts';
import {
  type CarrierInput,
  CUSTOMS_CLEARANCE_MARKS,
  type InvoiceInput,
  type InvoiceItemInput,
  ZERO_TAX_RATE_REASONS,
} from '../rules/invoice-rules.ts';
import {
  allowanceNumber,
  allowanceUnitPrice,
  collapseWhitespace,
  formatScaledDecimal,
  MAX_ALLOWANCE_COUNTER,
  splitAllowanceLine,
  taipeiIsoDate,
} from '../rules/lifecycle.ts';
import { type BlankRun, buildE0401, buildE0402, groupBlankRuns } from './branch-track.ts';
import { buildF0401, type F0401Input } from './f0401.ts';
import { buildG0401, type G0401Item } from './g0401.ts';
import type { MigMessageType } from './messages.ts';
import { f0401FromInvoice, XSD_DIR } from './test-support.ts';
import { buildF0501, buildF0701, buildG0501, buildG0701 } from './withdrawal.ts';

const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
const sample = <T>(arb: fc.Arbitrary<T>, numRuns: number): T[] => fc.sample(arb, { numRuns, seed: SEED });

let xsd: XsdValidator;
beforeAll(() => {
  xsd = createXsdValidator(XSD_DIR);
});

/** Validate all `xmls` as `type`, and fail listing the first invalid documents with their errors. */
async function expectAllValid(type: MigMessageType, xmls: readonly string[]): Promise<void> {
  const results = await xsd.validate(
    type,
    xmls.map((xml, i) => ({ name: `${type}#${i}`, xml })),
  );
  expect(results).toHaveLength(xmls.length);
  const failed = results.filter((r) => !r.ok);
  const report = failed.slice(0, 3).map((r) => {
    const i = Number(r.name.split('#')[1]);
    return `${r.name}: ${r.errors.join(' | ')}\n${xmls[i]}`;
  });
  expect(failed.length, `FC_SEED=${SEED}: ${failed.length} of ${xmls.length} ${type} invalid\n${report.join('\n')}`).toBe(0);
}

// ---------------------------------------------------------------- building blocks

const AFTER_2023_RULE = new Date('2024-01-01T00:00:00+08:00');
const digits = (min: number, max = min) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const upper = (n: number) => fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), minLength: n, maxLength: n });

/** A BAN valid under the 2023 rule (every 7-digit prefix has two check digits that pass), never 00000000. */
const banArb = fc.tuple(digits(7), fc.nat(9)).map(([prefix, k]) => {
  const ok = [...'0123456789'].map((d) => prefix + d).filter((b) => b !== '00000000' && isValidBan(b, AFTER_2023_RULE));
  return ok[k % ok.length] as string;
});

/** Text exercising escaping and code-point lengths: CJK, XML specials, an astral character, blanks. */
const CHARS = [...'AZaz09 -.測試加油站發票股份有限公司', '&', '<', '>', '"', "'", '𠀀', '😀', '\t', '\n'];
const textArb = (min: number, max: number) =>
  fc
    .string({ unit: fc.constantFrom(...CHARS), minLength: min, maxLength: max })
    .filter((s) => (min === 0 || s.trim() !== '') && charLength(s) <= max);
const optText = (max: number) => fc.option(textArb(1, max), { nil: undefined });

/** A decimal string with up to `frac` fraction digits (trailing zeros kept: the builder writes the short form). */
const decimalArb = (minInt: number, maxInt: number, frac = 7) =>
  fc
    .tuple(fc.integer({ min: minInt, max: maxInt }), fc.integer({ min: 0, max: frac }), fc.integer({ min: 0, max: 9_999_999 }))
    .map(([i, n, f]) => (n === 0 ? String(i) : `${i}.${String(f).padStart(7, '0').slice(0, n)}`));

const instantArb = fc
  .integer({ min: Date.parse('2024-01-01T00:00:00+08:00'), max: Date.parse('2026-12-31T23:59:59+08:00') })
  .map((t) => new Date(t));

const sellerArb = fc.record({ ban: banArb, name: textArb(1, 60), address: textArb(1, 100) });

const mobileCarrier: fc.Arbitrary<CarrierInput> = fc
  .string({ unit: fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.+-'), minLength: 7, maxLength: 7 })
  .map((s) => ({ type: '3J0002', id1: `/${s}`, id2: `/${s}` }));
const citizenCarrier: fc.Arbitrary<CarrierInput> = fc
  .tuple(upper(2), digits(14))
  .map(([l, d]) => ({ type: 'CQ0001', id1: l + d, id2: l + d }));
const memberId = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFabcdef@._-'), minLength: 1, maxLength: 64 });
const memberCarrier: fc.Arbitrary<CarrierInput> = fc
  .record({
    t: fc.tuple(fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), upper(1), digits(4)),
    id1: memberId,
    id2: memberId,
  })
  .map(({ t, id1, id2 }) => ({ type: t.join(''), id1, id2 }));

/** Items; the first has quantity ≥ 1 and unit price ≥ 1, so the total is positive (E0105). */
const itemsArb = (taxTypes: fc.Arbitrary<TaxType | undefined>, min = 1, max = 8) =>
  fc
    .array(
      fc.record({
        description: textArb(1, 500),
        quantity: decimalArb(0, 9999).filter((q) => /[1-9]/.test(q)),
        unit: optText(6),
        unitPrice: decimalArb(0, 99_999),
        taxType: taxTypes,
        remark: optText(120),
      }),
      { minLength: min, maxLength: max },
    )
    .chain((items) =>
      fc.tuple(decimalArb(1, 50), decimalArb(1, 5000)).map(([quantity, unitPrice]): InvoiceItemInput[] => {
        const [first, ...rest] = items;
        return [{ ...(first as InvoiceItemInput), quantity, unitPrice }, ...rest].map((it) =>
          Object.fromEntries(Object.entries(it).filter(([, v]) => v !== undefined)),
        ) as InvoiceItemInput[];
      }),
    );

const zeroTaxArb = fc.record({
  customsClearanceMark: fc.constantFrom(...CUSTOMS_CLEARANCE_MARKS),
  zeroTaxRateReason: fc.constantFrom(...ZERO_TAX_RATE_REASONS),
});

const businessBuyer = fc.record({ ban: banArb, name: fc.option(textArb(1, 60), { nil: undefined }), address: optText(100) });

type Scenario = {
  buyer?: InvoiceInput['buyer'];
  invoiceType: InvoiceType;
  taxType: TaxType;
  taxRate: TaxRate;
  items: InvoiceItemInput[];
  printMark: 'Y' | 'N';
  carrier?: CarrierInput | null;
  donation?: { npoban: string } | null;
  zeroTax?: InvoiceInput['zeroTax'];
};

const general07 = (taxType: '1' | '2' | '3'): Pick<Scenario, 'invoiceType' | 'taxType' | 'taxRate'> => ({
  invoiceType: '07',
  taxType,
  taxRate: taxType === '1' ? '0.05' : '0',
});
const sameTaxType = (t: TaxType) => fc.option(fc.constant(t), { nil: undefined });

/** The invoice kinds of the brief: B2B, B2C with each carrier, donation, printed, zero rate, tax free, 08, mixed 9. */
const SCENARIOS: Record<string, fc.Arbitrary<Scenario>> = {
  'B2B printed (optionally with a mobile barcode)': fc.record({
    ...constants({ ...general07('1'), printMark: 'Y' as const }),
    buyer: businessBuyer,
    carrier: fc.option(mobileCarrier, { nil: null }),
    items: itemsArb(sameTaxType('1')),
  }),
  'B2C mobile barcode 3J0002': fc.record({
    ...constants({ ...general07('1'), printMark: 'N' as const }),
    carrier: mobileCarrier,
    items: itemsArb(sameTaxType('1')),
  }),
  'B2C citizen certificate CQ0001': fc.record({
    ...constants({ ...general07('1'), printMark: 'N' as const }),
    carrier: citizenCarrier,
    items: itemsArb(sameTaxType('1')),
  }),
  'B2C member carrier': fc.record({
    ...constants({ ...general07('1'), printMark: 'N' as const }),
    carrier: memberCarrier,
    items: itemsArb(sameTaxType('1')),
  }),
  'B2C donated (NPOBAN)': fc.record({
    ...constants({ ...general07('1'), printMark: 'N' as const }),
    donation: digits(3, 7).map((npoban) => ({ npoban })),
    items: itemsArb(sameTaxType('1')),
  }),
  'B2C printed': fc.record({
    ...constants({ ...general07('1'), printMark: 'Y' as const }),
    buyer: fc.option(fc.record({ name: textArb(1, 60) }), { nil: null }),
    items: itemsArb(sameTaxType('1')),
  }),
  'zero rate (CustomsClearanceMark + ZeroTaxRateReason)': fc.record({
    ...constants({ ...general07('2'), printMark: 'Y' as const }),
    buyer: fc.option(businessBuyer, { nil: null }),
    zeroTax: zeroTaxArb,
    items: itemsArb(sameTaxType('2')),
  }),
  'tax free': fc.record({
    ...constants({ ...general07('3'), printMark: 'Y' as const }),
    buyer: fc.option(businessBuyer, { nil: null }),
    items: itemsArb(sameTaxType('3')),
  }),
  'special tax (InvoiceType 08)': fc.constantFrom<TaxType>('1', '4').chain((taxType) =>
    fc.record({
      ...constants({ invoiceType: '08' as const, taxType, printMark: 'Y' as const }),
      taxRate: fc.constantFrom(...SPECIAL_TAX_RATES),
      buyer: fc.option(businessBuyer, { nil: null }),
      items: itemsArb(sameTaxType(taxType)),
    }),
  ),
  'mixed (TaxType 9)': fc
    .record({
      buyer: fc.option(businessBuyer, { nil: null }),
      items: itemsArb(fc.constantFrom<TaxType>('1', '2', '3'), 2, 8),
      other: fc.constantFrom<TaxType>('2', '3'),
      zeroTax: zeroTaxArb,
    })
    .map(({ buyer, items, other, zeroTax }): Scenario => {
      const mixed = items.map((it, i) => ({ ...it, taxType: i === 0 ? '1' : i === 1 ? other : it.taxType }));
      const hasZero = mixed.some((it) => it.taxType === '2');
      return { ...general07('1'), taxType: '9', buyer, items: mixed, printMark: 'Y', zeroTax: hasZero ? zeroTax : null };
    }),
};

function constants<T extends Record<string, unknown>>(values: T): { [K in keyof T]: fc.Arbitrary<T[K]> } {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, fc.constant(v)])) as {
    [K in keyof T]: fc.Arbitrary<T[K]>;
  };
}

/** Builder-only fields validateInvoice does not cover: party details, remarks, reserved fields, currency. */
const extrasArb = fc.record({
  sellerDetails: fc.record({
    personInCharge: optText(30),
    telephoneNumber: optText(26),
    facsimileNumber: optText(26),
    emailAddress: optText(400),
    customerNumber: optText(20),
    roleRemark: optText(40),
  }),
  buyerRemark: fc.option(fc.constantFrom<'1' | '2' | '3' | '4'>('1', '2', '3', '4'), { nil: undefined }),
  category: optText(2),
  relateNumber: optText(20),
  groupMark: fc.option(fc.boolean(), { nil: undefined }),
  bondedAreaConfirm: fc.option(fc.constantFrom<'1' | '2' | '3' | '4'>('1', '2', '3', '4'), { nil: undefined }),
  reserved1: optText(20),
  reserved2: optText(100),
  itemRelateNumber: optText(50),
  currency: fc.option(
    fc.record({
      originalCurrencyAmount: decimalArb(0, 10_000_000),
      exchangeRate: decimalArb(0, 99_999_999, 5),
      currency: fc.constantFrom('USD', 'JPY', 'EUR', 'CNY'),
      discountAmount: decimalArb(0, 1000),
    }),
    { nil: undefined },
  ),
});

const f0401Arb = (scenario: fc.Arbitrary<Scenario>): fc.Arbitrary<F0401Input> =>
  fc
    .record({
      scenario,
      seller: sellerArb,
      invoiceTime: instantArb,
      mainRemark: optText(200),
      invoiceNumber: fc.tuple(upper(2), digits(8)).map(([t, n]) => t + n),
      randomNumber: digits(4),
      extras: extrasArb,
    })
    .map(({ scenario: s, seller, invoiceTime, mainRemark, invoiceNumber, randomNumber, extras: x }) => {
      const input = f0401FromInvoice(
        { ...s, seller, invoiceTime, ...(mainRemark === undefined ? {} : { mainRemark }) },
        { invoiceNumber, randomNumber },
        {
          buyerRemark: x.buyerRemark,
          category: x.category,
          relateNumber: x.relateNumber,
          groupMark: x.groupMark,
          bondedAreaConfirm: x.bondedAreaConfirm,
          reserved1: x.reserved1,
          reserved2: x.reserved2,
        },
      );
      return {
        ...input,
        seller: { ...input.seller, ...x.sellerDetails },
        items: input.items.map((it, i) => (i === 0 ? { ...it, relateNumber: x.itemRelateNumber } : it)),
        amount: { ...input.amount, ...x.currency },
      };
    });

// ---------------------------------------------------------------- F0401

describe('F0401: generated invoices are valid against v41/F0401.xsd', () => {
  it.each(Object.keys(SCENARIOS))('%s', async (name) => {
    const inputs = sample(f0401Arb(SCENARIOS[name] as fc.Arbitrary<Scenario>), 60);
    await expectAllValid(
      'F0401',
      inputs.map((i) => buildF0401(i)),
    );
  });

  it('9,999 items (ProductItem maxOccurs)', async () => {
    const [base] = sample(f0401Arb(SCENARIOS['B2C mobile barcode 3J0002'] as fc.Arbitrary<Scenario>), 1);
    const items: InvoiceItemInput[] = Array.from({ length: 9999 }, (_, i) => ({
      description: `品項 ${i + 1} & <測試>`,
      quantity: String((i % 7) + 1),
      unit: '個',
      unitPrice: `${i % 500}.${String(i % 100).padStart(2, '0')}`,
    }));
    const input = f0401FromInvoice(
      {
        seller: (base as F0401Input).seller,
        invoiceType: '07',
        taxType: '1',
        taxRate: '0.05',
        items,
        printMark: 'N',
        carrier: (base as F0401Input).carrier ?? null,
        invoiceTime: (base as F0401Input).invoiceTime,
      },
      { invoiceNumber: 'ZZ99999999', randomNumber: '9999' },
    );
    const xml = buildF0401(input);
    expect(xml.match(/<ProductItem>/g)).toHaveLength(9999);
    expect(xml).toContain('<SequenceNumber>9999</SequenceNumber>');
    await expectAllValid('F0401', [xml]);
  });
});

// ---------------------------------------------------------------- G0401

const anyInvoice = fc.oneof(...Object.values(SCENARIOS).map(f0401Arb));

/** An allowance over several items of a generated invoice: tax-included refunds split by the domain's rules. */
const g0401Arb = anyInvoice.chain((inv) => {
  const refundable = inv.items.map((it, i) => ({ it, i })).filter((x) => BigInt(x.it.amount) > 0n);
  return fc
    .record({
      picks: fc.shuffledSubarray(refundable, { minLength: 1, maxLength: Math.min(refundable.length, 20) }),
      counter: fc.integer({ min: 1, max: MAX_ALLOWANCE_COUNTER }),
      daysLater: fc.integer({ min: 0, max: 90 }),
    })
    .chain(({ picks, counter, daysLater }) =>
      fc
        .tuple(...picks.map((p) => fc.tuple(fc.bigInt({ min: 1n, max: BigInt(p.it.amount) }), decimalArb(1, 100, 3))))
        .map((refunds) => {
          const invoiceDate = taipeiIsoDate(inv.invoiceTime);
          const items: G0401Item[] = picks.map((p, k) => {
            const [refund, quantity] = refunds[k] as [bigint, string];
            const taxType = (p.it.taxType ?? inv.amount.taxType) as TaxType;
            const { untaxed, tax } = splitAllowanceLine(refund, taxType, inv.amount.taxRate);
            const q = parseDecimal(quantity);
            if (!q.ok) throw new Error(`bad quantity ${quantity}`);
            return {
              originalInvoiceDate: invoiceDate,
              originalInvoiceNumber: inv.invoiceNumber,
              originalSequenceNumber: p.i + 1,
              originalDescription: p.it.description,
              quantity,
              unit: p.it.unit,
              unitPrice: formatScaledDecimal(allowanceUnitPrice(untaxed, q.scaled)),
              amount: untaxed,
              tax,
              taxType,
            };
          });
          return buildG0401({
            allowanceNumber: allowanceNumber(inv.seller.ban, counter),
            allowanceDate: new Date(inv.invoiceTime.getTime() + daysLater * 86_400_000),
            seller: inv.seller,
            buyer: inv.buyer,
            originalInvoiceSellerBan: counter % 3 === 0 ? inv.seller.ban : undefined,
            originalInvoiceBuyerBan: counter % 3 === 0 ? (inv.buyer?.ban ?? undefined) : undefined,
            items,
            taxAmount: items.reduce((s, i) => s + (i.tax as bigint), 0n),
            totalAmount: items.reduce((s, i) => s + (i.amount as bigint), 0n),
          });
        }),
    );
});

describe('G0401: generated allowances are valid against v41/G0401.xsd', () => {
  it('allowances over several items of generated invoices', async () => {
    const xmls = sample(g0401Arb, 300);
    expect(xmls.some((x) => (x.match(/<ProductItem>/g) ?? []).length > 1)).toBe(true);
    await expectAllValid('G0401', xmls);
  });
});

// ---------------------------------------------------------------- F0501, F0701, G0501, G0701

const WHITESPACE_CHARS = [...CHARS, ' ', ' ', '\r\n'];
/** CancelReason / VoidReason: 1..20 characters after whitespace collapse (raw text may carry more blanks). */
const reasonArb = fc.string({ unit: fc.constantFrom(...WHITESPACE_CHARS), minLength: 1, maxLength: 30 }).filter((s) => {
  const n = charLength(collapseWhitespace(s));
  return n >= 1 && n <= 20;
});
const remarkArb = fc.option(
  fc
    .string({ unit: fc.constantFrom(...WHITESPACE_CHARS), maxLength: 220 })
    .filter((s) => charLength(collapseWhitespace(s)) <= 200),
  { nil: undefined },
);

const withdrawalBase = fc.record({
  sellerBan: banArb,
  buyerBan: fc.option(banArb, { nil: null }),
  date: instantArb,
  minutesLater: fc.integer({ min: 0, max: 60 * 24 * 60 }),
  reason: reasonArb,
  remark: remarkArb,
});
const invoiceNumberArb = fc.tuple(upper(2), digits(8)).map(([t, n]) => t + n);
const allowanceTypeArb = fc.option(fc.constantFrom<'1' | '2'>('1', '2'), { nil: undefined });
const later = (d: Date, minutes: number) => new Date(d.getTime() + minutes * 60_000);

describe('F0501, F0701, G0501, G0701: generated documents are valid', () => {
  it('F0501 cancel invoice', async () => {
    const arb = fc
      .record({
        b: withdrawalBase,
        n: invoiceNumberArb,
        doc: fc.option(textArb(1, 60), { nil: undefined }),
        r1: optText(20),
        r2: optText(100),
      })
      .map(({ b, n, doc, r1, r2 }) =>
        buildF0501({
          invoiceNumber: n,
          invoiceDate: taipeiIsoDate(b.date),
          sellerBan: b.sellerBan,
          buyerBan: b.buyerBan,
          cancelTime: later(b.date, b.minutesLater),
          reason: b.reason,
          remark: b.remark,
          returnTaxDocumentNumber: doc,
          reserved1: r1,
          reserved2: r2,
        }),
      );
    await expectAllValid('F0501', sample(arb, 300));
  });

  it('F0701 void invoice', async () => {
    const arb = fc.record({ b: withdrawalBase, n: invoiceNumberArb, r1: optText(20), r2: optText(100) }).map(({ b, n, r1, r2 }) =>
      buildF0701({
        invoiceNumber: n,
        invoiceDate: b.date,
        sellerBan: b.sellerBan,
        buyerBan: b.buyerBan,
        voidTime: later(b.date, b.minutesLater),
        reason: b.reason,
        remark: b.remark,
        reserved1: r1,
        reserved2: r2,
      }),
    );
    await expectAllValid('F0701', sample(arb, 300));
  });

  const allowanceWithdrawal = fc.record({
    b: withdrawalBase,
    counter: fc.integer({ min: 1, max: MAX_ALLOWANCE_COUNTER }),
    t: allowanceTypeArb,
  });

  it('G0501 cancel allowance', async () => {
    const arb = allowanceWithdrawal.map(({ b, counter, t }) =>
      buildG0501({
        allowanceNumber: allowanceNumber(b.sellerBan, counter),
        allowanceType: t,
        allowanceDate: taipeiIsoDate(b.date),
        sellerBan: b.sellerBan,
        buyerBan: b.buyerBan,
        cancelTime: later(b.date, b.minutesLater),
        reason: b.reason,
        remark: b.remark,
      }),
    );
    await expectAllValid('G0501', sample(arb, 300));
  });

  it('G0701 void allowance', async () => {
    const arb = allowanceWithdrawal.map(({ b, counter, t }) =>
      buildG0701({
        allowanceNumber: allowanceNumber(b.sellerBan, counter),
        allowanceType: t,
        allowanceDate: b.date,
        sellerBan: b.sellerBan,
        buyerBan: b.buyerBan,
        voidTime: later(b.date, b.minutesLater),
        reason: b.reason,
        remark: b.remark,
      }),
    );
    await expectAllValid('G0701', sample(arb, 300));
  });
});

// ---------------------------------------------------------------- E0401, E0402

const trackKeyArb = fc.record({
  headBan: banArb,
  branchBan: banArb,
  invoiceType: fc.constantFrom<InvoiceType>('07', '08'),
  yearMonth: instantArb.map((d) => periodOf(d).yearMonth as string),
  track: upper(2),
});

/** A booklet-aligned range and disjoint booklet-aligned blocks inside it (each with a next number and maybe a hole). */
const rangeWithBlocksArb = fc
  .record({
    firstBooklet: fc.integer({ min: 0, max: Math.floor(100_000_000 / BOOKLET) - 400 }),
    booklets: fc.integer({ min: 1, max: 400 }),
    cuts: fc.array(fc.record({ skip: fc.integer({ min: 0, max: 3 }), size: fc.integer({ min: 1, max: 8 }) }), {
      minLength: 1,
      maxLength: 12,
    }),
  })
  .map(({ firstBooklet, booklets, cuts }) => {
    const range: Interval = { begin: firstBooklet * BOOKLET, end: (firstBooklet + booklets) * BOOKLET - 1 };
    const blocks: Interval[] = [];
    let cursor = range.begin;
    for (const c of cuts) {
      const begin = cursor + c.skip * BOOKLET;
      const end = begin + c.size * BOOKLET - 1;
      if (end > range.end) break;
      blocks.push({ begin, end });
      cursor = end + 1;
    }
    if (blocks.length === 0) blocks.push({ begin: range.begin, end: range.begin + BOOKLET - 1 });
    return { range, blocks };
  });

describe('E0401, E0402: generated documents are valid', () => {
  it('E0401 branch tracks from blocks of a range', async () => {
    const arb = fc.record({ key: trackKeyArb, rb: rangeWithBlocksArb }).map(({ key, rb }) => buildE0401({ ...key, ...rb }));
    await expectAllValid('E0401', sample(arb, 300));
  });

  it('E0402 blank runs computed by rangeBlanks, grouped per key with several runs', async () => {
    const arb = fc
      .record({
        key: trackKeyArb,
        ranges: fc.array(fc.record({ track: upper(2), rb: rangeWithBlocksArb }), { minLength: 1, maxLength: 3 }),
        usage: fc.array(fc.record({ used: fc.nat(), hole: fc.boolean(), branch: fc.boolean() }), {
          minLength: 12,
          maxLength: 12,
        }),
      })
      .map(({ key, ranges, usage }) => {
        const runs: BlankRun[] = [];
        for (const [r, { track, rb }] of ranges.entries()) {
          const range: BlankRange = { id: `r${r}`, ban: key.headBan, ...rb.range };
          const blocks: BlankBlock[] = rb.blocks.map((b, i) => {
            const u = usage[i % usage.length] as { used: number; hole: boolean; branch: boolean };
            const nextNo = b.begin + (u.used % (b.end - b.begin + 2));
            const holes = u.hole && nextNo - b.begin >= 3 ? [{ begin: b.begin + 1, end: b.begin + 1 }] : [];
            return { id: `b${r}-${i}`, rangeId: range.id, ...b, nextNo, holes, ban: u.branch ? key.branchBan : key.headBan };
          });
          for (const { spans } of rangeBlanks([range], blocks)) {
            for (const s of spans) runs.push({ ...key, branchBan: s.ban, track, beginNo: s.begin, endNo: s.end });
          }
        }
        return groupBlankRuns(runs).map((m) => buildE0402(m));
      });
    const xmls = sample(arb, 200).flat();
    expect(xmls.length).toBeGreaterThan(200);
    expect(xmls.some((x) => (x.match(/<BranchTrackBlankItem>/g) ?? []).length >= 3)).toBe(true);
    await expectAllValid('E0402', xmls);
  });
});

// ---------------------------------------------------------------- negative: the XSD check does catch mistakes

describe('the XSD validation reports broken documents, naming the element', () => {
  const [valid] = sample(f0401Arb(SCENARIOS['B2B printed (optionally with a mobile barcode)'] as fc.Arbitrary<Scenario>), 1);
  const base = valid as F0401Input;

  it('a required element missing (InvoiceType removed from Main)', async () => {
    const xml = buildF0401(base).replace(/\s*<InvoiceType>07<\/InvoiceType>/, '');
    const [r] = await xsd.validate('F0401', [{ name: 'missing', xml }]);
    expect(r?.ok).toBe(false);
    expect(r?.errors.join('\n')).toMatch(/Element 'Main': Missing child element\(s\)\. Expected is .*InvoiceType/);
  });

  it('a field longer than its maxLength (Seller Name of 61 characters)', async () => {
    const xml = buildF0401({ ...base, seller: { ...base.seller, name: '測'.repeat(61) } });
    const [r] = await xsd.validate('F0401', [{ name: 'long', xml }]);
    expect(r?.ok).toBe(false);
    expect(r?.errors).toEqual([expect.stringMatching(/^line \d+: Element 'Name': \[facet 'maxLength'\].*'61'.*'60'/)]);
  });

  it('values outside an enumeration or pattern (CarrierType of 7, TaxRate 0.06, RandomNumber 12a4)', async () => {
    const xml = buildF0401({
      ...base,
      randomNumber: '12a4',
      carrier: { type: '3J00020', id1: '/ABCDEFG', id2: '/ABCDEFG' },
      amount: { ...base.amount, taxRate: '0.06' as TaxRate },
    });
    const [r] = await xsd.validate('F0401', [{ name: 'enum', xml }]);
    const errors = r?.errors.join('\n') ?? '';
    expect(errors).toMatch(/Element 'CarrierType'/);
    expect(errors).toMatch(/Element 'RandomNumber'/);
    expect(errors).toMatch(/Element 'TaxRate'/);
  });

  it('in one batch, only the broken documents fail', async () => {
    const good = buildF0401(base);
    const bad = buildF0501({
      invoiceNumber: 'ab12345678',
      invoiceDate: '2025-01-05',
      sellerBan: base.seller.ban,
      cancelTime: new Date(),
      reason: 'x',
    });
    const results = await xsd.validate('F0401', [
      { name: 'good-1', xml: good },
      { name: 'wrong-message', xml: bad },
      { name: 'good-2', xml: good },
      { name: 'not-xml', xml: '<Invoice>' },
    ]);
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['good-1', true],
      ['wrong-message', false],
      ['good-2', true],
      ['not-xml', false],
    ]);
    expect(results[1]?.errors).toEqual([
      expect.stringMatching(/No matching global declaration available for the validation root/),
    ]);
    expect(results[3]?.errors[0]).toMatch(/^line 1: parser error: /);
  });
});
