import { CUSTOMS_CLEARANCE_MARKS, TAX_RATES, TAX_TYPES, ZERO_TAX_RATE_REASONS } from '@app/domain/browser';
import { z } from 'zod';
import { invoiceLifecycleFields } from './lifecycle.ts';
import { turnkeyMessageView } from './turnkey.ts';

// Shapes only; the MIG 4.1 rules (formats, lengths, combinations, totals) are checked by the domain's
// validateInvoice, which names each bad field in the same `body.…` terms.
const decimal = z.string().regex(/^\d{1,20}(\.\d{1,7})?$/, 'a decimal string, e.g. "1" or "35.5"');

export const issueBody = z.strictObject({
  /** Issue from this site's shared blocks; machine clients bound to a device issue from the device's blocks. */
  siteId: z.uuid({ error: 'must be a UUID' }).optional(),
  deviceId: z.uuid({ error: 'must be a UUID' }).optional(),
  /** When the sale happened (ISO 8601 with offset); default: now. */
  invoiceTime: z.iso.datetime({ offset: true }).optional(),
  invoiceType: z.enum(['07', '08']).default('07'),
  taxType: z.enum(TAX_TYPES).default('1'),
  taxRate: z.enum(TAX_RATES).default('0.05'),
  buyer: z
    .strictObject({
      ban: z.string().max(10).optional(),
      name: z.string().max(60).optional(),
      address: z.string().max(100).optional(),
    })
    .optional(),
  items: z
    .array(
      z.strictObject({
        description: z.string().max(500),
        quantity: decimal,
        unit: z.string().max(6).optional(),
        unitPrice: decimal,
        taxType: z.enum(TAX_TYPES).optional(),
        amount: z
          .string()
          .regex(/^\d{1,20}$/, 'whole TWD as a string')
          .optional(),
        remark: z.string().max(120).optional(),
      }),
    )
    .min(1, 'at least one item')
    .max(9999, 'at most 9999 items'),
  printMark: z.enum(['Y', 'N']),
  carrier: z.strictObject({ type: z.string().max(6), id1: z.string().max(400), id2: z.string().max(400) }).optional(),
  donation: z.strictObject({ npoban: z.string().max(10) }).optional(),
  zeroTax: z
    .strictObject({
      customsClearanceMark: z.enum(CUSTOMS_CLEARANCE_MARKS).optional(),
      zeroTaxRateReason: z.enum(ZERO_TAX_RATE_REASONS).optional(),
    })
    .optional(),
  mainRemark: z.string().max(200).optional(),
  /**
   * An invoice a device issued offline with a reserved number (POST /api/v1/offline-reservations): the
   * number and random number it printed. invoiceTime is then required (when the sale happened).
   */
  offline: z
    .strictObject({
      invoiceNumber: z.string().regex(/^[A-Z]{2}\d{8}$/, 'an invoice number like AB12345678'),
      randomNumber: z.string().regex(/^\d{4}$/, '4 digits'),
    })
    .optional(),
});
export type IssueInput = z.infer<typeof issueBody>;

export const issuedInvoice = z.object({
  id: z.string(),
  invoiceNumber: z.string(),
  randomNumber: z.string(),
  yearMonth: z.string(),
  invoiceDate: z.string(),
  invoiceTime: z.string(),
  sellerBan: z.string(),
  buyerBan: z.string().nullable(),
  salesAmount: z.number(),
  freeTaxSalesAmount: z.number(),
  zeroTaxSalesAmount: z.number(),
  taxAmount: z.number(),
  totalAmount: z.number(),
  /** Printed proof: the Code 39 text (19 characters) and the left/right QR payloads. */
  barcode: z.string(),
  qrLeft: z.string(),
  qrRight: z.string(),
});
export type IssuedInvoice = z.infer<typeof issuedInvoice>;

/** At most this many invoices in one batch. */
export const BATCH_MAX = 500;

// Entries are checked one by one (a malformed entry fails alone, naming body.invoices[i].…), so the
// batch's own schema only bounds the array.
export const batchBody = z.strictObject({
  invoices: z.array(z.unknown()).min(1, 'at least one invoice').max(BATCH_MAX, `at most ${BATCH_MAX} invoices`),
});

const entryError = z.object({
  code: z.string(),
  message: z.string(),
  details: z.array(z.object({ field: z.string(), message: z.string(), code: z.string().optional() })).optional(),
});

export const batchResult = z.object({
  issued: z.number(),
  failed: z.number(),
  /** One result per submitted invoice, in order: 201 with the invoice, or the 4xx it would have had alone. */
  results: z.array(
    z.object({
      index: z.number(),
      status: z.number(),
      invoice: issuedInvoice.optional(),
      error: entryError.optional(),
    }),
  ),
});
export type BatchResult = z.infer<typeof batchResult>;

export const invoiceNumberParams = z.strictObject({
  number: z.string().regex(/^[A-Z]{2}\d{8}$/, 'an invoice number like AB12345678'),
});

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD (Asia/Taipei business date)');

export const listInvoicesQuery = z.strictObject({
  sellerId: z.uuid().optional(),
  siteId: z.uuid().optional(),
  number: z
    .string()
    .regex(/^[A-Z]{2}\d{8}$/, 'an invoice number like AB12345678')
    .optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  status: z.enum(['issued', 'cancelled', 'voided']).optional(),
  buyerBan: z
    .string()
    .regex(/^\d{8}$/, '8 digits')
    .optional(),
  minTotal: z.coerce.number().int().min(0).optional(),
  maxTotal: z.coerce.number().int().min(0).optional(),
  cursor: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}\|[A-Z]{2}\d{8}$/, 'a cursor from a previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListInvoicesQuery = z.infer<typeof listInvoicesQuery>;

export const invoiceSummary = z.object({
  id: z.string(),
  invoiceNumber: z.string(),
  yearMonth: z.string(),
  invoiceDate: z.string(),
  invoiceTime: z.string(),
  sellerId: z.string(),
  siteId: z.string(),
  deviceId: z.string().nullable(),
  buyerBan: z.string().nullable(),
  status: z.enum(['issued', 'cancelled', 'voided']),
  totalAmount: z.number(),
});

export const invoiceDetail = invoiceSummary.extend({
  randomNumber: z.string(),
  invoiceType: z.string(),
  buyerName: z.string().nullable(),
  buyerAddress: z.string().nullable(),
  printMark: z.string(),
  carrier: z.object({ type: z.string(), id1: z.string(), id2: z.string() }).nullable(),
  npoban: z.string().nullable(),
  taxType: z.string(),
  taxRate: z.string(),
  salesAmount: z.number(),
  freeTaxSalesAmount: z.number(),
  zeroTaxSalesAmount: z.number(),
  taxAmount: z.number(),
  mainRemark: z.string().nullable(),
  items: z.array(
    z.object({
      seq: z.number(),
      description: z.string(),
      quantity: z.string(),
      unit: z.string().nullable(),
      unitPrice: z.string(),
      amount: z.number(),
      taxType: z.string().nullable(),
      remark: z.string().nullable(),
    }),
  ),
  /** Allowances, what is left to allow, and the status history (lifecycle.ts). */
  ...invoiceLifecycleFields,
  /** The invoice number's MIG messages to Turnkey, oldest first, and what became of each (docs/turnkey.md). */
  turnkey: z.array(turnkeyMessageView),
});

/** At most this many numbers in one offline reservation. */
export const RESERVATION_MAX = 1000;

export const reserveBody = z.strictObject({
  /** The device that will issue offline; a machine client bound to a device reserves for it and may omit this. */
  deviceId: z.uuid({ error: 'must be a UUID' }).optional(),
  count: z.number().int().min(1).max(RESERVATION_MAX).default(50),
  invoiceType: z.enum(['07', '08']).default('07'),
  /** ROC period (e.g. 11412); default: the current one. Only the current and the next period can be reserved. */
  yearMonth: z
    .string()
    .regex(/^\d{3}(0[2468]|1[02])$/, 'ROC year + even month, e.g. 11412')
    .optional(),
});

export const reservationView = z.object({
  id: z.string(),
  deviceId: z.string(),
  siteId: z.string(),
  yearMonth: z.string(),
  invoiceType: z.string(),
  track: z.string(),
  beginNo: z.string(),
  endNo: z.string(),
  count: z.number(),
  /** How many of the reserved numbers have been submitted as invoices. */
  issued: z.number(),
  createdAt: z.string(),
});

export const reservationDetail = reservationView.extend({
  /**
   * Each reserved number with its random number and the AES verification string of the left QR code
   * (print-and-protocols.md §2.5): enough to print a valid proof offline without the seller's key.
   */
  numbers: z.array(
    z.object({ invoiceNumber: z.string(), randomNumber: z.string(), verification: z.string(), issued: z.boolean() }),
  ),
});

export const listReservationsQuery = z.strictObject({
  deviceId: z.uuid().optional(),
  yearMonth: z
    .string()
    .regex(/^\d{3}(0[2468]|1[02])$/, 'ROC year + even month')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const reservationParams = z.strictObject({ id: z.uuid({ error: 'must be a UUID' }) });

/**
 * GET /api/v1/invoices/{number}/proof: what the printed proof (電子發票證明聯, 5.7 cm) shows for the current
 * version — the codes computed as issuing does (packages/domain print), never by the browser.
 */
export const invoiceProofView = z.object({
  invoiceNumber: z.string(),
  yearMonth: z.string(),
  /** The period as printed: ROC year and the two months, e.g. "115年11-12月". */
  periodLabel: z.string(),
  invoiceTime: z.string(),
  randomNumber: z.string(),
  totalAmount: z.number(),
  sellerBan: z.string(),
  sellerName: z.string(),
  buyerBan: z.string().nullable(),
  status: z.enum(['issued', 'cancelled', 'voided']),
  /** Y: the proof was printed at issue (a print now is a reprint, 補印). */
  printMark: z.string(),
  /** Saved to a carrier or donated: no proof is printed for those (print-and-protocols §2.1), only on request. */
  carrier: z.boolean(),
  donated: z.boolean(),
  /** Code 39 text, 19 characters: period (5) + number (10) + random number (4). */
  barcode: z.string(),
  qrLeft: z.string(),
  qrRight: z.string(),
});
export type InvoiceProofView = z.infer<typeof invoiceProofView>;

/** GET /api/v1/invoices/{number}/xml: the MIG 4.1 document of each of the number's Turnkey messages. */
export const invoiceXmlView = z.object({
  documents: z.array(
    z.object({
      messageId: z.string(),
      messageType: z.string(),
      status: z.string(),
      /** The XML as handed (or to be handed) to Turnkey; null with `error` when it cannot be built. */
      xml: z.string().nullable(),
      error: z.string().nullable(),
    }),
  ),
});
export type InvoiceXmlView = z.infer<typeof invoiceXmlView>;
