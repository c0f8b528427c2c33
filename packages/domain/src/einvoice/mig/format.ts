/**
 * Values formatted to the MIG 4.1 XSD types (common/GenericType_4.0.xsd and the message XSDs). Money and decimals
 * never pass through a JavaScript number: they are strings or bigints from end to end.
 *
 * A value that cannot be written as its type (an invalid Date, `12.3.4`, a 6th fraction digit on a rate with 5)
 * throws a `MigValueError` naming the field — it means the caller's data is broken, not that the document merely
 * breaks a length or enumeration facet: those are left to XSD validation (packages/xsd), so the builders never
 * silently truncate or fix anything.
 */
import { taipeiDateParts } from '../period.ts';
import { parseDecimal } from '../rules/amounts.ts';
import { formatScaledDecimal } from '../rules/lifecycle.ts';

/** A value a builder cannot write; `field` is the input path (`items.3.quantity`) prefixed with the message type. */
export class MigValueError extends RangeError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'MigValueError';
  }
}

/** A decimal as text (`'12'`, `'31.5'`, `'3.0000000'` as PostgreSQL prints numeric(27,7)) or a bigint. */
export type DecimalInput = string | bigint;
/** Whole TWD as a bigint (computeTotals) or its decimal text (a PostgreSQL bigint read as a string). */
export type MoneyInput = string | bigint;
/** A calendar date: `YYYY-MM-DD` (or `YYYYMMDD`) text, or an instant whose Asia/Taipei date is meant. */
export type DateInput = string | Date;

const TAIPEI_OFFSET_MS = 8 * 60 * 60 * 1000;
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function checkInstant(at: unknown, field: string): Date {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new MigValueError(field, 'must be a valid Date');
  return at;
}

/** `DateType`: `YYYYMMDD` (Gregorian). A Date gives its Asia/Taipei calendar date. */
export function migDate(value: DateInput, field: string): string {
  if (value instanceof Date) {
    const { year, month, day } = taipeiDateParts(checkInstant(value, field));
    if (year < 1 || year > 9999) throw new MigValueError(field, 'has no 4-digit year');
    return `${pad(year, 4)}${pad(month)}${pad(day)}`;
  }
  const m = typeof value === 'string' ? /^(\d{4})(-?)(\d{2})\2(\d{2})$/.exec(value) : null;
  if (!m) throw new MigValueError(field, 'must be a date as YYYY-MM-DD');
  const [y, mo, d] = [Number(m[1]), Number(m[3]), Number(m[4])];
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d)
    throw new MigValueError(field, `${value} is not a calendar date`);
  return `${m[1]}${m[3]}${m[4]}`;
}

/** `TimeType` (`xsd:time`) as `HH:mm:ss`, Asia/Taipei, without fraction or zone (fractions of a second dropped). */
export function migTime(value: Date, field: string): string {
  const local = new Date(checkInstant(value, field).getTime() + TAIPEI_OFFSET_MS);
  return `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
}

export type DecimalFacets = { totalDigits: number; fractionDigits: number };

/** MIG's usual decimal: totalDigits 20, fractionDigits 7 (Quantity, UnitPrice, Amount, the Amount block's sums). */
export const DECIMAL_20_7: DecimalFacets = { totalDigits: 20, fractionDigits: 7 };
/** ExchangeRate: totalDigits 13, fractionDigits 5. */
export const DECIMAL_13_5: DecimalFacets = { totalDigits: 13, fractionDigits: 5 };
/** TaxAmount, G0401 Tax: totalDigits 20, fractionDigits 0. */
export const INTEGER_20: DecimalFacets = { totalDigits: 20, fractionDigits: 0 };

/**
 * A decimal in its shortest exact form — no exponent, no leading zeros, no trailing fraction zeros:
 * `'3.0000000'` → `3`, `'031.50'` → `31.5`, `-0` → `0`. Refuses text that is not a plain decimal, and values that do
 * not fit the facets (they could only be written rounded, and a builder never rounds money).
 */
export function migDecimal(value: DecimalInput, field: string, facets: DecimalFacets = DECIMAL_20_7): string {
  let text: string;
  if (typeof value === 'bigint') {
    text = value.toString();
  } else if (typeof value === 'string') {
    const parsed = parseDecimal(value);
    if (!parsed.ok) throw new MigValueError(field, `'${value}' ${parsed.reason}`);
    text = formatScaledDecimal(parsed.scaled);
  } else {
    throw new MigValueError(field, 'must be a decimal string or a bigint (never a JavaScript number)');
  }
  const [int = '', frac = ''] = text.replace(/^-/, '').split('.');
  if (frac.length > facets.fractionDigits) {
    throw new MigValueError(field, `${text} has more than ${facets.fractionDigits} fraction digits`);
  }
  if ((int === '0' ? 0 : int.length) + frac.length > facets.totalDigits) {
    throw new MigValueError(field, `${text} has more than ${facets.totalDigits} digits`);
  }
  return text === '-0' ? '0' : text;
}

/** Whole TWD (an integer): the five F0401 sums and TaxAmount, G0401 Tax/TaxAmount/TotalAmount. */
export function migMoney(value: MoneyInput, field: string): string {
  return migDecimal(value, field, INTEGER_20);
}

/**
 * A sequence number (`SequenceNumber`, `AllowanceSequenceNumber`, `OriginalSequenceNumber`: string ≤ 4). A number
 * is zero-padded to 4 digits (`1` → `0001`, as [HO] sends it: einvoice-domain.md §2.3); text is written as given.
 */
export function migSequence(value: number | string, field: string): string {
  if (typeof value === 'string') return value;
  if (!Number.isInteger(value) || value < 0) throw new MigValueError(field, 'must be a whole number ≥ 0');
  return pad(value, 4);
}

/** An 8-digit invoice number part (E0401/E0402 InvoiceBeginNo/InvoiceEndNo). */
export function migInvoiceNo(value: number, field: string): string {
  if (!Number.isInteger(value) || value < 0 || value > 99_999_999) throw new MigValueError(field, 'must be 0..99999999');
  return pad(value, 8);
}
