/**
 * The e-mail notification jobs (docs/notifications.md):
 * - `notification.send` drains due mails from notification_mails: claims a batch (SKIP LOCKED, leased),
 *   sends each over SMTP through the `smtp` circuit breaker, and marks it sent together with its
 *   ClientNotificationSent event. While the server is unreachable (or refuses the login) mails wait without
 *   spending a try; once the breaker is open, runs leave the queue alone until it lets a probe through.
 *   A refusal of the mail itself spends a try (1 min, 5 min, 15 min, 1 h, 4 h), a permanent one (5xx) or the
 *   sixth marks it failed.
 * - `notification.digest` makes each user's digest mail once it is due (every hour, or daily at their hour
 *   Asia/Taipei), from the items recorded before that time.
 */
import type { Database } from '@app/db';
import { DEFAULT_DIGEST, type DigestSchedule, digestDueAt, type Notification, renderDigestMail } from '@app/domain';
import {
  addJob,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitBreakerRegistry,
  circuitBreakers,
  isCircuitOpenError,
  type JobHandler,
  type Queues,
} from '@app/jobs';
import { classifySmtpError, type Mailer, smtpErrorText } from '../notification/mailer.ts';
import {
  attachItems,
  claimDueMails,
  insertMail,
  lockWaitingDigestItems,
  markSent,
  markTryFailed,
  releaseMails,
  usersWithWaitingDigest,
} from '../notification/notification.repository.ts';

/** Delay before the mail's next try after its n-th refused try (n = 1…); after the last, it has failed. */
export const MAIL_RETRY_DELAYS_MS = [60_000, 300_000, 900_000, 3_600_000, 14_400_000] as const;
/** How long a mail whose try could not reach the server waits (no try spent). */
export const MAIL_OUTAGE_DELAY_MS = 30_000;
/**
 * A run stops taking new mails after this long: with one conversation cut off at callTimeoutMs (20 s), a run
 * ends within the job's timeout (JOB_TIMEOUT_MS, 30 s by default).
 */
const RUN_BUDGET_MS = 8_000;

/** The `smtp` breaker: 3 outages in a row open it for 30 s. */
export const SMTP_BREAKER_OPTIONS = {
  name: 'smtp',
  failureThreshold: 3,
  openMs: 30_000,
  // A conversation still running after this (each step has its own SMTP timeout) is abandoned as a failure.
  callTimeoutMs: 20_000,
  // A refusal of one mail is an answer: only an unreachable server (or a refused login) is an outage.
  isFailure: (err: unknown) => classifySmtpError(err) === 'outage',
} as const satisfies CircuitBreakerOptions;

/** The breaker all SMTP calls of a process go through (from `registry`, default the process's breakers). */
export const smtpBreaker = (registry: CircuitBreakerRegistry = circuitBreakers): CircuitBreaker =>
  registry.get(SMTP_BREAKER_OPTIONS);

/**
 * Ask for a notification.send run now (after mails were queued). At most one per second (the job id);
 * best effort: the schedule drains the queue anyway.
 */
export function kickNotificationSend(queues: Queues, log?: { debug(obj: object, msg?: string): void }): () => Promise<void> {
  return async () => {
    try {
      await addJob(queues, 'notification.send', {}, { jobId: `notification-send-${Math.floor(Date.now() / 1000)}` });
    } catch (err) {
      log?.debug({ err }, 'could not ask for a notification.send run; the schedule will send the mail');
    }
  };
}

export function createNotificationSendHandler(deps: {
  db: Database;
  /** Null: e-mail is off (no SMTP_HOST); mails stay queued. */
  mailer: Mailer | null;
  /** The breaker to use (tests); else the `smtp` breaker of `breakers`, made on first use. */
  breaker?: CircuitBreaker;
  breakers?: CircuitBreakerRegistry;
  batchSize?: number;
  leaseMs?: number;
  retryDelaysMs?: readonly number[];
  outageDelayMs?: number;
}): JobHandler<'notification.send'> {
  const delays = deps.retryDelaysMs ?? MAIL_RETRY_DELAYS_MS;
  const outageDelay = deps.outageDelayMs ?? MAIL_OUTAGE_DELAY_MS;
  return async (_payload, { signal, log }) => {
    const mailer = deps.mailer;
    if (!mailer) return 'skipped';
    const breaker = deps.breaker ?? smtpBreaker(deps.breakers);
    const started = Date.now();
    let sent = 0;
    for (;;) {
      signal.throwIfAborted();
      // An open breaker: leave the mails queued; a later run (the schedule) tries again.
      if (breaker.state() === 'open') break;
      const batch = await claimDueMails(deps.db, { limit: deps.batchSize ?? 20, leaseMs: deps.leaseMs ?? 120_000 });
      if (batch.length === 0) break;
      /** Give the mails from the i-th on back, untouched (no try spent), due at once. */
      const giveBack = (i: number) =>
        releaseMails(
          deps.db,
          batch.slice(i).map((m) => m.id),
          { delayMs: 0 },
        );
      for (const [i, mail] of batch.entries()) {
        if (Date.now() - started > RUN_BUDGET_MS || signal.aborted) {
          // Out of time: the rest of the batch is for the next run.
          await giveBack(i);
          return sent > 0 ? 'done' : 'skipped';
        }
        try {
          const info = await breaker.run(() =>
            mailer.send({
              id: mail.id,
              to: mail.to_address,
              subject: mail.subject,
              text: mail.text_body,
              html: mail.html_body,
              createdAt: mail.created_at,
            }),
          );
          if (await markSent(deps.db, mail, info.messageId)) sent++;
          else log.warn({ mailId: mail.id }, 'notification mail sent after its lease ran out; another run had taken it');
        } catch (err) {
          if (isCircuitOpenError(err)) {
            // The breaker opened: this mail and the rest of the batch wait for it to close.
            await giveBack(i);
            log.info({ breaker: breaker.name, left: batch.length - i }, 'SMTP breaker open; mails stay queued');
            return sent > 0 ? 'done' : 'skipped';
          }
          const failure = classifySmtpError(err);
          const error = smtpErrorText(err);
          if (failure === 'outage') {
            await releaseMails(deps.db, [mail.id], { delayMs: outageDelay, error });
            log.warn({ mailId: mail.id, error }, 'SMTP server unreachable; the mail waits without spending a try');
            continue;
          }
          const tries = mail.attempts + 1;
          const final = failure === 'reject' || tries > delays.length;
          await markTryFailed(deps.db, mail.id, { error, final, delayMs: final ? 0 : (delays[tries - 1] ?? 0) });
          log[final ? 'warn' : 'info'](
            { mailId: mail.id, tries, error },
            final ? 'notification mail failed for good' : 'notification mail refused; retrying later',
          );
        }
      }
      if (Date.now() - started > RUN_BUDGET_MS) break;
    }
    return sent > 0 ? 'done' : 'skipped';
  };
}

export function createNotificationDigestHandler(deps: {
  db: Database;
  /** Null: e-mail is off; items keep waiting. */
  publicUrl: string | null;
  now?: () => Date;
  /** Ask for a notification.send run after digests were queued. */
  kick?: () => Promise<void>;
}): JobHandler<'notification.digest'> {
  return async (_payload, { signal }) => {
    if (!deps.publicUrl) return 'skipped';
    const publicUrl = deps.publicUrl;
    const now = deps.now?.() ?? new Date();
    const users = await usersWithWaitingDigest(deps.db, DEFAULT_DIGEST);
    let made = 0;
    for (const u of users) {
      signal.throwIfAborted();
      const schedule: DigestSchedule = { frequency: u.frequency, hour: u.hour };
      const dueAt = digestDueAt(now, schedule);
      const queued = await deps.db.transaction().execute(async (trx) => {
        const items = await lockWaitingDigestItems(trx, u.user_id, dueAt);
        if (items.length === 0) return false;
        const m = renderDigestMail(
          items.map((i) => ({
            notification: { kind: i.kind, facts: i.facts } as Notification,
            occurredAt: i.occurred_at.toISOString(),
          })),
          {
            publicUrl,
            recipientName: u.display_name,
            since: (items[0]?.occurred_at ?? dueAt).toISOString(),
            until: dueAt.toISOString(),
          },
        );
        const mailId = await insertMail(trx, { userId: u.user_id, to: u.email, kind: 'digest', ...m });
        await attachItems(
          trx,
          items.map((i) => i.id),
          mailId,
        );
        return true;
      });
      if (queued) made++;
    }
    if (made > 0) await deps.kick?.();
    return made > 0 ? 'done' : 'skipped';
  };
}
