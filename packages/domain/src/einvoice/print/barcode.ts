/**
 * The one-dimensional barcode of the printed proof (電子發票證明聯一維條碼), used to claim prizes.
 *
 * MOF "電子發票證明聯一維及二維條碼規格說明" v1.8 ch.1 (print-and-protocols.md §2.2): Code 39, 19 characters:
 *
 * | part | len | content |
 * | --- | --- | --- |
 * | 發票年期別 | 5 | ROC year of the track (3) + the **even** month of its two-month period (2): 104年3-4月 → `10404` |
 * | 發票字軌號碼 | 10 | the full invoice number, e.g. `UZ17690872` |
 * | 隨機碼 | 4 | the random number, e.g. `0122` |
 *
 * The spec's example is `*10404UZ176908720122*`: the `*` are Code 39's start/stop characters, which the
 * symbology (the printer) adds — they are not part of the 19-character text returned here.
 * Every character is in `[0-9A-Z]`, all valid Code 39 characters.
 *
 * The period is taken from the invoice date: an invoice must be issued within its track's period (Turnkey
 * E0208 資料非當期), so the date's period is the track's period.
 */
import { checkInvoiceNumber, checkRandomNumber } from './fields.ts';
import { rocPeriod5 } from './roc.ts';

export const BARCODE_LENGTH = 19;

export interface BarcodeInput {
  invoiceNumber: string;
  /** The instant of issue; its Asia/Taipei date decides the period. */
  invoiceDate: Date;
  randomNumber: string;
}

/** The 19-character Code 39 text: period (5) + invoice number (10) + random number (4). */
export function barcodeText(input: BarcodeInput): string {
  const invoiceNumber = checkInvoiceNumber(input.invoiceNumber);
  const randomNumber = checkRandomNumber(input.randomNumber);
  return rocPeriod5(input.invoiceDate) + invoiceNumber + randomNumber;
}
