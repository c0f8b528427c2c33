/**
 * The printed proof of an issued invoice version (Code 39 text and QR payloads) and the seller data it needs:
 * one function for every path that answers an invoice the way issuing does (the void + re-issue path today).
 */

import type { DbOrTx } from '@app/db';
import {
  DomainError,
  formatScaledDecimal,
  parseDecimal,
  parseYearMonth,
  proofCodes,
  splitTaxIncluded,
  type TaxRate,
} from '@app/domain';
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

/** The period as the proof prints it: ROC year and its two months, `115年11-12月`. */
export function periodLabel(yearMonth: string): string {
  const p = parseYearMonth(yearMonth);
  if (!p) return yearMonth;
  return `${p.rocYear}年${String(p.firstMonth).padStart(2, '0')}-${String(p.firstMonth + 1).padStart(2, '0')}月`;
}

type StoredInvoice = {
  invoice_number: string;
  year_month: string;
  invoice_time: Date;
  random_number: string;
  buyer_ban: string | null;
  seller_id: string;
  status: string;
  sales_amount: string | number | bigint;
  tax_amount: string | number | bigint;
  total_amount: string | number | bigint;
  tax_type: string;
  tax_rate: string;
  print_mark: string;
  carrier_type: string | null;
  npoban: string | null;
};

/**
 * The printed proof of a stored invoice version, computed exactly as issuing computed it (the same
 * `invoiceProof`), for a reprint or the web app's proof page. The seller's QR key is needed (refused with
 * SELLER_QR_KEY_MISSING without one), even for a disabled seller: its past invoices still print.
 */
export async function storedInvoiceProof(
  db: DbOrTx,
  inv: StoredInvoice,
  items: readonly { description: string; quantity: string; unit_price: string }[],
  encKey: Buffer,
) {
  const seller = await db
    .selectFrom('sellers')
    .select(['ban', 'name', 'qr_aes_key_enc'])
    .where('id', '=', inv.seller_id)
    .executeTakeFirstOrThrow();
  if (!seller.qr_aes_key_enc) throw new DomainError('SELLER_QR_KEY_MISSING', `Seller ${seller.ban} has no QR AES key.`);
  const codes = invoiceProof({
    invoiceNumber: inv.invoice_number,
    invoiceTime: inv.invoice_time,
    randomNumber: inv.random_number,
    buyerBan: inv.buyer_ban,
    sellerBan: seller.ban,
    aesKey: decryptSecret(seller.qr_aes_key_enc, encKey),
    totals: {
      salesAmount: BigInt(inv.sales_amount),
      taxAmount: BigInt(inv.tax_amount),
      totalAmount: BigInt(inv.total_amount),
      taxType: inv.tax_type,
      taxRate: inv.tax_rate,
    },
    items: items.map((i) => ({ description: i.description, quantity: i.quantity, unitPrice: i.unit_price })),
  });
  return {
    invoiceNumber: inv.invoice_number,
    yearMonth: inv.year_month,
    periodLabel: periodLabel(inv.year_month),
    invoiceTime: inv.invoice_time.toISOString(),
    randomNumber: inv.random_number,
    totalAmount: Number(inv.total_amount),
    sellerBan: seller.ban,
    sellerName: seller.name,
    buyerBan: inv.buyer_ban,
    printMark: inv.print_mark,
    carrier: inv.carrier_type !== null,
    donated: inv.npoban !== null,
    ...codes,
  };
}
