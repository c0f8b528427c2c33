import { describe, expect, it } from 'vitest';
import { CODE39_ALPHABET, Code39Error, code39Layout, code39Pattern, code39Widths } from './code39.ts';

/**
 * An independent statement of the Code 39 table, as ZXing writes it (9 bits, most significant first, bar
 * first; 1 = wide), to check ours against and to decode with.
 */
const ZXING_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%*';
const ZXING_ENCODINGS = [
  0x034, 0x121, 0x061, 0x160, 0x031, 0x130, 0x070, 0x025, 0x124, 0x064, 0x109, 0x049, 0x148, 0x019, 0x118, 0x058, 0x00d, 0x10c,
  0x04c, 0x01c, 0x103, 0x043, 0x142, 0x013, 0x112, 0x052, 0x007, 0x106, 0x046, 0x016, 0x181, 0x0c1, 0x1c0, 0x091, 0x190, 0x0d0,
  0x085, 0x184, 0x0c4, 0x0a8, 0x0a2, 0x08a, 0x02a, 0x094,
];
const zxingPattern = (bits: number) => [...bits.toString(2).padStart(9, '0')].map((b) => (b === '1' ? 'w' : 'n')).join('');

/**
 * A scanner's view: element widths (in any unit) back to text. Each element is narrow or wide by a threshold
 * between the two widths seen; characters are 9 elements plus a gap; the symbol must start and end with `*`.
 */
function decode(widths: number[]): string {
  const bars = widths.filter((_, i) => i % 2 === 0);
  const narrow = Math.min(...widths);
  const wide = Math.max(...bars);
  const threshold = (narrow + wide) / 2;
  const byPattern = new Map(ZXING_ENCODINGS.map((bits, i) => [zxingPattern(bits), ZXING_ALPHABET[i] as string]));
  const chars: string[] = [];
  for (let i = 0; i < widths.length; i += 10) {
    const el = widths.slice(i, i + 9);
    if (el.length !== 9) throw new Error(`a character of ${el.length} elements at ${i}`);
    const gap = widths[i + 9];
    if (gap !== undefined && gap >= threshold) throw new Error(`a wide inter-character gap at ${i + 9}`);
    const p = el.map((w) => (w >= threshold ? 'w' : 'n')).join('');
    const c = byPattern.get(p);
    if (c === undefined) throw new Error(`no character ${p}`);
    chars.push(c);
  }
  const s = chars.join('');
  if (!s.startsWith('*') || !s.endsWith('*') || s.length < 3) throw new Error(`no start/stop: ${s}`);
  return s.slice(1, -1);
}

describe('code39', () => {
  it('has the standard table: every character, three wide elements each, as ZXing has it', () => {
    expect(CODE39_ALPHABET).toHaveLength(43);
    [...ZXING_ALPHABET].forEach((c, i) => {
      const p = code39Pattern(c);
      expect(p, c).toBe(zxingPattern(ZXING_ENCODINGS[i] as number));
      expect(
        [...p].filter((e) => e === 'w'),
        c,
      ).toHaveLength(3);
    });
  });

  it('encodes known characters', () => {
    expect(code39Pattern('*')).toBe('nwnnwnwnn');
    expect(code39Pattern('0')).toBe('nnnwwnwnn');
    expect(code39Pattern('A')).toBe('wnnnnwnnw');
    expect(code39Pattern('U')).toBe('wwnnnnnnw');
    expect(code39Pattern('-')).toBe('nwnnnnwnw');
    // "A" with 1:3: *, gap, A, gap, *
    expect(code39Widths('A')).toEqual([
      ...[1, 3, 1, 1, 3, 1, 3, 1, 1],
      1,
      ...[3, 1, 1, 1, 1, 3, 1, 1, 3],
      1,
      ...[1, 3, 1, 1, 3, 1, 3, 1, 1],
    ]);
    expect(code39Widths('A', { wide: 2.5 }).slice(10, 19)).toEqual([2.5, 1, 1, 1, 1, 2.5, 1, 1, 2.5]);
  });

  it('round-trips the proof text (period + number + random) through a decoder of the widths', () => {
    for (const text of ['10404UZ176908720122', '11312AB123456785678', CODE39_ALPHABET, '/ABC+123']) {
      const widths = code39Widths(text);
      // 21 characters of 9 elements and 20 gaps for a 19-character text.
      if (text.length === 19) expect(widths).toHaveLength(21 * 9 + 20);
      expect(decode(widths)).toBe(text);
      expect(decode(code39Widths(text, { wide: 2.5 }))).toBe(text);
    }
  });

  it('a layout draws every bar, starting after the quiet zone', () => {
    const l = code39Layout('10404UZ176908720122');
    expect(l.bars).toHaveLength(21 * 5);
    expect(l.bars[0]?.x).toBe(10);
    // 21 characters of 15 units, 20 gaps, two quiet zones of 10
    expect(l.width).toBe(21 * 15 + 20 + 20);
    const last = l.bars.at(-1)!;
    expect(last.x + last.width).toBe(l.width - 10);
    // the bars' widths and the spaces between them decode to the text again
    const widths: number[] = [];
    l.bars.forEach((b, i) => {
      if (i > 0) {
        const prev = l.bars[i - 1]!;
        widths.push(b.x - (prev.x + prev.width));
      }
      widths.push(b.width);
    });
    expect(decode(widths)).toBe('10404UZ176908720122');
  });

  it('refuses what Code 39 cannot carry', () => {
    for (const bad of ['ab12345678', 'AB*123', '發票', 'A_B', 'A\nB', '']) {
      expect(() => code39Widths(bad), JSON.stringify(bad)).toThrow(Code39Error);
    }
    expect(() => code39Pattern('a')).toThrow(Code39Error);
    expect(() => code39Pattern('AB')).toThrow(Code39Error);
    expect(() => code39Widths('A', { wide: 4 })).toThrow(Code39Error);
    expect(() => code39Widths('A', { wide: 1 })).toThrow(Code39Error);
  });
});
