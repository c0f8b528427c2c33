/**
 * The outbox subscriber of e-mail notifications: an event of a notifying kind (docs/notifications.md)
 * becomes, for each recipient — active, with an address, holding one of the kind's permissions, the event
 * in their data scope, the kind not turned off — one item, and for `immediate` delivery its own mail, in
 * one transaction. An item is unique per (user, event), so an event delivered again adds nothing: no
 * second mail. `digest` items wait for notification.digest. Sending is notification.send's.
 */
import type { Database } from '@app/db';
import { renderNotificationMail } from '@app/domain';
import type { Logger } from '@app/logger';
import type { EventSubscriber } from '../subscribers.ts';
import { notificationOf } from './facts.ts';
import { attachItems, findRecipients, insertItems, insertMail } from './notification.repository.ts';

export type NotificationSubscriberDeps = {
  db: Database;
  log: Pick<Logger, 'warn'>;
  /** APP_PUBLIC_URL: the mails link into the web app. */
  publicUrl: string;
  /** Ask for a notification.send run soon (best effort: the schedule drains the queue anyway). */
  kick?: () => Promise<void>;
};

export function notificationSubscriber(deps: NotificationSubscriberDeps): EventSubscriber {
  const { db } = deps;
  return async (event) => {
    const n = await notificationOf(db, event);
    if (n === null) return;
    if ('invalid' in n) {
      // A payload the catalogue does not accept will not change on a retry: say so, and let the event go.
      deps.log.warn(
        { eventId: event.eventId, eventType: event.type, error: n.invalid },
        'notification: event payload not as catalogued; no mail',
      );
      return;
    }
    const excluded = new Set(n.exclude ?? []);
    const recipients = (await findRecipients(db, n.kind, n.audience)).filter((r) => !excluded.has(r.userId));
    if (recipients.length === 0) return;
    const byUser = new Map(recipients.map((r) => [r.userId, r]));
    const mails = await db.transaction().execute(async (trx) => {
      const created = await insertItems(
        trx,
        recipients.map((r) => ({
          userId: r.userId,
          eventId: event.eventId,
          eventType: event.type,
          kind: n.kind,
          delivery: r.delivery,
          facts: n.notification.facts,
          occurredAt: event.occurredAt,
        })),
      );
      let queued = 0;
      for (const item of created) {
        if (item.delivery !== 'immediate') continue;
        const r = byUser.get(item.user_id);
        if (!r) continue;
        const m = renderNotificationMail(n.notification, { publicUrl: deps.publicUrl, recipientName: r.displayName });
        const mailId = await insertMail(trx, { userId: r.userId, to: r.email, kind: 'immediate', ...m });
        await attachItems(trx, [item.id], mailId);
        queued++;
      }
      return queued;
    });
    if (mails > 0) await deps.kick?.();
  };
}
