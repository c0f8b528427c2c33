import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  e0402Deadline,
  formatRocRange,
  isYearMonth,
  nextPeriod,
  type Period,
  parseYearMonth,
  periodContains,
  periodFromRocRange,
  periodOf,
  previousPeriod,
  rocDate,
  taipeiDateParts,
} from './period.ts';

const iso = (d: Date) => d.toISOString();
const mustParse = (ym: string): Period => {
  const p = parseYearMonth(ym);
  if (!p) throw new Error(`test setup: ${ym} is not a YearMonth`);
  return p;
};

describe('YearMonth', () => {
  it('accepts ROC year + even month only', () => {
    for (const ok of ['11402', '11304', '11306', '11308', '11310', '11312', '09912', '00102']) expect(isYearMonth(ok)).toBe(true);
    for (const bad of ['11401', '11403', '11400', '11414', '1142', '114020', '2025-02', '00002', '11a02', ' 11402', '11402\n']) {
      expect(isYearMonth(bad)).toBe(false);
      expect(parseYearMonth(bad)).toBeNull();
    }
  });

  it('11402 is 2025-01-01 to 2025-03-01 Asia/Taipei', () => {
    const p = mustParse('11402');
    expect(p).toMatchObject({ yearMonth: '11402', rocYear: 114, firstMonth: 1 });
    expect(iso(p.start)).toBe('2024-12-31T16:00:00.000Z');
    expect(iso(p.end)).toBe('2025-02-28T16:00:00.000Z');
  });

  it('11412 ends on 2026-01-01 00:00 Asia/Taipei (year boundary)', () => {
    const p = mustParse('11412');
    expect(iso(p.start)).toBe('2025-10-31T16:00:00.000Z');
    expect(iso(p.end)).toBe('2025-12-31T16:00:00.000Z');
  });

  it('a leap-year Jan–Feb period includes 29 February', () => {
    const p = mustParse('11302'); // 2024 is a leap year
    expect(iso(p.end)).toBe('2024-02-29T16:00:00.000Z');
    expect(periodContains(p, new Date('2024-02-29T12:00:00+08:00'))).toBe(true);
    expect(periodOf(new Date('2024-02-29T23:59:59.999+08:00')).yearMonth).toBe('11302');
    expect(periodOf(new Date('2024-03-01T00:00:00+08:00')).yearMonth).toBe('11304');
  });
});

describe('periodOf', () => {
  it('uses Taipei midnight, not UTC midnight', () => {
    // 2025-02-28T16:00Z is 2025-03-01 00:00 in Taipei: already the Mar–Apr period.
    expect(periodOf(new Date('2025-02-28T16:00:00.000Z')).yearMonth).toBe('11404');
    expect(periodOf(new Date('2025-02-28T15:59:59.999Z')).yearMonth).toBe('11402');
    // UTC midnight of 1 March is 08:00 in Taipei: Mar–Apr as well.
    expect(periodOf(new Date('2025-03-01T00:00:00.000Z')).yearMonth).toBe('11404');
  });

  it('Dec → Jan: New Year in Taipei starts the next ROC year while UTC is still in December', () => {
    expect(periodOf(new Date('2025-12-31T15:59:59.999Z')).yearMonth).toBe('11412');
    expect(periodOf(new Date('2025-12-31T16:00:00.000Z')).yearMonth).toBe('11502');
    expect(periodOf(new Date('2025-12-31T16:00:00.000Z')).start.toISOString()).toBe('2025-12-31T16:00:00.000Z');
  });

  it('refuses an invalid Date and years without a 3-digit ROC year', () => {
    expect(() => periodOf(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => periodOf(new Date('1911-06-01T00:00:00Z'))).toThrow(RangeError);
    expect(() => periodOf(new Date('2911-06-01T00:00:00Z'))).toThrow(RangeError);
    expect(periodOf(new Date('1912-01-01T00:00:00+08:00')).yearMonth).toBe('00102');
  });
});

describe('nextPeriod / previousPeriod', () => {
  it('steps two months and crosses the year', () => {
    expect(nextPeriod(mustParse('11402')).yearMonth).toBe('11404');
    expect(nextPeriod(mustParse('11410')).yearMonth).toBe('11412');
    expect(nextPeriod(mustParse('11412')).yearMonth).toBe('11502');
    expect(previousPeriod(mustParse('11502')).yearMonth).toBe('11412');
    expect(previousPeriod(mustParse('11404')).yearMonth).toBe('11402');
    expect(() => nextPeriod(mustParse('99912'))).toThrow(RangeError);
    expect(() => previousPeriod(mustParse('00102'))).toThrow(RangeError);
  });
});

describe('periodFromRocRange (CSV form)', () => {
  it('reads "YYY/MM ~ YYY/MM"', () => {
    expect(periodFromRocRange('113/01 ~ 113/02')?.yearMonth).toBe('11302');
    expect(periodFromRocRange('113/11 ~ 113/12')?.yearMonth).toBe('11312');
    expect(periodFromRocRange(' 113/3~113/4 ')?.yearMonth).toBe('11304');
    expect(periodFromRocRange('113/05 ～ 113/06')?.yearMonth).toBe('11306');
    expect(periodFromRocRange('99/11 ~ 99/12')?.yearMonth).toBe('09912');
  });

  it('refuses anything that is not one odd+even month pair of one year', () => {
    for (const bad of [
      '113/02 ~ 113/03',
      '113/01 ~ 113/04',
      '113/01 ~ 114/02',
      '113/12 ~ 114/01',
      '113/13 ~ 113/14',
      '113/00 ~ 113/01',
      '11302',
      '113/01',
      '113-01 ~ 113-02',
      '0/01 ~ 0/02',
      '',
    ]) {
      expect(periodFromRocRange(bad), bad).toBeNull();
    }
  });

  it('formatRocRange is its inverse', () => {
    expect(formatRocRange(mustParse('11302'))).toBe('113/01 ~ 113/02');
    expect(formatRocRange(mustParse('09912'))).toBe('099/11 ~ 099/12');
  });
});

describe('rocDate', () => {
  it('formats the Taipei calendar date as YYYMMDD', () => {
    expect(rocDate(new Date('2025-01-05T12:00:00+08:00'))).toBe('1140105');
    expect(rocDate(new Date('2025-01-05T12:00:00+08:00'), '/')).toBe('114/01/05');
    // 2025-01-04T16:00Z is already 5 January in Taipei; 15:59:59.999Z is still the 4th.
    expect(rocDate(new Date('2025-01-04T16:00:00.000Z'))).toBe('1140105');
    expect(rocDate(new Date('2025-01-04T15:59:59.999Z'))).toBe('1140104');
    expect(rocDate(new Date('1999-12-31T12:00:00+08:00'))).toBe('0881231');
    expect(rocDate(new Date('2024-02-29T00:00:00+08:00'))).toBe('1130229');
    expect(() => rocDate(new Date('1911-12-31T00:00:00+08:00'))).toThrow(RangeError);
  });

  it('taipeiDateParts rolls over at 16:00Z', () => {
    expect(taipeiDateParts(new Date('2024-12-31T16:00:00Z'))).toEqual({ year: 2025, month: 1, day: 1 });
    expect(taipeiDateParts(new Date('2024-12-31T15:59:59Z'))).toEqual({ year: 2024, month: 12, day: 31 });
  });
});

describe('e0402Deadline', () => {
  it('is the start of the 11th of the next period’s first month, Asia/Taipei (exclusive)', () => {
    expect(iso(e0402Deadline(mustParse('11402')))).toBe('2025-03-10T16:00:00.000Z'); // 2025-03-11 00:00 +08:00
    expect(iso(e0402Deadline(mustParse('11412')))).toBe('2026-01-10T16:00:00.000Z'); // across the year
    expect(iso(e0402Deadline(mustParse('11212')))).toBe('2024-01-10T16:00:00.000Z');
  });
});

// ── properties ────────────────────────────────────────────────────────────────────────────────────────────
/** Instants between ROC year 1 and ROC year 999 (both whole years inside). */
const instant = fc.date({
  min: new Date('1912-01-01T00:00:00+08:00'),
  max: new Date('2910-12-31T23:59:59.999+08:00'),
  noInvalidDate: true,
});
const period = fc
  .record({ rocYear: fc.integer({ min: 1, max: 998 }), pair: fc.integer({ min: 0, max: 5 }) })
  .map(({ rocYear, pair }) => mustParse(`${String(rocYear).padStart(3, '0')}${String(pair * 2 + 2).padStart(2, '0')}`));

describe('period properties', () => {
  it('periodOf(d) contains d', () => {
    fc.assert(fc.property(instant, (d) => periodContains(periodOf(d), d)));
  });

  it('the start of a period maps to itself; the instant before maps to the previous period', () => {
    fc.assert(
      fc.property(period, (p) => {
        expect(periodOf(p.start)).toEqual(p);
        expect(periodOf(new Date(p.end.getTime() - 1))).toEqual(p);
        if (p.rocYear > 1 || p.firstMonth > 1) expect(periodOf(new Date(p.start.getTime() - 1))).toEqual(previousPeriod(p));
      }),
    );
  });

  it('consecutive periods tile time: next.start = end, and next/previous are inverse', () => {
    fc.assert(
      fc.property(period, (p) => {
        const n = nextPeriod(p);
        expect(n.start.getTime()).toBe(p.end.getTime());
        expect(previousPeriod(n)).toEqual(p);
        // two months of 28–31 days each
        const days = (p.end.getTime() - p.start.getTime()) / 86_400_000;
        expect(days).toBeGreaterThanOrEqual(59);
        expect(days).toBeLessThanOrEqual(62);
      }),
    );
  });

  it('every period starts at local midnight on the 1st of an odd month', () => {
    fc.assert(
      fc.property(period, (p) => {
        expect(p.start.getUTCHours()).toBe(16);
        expect(taipeiDateParts(p.start)).toEqual({ year: p.rocYear + 1911, month: p.firstMonth, day: 1 });
      }),
    );
  });

  it('YearMonth, the CSV form and rocDate agree with periodOf', () => {
    fc.assert(
      fc.property(instant, (d) => {
        const p = periodOf(d);
        expect(parseYearMonth(p.yearMonth)).toEqual(p);
        expect(periodFromRocRange(formatRocRange(p))).toEqual(p);
        const roc = rocDate(d);
        expect(roc.slice(0, 3)).toBe(p.yearMonth.slice(0, 3));
        const month = Number(roc.slice(3, 5));
        expect(month === p.firstMonth || month === p.firstMonth + 1).toBe(true);
      }),
    );
  });

  it('the E0402 deadline falls 10 days into the next period', () => {
    fc.assert(
      fc.property(period, (p) => {
        const deadline = e0402Deadline(p);
        const n = nextPeriod(p);
        expect(deadline.getTime() - n.start.getTime()).toBe(10 * 86_400_000);
        expect(rocDate(new Date(deadline.getTime() - 1)).slice(3)).toBe(`${String(n.firstMonth).padStart(2, '0')}10`);
        expect(rocDate(deadline).slice(5)).toBe('11');
      }),
    );
  });
});
