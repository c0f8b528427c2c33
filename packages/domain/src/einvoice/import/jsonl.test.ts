import { describe, expect, it } from 'vitest';
import { parseImportFile } from './index.ts';
import { parseImportJsonl } from './jsonl.ts';

describe('parseImportJsonl', () => {
  it('one invoice per non-blank line; a line that is not a JSON object fails alone', () => {
    const text = '{"printMark":"Y","items":[]}\r\n\n  \n{"printMark":\n[1,2]\n{"printMark":"N"}';
    const r = parseImportJsonl(text, { maxInvoices: 10 });
    if (!r.ok) throw new Error(r.problem.message);
    expect(r.rows.map((x) => [x.row, x.lines.from, x.body === null])).toEqual([
      [1, 1, false],
      [2, 4, true],
      [3, 5, true],
      [4, 6, false],
    ]);
    expect(r.rows[0]?.body).toEqual({ printMark: 'Y', items: [] });
    expect(r.rows[1]?.problems).toEqual([{ line: 4, message: expect.stringMatching(/^Not valid JSON: /) }]);
    expect(r.rows[2]?.problems).toEqual([
      { line: 5, message: 'Each line must be one JSON object: the body of POST /api/v1/invoices.' },
    ]);
    expect(r.rows[3]).toMatchObject({ ref: null, problems: [], cells: null, lookup: {} });
  });

  it('fails the file with no invoices or too many', () => {
    expect(parseImportJsonl('\n \n', { maxInvoices: 10 })).toEqual({
      ok: false,
      problem: { message: 'The file holds no invoices.' },
    });
    expect(parseImportJsonl('{}\n{}\n\n{}\n', { maxInvoices: 2 })).toEqual({
      ok: false,
      problem: { line: 4, message: 'The file holds more than 2 invoices (line 4 is one more); split it.' },
    });
  });

  it('parseImportFile picks the reader by format', () => {
    expect(parseImportFile('{}', 'jsonl', { maxInvoices: 1 })).toMatchObject({ ok: true, rows: [{ body: {} }] });
    expect(parseImportFile('{}', 'csv', { maxInvoices: 1 })).toMatchObject({ ok: false });
  });
});
