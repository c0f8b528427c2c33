import { createDecipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { precomputeVerification, QR_AES_IV_BASE64, VERIFICATION_RE, verificationString } from './aes.ts';
import { expectInvalid } from './test-support.ts';

// print-and-protocols.md §2.5 (calvertyang/EInvoice-QR-Encryptor README; re-computed with openssl).
const VECTOR_KEY = 'FE0F50D87215F625D1248F5FDAEBA37F';
const VECTOR = { invoiceNumber: 'AA12345678', randomNumber: '1234' };
const VECTOR_OUT = '73UqXrAk5DsVNv2VEvIFkQ==';

function decrypt(hexKey: string, b64: string): string {
  const d = createDecipheriv('aes-128-cbc', Buffer.from(hexKey, 'hex'), Buffer.from('0EDF25C93A28D7B5FF5E45DA42F8A1B8', 'hex'));
  return Buffer.concat([d.update(Buffer.from(b64, 'base64')), d.final()]).toString('ascii');
}

const invoiceNumberArb = fc.stringMatching(/^[A-Z]{2}\d{8}$/);
const randomArb = fc.stringMatching(/^\d{4}$/);
const keyArb = fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean()).map(([bytes, upper]) => {
  const hex = Buffer.from(bytes).toString('hex');
  return upper ? hex.toUpperCase() : hex;
});

describe('verificationString (加密驗證資訊)', () => {
  it('reproduces the test vector byte for byte', () => {
    expect(verificationString(VECTOR_KEY, VECTOR)).toBe(VECTOR_OUT);
  });

  it('reads the key as hex, in either case', () => {
    expect(verificationString(VECTOR_KEY.toLowerCase(), VECTOR)).toBe(VECTOR_OUT);
  });

  it('uses the fixed IV of the MOF sample code', () => {
    expect(Buffer.from(QR_AES_IV_BASE64, 'base64').toString('hex').toUpperCase()).toBe('0EDF25C93A28D7B5FF5E45DA42F8A1B8');
    expect(decrypt(VECTOR_KEY, VECTOR_OUT)).toBe('AA123456781234');
  });

  it('depends on the key, the number and the random number', () => {
    expect(verificationString('FE0F50D87215F625D1248F5FDAEBA37E', VECTOR)).not.toBe(VECTOR_OUT);
    expect(verificationString(VECTOR_KEY, { ...VECTOR, invoiceNumber: 'AA12345679' })).not.toBe(VECTOR_OUT);
    expect(verificationString(VECTOR_KEY, { ...VECTOR, randomNumber: '1235' })).not.toBe(VECTOR_OUT);
  });

  it('refuses keys that are not 32 hex characters, without echoing the key', () => {
    for (const bad of [VECTOR_KEY.slice(1), `${VECTOR_KEY}0`, `${VECTOR_KEY.slice(1)}G`, ` ${VECTOR_KEY.slice(1)}`, '']) {
      const err = expectInvalid(() => verificationString(bad, VECTOR), 'aesKey');
      if (bad.length > 4) expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain(bad.slice(2, -2));
    }
  });

  it('refuses malformed numbers and random numbers', () => {
    expectInvalid(() => verificationString(VECTOR_KEY, { ...VECTOR, invoiceNumber: 'aa12345678' }), 'invoiceNumber');
    expectInvalid(() => verificationString(VECTOR_KEY, { ...VECTOR, invoiceNumber: 'AA1234567' }), 'invoiceNumber');
    expectInvalid(() => verificationString(VECTOR_KEY, { ...VECTOR, randomNumber: '123' }), 'randomNumber');
    expectInvalid(() => verificationString(VECTOR_KEY, { ...VECTOR, randomNumber: '    ' }), 'randomNumber');
  });

  it('is always 24 canonical Base64 characters that decrypt back to number + random', () => {
    fc.assert(
      fc.property(keyArb, invoiceNumberArb, randomArb, (key, invoiceNumber, randomNumber) => {
        const v = verificationString(key, { invoiceNumber, randomNumber });
        expect(v).toHaveLength(24);
        expect(v).toMatch(/^[A-Za-z0-9+/]{22}==$/);
        expect(v).toMatch(VERIFICATION_RE);
        expect(decrypt(key, v)).toBe(invoiceNumber + randomNumber);
      }),
    );
  });
});

describe('precomputeVerification (offline POS reservations)', () => {
  it('gives each entry its own verification string, in order', () => {
    const out = precomputeVerification(VECTOR_KEY, [VECTOR, { invoiceNumber: 'AA12345679', randomNumber: '0000' }]);
    expect(out).toEqual([
      { ...VECTOR, verification: VECTOR_OUT },
      {
        invoiceNumber: 'AA12345679',
        randomNumber: '0000',
        verification: verificationString(VECTOR_KEY, { invoiceNumber: 'AA12345679', randomNumber: '0000' }),
      },
    ]);
  });

  it('checks the key even for an empty batch, and names the bad entry', () => {
    expectInvalid(() => precomputeVerification('nope', []), 'aesKey');
    expect(precomputeVerification(VECTOR_KEY, [])).toEqual([]);
    expectInvalid(
      () => precomputeVerification(VECTOR_KEY, [VECTOR, { ...VECTOR, randomNumber: '12a4' }]),
      'entries[1].randomNumber',
    );
    expectInvalid(
      () => precomputeVerification(VECTOR_KEY, [{ ...VECTOR, invoiceNumber: 'A112345678' }]),
      'entries[0].invoiceNumber',
    );
  });

  it('matches one-by-one encryption for any batch', () => {
    fc.assert(
      fc.property(
        keyArb,
        fc.array(fc.record({ invoiceNumber: invoiceNumberArb, randomNumber: randomArb }), { maxLength: 20 }),
        (key, entries) => {
          const out = precomputeVerification(key, entries);
          expect(out.map(({ invoiceNumber, randomNumber }) => ({ invoiceNumber, randomNumber }))).toEqual(entries);
          for (const [i, e] of entries.entries()) expect(out[i]?.verification).toBe(verificationString(key, e));
        },
      ),
    );
  });
});
