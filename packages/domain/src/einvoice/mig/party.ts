/**
 * Seller and Buyer (`RoleDescriptionType`, common/GenericType_4.0.xsd) — an `xsd:sequence`, so the order below is
 * required, unlike the `xsd:all` blocks around it. einvoice-domain.md §2.2 and §4.2.
 */
import { B2C_BUYER_IDENTIFIER } from '../rules/formats.ts';
import type { XmlWriter } from './xml.ts';

/** Optional RoleDescriptionType fields, written when present. */
export type MigPartyDetails = {
  personInCharge?: string | null;
  telephoneNumber?: string | null;
  facsimileNumber?: string | null;
  emailAddress?: string | null;
  customerNumber?: string | null;
  roleRemark?: string | null;
};

export type MigSeller = MigPartyDetails & {
  /** 8-digit BAN (統一編號). */
  ban: string;
  name: string;
  /** Optional in the XSD but required by the official validator (`"Seller.Address" is invalid!`, §2.2): always sent. */
  address: string;
};

/**
 * The buyer. With `ban` it is a business (B2B); without (or no buyer at all) a consumer: Identifier `0000000000`.
 */
export type MigBuyer = MigPartyDetails & {
  ban?: string | null;
  name?: string | null;
  address?: string | null;
};

/**
 * Buyer/Name written for a consumer who gave no name. [HO] sends `0000000000` and its invoices were validated and
 * accepted by the platform (einvoice-domain.md §4.2). UNVERIFIED: the MIG's own rule (a VAC document says 4 ASCII or
 * 2 full-width characters; the official validator has a consumer branch for "Buyer.Name" whose rule was not read —
 * open question 2). A consumer who gave a name gets that name, also unverified against that rule.
 */
export const B2C_BUYER_NAME = '0000000000';

/** Buyer/Identifier: the BAN, or `0000000000` for a consumer. */
export function buyerIdentifier(buyer: MigBuyer | null | undefined): string {
  return isBusiness(buyer) ? buyer.ban : B2C_BUYER_IDENTIFIER;
}

/**
 * Whether the buyer is a business: it has a `ban`. An empty `ban` is written as it is (and fails the XSD), like
 * validateInvoice, which refuses it rather than reading it as a consumer.
 */
function isBusiness(buyer: MigBuyer | null | undefined): buyer is MigBuyer & { ban: string } {
  return buyer?.ban !== undefined && buyer.ban !== null;
}

/**
 * Buyer/Name (required, 1..60): the given name (an empty one is written empty and fails the XSD); for a business without one its BAN (UNVERIFIED: a common VAC
 * convention, no MIG text read — the name is required and the BAN is all a POS customer usually gives); for a
 * consumer without one `B2C_BUYER_NAME`.
 */
export function buyerName(buyer: MigBuyer | null | undefined): string {
  if (buyer?.name !== undefined && buyer.name !== null) return buyer.name;
  return isBusiness(buyer) ? buyer.ban : B2C_BUYER_NAME;
}

export function writeParty(
  w: XmlWriter,
  element: 'Seller' | 'Buyer',
  identifier: string,
  name: string,
  details: MigPartyDetails & { address?: string | null },
): void {
  w.open(element)
    .leaf('Identifier', identifier)
    .leaf('Name', name)
    .leaf('Address', details.address)
    .leaf('PersonInCharge', details.personInCharge)
    .leaf('TelephoneNumber', details.telephoneNumber)
    .leaf('FacsimileNumber', details.facsimileNumber)
    .leaf('EmailAddress', details.emailAddress)
    .leaf('CustomerNumber', details.customerNumber)
    .leaf('RoleRemark', details.roleRemark)
    .close();
}

export function writeSeller(w: XmlWriter, seller: MigSeller): void {
  writeParty(w, 'Seller', seller.ban, seller.name, seller);
}

export function writeBuyer(w: XmlWriter, buyer: MigBuyer | null | undefined): void {
  writeParty(w, 'Buyer', buyerIdentifier(buyer), buyerName(buyer), buyer ?? {});
}
