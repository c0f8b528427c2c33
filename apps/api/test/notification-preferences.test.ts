/**
 * The notification routes: each user's own preferences (GET/PUT /api/v1/me/notification-preferences, 4xx
 * naming the bad field), the test e-mail to oneself (it arrives at a real SMTP server), the mail log for
 * administrators (user.manage and a data scope of all), and a stack without SMTP_HOST saying e-mail is off.
 */
import { createCircuitBreakerRegistry } from '@app/jobs';
import { createLogger } from '@app/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotificationSendHandler } from '../../worker/src/jobs/notification.ts';
import { createSmtpMailer, smtpSettings } from '../../worker/src/notification/mailer.ts';
import { startRuntime } from '../../worker/src/runtime.ts';
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from '../../worker/test/smtp.ts';
import { createTestApp, type TestApp } from './helpers.ts';
import {
  createUser,
  emailEnv,
  jobContext,
  PASSWORD,
  PUBLIC_URL,
  SMTP_PASSWORD,
  SMTP_USER,
  testBreaker,
} from './notification-helpers.ts';

let t: TestApp;
let smtp: TestSmtpServer;
let admin: string;
let sellerA: string;
const ids: Record<string, string> = {};
const tokens: Record<string, string> = {};

beforeAll(async () => {
  smtp = await startSmtpServer({ user: SMTP_USER, password: SMTP_PASSWORD });
  t = await createTestApp(emailEnv(smtp.port));
  admin = (await t.login()).accessToken;
  const s = await t.call({
    method: 'POST',
    url: '/api/v1/sellers',
    token: admin,
    payload: { ban: '04595257', name: '甲公司', address: '台北市' },
  });
  sellerA = s.json().id;
  const role = await t.call({
    method: 'POST',
    url: '/api/v1/roles',
    token: admin,
    payload: { code: 'useradmin', name: 'User admin', permissions: ['user.manage'] },
  });
  expect(role.statusCode, role.body).toBe(201);
  ids.op = await createUser(t, admin, 'op-lin', {
    roles: ['operator'],
    scope: { all: true },
    email: 'op@example.com',
    displayName: '林小姐',
  });
  ids.nomail = await createUser(t, admin, 'nomail', { roles: ['auditor'], scope: { all: true } });
  ids.ua = await createUser(t, admin, 'user-admin', {
    roles: ['useradmin'],
    scope: { all: false, sellers: [sellerA] },
    email: 'ua@example.com',
  });
  for (const [key, name] of [
    ['op', 'op-lin'],
    ['nomail', 'nomail'],
    ['ua', 'user-admin'],
  ] as const) {
    tokens[key] = (await t.login(name, PASSWORD)).accessToken;
  }
});
afterAll(async () => {
  await smtp?.stop();
  await t?.close();
});

const me = (token: string) => t.call({ method: 'GET', url: '/api/v1/me/notification-preferences', token });
const put = (token: string, payload: unknown) =>
  t.call({ method: 'PUT', url: '/api/v1/me/notification-preferences', token, payload: payload as object });

async function send(): Promise<ReceivedMail[]> {
  const before = smtp.mails.length;
  const settings = smtpSettings(t.deps.config);
  if (!settings) throw new Error('e-mail is off');
  const mailer = createSmtpMailer(settings);
  try {
    await createNotificationSendHandler({ db: t.deps.db, mailer, breaker: testBreaker() })({}, jobContext());
  } finally {
    mailer.close();
  }
  return smtp.mails.slice(before);
}

describe('GET/PUT /api/v1/me/notification-preferences', () => {
  it('starts with every kind immediate and a daily digest at 08:00, and lists the kinds the permissions allow', async () => {
    const r = await me(tokens.op!);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({
      userId: ids.op,
      email: 'op@example.com',
      emailEnabled: true,
      kinds: {
        invoice_rejected: 'immediate',
        deadline_at_risk: 'immediate',
        track_low: 'immediate',
        certificate_expiring: 'immediate',
        webhook_dead: 'immediate',
        approval_requested: 'immediate',
        ops_slow_query: 'immediate',
      },
      digest: { frequency: 'daily', hour: 8 },
      permittedKinds: ['invoice_rejected', 'deadline_at_risk', 'track_low'],
    });
    expect((await me(tokens.nomail!)).json()).toMatchObject({ email: null, permittedKinds: ['invoice_rejected'] });
  });

  it('replaces them: listed kinds stored, the others back to immediate, the digest time as given; audited', async () => {
    const r = await put(tokens.op!, {
      kinds: { track_low: 'digest', invoice_rejected: 'off' },
      digest: { frequency: 'hourly', hour: 0 },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({
      kinds: { invoice_rejected: 'off', track_low: 'digest', deadline_at_risk: 'immediate' },
      digest: { frequency: 'hourly', hour: 0 },
    });
    expect((await me(tokens.op!)).json()).toEqual(r.json());
    const stored = await t.deps.db
      .selectFrom('notification_preferences')
      .select(['kind', 'delivery'])
      .where('user_id', '=', ids.op!)
      .orderBy('kind')
      .execute();
    expect(stored).toEqual([
      { kind: 'invoice_rejected', delivery: 'off' },
      { kind: 'track_low', delivery: 'digest' },
    ]);

    const again = await put(tokens.op!, { kinds: { deadline_at_risk: 'digest' } });
    expect(again.json()).toMatchObject({
      kinds: { invoice_rejected: 'immediate', track_low: 'immediate', deadline_at_risk: 'digest' },
      digest: { frequency: 'daily', hour: 8 },
    });
    const audit = await t.deps.db
      .selectFrom('sys_audit_logs')
      .select(['actor_id', 'target_id', 'summary'])
      .where('action', '=', 'notification.preferences_set')
      .where('outcome', '=', 'success')
      .orderBy('id')
      .execute();
    expect(audit).toHaveLength(2);
    expect(audit[1]).toMatchObject({
      actor_id: ids.op,
      target_id: ids.op,
      summary: {
        before: { kinds: { invoice_rejected: 'off', track_low: 'digest' }, digest: { frequency: 'hourly', hour: 0 } },
        after: { kinds: { invoice_rejected: 'immediate', deadline_at_risk: 'digest' }, digest: { frequency: 'daily', hour: 8 } },
      },
    });
  });

  it('refuses bad input with 400 naming the field, and changes nothing', async () => {
    const cases: [unknown, string][] = [
      [{ kinds: { invoice_accepted: 'immediate' } }, 'body.kinds.invoice_accepted'],
      [{ kinds: { track_low: 'weekly' } }, 'body.kinds.track_low'],
      [{ kinds: {}, digest: { frequency: 'daily', hour: 24 } }, 'body.digest.hour'],
      [{ kinds: {}, digest: { frequency: 'daily', hour: 7.5 } }, 'body.digest.hour'],
      [{ kinds: {}, digest: { frequency: 'weekly', hour: 8 } }, 'body.digest.frequency'],
      [{ kinds: {}, digest: { frequency: 'daily' } }, 'body.digest.hour'],
      [{ digest: { frequency: 'daily', hour: 8 } }, 'body.kinds'],
      [{ kinds: {}, email: 'x@example.com' }, 'body.email'],
    ];
    for (const [body, field] of cases) {
      const r = await put(tokens.op!, body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().code).toBe('VALIDATION_ERROR');
      expect(r.json().details.map((d: { field: string }) => d.field)).toContain(field);
    }
    const noKey = await t.call({
      method: 'PUT',
      url: '/api/v1/me/notification-preferences',
      token: tokens.op,
      idempotencyKey: null,
      payload: { kinds: {} },
    });
    expect(noKey.json()).toMatchObject({ statusCode: 400, code: 'IDEMPOTENCY_KEY_MISSING' });
    expect((await me(tokens.op!)).json().kinds.deadline_at_risk).toBe('digest');
  });

  it('is for users: a machine client has no preferences (403), and no token is 401', async () => {
    const pos = await t.clientToken();
    expect((await me(pos)).json()).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    expect((await t.call({ method: 'GET', url: '/api/v1/me/notification-preferences' })).statusCode).toBe(401);
  });

  it('stores every kind the API knows (the table once refused approval_requested)', async () => {
    const r = await put(tokens.nomail!, { kinds: { approval_requested: 'digest', ops_slow_query: 'off' } });
    expect(r.statusCode, r.body).toBe(200);
    expect((await me(tokens.nomail!)).json().kinds).toMatchObject({ approval_requested: 'digest', ops_slow_query: 'off' });
  });
});

describe('POST /api/v1/me/test-email', () => {
  it('queues a mail to the caller’s address, which arrives, and shows in their mail log', async () => {
    const r = await t.call({ method: 'POST', url: '/api/v1/me/test-email', token: tokens.op });
    expect(r.statusCode, r.body).toBe(202);
    expect(r.json()).toEqual({ mailId: expect.stringMatching(/^\d+$/), to: 'op@example.com', status: 'queued' });
    const mails = await send();
    expect(mails.map((m) => m.envelopeTo)).toEqual([['op@example.com']]);
    expect(mails[0]?.user).toBe(SMTP_USER);
    expect(mails[0]?.subject).toBe('【電子發票】測試信 | E-invoice: test e-mail');
    expect(mails[0]?.text).toContain('林小姐 您好');
    expect(mails[0]?.text).toContain('Hello 林小姐');
    expect(mails[0]?.text).toContain(`${PUBLIC_URL}/account`);

    const log = await t.call({ method: 'GET', url: '/api/v1/me/notification-mails', token: tokens.op });
    expect(log.statusCode, log.body).toBe(200);
    expect(log.json().items).toEqual([
      expect.objectContaining({
        id: r.json().mailId,
        userId: ids.op,
        to: 'op@example.com',
        kind: 'test',
        status: 'sent',
        attempts: 1,
        nextAttemptAt: null,
        events: [],
        subject: '【電子發票】測試信 | E-invoice: test e-mail',
      }),
    ]);
    const sent = await t.deps.db
      .selectFrom('sys_outbox')
      .select('payload')
      .where('event_type', '=', 'ClientNotificationSent')
      .where('aggregate_id', '=', r.json().mailId)
      .execute();
    expect(sent.map((s) => s.payload)).toEqual([
      expect.objectContaining({ userId: ids.op, kind: 'test', events: [], notificationKinds: [], attempts: 1 }),
    ]);
    // Another user's log does not show it.
    expect((await t.call({ method: 'GET', url: '/api/v1/me/notification-mails', token: tokens.nomail })).json().items).toEqual(
      [],
    );
  });

  it('answers 409 EMAIL_ADDRESS_MISSING to a user without an address', async () => {
    const r = await t.call({ method: 'POST', url: '/api/v1/me/test-email', token: tokens.nomail });
    expect(r.json()).toMatchObject({ statusCode: 409, code: 'EMAIL_ADDRESS_MISSING' });
  });
});

describe('administrators', () => {
  it('read a user’s preferences and the mail log (user.manage, data scope all), page by page', async () => {
    const prefs = await t.call({ method: 'GET', url: `/api/v1/users/${ids.op}/notification-preferences`, token: admin });
    expect(prefs.statusCode, prefs.body).toBe(200);
    expect(prefs.json()).toMatchObject({ userId: ids.op, kinds: { deadline_at_risk: 'digest' } });
    const missing = await t.call({
      method: 'GET',
      url: '/api/v1/users/00000000-0000-4000-8000-000000000000/notification-preferences',
      token: admin,
    });
    expect(missing.json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });

    await t.call({ method: 'POST', url: '/api/v1/me/test-email', token: tokens.op });
    await t.call({ method: 'POST', url: '/api/v1/me/test-email', token: tokens.ua });
    const all = await t.call({ method: 'GET', url: '/api/v1/notification-mails', token: admin });
    expect(all.statusCode, all.body).toBe(200);
    expect(all.json().items.map((m: { to: string; status: string }) => [m.to, m.status])).toEqual([
      ['ua@example.com', 'queued'],
      ['op@example.com', 'queued'],
      ['op@example.com', 'sent'],
    ]);
    const first = await t.call({ method: 'GET', url: `/api/v1/notification-mails?userId=${ids.op}&limit=1`, token: admin });
    expect(first.json().items).toHaveLength(1);
    expect(first.json().nextCursor).toBe(first.json().items[0].id);
    const second = await t.call({
      method: 'GET',
      url: `/api/v1/notification-mails?userId=${ids.op}&limit=1&cursor=${first.json().nextCursor}`,
      token: admin,
    });
    expect(second.json().items.map((m: { status: string }) => m.status)).toEqual(['sent']);
    const sentOnly = await t.call({ method: 'GET', url: '/api/v1/notification-mails?status=sent&kind=test', token: admin });
    expect(sentOnly.json().items).toHaveLength(1);
    const bad = await t.call({ method: 'GET', url: '/api/v1/notification-mails?status=lost&userId=x', token: admin });
    expect(
      bad
        .json()
        .details.map((d: { field: string }) => d.field)
        .sort(),
    ).toEqual(['querystring.status', 'querystring.userId']);
    await send();
  });

  it('need user.manage, and a data scope of all for the log', async () => {
    const log = await t.call({ method: 'GET', url: '/api/v1/notification-mails', token: tokens.op });
    expect(log.json()).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    const prefs = await t.call({ method: 'GET', url: `/api/v1/users/${ids.ua}/notification-preferences`, token: tokens.op });
    expect(prefs.json()).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    // A user administrator limited to one seller: preferences yes, the mail log (every seller's news) no.
    const scoped = await t.call({ method: 'GET', url: '/api/v1/notification-mails', token: tokens.ua });
    expect(scoped.json()).toMatchObject({ statusCode: 403, code: 'SCOPE_FORBIDDEN' });
    expect(
      (await t.call({ method: 'GET', url: `/api/v1/users/${ids.op}/notification-preferences`, token: tokens.ua })).statusCode,
    ).toBe(200);
  });
});

describe('a stack without SMTP_HOST', () => {
  it('says e-mail is off: in the preferences, on a test e-mail (409 EMAIL_DISABLED), and in the worker’s log', async () => {
    const off = await createTestApp();
    try {
      const token = (await off.login()).accessToken;
      const prefs = await off.call({ method: 'GET', url: '/api/v1/me/notification-preferences', token });
      expect(prefs.json()).toMatchObject({ emailEnabled: false, email: null });
      const test = await off.call({ method: 'POST', url: '/api/v1/me/test-email', token });
      expect(test.json()).toMatchObject({ statusCode: 409, code: 'EMAIL_DISABLED' });
      expect(await off.deps.db.selectFrom('notification_mails').select('id').execute()).toEqual([]);

      const lines: Record<string, unknown>[] = [];
      const log = createLogger({ name: 'worker-test', level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
      const runtime = startRuntime({ config: off.deps.config, db: off.deps.db, log, breakers: createCircuitBreakerRegistry() });
      try {
        expect(runtime.subscribers.names()).not.toContain('notification.email');
        expect(lines).toContainEqual(
          expect.objectContaining({ email: 'off', msg: 'e-mail notifications are off: SMTP_HOST is not set' }),
        );
        expect(await runtime.handlers['notification.send']({}, jobContext())).toBe('skipped');
      } finally {
        await runtime.stop();
      }
    } finally {
      await off.close();
    }
  });
});
