import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BARCODE_LENGTH, barcodeText } from './barcode.ts';
import { rocDate7, rocPeriod5 } from './roc.ts';
import { expectInvalid, taipeiYmd } from './test-support.ts';

const at = (iso: string) => new Date(iso);

describe('ROC dates of the proof (Asia/Taipei, via period.ts)', () => {
  it('writes YYYMMDD with a 3-digit ROC year', () => {
    expect(rocDate7(at('2013-05-23T11:22:33+08:00'))).toBe('1020523');
    expect(rocDate7(at('2011-01-01T00:00:00+08:00'))).toBe('1000101');
    expect(rocDate7(at('2024-02-29T12:00:00+08:00'))).toBe('1130229');
    expect(rocDate7(at('2010-12-31T12:00:00+08:00'))).toBe('0991231');
  });

  it('takes the Taipei calendar date, not the UTC one', () => {
    expect(rocDate7(at('2010-12-31T16:00:00Z'))).toBe('1000101');
    expect(rocDate7(at('2010-12-31T15:59:59.999Z'))).toBe('0991231');
    expect(rocDate7(at('2024-12-31T16:30:00Z'))).toBe('1140101');
  });

  it('writes the period as ROC year + even month', () => {
    const cases: [string, string][] = [
      ['2024-01-05T10:00:00+08:00', '11302'],
      ['2024-02-29T23:59:59+08:00', '11302'],
      ['2024-03-01T00:00:00+08:00', '11304'],
      ['2024-11-30T10:00:00+08:00', '11312'],
      ['2024-12-31T23:59:59+08:00', '11312'],
      ['2015-03-17T13:03:00+08:00', '10404'],
    ];
    for (const [iso, period] of cases) expect(rocPeriod5(at(iso)), iso).toBe(period);
  });

  it('refuses invalid dates and years that do not fit 3 ROC digits', () => {
    expectInvalid(() => rocDate7(new Date(Number.NaN)), 'invoiceDate');
    expectInvalid(() => rocDate7('2024-01-01' as unknown as Date), 'invoiceDate');
    expectInvalid(() => rocDate7(at('1911-12-31T12:00:00+08:00')), 'invoiceDate');
    expectInvalid(() => rocDate7(at('2911-01-01T12:00:00+08:00')), 'invoiceDate');
    expect(rocDate7(at('1912-01-01T00:00:00+08:00'))).toBe('0010101');
    expect(rocDate7(at('2910-12-31T23:59:59+08:00'))).toBe('9991231');
  });

  it('agrees with the ICU time-zone database for any date since 2000', () => {
    fc.assert(
      fc.property(fc.date({ min: at('2000-01-01T00:00:00Z'), max: at('2910-12-31T00:00:00Z'), noInvalidDate: true }), (d) => {
        const { year, month, day } = taipeiYmd(d);
        const roc = String(year - 1911).padStart(3, '0');
        expect(rocDate7(d)).toBe(`${roc}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`);
        expect(rocPeriod5(d)).toBe(`${roc}${String(month % 2 === 0 ? month : month + 1).padStart(2, '0')}`);
      }),
    );
  });
});

describe('barcodeText (Code 39, 19 characters)', () => {
  it("reproduces the MOF spec's example *10404UZ176908720122*", () => {
    const text = barcodeText({ invoiceNumber: 'UZ17690872', invoiceDate: at('2015-04-17T13:03:00+08:00'), randomNumber: '0122' });
    expect(text).toBe('10404UZ176908720122');
    expect(text).toHaveLength(BARCODE_LENGTH);
  });

  it('uses the even month of the period for an odd-month invoice', () => {
    expect(barcodeText({ invoiceNumber: 'AB12345678', invoiceDate: at('2024-01-05T10:00:00+08:00'), randomNumber: '5678' })).toBe(
      '11302AB123456785678',
    );
    expect(barcodeText({ invoiceNumber: 'ZZ00000001', invoiceDate: at('2011-11-01T00:00:00+08:00'), randomNumber: '0000' })).toBe(
      '10012ZZ000000010000',
    );
  });

  it('refuses malformed parts', () => {
    const ok = { invoiceNumber: 'AB12345678', invoiceDate: at('2024-01-05T10:00:00+08:00'), randomNumber: '5678' };
    expectInvalid(() => barcodeText({ ...ok, invoiceNumber: 'ab12345678' }), 'invoiceNumber');
    expectInvalid(() => barcodeText({ ...ok, invoiceNumber: 'AB-12345678' }), 'invoiceNumber');
    expectInvalid(() => barcodeText({ ...ok, randomNumber: '567' }), 'randomNumber');
    expectInvalid(() => barcodeText({ ...ok, invoiceDate: new Date('x') }), 'invoiceDate');
  });

  it('is period + number + random in Code 39 characters for any valid input', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Z]{2}\d{8}$/),
        fc.date({ min: at('2012-01-01T00:00:00Z'), max: at('2200-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.stringMatching(/^\d{4}$/),
        (invoiceNumber, invoiceDate, randomNumber) => {
          const text = barcodeText({ invoiceNumber, invoiceDate, randomNumber });
          expect(text).toMatch(/^[0-9A-Z]{19}$/);
          const { year, month } = taipeiYmd(invoiceDate);
          expect(Number(text.slice(0, 3))).toBe(year - 1911);
          expect(Number(text.slice(3, 5))).toBe(month + (month % 2));
          expect(text.slice(5, 15)).toBe(invoiceNumber);
          expect(text.slice(15)).toBe(randomNumber);
        },
      ),
    );
  });
});
