/**
 * Taking back an invoice or an allowance: F0501 作廢發票 (`CancelInvoice`), F0701 註銷發票 (`VoidInvoice`),
 * G0501 作廢折讓 (`CancelAllowance`), G0701 註銷折讓 (`VoidAllowance`) — einvoice-domain.md §2.5, v41/*.xsd.
 * The four are one flat `xsd:all` of the same shape, so one function writes them:
 *
 *   <Cancel|Void><Invoice|Allowance>Number, [AllowanceType], <Invoice|Allowance>Date, BuyerId, SellerId,
 *   <Cancel|Void>Date, <Cancel|Void>Time, <Cancel|Void>Reason, [ReturnTaxDocumentNumber: F0501], Remark?,
 *   [Reserved1?, Reserved2?: F0501, F0701]
 *
 * Reason and Remark are `whiteSpace="collapse"` in the XSD (lengths count after collapsing): they are written
 * collapsed, so the document says what the schema reads.
 */

import { collapseWhitespace } from '../rules/lifecycle.ts';
import { type DateInput, migDate, migTime } from './format.ts';
import { openMessage } from './messages.ts';
import { buyerIdentifier } from './party.ts';

type Common = {
  sellerBan: string;
  /**
   * Absent or null: a consumer, written `0000000000` like F0401 Buyer/Identifier (inferred — the MIG notes on BuyerId
   * of these messages were not read; BuyerId is type BAN, length 0..10, so the XSD would also take an empty value).
   */
  buyerBan?: string | null;
  /** CancelReason / VoidReason: 1..20 characters after whitespace collapse. */
  reason: string;
  /** ≤ 200 after whitespace collapse. */
  remark?: string | null;
};

type InvoiceCommon = Common & {
  invoiceNumber: string;
  /** The invoice's date (its Asia/Taipei issuing date). */
  invoiceDate: DateInput;
  reserved1?: string | null;
  reserved2?: string | null;
};

type AllowanceCommon = Common & {
  allowanceNumber: string;
  /** 1 買方開立折讓證明單, 2 賣方折讓證明通知單; default 2 (the only type G0401 4.1 allows, `fixed="2"`). */
  allowanceType?: '1' | '2' | null;
  allowanceDate: DateInput;
};

/** F0501 作廢發票. */
export type F0501Input = InvoiceCommon & {
  /** CancelDate + CancelTime (Asia/Taipei). */
  cancelTime: Date;
  /** ReturnTaxDocumentNumber (專案作廢核准文號, ≤ 60). */
  returnTaxDocumentNumber?: string | null;
};

/** F0701 註銷發票 (followed by the re-issue of the same number as F0401). */
export type F0701Input = InvoiceCommon & {
  /** VoidDate + VoidTime (Asia/Taipei). */
  voidTime: Date;
};

/** G0501 作廢折讓證明單. */
export type G0501Input = AllowanceCommon & { cancelTime: Date };

/** G0701 註銷折讓證明單. */
export type G0701Input = AllowanceCommon & { voidTime: Date };

type Kind = { type: 'F0501' | 'F0701' | 'G0501' | 'G0701'; verb: 'Cancel' | 'Void'; target: 'Invoice' | 'Allowance' };

/** The fields of all four, already mapped from the input types. */
type Fields = Common & {
  number: string;
  allowanceType: string | null;
  date: DateInput;
  at: Date;
  returnTaxDocumentNumber?: string | null;
  reserved1?: string | null;
  reserved2?: string | null;
};

function build({ type, verb, target }: Kind, f: Fields): string {
  const field = (name: string) => `${type} ${name}`;
  const w = openMessage(type);
  w.leaf(`${verb}${target}Number`, f.number)
    .leaf('AllowanceType', f.allowanceType)
    .leaf(`${target}Date`, migDate(f.date, field(`${target.toLowerCase()}Date`)))
    .leaf('BuyerId', buyerIdentifier({ ban: f.buyerBan }))
    .leaf('SellerId', f.sellerBan)
    .leaf(`${verb}Date`, migDate(f.at, field(`${verb.toLowerCase()}Time`)))
    .leaf(`${verb}Time`, migTime(f.at, field(`${verb.toLowerCase()}Time`)))
    .leaf(`${verb}Reason`, collapseWhitespace(f.reason))
    .leaf('ReturnTaxDocumentNumber', f.returnTaxDocumentNumber)
    .leaf('Remark', f.remark === undefined || f.remark === null ? null : collapseWhitespace(f.remark))
    .leaf('Reserved1', f.reserved1)
    .leaf('Reserved2', f.reserved2);
  return w.close().toString();
}

const common = (i: Common) => ({ sellerBan: i.sellerBan, buyerBan: i.buyerBan, reason: i.reason, remark: i.remark });

/** F0501 XML: an invoice cancelled (作廢) within its period (+ grace). */
export function buildF0501(i: F0501Input): string {
  return build(
    { type: 'F0501', verb: 'Cancel', target: 'Invoice' },
    {
      ...common(i),
      number: i.invoiceNumber,
      allowanceType: null,
      date: i.invoiceDate,
      at: i.cancelTime,
      returnTaxDocumentNumber: i.returnTaxDocumentNumber,
      reserved1: i.reserved1,
      reserved2: i.reserved2,
    },
  );
}

/** F0701 XML: an invoice voided (註銷), to be re-issued with the same number. */
export function buildF0701(i: F0701Input): string {
  return build(
    { type: 'F0701', verb: 'Void', target: 'Invoice' },
    {
      ...common(i),
      number: i.invoiceNumber,
      allowanceType: null,
      date: i.invoiceDate,
      at: i.voidTime,
      reserved1: i.reserved1,
      reserved2: i.reserved2,
    },
  );
}

/** G0501 XML: an allowance cancelled (作廢). */
export function buildG0501(i: G0501Input): string {
  return build(
    { type: 'G0501', verb: 'Cancel', target: 'Allowance' },
    { ...common(i), number: i.allowanceNumber, allowanceType: i.allowanceType ?? '2', date: i.allowanceDate, at: i.cancelTime },
  );
}

/** G0701 XML: an allowance voided (註銷). */
export function buildG0701(i: G0701Input): string {
  return build(
    { type: 'G0701', verb: 'Void', target: 'Allowance' },
    { ...common(i), number: i.allowanceNumber, allowanceType: i.allowanceType ?? '2', date: i.allowanceDate, at: i.voidTime },
  );
}
