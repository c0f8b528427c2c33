/**
 * The event catalogue: typed, versioned payloads defined once and used by the API (writers, through
 * the outbox) and the worker (consumers). Later issues add the e-invoice events here.
 */
import { z } from 'zod';

/** The payload of AllowanceCancelled and AllowanceVoided (G0501 and G0701 carry the same fields). */
function allowanceEnded() {
  return z.object({
    allowanceId: z.string().uuid(),
    allowanceNumber: z.string(),
    allowanceDate: z.string(),
    invoiceNumber: z.string(),
    yearMonth: z.string(),
    sellerId: z.string().uuid(),
    siteId: z.string().uuid(),
    buyerBan: z.string().nullable(),
    reason: z.string(),
    at: z.string(),
  });
}

export const EVENTS = {
  UserCreated: {
    version: 1,
    description: 'A user account was created.',
    payload: z.object({ userId: z.string().uuid(), username: z.string(), roles: z.array(z.string()) }),
  },
  UserUpdated: {
    version: 1,
    description: "A user's status, roles or profile changed.",
    payload: z.object({ userId: z.string().uuid(), changed: z.array(z.string()) }),
  },
  ApiClientCreated: {
    version: 1,
    description: 'A machine client was created.',
    payload: z.object({ clientPk: z.string().uuid(), clientId: z.string(), kind: z.string() }),
  },
  TrackLow: {
    version: 1,
    description:
      "A site's unissued numbers for the current period fell below TRACK_LOW_THRESHOLD (fires once per site, period and type).",
    payload: z.object({
      siteId: z.string().uuid(),
      sellerId: z.string().uuid(),
      yearMonth: z.string(),
      invoiceType: z.string(),
      remaining: z.number().int(),
      threshold: z.number().int(),
    }),
  },
  InvoiceIssued: {
    version: 1,
    description: 'An invoice (F0401) was issued: number, period, seller, site, buyer and total.',
    payload: z.object({
      invoiceId: z.string().uuid(),
      invoiceDate: z.string(),
      invoiceNumber: z.string(),
      yearMonth: z.string(),
      sellerId: z.string().uuid(),
      siteId: z.string().uuid(),
      buyerBan: z.string().nullable(),
      totalAmount: z.number(),
    }),
  },
  InvoiceCancelled: {
    version: 1,
    description: 'An issued invoice was cancelled (作廢, F0501): the version, number, period, parties, reason and time.',
    payload: z.object({
      invoiceId: z.string().uuid(),
      invoiceDate: z.string(),
      invoiceNumber: z.string(),
      yearMonth: z.string(),
      sellerId: z.string().uuid(),
      siteId: z.string().uuid(),
      buyerBan: z.string().nullable(),
      reason: z.string(),
      returnTaxDocumentNumber: z.string().nullable(),
      cancelledAt: z.string(),
    }),
  },
  InvoiceVoided: {
    version: 1,
    description:
      'An invoice was voided (註銷, F0701) and re-issued with the same number (F0401): the voided and the re-issued version, the new buyer and total.',
    payload: z.object({
      voidedInvoiceId: z.string().uuid(),
      reissuedInvoiceId: z.string().uuid(),
      invoiceDate: z.string(),
      invoiceNumber: z.string(),
      yearMonth: z.string(),
      sellerId: z.string().uuid(),
      siteId: z.string().uuid(),
      voidedBuyerBan: z.string().nullable(),
      buyerBan: z.string().nullable(),
      totalAmount: z.number(),
      reason: z.string(),
      voidedAt: z.string(),
    }),
  },
  AllowanceIssued: {
    version: 1,
    description:
      'An allowance (折讓, G0401) was issued against an invoice: its number, date, invoice and amounts (untaxed total and tax).',
    payload: z.object({
      allowanceId: z.string().uuid(),
      allowanceNumber: z.string(),
      allowanceDate: z.string(),
      invoiceId: z.string().uuid(),
      invoiceNumber: z.string(),
      invoiceDate: z.string(),
      yearMonth: z.string(),
      sellerId: z.string().uuid(),
      siteId: z.string().uuid(),
      buyerBan: z.string().nullable(),
      totalAmount: z.number(),
      taxAmount: z.number(),
    }),
  },
  AllowanceCancelled: {
    version: 1,
    description: 'An allowance was cancelled (G0501); its amounts count no more against the invoice.',
    payload: allowanceEnded(),
  },
  AllowanceVoided: {
    version: 1,
    description: 'An allowance was voided (G0701); its amounts count no more against the invoice.',
    payload: allowanceEnded(),
  },
  PeriodClosed: {
    version: 1,
    description:
      "A period ended: period.close closed the seller's blocks of it and stored their blank numbers (period_blanks), which E0402 must report by e0402Deadline. Once per seller and period.",
    payload: z.object({
      sellerId: z.string().uuid(),
      sellerBan: z.string(),
      yearMonth: z.string(),
      blocksClosed: z.number().int(),
      blankSpans: z.number().int(),
      blankNumbers: z.number().int(),
      e0402Deadline: z.string(),
    }),
  },
  DeadlineAtRisk: {
    version: 1,
    description:
      'A MIG message is not yet accepted by the platform and has used up TURNKEY_RISK_B2C_HOURS / TURNKEY_RISK_B2B_HOURS of its upload limit (B2C 48 h, B2B 7 days). Once per message.',
    payload: z.object({
      messageId: z.string(),
      messageType: z.string(),
      identifier: z.string(),
      sellerId: z.string().uuid(),
      status: z.string(),
      b2b: z.boolean(),
      createdAt: z.string(),
      deadline: z.string(),
    }),
  },
  TurnkeyReconciliationDiffers: {
    version: 1,
    description:
      "The daily reconciliation found differences between a day's hand-offs and the platform's SummaryResult (or no summary came). Once per day, again only when the differences change; GET /api/v1/turnkey/reconciliations lists them.",
    payload: z.object({
      /** The Asia/Taipei day, YYYY-MM-DD. */
      day: z.string(),
      summaryReceived: z.boolean(),
      differences: z.number().int(),
      byMessageType: z.array(
        z.object({
          messageType: z.string(),
          differences: z.number().int(),
          /** Count per kind: no_summary, count_mismatch, accepted_but_failed, good_not_accepted, missing_from_summary, unknown_to_us. */
          kinds: z.record(z.string(), z.number().int()),
        }),
      ),
    }),
  },
  ImportQueued: {
    version: 1,
    description:
      'An invoice import file was accepted (POST /api/v1/imports) and waits for the worker, which this event sets going (import.invoices).',
    payload: z.object({
      importId: z.string().uuid(),
      filename: z.string(),
      format: z.enum(['csv', 'jsonl']),
      encoding: z.enum(['utf8', 'big5']),
      sha256: z.string(),
      sizeBytes: z.number().int(),
      createdBy: z.string(),
    }),
  },
  ImportStarted: {
    version: 1,
    description: 'The worker began an invoice import: it reads the file and checks every invoice before issuing any.',
    payload: z.object({ importId: z.string().uuid(), filename: z.string(), sha256: z.string(), createdBy: z.string() }),
  },
  ImportValidated: {
    version: 1,
    description:
      'Every invoice of an import was read and checked: how many there are, how many will be issued now and how many failed already (logged per invoice).',
    payload: z.object({
      importId: z.string().uuid(),
      total: z.number().int(),
      valid: z.number().int(),
      invalid: z.number().int(),
    }),
  },
  ImportCompleted: {
    version: 1,
    description:
      'An invoice import is done: every invoice of the file has its outcome (issued, duplicate = issued before under its key, failed).',
    payload: z.object({
      importId: z.string().uuid(),
      total: z.number().int(),
      valid: z.number().int(),
      issued: z.number().int(),
      duplicate: z.number().int(),
      failed: z.number().int(),
    }),
  },
  ImportFailed: {
    version: 1,
    description:
      'An invoice import failed as a whole before issuing anything: the file cannot be read (code IMPORT_FILE_INVALID) or the uploader may no longer issue.',
    payload: z.object({ importId: z.string().uuid(), code: z.string(), message: z.string() }),
  },
} as const satisfies Record<string, { version: number; description: string; payload: z.ZodTypeAny }>;

export type EventType = keyof typeof EVENTS;
export type EventPayload<T extends EventType> = z.infer<(typeof EVENTS)[T]['payload']>;
