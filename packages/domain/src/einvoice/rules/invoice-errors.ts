/**
 * Every code `validateInvoice` can return, with its message. Codes are stable and machine-readable; `platform`
 * names the MOF platform / Turnkey result code (turnkey-3.2.0-message-codes.tsv) the rule mirrors, when
 * there is one, so a rejection we predict can be matched to the one the platform would send.
 */
export const INVOICE_RULE_ERRORS = {
  // identity
  SELLER_BAN_INVALID: { message: 'The seller BAN must be 8 digits with a valid checksum.' },
  BUYER_BAN_INVALID: { message: 'The buyer BAN must be 8 digits with a valid checksum.' },
  // text fields
  FIELD_REQUIRED: { message: 'The field is required and must not be blank.' },
  FIELD_TOO_LONG: { message: 'The field is longer than the MIG 4.1 XSD allows (characters).' },
  FIELD_INVALID_CHARACTERS: { message: 'The field contains characters XML cannot carry (control characters).' },
  // items
  ITEMS_REQUIRED: { message: 'An invoice needs at least one item.' },
  ITEMS_TOO_MANY: { message: 'An invoice has at most 9999 items.' },
  QUANTITY_FORMAT: { message: 'The quantity must be a decimal string with at most 7 fraction digits and 20 digits.' },
  QUANTITY_NOT_POSITIVE: { message: 'The quantity must be greater than zero.', platform: 'E0106' },
  UNIT_PRICE_FORMAT: { message: 'The unit price must be a decimal string with at most 7 fraction digits and 20 digits.' },
  UNIT_PRICE_NEGATIVE: { message: 'The unit price must not be negative.' },
  ITEM_AMOUNT_FORMAT: { message: 'The item amount must be a decimal string.' },
  ITEM_AMOUNT_MISMATCH: { message: 'The item amount must equal quantity × unit price rounded half up to whole TWD.' },
  ITEM_AMOUNT_TOO_LARGE: { message: 'The item amount has more than 20 digits.' },
  ITEM_TAX_TYPE_REQUIRED: { message: 'Items of a mixed (9) invoice need a tax type 1, 2 or 3.' },
  ITEM_TAX_TYPE_INVALID: { message: 'An item tax type must be 1 (taxable), 2 (zero-rated) or 3 (tax-free); never 9.' },
  ITEM_TAX_TYPE_MISMATCH: { message: 'The item tax type differs from the invoice tax type (only mixed invoices mix).' },
  // invoice type, tax type, rate
  INVOICE_TYPE_INVALID: { message: "The invoice type must be '07' or '08'." },
  TAX_TYPE_INVALID: { message: "The tax type must be '1', '2', '3', '4' or '9'." },
  TAX_TYPE_NOT_ALLOWED: { message: "Tax type 4 (special rate) belongs to special-tax invoices (type '08')." },
  TAX_RATE_INVALID: { message: "The tax rate must be one of '0', '0.01', '0.02', '0.05', '0.15', '0.25'." },
  TAX_RATE_MISMATCH: {
    message: "The tax rate does not fit the tax type: '0.05' for taxable or mixed '07' invoices, '0' for zero-rated or tax-free.",
  },
  SPECIAL_INVOICE_TAX_TYPE: { message: "A special-tax invoice ('08') must be taxable (tax type 1 or 4).", platform: 'E0226' },
  SPECIAL_INVOICE_TAX_RATE: {
    message: "A special-tax invoice ('08') needs a tax rate of '0.02', '0.05', '0.15' or '0.25'.",
    platform: 'E0225',
  },
  MIXED_TAX_TYPE_NOT_MIXED: {
    message: 'A mixed (9) invoice needs at least one taxable item and one zero-rated or tax-free item.',
  },
  ZERO_TAX_NEEDS_CUSTOMS_MARK: {
    message: 'Zero-rated sales need a customs clearance mark (1 or 2).',
    platform: 'E0228',
  },
  ZERO_TAX_NEEDS_REASON: { message: 'Zero-rated sales need a zero tax rate reason (71–79).' },
  CUSTOMS_MARK_NOT_ALLOWED: {
    message: 'A customs clearance mark is only allowed with zero-rated sales.',
    platform: 'E0112',
  },
  ZERO_TAX_REASON_NOT_ALLOWED: { message: 'A zero tax rate reason is only allowed with zero-rated sales.' },
  CUSTOMS_CLEARANCE_MARK_INVALID: { message: "The customs clearance mark must be '1' or '2'." },
  ZERO_TAX_RATE_REASON_INVALID: { message: "The zero tax rate reason must be '71' to '79'." },
  // totals
  TOTAL_NOT_POSITIVE: { message: 'The invoice total must be greater than zero.', platform: 'E0105' },
  TOTAL_TOO_LARGE: { message: 'An invoice total has more than 20 digits.' },
  // print / carrier / donation
  PRINT_MARK_INVALID: { message: "The print mark must be 'Y' or 'N'." },
  CARRIER_REQUIRED: { message: 'An invoice that is not printed needs a carrier or a donation.' },
  CARRIER_NOT_ALLOWED_WITH_PRINT: {
    message: 'A printed invoice cannot have a carrier, except a mobile barcode (3J0002) on an invoice to a business buyer.',
  },
  CARRIER_TYPE_INVALID: { message: "The carrier type must be '3J0002', 'CQ0001' or a member carrier code like 'AB1234'." },
  CARRIER_ID_REQUIRED: { message: 'Both carrier ids are required.' },
  CARRIER_ID_FORMAT: {
    message: "The carrier id does not match its type: 3J0002 '/' + 7 of 0-9 A-Z . + -; CQ0001 2 uppercase letters + 14 digits.",
  },
  CARRIER_ID_EDGE_BLANKS: {
    message: 'A carrier id must not start or end with a half-width or full-width blank.',
    platform: 'E1005',
  },
  DONATION_NOT_ALLOWED_WITH_PRINT: { message: 'A printed invoice cannot be donated.' },
  DONATION_NOT_ALLOWED_FOR_BUSINESS: { message: 'Only invoices to consumers can be donated.' },
  DONATION_WITH_CARRIER: { message: 'An invoice goes either to a carrier or to a donation, not both.' },
  // E1001 "發票受贈統編/格式錯誤" (donee id / format wrong) is the closest platform code.
  NPOBAN_FORMAT: { message: 'The donation code (NPOBAN) must be 3 to 7 digits.', platform: 'E1001' },
  // time
  INVOICE_TIME_INVALID: { message: 'The invoice time is not a valid date.' },
  INVOICE_TIME_IN_FUTURE: { message: 'The invoice time lies in the future.' },
  INVOICE_TIME_OUTSIDE_PERIOD: { message: 'The invoice time lies outside the period of the invoice number.' },
} as const satisfies Record<string, { message: string; platform?: string }>;

export type InvoiceRuleErrorCode = keyof typeof INVOICE_RULE_ERRORS;

export type InvoiceRuleError = {
  /** The field path in the API's terms, e.g. `items.3.unitPrice`, `carrier.id1`, `donation.npoban`. */
  field: string;
  code: InvoiceRuleErrorCode;
  message: string;
};
