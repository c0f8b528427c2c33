import { collapseWhitespace, hasNonXmlCharacters, TRANSITION_REASON_MAX } from '@app/domain/browser';
import { z } from 'zod';

/**
 * CancelReason / VoidReason of F0501, F0701, G0501 and G0701: 1..20 characters after XML whitespace collapse
 * (the service stores the collapsed text).
 */
export const transitionReason = z
  .string()
  .max(400)
  .refine((s) => {
    const n = [...collapseWhitespace(s)].length;
    return n >= 1 && n <= TRANSITION_REASON_MAX;
  }, `1-${TRANSITION_REASON_MAX} characters after white space is collapsed`)
  .refine((s) => !hasNonXmlCharacters(s), 'contains characters XML cannot carry');

/** Free text that ends up in a MIG message: a length limit and nothing XML cannot carry. */
export const migText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !hasNonXmlCharacters(s), 'contains characters XML cannot carry');

export const allowanceNumberParams = z.strictObject({
  allowanceNumber: z.string().regex(/^\d{16}$/, 'an allowance number: 16 digits, the seller’s BAN and a counter'),
});

/** Whole TWD, as a JSON number or a string of digits (the convention of the invoice's item amounts). */
const wholeTwd = z.union([
  z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  z.string().regex(/^[1-9]\d{0,19}$/, 'whole TWD > 0'),
]);
/** A decimal > 0 as a string (e.g. "1.5") or a JSON number. */
const quantity = z.union([
  z.number().positive(),
  z.string().regex(/^\d{1,20}(\.\d{1,7})?$/, 'a decimal string, e.g. "1" or "2.5"'),
]);

export const issueAllowanceBody = z.strictObject({
  items: z
    .array(
      z.strictObject({
        /** The original invoice item's sequence number (1-based, as in GET /api/v1/invoices/{number}). */
        seq: z.number().int().min(1).max(9999),
        quantity,
        /** Tax-included whole TWD refunded for this item; the server splits it into untaxed amount and tax. */
        amount: wholeTwd,
        /** G0401 OriginalDescription; default: the original item's description. */
        description: migText(500).min(1).optional(),
      }),
    )
    .min(1, 'at least one item')
    .max(9999, 'at most 9999 items'),
  /** YYYY-MM-DD (Asia/Taipei); default today; not before the invoice date, not in the future. */
  allowanceDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD (Asia/Taipei business date)')
    .optional(),
  remark: migText(200).optional(),
});
export type IssueAllowanceInput = z.infer<typeof issueAllowanceBody>;

export const endAllowanceBody = z.strictObject({ reason: transitionReason });
export type EndAllowanceInput = z.infer<typeof endAllowanceBody>;

const status = z.enum(['issued', 'cancelled', 'voided']);

export const allowanceDetail = z.object({
  id: z.string(),
  allowanceNumber: z.string(),
  /** 2 = 賣方折讓證明通知單 (fixed in MIG 4.1). */
  allowanceType: z.string(),
  allowanceDate: z.string(),
  status,
  invoiceNumber: z.string(),
  yearMonth: z.string(),
  /** The invoice version the allowance was made against. */
  invoiceId: z.string(),
  invoiceDate: z.string(),
  sellerId: z.string(),
  siteId: z.string(),
  buyerBan: z.string().nullable(),
  /** G0401 TotalAmount: the untaxed total. */
  totalAmount: z.number(),
  /** G0401 TaxAmount. */
  taxAmount: z.number(),
  /** totalAmount + taxAmount: what the buyer gets back, in the invoice items' tax-included terms. */
  grossAmount: z.number(),
  remark: z.string().nullable(),
  /** Why it was cancelled or voided (null while issued), and when. */
  reason: z.string().nullable(),
  endedAt: z.string().nullable(),
  createdAt: z.string(),
  items: z.array(
    z.object({
      seq: z.number(),
      originalSeq: z.number(),
      description: z.string(),
      quantity: z.string(),
      unit: z.string().nullable(),
      /** Untaxed, like G0401's Amount. */
      unitPrice: z.string(),
      taxType: z.string(),
      /** Tax-included, as sent. */
      amount: z.number(),
      /** G0401 Amount (untaxed) and Tax. */
      untaxedAmount: z.number(),
      tax: z.number(),
    }),
  ),
});
export type AllowanceDetail = z.infer<typeof allowanceDetail>;
