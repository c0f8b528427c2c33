import { hasUtf8Bom } from './decode.ts';
import { parseE0501Csv } from './parse-csv.ts';
import { parseE0501Xml } from './parse-xml.ts';
import type { E0501File, ParseE0501Options } from './types.ts';

/**
 * Reads an E0501 file of either form: XML when the first character after an optional UTF-8 BOM and
 * whitespace is `<`, else the platform CSV. UTF-16 input is refused by both parsers.
 */
export function parseE0501File(buf: Buffer, opts: ParseE0501Options): E0501File {
  let i = hasUtf8Bom(buf) ? 3 : 0;
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0a || buf[i] === 0x0d)) i++;
  return buf[i] === 0x3c ? parseE0501Xml(buf, opts) : parseE0501Csv(buf, opts);
}
