import { z } from 'zod';

export const MESSAGE_STATUSES = ['pending', 'delivered', 'accepted', 'rejected', 'invalid', 'dead'] as const;

export const turnkeyMessageView = z.object({
  id: z.string(),
  messageType: z.string(),
  identifier: z.string(),
  status: z.enum(MESSAGE_STATUSES),
  attempts: z.number(),
  fileName: z.string().nullable(),
  /** Why it could not be handed off (builder or XSD message, write error). */
  lastError: z.string().nullable(),
  /** The platform's or Turnkey's code of a rejection, and its text (Chinese | English | detail). */
  resultCode: z.string().nullable(),
  resultMessage: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  resultAt: z.string().nullable(),
});
export type TurnkeyMessageView = z.infer<typeof turnkeyMessageView>;

export const listTurnkeyMessagesQuery = z.strictObject({
  /** Default: the ones that need staff — rejected, invalid and dead. */
  status: z.enum([...MESSAGE_STATUSES, 'attention']).default('attention'),
  messageType: z.enum(['F0401', 'F0501', 'F0701', 'G0401', 'G0501', 'G0701', 'E0401', 'E0402']).optional(),
  /** Keyset cursor: messages with a smaller id. */
  before: z
    .string()
    .regex(/^\d{1,18}$/, 'an id from a previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const resendParams = z.strictObject({
  number: z.string().regex(/^[A-Z]{2}\d{8}$/, 'an invoice number like AB12345678'),
});

export const resendBody = z.strictObject({
  /** Only these messages of the invoice (ids from the list); default: every rejected, invalid or dead one. */
  messageIds: z
    .array(z.string().regex(/^\d{1,18}$/))
    .max(100)
    .optional(),
});

const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day like 2026-11-21')
  .refine((d) => {
    const t = Date.parse(`${d}T00:00:00Z`);
    return Number.isFinite(t) && new Date(t).toISOString().startsWith(d);
  }, 'not a calendar day');

export const listReconciliationsQuery = z
  .strictObject({
    /** First and last day (Asia/Taipei), inclusive; default the 30 days up to today. */
    from: isoDay.optional(),
    to: isoDay.optional(),
    /** Only the rows with differences. */
    differing: z.enum(['true', 'false']).optional(),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

export const reconciliationDifferenceView = z.object({
  kind: z.enum([
    'no_summary',
    'count_mismatch',
    'accepted_but_failed',
    'good_not_accepted',
    'missing_from_summary',
    'unknown_to_us',
  ]),
  identifier: z.string().nullable(),
  messageId: z.string().nullable(),
  sellerId: z.string().nullable(),
  /** The summary's sending party (BAN). */
  partyId: z.string().nullable(),
  ourStatus: z.string().nullable(),
  theirVerdict: z.enum(['good', 'failed']).nullable(),
  detail: z.string(),
});

export const reconciliationView = z.object({
  day: z.string(),
  messageType: z.string(),
  summaryReceived: z.boolean(),
  /** Our hand-offs of the day (every seller: null unless the caller's data scope is all). */
  ours: z
    .object({
      handedOff: z.number(),
      accepted: z.number(),
      rejected: z.number(),
      waiting: z.number(),
      rejectedBeforeUpload: z.number(),
    })
    .nullable(),
  /** The SummaryResult's counts (null without a summary, or unless the caller's data scope is all). */
  theirs: z.object({ total: z.number(), good: z.number(), failed: z.number() }).nullable(),
  differing: z.boolean(),
  /** Each difference (a caller limited to some sellers sees only theirs). */
  differences: z.array(reconciliationDifferenceView),
  reconciledAt: z.string(),
});
export type ReconciliationView = z.infer<typeof reconciliationView>;
