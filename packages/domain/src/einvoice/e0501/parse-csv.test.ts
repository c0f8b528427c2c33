import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { parseE0501Csv, splitCsv } from './parse-csv.ts';
import { e0501FileErrorReason } from './types.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const opts = { maxBytes: 64 * 1024 };
const csv = (s: string) => Buffer.from(s, 'utf8');
const brief = (file: ReturnType<typeof parseE0501Csv>) => file.entries.map((e) => ({ line: e.line, ...e.fields }));

describe('parseE0501Csv', () => {
  it('reads the committed Big5 (cp950) fixture: header, CRLF, quoted period, leading zeros', () => {
    const buf = fixture('big5.csv');
    expect(buf.subarray(0, 2).toString('hex')).toBe('c0e7'); // 營 in Big5: the fixture really is Big5
    const file = parseE0501Csv(buf, opts);
    expect(file.encoding).toBe('cp950');
    expect(file.bom).toBe(false);
    expect(file.header).toEqual(['營業人統編', '發票類別', '發票類別名稱', '期別', '字軌', '起號', '迄號']);
    expect(brief(file)).toEqual([
      { line: 2, ban: '24549210', invoiceType: '7', period: '113/01 ~ 113/02', track: 'AB', begin: '12345600', end: '12345649' },
      { line: 3, ban: '24549210', invoiceType: '07', period: '113/01 ~ 113/02', track: 'AC', begin: '00000000', end: '00000499' },
      { line: 4, ban: '53212539', invoiceType: '8', period: '113/03 ~ 113/04', track: 'ZZ', begin: '99999950', end: '99999999' },
    ]);
    expect(file.entries.every((e) => e.source === 'csv' && e.issues.length === 0)).toBe(true);
  });

  it('decodes Big5 produced by iconv-lite too (characters whose second byte is a backslash)', () => {
    const text = '統一編號,類別,說明,期別,字軌,起號,迄號\n24549210,07,許功蓋,113/01 ~ 113/02,AB,12345600,12345649\n';
    const buf = iconv.encode(text, 'cp950');
    expect(buf.includes(0x5c)).toBe(true); // 許/功/蓋 end in 0x5C in Big5
    const file = parseE0501Csv(buf, opts);
    expect(file.encoding).toBe('cp950');
    expect(file.header?.[0]).toBe('統一編號');
    expect(file.entries[0]?.fields.ban).toBe('24549210');
  });

  it('reads the UTF-8 fixture with BOM and header: quotes, "" escapes, line breaks in quotes, blank rows, extra columns', () => {
    const file = parseE0501Csv(fixture('utf8-bom-header.csv'), opts);
    expect(file.encoding).toBe('utf-8');
    expect(file.bom).toBe(true);
    expect(file.header?.[0]).toBe('統一編號'); // BOM stripped, quotes removed
    expect(brief(file)).toEqual([
      { line: 2, ban: '24549210', invoiceType: '07', period: '113/05 ~ 113/06', track: 'CD', begin: '00012300', end: '00012399' },
      { line: 5, ban: '10458575', invoiceType: '7', period: '113/05 ~ 113/06', track: 'CE', begin: '50000000', end: '50000049' },
      { line: 6, ban: '04595252', invoiceType: '07', period: '113/05 ~ 113/06', track: 'CF', begin: '00000000', end: '00000049' },
      { line: 8, ban: '53212539', invoiceType: '08', period: '113/05～113/06', track: 'CG', begin: '00000100', end: '00000199' },
    ]);
    expect(file.entries.map((e) => e.index)).toEqual([0, 1, 2, 3]);
  });

  it('has no header when the first row is data, even data with a malformed BAN', () => {
    const file = parseE0501Csv(fixture('bad-rows.csv'), opts);
    expect(file.header).toBeUndefined();
    expect(file.encoding).toBe('utf-8');
    expect(file.entries[0]).toMatchObject({ line: 1, fields: { ban: '2454921' } });
    expect(file.entries).toHaveLength(19); // 20 lines, one blank
    expect(file.entries.at(-1)?.line).toBe(20);
  });

  it('marks short rows and leaves empty cells undefined', () => {
    const file = parseE0501Csv(csv('24549210,07,,113/01 ~ 113/02\n24549210,,,113/01 ~ 113/02,AB,12345600,12345649'), opts);
    expect(file.entries[0]?.issues.map((i) => i.code)).toEqual(['CSV_TOO_FEW_COLUMNS']);
    expect(file.entries[0]?.issues[0]?.message).toContain('4 column');
    expect(file.entries[0]?.fields.track).toBeUndefined();
    expect(file.entries[1]?.fields.invoiceType).toBeUndefined();
    expect(file.entries[1]?.issues).toEqual([]);
    expect(file.entries[1]?.line).toBe(2); // last row without a line break
  });

  it('refuses oversize input, UTF-16 and an unclosed quote; an empty file has no entries', () => {
    const buf = fixture('big5.csv');
    const reasonOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e0501FileErrorReason(e);
      }
      return 'nothing thrown';
    };
    expect(reasonOf(() => parseE0501Csv(buf, { maxBytes: buf.length - 1 }))).toBe('FILE_TOO_LARGE');
    expect(parseE0501Csv(buf, { maxBytes: buf.length }).entries).toHaveLength(3);
    expect(reasonOf(() => parseE0501Csv(Buffer.from('\ufeff24549210,07', 'utf16le'), opts))).toBe('ENCODING_UNSUPPORTED');
    expect(reasonOf(() => parseE0501Csv(csv('a,b\n24549210,"07\n,,'), opts))).toBe('CSV_MALFORMED');
    expect(parseE0501Csv(csv(''), opts).entries).toEqual([]);
    expect(parseE0501Csv(csv('\r\n,,,\r\n'), opts).entries).toEqual([]);
  });
});

describe('splitCsv', () => {
  it('handles CRLF, LF and CR, quotes and line counting inside quotes', () => {
    expect(splitCsv('a,b\r\nc,d\ne,f\rg')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['c', 'd'] },
      { line: 3, cells: ['e', 'f'] },
      { line: 4, cells: ['g'] },
    ]);
    expect(splitCsv('"x\r\ny","a""b",  "c" ,\n"",z\n')).toEqual([
      { line: 1, cells: ['x\r\ny', 'a"b', 'c ', ''] },
      { line: 3, cells: ['', 'z'] },
    ]);
    expect(splitCsv('ab"c,d')).toEqual([{ line: 1, cells: ['ab"c', 'd'] }]);
  });
});
