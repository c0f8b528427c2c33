/**
 * Sending one mail over SMTP (nodemailer's SMTP transport, a new connection per mail: notifications are
 * few, and a connection that cannot outlive an outage is one thing less to go stale). Every step has its
 * timeout, so a server that hangs fails the try instead of the job.
 */
import type { Config } from '@app/config';
import nodemailer from 'nodemailer';

export type OutgoingMail = { id: string; to: string; subject: string; text: string; html: string; createdAt: Date };

export type Mailer = {
  /** Hand the mail to the SMTP server; resolves with the Message-ID it was sent under. */
  send(mail: OutgoingMail): Promise<{ messageId: string | null }>;
  close(): void;
};

export type SmtpSettings = Pick<Config, 'SMTP_PORT' | 'SMTP_SECURE'> & {
  SMTP_HOST: string;
  SMTP_FROM: string;
  SMTP_USER?: string | undefined;
  SMTP_PASSWORD?: string | undefined;
};

/** The SMTP settings of `config`, or null when e-mail is off (no SMTP_HOST). */
export function smtpSettings(
  config: Partial<Pick<Config, 'SMTP_HOST' | 'SMTP_PORT' | 'SMTP_SECURE' | 'SMTP_USER' | 'SMTP_PASSWORD' | 'SMTP_FROM'>>,
): SmtpSettings | null {
  if (!config.SMTP_HOST || !config.SMTP_FROM) return null;
  return {
    SMTP_HOST: config.SMTP_HOST,
    SMTP_PORT: config.SMTP_PORT ?? 587,
    SMTP_SECURE: config.SMTP_SECURE ?? false,
    SMTP_FROM: config.SMTP_FROM,
    SMTP_USER: config.SMTP_USER,
    SMTP_PASSWORD: config.SMTP_PASSWORD,
  };
}

/** Connect, greeting and idle-socket limits of one SMTP conversation (all within the job's 30 s). */
export const SMTP_TIMEOUTS = { connectionMs: 10_000, greetingMs: 10_000, socketMs: 20_000 } as const;

/** The sender's domain, for Message-IDs (`Name <a@b>` or `a@b`). */
const domainOf = (from: string) => /@([^\s<>@]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';

export function createSmtpMailer(s: SmtpSettings): Mailer {
  const transport = nodemailer.createTransport({
    host: s.SMTP_HOST,
    port: s.SMTP_PORT,
    secure: s.SMTP_SECURE,
    ...(s.SMTP_USER && s.SMTP_PASSWORD ? { auth: { user: s.SMTP_USER, pass: s.SMTP_PASSWORD } } : {}),
    connectionTimeout: SMTP_TIMEOUTS.connectionMs,
    greetingTimeout: SMTP_TIMEOUTS.greetingMs,
    socketTimeout: SMTP_TIMEOUTS.socketMs,
    dnsTimeout: SMTP_TIMEOUTS.connectionMs,
  });
  const domain = domainOf(s.SMTP_FROM);
  return {
    async send(mail) {
      const info = await transport.sendMail({
        from: s.SMTP_FROM,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        // The same on every try of this mail: a mail sent twice (the server took it, then this process died
        // before marking it) is recognisable as one by the mail client.
        messageId: `<notification-${mail.id}.${mail.createdAt.getTime().toString(36)}@${domain}>`,
        headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
      });
      return { messageId: typeof info.messageId === 'string' ? info.messageId : null };
    },
    close: () => transport.close(),
  };
}

/**
 * What a failed try means:
 * - `outage`: the server could not be reached, or refused us as a whole (login, TLS, greeting): not the
 *   mail's fault — it waits without spending a try, and the failure counts against the smtp breaker;
 * - `retry`: the server refused this mail for now (4xx to its envelope or content): the mail spends a try;
 * - `reject`: the server refused this mail for good (5xx to its envelope or content): failed at once.
 */
export type SmtpFailure = 'outage' | 'retry' | 'reject';

export function classifySmtpError(err: unknown): SmtpFailure {
  const e = err as { code?: unknown; responseCode?: unknown };
  const messageLevel = e.code === 'EENVELOPE' || e.code === 'EMESSAGE';
  if (!messageLevel || typeof e.responseCode !== 'number') return 'outage';
  return e.responseCode >= 500 ? 'reject' : 'retry';
}

/** One line for the mail log: the code, the server's answer or the message. */
export function smtpErrorText(err: unknown): string {
  const e = err as { code?: unknown; response?: unknown; message?: unknown };
  const text = typeof e.response === 'string' && e.response ? e.response : String(e.message ?? err);
  return `${typeof e.code === 'string' ? `${e.code}: ` : ''}${text}`.replace(/\s+/g, ' ').slice(0, 1000);
}
