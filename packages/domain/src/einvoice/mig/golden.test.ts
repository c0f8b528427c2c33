/**
 * Golden files: one realistic document per message (three for F0401), compared byte for byte with
 * `golden/*.xml`, and each golden file validated against the official XSDs. Regenerate after a deliberate change
 * with `UPDATE_GOLDEN=1 scripts/test.sh packages/domain/src/einvoice/mig/golden.test.ts` and review the diff.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// @app/xsd is not (yet) a dependency of @app/domain: the tests reach the sibling package by path.
import { createXsdValidator } from '@app/xsd';
import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../rules/amounts.ts';
import { allowanceNumber, allowanceUnitPrice, formatScaledDecimal, splitAllowanceLine } from '../rules/lifecycle.ts';
import { buildE0401, buildE0402, groupBlankRuns } from './branch-track.ts';
import { buildF0401 } from './f0401.ts';
import { buildG0401, type G0401Item } from './g0401.ts';
import type { MigMessageType } from './messages.ts';
import { f0401FromInvoice, GOLDEN_DIR, XSD_DIR } from './test-support.ts';
import { buildF0501, buildF0701, buildG0501, buildG0701 } from './withdrawal.ts';

const SELLER = {
  ban: '04595252',
  name: '範例加油站股份有限公司',
  address: '臺北市中正區忠孝西路一段1號',
  personInCharge: '王大明',
  telephoneNumber: '02-2311-1234',
  emailAddress: 'einvoice@example.com.tw',
};
const BUYER_BAN = '10458575';
const ISSUED_AT = new Date('2025-03-15T09:41:27+08:00');

// B2B, printed: three items, tax split out of the tax-included total (1380 → 1314 + 66 style).
const f0401B2b = f0401FromInvoice(
  {
    seller: SELLER,
    buyer: { ban: BUYER_BAN, name: '大同物流股份有限公司', address: '新北市板橋區文化路一段100號' },
    invoiceType: '07',
    taxType: '1',
    taxRate: '0.05',
    items: [
      { description: '超級柴油', quantity: '120.5', unit: '公升', unitPrice: '28.9' }, // 3482.45 → 3482
      { description: '機油 5W-30 "全合成" & 添加劑', quantity: '2', unit: '瓶', unitPrice: '450', remark: '<促銷>' },
      { description: '洗車', quantity: '1', unitPrice: '250' },
    ],
    printMark: 'Y',
    invoiceTime: ISSUED_AT,
    mainRemark: '月結客戶 A-017',
  },
  { invoiceNumber: 'AB12345678', randomNumber: '7204' },
  { buyerRemark: '1', relateNumber: 'PO-2025-0315' },
);

// B2C with a mobile barcode carrier, not printed; tax-included totals (TaxAmount 0).
const f0401B2cCarrier = f0401FromInvoice(
  {
    seller: SELLER,
    invoiceType: '07',
    taxType: '1',
    taxRate: '0.05',
    items: [
      { description: '無鉛汽油 95', quantity: '30.12', unit: '公升', unitPrice: '31.5' }, // 948.78 → 949
      { description: '礦泉水 600ml', quantity: '2', unit: '瓶', unitPrice: '20' },
    ],
    printMark: 'N',
    carrier: { type: '3J0002', id1: '/ABC+1.-', id2: '/ABC+1.-' },
    invoiceTime: ISSUED_AT,
  },
  { invoiceNumber: 'AB12345679', randomNumber: '0381' },
);

// Export to a business: mixed (9) with a zero-rated and a taxable item, customs marks, foreign currency.
const f0401Mixed = f0401FromInvoice(
  {
    seller: SELLER,
    buyer: { ban: '12458576', name: 'Pacific Marine Supply Co.' },
    invoiceType: '07',
    taxType: '9',
    taxRate: '0.05',
    zeroTax: { customsClearanceMark: '2', zeroTaxRateReason: '71' },
    items: [
      { description: 'Marine gas oil (export)', quantity: '1500', unit: 'L', unitPrice: '27.3', taxType: '2' },
      { description: '碼頭加油服務費', quantity: '1', unitPrice: '2100', taxType: '1' },
    ],
    printMark: 'Y',
    invoiceTime: ISSUED_AT,
  },
  { invoiceNumber: 'AB12345680', randomNumber: '5512' },
  { bondedAreaConfirm: '1' },
);
f0401Mixed.amount = { ...f0401Mixed.amount, originalCurrencyAmount: '1392.6', exchangeRate: '30.9145', currency: 'USD' };

// Allowance against the B2B invoice: part of items 1 and 2 refunded (tax-included amounts split into Amount + Tax).
const allowanceLines = [
  { seq: 1, description: '超級柴油', quantity: '10', unit: '公升', amount: 289n },
  { seq: 2, description: '機油 5W-30 "全合成" & 添加劑', quantity: '1', unit: '瓶', amount: 450n },
];
const g0401Items: G0401Item[] = allowanceLines.map((l) => {
  const { untaxed, tax } = splitAllowanceLine(l.amount, '1', '0.05');
  const q = parseDecimal(l.quantity);
  if (!q.ok) throw new Error('bad quantity');
  return {
    originalInvoiceDate: '2025-03-15',
    originalInvoiceNumber: 'AB12345678',
    originalSequenceNumber: l.seq,
    originalDescription: l.description,
    quantity: l.quantity,
    unit: l.unit,
    unitPrice: formatScaledDecimal(allowanceUnitPrice(untaxed, q.scaled)),
    amount: untaxed,
    tax,
    taxType: '1',
  };
});

const GOLDEN: Record<string, { type: MigMessageType; xml: () => string }> = {
  'F0401-b2b.xml': { type: 'F0401', xml: () => buildF0401(f0401B2b) },
  'F0401-b2c-carrier.xml': { type: 'F0401', xml: () => buildF0401(f0401B2cCarrier) },
  'F0401-mixed-zero-rate.xml': { type: 'F0401', xml: () => buildF0401(f0401Mixed) },
  'F0501.xml': {
    type: 'F0501',
    xml: () =>
      buildF0501({
        invoiceNumber: 'AB12345679',
        invoiceDate: '2025-03-15',
        sellerBan: SELLER.ban,
        buyerBan: null,
        cancelTime: new Date('2025-03-15T10:02:00+08:00'),
        reason: '  商品退貨\n全額作廢 ',
        remark: '顧客當日退貨',
      }),
  },
  'F0701.xml': {
    type: 'F0701',
    xml: () =>
      buildF0701({
        invoiceNumber: 'AB12345678',
        invoiceDate: '2025-03-15',
        sellerBan: SELLER.ban,
        buyerBan: BUYER_BAN,
        voidTime: new Date('2025-03-16T14:20:05+08:00'),
        reason: '買方統編更正',
      }),
  },
  'G0401.xml': {
    type: 'G0401',
    xml: () =>
      buildG0401({
        allowanceNumber: allowanceNumber(SELLER.ban, 17),
        allowanceDate: '2025-05-06',
        seller: SELLER,
        buyer: { ban: BUYER_BAN, name: '大同物流股份有限公司' },
        items: g0401Items,
        taxAmount: g0401Items.reduce((s, i) => s + BigInt(i.tax), 0n),
        totalAmount: g0401Items.reduce((s, i) => s + BigInt(i.amount), 0n),
      }),
  },
  'G0501.xml': {
    type: 'G0501',
    xml: () =>
      buildG0501({
        allowanceNumber: allowanceNumber(SELLER.ban, 17),
        allowanceDate: '2025-05-06',
        sellerBan: SELLER.ban,
        buyerBan: BUYER_BAN,
        cancelTime: new Date('2025-05-07T08:00:00+08:00'),
        reason: '折讓金額有誤',
      }),
  },
  'G0701.xml': {
    type: 'G0701',
    xml: () =>
      buildG0701({
        allowanceNumber: allowanceNumber(SELLER.ban, 18),
        allowanceDate: '2025-05-06',
        sellerBan: SELLER.ban,
        voidTime: new Date('2025-05-06T23:59:59.999+08:00'),
        reason: '重開折讓單',
        remark: '原折讓單資料錯誤',
      }),
  },
  'E0401.xml': {
    type: 'E0401',
    xml: () =>
      buildE0401({
        headBan: SELLER.ban,
        branchBan: '12458576',
        invoiceType: '07',
        yearMonth: '11404',
        track: 'AB',
        range: { begin: 12_345_000, end: 12_345_999 },
        blocks: [
          { begin: 12_345_500, end: 12_345_649 },
          { begin: 12_345_100, end: 12_345_199 },
        ],
      }),
  },
  'E0402.xml': {
    type: 'E0402',
    xml: () => {
      const [first, ...rest] = groupBlankRuns([
        {
          headBan: SELLER.ban,
          branchBan: SELLER.ban,
          invoiceType: '07',
          yearMonth: '11404',
          track: 'AB',
          beginNo: 12_345_879,
          endNo: 12_345_999,
        },
        {
          headBan: SELLER.ban,
          branchBan: SELLER.ban,
          invoiceType: '07',
          yearMonth: '11404',
          track: 'AB',
          beginNo: 12_345_000,
          endNo: 12_345_099,
        },
        {
          headBan: SELLER.ban,
          branchBan: SELLER.ban,
          invoiceType: '07',
          yearMonth: '11404',
          track: 'AB',
          beginNo: 12_345_237,
          endNo: 12_345_249,
        },
      ]);
      expect(rest).toEqual([]);
      return buildE0402(first as NonNullable<typeof first>);
    },
  },
};

describe('golden MIG documents', () => {
  it.each(Object.keys(GOLDEN))('%s is reproduced byte for byte', (file) => {
    const built = Buffer.from((GOLDEN[file] as (typeof GOLDEN)[string]).xml(), 'utf8');
    const path = join(GOLDEN_DIR, file);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, built);
    expect(built.equals(readFileSync(path)), `${file} differs from the golden file`).toBe(true);
  });

  it('every golden file is valid against the official MIG 4.1 XSDs', async () => {
    const xsd = createXsdValidator(XSD_DIR);
    for (const [file, g] of Object.entries(GOLDEN)) {
      const [r] = await xsd.validate(g.type, [{ name: file, xml: readFileSync(join(GOLDEN_DIR, file), 'utf8') }]);
      expect(r, file).toEqual({ name: file, ok: true, errors: [] });
    }
  });

  it('the F0401 goldens carry the totals of the domain rules', () => {
    // [HO]-style split for B2B: tax-included 3482 + 900 + 250 = 4632 → 4411 + 221.
    expect(f0401B2b.amount).toMatchObject({ salesAmount: 4411n, taxAmount: 221n, totalAmount: 4632n });
    // B2C: tax included in SalesAmount, TaxAmount 0 (the UNVERIFIED B2C convention of amounts.ts).
    expect(f0401B2cCarrier.amount).toMatchObject({ salesAmount: 989n, taxAmount: 0n, totalAmount: 989n });
    expect(f0401Mixed.amount).toMatchObject({ salesAmount: 2000n, zeroTaxSalesAmount: 40950n, taxAmount: 100n });
  });
});
