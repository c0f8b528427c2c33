/**
 * E-mail notifications (docs/notifications.md), the API's part: each signed-in user reads and replaces
 * their own preferences (per kind: off, immediate or digest; when their digest goes out) and can send
 * themselves a test mail; administrators (user.manage) read a user's preferences and the mail log. The
 * worker turns events into mails and sends them (apps/worker/src/notification/).
 */
import {
  DEFAULT_DELIVERY,
  DEFAULT_DIGEST,
  type DigestFrequency,
  DomainError,
  isNotificationKind,
  NOTIFICATION_KIND_NAMES,
  type NotificationDelivery,
  type NotificationKind,
  permittedKinds,
  renderTestMail,
} from '@app/domain';
import { addJob } from '@app/jobs';
import type { ListMailsQuery, MailView, PreferencesView, PutPreferencesInput } from '@app/schemas/notification';
import type { ModuleDeps } from '../../app.ts';
import type { RequestContext, Tx } from '../../context.ts';
import { callerScope } from '../../lib/scope-filter.ts';
import { permissionsOf } from '../auth/auth.repository.ts';
import {
  eventsOfMails,
  findDigestSettings,
  findUserContact,
  insertMail,
  listMails,
  listPreferences,
  type MailQuery,
  type MailRow,
  replacePreferences,
} from './notification.repository.ts';

type Deps = Pick<ModuleDeps, 'db' | 'tenant' | 'config' | 'queues' | 'log' | 'now'>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The signed-in user's id; machine clients have no mailbox. */
function selfId(ctx: RequestContext): string {
  const p = ctx.principal;
  if (!p) throw new DomainError('UNAUTHENTICATED', 'Not signed in.');
  if (p.kind !== 'user')
    throw new DomainError('FORBIDDEN', 'Notification preferences belong to users; a machine client has none.');
  return p.id;
}

export function createNotificationService(deps: Deps) {
  const { db, tenant, config } = deps;
  const emailEnabled = Boolean(config.SMTP_HOST);

  async function contact(dbOrTx: Tx | Deps['db'], userId: string) {
    const u = await findUserContact(dbOrTx, tenant.id, userId);
    if (!u) throw new DomainError('NOT_FOUND', `No user with id ${userId}.`);
    return u;
  }

  async function view(dbOrTx: Tx | Deps['db'], userId: string, permissions: ReadonlySet<string>): Promise<PreferencesView> {
    const [u, rows, digest] = await Promise.all([
      contact(dbOrTx, userId),
      listPreferences(dbOrTx, userId),
      findDigestSettings(dbOrTx, userId),
    ]);
    const stored = new Map(
      rows.filter((r) => isNotificationKind(r.kind)).map((r) => [r.kind, r.delivery as NotificationDelivery]),
    );
    return {
      userId,
      email: u.email,
      emailEnabled,
      kinds: Object.fromEntries(NOTIFICATION_KIND_NAMES.map((k) => [k, stored.get(k) ?? DEFAULT_DELIVERY])) as Record<
        NotificationKind,
        NotificationDelivery
      >,
      digest: digest ? { frequency: digest.frequency as DigestFrequency, hour: digest.hour } : { ...DEFAULT_DIGEST },
      permittedKinds: permittedKinds(permissions),
    };
  }

  /** Ask the worker to send now (best effort, after the commit; its schedule sends the mail anyway). */
  function kickSend() {
    addJob(deps.queues, 'notification.send', {}, { jobId: `notification-send-${Math.floor(Date.now() / 1000)}` }).catch((err) =>
      deps.log.debug({ err }, 'could not ask the worker for a notification.send run; its schedule will send the mail'),
    );
  }

  async function mailViews(rows: MailRow[]): Promise<MailView[]> {
    const events = await eventsOfMails(
      db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      to: r.to_address,
      kind: r.mail_kind as MailView['kind'],
      subject: r.subject,
      status: r.status as MailView['status'],
      attempts: r.attempts,
      lastError: r.last_error,
      nextAttemptAt: r.status === 'queued' || r.status === 'sending' ? r.next_attempt_at.toISOString() : null,
      smtpMessageId: r.smtp_message_id,
      createdAt: r.created_at.toISOString(),
      sentAt: iso(r.sent_at),
      failedAt: iso(r.failed_at),
      events: events
        .filter((e) => e.mail_id === r.id)
        .map((e) => ({ eventId: e.event_id, eventType: e.event_type, kind: e.kind, occurredAt: e.occurred_at.toISOString() })),
    }));
  }

  async function page(q: MailQuery) {
    const rows = await listMails(db, q);
    const items = await mailViews(rows);
    return { items, nextCursor: rows.length === q.limit ? (rows.at(-1)?.id ?? null) : null };
  }

  return {
    emailEnabled,

    async mine(ctx: RequestContext): Promise<PreferencesView> {
      const id = selfId(ctx);
      return view(db, id, ctx.principal?.permissions ?? new Set());
    },

    async replaceMine(trx: Tx, ctx: RequestContext, input: PutPreferencesInput): Promise<PreferencesView> {
      const id = selfId(ctx);
      const permissions = ctx.principal?.permissions ?? new Set<string>();
      const before = await view(trx, id, permissions);
      await replacePreferences(trx, id, input.kinds, input.digest ?? DEFAULT_DIGEST);
      const after = await view(trx, id, permissions);
      ctx.audit = {
        ...ctx.audit,
        target: { type: 'user', id },
        before: { kinds: before.kinds, digest: before.digest },
        after: { kinds: after.kinds, digest: after.digest },
      };
      return after;
    },

    /** Queue a test mail to the caller's own address (sent by the worker like any notification). */
    async sendTest(trx: Tx, ctx: RequestContext) {
      const id = selfId(ctx);
      if (!emailEnabled || !config.APP_PUBLIC_URL) {
        throw new DomainError('EMAIL_DISABLED', 'E-mail is off on this stack: SMTP_HOST is not set.');
      }
      const u = await contact(trx, id);
      if (!u.email) {
        throw new DomainError('EMAIL_ADDRESS_MISSING', 'You have no e-mail address; ask an administrator to set one.');
      }
      const m = renderTestMail({ publicUrl: config.APP_PUBLIC_URL, recipientName: u.display_name, at: deps.now().toISOString() });
      const mailId = await insertMail(trx, { userId: id, to: u.email, kind: 'test', ...m });
      ctx.audit = { ...ctx.audit, target: { type: 'notification_mail', id: mailId }, after: { to: u.email } };
      return { mailId, to: u.email, status: 'queued' as const };
    },
    kickSend,

    async myMails(ctx: RequestContext, q: { cursor?: string | undefined; limit: number }) {
      const id = selfId(ctx);
      return page({ userId: id, limit: q.limit, ...(q.cursor ? { before: q.cursor } : {}) });
    },

    /** Another user's preferences (administrators). */
    async ofUser(userId: string): Promise<PreferencesView> {
      return view(db, userId, await permissionsOf(db, 'user', userId));
    },

    /**
     * The mail log (administrators). Mails tell of every seller the recipient may see, so a caller limited to
     * some sellers or sites may not read it.
     */
    async list(ctx: RequestContext, q: ListMailsQuery) {
      if (!callerScope(ctx).all) {
        throw new DomainError('SCOPE_FORBIDDEN', 'The mail log spans every seller: it needs a data scope of all sellers.');
      }
      return page({
        limit: q.limit,
        ...(q.userId ? { userId: q.userId } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
        ...(q.cursor ? { before: q.cursor } : {}),
      });
    },
  };
}
