/**
 * The invoice import CSV (docs/integration-guide.md §8): a header row, then one line per invoice item;
 * consecutive lines with the same `ref` form one invoice. Invoice columns may be repeated on every line
 * of a ref or given on its first line only (a later line that differs is an error); item columns are read
 * from every line. Each invoice becomes the body POST /api/v1/invoices takes, with where each field came
 * from (column and line), so the API's refusals can name the cell.
 *
 * - Header names are matched ignoring case, spaces, `_` and `-` (`unit_price` = `unitPrice`); an unknown or
 *   repeated name fails the file, so a typo never drops a column silently. Blank header cells are allowed
 *   (Excel's trailing columns) as long as the lines leave them blank too.
 * - RFC 4180 quoting (the E0501 reader's `splitCsv`); CRLF, LF or CR line ends; blank lines skipped; cells
 *   trimmed; an empty cell is absent.
 * - `invoiceTime` without an offset (`2026-11-21 14:30[:00]`) is Asia/Taipei time.
 */
import { isDomainError } from '../../errors.ts';
import { splitCsv } from '../e0501/parse-csv.ts';
import type { ImportParseOptions, ImportParseResult, ImportProblem, ImportRow, ImportSource } from './types.ts';

type Column =
  | { name: string; required?: true; kind: 'ref' | 'lookup' }
  | { name: string; required?: true; kind: 'invoice'; path: string }
  | { name: string; required?: true; kind: 'item'; key: string };

/** Every column of the layout, in the order the docs list them. */
export const IMPORT_CSV_COLUMNS: readonly Column[] = [
  { name: 'ref', kind: 'ref', required: true },
  { name: 'siteId', kind: 'invoice', path: 'siteId' },
  { name: 'siteCode', kind: 'lookup' },
  { name: 'sellerBan', kind: 'lookup' },
  { name: 'deviceId', kind: 'invoice', path: 'deviceId' },
  { name: 'deviceCode', kind: 'lookup' },
  { name: 'invoiceType', kind: 'invoice', path: 'invoiceType' },
  { name: 'invoiceTime', kind: 'invoice', path: 'invoiceTime' },
  { name: 'taxType', kind: 'invoice', path: 'taxType' },
  { name: 'taxRate', kind: 'invoice', path: 'taxRate' },
  { name: 'buyerBan', kind: 'invoice', path: 'buyer.ban' },
  { name: 'buyerName', kind: 'invoice', path: 'buyer.name' },
  { name: 'buyerAddress', kind: 'invoice', path: 'buyer.address' },
  { name: 'printMark', kind: 'invoice', path: 'printMark', required: true },
  { name: 'carrierType', kind: 'invoice', path: 'carrier.type' },
  { name: 'carrierId1', kind: 'invoice', path: 'carrier.id1' },
  { name: 'carrierId2', kind: 'invoice', path: 'carrier.id2' },
  { name: 'npoban', kind: 'invoice', path: 'donation.npoban' },
  { name: 'customsClearanceMark', kind: 'invoice', path: 'zeroTax.customsClearanceMark' },
  { name: 'zeroTaxRateReason', kind: 'invoice', path: 'zeroTax.zeroTaxRateReason' },
  { name: 'mainRemark', kind: 'invoice', path: 'mainRemark' },
  { name: 'description', kind: 'item', key: 'description', required: true },
  { name: 'quantity', kind: 'item', key: 'quantity', required: true },
  { name: 'unit', kind: 'item', key: 'unit' },
  { name: 'unitPrice', kind: 'item', key: 'unitPrice', required: true },
  { name: 'amount', kind: 'item', key: 'amount' },
  { name: 'itemTaxType', kind: 'item', key: 'taxType' },
  { name: 'remark', kind: 'item', key: 'remark' },
];

/** An object of the body is named, when it is at fault as a whole, by this column. */
const OBJECT_COLUMNS: Record<string, string> = {
  buyer: 'buyerBan',
  carrier: 'carrierType',
  donation: 'npoban',
  zeroTax: 'customsClearanceMark',
};

const REF_MAX = 100;

const normalize = (name: string) => name.replace(/[\s_-]/g, '').toLowerCase();
const BY_NORMALIZED = new Map(IMPORT_CSV_COLUMNS.map((c) => [normalize(c.name), c]));

/** `2026-11-21 14:30` / `2026-11-21T14:30:05` (no offset) as Asia/Taipei ISO 8601; anything else as given. */
export function taipeiTime(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2}(\.\d{1,3})?)?$/.exec(value);
  return m ? `${m[1]}T${m[2]}${m[3] ?? ':00'}+08:00` : value;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let o = target;
  for (const p of parts.slice(0, -1)) {
    o[p] ??= {};
    o = o[p] as Record<string, unknown>;
  }
  o[parts.at(-1) as string] = value;
}

/** The lines of one ref, in order, with their cells by column. */
type Group = {
  row: number;
  ref: string | null;
  lines: { line: number; cells: Map<Column, string> }[];
  problems: ImportProblem[];
  /** The ref came back after other refs (reported once). */
  split: boolean;
};

/** One group of lines as an invoice body, with where its values came from. */
function toRow(g: Group): ImportRow {
  const first = g.lines[0] as Group['lines'][number];
  const last = g.lines.at(-1) as Group['lines'][number];
  const problems = [...g.problems];
  const body: Record<string, unknown> = {};
  const lookup: { siteCode?: string; sellerBan?: string; deviceCode?: string } = {};
  const given: Record<string, number> = {};

  // Invoice columns: the first value given; a later, different one is an error.
  const seen = new Map<Column, { value: string; line: number }>();
  for (const { line, cells } of g.lines) {
    for (const [col, value] of cells) {
      if (col.kind === 'item' || col.kind === 'ref') continue;
      const had = seen.get(col);
      if (!had) seen.set(col, { value, line });
      else if (had.value !== value) {
        problems.push({
          line,
          column: col.name,
          ...(col.kind === 'invoice' ? { field: col.path } : {}),
          message: `"${value}" differs from "${had.value}" on line ${had.line}; the lines of one invoice must agree (or leave it blank after the first).`,
        });
      }
    }
  }
  for (const [col, v] of seen) {
    given[col.name] = v.line;
    if (col.kind === 'invoice') setPath(body, col.path, col.name === 'invoiceTime' ? taipeiTime(v.value) : v.value);
    else lookup[col.name as keyof typeof lookup] = v.value;
  }
  // A site or device named by code: the API puts the id in (its refusals then name the code's cell).
  for (const [idCol, codeCol] of [
    ['siteId', 'siteCode'],
    ['deviceId', 'deviceCode'],
  ] as const) {
    if (lookup[codeCol] !== undefined && body[idCol] !== undefined) {
      problems.push({
        line: given[codeCol] as number,
        column: codeCol,
        field: idCol,
        message: `Give ${idCol} or ${codeCol}, not both.`,
      });
    }
  }
  if (lookup.sellerBan !== undefined && lookup.siteCode === undefined) {
    problems.push({
      line: given.sellerBan as number,
      column: 'sellerBan',
      message: 'sellerBan only serves to find the site of a siteCode.',
    });
  }

  // Item columns: one item per line.
  body.items = g.lines.map(({ cells }) => {
    const item: Record<string, string> = {};
    for (const [col, v] of cells) if (col.kind === 'item') item[col.key] = v;
    return item;
  });

  return {
    row: g.row,
    lines: { from: first.line, to: last.line },
    ref: g.ref,
    body: g.ref === null ? null : body,
    lookup,
    problems,
    cells: { given, items: g.lines.map((l) => l.line) },
  };
}

const PATH_COLUMNS = new Map<string, string>([
  ...IMPORT_CSV_COLUMNS.flatMap((c) => (c.kind === 'invoice' ? [[c.path, c.name] as const] : [])),
  ...Object.entries(OBJECT_COLUMNS),
]);
const ITEM_COLUMNS = new Map(IMPORT_CSV_COLUMNS.flatMap((c) => (c.kind === 'item' ? [[c.key, c.name] as const] : [])));

/**
 * Where the field at `path` of an invoice's body (dotted: `buyer.ban`, `items.2.quantity`) came from: its
 * line and, for CSV, its column — a whole object by its first column, `siteId` / `deviceId` by the code
 * column when the site or device was named by code, anything else by the invoice's first line.
 */
export function locateField(row: Pick<ImportRow, 'cells' | 'lines' | 'lookup'>, path: string): ImportSource {
  const cells = row.cells;
  if (!cells) return { line: row.lines.from };
  const parts = path.split('.').filter((p) => p !== '');
  if (parts[0] === 'items') {
    const line = cells.items[Number(parts[1])];
    if (parts.length === 1 || line === undefined) return { line: row.lines.from, column: 'description' };
    const column = parts.length === 2 ? 'description' : ITEM_COLUMNS.get(parts[2] as string);
    return column ? { line, column } : { line };
  }
  for (let n = parts.length; n > 0; n--) {
    const p = parts.slice(0, n).join('.');
    const column =
      p === 'siteId' && row.lookup.siteCode !== undefined
        ? 'siteCode'
        : p === 'deviceId' && row.lookup.deviceCode !== undefined
          ? 'deviceCode'
          : PATH_COLUMNS.get(p);
    if (column) return { line: cells.given[column] ?? row.lines.from, column };
  }
  return { line: row.lines.from };
}

export function parseImportCsv(text: string, opts: ImportParseOptions): ImportParseResult {
  let rows: ReturnType<typeof splitCsv>;
  try {
    rows = splitCsv(text);
  } catch (e) {
    if (!isDomainError(e)) throw e;
    const line = (e.details as { line?: number } | undefined)?.line;
    return { ok: false, problem: { message: `${e.message}.`, ...(line ? { line } : {}) } };
  }
  const lines = rows
    .map((r) => ({ line: r.line, cells: r.cells.map((c) => c.trim()) }))
    .filter((r) => r.cells.some((c) => c !== ''));
  const header = lines.shift();
  if (!header) return { ok: false, problem: { message: 'The file has no header row.' } };

  const columns: (Column | null)[] = [];
  for (const [i, name] of header.cells.entries()) {
    if (name === '') {
      columns.push(null);
      continue;
    }
    const col = BY_NORMALIZED.get(normalize(name));
    const where = `header (line ${header.line}), column ${i + 1}`;
    if (!col) {
      return {
        ok: false,
        problem: {
          line: header.line,
          message: `Unknown column "${name}" in the ${where}. Known columns: ${IMPORT_CSV_COLUMNS.map((c) => c.name).join(', ')}.`,
        },
      };
    }
    if (columns.includes(col)) {
      return {
        ok: false,
        problem: { line: header.line, message: `Column "${col.name}" appears twice in the header (line ${header.line}).` },
      };
    }
    columns.push(col);
  }
  const missing = IMPORT_CSV_COLUMNS.filter((c) => c.required && !columns.includes(c)).map((c) => c.name);
  if (missing.length > 0) {
    return {
      ok: false,
      problem: { line: header.line, message: `The header (line ${header.line}) lacks the column(s) ${missing.join(', ')}.` },
    };
  }
  if (lines.length === 0) return { ok: false, problem: { message: 'The file has a header but no invoices.' } };

  const refCol = columns.find((c) => c?.kind === 'ref') as Column;
  const groups: Group[] = [];
  const byRef = new Map<string, Group>();
  let previous: Group | null = null;
  for (const { line, cells } of lines) {
    const problems: ImportProblem[] = [];
    const values = new Map<Column, string>();
    let extra = 0;
    for (const [i, value] of cells.entries()) {
      if (value === '') continue;
      const col = columns[i];
      if (col) values.set(col, value);
      else if (i >= columns.length) extra++;
      else problems.push({ line, message: `Column ${i + 1} holds "${value}" but has no name in the header.` });
    }
    if (extra > 0) {
      problems.push({ line, message: `The line has ${cells.length} cells; the header only ${columns.length}.` });
    }
    const ref = values.get(refCol) ?? null;
    if (ref !== null && ref.length > REF_MAX) problems.push({ line, column: 'ref', message: `At most ${REF_MAX} characters.` });

    let g = ref === null ? undefined : byRef.get(ref);
    if (g && g !== previous && !g.split) {
      g.split = true;
      g.problems.push({
        line,
        column: 'ref',
        message: `ref "${ref}" appears again after other invoices; the lines of one invoice must follow each other.`,
      });
    }
    if (!g) {
      if (groups.length >= opts.maxInvoices) {
        return {
          ok: false,
          problem: {
            line,
            message: `The file holds more than ${opts.maxInvoices} invoices (line ${line} starts one more); split it.`,
          },
        };
      }
      g = { row: groups.length + 1, ref, lines: [], problems: [], split: false };
      if (ref === null) {
        g.problems.push({ line, column: 'ref', message: 'Required: lines with the same ref form one invoice.' });
      } else byRef.set(ref, g);
      groups.push(g);
    }
    g.lines.push({ line, cells: values });
    g.problems.push(...problems);
    previous = g;
  }
  return { ok: true, rows: groups.map(toRow) };
}
