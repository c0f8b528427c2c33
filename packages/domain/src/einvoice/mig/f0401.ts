/**
 * F0401 平台存證開立發票 (`Invoice`, urn:GEINV:eInvoiceMessage:F0401:4.1) — einvoice-domain.md §2, v41/F0401.xsd.
 *
 * Elements are written in the XSD's declaration order. The root, Main, ProductItem and Amount are `xsd:all` (any
 * order validates), Seller/Buyer are a sequence (order required); declaration order is safe for both.
 *
 * The builder formats what it is given; the business rules (print/carrier/donation combinations, zero-rate marks,
 * tax type and rate, totals) belong to `validateInvoice`/`computeTotals`, whose output maps straight onto this input
 * (`amount` takes a `Totals`).
 */
import type { InvoiceType, MixedItemTaxType, TaxRate, TaxType } from '../rules/amounts.ts';
import type { CustomsClearanceMark, PrintMark, ZeroTaxRateReason } from '../rules/invoice-rules.ts';
import {
  DECIMAL_13_5,
  type DecimalFacets,
  type DecimalInput,
  MigValueError,
  type MoneyInput,
  migDate,
  migDecimal,
  migMoney,
  migSequence,
  migTime,
} from './format.ts';
import { openMessage } from './messages.ts';
import { type MigBuyer, type MigSeller, writeBuyer, writeSeller } from './party.ts';

export type F0401Item = {
  /** Description (≤ 500). */
  description: string;
  quantity: DecimalInput;
  unit?: string | null;
  unitPrice: DecimalInput;
  /**
   * The item's TaxType (required by the XSD on every item). Absent: the invoice's `amount.taxType` — except on a mixed
   * (9) invoice, where each item must say 1, 2 or 3 ([GW-VAL] "TaxType can not be '9' in ProductItem").
   */
  taxType?: TaxType | MixedItemTaxType | null;
  /** The line amount (whole TWD in this system; the XSD allows 7 decimals). */
  amount: DecimalInput;
  /** SequenceNumber (string ≤ 4). Absent: the item's position from 1; a number is zero-padded (`0001`). */
  sequenceNumber?: number | string | null;
  remark?: string | null;
  relateNumber?: string | null;
};

/** The Amount block. A `Totals` from `computeTotals` fits as it is. */
export type F0401Amount = {
  salesAmount: MoneyInput;
  freeTaxSalesAmount: MoneyInput;
  zeroTaxSalesAmount: MoneyInput;
  taxType: TaxType;
  taxRate: TaxRate;
  taxAmount: MoneyInput;
  totalAmount: MoneyInput;
  discountAmount?: DecimalInput | null;
  originalCurrencyAmount?: DecimalInput | null;
  /** totalDigits 13, fractionDigits 5. */
  exchangeRate?: DecimalInput | null;
  /** ISO 4217 (`CurrencyCodeEnum`), e.g. `USD`. */
  currency?: string | null;
};

export type F0401Input = {
  invoiceNumber: string;
  /** The issuing instant: InvoiceDate `YYYYMMDD` and InvoiceTime `HH:mm:ss`, both Asia/Taipei. */
  invoiceTime: Date;
  seller: MigSeller;
  /** Absent, or without `ban`: a consumer (Buyer Identifier `0000000000`). */
  buyer?: MigBuyer | null;
  /** BuyerRemark 1..4 (買受人註記). */
  buyerRemark?: '1' | '2' | '3' | '4' | null;
  mainRemark?: string | null;
  /** Category (沖帳別, ≤ 2). */
  category?: string | null;
  relateNumber?: string | null;
  invoiceType: InvoiceType;
  /** GroupMark `*` (彙開註記). */
  groupMark?: boolean | null;
  printMark: PrintMark;
  /** CarrierType, CarrierId1 (顯碼), CarrierId2 (隱碼). */
  carrier?: { type: string; id1: string; id2: string } | null;
  /** Present: DonateMark 1 and NPOBAN; absent: DonateMark 0. */
  donation?: { npoban: string } | null;
  /**
   * 4 digits. Optional in the XSD; this system always has one — einvoice-domain.md §4.2: recalled, UNVERIFIED that the
   * MIG requires it for B2C; open question 3 for B2B.
   */
  randomNumber?: string | null;
  /** BondedAreaConfirm 1..4 (買受人簽署適用零稅率註記). */
  bondedAreaConfirm?: '1' | '2' | '3' | '4' | null;
  /** CustomsClearanceMark and ZeroTaxRateReason, for zero-rated sales (the shape of `InvoiceInput.zeroTax`). */
  zeroTax?: {
    customsClearanceMark?: CustomsClearanceMark | null;
    zeroTaxRateReason?: ZeroTaxRateReason | null;
  } | null;
  reserved1?: string | null;
  reserved2?: string | null;
  /** 1..9999 items. */
  items: readonly F0401Item[];
  amount: F0401Amount;
};

/** The F0401 XML of an invoice. Throws `MigValueError` for a value that cannot be written (see format.ts). */
export function buildF0401(input: F0401Input): string {
  const w = openMessage('F0401');
  w.open('Main')
    .leaf('InvoiceNumber', input.invoiceNumber)
    .leaf('InvoiceDate', migDate(input.invoiceTime, 'F0401 invoiceTime'))
    .leaf('InvoiceTime', migTime(input.invoiceTime, 'F0401 invoiceTime'));
  writeSeller(w, input.seller);
  writeBuyer(w, input.buyer);
  w.leaf('BuyerRemark', input.buyerRemark)
    .leaf('MainRemark', input.mainRemark)
    .leaf('CustomsClearanceMark', input.zeroTax?.customsClearanceMark)
    .leaf('Category', input.category)
    .leaf('RelateNumber', input.relateNumber)
    .leaf('InvoiceType', input.invoiceType)
    .leaf('GroupMark', input.groupMark ? '*' : null)
    .leaf('DonateMark', input.donation ? '1' : '0')
    .leaf('CarrierType', input.carrier?.type)
    .leaf('CarrierId1', input.carrier?.id1)
    .leaf('CarrierId2', input.carrier?.id2)
    .leaf('PrintMark', input.printMark)
    .leaf('NPOBAN', input.donation?.npoban)
    .leaf('RandomNumber', input.randomNumber)
    .leaf('BondedAreaConfirm', input.bondedAreaConfirm)
    .leaf('ZeroTaxRateReason', input.zeroTax?.zeroTaxRateReason)
    .leaf('Reserved1', input.reserved1)
    .leaf('Reserved2', input.reserved2)
    .close();

  const invoiceTaxType = input.amount.taxType;
  w.open('Details');
  for (const [i, item] of input.items.entries()) {
    const f = `F0401 items.${i}`;
    const taxType = item.taxType ?? (invoiceTaxType === '9' ? null : invoiceTaxType);
    if (taxType === null) throw new MigValueError(`${f}.taxType`, "is required on a mixed (9) invoice (1, 2 or 3; never '9')");
    w.open('ProductItem')
      .leaf('Description', item.description)
      .leaf('Quantity', migDecimal(item.quantity, `${f}.quantity`))
      .leaf('Unit', item.unit)
      .leaf('UnitPrice', migDecimal(item.unitPrice, `${f}.unitPrice`))
      .leaf('TaxType', taxType)
      .leaf('Amount', migDecimal(item.amount, `${f}.amount`))
      .leaf('SequenceNumber', migSequence(item.sequenceNumber ?? i + 1, `${f}.sequenceNumber`))
      .leaf('Remark', item.remark)
      .leaf('RelateNumber', item.relateNumber)
      .close();
  }
  w.close();

  const a = input.amount;
  const optional = (v: DecimalInput | null | undefined, field: string, facets?: DecimalFacets) =>
    v === undefined || v === null ? null : migDecimal(v, `F0401 amount.${field}`, facets);
  w.open('Amount')
    .leaf('SalesAmount', migMoney(a.salesAmount, 'F0401 amount.salesAmount'))
    .leaf('FreeTaxSalesAmount', migMoney(a.freeTaxSalesAmount, 'F0401 amount.freeTaxSalesAmount'))
    .leaf('ZeroTaxSalesAmount', migMoney(a.zeroTaxSalesAmount, 'F0401 amount.zeroTaxSalesAmount'))
    .leaf('TaxType', a.taxType)
    .leaf('TaxRate', a.taxRate)
    .leaf('TaxAmount', migMoney(a.taxAmount, 'F0401 amount.taxAmount'))
    .leaf('TotalAmount', migMoney(a.totalAmount, 'F0401 amount.totalAmount'))
    .leaf('DiscountAmount', optional(a.discountAmount, 'discountAmount'))
    .leaf('OriginalCurrencyAmount', optional(a.originalCurrencyAmount, 'originalCurrencyAmount'))
    .leaf('ExchangeRate', optional(a.exchangeRate, 'exchangeRate', DECIMAL_13_5))
    .leaf('Currency', a.currency)
    .close();
  return w.close().toString();
}
