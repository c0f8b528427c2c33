/**
 * Dates as the printed proof writes them, from the one period/ROC-date implementation (`../period.ts`: Asia/Taipei
 * as fixed UTC+8, ROC year = Gregorian − 1911, 3 digits). This adapter only turns its `RangeError` for an invalid
 * Date or a year outside ROC 1–999 into a `VALIDATION_ERROR` naming the field.
 */
import { periodOf, rocDate } from '../period.ts';
import { invalid } from './fields.ts';

function onDate<T>(at: unknown, field: string, f: (at: Date) => T): T {
  if (!(at instanceof Date)) throw invalid(field, 'must be a Date');
  try {
    return f(at);
  } catch (e) {
    if (e instanceof RangeError) throw invalid(field, `must be a valid date with a 3-digit ROC year (1912–2910): ${e.message}`);
    throw e;
  }
}

/** 發票開立日期 `YYYMMDD` (7) of the Asia/Taipei date — e.g. 2013-05-23 → `1020523`. */
export function rocDate7(at: Date, field = 'invoiceDate'): string {
  return onDate(at, field, (d) => rocDate(d));
}

/**
 * 發票年期別 `YYYMM` (5): 3-digit ROC year and the **even** (second) month of the two-month period the date
 * falls in — e.g. 2015-03-xx or 2015-04-xx → `10404` (print-and-protocols.md §2.2; MOF spec ch.1 example).
 * The same string as E0501/E0402 `YearMonth`.
 */
export function rocPeriod5(at: Date, field = 'invoiceDate'): string {
  return onDate(at, field, (d) => periodOf(d).yearMonth);
}
