/**
 * An uploaded import file's format and encoding — given, or found out — and its text; or why it cannot be
 * read, naming the upload field at fault (`file`, `format`, `encoding`). The API checks this at upload;
 * the worker decodes the stored file the same way.
 *
 * - Format: as given; else from the file name (`.csv`, `.txt` → CSV; `.jsonl`, `.ndjson`, `.json` → JSON
 *   lines); else from the content (first character after an optional BOM `{` → JSON lines, else CSV).
 * - Encoding: as given; else UTF-8 when the bytes are valid UTF-8 (with or without a BOM), otherwise Big5
 *   (Windows cp950, what Excel writes on a Taiwanese Windows). JSON lines are UTF-8 only (RFC 8259 §8.1).
 * - Refused: an empty file, UTF-16, binary content (NUL bytes; Excel workbooks are named as such), bytes
 *   that are not valid in the encoding (the first bad line is named).
 */
import { decodeCp950, decodeUtf8, hasUtf8Bom } from '../e0501/decode.ts';
import type { ImportEncoding, ImportFormat } from './types.ts';

export type ImportUploadField = 'file' | 'format' | 'encoding';

export type ReadImportResult =
  | { readonly ok: true; readonly format: ImportFormat; readonly encoding: ImportEncoding; readonly text: string }
  | { readonly ok: false; readonly field: ImportUploadField; readonly message: string };

const BY_EXTENSION: Record<string, ImportFormat> = {
  '.csv': 'csv',
  '.txt': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'jsonl',
};

/** The format a file name says, or undefined. */
export const formatOfFilename = (filename: string): ImportFormat | undefined =>
  BY_EXTENSION[/\.[^./\\]+$/.exec(filename)?.[0].toLowerCase() ?? ''];

const fail = (field: ImportUploadField, message: string): ReadImportResult => ({ ok: false, field, message });

/** The 1-based line of byte offset `at` (0x0A never occurs inside a UTF-8 or Big5 multi-byte character). */
function lineAt(buf: Buffer, at: number): number {
  let line = 1;
  for (let i = 0; i < at && i < buf.length; i++) if (buf[i] === 0x0a) line++;
  return line;
}

/** The first line that is not valid UTF-8 (lines can be checked on their own: see lineAt). */
function firstBadUtf8Line(buf: Buffer): number {
  let start = 0;
  for (let line = 1; start <= buf.length; line++) {
    const nl = buf.indexOf(0x0a, start);
    const end = nl === -1 ? buf.length : nl;
    if (decodeUtf8(buf.subarray(start, end)) === null) return line;
    if (nl === -1) break;
    start = nl + 1;
  }
  return 1;
}

/** Big5 text, or the first line holding bytes that are not Big5 (the decoder turns them into U+FFFD). */
function decodeBig5(buf: Buffer): { text: string } | { badLine: number } {
  const text = decodeCp950(buf);
  const bad = text.indexOf('\uFFFD');
  if (bad === -1) return { text };
  return { badLine: text.slice(0, bad).split('\n').length };
}

export function readImportFile(
  buf: Buffer,
  opts: { filename: string; format?: ImportFormat | undefined; encoding?: ImportEncoding | undefined },
): ReadImportResult {
  if (buf.length === 0) return fail('file', 'The file is empty.');
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
    return fail('file', 'The file is UTF-16; save it as UTF-8 (or Big5).');
  }
  if (
    buf.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) ||
    buf.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]))
  ) {
    return fail('file', 'The file is a workbook or archive (e.g. .xlsx), not text; save the sheet as CSV (UTF-8).');
  }
  const nul = buf.indexOf(0x00);
  if (nul !== -1) return fail('file', `The file is not text: it holds a NUL byte (line ${lineAt(buf, nul)}).`);

  const bom = hasUtf8Bom(buf);
  const utf8 = opts.encoding === 'big5' ? null : decodeUtf8(buf);
  let format = opts.format ?? formatOfFilename(opts.filename);
  if (!format) {
    const head = (utf8 ?? decodeCp950(buf.subarray(0, 64))).trimStart();
    format = head.startsWith('{') ? 'jsonl' : 'csv';
  }

  let encoding: ImportEncoding;
  let text: string;
  if (format === 'jsonl') {
    if (opts.encoding === 'big5') return fail('encoding', 'JSON lines are UTF-8 (RFC 8259); leave encoding out or send utf8.');
    if (utf8 === null) return fail('file', `JSON lines must be UTF-8; line ${firstBadUtf8Line(buf)} is not valid UTF-8.`);
    encoding = 'utf8';
    text = utf8;
  } else if (opts.encoding === 'utf8' || bom) {
    if (utf8 === null) {
      const why = opts.encoding === 'utf8' ? 'encoding is utf8' : 'the file starts with a UTF-8 byte-order mark';
      return fail(
        'file',
        `Line ${firstBadUtf8Line(buf)} is not valid UTF-8 (${why}); a Big5 file is read as Big5 when encoding is left out.`,
      );
    }
    encoding = 'utf8';
    text = utf8;
  } else if (utf8 !== null) {
    encoding = 'utf8';
    text = utf8;
  } else {
    const big5 = decodeBig5(buf);
    if ('badLine' in big5) {
      return fail(
        'file',
        opts.encoding === 'big5'
          ? `Line ${big5.badLine} is not valid Big5 (cp950).`
          : `The file is neither UTF-8 nor Big5 (cp950): line ${big5.badLine} holds bytes that are valid in neither.`,
      );
    }
    encoding = 'big5';
    text = big5.text;
  }
  if (text.trim() === '') return fail('file', 'The file holds nothing but blanks.');
  return { ok: true, format, encoding, text };
}
