/**
 * A real SMTP server for the notification tests (smtp-server on 127.0.0.1, plain SMTP with AUTH required),
 * keeping every message it accepts, and a small reader of the MIME messages nodemailer writes: headers
 * (RFC 2047 encoded words), multipart/alternative, base64 and quoted-printable parts.
 */
import { SMTPServer } from 'smtp-server';

export type ReceivedMail = {
  /** MAIL FROM and RCPT TO as the server saw them. */
  envelopeFrom: string;
  envelopeTo: string[];
  /** Who logged in for it. */
  user: string | undefined;
  raw: string;
  headers: Record<string, string>;
  subject: string;
  text: string;
  html: string;
};

export type TestSmtpServer = {
  port: number;
  mails: ReceivedMail[];
  /** Failed logins seen. */
  authFailures: number;
  stop(): Promise<void>;
};

export async function startSmtpServer(opts: {
  port?: number;
  user: string;
  password: string;
  /** Addresses answered 550 at RCPT TO (refused for good). */
  refuse?: ReadonlySet<string>;
  /** Addresses answered 451 at RCPT TO (refused for now). */
  defer?: ReadonlySet<string>;
  /** Where accepted messages go (default: a new list), e.g. one list across a stop and a restart. */
  into?: ReceivedMail[];
}): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = opts.into ?? [];
  const state = { authFailures: 0 };
  const server = new SMTPServer({
    secure: false,
    // Plain SMTP on the loopback: no STARTTLS (no certificate in the test), AUTH allowed without TLS.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: false,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === opts.user && auth.password === opts.password) return cb(null, { user: auth.username });
      state.authFailures++;
      return cb(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, cb) {
      const reject = (code: number, text: string) => cb(Object.assign(new Error(text), { responseCode: code }));
      if (opts.refuse?.has(address.address)) return reject(550, 'No such user here');
      if (opts.defer?.has(address.address)) return reject(451, 'Try again later');
      return cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom;
        mails.push({
          envelopeFrom: from ? from.address : '',
          envelopeTo: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          ...parseMime(raw),
          raw,
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    mails,
    get authFailures() {
      return state.authFailures;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Split a message (or part) into unfolded headers (lower-case names) and its body. */
function splitHead(raw: string): { headers: Record<string, string>; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (m) headers[(m[1] as string).toLowerCase()] = m[2] as string;
  }
  return { headers, body };
}

/** Quoted-printable to bytes (soft line breaks removed), read as UTF-8. */
function decodeQuotedPrintable(s: string): string {
  const soft = s.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i] as string;
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeBody(body: string, encoding: string | undefined): string {
  const enc = (encoding ?? '7bit').toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

/** A header with RFC 2047 encoded words (=?UTF-8?B?…?= / =?UTF-8?Q?…?=) decoded; adjacent words join. */
export function decodeHeader(v: string): string {
  return v
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, text: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

export function parseMime(raw: string): Pick<ReceivedMail, 'headers' | 'subject' | 'text' | 'html'> {
  const { headers, body } = splitHead(raw);
  const out = { headers, subject: decodeHeader(headers.subject ?? ''), text: '', html: '' };
  const walk = (h: Record<string, string>, b: string) => {
    const type = (h['content-type'] ?? 'text/plain').toLowerCase();
    const boundary = /boundary="?([^";]+)"?/i.exec(h['content-type'] ?? '')?.[1];
    if (type.startsWith('multipart/') && boundary) {
      const parts = b.split(`--${boundary}`).slice(1);
      for (const part of parts) {
        if (part.startsWith('--')) break;
        const p = splitHead(part.replace(/^\r?\n/, ''));
        walk(p.headers, p.body.replace(/\r?\n$/, ''));
      }
      return;
    }
    const decoded = decodeBody(b, h['content-transfer-encoding']);
    if (type.startsWith('text/html')) out.html += decoded;
    else if (type.startsWith('text/plain')) out.text += decoded;
  };
  walk(headers, body);
  return out;
}
