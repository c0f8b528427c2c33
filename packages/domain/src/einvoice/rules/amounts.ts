/**
 * Money for F0401 — einvoice-domain.md §2.3, §2.4 and §4.4. Everything is exact: decimals are parsed from
 * strings into bigints scaled by 10^7 (the XSD's fractionDigits), money is whole TWD as bigint, tax rates
 * are basis points. No binary floating point touches an amount.
 *
 * Input convention (one for every invoice): item amounts are TAX-INCLUDED — the price the customer pays,
 * which is how Taiwanese shelf and pump prices are stated and what a POS charges.
 *   - B2C (buyer is a consumer): SalesAmount = the tax-included taxable total, TaxAmount = 0,
 *     TotalAmount = SalesAmount + FreeTax + ZeroTax. UNVERIFIED: this is the common VAC convention
 *     (einvoice-domain.md §4.4 "recalled, unverified"; open question 1) — check against the MIG 4.1 notes.
 *   - B2B (buyer has a BAN), InvoiceType 07: the tax-included taxable total T is split
 *     SalesAmount = round half up(T / (1 + rate)), TaxAmount = T − SalesAmount ([HO] `_untax_amount`).
 *     This is the convention that reproduces the [HO] example (item 1380 → SalesAmount 1314, TaxAmount 66,
 *     TotalAmount 1380), and it keeps TotalAmount equal to what the customer paid. Consequence: TaxAmount is
 *     NOT always round half up(SalesAmount × rate) (e.g. T = 10 → 10 + 0, while round(10 × 0.05) = 1), because
 *     S ↦ S + round(S × rate) skips some totals. It always equals the 401-return formula
 *     round half up(T × rate / (1 + rate)) — for the rates in `TaxRateEnum` T/(1+rate) never ends in exactly
 *     .5, so the two ways of rounding agree (checked by a property test).
 *   - InvoiceType 08 (特種稅額): TaxAmount = 0 (E0227), SalesAmount = tax-included taxable total.
 * Zero-rated (2) and tax-free (3) amounts carry no tax and go to ZeroTaxSalesAmount / FreeTaxSalesAmount.
 *
 * Item amounts: the caller may send `amount`; it must equal round half up(quantity × unitPrice) in whole TWD
 * (checked in invoice-rules.ts). When absent it is computed. Whole-TWD item amounts make
 * Σ item amounts = TotalAmount exact (E0103 "發票明細加總與總金額不符").
 */

import { DECIMAL_FRACTION_DIGITS, DECIMAL_TOTAL_DIGITS } from './formats.ts';

/** `InvoiceTypeEnum`: 07 一般稅額計算, 08 特種稅額計算. */
export const INVOICE_TYPES = ['07', '08'] as const;
export type InvoiceType = (typeof INVOICE_TYPES)[number];

/** `TaxTypeEnum`: 1 應稅, 2 零稅率, 3 免稅, 4 應稅(特種稅率), 9 混合 (Amount level only). */
export const TAX_TYPES = ['1', '2', '3', '4', '9'] as const;
export type TaxType = (typeof TAX_TYPES)[number];

/**
 * Item tax types allowed on a mixed (9) invoice: taxable, zero-rated, tax-free. Never 9 ([GW-VAL] "TaxType can
 * not be '9' in ProductItem"); 4 is refused in mixed invoices because mixing is only defined for 07
 * (UNVERIFIED: the MIG text on 4 + 9 was not read).
 */
export const MIXED_ITEM_TAX_TYPES = ['1', '2', '3'] as const;
export type MixedItemTaxType = (typeof MIXED_ITEM_TAX_TYPES)[number];

/** `TaxRateEnum` as the exact decimal strings of the XSD. */
export const TAX_RATES = ['0', '0.01', '0.02', '0.05', '0.15', '0.25'] as const;
export type TaxRate = (typeof TAX_RATES)[number];

/** Each rate in basis points (1/10000), so arithmetic stays in integers. */
export const TAX_RATE_BASIS_POINTS: Readonly<Record<TaxRate, bigint>> = {
  '0': 0n,
  '0.01': 100n,
  '0.02': 200n,
  '0.05': 500n,
  '0.15': 1500n,
  '0.25': 2500n,
};

/** The general business tax rate (營業稅 5%) — einvoice-domain.md §4.4 "normal rate 0.05". */
export const STANDARD_TAX_RATE: TaxRate = '0.05';

/** Rates allowed on 特種稅額 invoices (08): E0225 "特種發票稅率應為2%,5%,15%,25%" (0.01 is in the enum but not here). */
export const SPECIAL_TAX_RATES: readonly TaxRate[] = ['0.02', '0.05', '0.15', '0.25'];

const BP_ONE = 10_000n;
export const DECIMAL_SCALE = 10n ** BigInt(DECIMAL_FRACTION_DIGITS);

export type ParsedDecimal = { ok: true; scaled: bigint } | { ok: false; reason: string };

const DECIMAL_TEXT_RE = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Parse a decimal string into a bigint scaled by 10^7. Accepts `123`, `-1.5`, `0.0000001`; refuses exponents,
 * `.5`, `5.`, `+1`, blanks, thousands separators (stricter than `xsd:decimal`'s lexical space, on purpose).
 * totalDigits/fractionDigits are checked on the value, as XSD facets are: `1.50000000` is 1.5 and passes.
 */
export function parseDecimal(text: string): ParsedDecimal {
  const m = DECIMAL_TEXT_RE.exec(text);
  if (!m) return { ok: false, reason: 'is not a plain decimal number such as 12 or 3.5' };
  const intPart = (m[2] ?? '').replace(/^0+/, '');
  const fracPart = (m[3] ?? '').replace(/0+$/, '');
  if (fracPart.length > DECIMAL_FRACTION_DIGITS) {
    return { ok: false, reason: `has more than ${DECIMAL_FRACTION_DIGITS} fraction digits` };
  }
  if (intPart.length + fracPart.length > DECIMAL_TOTAL_DIGITS) {
    return { ok: false, reason: `has more than ${DECIMAL_TOTAL_DIGITS} digits` };
  }
  const magnitude = BigInt((intPart || '0') + fracPart.padEnd(DECIMAL_FRACTION_DIGITS, '0'));
  return { ok: true, scaled: m[1] === '-' ? -magnitude : magnitude };
}

/** Number of decimal digits of a non-negative bigint (0 has 1). */
export function digitCount(n: bigint): number {
  return (n < 0n ? -n : n).toString().length;
}

/** round half up (四捨五入) of n / d, for n ≥ 0 and d > 0. */
export function roundHalfUpDiv(n: bigint, d: bigint): bigint {
  if (n < 0n || d <= 0n) throw new RangeError(`roundHalfUpDiv needs n >= 0 and d > 0 (got ${n} / ${d})`);
  return (2n * n + d) / (2n * d);
}

/** Whole-TWD line amount: round half up(quantity × unitPrice), both scaled by 10^7 and non-negative. */
export function itemAmount(quantityScaled: bigint, unitPriceScaled: bigint): bigint {
  return roundHalfUpDiv(quantityScaled * unitPriceScaled, DECIMAL_SCALE * DECIMAL_SCALE);
}

/**
 * Split a tax-included whole-TWD amount: untaxed = round half up(total / (1 + rate)), tax = total − untaxed.
 * untaxed + tax = total by construction. For 5%: 1380 → 1314 + 66.
 */
export function splitTaxIncluded(total: bigint, rate: TaxRate): { untaxed: bigint; tax: bigint } {
  if (total < 0n) throw new RangeError(`splitTaxIncluded needs a non-negative total (got ${total})`);
  const bp = TAX_RATE_BASIS_POINTS[rate];
  const untaxed = roundHalfUpDiv(total * BP_ONE, BP_ONE + bp);
  return { untaxed, tax: total - untaxed };
}

export type BuyerKind = 'business' | 'consumer';

export type TotalsInput = {
  buyer: BuyerKind;
  invoiceType: InvoiceType;
  taxType: TaxType;
  taxRate: TaxRate;
  /** Whole-TWD, tax-included, non-negative item amounts; `taxType` is read only when the invoice is mixed (9). */
  items: readonly { amount: bigint; taxType?: MixedItemTaxType | undefined }[];
};

/** The F0401 `Amount` block (money as whole TWD). */
export type Totals = {
  salesAmount: bigint;
  freeTaxSalesAmount: bigint;
  zeroTaxSalesAmount: bigint;
  taxType: TaxType;
  taxRate: TaxRate;
  taxAmount: bigint;
  totalAmount: bigint;
};

/** Which Amount bucket a line's money goes to: taxable (1, 4), zero-rated (2) or tax-free (3). */
function bucketOf(invoiceTaxType: TaxType, itemTaxType: MixedItemTaxType | undefined): 'taxable' | 'zero' | 'free' {
  const t = invoiceTaxType === '9' ? itemTaxType : invoiceTaxType;
  switch (t) {
    case '1':
    case '4':
      return 'taxable';
    case '2':
      return 'zero';
    case '3':
      return 'free';
    default:
      throw new RangeError('a mixed (9) invoice needs a tax type 1, 2 or 3 on every item');
  }
}

/**
 * The F0401 Amount block for items whose amounts are already checked (see the convention at the top of this
 * file). Throws RangeError on a negative amount or a mixed invoice item without a tax type — validate user
 * input with `validateInvoice` first. Always TotalAmount = SalesAmount + FreeTax + ZeroTax + TaxAmount and
 * TotalAmount = Σ item amounts.
 */
export function computeTotals(input: TotalsInput): Totals {
  let taxable = 0n;
  let zero = 0n;
  let free = 0n;
  for (const item of input.items) {
    if (item.amount < 0n) throw new RangeError(`item amounts must not be negative (got ${item.amount})`);
    const bucket = bucketOf(input.taxType, item.taxType);
    if (bucket === 'taxable') taxable += item.amount;
    else if (bucket === 'zero') zero += item.amount;
    else free += item.amount;
  }
  let salesAmount = taxable;
  let taxAmount = 0n;
  if (input.buyer === 'business' && input.invoiceType === '07') {
    const split = splitTaxIncluded(taxable, input.taxRate);
    salesAmount = split.untaxed;
    taxAmount = split.tax;
  }
  return {
    salesAmount,
    freeTaxSalesAmount: free,
    zeroTaxSalesAmount: zero,
    taxType: input.taxType,
    taxRate: input.taxRate,
    taxAmount,
    totalAmount: salesAmount + free + zero + taxAmount,
  };
}
