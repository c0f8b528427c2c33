/** Read a QR code back from a PNG screenshot of it (pngjs + jsqr), the way a phone would from the printout. */
import jsQR from 'jsqr';
import { PNG } from 'pngjs';

/**
 * The text of the QR code in `png`, or null when none is found. The image is first laid on white (a transparent
 * SVG background screenshots as transparent) inside a white border, since an element screenshot has no quiet
 * zone around the symbol.
 */
export function decodeQrPng(png: Buffer): string | null {
  const src = PNG.sync.read(png);
  const pad = Math.max(16, Math.round(Math.max(src.width, src.height) * 0.15));
  const width = src.width + 2 * pad;
  const height = src.height + 2 * pad;
  const out = new Uint8ClampedArray(width * height * 4).fill(255);
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < src.width; x++) {
      const i = (y * src.width + x) * 4;
      const o = ((y + pad) * width + x + pad) * 4;
      const a = (src.data[i + 3] ?? 255) / 255;
      for (let c = 0; c < 3; c++) out[o + c] = Math.round((src.data[i + c] ?? 255) * a + 255 * (1 - a));
    }
  }
  return jsQR(out, width, height)?.data ?? null;
}
