/**
 * Code 39 (ISO/IEC 16388) for the printed proof's one-dimensional barcode (print-and-protocols.md §2.2): the
 * API gives the 19-character text; this lays out its bars, and the proof draws them as SVG.
 *
 * Each character is 9 elements — bar, space, bar, space, bar, space, bar, space, bar — three of them wide;
 * characters are separated by a narrow space (the inter-character gap), and the symbol starts and ends with
 * `*`, which is never part of the text. Widths are in narrow-element units (X).
 */

/** Every character Code 39 can carry (without the start/stop `*`). */
export const CODE39_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%';

/**
 * The standard table: for each character, its 9 elements in order, 1 narrow and 2 wide (bars at the even
 * positions, spaces at the odd ones).
 */
const TABLE: Readonly<Record<string, string>> = {
  '0': '111221211',
  '1': '211211112',
  '2': '112211112',
  '3': '212211111',
  '4': '111221112',
  '5': '211221111',
  '6': '112221111',
  '7': '111211212',
  '8': '211211211',
  '9': '112211211',
  A: '211112112',
  B: '112112112',
  C: '212112111',
  D: '111122112',
  E: '211122111',
  F: '112122111',
  G: '111112212',
  H: '211112211',
  I: '112112211',
  J: '111122211',
  K: '211111122',
  L: '112111122',
  M: '212111121',
  N: '111121122',
  O: '211121121',
  P: '112121121',
  Q: '111111222',
  R: '211111221',
  S: '112111221',
  T: '111121221',
  U: '221111112',
  V: '122111112',
  W: '222111111',
  X: '121121112',
  Y: '221121111',
  Z: '122121111',
  '-': '121111212',
  '.': '221111211',
  ' ': '122111211',
  $: '121212111',
  '/': '121211121',
  '+': '121112121',
  '%': '111212121',
  '*': '121121211',
};

export class Code39Error extends Error {
  override readonly name = 'Code39Error';
}

/** The 9 elements of one character as `n`/`w` (narrow/wide), bar first; `*` is the start/stop character. */
export function code39Pattern(char: string): string {
  const p = TABLE[char];
  if (p === undefined || char.length !== 1) throw new Code39Error(`'${char}' cannot be encoded in Code 39`);
  return p.replace(/1/g, 'n').replace(/2/g, 'w');
}

export type Code39Options = {
  /** Wide element width in narrow units: 2..3 (the standard allows 1:2 to 1:3); default 3. */
  wide?: number;
  /** The inter-character gap in narrow units; default 1. */
  gap?: number;
};

/**
 * The element widths of the whole symbol `*text*`, alternating bar and space and starting (and ending) with a
 * bar, in narrow units; inter-character gaps included. Refuses text Code 39 cannot carry (lower case, `*`,
 * anything outside the 43 characters) rather than printing a barcode that scans as something else.
 */
export function code39Widths(text: string, opts: Code39Options = {}): number[] {
  const wide = opts.wide ?? 3;
  const gap = opts.gap ?? 1;
  if (!(wide >= 2 && wide <= 3)) throw new Code39Error('the wide:narrow ratio must be between 2 and 3');
  if (!(gap >= 1)) throw new Code39Error('the inter-character gap must be at least one narrow element');
  if (text.length === 0) throw new Code39Error('nothing to encode');
  for (const c of text) {
    if (!CODE39_ALPHABET.includes(c)) throw new Code39Error(`'${c}' cannot be encoded in Code 39`);
  }
  const widths: number[] = [];
  const chars = `*${text}*`;
  for (let i = 0; i < chars.length; i++) {
    if (i > 0) widths.push(gap);
    for (const e of TABLE[chars[i] as string] as string) widths.push(e === '2' ? wide : 1);
  }
  return widths;
}

export type Code39Layout = {
  /** Each bar's left edge and width, in narrow units from the symbol's left edge (quiet zone included). */
  bars: { x: number; width: number }[];
  /** The whole width, quiet zones included. */
  width: number;
};

/** Bars positioned for drawing, with a quiet zone (default 10 narrow units, the standard's minimum) each side. */
export function code39Layout(text: string, opts: Code39Options & { quietZone?: number } = {}): Code39Layout {
  const quiet = opts.quietZone ?? 10;
  const widths = code39Widths(text, opts);
  const bars: Code39Layout['bars'] = [];
  let x = quiet;
  widths.forEach((w, i) => {
    if (i % 2 === 0) bars.push({ x, width: w });
    x += w;
  });
  return { bars, width: x + quiet };
}
