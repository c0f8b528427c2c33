import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { formatOfFilename, readImportFile } from './read.ts';

const csv = 'ref,printMark,description,quantity,unitPrice\nA1,Y,洗車,1,150\n';

describe('readImportFile', () => {
  it('detects UTF-8 with or without a BOM, and Big5 otherwise', () => {
    expect(readImportFile(Buffer.from(csv), { filename: 'a.csv' })).toEqual({
      ok: true,
      format: 'csv',
      encoding: 'utf8',
      text: csv,
    });
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv)]);
    expect(readImportFile(bom, { filename: 'a.csv' })).toEqual({ ok: true, format: 'csv', encoding: 'utf8', text: csv });
    expect(readImportFile(iconv.encode(csv, 'cp950'), { filename: 'a.csv' })).toEqual({
      ok: true,
      format: 'csv',
      encoding: 'big5',
      text: csv,
    });
    // Told it is Big5: read as Big5 even when the bytes would also be valid UTF-8 (plain ASCII is both).
    expect(readImportFile(Buffer.from('ref,x\n'), { filename: 'a.csv', encoding: 'big5' })).toMatchObject({ encoding: 'big5' });
  });

  it('names the line of bytes that are not valid in the encoding', () => {
    const big5 = iconv.encode(csv, 'cp950');
    expect(readImportFile(big5, { filename: 'a.csv', encoding: 'utf8' })).toEqual({
      ok: false,
      field: 'file',
      message: expect.stringMatching(/^Line 2 is not valid UTF-8 \(encoding is utf8\)/),
    });
    const broken = Buffer.concat([Buffer.from('ref,printMark\nA,Y\n'), Buffer.from([0x41, 0xff, 0xff, 0x0a])]);
    expect(readImportFile(broken, { filename: 'a.csv' })).toEqual({
      ok: false,
      field: 'file',
      message: 'The file is neither UTF-8 nor Big5 (cp950): line 3 holds bytes that are valid in neither.',
    });
    expect(readImportFile(broken, { filename: 'a.csv', encoding: 'big5' })).toMatchObject({
      message: 'Line 3 is not valid Big5 (cp950).',
    });
  });

  it('takes the format as given, else from the name, else from the content', () => {
    const jsonl = Buffer.from('{"printMark":"Y"}\n');
    expect(readImportFile(jsonl, { filename: 'x.bin' })).toMatchObject({ ok: true, format: 'jsonl' });
    expect(readImportFile(jsonl, { filename: 'x.CSV' })).toMatchObject({ ok: true, format: 'csv' });
    expect(readImportFile(jsonl, { filename: 'x.csv', format: 'jsonl' })).toMatchObject({ ok: true, format: 'jsonl' });
    expect(readImportFile(Buffer.from(csv), { filename: 'upload' })).toMatchObject({ ok: true, format: 'csv' });
    expect(['a.jsonl', 'a.ndjson', 'a.json', 'a.txt', 'a.xlsx', 'noext'].map(formatOfFilename)).toEqual([
      'jsonl',
      'jsonl',
      'jsonl',
      'csv',
      undefined,
      undefined,
    ]);
  });

  it('JSON lines are UTF-8 only', () => {
    expect(readImportFile(Buffer.from('{}\n'), { filename: 'a.jsonl', encoding: 'big5' })).toMatchObject({
      ok: false,
      field: 'encoding',
    });
    expect(readImportFile(iconv.encode('{"x":"洗車"}\n', 'cp950'), { filename: 'a.jsonl' })).toEqual({
      ok: false,
      field: 'file',
      message: 'JSON lines must be UTF-8; line 1 is not valid UTF-8.',
    });
  });

  it('refuses empty, blank, UTF-16 and binary files', () => {
    expect(readImportFile(Buffer.alloc(0), { filename: 'a.csv' })).toEqual({
      ok: false,
      field: 'file',
      message: 'The file is empty.',
    });
    expect(readImportFile(Buffer.from(' \r\n\n'), { filename: 'a.csv' })).toMatchObject({ ok: false, field: 'file' });
    expect(readImportFile(Buffer.from([0xef, 0xbb, 0xbf]), { filename: 'a.csv' })).toMatchObject({ ok: false, field: 'file' });
    expect(readImportFile(Buffer.from('\ufeffa,b', 'utf16le'), { filename: 'a.csv' })).toMatchObject({
      message: expect.stringMatching(/UTF-16/),
    });
    expect(readImportFile(Buffer.from('PK\u0003\u0004rest'), { filename: 'a.csv' })).toMatchObject({
      message: expect.stringMatching(/xlsx/),
    });
    expect(readImportFile(Buffer.from('a,b\nc\u0000d\n'), { filename: 'a.csv' })).toMatchObject({
      message: 'The file is not text: it holds a NUL byte (line 2).',
    });
  });
});
