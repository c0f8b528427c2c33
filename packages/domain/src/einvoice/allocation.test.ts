import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blankSpans,
  findFreeRun,
  formatNo,
  freeIntervals,
  type Interval,
  isBookletAligned,
  overlaps,
  rangeBlanks,
  sizeOf,
} from './allocation.ts';

const range: Interval = { begin: 12_345_600, end: 12_346_099 }; // 10 booklets

describe('allocation arithmetic', () => {
  it('booklet alignment', () => {
    expect(isBookletAligned(range)).toBe(true);
    expect(isBookletAligned({ begin: 12_345_650, end: 12_345_699 })).toBe(true);
    expect(isBookletAligned({ begin: 12_345_601, end: 12_345_649 })).toBe(false);
    expect(isBookletAligned({ begin: 12_345_600, end: 12_345_648 })).toBe(false);
    expect(sizeOf(range)).toBe(500);
    expect(formatNo(50)).toBe('00000050');
  });

  it('findFreeRun takes the lowest gap that fits', () => {
    expect(findFreeRun(range, [], 100)).toEqual({ begin: 12_345_600, end: 12_345_699 });
    const taken = [
      { begin: 12_345_600, end: 12_345_649 },
      { begin: 12_345_750, end: 12_345_799 },
    ];
    expect(findFreeRun(range, taken, 50)).toEqual({ begin: 12_345_650, end: 12_345_699 });
    expect(findFreeRun(range, taken, 100)).toEqual({ begin: 12_345_650, end: 12_345_749 });
    expect(findFreeRun(range, taken, 200)).toEqual({ begin: 12_345_800, end: 12_345_999 });
    expect(findFreeRun(range, taken, 400)).toBeNull();
    expect(freeIntervals(range, taken)).toEqual([
      { begin: 12_345_650, end: 12_345_749 },
      { begin: 12_345_800, end: 12_346_099 },
    ]);
  });

  it('property: a found run is inside the range, free, aligned, of the asked size; null only when no gap fits', () => {
    const arb = fc.record({
      booklets: fc.integer({ min: 1, max: 40 }),
      takenMask: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
      want: fc.integer({ min: 1, max: 12 }),
    });
    fc.assert(
      fc.property(arb, ({ booklets, takenMask, want }) => {
        const r: Interval = { begin: 1000, end: 1000 + booklets * 50 - 1 };
        const taken: Interval[] = [];
        for (let i = 0; i < booklets; i++) if (takenMask[i]) taken.push({ begin: 1000 + i * 50, end: 1000 + i * 50 + 49 });
        const got = findFreeRun(r, taken, want * 50);
        const free = freeIntervals(r, taken);
        if (got === null) {
          expect(free.every((f) => sizeOf(f) < want * 50)).toBe(true);
        } else {
          expect(sizeOf(got)).toBe(want * 50);
          expect(isBookletAligned(got)).toBe(true);
          expect(got.begin >= r.begin && got.end <= r.end).toBe(true);
          expect(taken.some((t) => overlaps(t, got))).toBe(false);
          // Lowest: no fitting gap starts earlier.
          expect(free.filter((f) => sizeOf(f) >= want * 50)[0]?.begin).toBe(got.begin);
        }
        // Free + taken tile the range.
        const total = free.reduce((a, f) => a + sizeOf(f), 0) + taken.reduce((a, t) => a + sizeOf(t), 0);
        expect(total).toBe(sizeOf(r));
      }),
    );
  });
});

describe('blank numbers (E0402)', () => {
  it("unallocated parts go to the range owner, each block's unissued tail to the block owner", () => {
    const r: Interval = { begin: 0, end: 299 };
    const blocks = [
      { begin: 0, end: 49, nextNo: 50, owner: 'HQ' }, // used up
      { begin: 50, end: 99, nextNo: 60, owner: 'BR1' }, // 60-99 unissued
      { begin: 200, end: 249, nextNo: 200, owner: 'BR2' }, // untouched
    ];
    expect(blankSpans(r, 'HQ', blocks)).toEqual([
      { begin: 60, end: 99, owner: 'BR1' },
      { begin: 100, end: 199, owner: 'HQ' },
      { begin: 200, end: 249, owner: 'BR2' },
      { begin: 250, end: 299, owner: 'HQ' },
    ]);
    expect(blankSpans(r, 'HQ', [{ begin: 0, end: 299, nextNo: 300, owner: 'X' }])).toEqual([]);
    expect(blankSpans(r, 'HQ', [])).toEqual([{ begin: 0, end: 299, owner: 'HQ' }]);
  });

  it('counts the holes below a block’s next number (reserved offline, never submitted) as its blanks', () => {
    const r = { begin: 0, end: 299 };
    const owner = 'S1';
    // Block 0..99 issued up to 79; 10..14 and 70..79 were reserved and never submitted.
    const block = {
      begin: 0,
      end: 99,
      nextNo: 80,
      owner,
      holes: [
        { begin: 10, end: 14 },
        { begin: 70, end: 79 },
      ],
    };
    expect(blankSpans(r, 'HQ', [block])).toEqual([
      { begin: 10, end: 14, owner: 'S1' },
      { begin: 70, end: 99, owner: 'S1' }, // the hole runs on into the unissued tail: one run
      { begin: 100, end: 299, owner: 'HQ' },
    ]);
  });

  it('property: blanks and issued numbers tile the range exactly, without overlap', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ taken: fc.boolean(), used: fc.integer({ min: 0, max: 50 }) }), { minLength: 1, maxLength: 30 }),
        (bs) => {
          const r: Interval = { begin: 0, end: bs.length * 50 - 1 };
          const blocks = bs.flatMap((b, i) =>
            b.taken ? [{ begin: i * 50, end: i * 50 + 49, nextNo: i * 50 + b.used, owner: i }] : [],
          );
          const blanks = blankSpans(r, -1, blocks);
          const issued = blocks.reduce((a, b) => a + (b.nextNo - b.begin), 0);
          expect(blanks.reduce((a, x) => a + sizeOf(x), 0) + issued).toBe(sizeOf(r));
          for (let i = 1; i < blanks.length; i++) expect(blanks[i]!.begin).toBeGreaterThan(blanks[i - 1]!.end);
        },
      ),
    );
  });

  it('rangeBlanks: per range, spans under the owning BAN with the block they lie in and their count', () => {
    const ranges = [
      { id: 'r1', begin: 0, end: 299, ban: 'HQ' },
      { id: 'r2', begin: 1000, end: 1049, ban: 'HQ' },
    ];
    const blocks = [
      { id: 'b1', rangeId: 'r1', begin: 50, end: 99, nextNo: 60, ban: 'BR1' },
      { id: 'b2', rangeId: 'r1', begin: 0, end: 49, nextNo: 50, ban: 'HQ' },
      { id: 'b3', rangeId: 'r2', begin: 1000, end: 1049, nextNo: 1049, ban: 'HQ' },
    ];
    expect(rangeBlanks(ranges, blocks)).toEqual([
      {
        range: ranges[0],
        spans: [
          { begin: 60, end: 99, ban: 'BR1', blockId: 'b1', count: 40 },
          { begin: 100, end: 299, ban: 'HQ', blockId: null, count: 200 },
        ],
      },
      { range: ranges[1], spans: [{ begin: 1049, end: 1049, ban: 'HQ', blockId: 'b3', count: 1 }] },
    ]);
  });
});
