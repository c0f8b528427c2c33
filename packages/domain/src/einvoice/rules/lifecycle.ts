/**
 * Rules of the invoice lifecycle after issuing — einvoice-domain.md §2.5 (F0501, F0701, G0401, G0501, G0701) and
 * §4.5 (time limits): the reason text, the cancel window, allowance numbers and the money of allowance lines.
 * Pure functions: the caller brings the clock and the stored amounts.
 */

import { type Period, taipeiDateParts } from '../period.ts';
import { DECIMAL_SCALE, roundHalfUpDiv, splitTaxIncluded, type TaxRate, type TaxType } from './amounts.ts';
import { DECIMAL_FRACTION_DIGITS } from './formats.ts';

/** CancelReason / VoidReason (F0501, F0701, G0501, G0701): 1..20 characters after whitespace collapse. */
export const TRANSITION_REASON_MAX = 20;

/**
 * XML Schema `whiteSpace="collapse"`: TAB, LF and CR become spaces, runs of spaces become one, and the ends are
 * trimmed. Only these four are XML white space; a full-width space (U+3000) is text and stays.
 */
export function collapseWhitespace(s: string): string {
  return s.replace(/[\t\n\r ]+/g, ' ').replace(/^ | $/g, '');
}

const DAY_MS = 86_400_000;

/**
 * The first instant an invoice of `period` can no longer be cancelled (作廢): the period's end (the 1st of the month
 * after it, 00:00 Asia/Taipei) plus `graceDays` whole days. [HO] allows cancelling until the period end + 15 days,
 * i.e. up to the VAT filing deadline on the 15th (einvoice-domain.md §4.5; the legal basis was not read). Later
 * corrections are allowances (當期作廢、跨期折讓).
 */
export function cancelDeadline(period: Pick<Period, 'end'>, graceDays: number): Date {
  if (!Number.isInteger(graceDays) || graceDays < 0)
    throw new RangeError(`graceDays must be a whole number ≥ 0 (got ${graceDays})`);
  return new Date(period.end.getTime() + graceDays * DAY_MS);
}

/** The largest counter an allowance number can carry (8 digits after the 8-digit BAN). */
export const MAX_ALLOWANCE_COUNTER = 99_999_999;

/**
 * AllowanceNumber (`AllowanceNumberType`, 1..16 characters): the seller's BAN followed by the seller's allowance
 * counter zero-padded to 8 digits — `0459525700000001`. Unique per seller (the counter), and across sellers (the
 * BAN), so an allowance can be addressed by its number alone. Numbers are never reused.
 */
export function allowanceNumber(sellerBan: string, counter: number): string {
  if (!/^\d{8}$/.test(sellerBan)) throw new RangeError(`a seller BAN has 8 digits (got ${sellerBan})`);
  if (!Number.isInteger(counter) || counter < 1 || counter > MAX_ALLOWANCE_COUNTER) {
    throw new RangeError(`the allowance counter must be 1..${MAX_ALLOWANCE_COUNTER} (got ${counter})`);
  }
  return `${sellerBan}${String(counter).padStart(8, '0')}`;
}

export const ALLOWANCE_NUMBER_RE = /^\d{16}$/;

/** Whether an item of tax type `t` carries tax (應稅 1, 特種稅率 4); zero-rated (2) and tax-free (3) do not. */
export const isTaxableItem = (t: TaxType): boolean => t === '1' || t === '4';

/**
 * One allowance line's money: the caller's whole-TWD, tax-included `amount` (the convention of invoice items) splits
 * into G0401's untaxed Amount and its integer Tax — taxable items with `splitTaxIncluded` at the invoice's rate,
 * zero-rated and tax-free items with no tax.
 */
export function splitAllowanceLine(amount: bigint, itemTaxType: TaxType, rate: TaxRate): { untaxed: bigint; tax: bigint } {
  if (amount <= 0n) throw new RangeError(`an allowance line refunds a positive amount (got ${amount})`);
  return isTaxableItem(itemTaxType) ? splitTaxIncluded(amount, rate) : { untaxed: amount, tax: 0n };
}

/** A decimal scaled by 10^7 as plain text without trailing zeros: 205000000n → "20.5", 10000000n → "1". */
export function formatScaledDecimal(scaled: bigint): string {
  const neg = scaled < 0n;
  const digits = (neg ? -scaled : scaled).toString().padStart(DECIMAL_FRACTION_DIGITS + 1, '0');
  const int = digits.slice(0, -DECIMAL_FRACTION_DIGITS);
  const frac = digits.slice(-DECIMAL_FRACTION_DIGITS).replace(/0+$/, '');
  return `${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** G0401 UnitPrice of a line: round half up(untaxed / quantity) to 7 decimals, scaled by 10^7. */
export function allowanceUnitPrice(untaxed: bigint, quantityScaled: bigint): bigint {
  if (quantityScaled <= 0n) throw new RangeError('the quantity must be positive');
  return roundHalfUpDiv(untaxed * DECIMAL_SCALE * DECIMAL_SCALE, quantityScaled);
}

export type AllowanceRemainingInput = {
  /** The invoice's items: sequence number and whole-TWD tax-included amount. */
  items: readonly { seq: number; amount: bigint }[];
  /** The invoice's TotalAmount. */
  totalAmount: bigint;
  /** Σ tax-included amounts of the active (not cancelled, not voided) allowances, per original item. */
  allowed: ReadonlyMap<number, bigint>;
  /** The new allowance's lines. */
  lines: readonly { seq: number; amount: bigint }[];
};

export type AllowanceOverrun = {
  /** The item the allowance exceeds, or null when only the invoice total is exceeded. */
  seq: number | null;
  /** Index of the offending line in `lines`, when one. */
  line: number | null;
  remaining: bigint;
  requested: bigint;
};

/** What is left to allow of each item: its amount minus the active allowances' amounts. */
export function remainingPerItem(items: AllowanceRemainingInput['items'], allowed: ReadonlyMap<number, bigint>) {
  return items.map((i) => {
    const a = allowed.get(i.seq) ?? 0n;
    return { seq: i.seq, amount: i.amount, allowed: a, remaining: i.amount - a };
  });
}

/**
 * The first way a new allowance exceeds what is left (einvoice-domain.md §4.5, E0221/E0222 "折讓金額大於發票銷售額
 * 減已折讓金額"): per original item Σ active allowances + this line ≤ the item's amount, and over the whole invoice
 * Σ ≤ TotalAmount. Null when it fits. Lines naming an unknown item are the caller's to refuse first.
 */
export function allowanceOverrun(input: AllowanceRemainingInput): AllowanceOverrun | null {
  const bySeq = new Map(input.items.map((i) => [i.seq, i.amount]));
  const requested = new Map<number, bigint>();
  for (const [idx, line] of input.lines.entries()) {
    const itemAmount = bySeq.get(line.seq);
    if (itemAmount === undefined) continue;
    const already = (input.allowed.get(line.seq) ?? 0n) + (requested.get(line.seq) ?? 0n);
    const remaining = itemAmount - already;
    if (line.amount > remaining) return { seq: line.seq, line: idx, remaining, requested: line.amount };
    requested.set(line.seq, (requested.get(line.seq) ?? 0n) + line.amount);
  }
  let allowedTotal = 0n;
  for (const a of input.allowed.values()) allowedTotal += a;
  let requestedTotal = 0n;
  for (const a of requested.values()) requestedTotal += a;
  const remainingTotal = input.totalAmount - allowedTotal;
  if (requestedTotal > remainingTotal) return { seq: null, line: null, remaining: remainingTotal, requested: requestedTotal };
  return null;
}

/** The Asia/Taipei business date of `at` as `YYYY-MM-DD` (the form of allowance and invoice dates in the API). */
export function taipeiIsoDate(at: Date): string {
  const p = taipeiDateParts(at);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}
