/**
 * SQL of e-mail notifications on the API side: a user's preferences and digest time, the test mail, and
 * the mail log (notification_mails with the events of each mail). The worker writes the other mails.
 */
import type { DbOrTx } from '@app/db';
import type { DigestSchedule, MailKind, NotificationDelivery, NotificationKind } from '@app/domain';
import { sql } from 'kysely';

export async function findUserContact(db: DbOrTx, tenantId: string, userId: string) {
  return db
    .selectFrom('sys_users')
    .select(['id', 'email', 'display_name', 'status'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', userId)
    .executeTakeFirst();
}

export async function listPreferences(db: DbOrTx, userId: string) {
  return db.selectFrom('notification_preferences').select(['kind', 'delivery']).where('user_id', '=', userId).execute();
}

export async function findDigestSettings(db: DbOrTx, userId: string) {
  return db
    .selectFrom('notification_digest_settings')
    .select(['frequency', 'hour'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/** Replace a user's preferences: the given kinds are stored, the others go back to their default. */
export async function replacePreferences(
  trx: DbOrTx,
  userId: string,
  kinds: Partial<Record<NotificationKind, NotificationDelivery>>,
  digest: DigestSchedule,
): Promise<void> {
  await trx.deleteFrom('notification_preferences').where('user_id', '=', userId).execute();
  const rows = Object.entries(kinds)
    .filter((e): e is [NotificationKind, NotificationDelivery] => e[1] !== undefined)
    .map(([kind, delivery]) => ({ user_id: userId, kind, delivery }));
  if (rows.length > 0) await trx.insertInto('notification_preferences').values(rows).execute();
  await trx
    .insertInto('notification_digest_settings')
    .values({ user_id: userId, frequency: digest.frequency, hour: digest.hour })
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet({ frequency: digest.frequency, hour: digest.hour, updated_at: sql`now()` }),
    )
    .execute();
}

export async function insertMail(
  trx: DbOrTx,
  m: { userId: string; to: string; kind: MailKind; subject: string; text: string; html: string },
): Promise<string> {
  const r = await trx
    .insertInto('notification_mails')
    .values({ user_id: m.userId, to_address: m.to, mail_kind: m.kind, subject: m.subject, text_body: m.text, html_body: m.html })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export type MailQuery = { userId?: string; status?: string; kind?: string; before?: string; limit: number };

/** Newest first (keyset on id); per user, the walk follows notification_mails_user_idx. */
export async function listMails(db: DbOrTx, q: MailQuery) {
  let query = db
    .selectFrom('notification_mails')
    .select([
      'id',
      'user_id',
      'to_address',
      'mail_kind',
      'subject',
      'status',
      'attempts',
      'last_error',
      'next_attempt_at',
      'smtp_message_id',
      'created_at',
      'sent_at',
      'failed_at',
    ])
    .orderBy('id', 'desc')
    .limit(q.limit);
  if (q.userId) query = query.where('user_id', '=', q.userId);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.kind) query = query.where('mail_kind', '=', q.kind);
  if (q.before) query = query.where('id', '<', q.before);
  return query.execute();
}
export type MailRow = Awaited<ReturnType<typeof listMails>>[number];

/** The events each of `mailIds` covers, in the order they happened. */
export async function eventsOfMails(db: DbOrTx, mailIds: string[]) {
  if (mailIds.length === 0) return [];
  return db
    .selectFrom('notification_items')
    .select(['mail_id', 'event_id', 'event_type', 'kind', 'occurred_at'])
    .where('mail_id', 'in', mailIds)
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
}
