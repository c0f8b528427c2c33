import { describe, expect, it } from 'vitest';
import { parseYearMonth } from '../period.ts';
import { parseDecimal } from './amounts.ts';
import {
  allowanceNumber,
  allowanceOverrun,
  allowanceUnitPrice,
  cancelDeadline,
  collapseWhitespace,
  formatScaledDecimal,
  remainingPerItem,
  splitAllowanceLine,
} from './lifecycle.ts';

const scaled = (s: string) => {
  const r = parseDecimal(s);
  if (!r.ok) throw new Error(s);
  return r.scaled;
};

describe('collapseWhitespace (XML Schema collapse)', () => {
  it.each([
    ['  退貨 ', '退貨'],
    ['a\t\tb\r\nc', 'a b c'],
    ['   ', ''],
    ['\u3000全形\u3000', '\u3000全形\u3000'], // U+3000 is not XML white space
  ])('%j → %j', (input, out) => expect(collapseWhitespace(input)).toBe(out));
});

describe('cancelDeadline', () => {
  it('is the period end plus the grace days, at Asia/Taipei midnight', () => {
    const p = parseYearMonth('11402');
    if (!p) throw new Error('period');
    // 民國114年1–2月 ends 2025-03-01 00:00 +08:00; + 15 days → 2025-03-16 00:00 +08:00 (the 15th is the last day).
    expect(cancelDeadline(p, 15).toISOString()).toBe('2025-03-15T16:00:00.000Z');
    expect(cancelDeadline(p, 0).getTime()).toBe(p.end.getTime());
    expect(() => cancelDeadline(p, -1)).toThrow(RangeError);
  });
});

describe('allowanceNumber', () => {
  it('is the BAN and an 8-digit counter: 16 characters', () => {
    expect(allowanceNumber('04595257', 1)).toBe('0459525700000001');
    expect(allowanceNumber('04595257', 99_999_999)).toBe('0459525799999999');
    expect(() => allowanceNumber('04595257', 0)).toThrow(RangeError);
    expect(() => allowanceNumber('04595257', 100_000_000)).toThrow(RangeError);
    expect(() => allowanceNumber('1234', 1)).toThrow(RangeError);
  });
});

describe('allowance line money', () => {
  it('splits taxable lines at the invoice rate, zero-rated and tax-free ones carry no tax', () => {
    expect(splitAllowanceLine(1380n, '1', '0.05')).toEqual({ untaxed: 1314n, tax: 66n });
    expect(splitAllowanceLine(100n, '2', '0')).toEqual({ untaxed: 100n, tax: 0n });
    expect(splitAllowanceLine(100n, '3', '0.05')).toEqual({ untaxed: 100n, tax: 0n });
    expect(() => splitAllowanceLine(0n, '1', '0.05')).toThrow(RangeError);
  });

  it('unit price: untaxed / quantity to 7 decimals; decimals print without trailing zeros', () => {
    expect(formatScaledDecimal(allowanceUnitPrice(1314n, scaled('2')))).toBe('657');
    expect(formatScaledDecimal(allowanceUnitPrice(100n, scaled('3')))).toBe('33.3333333');
    expect(formatScaledDecimal(scaled('20.5000000'))).toBe('20.5');
    expect(formatScaledDecimal(scaled('0.0000001'))).toBe('0.0000001');
    expect(formatScaledDecimal(-scaled('1.5'))).toBe('-1.5');
    expect(formatScaledDecimal(0n)).toBe('0');
  });
});

describe('allowanceOverrun', () => {
  const items = [
    { seq: 1, amount: 640n },
    { seq: 2, amount: 150n },
  ];
  it('fits while every item and the total stay covered', () => {
    const allowed = new Map([[1, 600n]]);
    expect(allowanceOverrun({ items, totalAmount: 790n, allowed, lines: [{ seq: 1, amount: 40n }] })).toBeNull();
    expect(remainingPerItem(items, allowed)).toEqual([
      { seq: 1, amount: 640n, allowed: 600n, remaining: 40n },
      { seq: 2, amount: 150n, allowed: 0n, remaining: 150n },
    ]);
  });
  it('names the item and line that exceeds what is left, counting earlier lines of the same allowance', () => {
    const allowed = new Map([[1, 600n]]);
    expect(allowanceOverrun({ items, totalAmount: 790n, allowed, lines: [{ seq: 1, amount: 41n }] })).toEqual({
      seq: 1,
      line: 0,
      remaining: 40n,
      requested: 41n,
    });
    expect(
      allowanceOverrun({
        items,
        totalAmount: 790n,
        allowed: new Map(),
        lines: [
          { seq: 2, amount: 100n },
          { seq: 2, amount: 51n },
        ],
      }),
    ).toEqual({ seq: 2, line: 1, remaining: 50n, requested: 51n });
  });
  it('refuses beyond the invoice total even when the items would allow it', () => {
    expect(
      allowanceOverrun({
        items,
        totalAmount: 700n,
        allowed: new Map(),
        lines: [
          { seq: 1, amount: 640n },
          { seq: 2, amount: 61n },
        ],
      }),
    ).toEqual({ seq: null, line: null, remaining: 700n, requested: 701n });
  });
});
