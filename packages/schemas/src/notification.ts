import {
  DIGEST_FREQUENCIES,
  MAIL_KINDS,
  NOTIFICATION_DELIVERIES,
  NOTIFICATION_KIND_NAMES,
  type NotificationKind,
} from '@app/domain/browser';
import { z } from 'zod';

export const notificationKind = z.enum(NOTIFICATION_KIND_NAMES as [NotificationKind, ...NotificationKind[]]);
export const delivery = z.enum(NOTIFICATION_DELIVERIES);
export const digestSchedule = z.strictObject({
  frequency: z.enum(DIGEST_FREQUENCIES),
  /** The Asia/Taipei hour of a daily digest (an hourly one ignores it). */
  hour: z.number().int().min(0, 'an hour 0-23 (Asia/Taipei)').max(23, 'an hour 0-23 (Asia/Taipei)'),
});

/** Every kind, each optional: a kind left out takes the default (immediate). */
const kindsShape = Object.fromEntries(NOTIFICATION_KIND_NAMES.map((k) => [k, delivery.optional()])) as Record<
  NotificationKind,
  z.ZodOptional<typeof delivery>
>;

export const putPreferencesBody = z.strictObject({
  kinds: z.strictObject(kindsShape),
  /** Left out: daily at 08:00 Asia/Taipei. */
  digest: digestSchedule.optional(),
});
export type PutPreferencesInput = z.infer<typeof putPreferencesBody>;

export const preferencesView = z.object({
  userId: z.string(),
  /** Where the mails go (set by an administrator); null: the user gets none. */
  email: z.string().nullable(),
  /** Whether this stack sends e-mail at all (SMTP_HOST set). */
  emailEnabled: z.boolean(),
  kinds: z.object(
    Object.fromEntries(NOTIFICATION_KIND_NAMES.map((k) => [k, delivery])) as Record<NotificationKind, typeof delivery>,
  ),
  digest: z.object({ frequency: z.enum(DIGEST_FREQUENCIES), hour: z.number().int() }),
  /** The kinds the user's permissions let them receive (the data scope then decides per event). */
  permittedKinds: z.array(notificationKind),
});
export type PreferencesView = z.infer<typeof preferencesView>;

export const mailStatus = z.enum(['queued', 'sending', 'sent', 'failed']);

export const mailView = z.object({
  id: z.string(),
  userId: z.string(),
  to: z.string(),
  kind: z.enum(MAIL_KINDS),
  subject: z.string(),
  status: mailStatus,
  /** SMTP tries the server answered (refusals and the success). */
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  smtpMessageId: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  failedAt: z.string().nullable(),
  /** The events the mail covers (none for a test mail). */
  events: z.array(z.object({ eventId: z.string(), eventType: z.string(), kind: z.string(), occurredAt: z.string() })),
});
export type MailView = z.infer<typeof mailView>;
export const mailPage = z.object({ items: z.array(mailView), nextCursor: z.string().nullable() });

const cursor = z
  .string()
  .regex(/^\d{1,19}$/, 'a cursor from a previous page')
  .optional();
const limit = z.coerce.number().int().min(1).max(200).default(50);

export const ownMailsQuery = z.strictObject({ cursor, limit });
export const listMailsQuery = z.strictObject({
  userId: z.uuid({ error: 'must be a UUID' }).optional(),
  status: mailStatus.optional(),
  kind: z.enum(MAIL_KINDS).optional(),
  cursor,
  limit,
});
export type ListMailsQuery = z.infer<typeof listMailsQuery>;

export const testMailView = z.object({ mailId: z.string(), to: z.string(), status: z.literal('queued') });
