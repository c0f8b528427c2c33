/**
 * Allocation arithmetic (E0401 semantics): ranges and blocks are whole booklets of 50 numbers
 * (begin ends in 00/50, end in 49/99). Pure functions over inclusive [begin, end] integer intervals.
 */

export const BOOKLET = 50;

export type Interval = { begin: number; end: number };

/** Whole booklets: begin ≡ 0 (mod 50), end ≡ 49 (mod 50), begin < end. */
export const isBookletAligned = (i: Interval): boolean =>
  i.begin % BOOKLET === 0 && i.end % BOOKLET === BOOKLET - 1 && i.end > i.begin;

export const sizeOf = (i: Interval): number => i.end - i.begin + 1;

export const inside = (inner: Interval, outer: Interval): boolean => inner.begin >= outer.begin && inner.end <= outer.end;

export const overlaps = (a: Interval, b: Interval): boolean => a.begin <= b.end && b.begin <= a.end;

/**
 * The lowest run of `size` free numbers in `range` not covered by `taken` (which may be unsorted),
 * or null. With aligned inputs and a size in whole booklets, the result is aligned too.
 */
export function findFreeRun(range: Interval, taken: readonly Interval[], size: number): Interval | null {
  if (size <= 0) return null;
  const sorted = [...taken].filter((t) => overlaps(t, range)).sort((a, b) => a.begin - b.begin);
  let cursor = range.begin;
  for (const t of sorted) {
    if (t.begin - cursor >= size) return { begin: cursor, end: cursor + size - 1 };
    cursor = Math.max(cursor, t.end + 1);
  }
  return range.end - cursor + 1 >= size ? { begin: cursor, end: cursor + size - 1 } : null;
}

/** Free intervals of `range` not covered by `taken` (for E0402 blanks of unallocated numbers, and display). */
export function freeIntervals(range: Interval, taken: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  const sorted = [...taken].filter((t) => overlaps(t, range)).sort((a, b) => a.begin - b.begin);
  let cursor = range.begin;
  for (const t of sorted) {
    if (t.begin > cursor) out.push({ begin: cursor, end: t.begin - 1 });
    cursor = Math.max(cursor, t.end + 1);
  }
  if (cursor <= range.end) out.push({ begin: cursor, end: range.end });
  return out;
}

/** An 8-digit invoice number string of `n` (the numeric part; the track letters are separate). */
export const formatNo = (n: number): string => String(n).padStart(8, '0');

/**
 * The numbers of a range never issued (E0402 blanks, einvoice-domain.md §3.2), each with the party it
 * belongs to: the parts of the range given to no block belong to `rangeOwner`; in each block, the
 * numbers from its next unissued one to its end belong to the block's owner (numbers in a block are
 * issued in order, so what is left of a block is one interval). Sorted by number.
 */
export function blankSpans<O>(
  range: Interval,
  rangeOwner: O,
  blocks: readonly (Interval & { nextNo: number; owner: O })[],
): (Interval & { owner: O })[] {
  const spans: (Interval & { owner: O })[] = freeIntervals(range, blocks).map((f) => ({ ...f, owner: rangeOwner }));
  for (const b of blocks) if (b.nextNo <= b.end) spans.push({ begin: Math.max(b.nextNo, b.begin), end: b.end, owner: b.owner });
  return spans.sort((a, b) => a.begin - b.begin);
}
