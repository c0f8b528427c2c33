import { describe, expect, it } from 'vitest';
import { locateField, parseImportCsv, taipeiTime } from './csv.ts';
import type { ImportParseResult } from './types.ts';

const SITE = '7d0c3c1e-4b8a-4c55-9a55-3f1f3e0a0b01';
const opts = { maxInvoices: 1000 };
const rowsOf = (r: ImportParseResult) => {
  if (!r.ok) throw new Error(r.problem.message);
  return r.rows;
};

describe('parseImportCsv', () => {
  it('groups consecutive lines of a ref into one invoice: invoice columns once, an item per line', () => {
    const text = [
      'ref,siteId,printMark,buyerBan,buyerName,description,quantity,unit,unitPrice,itemTaxType,remark',
      `A-1,${SITE},Y,22099131,買方公司,95無鉛汽油,20.5,L,31.2,,`,
      'A-1,,,,,洗車,1,,150,,"含 ""打蠟"""',
      `B-2,${SITE},N,,,茶葉蛋,2,,10,1,`,
    ].join('\r\n');
    const rows = rowsOf(parseImportCsv(text, opts));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      row: 1,
      ref: 'A-1',
      lines: { from: 2, to: 3 },
      problems: [],
      body: {
        siteId: SITE,
        printMark: 'Y',
        buyer: { ban: '22099131', name: '買方公司' },
        items: [
          { description: '95無鉛汽油', quantity: '20.5', unit: 'L', unitPrice: '31.2' },
          { description: '洗車', quantity: '1', unitPrice: '150', remark: '含 "打蠟"' },
        ],
      },
    });
    expect(rows[1]).toMatchObject({
      row: 2,
      ref: 'B-2',
      lines: { from: 4, to: 4 },
      body: { siteId: SITE, printMark: 'N', items: [{ description: '茶葉蛋', quantity: '2', unitPrice: '10', taxType: '1' }] },
    });
    expect(rows[1]?.body).not.toHaveProperty('buyer');
    // Every field can be traced to its cell; a whole object to its first column; unknown paths to the first line.
    expect(locateField(rows[0]!, 'items.1.unitPrice')).toEqual({ line: 3, column: 'unitPrice' });
    expect(locateField(rows[0]!, 'buyer.ban')).toEqual({ line: 2, column: 'buyerBan' });
    expect(locateField(rows[0]!, 'carrier.id2')).toEqual({ line: 2, column: 'carrierId2' });
    expect(locateField(rows[0]!, 'buyer')).toEqual({ line: 2, column: 'buyerBan' });
    expect(locateField(rows[0]!, 'items.1')).toEqual({ line: 3, column: 'description' });
    expect(locateField(rows[0]!, 'offline.randomNumber')).toEqual({ line: 2 });
  });

  it('a line without a ref is an invoice of its own that fails, naming the column', () => {
    const text = 'ref,printMark,description,quantity,unitPrice\nA,Y,x,1,1\n,Y,y,1,1\n';
    const rows = rowsOf(parseImportCsv(text, opts));
    expect(rows.map((r) => r.ref)).toEqual(['A', null]);
    expect(rows[1]).toMatchObject({
      body: null,
      problems: [{ line: 3, column: 'ref', message: expect.stringMatching(/^Required/) }],
    });
  });

  it('header names ignore case, spaces, _ and -; blank trailing columns are fine', () => {
    const text = 'REF, Print_Mark ,Description,quantity,unit-price,,\nA,Y,x,1,2,,\n';
    expect(rowsOf(parseImportCsv(text, opts))[0]).toMatchObject({
      problems: [],
      body: { printMark: 'Y', items: [{ description: 'x', quantity: '1', unitPrice: '2' }] },
    });
  });

  it('fails the file for an unknown, repeated or missing column, a missing header, an unclosed quote, too many invoices', () => {
    const fail = (text: string, max = 1000) => {
      const r = parseImportCsv(text, { maxInvoices: max });
      if (r.ok) throw new Error('expected a file problem');
      return r.problem;
    };
    expect(fail('ref,printMark,description,qty,unitPrice\n')).toMatchObject({
      line: 1,
      message: expect.stringMatching(/^Unknown column "qty" in the header \(line 1\), column 4\. Known columns: ref, siteId/),
    });
    expect(fail('ref,printMark,description,quantity,unitPrice,Quantity\n').message).toMatch(/"quantity" appears twice/);
    expect(fail('ref,description,quantity\nA,x,1\n').message).toBe(
      'The header (line 1) lacks the column(s) printMark, unitPrice.',
    );
    expect(fail('\n\n').message).toBe('The file has no header row.');
    expect(fail('ref,printMark,description,quantity,unitPrice\n').message).toBe('The file has a header but no invoices.');
    expect(fail('ref,printMark,description,quantity,unitPrice\nA,Y,"x,1,1\n')).toMatchObject({ line: 2 });
    const three = 'ref,printMark,description,quantity,unitPrice\nA,Y,x,1,1\nA,Y,y,1,1\nB,Y,x,1,1\nC,Y,x,1,1\n';
    expect(fail(three, 2)).toEqual({
      line: 5,
      message: 'The file holds more than 2 invoices (line 5 starts one more); split it.',
    });
    expect(rowsOf(parseImportCsv(three, { maxInvoices: 3 }))).toHaveLength(3);
  });

  it('reports conflicting invoice columns, a ref that comes back later, stray cells, and both id and code', () => {
    const text = [
      'ref,siteCode,sellerBan,siteId,printMark,description,quantity,unitPrice,,',
      'A,S1,04595257,,Y,x,1,1,,',
      'A,S1,,,N,y,1,1,,',
      'B,S1,,,Y,x,1,1,oops,',
      'A,,,,,z,1,1,,',
      `C,S2,,${SITE},Y,x,1,1,,,,9`,
    ].join('\n');
    const rows = rowsOf(parseImportCsv(text, opts));
    expect(rows.map((r) => r.ref)).toEqual(['A', 'B', 'C']);
    const [a, b, c] = rows;
    expect(a?.lookup).toEqual({ siteCode: 'S1', sellerBan: '04595257' });
    expect(a?.lines).toEqual({ from: 2, to: 5 });
    expect(a?.problems).toEqual([
      {
        line: 5,
        column: 'ref',
        message: 'ref "A" appears again after other invoices; the lines of one invoice must follow each other.',
      },
      {
        line: 3,
        column: 'printMark',
        field: 'printMark',
        message: '"N" differs from "Y" on line 2; the lines of one invoice must agree (or leave it blank after the first).',
      },
    ]);
    // The site's code stands for siteId: refusals of siteId name the siteCode cell.
    expect(locateField(a!, 'siteId')).toEqual({ line: 2, column: 'siteCode' });
    expect(b?.problems).toEqual([{ line: 4, message: 'Column 9 holds "oops" but has no name in the header.' }]);
    expect(c?.problems).toEqual([
      { line: 6, message: 'The line has 12 cells; the header only 10.' },
      { line: 6, column: 'siteCode', field: 'siteId', message: 'Give siteId or siteCode, not both.' },
    ]);
  });

  it('reads invoice times without an offset as Asia/Taipei', () => {
    expect(taipeiTime('2026-11-21 14:30')).toBe('2026-11-21T14:30:00+08:00');
    expect(taipeiTime('2026-11-21T14:30:05')).toBe('2026-11-21T14:30:05+08:00');
    expect(taipeiTime('2026-11-21T06:30:05Z')).toBe('2026-11-21T06:30:05Z');
    expect(taipeiTime('yesterday')).toBe('yesterday');
    const text = 'ref,invoiceTime,printMark,description,quantity,unitPrice\nA,2026-11-21 14:30,Y,x,1,1\n';
    expect(rowsOf(parseImportCsv(text, opts))[0]?.body).toMatchObject({ invoiceTime: '2026-11-21T14:30:00+08:00' });
  });
});
