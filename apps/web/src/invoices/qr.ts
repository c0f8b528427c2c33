/**
 * The proof's QR codes (print-and-protocols.md §2.3–2.4): the API computes the payloads; this encodes them
 * (uqr: error correction L, the text as UTF-8 bytes) and draws the modules. The spec asks for two codes of
 * the same size side by side, so the pair is encoded at one version (the larger of the two needs).
 */
import { encode } from 'uqr';

export type QrMatrix = {
  version: number;
  /** Modules per side, without a quiet zone. */
  size: number;
  /** `data[y][x]`: true for a dark module. */
  data: boolean[][];
};

/** The modules of `text` (ecc L), at least version `minVersion`. */
export function qrMatrix(text: string, minVersion = 1): QrMatrix {
  const r = encode(text, { ecc: 'L', border: 0, minVersion });
  return { version: r.version, size: r.size, data: r.data };
}

/** Left and right codes at the same version, so they print the same size with the same module size. */
export function qrPair(left: string, right: string): [QrMatrix, QrMatrix] {
  let l = qrMatrix(left);
  let r = qrMatrix(right);
  if (l.version < r.version) l = qrMatrix(left, r.version);
  else if (r.version < l.version) r = qrMatrix(right, l.version);
  return [l, r];
}

/**
 * One SVG path of the dark modules (runs along each row merged), offset by a quiet zone of `quiet` modules;
 * the drawing is `size + 2 * quiet` modules square.
 */
export function qrPath(m: QrMatrix, quiet = 4): string {
  const parts: string[] = [];
  m.data.forEach((row, y) => {
    let x = 0;
    while (x < row.length) {
      if (!row[x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < row.length && row[x]) x++;
      parts.push(`M${start + quiet} ${y + quiet}h${x - start}v1h${start - x}z`);
    }
  });
  return parts.join('');
}
