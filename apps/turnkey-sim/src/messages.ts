/**
 * The messages the simulator takes from UpCast, where they live, and what it reads out of them:
 * the sending party, the reference number (invoice / allowance number), the date that goes into the
 * INVOICE_IDENTIFIER, and the business rules it applies (einvoice-domain.md §1.3, §2.5, §3.1, §4.1, §4.3, §5.4).
 *
 * INVOICE_IDENTIFIER (TURNKEY_MESSAGE_LOG, VARCHAR(30)):
 * - seen in [HO]: F0401 `F0401<InvoiceNumber><InvoiceDate>`, F0501 `F0501<CancelInvoiceNumber><CancelDate>`,
 *   F0701 `F0701<VoidInvoiceNumber><VoidDate>` (dates `yyyyMMdd`, as in the XML);
 * - inferred by analogy: G0401 `G0401<AllowanceNumber><AllowanceDate>`, G0501 `G0501<CancelAllowanceNumber><CancelDate>`,
 *   G0701 `G0701<VoidAllowanceNumber><VoidDate>`;
 * - inferred: E0401/E0402 `<MSG><BranchBan><InvoiceTrack><InvoiceType>` — [HO] only says the E0402 identifier
 *   contains BranchBan, InvoiceTrack and InvoiceType in that order (it matches `BranchBan-?Track-?Type` anywhere).
 */
import { B2C_BUYER_IDENTIFIER, CARRIER_TYPE_MOBILE, isValidBan } from '@app/domain';
import type { LocalCodeKey } from './codes.ts';
import { fromDts } from './time.ts';
import { textAt, type XmlElement } from './xml.ts';

export const MESSAGE_TYPES = ['F0401', 'F0501', 'F0701', 'G0401', 'G0501', 'G0701', 'E0401', 'E0402'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** The platform's party id for B2S storage and B2P messages (To/PartyId of the envelope; [RS] tests). */
export const PLATFORM_PARTY_ID = '0000000000';

export type MessageFacts = {
  /** FROM_PARTY_ID: the seller's BAN (F/G), the head office's BAN (E0401/E0402). */
  fromPartyId: string;
  /** The invoice or allowance number; for E04xx the branch BAN + track. */
  referenceNumber: string;
  /** `yyyyMMdd` that goes into the identifier and into SummaryResult/Invoice/InvoiceDate. */
  date: string;
  invoiceIdentifier: string;
};

export type RuleFailure = { code: LocalCodeKey; message: string };

export type MessageSpec = {
  type: MessageType;
  /** UpCast category folder. */
  category: 'B2SSTORAGE' | 'B2PMESSAGE';
  /** CATEGORY_TYPE / PROCESS_TYPE columns (Turnkey's TASK_CONFIG vocabulary). */
  categoryType: 'B2S' | 'B2P';
  processType: 'STORAGE' | 'MESSAGE';
  root: string;
  namespace: string;
  /** Messages about the same number, for the duplicate check (E0201): F0401/F0501/F0701, or G0401/G0501/G0701. */
  family: readonly MessageType[];
  facts(doc: XmlElement): MessageFacts;
  rules(doc: XmlElement): RuleFailure[];
};

const ns = (t: string) => `urn:GEINV:eInvoiceMessage:${t}:4.1`;

function identify(type: MessageType, fromPartyId: string, referenceNumber: string, date: string, tail = date): MessageFacts {
  return { fromPartyId, referenceNumber, date, invoiceIdentifier: `${type}${referenceNumber}${tail}`.slice(0, 30) };
}

/** A BAN check at the date of the message (the /5 rule applies from 2023-04-01). */
function banRule(label: string, ban: string, day: string, allowConsumer = false): RuleFailure[] {
  if (allowConsumer && ban === B2C_BUYER_IDENTIFIER) return [];
  const at = /^\d{8}$/.test(day) ? fromDts(`${day}000000000`) : undefined;
  if (/^\d{8}$/.test(ban) && isValidBan(ban, at)) return [];
  return [{ code: 'ban', message: `"${label}" should be a legal BAN, illegal ${label.replace('.', '')}: ${ban}` }];
}

/** The official F0401 validator's checks that the XSD cannot express (messages as in [GW-VAL] `v4X/F0401.class`). */
function f0401Rules(doc: XmlElement): RuleFailure[] {
  const main = (p: string) => textAt(doc, 'Main', p);
  const out: RuleFailure[] = [];
  const rule = (message: string) => out.push({ code: 'rule', message });
  const day = main('InvoiceDate');
  out.push(...banRule('Seller.Identifier', textAt(doc, 'Main', 'Seller', 'Identifier'), day));
  out.push(...banRule('Buyer.Identifier', textAt(doc, 'Main', 'Buyer', 'Identifier'), day, true));
  if (!textAt(doc, 'Main', 'Seller', 'Address')) rule('"Seller.Address" is invalid!');

  const print = main('PrintMark');
  const donate = main('DonateMark');
  const carrierType = main('CarrierType');
  const id1 = main('CarrierId1');
  const id2 = main('CarrierId2');
  const npoban = main('NPOBAN');
  const mobile = carrierType === CARRIER_TYPE_MOBILE;
  if (print === 'Y') {
    if (mobile) {
      if (!id1 || !id2) {
        rule('"CarrierId1", "CarrierId2" cannot be empty when PrintMark is "Y" and CarrierType uses Phone Carrier Type(3J0002)');
      }
    } else if (id1 || id2) rule('"CarrierId1" and "CarrierId2" must be null or empty when PrintMark is "Y"');
    if (donate !== '0') rule('"DonateMark" must be 0 when PrintMark is "Y"');
  } else if (print === 'N' && donate !== '1' && (!carrierType || !id1 || !id2)) {
    // Inferred: 列印 / 載具 / 捐贈 三選一 — an unprinted invoice that is not donated needs a carrier.
    rule('"CarrierType", "CarrierId1" and "CarrierId2" cannot be null or empty when PrintMark is "N"');
  }
  if (mobile && (!id1 || !id2))
    rule('"CarrierId1" and "CarrierId2" both cannot be empty when CarrierType uses Phone Carrier Type(3J0002)');
  if (donate === '1' && !npoban) rule('"NPOBan" should not be empty when DonateMark is set to "1".');
  if (donate === '0' && npoban) rule('"NPOBan" should be empty when DonateMark is set to "0".');

  const amount = (p: string) => textAt(doc, 'Amount', p);
  if (amount('TaxType') === '2') {
    if (!main('CustomsClearanceMark')) rule('CustomsClearanceMark can not be null when TaxType is ZeroTax');
    if (!main('ZeroTaxRateReason')) rule('ZeroTaxRateReason can not be null when TaxType is ZeroTax');
  }
  const items = doc.children.find((c) => c.local === 'Details')?.children ?? [];
  if (items.some((item) => textAt(item, 'TaxType') === '9')) rule("TaxType invalid! TaxType can not be '9' in ProductItem");
  // For TWD invoices the five totals are whole numbers ([GW-VAL] checkAmountIsValid, inferred).
  const currency = amount('Currency');
  if (!currency || currency === 'TWD') {
    for (const f of ['SalesAmount', 'FreeTaxSalesAmount', 'ZeroTaxSalesAmount', 'TaxAmount', 'TotalAmount']) {
      const v = amount(f);
      if (v && !/^[+-]?\d+(\.0*)?$/.test(v)) {
        rule(`${f} is invalid! [SellerId: ${textAt(doc, 'Main', 'Seller', 'Identifier')}, ${f}: ${v}]`);
      }
    }
  }
  return out;
}

/** Seller BAN check for the messages that name the seller with `SellerId`. */
const sellerIdRule =
  (dateField: string) =>
  (doc: XmlElement): RuleFailure[] =>
    banRule('SellerId', textAt(doc, 'SellerId'), textAt(doc, dateField));

const INVOICE_FAMILY = ['F0401', 'F0501', 'F0701'] as const;
const ALLOWANCE_FAMILY = ['G0401', 'G0501', 'G0701'] as const;

const b2s = { category: 'B2SSTORAGE', categoryType: 'B2S', processType: 'STORAGE' } as const;
const b2p = { category: 'B2PMESSAGE', categoryType: 'B2P', processType: 'MESSAGE' } as const;

function branchTrack(type: 'E0401' | 'E0402', root: string): MessageSpec {
  return {
    type,
    ...b2p,
    root,
    namespace: ns(type),
    family: [],
    facts: (d) => {
      const m = (p: string) => textAt(d, 'Main', p);
      // No date: the identifier ends with the invoice type (inferred, see above).
      return identify(type, m('HeadBan'), `${m('BranchBan')}${m('InvoiceTrack')}`, '', m('InvoiceType'));
    },
    rules: (d) => [
      ...banRule('HeadBan', textAt(d, 'Main', 'HeadBan'), ''),
      ...banRule('BranchBan', textAt(d, 'Main', 'BranchBan'), ''),
    ],
  };
}

export const MESSAGES: Readonly<Record<MessageType, MessageSpec>> = {
  F0401: {
    type: 'F0401',
    ...b2s,
    root: 'Invoice',
    namespace: ns('F0401'),
    family: INVOICE_FAMILY,
    facts: (d) =>
      identify(
        'F0401',
        textAt(d, 'Main', 'Seller', 'Identifier'),
        textAt(d, 'Main', 'InvoiceNumber'),
        textAt(d, 'Main', 'InvoiceDate'),
      ),
    rules: f0401Rules,
  },
  F0501: {
    type: 'F0501',
    ...b2s,
    root: 'CancelInvoice',
    namespace: ns('F0501'),
    family: INVOICE_FAMILY,
    facts: (d) => identify('F0501', textAt(d, 'SellerId'), textAt(d, 'CancelInvoiceNumber'), textAt(d, 'CancelDate')),
    rules: sellerIdRule('CancelDate'),
  },
  F0701: {
    type: 'F0701',
    ...b2s,
    root: 'VoidInvoice',
    namespace: ns('F0701'),
    family: INVOICE_FAMILY,
    facts: (d) => identify('F0701', textAt(d, 'SellerId'), textAt(d, 'VoidInvoiceNumber'), textAt(d, 'VoidDate')),
    rules: sellerIdRule('VoidDate'),
  },
  G0401: {
    type: 'G0401',
    ...b2s,
    root: 'Allowance',
    namespace: ns('G0401'),
    family: ALLOWANCE_FAMILY,
    facts: (d) =>
      identify(
        'G0401',
        textAt(d, 'Main', 'Seller', 'Identifier'),
        textAt(d, 'Main', 'AllowanceNumber'),
        textAt(d, 'Main', 'AllowanceDate'),
      ),
    rules: (d) => banRule('Seller.Identifier', textAt(d, 'Main', 'Seller', 'Identifier'), textAt(d, 'Main', 'AllowanceDate')),
  },
  G0501: {
    type: 'G0501',
    ...b2s,
    root: 'CancelAllowance',
    namespace: ns('G0501'),
    family: ALLOWANCE_FAMILY,
    facts: (d) => identify('G0501', textAt(d, 'SellerId'), textAt(d, 'CancelAllowanceNumber'), textAt(d, 'CancelDate')),
    rules: sellerIdRule('CancelDate'),
  },
  G0701: {
    type: 'G0701',
    ...b2s,
    root: 'VoidAllowance',
    namespace: ns('G0701'),
    family: ALLOWANCE_FAMILY,
    facts: (d) => identify('G0701', textAt(d, 'SellerId'), textAt(d, 'VoidAllowanceNumber'), textAt(d, 'VoidDate')),
    rules: sellerIdRule('VoidDate'),
  },
  E0401: branchTrack('E0401', 'BranchTrack'),
  E0402: branchTrack('E0402', 'BranchTrackBlank'),
};

/**
 * Best-effort facts of a message that failed validation, so its E row still names the invoice when the
 * values can be read (a product matching rows by INVOICE_IDENTIFIER then sees the rejection).
 */
export function tryFacts(spec: MessageSpec, doc: XmlElement | undefined): MessageFacts | undefined {
  if (!doc || doc.local !== spec.root || doc.ns !== spec.namespace) return undefined;
  try {
    const f = spec.facts(doc);
    return f.referenceNumber ? f : undefined;
  } catch {
    return undefined;
  }
}

/** The reference number inside an F/G INVOICE_IDENTIFIER (`<MSG><number><yyyyMMdd>`). */
export function referenceOf(identifier: string): string {
  return identifier.length > 13 ? identifier.slice(5, -8) : '';
}
