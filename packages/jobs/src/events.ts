/**
 * The event catalogue: typed, versioned payloads defined once and used by the API (writers, through
 * the outbox) and the worker (consumers). `docs/events.md` is generated from it (`pnpm docs:generate`).
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
  InvoiceProcessed: {
    version: 1,
    description:
      "The platform's verdict on a MIG message came back through Turnkey: `accepted` (Turnkey status C, the only success) or `rejected` with the platform's code and its text (Chinese | English | detail). One per message: issue (F0401), cancel (F0501), void (F0701), allowance (G0401/G0501/G0701) or blank numbers (E0402).",
    payload: z.object({
      messageId: z.string(),
      messageType: z.string(),
      identifier: z.string(),
      sellerId: z.string().uuid(),
      siteId: z.string().uuid().nullable(),
      invoiceNumber: z.string().nullable(),
      allowanceNumber: z.string().nullable(),
      yearMonth: z.string().nullable(),
      outcome: z.enum(['accepted', 'rejected']),
      code: z.string().nullable(),
      message: z.string().nullable(),
      deliveredAt: z.string().nullable(),
      processedAt: z.string(),
    }),
  },
  TurnkeyUploadSuccess: {
    version: 1,
    description:
      "A batch of MIG messages was handed to Turnkey: each file is in its SRC folder (fsync'd) and the messages are `delivered`. One event per hand-off batch (up to TURNKEY_HANDOFF_BATCH messages), naming each message.",
    payload: z.object({
      count: z.number().int(),
      messages: z.array(
        z.object({ messageId: z.string(), messageType: z.string(), identifier: z.string(), fileName: z.string() }),
      ),
    }),
  },
  TurnkeyUploadFailed: {
    version: 1,
    description:
      'A MIG message cannot be handed to Turnkey: `invalid` (its XML cannot be built or fails the XSD check; fix the data and resend) or `dead` (every write retry failed). One per message.',
    payload: z.object({
      messageId: z.string(),
      messageType: z.string(),
      identifier: z.string(),
      sellerId: z.string().uuid(),
      status: z.enum(['invalid', 'dead']),
      error: z.string(),
      attempts: z.number().int(),
    }),
  },
  ApprovalRequested: {
    version: 1,
    description:
      'An action needing two-step approval (a void, a resend of rejected messages, an allowance above APPROVAL_ALLOWANCE_THRESHOLD) was asked for and waits for a second person holding `approve` (docs/approvals.md).',
    payload: z.object({
      approvalId: z.string(),
      action: z.enum(['turnkey.resend', 'invoice.void', 'allowance.issue']),
      invoiceNumber: z.string(),
      yearMonth: z.string(),
      sellerId: z.string().uuid(),
      siteId: z.string().uuid(),
      /** allowance.issue: the allowance's tax-included total. */
      amount: z.number().int().nullable(),
      requestedBy: z.object({ type: z.enum(['user', 'client']), id: z.string().uuid(), name: z.string() }),
      requestedAt: z.string(),
    }),
  },
  ApprovalDecided: {
    version: 1,
    description:
      'An approval request was decided: approved (the action ran as the requester; its own event follows, e.g. InvoiceVoided), failed (approved, but the action refused and nothing was written), rejected, or withdrawn by the requester.',
    payload: z.object({
      approvalId: z.string(),
      action: z.enum(['turnkey.resend', 'invoice.void', 'allowance.issue']),
      invoiceNumber: z.string(),
      sellerId: z.string().uuid(),
      siteId: z.string().uuid(),
      status: z.enum(['approved', 'failed', 'rejected', 'withdrawn']),
      decidedBy: z.string(),
      decidedAt: z.string(),
      /** failed: the action's error code. */
      errorCode: z.string().nullable(),
    }),
  },
  CertificateExpiring: {
    version: 1,
    description:
      "A seller's signing certificate (the PFX Turnkey signs its messages with) expires soon: 30, 14, 7 and 1 days before (and once more when it has expired). Turnkey cannot upload that seller's messages after it expires.",
    payload: z.object({
      sellerId: z.string().uuid(),
      ban: z.string(),
      name: z.string(),
      expiresAt: z.string(),
      daysLeft: z.number().int(),
    }),
  },
  SlowQueryDetected: {
    version: 1,
    description:
      'The daily slow-query report found SQL statements whose longest run took more than SLOW_QUERY_ALERT_MS (5 s). The statements themselves stay in the report (sys_ops_reports, by reportId): the event carries only numbers.',
    payload: z.object({
      reportId: z.string().regex(/^\d+$/),
      periodStart: z.string(),
      periodEnd: z.string(),
      thresholdMs: z.number().int(),
      /** Statements over the threshold. */
      statements: z.number().int(),
      /** The longest single run among them, in ms. */
      maxMs: z.number(),
      source: z.enum(['pg_stat_statements', 'log']),
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
  WebhookDead: {
    version: 1,
    description:
      'A webhook delivery used up its tries (10, about 3 days: 1 min, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h apart) without a 2xx answer and is `dead` in the delivery log (GET /api/v1/webhooks/{id}/deliveries?status=dead), where it can be redelivered. Once per delivery. Never sent to the subscription it is about, and a dead delivery of a WebhookDead event raises no further one.',
    payload: z.object({
      webhookId: z.string().uuid(),
      deliveryId: z.string(),
      /** The Standard Webhooks `webhook-id` every try carried. */
      webhookMessageId: z.string(),
      eventId: z.string().uuid(),
      eventType: z.string(),
      /** The URL without its query string. */
      target: z.string(),
      attempts: z.number().int(),
      lastStatusCode: z.number().int().nullable(),
      lastError: z.string().nullable(),
      firstAttemptAt: z.string().nullable(),
      deadAt: z.string(),
    }),
  },
  ClientNotificationSent: {
    version: 1,
    description:
      "A notification e-mail was accepted by the SMTP server (docs/notifications.md). One per mail, written in the transaction that marks it sent: the recipient user, the kind of mail (`immediate`: one event; `digest`: several collected; `test`: the user's own test mail, no event), the notification kinds and the events it covered. The address itself is not in the event.",
    payload: z.object({
      mailId: z.string().regex(/^\d+$/),
      userId: z.string().uuid(),
      kind: z.enum(['immediate', 'digest', 'test']),
      notificationKinds: z.array(z.string()),
      events: z.array(z.object({ eventId: z.string().uuid(), eventType: z.string() })),
      /** SMTP tries this mail took, the successful one included. */
      attempts: z.number().int().min(1),
      smtpMessageId: z.string().nullable(),
      sentAt: z.string(),
    }),
  },
} as const satisfies Record<string, { version: number; description: string; payload: z.ZodTypeAny }>;

export type EventType = keyof typeof EVENTS;
export type EventPayload<T extends EventType> = z.infer<(typeof EVENTS)[T]['payload']>;
