/**
 * Shapes of the invoice lifecycle: cancel (作廢, F0501), void + re-issue (註銷 F0701 → F0401), and what
 * GET /api/v1/invoices/{number} adds about them. The MIG rules of a re-issue are checked by the domain's
 * validateInvoice, which names bad fields as `body.reissue.…`.
 */
import { z } from 'zod';
import { allowanceDetail, migText, transitionReason } from './allowance.ts';

export const cancelInvoiceBody = z.strictObject({
  /** CancelReason: 1..20 characters after white space is collapsed. */
  reason: transitionReason,
  /** ReturnTaxDocumentNumber (專案作廢核准文號), when the tax office approved a late cancel. */
  returnTaxDocumentNumber: migText(60).optional(),
  remark: migText(200).optional(),
});
export type CancelInvoiceInput = z.infer<typeof cancelInvoiceBody>;

export const voidInvoiceBody = z.strictObject({
  /** VoidReason: 1..20 characters after white space is collapsed. */
  reason: transitionReason,
  /** The re-issued version (註銷後必然跟著開立): what may change; number, period, time, random number and items stay. */
  reissue: z.strictObject({
    buyer: z
      .strictObject({
        ban: z.string().max(10).optional(),
        name: z.string().max(60).optional(),
        address: z.string().max(100).optional(),
      })
      .optional(),
    carrier: z.strictObject({ type: z.string().max(6), id1: z.string().max(400), id2: z.string().max(400) }).optional(),
    donation: z.strictObject({ npoban: z.string().max(10) }).optional(),
    printMark: z.enum(['Y', 'N']),
    mainRemark: z.string().max(200).optional(),
  }),
});
export type VoidInvoiceInput = z.infer<typeof voidInvoiceBody>;

export const cancelledInvoice = z.object({
  id: z.string(),
  invoiceNumber: z.string(),
  yearMonth: z.string(),
  status: z.literal('cancelled'),
  reason: z.string(),
  returnTaxDocumentNumber: z.string().nullable(),
  remark: z.string().nullable(),
  cancelledAt: z.string(),
});

export const historyEntry = z.object({
  /** issued: the first version; cancelled / voided: that version changed state; reissued: a new version. */
  kind: z.enum(['issued', 'cancelled', 'voided', 'reissued']),
  at: z.string(),
  /** The version the entry is about (for reissued: the new one). */
  invoiceId: z.string(),
  /** reissued: the voided version it replaces. */
  previousInvoiceId: z.string().nullable(),
  reason: z.string().nullable(),
  returnTaxDocumentNumber: z.string().nullable(),
  remark: z.string().nullable(),
  /** `user:<id>` or `client:<id>`. */
  by: z.string().nullable(),
  requestId: z.string().nullable(),
});
export type HistoryEntry = z.infer<typeof historyEntry>;

/** What GET /api/v1/invoices/{number} says about allowances and status history. */
export const invoiceLifecycleFields = {
  /** Allowances against this number, oldest first, whatever their status. */
  allowances: z.array(allowanceDetail),
  /** What is left to allow: per item and in total, tax-included (cancelled and voided allowances do not count). */
  remaining: z.object({
    totalAmount: z.number(),
    items: z.array(z.object({ seq: z.number(), amount: z.number(), allowed: z.number(), remaining: z.number() })),
  }),
  /** Status history, oldest first. */
  history: z.array(historyEntry),
};
