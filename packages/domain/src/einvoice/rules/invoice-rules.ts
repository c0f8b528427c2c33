/**
 * Business validation of an invoice to be issued as F0401 (MIG 4.1) — einvoice-domain.md §2, §4.2–§4.4.
 * `validateInvoice` reports ALL errors, each naming the field in the API's terms (`items.3.unitPrice`,
 * `carrier.id1`, `donation.npoban`), or returns the computed totals. It never throws, whatever the input.
 *
 * Errors stay local: a rule that depends on another field is skipped while that field is itself invalid
 * (e.g. no "amount mismatch" while the unit price is unreadable, no print/carrier combination check while
 * the print mark is unknown), so one bad field yields errors on that field only.
 */

import { isValidBan } from '../ban.ts';
import {
  type BuyerKind,
  computeTotals,
  DECIMAL_SCALE,
  digitCount,
  INVOICE_TYPES,
  type InvoiceType,
  itemAmount,
  MIXED_ITEM_TAX_TYPES,
  type MixedItemTaxType,
  parseDecimal,
  SPECIAL_TAX_RATES,
  STANDARD_TAX_RATE,
  TAX_RATES,
  TAX_TYPES,
  type TaxRate,
  type TaxType,
  type Totals,
} from './amounts.ts';
import {
  CARRIER_TYPE_CITIZEN_CERTIFICATE,
  CARRIER_TYPE_MOBILE,
  charLength,
  DECIMAL_TOTAL_DIGITS,
  F0401_TEXT_LIMITS,
  hasEdgeBlanks,
  hasNonXmlCharacters,
  isCarrierType,
  isCitizenCertificate,
  isMobileBarcode,
  isNpoban,
  MAX_ITEMS,
  type TextLimit,
} from './formats.ts';
import { INVOICE_RULE_ERRORS, type InvoiceRuleError, type InvoiceRuleErrorCode } from './invoice-errors.ts';

export const CUSTOMS_CLEARANCE_MARKS = ['1', '2'] as const;
/** `CustomsClearanceMarkEnum`: 1 非經海關出口, 2 經海關出口. */
export type CustomsClearanceMark = (typeof CUSTOMS_CLEARANCE_MARKS)[number];

export const ZERO_TAX_RATE_REASONS = ['71', '72', '73', '74', '75', '76', '77', '78', '79'] as const;
/** `ZeroTaxRateReasonEnum` 71..79. */
export type ZeroTaxRateReason = (typeof ZERO_TAX_RATE_REASONS)[number];

export const PRINT_MARKS = ['Y', 'N'] as const;
export type PrintMark = (typeof PRINT_MARKS)[number];

export type InvoiceItemInput = {
  description: string;
  /** Decimal string, > 0, at most 7 fraction digits (ProductItem/Quantity). */
  quantity: string;
  unit?: string | null | undefined;
  /** Decimal string, ≥ 0, at most 7 fraction digits (ProductItem/UnitPrice). Tax-included (see amounts.ts). */
  unitPrice: string;
  /** Required on mixed (9) invoices (1, 2 or 3); elsewhere optional and, when given, equal to the invoice's. */
  taxType?: TaxType | null | undefined;
  /** Whole TWD; when given it must equal round half up(quantity × unitPrice). Computed when absent. */
  amount?: string | null | undefined;
  remark?: string | null | undefined;
};

export type CarrierInput = {
  /** '3J0002' 手機條碼, 'CQ0001' 自然人憑證條碼, or a member carrier code of form 'AB1234'. */
  type: string;
  /** CarrierId1 (顯碼). */
  id1: string;
  /** CarrierId2 (隱碼). */
  id2: string;
};

export type InvoiceInput = {
  /** Seller: BAN, name and address (Seller.Address is required by MIG/Turnkey rules, einvoice-domain.md §2.2). */
  seller: { ban: string; name: string; address: string };
  /**
   * A buyer with `ban` makes the invoice B2B; no buyer, or a buyer without `ban`, is a consumer (B2C, Buyer
   * Identifier 0000000000). `name` is optional for both: a POS customer usually gives only the BAN, and the
   * B2C Buyer.Name rule is open (einvoice-domain.md §8 question 2) — the XML builder decides what to emit.
   * A `ban` that is present but empty is an invalid BAN, not a consumer: say "consumer" by leaving it out.
   */
  buyer?: { ban?: string | null | undefined; name?: string | null | undefined; address?: string | null | undefined } | null;
  invoiceType: InvoiceType;
  taxType: TaxType;
  taxRate: TaxRate;
  /** Only with zero-rated sales (tax type 2, or 9 with a zero-rated item). */
  zeroTax?: {
    customsClearanceMark?: CustomsClearanceMark | null | undefined;
    zeroTaxRateReason?: ZeroTaxRateReason | null | undefined;
  } | null;
  items: readonly InvoiceItemInput[];
  printMark: PrintMark;
  carrier?: CarrierInput | null;
  donation?: { npoban: string } | null;
  invoiceTime: Date;
  mainRemark?: string | null | undefined;
};

export type InvoiceRuleContext = {
  /** The current instant (the domain has no clock). */
  now: Date;
  /** How far an invoice time may lie after `now` (device clock skew), in milliseconds. */
  maxFutureSkewMs: number;
  /** The period of the invoice number, [start, end). */
  period: { start: Date; end: Date };
};

export type InvoiceValidation =
  | {
      ok: true;
      totals: Totals;
      /** Whole-TWD amount of each item, in input order. */
      itemAmounts: bigint[];
    }
  | { ok: false; errors: InvoiceRuleError[] };

const isOneOf = <T extends string>(values: readonly T[], v: unknown): v is T =>
  typeof v === 'string' && (values as readonly string[]).includes(v);

const isAbsent = (v: unknown): v is null | undefined | '' => v === undefined || v === null || v === '';

const isDate = (v: unknown): v is Date => v instanceof Date && !Number.isNaN(v.getTime());

class ErrorList {
  readonly errors: InvoiceRuleError[] = [];
  add(field: string, code: InvoiceRuleErrorCode, detail?: string): void {
    const base: string = INVOICE_RULE_ERRORS[code].message;
    this.errors.push({ field, code, message: detail ? `${base} ${detail}` : base });
  }
}

/** Length, blank and character checks of a text field against its XSD limit. Returns whether it passed. */
function checkText(errs: ErrorList, field: string, value: unknown, limit: TextLimit, required: boolean): boolean {
  if (value === undefined || value === null) {
    if (required) errs.add(field, 'FIELD_REQUIRED');
    return !required;
  }
  if (typeof value !== 'string') {
    errs.add(field, 'FIELD_REQUIRED', '(must be text)');
    return false;
  }
  if (required && value.trim() === '') {
    errs.add(field, 'FIELD_REQUIRED');
    return false;
  }
  let ok = true;
  if (charLength(value) > limit.max) {
    errs.add(field, 'FIELD_TOO_LONG', `At most ${limit.max} characters (${limit.xsd}).`);
    ok = false;
  }
  if (hasNonXmlCharacters(value)) {
    errs.add(field, 'FIELD_INVALID_CHARACTERS');
    ok = false;
  }
  return ok;
}

/** 8 digits, valid checksum under the rule in force at `at`; all zeros is refused (no such BAN; B2C uses 10 zeros). */
function isUsableBan(ban: unknown, at: Date): boolean {
  return typeof ban === 'string' && ban !== '00000000' && isValidBan(ban, at);
}

type ItemResult = { amount: bigint | undefined; taxTypeOk: boolean; itemTaxType: TaxType | undefined };

function checkItem(errs: ErrorList, i: number, item: InvoiceItemInput, invoiceTaxType: TaxType | undefined): ItemResult {
  const f = `items.${i}`;
  if (typeof item !== 'object' || item === null) {
    errs.add(f, 'FIELD_REQUIRED', '(an item must be an object)');
    return { amount: undefined, taxTypeOk: false, itemTaxType: undefined };
  }
  checkText(errs, `${f}.description`, item.description, F0401_TEXT_LIMITS.itemDescription, true);
  checkText(errs, `${f}.unit`, item.unit, F0401_TEXT_LIMITS.itemUnit, false);
  checkText(errs, `${f}.remark`, item.remark, F0401_TEXT_LIMITS.itemRemark, false);

  let quantity: bigint | undefined;
  const q = typeof item.quantity === 'string' ? parseDecimal(item.quantity) : undefined;
  if (!q?.ok) errs.add(`${f}.quantity`, 'QUANTITY_FORMAT', q ? `It ${q.reason}.` : undefined);
  else if (q.scaled <= 0n) errs.add(`${f}.quantity`, 'QUANTITY_NOT_POSITIVE');
  else quantity = q.scaled;

  let unitPrice: bigint | undefined;
  const p = typeof item.unitPrice === 'string' ? parseDecimal(item.unitPrice) : undefined;
  if (!p?.ok) errs.add(`${f}.unitPrice`, 'UNIT_PRICE_FORMAT', p ? `It ${p.reason}.` : undefined);
  else if (p.scaled < 0n) errs.add(`${f}.unitPrice`, 'UNIT_PRICE_NEGATIVE');
  else unitPrice = p.scaled;

  let amount: bigint | undefined;
  if (quantity !== undefined && unitPrice !== undefined) {
    const computed = itemAmount(quantity, unitPrice);
    if (digitCount(computed) > DECIMAL_TOTAL_DIGITS) errs.add(`${f}.amount`, 'ITEM_AMOUNT_TOO_LARGE');
    else amount = computed;
  }
  if (!isAbsent(item.amount)) {
    const given = typeof item.amount === 'string' ? parseDecimal(item.amount) : undefined;
    if (!given?.ok) {
      errs.add(`${f}.amount`, 'ITEM_AMOUNT_FORMAT', given ? `It ${given.reason}.` : undefined);
      amount = undefined;
    } else if (amount !== undefined && given.scaled !== amount * DECIMAL_SCALE) {
      errs.add(`${f}.amount`, 'ITEM_AMOUNT_MISMATCH', `Expected ${amount}.`);
      amount = undefined;
    }
  }

  // Item tax type. [GW-VAL]: "TaxType can not be '9' in ProductItem".
  let taxTypeOk = true;
  const t = item.taxType;
  if (!isAbsent(t) && (!isOneOf(TAX_TYPES, t) || t === '9')) {
    errs.add(`${f}.taxType`, 'ITEM_TAX_TYPE_INVALID');
    taxTypeOk = false;
  } else if (invoiceTaxType === '9') {
    if (isAbsent(t)) {
      errs.add(`${f}.taxType`, 'ITEM_TAX_TYPE_REQUIRED');
      taxTypeOk = false;
    } else if (!isOneOf(MIXED_ITEM_TAX_TYPES, t)) {
      errs.add(`${f}.taxType`, 'ITEM_TAX_TYPE_INVALID');
      taxTypeOk = false;
    }
  } else if (invoiceTaxType !== undefined && !isAbsent(t) && t !== invoiceTaxType) {
    errs.add(`${f}.taxType`, 'ITEM_TAX_TYPE_MISMATCH');
    taxTypeOk = false;
  }
  return { amount, taxTypeOk, itemTaxType: isAbsent(t) ? undefined : (t as TaxType) };
}

/** Validate an invoice to be issued and compute its totals. See the top of this file. */
export function validateInvoice(input: InvoiceInput, ctx: InvoiceRuleContext): InvoiceValidation {
  const errs = new ErrorList();
  const inv = (typeof input === 'object' && input !== null ? input : {}) as Partial<InvoiceInput>;

  // --- time: inside [period.start, period.end) and not after now + skew
  const timeOk = isDate(inv.invoiceTime);
  if (!isDate(inv.invoiceTime)) {
    errs.add('invoiceTime', 'INVOICE_TIME_INVALID');
  } else {
    const t = inv.invoiceTime.getTime();
    if (t > ctx.now.getTime() + ctx.maxFutureSkewMs) errs.add('invoiceTime', 'INVOICE_TIME_IN_FUTURE');
    if (t < ctx.period.start.getTime() || t >= ctx.period.end.getTime()) {
      errs.add('invoiceTime', 'INVOICE_TIME_OUTSIDE_PERIOD');
    }
  }
  // The BAN rule in force on the invoice date (the 2023-04-01 divide-by-5 change), else today's.
  const banAt = timeOk ? (inv.invoiceTime as Date) : ctx.now;

  // --- seller
  const seller = (typeof inv.seller === 'object' && inv.seller !== null ? inv.seller : {}) as Partial<InvoiceInput['seller']>;
  if (!isUsableBan(seller.ban, banAt)) errs.add('seller.ban', 'SELLER_BAN_INVALID');
  checkText(errs, 'seller.name', seller.name, F0401_TEXT_LIMITS.partyName, true);
  // Seller.Address: optional in the XSD, required by the official validator (einvoice-domain.md §2.2).
  checkText(errs, 'seller.address', seller.address, F0401_TEXT_LIMITS.partyAddress, true);

  // --- buyer
  const buyer = typeof inv.buyer === 'object' && inv.buyer !== null ? inv.buyer : undefined;
  const buyerKind: BuyerKind = buyer && buyer.ban !== undefined && buyer.ban !== null ? 'business' : 'consumer';
  if (buyerKind === 'business' && !isUsableBan(buyer?.ban, banAt)) errs.add('buyer.ban', 'BUYER_BAN_INVALID');
  if (buyer) {
    checkText(errs, 'buyer.name', buyer.name, F0401_TEXT_LIMITS.partyName, buyer.name !== undefined && buyer.name !== null);
    checkText(errs, 'buyer.address', buyer.address, F0401_TEXT_LIMITS.partyAddress, false);
  }

  checkText(errs, 'mainRemark', inv.mainRemark, F0401_TEXT_LIMITS.mainRemark, false);

  // --- invoice type, tax type, tax rate (einvoice-domain.md §4.4)
  const invoiceType = isOneOf(INVOICE_TYPES, inv.invoiceType) ? inv.invoiceType : undefined;
  if (!invoiceType) errs.add('invoiceType', 'INVOICE_TYPE_INVALID');
  const taxType = isOneOf(TAX_TYPES, inv.taxType) ? inv.taxType : undefined;
  if (!taxType) errs.add('taxType', 'TAX_TYPE_INVALID');
  const taxRate = isOneOf(TAX_RATES, inv.taxRate) ? inv.taxRate : undefined;
  if (!taxRate) errs.add('taxRate', 'TAX_RATE_INVALID');

  let taxTypeUsable = taxType !== undefined;
  if (invoiceType === '07') {
    if (taxType === '4') {
      // UNVERIFIED: 4 (應稅(特種稅率)) is taken to belong to 特種稅額 (08) invoices only.
      errs.add('taxType', 'TAX_TYPE_NOT_ALLOWED');
      taxTypeUsable = false;
    } else if (taxType && taxRate) {
      // 07 = 一般稅額: taxable/mixed at the general 5% rate, zero-rated and tax-free at 0.
      const expected: TaxRate = taxType === '1' || taxType === '9' ? STANDARD_TAX_RATE : '0';
      if (taxRate !== expected) errs.add('taxRate', 'TAX_RATE_MISMATCH', `Expected '${expected}'.`);
    }
  } else if (invoiceType === '08') {
    // E0226 特種發票課稅別需為應稅. UNVERIFIED whether "應稅" means 1 or 4 (open question 4): both accepted.
    if (taxType && taxType !== '1' && taxType !== '4') {
      errs.add('taxType', 'SPECIAL_INVOICE_TAX_TYPE');
      taxTypeUsable = false;
    }
    // E0225 特種發票稅率應為2%,5%,15%,25%. E0224/E0227 (TaxAmount 0) hold by construction in computeTotals.
    if (taxRate && !SPECIAL_TAX_RATES.includes(taxRate)) errs.add('taxRate', 'SPECIAL_INVOICE_TAX_RATE');
  }

  // --- items (1..9999)
  const items = Array.isArray(inv.items) ? inv.items : [];
  if (items.length === 0) errs.add('items', 'ITEMS_REQUIRED');
  if (items.length > MAX_ITEMS) errs.add('items', 'ITEMS_TOO_MANY');
  const results = items.map((item, i) => checkItem(errs, i, item, taxTypeUsable ? taxType : undefined));
  const itemTaxTypesOk = results.every((r) => r.taxTypeOk);

  // Mixed (9) = "混合應稅與免稅或零稅率" (einvoice-domain.md §4.4): at least one taxable and one zero/free item.
  // UNVERIFIED that the platform rejects a "mixed" invoice that does not mix; we refuse it so 9 means what it says.
  if (taxType === '9' && taxTypeUsable && itemTaxTypesOk && items.length > 0) {
    const kinds = new Set(results.map((r) => r.itemTaxType));
    if (!kinds.has('1') || !(kinds.has('2') || kinds.has('3'))) errs.add('taxType', 'MIXED_TAX_TYPE_NOT_MIXED');
  }

  // --- zero-rate marks (E0228, E0112)
  const zeroTax = typeof inv.zeroTax === 'object' && inv.zeroTax !== null ? inv.zeroTax : {};
  const mark = zeroTax.customsClearanceMark;
  const reason = zeroTax.zeroTaxRateReason;
  const markValid = isAbsent(mark) || isOneOf(CUSTOMS_CLEARANCE_MARKS, mark);
  const reasonValid = isAbsent(reason) || isOneOf(ZERO_TAX_RATE_REASONS, reason);
  if (!markValid) errs.add('zeroTax.customsClearanceMark', 'CUSTOMS_CLEARANCE_MARK_INVALID');
  if (!reasonValid) errs.add('zeroTax.zeroTaxRateReason', 'ZERO_TAX_RATE_REASON_INVALID');
  if (taxTypeUsable && (taxType !== '9' || (itemTaxTypesOk && items.length > 0))) {
    // A mixed invoice with a zero-rated item is treated like a zero-rated one (inferred from E0228/E0112,
    // which speak of "零稅率發票" / "非零稅率"; UNVERIFIED for mixed invoices).
    const hasZeroRated = taxType === '2' || (taxType === '9' && results.some((r) => r.itemTaxType === '2'));
    if (hasZeroRated) {
      if (isAbsent(mark)) errs.add('zeroTax.customsClearanceMark', 'ZERO_TAX_NEEDS_CUSTOMS_MARK');
      if (isAbsent(reason)) errs.add('zeroTax.zeroTaxRateReason', 'ZERO_TAX_NEEDS_REASON');
    } else {
      if (!isAbsent(mark) && markValid) errs.add('zeroTax.customsClearanceMark', 'CUSTOMS_MARK_NOT_ALLOWED');
      // Not a platform code: a reason without zero-rated sales means nothing, so we refuse it too.
      if (!isAbsent(reason) && reasonValid) errs.add('zeroTax.zeroTaxRateReason', 'ZERO_TAX_REASON_NOT_ALLOWED');
    }
  }

  // --- print mark, carrier, donation (einvoice-domain.md §4.3)
  const printMark = isOneOf(PRINT_MARKS, inv.printMark) ? inv.printMark : undefined;
  if (!printMark) errs.add('printMark', 'PRINT_MARK_INVALID');
  const carrier = typeof inv.carrier === 'object' && inv.carrier !== null ? inv.carrier : undefined;
  const donation = typeof inv.donation === 'object' && inv.donation !== null ? inv.donation : undefined;

  let carrierType: string | undefined;
  if (carrier) {
    if (typeof carrier.type === 'string' && isCarrierType(carrier.type)) carrierType = carrier.type;
    else errs.add('carrier.type', 'CARRIER_TYPE_INVALID');
    for (const key of ['id1', 'id2'] as const) checkCarrierId(errs, `carrier.${key}`, carrier[key], carrierType);
  }
  if (donation && !(typeof donation.npoban === 'string' && isNpoban(donation.npoban))) {
    errs.add('donation.npoban', 'NPOBAN_FORMAT');
  }
  if (printMark === 'Y') {
    // "CarrierId1 and CarrierId2 must be null or empty when PrintMark is Y", except 3J0002 ("cannot be empty when
    // PrintMark is Y and CarrierType uses 3J0002"). The validator message does not name the buyer kind; we allow
    // the exception for business buyers only (neweb.md: a consumer asking for an invoice with the buyer's BAN).
    if (carrier && carrierType !== undefined && !(carrierType === CARRIER_TYPE_MOBILE && buyerKind === 'business')) {
      errs.add('carrier', 'CARRIER_NOT_ALLOWED_WITH_PRINT');
    }
    // "DonateMark must be 0 when PrintMark is Y".
    if (donation) errs.add('donation', 'DONATION_NOT_ALLOWED_WITH_PRINT');
  } else if (printMark === 'N') {
    // "CarrierType, CarrierId1 and CarrierId2 cannot be null or empty when PrintMark is N" — for invoices not
    // donated (inferred: the B2C 列印 / 載具 / 捐贈 choice).
    if (!carrier && !donation) errs.add('carrier', 'CARRIER_REQUIRED');
    // UNVERIFIED: carrier and donation together are refused (the same "one of three" reading; no validator
    // message seen for it).
    if (carrier && donation) errs.add('donation', 'DONATION_WITH_CARRIER');
  }
  // UNVERIFIED (einvoice-domain.md §4.3 "recalled"): donation only when the buyer is a consumer.
  if (donation && buyerKind === 'business') errs.add('donation', 'DONATION_NOT_ALLOWED_FOR_BUSINESS');

  // --- totals (E0105 total > 0), only when everything they depend on is valid
  let totals: Totals | undefined;
  const amounts = results.map((r) => r.amount);
  if (
    invoiceType &&
    taxType &&
    taxRate &&
    taxTypeUsable &&
    itemTaxTypesOk &&
    items.length > 0 &&
    items.length <= MAX_ITEMS &&
    amounts.every((a) => a !== undefined)
  ) {
    totals = computeTotals({
      buyer: buyerKind,
      invoiceType,
      taxType,
      taxRate,
      items: results.map((r) => ({
        amount: r.amount as bigint,
        taxType: r.itemTaxType as MixedItemTaxType | undefined,
      })),
    });
    if (totals.totalAmount <= 0n) errs.add('items', 'TOTAL_NOT_POSITIVE');
    if (digitCount(totals.totalAmount) > DECIMAL_TOTAL_DIGITS) errs.add('items', 'TOTAL_TOO_LARGE');
  }

  if (errs.errors.length > 0 || !totals) {
    return { ok: false, errors: errs.errors };
  }
  return { ok: true, totals, itemAmounts: amounts as bigint[] };
}

/**
 * CarrierId1/CarrierId2: required, ≤ 400 characters, no leading/trailing half- or full-width blanks (E1005) —
 * refused rather than trimmed, so what is stored is what the consumer presented — and the format of the type.
 */
function checkCarrierId(errs: ErrorList, field: string, id: unknown, carrierType: string | undefined): void {
  if (isAbsent(id)) {
    errs.add(field, 'CARRIER_ID_REQUIRED');
    return;
  }
  if (typeof id !== 'string') {
    errs.add(field, 'CARRIER_ID_REQUIRED', '(must be text)');
    return;
  }
  if (!checkText(errs, field, id, F0401_TEXT_LIMITS.carrierId, false)) return;
  if (hasEdgeBlanks(id)) {
    errs.add(field, 'CARRIER_ID_EDGE_BLANKS');
    return;
  }
  if (carrierType === CARRIER_TYPE_MOBILE && !isMobileBarcode(id)) errs.add(field, 'CARRIER_ID_FORMAT');
  if (carrierType === CARRIER_TYPE_CITIZEN_CERTIFICATE && !isCitizenCertificate(id)) errs.add(field, 'CARRIER_ID_FORMAT');
}
