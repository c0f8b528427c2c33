/**
 * Invoice periods as the platform names them: ROC year + the even month that ends the two-month period
 * (`11402` = 2025 January–February). The current one is Taiwan's, whatever the browser's zone.
 */

export const PERIOD_RE = /^\d{3}(0[2468]|1[02])$/;

const pad2 = (n: number) => String(n).padStart(2, '0');

/** The period a moment falls in, in Asia/Taipei. */
export function periodOf(at: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Taipei', year: 'numeric', month: 'numeric' }).formatToParts(
    at,
  );
  const year = Number(parts.find((p) => p.type === 'year')?.value);
  const month = Number(parts.find((p) => p.type === 'month')?.value);
  const even = month % 2 === 0 ? month : month + 1;
  return `${String(year - 1911).padStart(3, '0')}${pad2(even)}`;
}

/** `{ year: '114', from: '01', to: '02' }` for `11402`; null when not a period. */
export function periodParts(yearMonth: string): { year: string; from: string; to: string } | null {
  if (!PERIOD_RE.test(yearMonth)) return null;
  const to = Number(yearMonth.slice(3));
  return { year: String(Number(yearMonth.slice(0, 3))), from: pad2(to - 1), to: pad2(to) };
}

/** Whether the period has not ended yet (numbers left in it can still be used). */
export const periodOpen = (yearMonth: string, now: Date = new Date()) => yearMonth >= periodOf(now);

/** Under this share of a range's or block's numbers left (in a period still open): warn. */
export const LOW_SHARE = 0.1;

export const isLow = (remaining: number, size: number, yearMonth: string, now?: Date) =>
  periodOpen(yearMonth, now) && size > 0 && remaining < size * LOW_SHARE;
