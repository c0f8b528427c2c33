import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  B2C_BUYER_IDENTIFIER,
  charLength,
  F0401_TEXT_LIMITS,
  hasEdgeBlanks,
  hasNonXmlCharacters,
  isCarrierType,
  isCitizenCertificate,
  isInvoiceNumber,
  isMobileBarcode,
  isNpoban,
  isRandomNumber,
  MAX_ITEMS,
} from './formats.ts';

describe('simple formats (einvoice-domain.md §4.2)', () => {
  it('invoice number: two uppercase letters and eight digits', () => {
    expect(isInvoiceNumber('AB12345678')).toBe(true);
    for (const bad of ['ab12345678', 'AB1234567', 'AB123456789', 'A112345678', 'AB1234567X', ' AB12345678', 'ＡB12345678']) {
      expect(isInvoiceNumber(bad), bad).toBe(false);
    }
  });

  it('random number: exactly four ASCII digits (no AAAA in 4.1)', () => {
    expect(isRandomNumber('0000')).toBe(true);
    expect(isRandomNumber('9271')).toBe(true);
    for (const bad of ['', '123', '12345', 'AAAA', '12a4', '１２３４']) expect(isRandomNumber(bad), bad).toBe(false);
  });

  it('mobile barcode 3J0002: "/" + 7 of [0-9A-Z.+-]', () => {
    for (const ok of ['/ABC1234', '/A.B+C-1', '/0000000', '/+++++++']) expect(isMobileBarcode(ok), ok).toBe(true);
    for (const bad of ['ABC12345', '/abc1234', '/ABC123', '/ABC12345', '/ABC 123', '/ABC_123', '//ABC123', ' /ABC1234']) {
      expect(isMobileBarcode(bad), bad).toBe(false);
    }
  });

  it('citizen certificate CQ0001: 2 uppercase letters + 14 digits; lowercase refused', () => {
    expect(isCitizenCertificate('AB12345678901234')).toBe(true);
    for (const bad of ['ab12345678901234', 'Ab12345678901234', 'AB1234567890123', 'AB123456789012345', 'A112345678901234']) {
      expect(isCitizenCertificate(bad), bad).toBe(false);
    }
  });

  it('NPOBAN: 3 to 7 digits', () => {
    for (const ok of ['123', '8585', '1234567']) expect(isNpoban(ok), ok).toBe(true);
    for (const bad of ['12', '12345678', '12a', '', ' 123']) expect(isNpoban(bad), bad).toBe(false);
  });

  it('carrier types: 3J0002, CQ0001 and member codes AA0000', () => {
    for (const ok of ['3J0002', 'CQ0001', 'EJ0113', '1K0001']) expect(isCarrierType(ok), ok).toBe(true);
    for (const bad of ['3j0002', '3J000', '3J00021', 'ABCDEF', '', '3J 002']) expect(isCarrierType(bad), bad).toBe(false);
  });

  it('the B2C buyer identifier is ten zeros', () => {
    expect(B2C_BUYER_IDENTIFIER).toBe('0'.repeat(10));
  });
});

describe('edge blanks and XML characters', () => {
  it('finds half-width and full-width (U+3000) blanks at either end only', () => {
    for (const bad of [' /ABC1234', '/ABC1234 ', '\u3000/ABC1234', '/ABC1234\u3000', '\t/ABC1234', '/ABC1234\n', ' ']) {
      expect(hasEdgeBlanks(bad), JSON.stringify(bad)).toBe(true);
    }
    for (const ok of ['/ABC1234', 'a b', 'a\u3000b', '']) expect(hasEdgeBlanks(ok), JSON.stringify(ok)).toBe(false);
  });

  it('finds characters XML 1.0 cannot carry', () => {
    for (const bad of ['a\u0000b', '\u0008', 'x\u001f', '\uFFFE', '\uD800', 'a\uDC00']) {
      expect(hasNonXmlCharacters(bad), JSON.stringify(bad)).toBe(true);
    }
    for (const ok of ['品名 A-1', 'tab\there', 'line\nbreak', '\r', '𠀀', '😀', '\uE000', '']) {
      expect(hasNonXmlCharacters(ok), JSON.stringify(ok)).toBe(false);
    }
  });

  it('counts characters as code points, not UTF-16 units or bytes', () => {
    expect(charLength('abc')).toBe(3);
    expect(charLength('統一發票')).toBe(4);
    expect(charLength('𠀀𠀁')).toBe(2); // 4 UTF-16 code units
    expect(charLength('')).toBe(0);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(charLength(a + b)).toBe(charLength(a) + charLength(b));
        expect(charLength(b)).toBeLessThanOrEqual(b.length);
      }),
    );
  });
});

describe('F0401_TEXT_LIMITS agree with the official XSDs', () => {
  const xsdDir = fileURLToPath(new URL('../../../../../../shared/mig/xsd/', import.meta.url));
  const f0401 = readFileSync(`${xsdDir}v41/F0401.xsd`, 'utf8');
  const generic = readFileSync(`${xsdDir}common/GenericType_4.0.xsd`, 'utf8');

  /** maxLength of the first element named `name` after `after` in `xsd`. */
  const maxLengthOf = (xsd: string, name: string, after = ''): number => {
    const start = xsd.indexOf(after);
    const at = xsd.indexOf(`name="${name}"`, start);
    expect(at, `${name} in the XSD`).toBeGreaterThan(-1);
    const m = /<xsd:maxLength value="(\d+)"\/>/.exec(xsd.slice(at));
    return Number(m?.[1]);
  };

  it.each([
    ['mainRemark', 'MainRemark', ''],
    ['category', 'Category', ''],
    ['relateNumber', 'RelateNumber', ''],
    ['carrierId', 'CarrierId1', ''],
    ['carrierId', 'CarrierId2', ''],
    ['npoban', 'NPOBAN', ''],
    ['reserved1', 'Reserved1', ''],
    ['reserved2', 'Reserved2', ''],
    ['itemDescription', 'Description', 'name="ProductItem"'],
    ['itemUnit', 'Unit', 'name="ProductItem"'],
    ['itemSequenceNumber', 'SequenceNumber', 'name="ProductItem"'],
    ['itemRemark', 'Remark', 'name="ProductItem"'],
    ['itemRelateNumber', 'RelateNumber', 'name="ProductItem"'],
  ] as const)('%s = F0401 %s', (key, element, after) => {
    expect(F0401_TEXT_LIMITS[key].max).toBe(maxLengthOf(f0401, element, after));
  });

  it.each([
    ['partyName', 'Name'],
    ['partyAddress', 'Address'],
    ['partyPersonInCharge', 'PersonInCharge'],
    ['partyTelephoneNumber', 'TelephoneNumber'],
    ['partyFacsimileNumber', 'FacsimileNumber'],
    ['partyEmailAddress', 'EmailAddress'],
    ['partyCustomerNumber', 'CustomerNumber'],
    ['partyRoleRemark', 'RoleRemark'],
    ['partyIdentifier', 'Identifier'],
  ] as const)('%s = RoleDescriptionType/%s', (key, element) => {
    expect(F0401_TEXT_LIMITS[key].max).toBe(maxLengthOf(generic, element, 'name="RoleDescriptionType"'));
  });

  it('CarrierTypeEnum is 6 characters and ProductItem occurs at most 9999 times', () => {
    expect(F0401_TEXT_LIMITS.carrierType.max).toBe(maxLengthOf(generic, 'CarrierTypeEnum'));
    expect(f0401).toContain(`name="ProductItem" minOccurs="1" maxOccurs="${MAX_ITEMS}"`);
  });
});
