import jsQR from 'jsqr';
import { describe, expect, it } from 'vitest';
import { type QrMatrix, qrMatrix, qrPair, qrPath } from './qr.ts';

/** The left code of the MOF spec's worked example (v1.8 ch.2), UTF-8: 77 fixed characters, then the items. */
const SPEC_LEFT = 'AB112233441020523999900000144000001540000000001234567ydXZt4LAN1UHN/j1juVcRA==:**********:3:3:1:乾電池:1:105:';
const SPEC_RIGHT = '**口罩:1:210:牛奶:1:25';
/** A fuller one, as the API makes them: several Chinese item names, decimals. */
const LEFT =
  'AA123456781130105123400000381000003ae1234567628997723' +
  '73UqXrAk5DsVNv2VEvIFkQ==:**********:4:4:1:牛肉麵（大碗）:1:180:珍珠奶茶:2:55.5:滷味拼盤:1:120:';

/** Data codewords of versions 1–10 at level L (ISO/IEC 18004 Table 7). */
const L_CODEWORDS = [19, 34, 55, 80, 108, 136, 156, 194, 232, 274];
/** The smallest version holding `bytes` bytes in byte mode (4-bit mode, 8- or 16-bit count). */
const versionFor = (bytes: number) => L_CODEWORDS.findIndex((cw, i) => 4 + (i + 1 <= 9 ? 8 : 16) + 8 * bytes <= cw * 8) + 1;

/** The matrix drawn as pixels (RGBA), `scale` pixels a module, with a quiet zone of 4 modules. */
function rasterise(m: QrMatrix, scale = 4) {
  const side = (m.size + 8) * scale;
  const px = new Uint8ClampedArray(side * side * 4).fill(255);
  for (let y = 0; y < m.size; y++)
    for (let x = 0; x < m.size; x++) {
      if (!m.data[y]?.[x]) continue;
      for (let dy = 0; dy < scale; dy++)
        for (let dx = 0; dx < scale; dx++) {
          const o = (((y + 4) * scale + dy) * side + (x + 4) * scale + dx) * 4;
          px[o] = px[o + 1] = px[o + 2] = 0;
        }
    }
  return { px, side };
}

/** The path's modules back as a matrix (to check the SVG draws exactly the matrix). */
function pathModules(path: string, size: number, quiet: number): boolean[][] {
  const out = Array.from({ length: size }, () => Array.from({ length: size }, () => false));
  for (const m of path.matchAll(/M(\d+) (\d+)h(\d+)v1h-(\d+)z/g)) {
    const [x, y, w] = [Number(m[1]) - quiet, Number(m[2]) - quiet, Number(m[3])];
    expect(Number(m[4])).toBe(w);
    for (let i = 0; i < w; i++) (out[y] as boolean[])[x + i] = true;
  }
  return out;
}

describe('proof QR codes', () => {
  it('encodes a real left payload in UTF-8 at the smallest version, and a reader gets it back exactly', () => {
    for (const payload of [SPEC_LEFT, LEFT]) {
      expect(payload.length).toBeGreaterThanOrEqual(77);
      const bytes = new TextEncoder().encode(payload).length;
      const m = qrMatrix(payload);
      expect(m.version).toBe(versionFor(bytes));
      expect(m.size).toBe(17 + 4 * m.version);
      expect(m.data).toHaveLength(m.size);
      expect(m.data.every((r) => r.length === m.size)).toBe(true);

      const { px, side } = rasterise(m);
      const read = jsQR(px, side, side);
      expect(read).not.toBeNull();
      expect(read!.data).toBe(payload);
      expect(new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(read!.binaryData))).toBe(payload);
    }
  });

  it('makes the pair the same version (the same size) and both still read', () => {
    const [l, r] = qrPair(SPEC_LEFT, SPEC_RIGHT);
    expect(qrMatrix(SPEC_RIGHT).version).toBeLessThan(l.version);
    expect(r.version).toBe(l.version);
    expect(r.size).toBe(l.size);
    for (const [m, text] of [
      [l, SPEC_LEFT],
      [r, SPEC_RIGHT],
    ] as const) {
      const { px, side } = rasterise(m, 3);
      expect(jsQR(px, side, side)?.data).toBe(text);
    }
  });

  it('draws exactly the dark modules as one path, inside a quiet zone', () => {
    const m = qrMatrix(LEFT);
    const path = qrPath(m, 4);
    expect(path.startsWith('M')).toBe(true);
    expect(pathModules(path, m.size, 4)).toEqual(m.data);
    // The finder pattern's top row: 7 dark modules from the quiet zone's edge.
    expect(path.startsWith('M4 4h7v1h-7z')).toBe(true);
  });
});
