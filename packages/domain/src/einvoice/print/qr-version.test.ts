import { describe, expect, it } from 'vitest';
import { qrByteCapacity, qrVersionFor } from './qr-version.ts';

// ISO/IEC 18004 byte-mode capacities without ECI (also what the python `qrcode` package fits), versions 1..20.
const ISO_BYTES = {
  L: [17, 32, 53, 78, 106, 134, 154, 192, 230, 271, 321, 367, 425, 458, 520, 586, 644, 718, 792, 858],
  M: [14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624, 666],
} as const;

describe('QR byte capacity', () => {
  it('is the ISO byte-mode capacity less the 12-bit UTF-8 ECI header (1 or 2 bytes)', () => {
    for (const level of ['L', 'M'] as const) {
      ISO_BYTES[level].forEach((iso, i) => {
        const cap = qrByteCapacity(i + 1, level);
        expect(iso - cap, `V${i + 1}-${level}`).toBeGreaterThanOrEqual(1);
        expect(iso - cap, `V${i + 1}-${level}`).toBeLessThanOrEqual(2);
      });
    }
    expect(qrByteCapacity(6, 'L')).toBe(133);
    expect(qrByteCapacity(6, 'M')).toBe(105);
    expect(qrByteCapacity(10, 'L')).toBe(270);
  });

  it('refuses versions outside 1..20', () => {
    expect(() => qrByteCapacity(0, 'L')).toThrow(RangeError);
    expect(() => qrByteCapacity(21, 'L')).toThrow(RangeError);
    expect(() => qrByteCapacity(6.5, 'L')).toThrow(RangeError);
  });

  it('finds the smallest version that holds a payload', () => {
    expect(qrVersionFor(0, 'L')).toBe(1);
    expect(qrVersionFor(133, 'L')).toBe(6);
    expect(qrVersionFor(134, 'L')).toBe(7);
    expect(qrVersionFor(134, 'M')).toBe(8);
    expect(qrVersionFor(qrByteCapacity(20, 'L'), 'L')).toBe(20);
    expect(qrVersionFor(qrByteCapacity(20, 'L') + 1, 'L')).toBeNull();
  });
});
