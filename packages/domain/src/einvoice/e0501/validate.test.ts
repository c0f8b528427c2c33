import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidBan } from '../ban.ts';
import { parseE0501Csv } from './parse-csv.ts';
import { parseE0501Xml } from './parse-xml.ts';
import type { E0501ReasonCode } from './reasons.ts';
import type { RawE0501Entry, RawE0501Fields } from './types.ts';
import {
  type E0501EntryResult,
  type ExistingTrackRange,
  summarizeE0501Results,
  type ValidateE0501Context,
  validateE0501Entries,
} from './validate.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const opts = { maxBytes: 64 * 1024 };
const AT = new Date('2025-01-15T10:00:00+08:00');
const SELLERS = ['24549210', '10458575', '04595252', '53212539'];
const ctx = (existingRanges: ExistingTrackRange[] = [], knownSellerBans = new Set(SELLERS)): ValidateE0501Context => ({
  knownSellerBans,
  existingRanges,
  at: AT,
});

const GOOD: RawE0501Fields = {
  ban: '24549210',
  invoiceType: '07',
  yearMonth: '11402',
  track: 'AB',
  begin: '12345600',
  end: '12345699',
  booklet: '2',
};
const xmlEntry = (fields: RawE0501Fields, index = 0): RawE0501Entry => ({ source: 'xml', index, fields, issues: [] });
const codes = (r: E0501EntryResult | undefined) => (r === undefined || r.ok ? [] : r.reasons.map((x) => x.code));
const messages = (r: E0501EntryResult | undefined) => (r === undefined || r.ok ? [] : r.reasons.map((x) => x.message));

describe('validateE0501Entries: single entries', () => {
  it('accepts a good XML entry and returns the range', () => {
    const [r] = validateE0501Entries([xmlEntry(GOOD)], ctx());
    expect(r).toEqual({
      ok: true,
      index: 0,
      line: undefined,
      range: {
        ban: '24549210',
        invoiceType: '07',
        yearMonth: '11402',
        track: 'AB',
        begin: '12345600',
        end: '12345699',
        booklets: 2,
      },
    });
  });

  it.each<[string, RawE0501Fields, E0501ReasonCode[], string?]>([
    ['Ban missing', { ban: undefined }, ['FIELD_MISSING'], 'Ban is missing or empty'],
    ['Ban empty', { ban: '' }, ['FIELD_MISSING']],
    ['Ban not 8 digits', { ban: '2454921' }, ['BAN_FORMAT'], 'Ban 2454921 must be 8 digits'],
    ['Ban checksum', { ban: '12345678' }, ['BAN_CHECKSUM', 'BAN_UNKNOWN_SELLER'], 'Ban 12345678 fails the BAN checksum'],
    ['Ban unknown', { ban: '16151904' }, ['BAN_UNKNOWN_SELLER'], 'Ban 16151904 is not a seller of this account'],
    ['InvoiceType 7 in XML', { invoiceType: '7' }, ['INVOICE_TYPE_INVALID'], 'InvoiceType 7 must be 07 or 08'],
    ['InvoiceType 01', { invoiceType: '01' }, ['INVOICE_TYPE_INVALID']],
    ['YearMonth odd month', { yearMonth: '11401' }, ['YEAR_MONTH_INVALID'], 'YearMonth 11401 must be a 3-digit ROC year'],
    ['YearMonth Gregorian', { yearMonth: '202502' }, ['YEAR_MONTH_INVALID']],
    ['track lower case', { track: 'ab' }, ['TRACK_INVALID'], 'InvoiceTrack ab must be two letters A–Z'],
    ['track 3 letters', { track: 'ABC' }, ['TRACK_INVALID']],
    ['begin 7 digits', { begin: '1234560' }, ['BEGIN_NO_FORMAT'], 'InvoiceBeginNo 1234560 must be 8 digits'],
    ['begin off grid', { begin: '12345601' }, ['BEGIN_NO_NOT_BOOKLET_START'], 'InvoiceBeginNo 12345601 must end in 00 or 50'],
    ['end off grid', { end: '12345698' }, ['END_NO_NOT_BOOKLET_END'], 'InvoiceEndNo 12345698 must end in 49 or 99'],
    ['end not digits', { end: '1234569X' }, ['END_NO_FORMAT']],
    [
      'begin after end',
      { begin: '12345700', end: '12345649' },
      ['RANGE_REVERSED'],
      'InvoiceBeginNo 12345700 is after InvoiceEndNo 12345649',
    ],
    [
      'booklet wrong',
      { booklet: '3' },
      ['BOOKLET_MISMATCH'],
      'InvoiceBooklet 3 does not match AB12345600–AB12345699, which holds 2 booklet(s) of 50',
    ],
    ['booklet not a number', { booklet: '2.0' }, ['BOOKLET_FORMAT']],
    ['booklet missing', { booklet: undefined }, ['FIELD_MISSING']],
  ])('%s', (_name, patch, expected, message) => {
    const [r] = validateE0501Entries([xmlEntry({ ...GOOD, ...patch })], ctx());
    expect(r?.ok).toBe(false);
    expect(codes(r)).toEqual(expected);
    if (message) expect(messages(r)[0]).toContain(message);
  });

  it('keeps leading zeros and accepts a booklet written with them', () => {
    const [r] = validateE0501Entries(
      [xmlEntry({ ...GOOD, ban: '04595252', begin: '00000000', end: '00000049', booklet: '0001' })],
      ctx(),
    );
    expect(r).toMatchObject({ ok: true, range: { ban: '04595252', begin: '00000000', end: '00000049', booklets: 1 } });
  });

  it('applies the BAN rule of `at`: 04595252 is valid only from 2023-04-01 Asia/Taipei', () => {
    const entry = xmlEntry({ ...GOOD, ban: '04595252' });
    expect(validateE0501Entries([entry], { ...ctx(), at: new Date('2023-04-01T00:00:00+08:00') })[0]?.ok).toBe(true);
    expect(codes(validateE0501Entries([entry], { ...ctx(), at: new Date('2023-03-31T23:59:59+08:00') })[0])).toEqual([
      'BAN_CHECKSUM',
    ]);
  });

  it('reports every problem of an entry, in field order, with messageZh', () => {
    const [r] = validateE0501Entries(
      [xmlEntry({ ban: '2454 9210', invoiceType: '09', yearMonth: '1', track: '1', begin: '', end: 'y' })],
      ctx(),
    );
    expect(codes(r)).toEqual([
      'BAN_FORMAT',
      'INVOICE_TYPE_INVALID',
      'YEAR_MONTH_INVALID',
      'TRACK_INVALID',
      'FIELD_MISSING',
      'END_NO_FORMAT',
      'FIELD_MISSING',
    ]);
    if (r?.ok === false) {
      expect(r.reasons.map((x) => x.field)).toEqual([
        'Ban',
        'InvoiceType',
        'YearMonth',
        'InvoiceTrack',
        'InvoiceBeginNo',
        'InvoiceEndNo',
        'InvoiceBooklet',
      ]);
      expect(r.reasons.every((x) => x.messageZh.length > 0)).toBe(true);
      expect(r.reasons[0]?.message).toBe('Ban "2454 9210" must be 8 digits');
      expect(r.reasons[0]?.messageZh).toBe('統一編號 "2454 9210" 須為 8 位數字');
    }
  });

  it('CSV entries: 7/8 mean 07/08, the period comes from the ROC range, no booklet column', () => {
    const csvEntry = (fields: RawE0501Fields): RawE0501Entry => ({ source: 'csv', index: 0, line: 3, fields, issues: [] });
    const base = { ban: '24549210', period: '113/01 ~ 113/02', track: 'AB', begin: '12345600', end: '12345649' };
    const [ok7, ok08, bad9, badPeriod] = validateE0501Entries(
      [
        csvEntry({ ...base, invoiceType: '7' }),
        csvEntry({ ...base, invoiceType: '08', track: 'AC' }),
        csvEntry({ ...base, invoiceType: '9', track: 'AD' }),
        csvEntry({ ...base, invoiceType: '07', track: 'AE', period: '113/02 ~ 113/03' }),
      ],
      ctx(),
    );
    expect(ok7).toMatchObject({ ok: true, line: 3, range: { invoiceType: '07', yearMonth: '11302', booklets: 1 } });
    expect(ok08).toMatchObject({ ok: true, range: { invoiceType: '08' } });
    expect(messages(bad9)).toEqual(['InvoiceType 9 must be 7, 07, 8 or 08']);
    expect(codes(badPeriod)).toEqual(['YEAR_MONTH_INVALID']);
    expect(messages(badPeriod)[0]).toContain('"113/02 ~ 113/03"');
  });

  it('passes parser issues through', () => {
    const file = parseE0501Xml(fixture('envelope-foreign-ban.xml'), opts);
    const results = validateE0501Entries(file.entries, ctx());
    expect(results[0]?.ok).toBe(true);
    expect(codes(results[1])).toEqual(['BAN_NOT_ENVELOPE_PARTY']); // 53212539 is a known seller, but not this envelope's
  });
});

describe('validateE0501Entries: overlaps', () => {
  const existing: ExistingTrackRange[] = [
    { ban: '53212539', yearMonth: '11402', track: 'AB', begin: '12345650', end: '12345749' },
    { ban: '24549210', yearMonth: '11402', track: 'CD', begin: 100, end: 199 },
  ];

  it('checks per (YearMonth, track) whatever the Ban and type', () => {
    const results = validateE0501Entries(
      [
        xmlEntry({ ...GOOD, invoiceType: '08' }), // overlaps 53212539's AB 12345650–12345749
        xmlEntry({ ...GOOD, yearMonth: '11404' }, 1), // same numbers, other period: fine
        xmlEntry({ ...GOOD, track: 'AC' }, 2), // other track: fine
        xmlEntry({ ...GOOD, begin: '12345750', end: '12345799', booklet: '1' }, 3), // right after: fine
      ],
      ctx(existing),
    );
    expect(codes(results[0])).toEqual(['OVERLAPS_EXISTING']);
    expect(messages(results[0])[0]).toBe(
      'AB12345600–AB12345699 of period 11402 overlaps AB12345650–AB12345749 already assigned to Ban 53212539',
    );
    expect(results.slice(1).map((r) => r.ok)).toEqual([true, true, true]);
  });

  it('an exact re-import is ALREADY_IMPORTED, also with numeric stored bounds; a summary says nothing new', () => {
    const again = xmlEntry({ ...GOOD, track: 'CD', begin: '00000100', end: '00000199', booklet: '2' });
    const results = validateE0501Entries([again], ctx(existing));
    expect(codes(results[0])).toEqual(['ALREADY_IMPORTED']);
    expect(messages(results[0])[0]).toBe('CD00000100–CD00000199 of period 11402 for Ban 24549210 was already imported');
    expect(summarizeE0501Results(results)).toEqual({ ranges: [], alreadyImported: 1, rejected: [], nothingNew: true });
    // the same numbers for another Ban is a conflict, not a re-import
    const other = xmlEntry({ ...again.fields, ban: '10458575' });
    expect(codes(validateE0501Entries([other], ctx(existing))[0])).toEqual(['OVERLAPS_EXISTING']);
  });

  it('within the file: overlaps flag both entries, exact repeats only the later one', () => {
    const results = validateE0501Entries(
      [
        { ...xmlEntry(GOOD, 0), line: 10 },
        { ...xmlEntry({ ...GOOD, ban: '53212539', begin: '12345650', end: '12345749' }, 1), line: 20 },
        { ...xmlEntry({ ...GOOD, track: 'ZZ' }, 2), line: 30 },
        { ...xmlEntry({ ...GOOD, track: 'ZZ' }, 3), line: 40 },
        { ...xmlEntry({ ...GOOD, track: 'ZZ' }, 4), line: 50 },
      ],
      ctx(),
    );
    expect(results.map(codes)).toEqual([
      ['OVERLAPS_IN_FILE'],
      ['OVERLAPS_IN_FILE'],
      [],
      ['DUPLICATE_IN_FILE'],
      ['DUPLICATE_IN_FILE'],
    ]);
    expect(messages(results[0])[0]).toBe(
      'AB12345600–AB12345699 of period 11402 overlaps AB12345650–AB12345749 at line 20 of this file',
    );
    expect(messages(results[1])[0]).toContain('at line 10');
    expect(messages(results[4])[0]).toBe('ZZ12345600–ZZ12345699 of period 11402 repeats line 30 of this file');
    const summary = summarizeE0501Results(results);
    expect(summary).toMatchObject({ alreadyImported: 2, nothingNew: false });
    expect(summary.ranges.map((r) => r.track)).toEqual(['ZZ']);
    expect(summary.rejected.map((r) => r.index)).toEqual([0, 1]);
  });

  it('entries with another error still take part in overlap checks; entries without readable numbers do not', () => {
    const results = validateE0501Entries(
      [xmlEntry({ ...GOOD, ban: '16151904' }), xmlEntry({ ...GOOD, begin: '12345650', end: '12345649' }, 1), xmlEntry(GOOD, 2)],
      ctx(),
    );
    expect(codes(results[0])).toEqual(['BAN_UNKNOWN_SELLER', 'OVERLAPS_IN_FILE']);
    expect(codes(results[1])).toEqual(['RANGE_REVERSED']);
    expect(codes(results[2])).toEqual(['OVERLAPS_IN_FILE']);
    expect(messages(results[2])[0]).toContain('at entry 1 of this file');
  });

  it('refuses stored ranges without whole numbers (a programming error)', () => {
    expect(() =>
      validateE0501Entries([xmlEntry(GOOD)], ctx([{ ban: '24549210', yearMonth: '11402', track: 'AB', begin: 'x', end: '1' }])),
    ).toThrow(TypeError);
    expect(() =>
      validateE0501Entries([xmlEntry(GOOD)], ctx([{ ban: '24549210', yearMonth: '11402', track: 'AB', begin: '', end: 49 }])),
    ).toThrow(TypeError);
    expect(() =>
      validateE0501Entries([xmlEntry(GOOD)], ctx([{ ban: '24549210', yearMonth: '11402', track: 'AB', begin: 1.5, end: 49 }])),
    ).toThrow(TypeError);
  });
});

describe('fixtures end to end', () => {
  it('bad-rows.csv: every row gets the reasons it deserves', () => {
    const existing: ExistingTrackRange[] = [
      { ban: '53212539', yearMonth: '11302', track: 'EX', begin: '00005050', end: '00005149' },
      { ban: '24549210', yearMonth: '11302', track: 'AI', begin: '00007000', end: '00007049' },
    ];
    const file = parseE0501Csv(fixture('bad-rows.csv'), opts);
    const results = validateE0501Entries(file.entries, ctx(existing));
    expect(results.map((r) => [r.line, codes(r)])).toEqual([
      [1, ['BAN_FORMAT']],
      [2, ['BAN_CHECKSUM', 'BAN_UNKNOWN_SELLER']],
      [3, ['BAN_UNKNOWN_SELLER']],
      [4, ['INVOICE_TYPE_INVALID']],
      [5, ['YEAR_MONTH_INVALID']],
      [6, ['TRACK_INVALID']],
      [7, ['BEGIN_NO_FORMAT']],
      [8, ['BEGIN_NO_NOT_BOOKLET_START']],
      [9, ['END_NO_NOT_BOOKLET_END']],
      [10, ['RANGE_REVERSED']],
      [11, ['CSV_TOO_FEW_COLUMNS', 'FIELD_MISSING', 'FIELD_MISSING', 'FIELD_MISSING']],
      [12, ['FIELD_MISSING']],
      [14, ['OVERLAPS_IN_FILE']],
      [15, ['OVERLAPS_IN_FILE']],
      [16, []],
      [17, ['DUPLICATE_IN_FILE']],
      [18, ['OVERLAPS_EXISTING']],
      [19, ['ALREADY_IMPORTED']],
      [20, []],
    ]);
    expect(results.filter((r) => r.ok).map((r) => r.line)).toEqual([16, 20]);
  });

  it('the XML and CSV fixtures that should pass do pass', () => {
    const xmlResults = ['bare-assign-no.xml', 'bare-assign-no-3.2.xml', 'envelope-three.xml', 'prefixed-crlf.xml'].flatMap((f) =>
      validateE0501Entries(parseE0501Xml(fixture(f), opts).entries, ctx()),
    );
    expect(xmlResults.map(codes)).toEqual(xmlResults.map(() => []));
    const csvResults = ['big5.csv', 'utf8-bom-header.csv'].flatMap((f) =>
      validateE0501Entries(parseE0501Csv(fixture(f), opts).entries, ctx()),
    );
    expect(csvResults.map(codes)).toEqual(csvResults.map(() => []));
    expect(csvResults).toHaveLength(7);
  });

  it('importing envelope-three.xml twice reports nothing new the second time', () => {
    const entries = parseE0501Xml(fixture('envelope-three.xml'), opts).entries;
    const first = summarizeE0501Results(validateE0501Entries(entries, ctx()));
    expect(first.ranges.map((r) => `${r.yearMonth}${r.track}${r.begin}-${r.end}/${r.booklets}`)).toEqual([
      '11402AB12345600-12345649/1',
      '11402AC00000050-00000249/4',
      '11404XY87654500-87654999/10',
    ]);
    const second = summarizeE0501Results(validateE0501Entries(entries, ctx(first.ranges)));
    expect(second).toEqual({ ranges: [], alreadyImported: 3, rejected: [], nothingNew: true });
  });
});

// ── properties ────────────────────────────────────────────────────────────────────────────────────────────
const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
const validBan = digits(8).filter((b) => isValidBan(b, AT));
const invalidBan = digits(8).filter((b) => !isValidBan(b, AT));
const upper = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
const track = fc.tuple(upper, upper).map(([a, b]) => a + b);
const yearMonth = fc
  .tuple(fc.integer({ min: 1, max: 999 }), fc.constantFrom('02', '04', '06', '08', '10', '12'))
  .map(([y, m]) => String(y).padStart(3, '0') + m);
const pad8 = (n: number) => String(n).padStart(8, '0');
/**
 * A valid range (1–9 booklets) that leaves room for 16 more booklets after it, so the overlap properties can
 * shift or extend it without leaving 8 digits (the last booklet of a track is 99999950–99999999).
 */
const validEntry = fc
  .record({
    ban: validBan,
    invoiceType: fc.constantFrom('07', '08'),
    yearMonth,
    track,
    firstBooklet: fc.integer({ min: 0, max: 1_999_974 }),
    booklets: fc.integer({ min: 1, max: 9 }),
  })
  .map((g) => ({
    ban: g.ban,
    invoiceType: g.invoiceType,
    yearMonth: g.yearMonth,
    track: g.track,
    begin: pad8(g.firstBooklet * 50),
    end: pad8((g.firstBooklet + g.booklets) * 50 - 1),
    booklet: String(g.booklets),
  }));

type Mutation = {
  name: string;
  code: E0501ReasonCode;
  apply: (f: Required<Omit<RawE0501Fields, 'period'>>) => Partial<RawE0501Fields>;
};
const mutations: Mutation[] = [
  { name: 'Ban not 8 digits', code: 'BAN_FORMAT', apply: (f) => ({ ban: f.ban.slice(1) }) },
  { name: 'InvoiceType', code: 'INVOICE_TYPE_INVALID', apply: () => ({ invoiceType: '06' }) },
  { name: 'YearMonth odd', code: 'YEAR_MONTH_INVALID', apply: (f) => ({ yearMonth: f.yearMonth.slice(0, 4) + '1' }) },
  { name: 'track lower case', code: 'TRACK_INVALID', apply: (f) => ({ track: f.track.toLowerCase() }) },
  { name: 'begin too short', code: 'BEGIN_NO_FORMAT', apply: (f) => ({ begin: f.begin.slice(1) }) },
  { name: 'end too long', code: 'END_NO_FORMAT', apply: (f) => ({ end: `${f.end}9` }) },
  { name: 'begin off grid', code: 'BEGIN_NO_NOT_BOOKLET_START', apply: (f) => ({ begin: pad8(Number(f.begin) + 1) }) },
  { name: 'end off grid', code: 'END_NO_NOT_BOOKLET_END', apply: (f) => ({ end: pad8(Number(f.end) - 1) }) },
  { name: 'begin after end', code: 'RANGE_REVERSED', apply: (f) => ({ begin: pad8(Number(f.end) + 1) }) },
  { name: 'booklet off by one', code: 'BOOKLET_MISMATCH', apply: (f) => ({ booklet: String(Number(f.booklet) + 1) }) },
  { name: 'booklet not a number', code: 'BOOKLET_FORMAT', apply: () => ({ booklet: '-1' }) },
  { name: 'booklet missing', code: 'FIELD_MISSING', apply: () => ({ booklet: '' }) },
];

describe('range rule properties', () => {
  it('valid generated entries pass and come back unchanged', () => {
    fc.assert(
      fc.property(validEntry, (f) => {
        const [r] = validateE0501Entries([xmlEntry(f)], ctx([], new Set([f.ban])));
        expect(r).toEqual({
          ok: true,
          index: 0,
          line: undefined,
          range: {
            ban: f.ban,
            invoiceType: f.invoiceType,
            yearMonth: f.yearMonth,
            track: f.track,
            begin: f.begin,
            end: f.end,
            booklets: Number(f.booklet),
          },
        });
      }),
    );
  });

  it('any single field mutation fails with exactly the matching code', () => {
    fc.assert(
      fc.property(validEntry, fc.constantFrom(...mutations), (f, m) => {
        const [r] = validateE0501Entries([xmlEntry({ ...f, ...m.apply(f) })], ctx([], new Set([f.ban])));
        expect(codes(r), m.name).toEqual([m.code]);
      }),
    );
  });

  it('a Ban failing the checksum fails with BAN_CHECKSUM; an unknown valid Ban with BAN_UNKNOWN_SELLER', () => {
    fc.assert(
      fc.property(validEntry, invalidBan, validBan, (f, bad, stranger) => {
        expect(codes(validateE0501Entries([xmlEntry({ ...f, ban: bad })], ctx([], new Set([bad])))[0])).toEqual(['BAN_CHECKSUM']);
        fc.pre(stranger !== f.ban);
        expect(codes(validateE0501Entries([xmlEntry(f)], ctx([], new Set([stranger])))[0])).toEqual(['BAN_UNKNOWN_SELLER']);
      }),
    );
  });

  it('a stored range sharing a number conflicts; one that only touches it does not', () => {
    fc.assert(
      fc.property(validEntry, fc.nat(), fc.boolean(), validBan, (f, k, sameBan, otherBan) => {
        const from = Number(f.begin);
        const to = Number(f.end);
        const shared = from + (k % (to - from + 1)); // any number of the range
        const ban = sameBan ? f.ban : otherBan;
        const touching: ExistingTrackRange[] = [
          { ban, yearMonth: f.yearMonth, track: f.track, begin: to + 1, end: to + 50 },
          ...(from > 0 ? [{ ban, yearMonth: f.yearMonth, track: f.track, begin: from - 50, end: from - 1 }] : []),
        ];
        const known = new Set([f.ban]);
        expect(validateE0501Entries([xmlEntry(f)], ctx(touching, known))[0]?.ok).toBe(true);
        const sharing: ExistingTrackRange = { ban, yearMonth: f.yearMonth, track: f.track, begin: shared, end: shared };
        const exact = shared === from && shared === to && ban === f.ban;
        expect(codes(validateE0501Entries([xmlEntry(f)], ctx([sharing], known))[0])).toEqual([
          exact ? 'ALREADY_IMPORTED' : 'OVERLAPS_EXISTING',
        ]);
        const same: ExistingTrackRange = { ban, yearMonth: f.yearMonth, track: f.track, begin: f.begin, end: f.end };
        expect(codes(validateE0501Entries([xmlEntry(f)], ctx([same], known))[0])).toEqual([
          ban === f.ban ? 'ALREADY_IMPORTED' : 'OVERLAPS_EXISTING',
        ]);
      }),
    );
  });

  it('two entries of a file conflict exactly when they share a number', () => {
    fc.assert(
      fc.property(validEntry, fc.integer({ min: -12, max: 12 }), fc.integer({ min: 1, max: 4 }), (f, shift, size) => {
        const first = Number(f.begin) / 50;
        const start = Math.max(0, first + shift);
        const other = { ...f, begin: pad8(start * 50), end: pad8((start + size) * 50 - 1), booklet: String(size) };
        const overlap = !(Number(other.end) < Number(f.begin) || Number(other.begin) > Number(f.end));
        const repeat = other.begin === f.begin && other.end === f.end;
        const results = validateE0501Entries([xmlEntry(f), xmlEntry(other, 1)], ctx([], new Set([f.ban])));
        if (!overlap) expect(results.map(codes)).toEqual([[], []]);
        else if (repeat) expect(results.map(codes)).toEqual([[], ['DUPLICATE_IN_FILE']]);
        else expect(results.map(codes)).toEqual([['OVERLAPS_IN_FILE'], ['OVERLAPS_IN_FILE']]);
      }),
    );
  });
});
