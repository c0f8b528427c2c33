import iconv from 'iconv-lite';
import { e0501FileError } from './types.ts';

/** Whether `buf` starts with the UTF-8 byte-order mark EF BB BF. */
export const hasUtf8Bom = (buf: Buffer): boolean => buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;

/** UTF-16 (either byte order) is refused: neither the platform's CSV nor Turnkey's XML uses it. */
export function refuseUtf16(buf: Buffer): void {
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
    throw e0501FileError('ENCODING_UNSUPPORTED', 'The file is UTF-16; only UTF-8 and Big5 (cp950) are accepted');
  }
}

/** Strict UTF-8 (a leading BOM is dropped), or `null` when the bytes are not valid UTF-8. */
export function decodeUtf8(buf: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return null;
  }
}

/** Big5 as Windows code page 950 (the Taiwanese Windows default, which Excel and the platform export). */
export const decodeCp950 = (buf: Buffer): string => iconv.decode(buf, 'cp950');
