/**
 * The worker's SQL for e-mail notifications (tables: db/migrations/20261121141000_create_notifications.sql):
 * who receives an event, its items and mails, claiming due mails, marking them, and the digests.
 */
import type { Database, DbOrTx, Tx } from '@app/db';
import { type MailKind, NOTIFICATION_KINDS, type NotificationKind } from '@app/domain';
import { appendOutbox } from '@app/jobs';
import { sql } from 'kysely';

export type Recipient = { userId: string; email: string; displayName: string; delivery: 'immediate' | 'digest' };

/**
 * What an event is about, for the data-scope check: a site (and its seller), a seller alone (`siteId`
 * null), or every seller (`all`: only users whose scope is all).
 */
export type Audience = { sellerId: string; siteId: string | null } | 'all';

/**
 * The active users with an e-mail address who hold one of the kind's permissions (through a role), whose
 * data scope covers the audience, and who have not turned the kind off; each with their delivery. A seller
 * alone is covered by `all`, the seller, or one of its sites (as the API shows sellers and their Turnkey
 * messages); a site by `all`, its seller, or the site itself; `all` by `all` only.
 */
export async function findRecipients(db: DbOrTx, kind: NotificationKind, audience: Audience): Promise<Recipient[]> {
  const permissions = NOTIFICATION_KINDS[kind].permissions as readonly string[];
  let scope = sql<boolean>`EXISTS (SELECT 1 FROM sys_data_scopes s
                                   WHERE s.subject_type = 'user' AND s.subject_id = u.id AND s.scope_type = 'all')`;
  if (audience !== 'all') {
    const { sellerId, siteId } = audience;
    const site =
      siteId === null
        ? sql`(s.scope_type = 'site' AND s.scope_ref IN (SELECT id::text FROM sites WHERE seller_id = ${sellerId}))`
        : sql`(s.scope_type = 'site' AND s.scope_ref = ${siteId})`;
    scope = sql<boolean>`EXISTS (
      SELECT 1 FROM sys_data_scopes s
       WHERE s.subject_type = 'user' AND s.subject_id = u.id
         AND (s.scope_type = 'all' OR (s.scope_type = 'seller' AND s.scope_ref = ${sellerId}) OR ${site}))`;
  }
  const r = await sql<{ user_id: string; email: string; display_name: string; delivery: 'immediate' | 'digest' }>`
    SELECT u.id AS user_id, u.email, u.display_name, coalesce(p.delivery, 'immediate') AS delivery
      FROM sys_users u
      LEFT JOIN notification_preferences p ON p.user_id = u.id AND p.kind = ${kind}
     WHERE u.status = 'active'
       AND u.email IS NOT NULL AND u.email <> ''
       AND coalesce(p.delivery, 'immediate') <> 'off'
       AND EXISTS (SELECT 1 FROM sys_user_roles ur
                     JOIN sys_role_permissions rp ON rp.role_id = ur.role_id
                    WHERE ur.user_id = u.id AND rp.permission_code IN (${sql.join(permissions)}))
       AND ${scope}
     ORDER BY u.id`.execute(db);
  return r.rows.map((x) => ({ userId: x.user_id, email: x.email, displayName: x.display_name, delivery: x.delivery }));
}

export type SellerRow = { id: string; ban: string; name: string };
export type SiteRow = { id: string; code: string; name: string; seller_id: string };

export async function findSeller(db: DbOrTx, id: string): Promise<SellerRow | undefined> {
  return db.selectFrom('sellers').select(['id', 'ban', 'name']).where('id', '=', id).executeTakeFirst();
}

export async function findSite(db: DbOrTx, id: string): Promise<SiteRow | undefined> {
  return db.selectFrom('sites').select(['id', 'code', 'name', 'seller_id']).where('id', '=', id).executeTakeFirst();
}

/** The body of an operations report (sys_ops_reports), or undefined when it is gone. */
export async function findOpsReportBody(db: DbOrTx, id: string): Promise<unknown> {
  const r = await db.selectFrom('sys_ops_reports').select('body').where('id', '=', id).executeTakeFirst();
  return r?.body;
}

export type NewItem = {
  userId: string;
  eventId: string;
  eventType: string;
  kind: NotificationKind;
  delivery: 'immediate' | 'digest';
  facts: unknown;
  occurredAt: Date;
};

/** Record the items of one event; an item already there (the event delivered again) is left alone. Returns the new ones. */
export async function insertItems(trx: Tx, items: NewItem[]): Promise<{ id: string; user_id: string; delivery: string }[]> {
  if (items.length === 0) return [];
  return trx
    .insertInto('notification_items')
    .values(
      items.map((i) => ({
        user_id: i.userId,
        event_id: i.eventId,
        event_type: i.eventType,
        kind: i.kind,
        delivery: i.delivery,
        facts: JSON.stringify(i.facts),
        occurred_at: i.occurredAt,
      })),
    )
    .onConflict((oc) => oc.columns(['user_id', 'event_id']).doNothing())
    .returning(['id', 'user_id', 'delivery'])
    .execute();
}

export type NewMail = { userId: string; to: string; kind: MailKind; subject: string; text: string; html: string };

/** Queue a mail (it is sent by notification.send); returns its id. */
export async function insertMail(trx: DbOrTx, m: NewMail): Promise<string> {
  const r = await trx
    .insertInto('notification_mails')
    .values({ user_id: m.userId, to_address: m.to, mail_kind: m.kind, subject: m.subject, text_body: m.text, html_body: m.html })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function attachItems(trx: Tx, itemIds: string[], mailId: string): Promise<void> {
  if (itemIds.length === 0) return;
  await trx.updateTable('notification_items').set({ mail_id: mailId }).where('id', 'in', itemIds).execute();
}

export type ClaimedMail = {
  id: string;
  user_id: string;
  to_address: string;
  mail_kind: MailKind;
  subject: string;
  text_body: string;
  html_body: string;
  attempts: number;
  created_at: Date;
};

/**
 * Claim up to `limit` due mails (`FOR UPDATE SKIP LOCKED`, so several workers share the queue): they become
 * `sending`, leased until now + leaseMs — if this process dies, they come due again then. Commits at once;
 * the SMTP conversation runs outside any transaction.
 */
export async function claimDueMails(db: Database, opts: { limit: number; leaseMs: number }): Promise<ClaimedMail[]> {
  const r = await sql<ClaimedMail>`
    UPDATE notification_mails m
       SET status = 'sending', next_attempt_at = now() + make_interval(secs => ${opts.leaseMs / 1000}), updated_at = now()
     WHERE m.id IN (SELECT c.id FROM notification_mails c
                     WHERE c.status IN ('queued', 'sending') AND c.next_attempt_at <= now()
                     ORDER BY c.next_attempt_at, c.id
                     LIMIT ${opts.limit}
                     FOR UPDATE SKIP LOCKED)
    RETURNING m.id, m.user_id, m.to_address, m.mail_kind, m.subject, m.text_body, m.html_body, m.attempts, m.created_at`.execute(
    db,
  );
  return r.rows.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
}

/**
 * The server took the mail: mark it sent and write its ClientNotificationSent event in one transaction.
 * False when the row was no longer ours (its lease ran out and another run took it).
 */
export async function markSent(db: Database, mail: ClaimedMail, smtpMessageId: string | null): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('notification_mails')
      .set({
        status: 'sent',
        sent_at: sql`now()`,
        attempts: sql`attempts + 1`,
        smtp_message_id: smtpMessageId,
        updated_at: sql`now()`,
      })
      .where('id', '=', mail.id)
      .where('status', '=', 'sending')
      .returning(['attempts', 'sent_at'])
      .executeTakeFirst();
    if (!row?.sent_at) return false;
    const items = await trx
      .selectFrom('notification_items')
      .select(['event_id', 'event_type', 'kind'])
      .where('mail_id', '=', mail.id)
      .orderBy('occurred_at')
      .orderBy('id')
      .execute();
    await appendOutbox(
      trx,
      'ClientNotificationSent',
      {
        mailId: mail.id,
        userId: mail.user_id,
        kind: mail.mail_kind,
        notificationKinds: [...new Set(items.map((i) => i.kind))],
        events: items.map((i) => ({ eventId: i.event_id, eventType: i.event_type })),
        attempts: row.attempts,
        smtpMessageId,
        sentAt: row.sent_at.toISOString(),
      },
      { aggregateType: 'notification_mail', aggregateId: mail.id },
    );
    return true;
  });
}

/**
 * A try the server answered with a refusal of this mail: it spends a try. `final` (a permanent refusal, or
 * the last try) marks it failed; otherwise it is due again after `delayMs`.
 */
export async function markTryFailed(
  db: Database,
  id: string,
  opts: { error: string; final: boolean; delayMs: number },
): Promise<void> {
  await db
    .updateTable('notification_mails')
    .set({
      attempts: sql`attempts + 1`,
      last_error: opts.error,
      status: opts.final ? 'failed' : 'queued',
      failed_at: opts.final ? sql`now()` : null,
      next_attempt_at: sql`now() + make_interval(secs => ${opts.delayMs / 1000})`,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .where('status', '=', 'sending')
    .execute();
}

/**
 * Give claimed mails back without spending a try (the SMTP server could not be reached, or its breaker is
 * open): due again after `delayMs`, with the error when there was one.
 */
export async function releaseMails(db: Database, ids: string[], opts: { delayMs: number; error?: string }): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('notification_mails')
    .set({
      status: 'queued',
      next_attempt_at: sql`now() + make_interval(secs => ${opts.delayMs / 1000})`,
      ...(opts.error === undefined ? {} : { last_error: opts.error }),
      updated_at: sql`now()`,
    })
    .where('id', 'in', ids)
    .where('status', '=', 'sending')
    .execute();
}

export type DigestUser = {
  user_id: string;
  email: string;
  display_name: string;
  frequency: 'hourly' | 'daily';
  hour: number;
};

/** The active users with an address who have items waiting for their digest, with their digest schedule. */
export async function usersWithWaitingDigest(db: DbOrTx, defaults: { frequency: string; hour: number }): Promise<DigestUser[]> {
  const r = await sql<DigestUser>`
    SELECT u.id AS user_id, u.email, u.display_name,
           coalesce(d.frequency, ${defaults.frequency}) AS frequency, coalesce(d.hour, ${defaults.hour})::int AS hour
      FROM sys_users u
      LEFT JOIN notification_digest_settings d ON d.user_id = u.id
     WHERE u.status = 'active' AND u.email IS NOT NULL AND u.email <> ''
       AND EXISTS (SELECT 1 FROM notification_items i
                    WHERE i.user_id = u.id AND i.delivery = 'digest' AND i.mail_id IS NULL)
     ORDER BY u.id`.execute(db);
  return r.rows;
}

export type DigestItem = { id: string; kind: NotificationKind; facts: unknown; occurred_at: Date };

/** Lock a user's items recorded before `before` that wait for a digest (another run's are skipped). */
export async function lockWaitingDigestItems(trx: Tx, userId: string, before: Date): Promise<DigestItem[]> {
  const r = await sql<DigestItem>`
    SELECT id, kind, facts, occurred_at FROM notification_items
     WHERE user_id = ${userId} AND delivery = 'digest' AND mail_id IS NULL AND created_at < ${before}
     ORDER BY occurred_at, id
     FOR UPDATE SKIP LOCKED`.execute(trx);
  return r.rows;
}
