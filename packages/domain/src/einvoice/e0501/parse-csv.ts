/**
 * E0501 as the platform's 字軌號碼取號 CSV download — einvoice-domain.md §3.1:
 * col0 BAN, col1 invoice type (`7`/`07`), col2 ignored, col3 period `"YYY/MM ~ YYY/MM"`, col4 track,
 * col5 begin number, col6 end number. Further columns are ignored.
 *
 * - Encoding: a UTF-8 BOM, or bytes that are valid UTF-8, mean UTF-8; anything else is decoded as Big5
 *   (Windows cp950). Big5 text with Chinese characters is practically never valid UTF-8, and a pure-ASCII
 *   file reads the same either way.
 * - Header: optional. The first non-blank row is a header when none of col0, col5, col6 is all digits
 *   (a header is labels such as 統一編號/起號/迄號). A data row with a malformed BAN still has digit numbers
 *   in col5/col6, so it is kept and reported instead of being dropped as a "header".
 * - RFC 4180 quoting (`"a,b"`, `""` inside quotes, line breaks inside quotes), CRLF or LF (or CR) line ends,
 *   blank rows (nothing but spaces and commas) skipped. Cells are trimmed; an empty cell counts as absent.
 * - Each entry carries the 1-based line its row starts on.
 */
import { decodeCp950, decodeUtf8, hasUtf8Bom, refuseUtf16 } from './decode.ts';
import { reasons } from './reasons.ts';
import { assertSize, type E0501CsvFile, e0501FileError, type ParseE0501Options, type RawE0501Entry } from './types.ts';

interface CsvRow {
  readonly line: number;
  readonly cells: string[];
}

/** Splits CSV text into rows of raw (untrimmed) cells, each with the line it starts on. */
export function splitCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let rowLine = 1;
  let quoted = false; // inside a quoted cell
  let quoteLine = 0;
  const endCell = () => {
    cells.push(cell);
    cell = '';
  };
  const endRow = () => {
    endCell();
    rows.push({ line: rowLine, cells });
    cells = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell.trim() === '') {
      cell = '';
      quoted = true;
      quoteLine = line;
    } else if (ch === ',') {
      endCell();
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else {
      cell += ch; // characters after a closing quote, or a stray quote mid-cell, are kept as text
    }
  }
  if (quoted)
    throw e0501FileError('CSV_MALFORMED', `A quoted cell opened on line ${quoteLine} is never closed`, { line: quoteLine });
  if (cell !== '' || cells.length > 0) endRow();
  return rows;
}

const DIGITS = /^\d+$/;

/**
 * Reads the platform CSV. Throws a `DomainError` (`e0501FileError`) only when the file cannot be read as
 * CSV at all (too large, UTF-16, an unclosed quote); per-row problems are in each entry's `issues` and the
 * values are checked by `validateE0501Entries`.
 */
export function parseE0501Csv(buf: Buffer, opts: ParseE0501Options): E0501CsvFile {
  assertSize(buf, opts.maxBytes);
  refuseUtf16(buf);
  const bom = hasUtf8Bom(buf);
  const utf8 = decodeUtf8(buf);
  const encoding = bom || utf8 !== null ? 'utf-8' : 'cp950';
  const text = utf8 ?? (bom ? null : decodeCp950(buf));
  if (text === null)
    throw e0501FileError('ENCODING_UNSUPPORTED', 'The CSV starts with a UTF-8 byte-order mark but is not valid UTF-8');

  const rows = splitCsv(text)
    .map((r) => ({ line: r.line, cells: r.cells.map((c) => c.trim()) }))
    .filter((r) => r.cells.some((c) => c !== ''));

  let header: string[] | undefined;
  const first = rows[0];
  if (first !== undefined && ![0, 5, 6].some((i) => DIGITS.test(first.cells[i] ?? ''))) {
    header = first.cells;
    rows.shift();
  }

  const entries: RawE0501Entry[] = rows.map((row, index) => {
    const cell = (i: number) => {
      const v = row.cells[i];
      return v === undefined || v === '' ? undefined : v;
    };
    return {
      source: 'csv',
      index,
      line: row.line,
      fields: { ban: cell(0), invoiceType: cell(1), period: cell(3), track: cell(4), begin: cell(5), end: cell(6) },
      issues: row.cells.length < 7 ? [reasons.csvTooFewColumns(row.cells.length)] : [],
    };
  });
  return { format: 'csv', encoding, bom, header, entries };
}
