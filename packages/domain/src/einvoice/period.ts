/**
 * Two-month VAT periods (期別) of the Taiwan e-invoice — einvoice-domain.md §3.1 and §3.2.
 *
 * A period covers an odd month and the even month after it (1–2, 3–4, …, 11–12) in Asia/Taipei time.
 * The MIG names a period by `YearMonth` = ROC year (3 digits) + the EVEN (last) month, e.g. `11402` =
 * 民國114年1–2月 = 2025-01-01 00:00 to 2025-03-01 00:00 Asia/Taipei.
 *
 * Asia/Taipei is a fixed UTC+8 here: Taiwan has not observed daylight saving time since 1979, so every boundary
 * is an exact UTC instant (local midnight = 16:00Z of the previous day) and no time-zone database is needed.
 * Nothing here reads the clock: every function takes the instant it works on.
 */

const TAIPEI_OFFSET_MS = 8 * 60 * 60 * 1000;
/** ROC year 1 = 1912. */
const ROC_EPOCH = 1911;
/** `YearMonth` has a 3-digit ROC year: 1 (1912) … 999 (2910). ROC year 0 does not exist. */
const MIN_ROC_YEAR = 1;
const MAX_ROC_YEAR = 999;

/** `YearMonth` as the XSD writes it (E0501/E0401/E0402): 3 digits, then 02, 04, 06, 08, 10 or 12. */
export const YEAR_MONTH_RE = /^\d{3}(0[2468]|1[02])$/;

/** A checked `YearMonth` string (`11402`). Obtain one from `parseYearMonth`, `isYearMonth` or a `Period`. */
export type YearMonth = string & { readonly __brand: 'YearMonth' };

export interface Period {
  /** `11402` for 民國114年1–2月. */
  readonly yearMonth: YearMonth;
  /** ROC year, 1…999 (114 for 2025). */
  readonly rocYear: number;
  /** Gregorian month number (1, 3, 5, 7, 9 or 11) of the period's first month. */
  readonly firstMonth: number;
  /** Inclusive: the 1st of the odd month, 00:00 Asia/Taipei. */
  readonly start: Date;
  /** Exclusive: the 1st of the month after the even month, 00:00 Asia/Taipei (= the next period's `start`). */
  readonly end: Date;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function makePeriod(rocYear: number, firstMonth: number): Period {
  const year = rocYear + ROC_EPOCH;
  return {
    yearMonth: `${pad(rocYear, 3)}${pad(firstMonth + 1, 2)}` as YearMonth,
    rocYear,
    firstMonth,
    start: new Date(Date.UTC(year, firstMonth - 1, 1) - TAIPEI_OFFSET_MS),
    // Date.UTC rolls month 12 (January of the next year) over by itself.
    end: new Date(Date.UTC(year, firstMonth + 1, 1) - TAIPEI_OFFSET_MS),
  };
}

/** Whether `s` is a `YearMonth` (pattern of the XSD, and ROC year ≥ 1). */
export function isYearMonth(s: string): s is YearMonth {
  return YEAR_MONTH_RE.test(s) && Number(s.slice(0, 3)) >= MIN_ROC_YEAR;
}

/** The period named by a `YearMonth` string, or `null` when `s` is not one (`11401`, `1142`, `00002`, …). */
export function parseYearMonth(s: string): Period | null {
  if (!isYearMonth(s)) return null;
  return makePeriod(Number(s.slice(0, 3)), Number(s.slice(3, 5)) - 1);
}

/** Calendar fields of `at` in Asia/Taipei (Gregorian year, month 1–12, day 1–31). */
export function taipeiDateParts(at: Date): { year: number; month: number; day: number } {
  const t = at.getTime();
  if (Number.isNaN(t)) throw new RangeError('Invalid Date');
  const local = new Date(t + TAIPEI_OFFSET_MS);
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
}

function rocYearOf(year: number): number {
  const roc = year - ROC_EPOCH;
  if (roc < MIN_ROC_YEAR || roc > MAX_ROC_YEAR) {
    throw new RangeError(`Gregorian year ${year} has no 3-digit ROC year (1912–2910 only)`);
  }
  return roc;
}

/**
 * The period that contains the instant `at` (Asia/Taipei). Throws a `RangeError` for an invalid Date or
 * one outside ROC years 1–999.
 */
export function periodOf(at: Date): Period {
  const { year, month } = taipeiDateParts(at);
  return makePeriod(rocYearOf(year), month % 2 === 1 ? month : month - 1);
}

/** Whether `at` lies in `period` (`start` ≤ at < `end`). */
export function periodContains(period: Period, at: Date): boolean {
  const t = at.getTime();
  return t >= period.start.getTime() && t < period.end.getTime();
}

/** The period after `period` (11412 → 11502). Throws a `RangeError` after ROC year 999. */
export function nextPeriod(period: Period): Period {
  if (period.firstMonth === 11) {
    if (period.rocYear >= MAX_ROC_YEAR) throw new RangeError(`no period after ${period.yearMonth}`);
    return makePeriod(period.rocYear + 1, 1);
  }
  return makePeriod(period.rocYear, period.firstMonth + 2);
}

/** The period before `period` (11502 → 11412). Throws a `RangeError` before ROC year 1. */
export function previousPeriod(period: Period): Period {
  if (period.firstMonth === 1) {
    if (period.rocYear <= MIN_ROC_YEAR) throw new RangeError(`no period before ${period.yearMonth}`);
    return makePeriod(period.rocYear - 1, 11);
  }
  return makePeriod(period.rocYear, period.firstMonth - 2);
}

/**
 * The period written as in the platform's 字軌號碼 CSV: `"113/01 ~ 113/02"` → the period `11302`.
 * Spaces around the tilde are optional and a full-width tilde `～` is accepted (cp950 exports); the ROC
 * year may have 1–3 digits and months 1–2 digits. Returns `null` unless the text names exactly one
 * two-month period (an odd month followed by the next month of the same year).
 */
export function periodFromRocRange(s: string): Period | null {
  const m = /^\s*(\d{1,3})\/(\d{1,2})\s*[~～]\s*(\d{1,3})\/(\d{1,2})\s*$/.exec(s);
  if (!m) return null;
  const [y1, m1, y2, m2] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  if (y1 !== y2 || y1 < MIN_ROC_YEAR || m1 % 2 !== 1 || m1 > 11 || m2 !== m1 + 1) return null;
  return makePeriod(y1, m1);
}

/** The CSV form of a period: `"113/01 ~ 113/02"` (inverse of `periodFromRocRange`). */
export function formatRocRange(period: Period): string {
  const y = pad(period.rocYear, 3);
  return `${y}/${pad(period.firstMonth, 2)} ~ ${y}/${pad(period.firstMonth + 1, 2)}`;
}

/**
 * The Asia/Taipei calendar date of `at` in ROC form: `YYYMMDD` (`1140105` for 2025-01-05), or with a
 * separator (`rocDate(at, '/')` → `114/01/05`). The ROC year is Gregorian − 1911, always 3 digits.
 * Throws a `RangeError` for an invalid Date or one outside ROC years 1–999.
 */
export function rocDate(at: Date, separator = ''): string {
  const { year, month, day } = taipeiDateParts(at);
  return [pad(rocYearOf(year), 3), pad(month, 2), pad(day, 2)].join(separator);
}

/**
 * Deadline for the E0402 空白未使用字軌 upload of `period`: the blank numbers must be sent "within 10 days
 * of the start of the next period", i.e. by the END of the 10th day of the next period's first month,
 * Asia/Taipei (einvoice-domain.md §3.2).
 *
 * The instant returned is EXCLUSIVE, like `Period.end`: the 11th of that month at 00:00 Asia/Taipei
 * (= the 10th at 16:00:00.000Z). An upload at `at` is on time iff `at < e0402Deadline(period)`; the last
 * on-time millisecond is the 10th at 23:59:59.999 Asia/Taipei. Example: period `11412` → 2026-01-11T00:00+08:00.
 * No holiday postponement is applied (whether the 10th moves when it is a holiday is not known).
 */
export function e0402Deadline(period: Period): Date {
  const next = nextPeriod(period);
  return new Date(next.start.getTime() + 10 * 24 * 60 * 60 * 1000);
}
