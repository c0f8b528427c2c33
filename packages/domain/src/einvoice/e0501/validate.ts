/**
 * Checks E0501 allocations before they become usable number ranges — einvoice-domain.md §3.
 *
 * Per entry: Ban is 8 digits, passes the checksum at `ctx.at` and is a known seller; InvoiceType 07/08
 * (the CSV's `7`/`8` mean `07`/`08`); YearMonth is ROC year + even month (CSV: the `113/01 ~ 113/02` form);
 * InvoiceTrack two letters A–Z; begin/end 8 digits, begin ending in 00/50, end in 49/99, begin ≤ end;
 * booklets = (end − begin + 1) / 50, and for XML equal to InvoiceBooklet.
 *
 * Overlaps: the MOF never hands out the same track + number twice in one period, so ranges are compared
 * per (YearMonth, InvoiceTrack) whatever their Ban or InvoiceType:
 * - against `ctx.existingRanges`: the same Ban and exactly the same range → `ALREADY_IMPORTED` (a re-import,
 *   "nothing new"); any other overlap → `OVERLAPS_EXISTING`;
 * - within the file: an exact repeat (same Ban, type and range) of an earlier entry → `DUPLICATE_IN_FILE` on
 *   the repeat only; any other overlap → `OVERLAPS_IN_FILE` on both entries, since neither can be trusted.
 * Overlaps are checked for every entry whose period, track and numbers are readable, even when another
 * field is wrong, so a broken file shows all its conflicts at once.
 */
import { isValidBan } from '../ban.ts';
import { isYearMonth, periodFromRocRange, type YearMonth } from '../period.ts';
import { type E0501Position, type E0501Reason, type RangeLabel, reasons } from './reasons.ts';
import type { RawE0501Entry } from './types.ts';

export const BOOKLET_SIZE = 50;

/** A range already stored (from earlier imports). `begin`/`end` as 8-digit strings or numbers. */
export interface ExistingTrackRange {
  readonly ban: string;
  readonly yearMonth: string;
  readonly track: string;
  readonly begin: string | number;
  readonly end: string | number;
}

export interface ValidateE0501Context {
  /** BANs of the sellers this installation issues for. */
  readonly knownSellerBans: ReadonlySet<string>;
  readonly existingRanges: readonly ExistingTrackRange[];
  /** The instant whose BAN checksum rule applies (the import time). */
  readonly at: Date;
}

/** A checked allocation: numbers `begin`…`end` (8-digit strings, inclusive) of `track` in `yearMonth`. */
export interface TrackRange {
  readonly ban: string;
  readonly invoiceType: '07' | '08';
  readonly yearMonth: YearMonth;
  readonly track: string;
  readonly begin: string;
  readonly end: string;
  readonly booklets: number;
}

export type E0501EntryResult =
  | { readonly ok: true; readonly index: number; readonly line?: number | undefined; readonly range: TrackRange }
  | { readonly ok: false; readonly index: number; readonly line?: number | undefined; readonly reasons: E0501Reason[] };

const NUMBER_RE = /^\d{8}$/;
const TRACK_RE = /^[A-Z]{2}$/;
const BOOKLET_RE = /^\d{1,10}$/;

const present = (v: string | undefined): v is string => v !== undefined && v !== '';

/** The parts of an entry needed to compare ranges; only set when they are all readable and begin ≤ end. */
interface RangeKey extends RangeLabel {
  readonly key: string;
  readonly yearMonth: YearMonth;
  readonly from: number;
  readonly to: number;
}

interface Checked {
  readonly reasons: E0501Reason[];
  readonly range?: TrackRange | undefined;
  readonly rangeKey?: RangeKey | undefined;
  readonly ban?: string | undefined;
  readonly invoiceType?: string | undefined;
}

function checkEntry(entry: RawE0501Entry, ctx: ValidateE0501Context): Checked {
  const out: E0501Reason[] = [...entry.issues];
  const f = entry.fields;
  const csv = entry.source === 'csv';

  let ban: string | undefined;
  if (!present(f.ban)) out.push(reasons.missing('Ban'));
  else if (!NUMBER_RE.test(f.ban)) out.push(reasons.banFormat(f.ban));
  else {
    if (!isValidBan(f.ban, ctx.at)) out.push(reasons.banChecksum(f.ban));
    if (!ctx.knownSellerBans.has(f.ban)) out.push(reasons.banUnknownSeller(f.ban));
    ban = f.ban;
  }

  let invoiceType: '07' | '08' | undefined;
  if (!present(f.invoiceType)) out.push(reasons.missing('InvoiceType'));
  else {
    const t = csv && /^[78]$/.test(f.invoiceType) ? `0${f.invoiceType}` : f.invoiceType;
    if (t === '07' || t === '08') invoiceType = t;
    else out.push(reasons.invoiceTypeInvalid(f.invoiceType, csv));
  }

  let yearMonth: YearMonth | undefined;
  if (csv) {
    if (!present(f.period)) out.push(reasons.missing('YearMonth'));
    else {
      yearMonth = periodFromRocRange(f.period)?.yearMonth;
      if (yearMonth === undefined) out.push(reasons.periodInvalid(f.period));
    }
  } else if (!present(f.yearMonth)) out.push(reasons.missing('YearMonth'));
  else if (isYearMonth(f.yearMonth)) yearMonth = f.yearMonth;
  else out.push(reasons.yearMonthInvalid(f.yearMonth));

  let track: string | undefined;
  if (!present(f.track)) out.push(reasons.missing('InvoiceTrack'));
  else if (TRACK_RE.test(f.track)) track = f.track;
  else out.push(reasons.trackInvalid(f.track));

  let begin: string | undefined;
  let beginOnGrid = false;
  if (!present(f.begin)) out.push(reasons.missing('InvoiceBeginNo'));
  else if (!NUMBER_RE.test(f.begin)) out.push(reasons.beginFormat(f.begin));
  else {
    begin = f.begin;
    beginOnGrid = Number(begin) % BOOKLET_SIZE === 0;
    if (!beginOnGrid) out.push(reasons.beginNotBookletStart(begin));
  }

  let end: string | undefined;
  let endOnGrid = false;
  if (!present(f.end)) out.push(reasons.missing('InvoiceEndNo'));
  else if (!NUMBER_RE.test(f.end)) out.push(reasons.endFormat(f.end));
  else {
    end = f.end;
    endOnGrid = Number(end) % BOOKLET_SIZE === BOOKLET_SIZE - 1;
    if (!endOnGrid) out.push(reasons.endNotBookletEnd(end));
  }

  const ordered = begin !== undefined && end !== undefined && Number(begin) <= Number(end);
  if (begin !== undefined && end !== undefined && !ordered) out.push(reasons.rangeReversed(begin, end));
  const booklets = ordered && beginOnGrid && endOnGrid ? (Number(end) - Number(begin) + 1) / BOOKLET_SIZE : undefined;

  if (!csv) {
    if (!present(f.booklet)) out.push(reasons.missing('InvoiceBooklet'));
    else if (!BOOKLET_RE.test(f.booklet)) out.push(reasons.bookletFormat(f.booklet));
    else if (booklets !== undefined && Number(f.booklet) !== booklets) {
      out.push(reasons.bookletMismatch(f.booklet, { track: track ?? '', begin: begin as string, end: end as string }, booklets));
    }
  }

  const rangeKey: RangeKey | undefined =
    ordered && yearMonth !== undefined && track !== undefined
      ? {
          key: `${yearMonth}|${track}`,
          yearMonth,
          track,
          begin: begin as string,
          end: end as string,
          from: Number(begin),
          to: Number(end),
        }
      : undefined;
  const range: TrackRange | undefined =
    ban !== undefined && invoiceType !== undefined && rangeKey !== undefined && booklets !== undefined
      ? {
          ban,
          invoiceType,
          yearMonth: rangeKey.yearMonth,
          track: rangeKey.track,
          begin: rangeKey.begin,
          end: rangeKey.end,
          booklets,
        }
      : undefined;
  return { reasons: out, range, rangeKey, ban, invoiceType };
}

const pad8 = (n: number) => String(n).padStart(8, '0');
const wholeNumber = (v: string | number): number | undefined => {
  const n = typeof v === 'number' ? v : /^\d{1,8}$/.test(v) ? Number(v) : Number.NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
};

function existingByKey(existing: readonly ExistingTrackRange[]) {
  const map = new Map<string, { ban: string; track: string; from: number; to: number; begin: string; end: string }[]>();
  for (const r of existing) {
    const from = wholeNumber(r.begin);
    const to = wholeNumber(r.end);
    if (from === undefined || to === undefined) {
      throw new TypeError(`existing range ${r.yearMonth} ${r.track} ${r.begin}–${r.end} does not have whole numbers`);
    }
    const key = `${r.yearMonth}|${r.track}`;
    const list = map.get(key) ?? [];
    list.push({ ban: r.ban, track: r.track, from, to, begin: pad8(from), end: pad8(to) });
    map.set(key, list);
  }
  return map;
}

/**
 * Validates parsed E0501 entries (from `parseE0501Xml` / `parseE0501Csv`) against the rules above and the
 * ranges already stored. Returns one result per entry, in order.
 */
export function validateE0501Entries(entries: readonly RawE0501Entry[], ctx: ValidateE0501Context): E0501EntryResult[] {
  const checked = entries.map((e) => checkEntry(e, ctx));
  const existing = existingByKey(ctx.existingRanges);

  checked.forEach((c) => {
    const k = c.rangeKey;
    if (k === undefined) return;
    for (const r of existing.get(k.key) ?? []) {
      if (r.to < k.from || r.from > k.to) continue;
      if (r.from === k.from && r.to === k.to && r.ban === c.ban) c.reasons.push(reasons.alreadyImported(k.yearMonth, k, r.ban));
      else c.reasons.push(reasons.overlapsExisting(k.yearMonth, k, r));
    }
  });

  const position = (i: number): E0501Position => ({ index: i, line: entries[i]?.line });
  const byKey = new Map<string, number[]>();
  checked.forEach((c, i) => {
    if (c.rangeKey === undefined) return;
    const list = byKey.get(c.rangeKey.key) ?? [];
    list.push(i);
    byKey.set(c.rangeKey.key, list);
  });
  for (const group of byKey.values()) {
    const duplicates = new Set<number>();
    for (let a = 0; a < group.length; a++) {
      for (let b = a + 1; b < group.length; b++) {
        const [i, j] = [group[a] as number, group[b] as number];
        const [ci, cj] = [checked[i] as Checked, checked[j] as Checked];
        const [ki, kj] = [ci.rangeKey as RangeKey, cj.rangeKey as RangeKey];
        if (ki.to < kj.from || ki.from > kj.to) continue;
        const repeat = ki.from === kj.from && ki.to === kj.to && ci.ban === cj.ban && ci.invoiceType === cj.invoiceType;
        if (repeat) {
          if (!duplicates.has(j)) cj.reasons.push(reasons.duplicateInFile(kj.yearMonth, kj, position(i)));
          duplicates.add(j);
        } else {
          ci.reasons.push(reasons.overlapsInFile(ki.yearMonth, ki, kj, position(j)));
          cj.reasons.push(reasons.overlapsInFile(kj.yearMonth, kj, ki, position(i)));
        }
      }
    }
  }

  return checked.map((c, i) => {
    const { index, line } = entries[i] as RawE0501Entry;
    if (c.reasons.length === 0 && c.range !== undefined) return { ok: true, index, line, range: c.range };
    return { ok: false, index, line, reasons: c.reasons };
  });
}

const SKIPPABLE = new Set(['ALREADY_IMPORTED', 'DUPLICATE_IN_FILE']);

export interface E0501Summary {
  /** Ranges to store. */
  readonly ranges: TrackRange[];
  /** Entries refused only because they are already stored or repeat an earlier entry of the file. */
  readonly alreadyImported: number;
  /** Entries refused for any other reason. */
  readonly rejected: Extract<E0501EntryResult, { ok: false }>[];
  /** True when the file adds nothing and has no errors: a re-import of a file already imported. */
  readonly nothingNew: boolean;
}

/** Sorts results into ranges to store, harmless repeats, and real rejections. */
export function summarizeE0501Results(results: readonly E0501EntryResult[]): E0501Summary {
  const ranges: TrackRange[] = [];
  const rejected: Extract<E0501EntryResult, { ok: false }>[] = [];
  let alreadyImported = 0;
  for (const r of results) {
    if (r.ok) ranges.push(r.range);
    else if (r.reasons.every((x) => SKIPPABLE.has(x.code))) alreadyImported++;
    else rejected.push(r);
  }
  return { ranges, alreadyImported, rejected, nothingNew: ranges.length === 0 && rejected.length === 0 && alreadyImported > 0 };
}
