/**
 * Field formats and length limits for F0401 (MIG 4.1) — einvoice-domain.md §2 and §4.2.
 *
 * Lengths are XSD lengths: for `xsd:string` they count *characters* (Unicode code points), not bytes and
 * not UTF-16 code units, so `charLength` iterates code points (a CJK Extension B character such as 𠀀
 * counts once). None of the F0401 XSD types declares a byte length.
 */

/** `InvoiceNumberType` (common/GenericType_4.0.xsd): length 10, pattern `[A-Z]{2}\d{8}`. */
const INVOICE_NUMBER_RE = /^[A-Z]{2}\d{8}$/;

/**
 * F0401 Main/RandomNumber (anonymous type, maxLength 4, pattern `|[0-9][0-9][0-9][0-9]`). The XSD allows
 * empty; we always send four digits (einvoice-domain.md §4.2: "always send it"; whether it is mandatory
 * for B2B is open question 3 — unverified).
 */
const RANDOM_NUMBER_RE = /^\d{4}$/;

/** 手機條碼 (CarrierType 3J0002): `/` then 7 of `[0-9A-Z.+-]` — einvoice-domain.md §4.2 (cetustek page). */
export const MOBILE_BARCODE_RE = /^\/[0-9A-Z.+-]{7}$/;

/**
 * 自然人憑證條碼 (CarrierType CQ0001): 2 uppercase letters + 14 digits — einvoice-domain.md §4.2 (cetustek page).
 * Decision: lowercase letters are REFUSED, not uppercased. [HO] accepts `[a-zA-Z]` in its own form check, but
 * the published format says uppercase, the 3J0002 alphabet is uppercase-only too, and a validator that
 * rewrites the carrier the consumer presented would store something other than what was scanned. A caller
 * that wants to be lenient can uppercase before validating.
 */
export const CITIZEN_CERTIFICATE_RE = /^[A-Z]{2}\d{14}$/;

/**
 * Member / merchant carrier type codes issued by the platform: form `AA0000` (行業別, 載具類別, 4-digit serial) —
 * einvoice-domain.md §4.2 (`abookyun/einvoice` docs/neweb.md). The XSD only says `CarrierTypeEnum` ≤ 6 chars.
 */
export const MEMBER_CARRIER_TYPE_RE = /^[A-Z0-9]{2}\d{4}$/;

/** 愛心碼 / NPOBAN when donating: 3–7 digits — einvoice-domain.md §4.2. (XSD Main/NPOBAN is only maxLength 10.) */
export const NPOBAN_RE = /^\d{3,7}$/;

/** Buyer/Identifier for a consumer (B2C): ten zeros — einvoice-domain.md §4.2. */
export const B2C_BUYER_IDENTIFIER = '0000000000';

export const CARRIER_TYPE_MOBILE = '3J0002';
export const CARRIER_TYPE_CITIZEN_CERTIFICATE = 'CQ0001';

/** Maximum number of Details/ProductItem (F0401.xsd `maxOccurs="9999"`). */
export const MAX_ITEMS = 9999;

/**
 * Decimal facets of F0401 ProductItem/Quantity, UnitPrice and Amount (anonymous `xsd:decimal` restrictions
 * with totalDigits 20, fractionDigits 7) — also Amount/SalesAmount, FreeTaxSalesAmount, ZeroTaxSalesAmount,
 * TotalAmount. Amount/TaxAmount has fractionDigits 0.
 */
export const DECIMAL_TOTAL_DIGITS = 20;
export const DECIMAL_FRACTION_DIGITS = 7;

export type TextLimit = { readonly min?: number; readonly max: number; readonly xsd: string };

/**
 * Character limits of the F0401 text fields, taken from v41/F0401.xsd and common/GenericType_4.0.xsd.
 * Most F0401 elements use anonymous `xsd:string` restrictions, so `xsd` names the element path; where the
 * XSD names the type (RoleDescriptionType, CarrierTypeEnum, InvoiceNumberType, BAN) that name is given.
 */
export const F0401_TEXT_LIMITS = {
  // group RoleDescriptionType (GenericType_4.0.xsd), used by Main/Seller and Main/Buyer
  partyIdentifier: { min: 8, max: 10, xsd: 'RoleDescriptionType/Identifier (type BAN, restricted to length 8..10)' },
  partyName: { min: 1, max: 60, xsd: 'RoleDescriptionType/Name (minLength 1, maxLength 60)' },
  partyAddress: { max: 100, xsd: 'RoleDescriptionType/Address (maxLength 100)' },
  partyPersonInCharge: { max: 30, xsd: 'RoleDescriptionType/PersonInCharge (maxLength 30)' },
  partyTelephoneNumber: { max: 26, xsd: 'RoleDescriptionType/TelephoneNumber (maxLength 26)' },
  partyFacsimileNumber: { max: 26, xsd: 'RoleDescriptionType/FacsimileNumber (maxLength 26)' },
  partyEmailAddress: { max: 400, xsd: 'RoleDescriptionType/EmailAddress (maxLength 400)' },
  partyCustomerNumber: { max: 20, xsd: 'RoleDescriptionType/CustomerNumber (maxLength 20)' },
  partyRoleRemark: { max: 40, xsd: 'RoleDescriptionType/RoleRemark (maxLength 40)' },
  // F0401.xsd complexType Main
  mainRemark: { max: 200, xsd: 'F0401 Main/MainRemark (maxLength 200)' },
  category: { max: 2, xsd: 'F0401 Main/Category (maxLength 2)' },
  relateNumber: { max: 20, xsd: 'F0401 Main/RelateNumber (maxLength 20)' },
  carrierType: { max: 6, xsd: 'F0401 Main/CarrierType (type CarrierTypeEnum, maxLength 6)' },
  carrierId: { max: 400, xsd: 'F0401 Main/CarrierId1 and Main/CarrierId2 (maxLength 400 each)' },
  npoban: { max: 10, xsd: 'F0401 Main/NPOBAN (maxLength 10)' },
  reserved1: { max: 20, xsd: 'F0401 Main/Reserved1 (maxLength 20)' },
  reserved2: { max: 100, xsd: 'F0401 Main/Reserved2 (maxLength 100)' },
  // F0401.xsd complexType Details / ProductItem
  itemDescription: { max: 500, xsd: 'F0401 ProductItem/Description (maxLength 500; the XSD has no minLength)' },
  itemUnit: { max: 6, xsd: 'F0401 ProductItem/Unit (maxLength 6)' },
  itemSequenceNumber: { max: 4, xsd: 'F0401 ProductItem/SequenceNumber (maxLength 4)' },
  itemRemark: { max: 120, xsd: 'F0401 ProductItem/Remark (maxLength 120)' },
  itemRelateNumber: { max: 50, xsd: 'F0401 ProductItem/RelateNumber (maxLength 50)' },
} as const satisfies Record<string, TextLimit>;

export type F0401TextField = keyof typeof F0401_TEXT_LIMITS;

/** Length in characters as XML Schema counts them (Unicode code points). */
export function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Characters XML 1.0 cannot carry (`Char` production): C0 controls other than TAB/LF/CR, lone surrogates,
 * U+FFFE/U+FFFF. Text with these would pass a length check and then break the MIG XML later.
 */
const NON_XML_CHAR_RE = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function hasNonXmlCharacters(s: string): boolean {
  return NON_XML_CHAR_RE.test(s);
}

/**
 * Leading/trailing half-width or full-width (U+3000) blanks — refused in CarrierId1/CarrierId2 ([GW-VAL],
 * Turnkey E1005 "載具隱碼ID(CarrierId2)前後不可含空白或全形空白"). JavaScript's `\s` covers U+0020, U+3000, TAB,
 * CR/LF, NBSP and the other Unicode space separators; we refuse all of them at the edges (a stricter reading).
 */
const EDGE_BLANK_RE = /^[\s\u3000]|[\s\u3000]$/;

export function hasEdgeBlanks(s: string): boolean {
  return EDGE_BLANK_RE.test(s);
}

export const isInvoiceNumber = (s: string): boolean => INVOICE_NUMBER_RE.test(s);
export const isRandomNumber = (s: string): boolean => RANDOM_NUMBER_RE.test(s);
export const isMobileBarcode = (s: string): boolean => MOBILE_BARCODE_RE.test(s);
export const isCitizenCertificate = (s: string): boolean => CITIZEN_CERTIFICATE_RE.test(s);
export const isNpoban = (s: string): boolean => NPOBAN_RE.test(s);

/** A carrier type we accept: 3J0002, CQ0001 or a member/merchant code of form `AA0000`. */
export const isCarrierType = (s: string): boolean =>
  s === CARRIER_TYPE_MOBILE || s === CARRIER_TYPE_CITIZEN_CERTIFICATE || MEMBER_CARRIER_TYPE_RE.test(s);
