/** Test-only helpers for the mig/ tests (not exported from index.ts). */
import { fileURLToPath } from 'node:url';
import { periodOf } from '../period.ts';
import { type InvoiceInput, validateInvoice } from '../rules/invoice-rules.ts';
import type { F0401Input } from './f0401.ts';

/** The official XSDs (`../shared/mig/xsd` from the project root; provenance in its SOURCES.md). */
export const XSD_DIR = fileURLToPath(new URL('../../../../../../shared/mig/xsd/', import.meta.url));

export const GOLDEN_DIR = fileURLToPath(new URL('./golden/', import.meta.url));

/**
 * The F0401 input for an invoice that passes `validateInvoice` (checked here, in its own period, issued at its invoice
 * time): its totals and item amounts come from the domain's rules, not from the test. `extra` adds or overrides
 * builder-only fields (remarks, reserved fields, currency, party details …).
 */
export function f0401FromInvoice(
  inv: InvoiceInput,
  issued: { invoiceNumber: string; randomNumber: string },
  extra: Partial<F0401Input> = {},
): F0401Input {
  const period = periodOf(inv.invoiceTime);
  const v = validateInvoice(inv, { now: inv.invoiceTime, maxFutureSkewMs: 0, period });
  if (!v.ok) throw new Error(`test invoice is not valid: ${JSON.stringify(v.errors)}`);
  return {
    invoiceNumber: issued.invoiceNumber,
    invoiceTime: inv.invoiceTime,
    seller: inv.seller,
    buyer: inv.buyer ? { ban: inv.buyer.ban, name: inv.buyer.name, address: inv.buyer.address } : null,
    invoiceType: inv.invoiceType,
    printMark: inv.printMark,
    carrier: inv.carrier ?? null,
    donation: inv.donation ?? null,
    randomNumber: issued.randomNumber,
    zeroTax: inv.zeroTax ?? null,
    mainRemark: inv.mainRemark,
    items: inv.items.map((it, i) => ({
      description: it.description,
      quantity: it.quantity,
      unit: it.unit,
      unitPrice: it.unitPrice,
      taxType: it.taxType,
      amount: v.itemAmounts[i] as bigint,
      remark: it.remark,
    })),
    amount: v.totals,
    ...extra,
  };
}
