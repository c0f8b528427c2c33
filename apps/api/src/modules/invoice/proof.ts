/**
 * The printed proof of an issued invoice version (Code 39 text and QR payloads) and the seller data it needs:
 * one function for every path that answers an invoice the way issuing does (the void + re-issue path today).
 */

import type { DbOrTx } from '@app/db';
import { DomainError, formatScaledDecimal, parseDecimal, proofCodes, splitTaxIncluded, type TaxRate } from '@app/domain';
import { decryptSecret } from '@app/security';

/**
 * The seller an invoice is issued for, with its QR AES key opened. Refuses a disabled seller (CONFLICT) and
 * one without a QR key (SELLER_QR_KEY_MISSING), as issuing does.
 */
export async function issuingSeller(db: DbOrTx, sellerId: string, encKey: Buffer) {
  const seller = await db
    .selectFrom('sellers')
    .select(['id', 'ban', 'name', 'address', 'qr_aes_key_enc', 'status'])
    .where('id', '=', sellerId)
    .executeTakeFirstOrThrow();
  if (seller.status !== 'active') throw new DomainError('CONFLICT', `Seller ${seller.ban} is disabled.`);
  if (!seller.qr_aes_key_enc) throw new DomainError('SELLER_QR_KEY_MISSING', `Seller ${seller.ban} has no QR AES key yet.`);
  return {
    id: seller.id,
    ban: seller.ban,
    name: seller.name,
    address: seller.address,
    aesKey: decryptSecret(seller.qr_aes_key_enc, encKey),
  };
}

/** A stored decimal (`20.5000000`) as the proof prints it (`20.5`). */
const plainDecimal = (text: string): string => {
  const p = parseDecimal(text);
  return p.ok ? formatScaledDecimal(p.scaled) : text;
};

export type ProofInput = {
  invoiceNumber: string;
  invoiceTime: Date;
  randomNumber: string;
  buyerBan: string | null;
  sellerBan: string;
  aesKey: string;
  totals: { salesAmount: bigint; taxAmount: bigint; totalAmount: bigint; taxType: string; taxRate: string };
  items: readonly { description: string; quantity: string; unitPrice: string }[];
};

/**
 * The proof's codes. Its 銷售額 is the untaxed total: B2B totals already separate the tax; B2C totals include it,
 * so the tax is backed out of the taxable sales (tax types 1, 4, 9) as issuing does.
 */
export function invoiceProof(p: ProofInput) {
  const { totals } = p;
  const total = Number(totals.totalAmount);
  const untaxed = p.buyerBan
    ? total - Number(totals.taxAmount)
    : total -
      (totals.taxType === '1' || totals.taxType === '4' || totals.taxType === '9'
        ? Number(splitTaxIncluded(totals.salesAmount, totals.taxRate as TaxRate).tax)
        : 0);
  const proof = proofCodes({
    invoiceNumber: p.invoiceNumber,
    invoiceDate: p.invoiceTime,
    randomNumber: p.randomNumber,
    salesAmount: untaxed,
    totalAmount: total,
    buyerBan: p.buyerBan,
    sellerBan: p.sellerBan,
    items: p.items.map((it) => ({
      name: it.description,
      quantity: plainDecimal(it.quantity),
      unitPrice: plainDecimal(it.unitPrice),
    })),
    aesKey: p.aesKey,
  });
  return { barcode: proof.barcode, qrLeft: proof.qr.left, qrRight: proof.qr.right };
}
