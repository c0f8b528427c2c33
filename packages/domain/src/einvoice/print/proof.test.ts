import { describe, expect, it } from 'vitest';
import { proofCodes } from './proof.ts';
import { expectInvalid } from './test-support.ts';

const input = {
  invoiceNumber: 'UZ17690872',
  invoiceDate: new Date('2015-04-17T13:03:00+08:00'),
  randomNumber: '0122',
  salesAmount: null,
  totalAmount: 25,
  buyerBan: null,
  sellerBan: '12345678',
  aesKey: 'FE0F50D87215F625D1248F5FDAEBA37F',
  items: [{ name: '飲料', quantity: 1, unitPrice: 25 }],
};

describe('proofCodes', () => {
  it('builds the barcode and the QR pair from the same number, random number and date', () => {
    const { barcode, qr } = proofCodes(input);
    expect(barcode).toBe('10404UZ176908720122');
    expect(qr.left.slice(0, 21)).toBe('UZ1769087210404170122');
    expect(qr.left.slice(21, 37)).toBe('0000000000000019');
  });

  it('passes the QR options through and fails as the parts fail', () => {
    expectInvalid(() => proofCodes(input, { maxVersion: 4 }), 'maxVersion');
    expectInvalid(() => proofCodes({ ...input, randomNumber: '01' }), 'randomNumber');
  });
});
