/**
 * G0401 平台存證開立折讓證明單 (`Allowance`, urn:GEINV:eInvoiceMessage:G0401:4.1) — einvoice-domain.md §2.5,
 * v41/G0401.xsd. Elements in declaration order (root, Main, ProductItem and Amount are `xsd:all`; Seller/Buyer a
 * sequence).
 *
 * Money follows the allowance tables (db/migrations/20261121050000_invoice_lifecycle.sql): each line's tax-included
 * refund splits into the untaxed Amount and the integer Tax (`splitAllowanceLine`), UnitPrice is untaxed
 * (`allowanceUnitPrice`), and the Amount block is TaxAmount = Σ Tax, TotalAmount = Σ Amount (不含稅). The builder
 * writes the stored values; it does not recompute them.
 */
import type { TaxType } from '../rules/amounts.ts';
import { type DateInput, type DecimalInput, type MoneyInput, migDate, migDecimal, migMoney, migSequence } from './format.ts';
import { openMessage } from './messages.ts';
import { type MigBuyer, type MigSeller, writeBuyer, writeSeller } from './party.ts';

export type G0401Item = {
  originalInvoiceDate: DateInput;
  originalInvoiceNumber: string;
  /** The invoice item's SequenceNumber (a number is zero-padded like F0401's, so the two match). */
  originalSequenceNumber?: number | string | null;
  /** OriginalDescription (≤ 500). */
  originalDescription: string;
  quantity: DecimalInput;
  unit?: string | null;
  /** Untaxed unit price. */
  unitPrice: DecimalInput;
  /** Untaxed amount (金額(不含稅之進貨額)). */
  amount: DecimalInput;
  /** 營業稅額, whole TWD. */
  tax: MoneyInput;
  /** AllowanceSequenceNumber (1..4 characters). Absent: the line's position from 1, zero-padded (`0001`). */
  sequenceNumber?: number | string | null;
  /** The original item's tax type: 1, 2, 3 or 4. */
  taxType: TaxType;
};

export type G0401Input = {
  /** AllowanceNumber (1..16), e.g. `allowanceNumber(sellerBan, counter)`. */
  allowanceNumber: string;
  allowanceDate: DateInput;
  seller: MigSeller;
  /**
   * The original invoice's buyer; absent or without `ban`: a consumer (`0000000000`, as in F0401). UNVERIFIED for
   * allowances: 4.0 merged the B2C allowance D0401 into G0401, so consumers must be expressible, but the official
   * G0401 validator also has `"Buyer Identifier" should be a company BAN` (einvoice-domain.md §2.5) for some case.
   */
  buyer?: MigBuyer | null;
  /** OriginalInvoiceSellerId / OriginalInvoiceBuyerId (new in 4.1, optional): written only when given. */
  originalInvoiceSellerBan?: string | null;
  originalInvoiceBuyerBan?: string | null;
  /** 1..9999 lines. */
  items: readonly G0401Item[];
  /** Σ Tax. */
  taxAmount: MoneyInput;
  /** Σ Amount (untaxed). */
  totalAmount: MoneyInput;
};

/** The G0401 XML of an allowance. AllowanceType is always `2` (賣方折讓證明通知單), fixed by the 4.1 XSD. */
export function buildG0401(input: G0401Input): string {
  const w = openMessage('G0401');
  w.open('Main')
    .leaf('AllowanceNumber', input.allowanceNumber)
    .leaf('AllowanceDate', migDate(input.allowanceDate, 'G0401 allowanceDate'));
  writeSeller(w, input.seller);
  writeBuyer(w, input.buyer);
  w.leaf('AllowanceType', '2')
    .leaf('OriginalInvoiceSellerId', input.originalInvoiceSellerBan)
    .leaf('OriginalInvoiceBuyerId', input.originalInvoiceBuyerBan)
    .close();

  w.open('Details');
  for (const [i, item] of input.items.entries()) {
    const f = `G0401 items.${i}`;
    const originalSeq = item.originalSequenceNumber;
    w.open('ProductItem')
      .leaf('OriginalInvoiceDate', migDate(item.originalInvoiceDate, `${f}.originalInvoiceDate`))
      .leaf('OriginalInvoiceNumber', item.originalInvoiceNumber)
      .leaf(
        'OriginalSequenceNumber',
        originalSeq === undefined || originalSeq === null ? null : migSequence(originalSeq, `${f}.originalSequenceNumber`),
      )
      .leaf('OriginalDescription', item.originalDescription)
      .leaf('Quantity', migDecimal(item.quantity, `${f}.quantity`))
      .leaf('Unit', item.unit)
      .leaf('UnitPrice', migDecimal(item.unitPrice, `${f}.unitPrice`))
      .leaf('Amount', migDecimal(item.amount, `${f}.amount`))
      .leaf('Tax', migMoney(item.tax, `${f}.tax`))
      .leaf('AllowanceSequenceNumber', migSequence(item.sequenceNumber ?? i + 1, `${f}.sequenceNumber`))
      .leaf('TaxType', item.taxType)
      .close();
  }
  w.close();

  w.open('Amount')
    .leaf('TaxAmount', migMoney(input.taxAmount, 'G0401 taxAmount'))
    .leaf('TotalAmount', migMoney(input.totalAmount, 'G0401 totalAmount'))
    .close();
  return w.close().toString();
}
