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
 * issued in order, so what is left of a block is one interval), and so do its `holes` — numbers below
 * its next one that were never issued (reserved for offline use and not submitted). Sorted by number.
 */
export function blankSpans<O>(
  range: Interval,
  rangeOwner: O,
  blocks: readonly (Interval & { nextNo: number; owner: O; holes?: readonly Interval[] })[],
): (Interval & { owner: O })[] {
  const spans: (Interval & { owner: O })[] = freeIntervals(range, blocks).map((f) => ({ ...f, owner: rangeOwner }));
  for (const b of blocks) {
    for (const h of b.holes ?? []) spans.push({ begin: h.begin, end: h.end, owner: b.owner });
    if (b.nextNo <= b.end) spans.push({ begin: Math.max(b.nextNo, b.begin), end: b.end, owner: b.owner });
  }
  // A hole that ends where the block's tail starts is one run with it.
  const merged: (Interval & { owner: O })[] = [];
  for (const x of spans.sort((a, b) => a.begin - b.begin)) {
    const last = merged.at(-1);
    if (last && last.owner === x.owner && last.end + 1 === x.begin) last.end = x.end;
    else merged.push({ ...x });
  }
  return merged;
}

/** A number range (E0501) for `rangeBlanks`: its unallocated numbers belong to `ban` (the seller's). */
export type BlankRange = Interval & { id: string; ban: string };
/**
 * A block of a range for `rangeBlanks`: numbers `nextNo`…`end` and the `holes` below `nextNo` (reserved
 * offline and never submitted) are unissued and belong to `ban`.
 */
export type BlankBlock = Interval & { id: string; rangeId: string; nextNo: number; ban: string; holes?: readonly Interval[] };
/** One E0402 detail line: an unissued run, the BAN it is reported under, and the block it lies in (null: none). */
export type BlankSpan = Interval & { ban: string; blockId: string | null; count: number };

/**
 * The blank numbers of each range (E0402, einvoice-domain.md §3.2), per the BAN that reports them: the
 * numbers of a range given to no block under the range's BAN (the seller's), each block's unissued tail
 * under the block's BAN (its site's branch BAN, else the seller's). `blocks` may hold the blocks of all
 * the ranges; each range gets its own. The one computation behind GET /api/v1/tracks/blanks and the
 * worker's period.close, so what is shown and what is stored for E0402 cannot differ.
 */
export function rangeBlanks<R extends BlankRange>(
  ranges: readonly R[],
  blocks: readonly BlankBlock[],
): { range: R; spans: BlankSpan[] }[] {
  return ranges.map((range) => {
    const own = blocks
      .filter((b) => b.rangeId === range.id)
      .map((b) => ({
        begin: b.begin,
        end: b.end,
        nextNo: b.nextNo,
        holes: b.holes ?? [],
        owner: { ban: b.ban, blockId: b.id as string | null },
      }));
    const spans = blankSpans({ begin: range.begin, end: range.end }, { ban: range.ban, blockId: null }, own).map((s) => ({
      begin: s.begin,
      end: s.end,
      ban: s.owner.ban,
      blockId: s.owner.blockId,
      count: sizeOf(s),
    }));
    return { range, spans };
  });
}
