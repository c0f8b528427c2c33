/**
 * How many bytes a QR code of a given version holds — used to keep each proof QR code within the size chosen for
 * 57 mm paper, and to tell the renderer the smallest version that holds a payload.
 *
 * Data codewords per version are ISO/IEC 18004 Table 7 (checked against the python `qrcode` package's RS-block
 * table). A payload is counted in **byte mode** (8 bits per UTF-8 byte) with a UTF-8 ECI designator
 * (ECI 000026: 4 + 8 bits) in front: an encoder that picks a denser mode, or writes no ECI, needs no more space,
 * so "fits" here means it fits whatever the renderer does. Bits: ECI 12 + mode 4 + character count 8 (V1–9) or
 * 16 (V10–26) + 8 per byte.
 *
 * Only levels L and M and versions 1–20 are listed: the spec asks for "Level L (容錯率7%) 以上" and a V20 code
 * (97 modules) is already wider than two codes side by side allow on 57 mm paper.
 */

export type QrErrorCorrection = 'L' | 'M';

const DATA_CODEWORDS: Record<QrErrorCorrection, readonly number[]> = {
  L: [19, 34, 55, 80, 108, 136, 156, 194, 232, 274, 324, 370, 428, 461, 523, 589, 647, 721, 795, 861],
  M: [16, 28, 44, 64, 86, 108, 124, 154, 182, 216, 254, 290, 334, 365, 415, 453, 507, 563, 627, 669],
};

export const QR_MAX_LISTED_VERSION = 20;

const ECI_BITS = 12;
const MODE_BITS = 4;

export function isQrErrorCorrection(level: unknown): level is QrErrorCorrection {
  return level === 'L' || level === 'M';
}

/** Bytes of UTF-8 a version-`version` code at `level` holds (byte mode, with a UTF-8 ECI header). */
export function qrByteCapacity(version: number, level: QrErrorCorrection): number {
  const codewords = DATA_CODEWORDS[level][version - 1];
  if (!Number.isInteger(version) || codewords === undefined) {
    throw new RangeError(`QR version must be an integer 1..${QR_MAX_LISTED_VERSION}`);
  }
  const countBits = version <= 9 ? 8 : 16;
  return Math.floor((codewords * 8 - ECI_BITS - MODE_BITS - countBits) / 8);
}

/** The smallest version (1..20) holding `byteLength` bytes at `level`, or `null` when none does. */
export function qrVersionFor(byteLength: number, level: QrErrorCorrection): number | null {
  for (let v = 1; v <= QR_MAX_LISTED_VERSION; v++) {
    if (byteLength <= qrByteCapacity(v, level)) return v;
  }
  return null;
}
