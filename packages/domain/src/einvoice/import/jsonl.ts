/**
 * Invoice import as JSON lines (https://jsonlines.org): each non-blank line is one invoice, the very body
 * POST /api/v1/invoices takes. A line that is not a JSON object fails alone; the others go on.
 */
import type { ImportParseOptions, ImportParseResult, ImportRow } from './types.ts';

export function parseImportJsonl(text: string, opts: ImportParseOptions): ImportParseResult {
  const rows: ImportRow[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  for (const [i, raw] of lines.entries()) {
    const line = i + 1;
    if (raw.trim() === '') continue;
    if (rows.length >= opts.maxInvoices) {
      return {
        ok: false,
        problem: { line, message: `The file holds more than ${opts.maxInvoices} invoices (line ${line} is one more); split it.` },
      };
    }
    const base = { row: rows.length + 1, lines: { from: line, to: line }, ref: null, lookup: {}, cells: null };
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      rows.push({ ...base, body: null, problems: [{ line, message: `Not valid JSON: ${(e as Error).message}.` }] });
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      rows.push({
        ...base,
        body: null,
        problems: [{ line, message: 'Each line must be one JSON object: the body of POST /api/v1/invoices.' }],
      });
      continue;
    }
    rows.push({ ...base, body: value as Record<string, unknown>, problems: [] });
  }
  if (rows.length === 0) return { ok: false, problem: { message: 'The file holds no invoices.' } };
  return { ok: true, rows };
}
