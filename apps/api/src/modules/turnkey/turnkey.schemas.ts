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
