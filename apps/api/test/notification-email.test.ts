/**
 * E-mail notifications end to end against a real SMTP server (smtp-server on 127.0.0.1, login required):
 * each notifying event reaches exactly the users whose permissions, data scope and preferences let it, with
 * the facts in Chinese and English; a digest collects its items into one mail; an SMTP outage delays mails
 * without losing or doubling them; an event delivered twice makes no second mail; refusals are recorded;
 * and the real worker runtime takes an event from the outbox to the mailbox.
 */
import type { EventPayload, EventType } from '@app/jobs';
import { appendOutbox, createCircuitBreakerRegistry, type JobContext } from '@app/jobs';
import { createLogger } from '@app/logger';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventDispatchHandler } from '../../worker/src/jobs/event.dispatch.ts';
import { createNotificationDigestHandler, createNotificationSendHandler } from '../../worker/src/jobs/notification.ts';
import { createSmtpMailer, smtpSettings } from '../../worker/src/notification/mailer.ts';
import { notificationSubscriber } from '../../worker/src/notification/subscriber.ts';
import { type Runtime, startRuntime } from '../../worker/src/runtime.ts';
import { createSubscriberRegistry } from '../../worker/src/subscribers.ts';
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from '../../worker/test/smtp.ts';
import { createTestApp, type TestApp } from './helpers.ts';
import {
  createUser,
  emailEnv,
  jobContext,
  PUBLIC_URL,
  SMTP_PASSWORD,
  SMTP_USER,
  setupWorld,
  testBreaker,
  type World,
} from './notification-helpers.ts';

let t: TestApp;
let w: World;
let smtp: TestSmtpServer;
let port: number;
let runtime: Runtime | undefined;
const log = createLogger({ name: 'notification-test', level: 'silent' });
const ctx: JobContext = jobContext();

const received: ReceivedMail[] = [];
/** The SMTP server on `p` (default: a free port); every mail any of them receives lands in `received`. */
async function startSmtp(p?: number): Promise<TestSmtpServer> {
  const s = await startSmtpServer({
    ...(p ? { port: p } : {}),
    user: SMTP_USER,
    password: SMTP_PASSWORD,
    refuse: new Set(['gone@example.com']),
    defer: new Set(['busy@example.com']),
    into: received,
  });
  return s;
}

beforeAll(async () => {
  smtp = await startSmtp();
  port = smtp.port;
  t = await createTestApp({ ...emailEnv(port), OUTBOX_POLL_MS: '50' });
  w = await setupWorld(t);
});
afterAll(async () => {
  await runtime?.stop();
  await smtp?.stop();
  await t?.close();
});

const settings = () => {
  const s = smtpSettings(t.deps.config);
  if (!s) throw new Error('e-mail is off in the test config');
  return s;
};

/** event.dispatch with the notification subscriber (no kick: the test sends by hand). */
function dispatcher() {
  const subscribers = createSubscriberRegistry();
  subscribers.subscribe('notification.email', notificationSubscriber({ db: t.deps.db, log, publicUrl: PUBLIC_URL }));
  return createEventDispatchHandler({ db: t.deps.db, subscribers });
}

const mailer = () => createSmtpMailer(settings());

/** Commit an event to the outbox and deliver it as the worker would; returns its ids. */
async function deliver<T extends EventType>(type: T, payload: EventPayload<T>) {
  const ids = await t.deps.db.transaction().execute((trx) => appendOutbox(trx, type, payload));
  await dispatcher()({ outboxId: ids.id, eventId: ids.eventId, eventType: type }, ctx);
  return ids;
}

/** Run notification.send once (with a breaker of its own unless given); returns the mails that arrived. */
async function send(opts: Partial<Parameters<typeof createNotificationSendHandler>[0]> = {}): Promise<ReceivedMail[]> {
  const before = received.length;
  const m = mailer();
  try {
    await createNotificationSendHandler({ db: t.deps.db, mailer: m, breaker: testBreaker(), ...opts })({}, ctx);
  } finally {
    m.close();
  }
  return received.slice(before);
}

const recipients = (mails: ReceivedMail[]) => mails.flatMap((m) => m.envelopeTo).sort();

async function mailRows(where: { eventId?: string; to?: string } = {}) {
  let q = t.deps.db
    .selectFrom('notification_mails as m')
    .select(['m.id', 'm.to_address', 'm.mail_kind', 'm.status', 'm.attempts', 'm.last_error', 'm.sent_at', 'm.next_attempt_at'])
    .orderBy('m.to_address')
    .orderBy('m.id');
  if (where.eventId) {
    const eventId = where.eventId;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('notification_items as i')
          .select('i.id')
          .whereRef('i.mail_id', '=', 'm.id')
          .where('i.event_id', '=', eventId),
      ),
    );
  }
  if (where.to) q = q.where('m.to_address', '=', where.to);
  return q.execute();
}

async function sentEvents() {
  return t.deps.db
    .selectFrom('sys_outbox')
    .select(['payload', 'aggregate_id'])
    .where('event_type', '=', 'ClientNotificationSent')
    .orderBy('id')
    .execute();
}

const rejectedPayload = (over: Partial<EventPayload<'InvoiceProcessed'>>): EventPayload<'InvoiceProcessed'> => ({
  messageId: '1001',
  messageType: 'F0401',
  identifier: 'AB00001001',
  sellerId: w.sellerA,
  siteId: w.siteA,
  invoiceNumber: 'AB00001001',
  allowanceNumber: null,
  yearMonth: '11410',
  outcome: 'rejected',
  code: 'E030',
  message: '發票號碼重複 | Duplicate invoice number',
  deliveredAt: '2025-10-03T01:00:00.000Z',
  processedAt: '2025-10-03T02:15:00.000Z',
  ...over,
});

describe('each kind reaches exactly its recipients', () => {
  it('a rejected invoice: invoice.read holders whose scope has the site or its seller, unless they turned it off', async () => {
    const { eventId } = await deliver('InvoiceProcessed', rejectedPayload({}));
    const mails = await send();
    // ops-a (seller A), auditor (all); not site-b (another site), hooks-b (no invoice.read), quiet (turned off),
    // digest (collected for the digest), no-email, no-scope, disabled, admin (no address).
    expect(recipients(mails)).toEqual(['auditor@example.com', 'ops-a@example.com']);
    const ops = mails.find((m) => m.envelopeTo.includes('ops-a@example.com')) as ReceivedMail;
    expect(ops.user).toBe(SMTP_USER);
    expect(ops.envelopeFrom).toBe('einvoice@example.com');
    expect(ops.headers.from).toContain('einvoice@example.com');
    expect(ops.headers.to).toBe('ops-a@example.com');
    expect(ops.headers['message-id']).toMatch(/^<notification-\d+\.[0-9a-z]+@example\.com>$/);
    expect(ops.headers['auto-submitted']).toBe('auto-generated');
    expect(ops.subject).toBe('【電子發票】平台退回 F0401 AB00001001 | E-invoice: platform rejected F0401 AB00001001');
    const zh = ops.text.indexOf('甲營運 您好');
    const en = ops.text.indexOf('Hello 甲營運');
    expect(zh).toBeGreaterThanOrEqual(0);
    expect(en).toBeGreaterThan(zh);
    expect(ops.text).toContain('發票號碼：AB00001001');
    expect(ops.text).toContain('錯誤代碼：E030');
    expect(ops.text).toContain('錯誤說明：發票號碼重複 | Duplicate invoice number');
    expect(ops.text).toContain('賣方：04595257 甲公司');
    expect(ops.text).toContain('站點：A1 甲一店');
    expect(ops.text).toContain('處理時間：2025-10-03 10:15（台北時間）');
    expect(ops.text).toContain('Error code: E030');
    expect(ops.text).toContain('Processed at: 2025-10-03 10:15 (Taipei time)');
    expect(ops.text).toContain(`${PUBLIC_URL}/turnkey?status=rejected&open=1001`);
    expect(ops.html).toContain(`href="${PUBLIC_URL}/turnkey?status=rejected&#38;open=1001"`);
    expect(ops.html).toContain('發票號碼重複 | Duplicate invoice number');

    // Each mail is recorded sent with its ClientNotificationSent, naming the user and the event.
    const rows = await mailRows({ eventId });
    expect(rows.map((r) => [r.to_address, r.status, r.attempts, r.mail_kind])).toEqual([
      ['auditor@example.com', 'sent', 1, 'immediate'],
      ['ops-a@example.com', 'sent', 1, 'immediate'],
    ]);
    const events = (await sentEvents()).filter((e) => rows.some((r) => r.id === e.aggregate_id));
    expect(events.map((e) => e.payload)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          userId: w.users['ops-a'],
          kind: 'immediate',
          notificationKinds: ['invoice_rejected'],
          events: [{ eventId, eventType: 'InvoiceProcessed' }],
          attempts: 1,
        }),
        expect.objectContaining({ userId: w.users.auditor, kind: 'immediate' }),
      ]),
    );
    expect(events).toHaveLength(2);
  });

  it('an accepted invoice makes no mail', async () => {
    await deliver('InvoiceProcessed', rejectedPayload({ messageId: '1002', outcome: 'accepted', code: null, message: null }));
    expect(await send()).toEqual([]);
  });

  it("a rejected message of a site's seller reaches that site's staff; one naming only the seller (E0402) too", async () => {
    await deliver(
      'InvoiceProcessed',
      rejectedPayload({
        messageId: '1003',
        sellerId: w.sellerB,
        siteId: w.siteB,
        invoiceNumber: 'CD00000001',
        identifier: 'CD00000001',
      }),
    );
    expect(recipients(await send())).toEqual(['auditor@example.com', 'site-b@example.com']);
    await deliver(
      'InvoiceProcessed',
      rejectedPayload({
        messageId: '1004',
        messageType: 'E0402',
        sellerId: w.sellerB,
        siteId: null,
        invoiceNumber: null,
        identifier: '22099131-11410-07',
      }),
    );
    const mails = await send();
    expect(recipients(mails)).toEqual(['auditor@example.com', 'site-b@example.com']);
    expect(mails[0]?.text).toContain('E0402（空白未使用字軌）');
  });

  it('track low: track.manage holders whose scope has the site (auditors cannot allocate: not told)', async () => {
    await deliver('TrackLow', {
      siteId: w.siteB,
      sellerId: w.sellerB,
      yearMonth: '11410',
      invoiceType: '07',
      remaining: 37,
      threshold: 500,
    });
    const mails = await send();
    expect(recipients(mails)).toEqual(['quiet@example.com', 'site-b@example.com']);
    const m = mails.find((x) => x.envelopeTo.includes('site-b@example.com')) as ReceivedMail;
    expect(m.subject).toBe(
      '【電子發票】字軌號碼即將用完 B1 乙一店 11410 | E-invoice: invoice numbers running low at B1 乙一店 for 11410',
    );
    expect(m.text).toContain('剩餘號碼：37');
    expect(m.text).toContain('Numbers left: 37');
    expect(m.text).toContain(`${PUBLIC_URL}/tracks?sellerId=${w.sellerB}`);
  });

  it('deadline at risk: turnkey.manage holders whose scope has the seller', async () => {
    await deliver('DeadlineAtRisk', {
      messageId: '2001',
      messageType: 'F0401',
      identifier: 'AB00002001',
      sellerId: w.sellerA,
      status: 'delivered',
      b2b: true,
      createdAt: '2025-10-01T00:00:00.000Z',
      deadline: '2025-10-08T00:00:00.000Z',
    });
    const mails = await send();
    expect(recipients(mails)).toEqual(['ops-a@example.com', 'quiet@example.com']);
    expect(mails[0]?.text).toContain('上傳期限：B2B（7 天），2025-10-08 08:00（台北時間）前');
    expect(mails[0]?.text).toContain('Upload limit: B2B (7 days), by 2025-10-08 08:00 (Taipei time)');
  });

  it('certificate expiring: seller.manage holders whose scope has the seller', async () => {
    await deliver('CertificateExpiring', {
      sellerId: w.sellerB,
      ban: '22099131',
      name: '乙公司',
      expiresAt: '2025-10-10',
      daysLeft: 7,
    });
    const mails = await send();
    expect(recipients(mails)).toEqual(['hooks-b@example.com', 'quiet@example.com']);
    expect(mails[0]?.subject).toContain('憑證將於 7 天後到期 22099131 乙公司');
    expect(mails[0]?.text).toContain('到期日：2025-10-10');
    expect(mails[0]?.text).toContain(`${PUBLIC_URL}/sellers/${w.sellerB}`);
  });

  it('a dead webhook delivery: webhook.manage holders who see every seller (a subscription gets every seller’s events)', async () => {
    await deliver('WebhookDead', {
      webhookId: 'c0ffee00-0000-4000-8000-000000000001',
      deliveryId: '77',
      webhookMessageId: 'msg_77',
      eventId: 'c0ffee00-0000-4000-8000-000000000077',
      eventType: 'InvoiceIssued',
      target: 'https://erp.example.com/hooks/einvoice',
      attempts: 10,
      lastStatusCode: 503,
      lastError: null,
      firstAttemptAt: '2025-09-30T00:00:00.000Z',
      deadAt: '2025-10-03T00:00:00.000Z',
    });
    const mails = await send();
    // quiet (all); not hooks-b (seller B only), no-scope (nothing), no-email, disabled.
    expect(recipients(mails)).toEqual(['quiet@example.com']);
    const m = mails[0] as ReceivedMail;
    expect(m.subject).toBe(
      '【電子發票】Webhook 傳送失敗已停止重試 https://erp.example.com/hooks/einvoice | E-invoice: webhook delivery given up for https://erp.example.com/hooks/einvoice',
    );
    expect(m.text).toContain('最後回應：HTTP 503');
    expect(m.text).toContain('嘗試次數：10');
    expect(m.text).toContain('Last answer: HTTP 503');
    expect(m.text).toContain(`${PUBLIC_URL}/webhooks/c0ffee00-0000-4000-8000-000000000001?status=dead`);
  });

  it('a request waiting for approval: approve holders whose scope has the site, never the requester', async () => {
    // A role with approve alone, so these users get no other kind in the tests after this one.
    const role = await t.call({
      method: 'POST',
      url: '/api/v1/roles',
      token: w.admin,
      payload: { code: 'approve_only', name: 'Approve only', permissions: ['approve'] },
    });
    expect(role.statusCode, role.body).toBe(201);
    const approver = async (name: string, scope: { all: boolean; sellers?: string[] }) =>
      createUser(t, w.admin, name, { roles: ['approve_only'], scope, email: `${name}@example.com` });
    const requester = await approver('appr-req', { all: true });
    await approver('appr-a', { all: false, sellers: [w.sellerA] });
    await approver('appr-b', { all: false, sellers: [w.sellerB] });
    await deliver('ApprovalRequested', {
      approvalId: '41',
      action: 'invoice.void',
      invoiceNumber: 'AB12345678',
      yearMonth: '11412',
      sellerId: w.sellerA,
      siteId: w.siteA,
      amount: null,
      requestedBy: { type: 'user', id: requester, name: 'appr-req' },
      requestedAt: '2025-12-01T02:00:00.000Z',
    });
    const mails = await send();
    // appr-a (seller A); not appr-b (seller B), not the requester although they hold approve with scope all.
    expect(recipients(mails)).toEqual(['appr-a@example.com']);
    const m = mails[0] as ReceivedMail;
    expect(m.subject).toBe(
      '【電子發票】待審核：AB12345678 註銷並重開發票 | E-invoice: waiting for approval: void and re-issue the invoice AB12345678',
    );
    expect(m.text).toContain('申請人：appr-req');
    expect(m.text).toContain('申請時間：2025-12-01 10:00（台北時間）');
    expect(m.text).toContain('站點：A1 甲一店');
    expect(m.text).toContain(`${PUBLIC_URL}/approvals/41`);
  });

  it('an event delivered again makes no second item and no second mail', async () => {
    const first = await deliver('TrackLow', {
      siteId: w.siteA,
      sellerId: w.sellerA,
      yearMonth: '11410',
      invoiceType: '07',
      remaining: 3,
      threshold: 500,
    });
    expect(recipients(await send())).toEqual(['ops-a@example.com', 'quiet@example.com']);
    // The worker relays the row again (e.g. it died before marking it processed): the subscriber runs again.
    await sql`UPDATE sys_outbox SET processed_at = NULL WHERE id = ${first.id}`.execute(t.deps.db);
    await dispatcher()({ outboxId: first.id, eventId: first.eventId, eventType: 'TrackLow' }, ctx);
    await dispatcher()({ outboxId: first.id, eventId: first.eventId, eventType: 'TrackLow' }, ctx);
    expect(await send()).toEqual([]);
    expect(await mailRows({ eventId: first.eventId })).toHaveLength(2);
    const items = await t.deps.db
      .selectFrom('notification_items')
      .select('user_id')
      .where('event_id', '=', first.eventId)
      .execute();
    // ops-a, quiet, and digest's item waiting for its digest.
    expect(items).toHaveLength(3);
  });
});

describe('digest', () => {
  it('collects a user’s items into one mail once their digest is due, and only once', async () => {
    const digestItems = await t.deps.db
      .selectFrom('notification_items')
      .select(['event_id', 'kind', 'mail_id'])
      .where('user_id', '=', w.users.digest!)
      .execute();
    // invoice_rejected ×3 (seller A, seller B's site, seller B's E0402), track low ×2, deadline at risk.
    expect(digestItems.map((i) => i.kind).sort()).toEqual([
      'deadline_at_risk',
      'invoice_rejected',
      'invoice_rejected',
      'invoice_rejected',
      'track_low',
      'track_low',
    ]);
    expect(digestItems.every((i) => i.mail_id === null)).toBe(true);

    // Not due yet: their daily hour has not come since these were recorded.
    const digest = (now: Date) =>
      createNotificationDigestHandler({ db: t.deps.db, publicUrl: PUBLIC_URL, now: () => now })({}, ctx);
    expect(await digest(new Date())).toBe('skipped');
    expect(await send()).toEqual([]);

    // A day later it is due: one mail with all six.
    expect(await digest(new Date(Date.now() + 24 * 3_600_000))).toBe('done');
    const mails = await send();
    expect(recipients(mails)).toEqual(['digest@example.com']);
    const m = mails[0] as ReceivedMail;
    expect(m.subject).toBe('【電子發票】通知摘要：6 則 | E-invoice: digest of 6 notifications');
    expect(m.text).toContain('平台退回的訊息 (3)');
    expect(m.text).toContain('字軌號碼即將用完 (2)');
    expect(m.text).toContain('上傳期限將屆 (1)');
    expect(m.text).toContain('Messages the platform rejected (3)');
    for (const no of ['AB00001001', 'CD00000001', 'AB00002001']) expect(m.text).toContain(no);
    expect(m.text).toContain(`${PUBLIC_URL}/turnkey?status=rejected&open=1003`);
    expect(m.html.match(/<li>/g)).toHaveLength(12);

    const [row] = await mailRows({ to: 'digest@example.com' });
    expect(row).toMatchObject({ mail_kind: 'digest', status: 'sent', attempts: 1 });
    const event = (await sentEvents()).find((e) => e.aggregate_id === row?.id);
    expect(event?.payload).toMatchObject({
      userId: w.users.digest,
      kind: 'digest',
      notificationKinds: expect.arrayContaining(['invoice_rejected', 'track_low', 'deadline_at_risk']),
    });
    expect((event?.payload as { events?: unknown[] } | undefined)?.events).toHaveLength(6);

    // Nothing left: a second run (or a second worker) makes no second digest.
    expect(await digest(new Date(Date.now() + 25 * 3_600_000))).toBe('skipped');
    expect(await send()).toEqual([]);
  });
});

describe('SMTP trouble', () => {
  it('server down then up: mails wait without spending tries, the breaker stops calling, then each arrives once', async () => {
    await smtp.stop();
    const { eventId } = await deliver('TrackLow', {
      siteId: w.siteB,
      sellerId: w.sellerB,
      yearMonth: '11412',
      invoiceType: '07',
      remaining: 1,
      threshold: 500,
    });
    const breaker = testBreaker(400);
    // outageDelayMs 0: the run claims the same mails again at once, so the breaker sees 3 failures in one run.
    expect(await send({ breaker, outageDelayMs: 0 })).toEqual([]);
    expect(breaker.state()).toBe('open');
    let rows = await mailRows({ eventId });
    expect(rows.map((r) => [r.to_address, r.status, r.attempts])).toEqual([
      ['quiet@example.com', 'queued', 0],
      ['site-b@example.com', 'queued', 0],
    ]);
    expect(rows.some((r) => /ECONNREFUSED|ECONNECTION/.test(r.last_error ?? ''))).toBe(true);
    // While open, runs leave the queue alone (no call, no try).
    expect(await send({ breaker, outageDelayMs: 0 })).toEqual([]);
    expect(breaker.snapshot().totals.failed).toBe(3);

    smtp = await startSmtp(port);
    await new Promise((r) => setTimeout(r, 450));
    const mails = await send({ breaker, outageDelayMs: 0 });
    expect(recipients(mails)).toEqual(['quiet@example.com', 'site-b@example.com']);
    expect(breaker.state()).toBe('closed');
    rows = await mailRows({ eventId });
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ['sent', 1],
      ['sent', 1],
    ]);
    expect(await send({ breaker })).toEqual([]);
    const events = (await sentEvents()).filter((e) => rows.some((r) => r.id === e.aggregate_id));
    expect(events).toHaveLength(2);
  });

  it('a wrong SMTP password is an outage (mails wait), not a refusal of the mail', async () => {
    const { eventId } = await deliver('CertificateExpiring', {
      sellerId: w.sellerA,
      ban: '04595257',
      name: '甲公司',
      expiresAt: '2025-10-04',
      daysLeft: 1,
    });
    const before = smtp.authFailures;
    const wrong = createSmtpMailer({ ...settings(), SMTP_PASSWORD: 'not-the-password' });
    try {
      await createNotificationSendHandler({ db: t.deps.db, mailer: wrong, breaker: testBreaker() })({}, ctx);
    } finally {
      wrong.close();
    }
    expect(smtp.authFailures).toBeGreaterThan(before);
    const rows = await mailRows({ eventId });
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([['queued', 0]]);
    expect(rows[0]?.last_error).toMatch(/EAUTH/);
    // With the right password (once its wait is over) it goes.
    await sql`UPDATE notification_mails SET next_attempt_at = now() WHERE status = 'queued'`.execute(t.deps.db);
    expect(recipients(await send())).toEqual(['quiet@example.com']);
  });

  it('a mailbox refused for good fails at once; one refused for now spends a try and waits', async () => {
    await createUser(t, w.admin, 'gone', { roles: ['operator'], scope: { all: true }, email: 'gone@example.com' });
    await createUser(t, w.admin, 'busy', { roles: ['operator'], scope: { all: true }, email: 'busy@example.com' });
    const { eventId } = await deliver('TrackLow', {
      siteId: w.siteA,
      sellerId: w.sellerA,
      yearMonth: '11412',
      invoiceType: '08',
      remaining: 9,
      threshold: 500,
    });
    const breaker = testBreaker();
    const mails = await send({ breaker });
    expect(recipients(mails)).toEqual(['ops-a@example.com', 'quiet@example.com']);
    const rows = await mailRows({ eventId });
    const gone = rows.find((r) => r.to_address === 'gone@example.com');
    const busy = rows.find((r) => r.to_address === 'busy@example.com');
    expect(gone).toMatchObject({ status: 'failed', attempts: 1 });
    expect(gone?.last_error).toMatch(/550/);
    expect(busy).toMatchObject({ status: 'queued', attempts: 1 });
    expect(busy?.last_error).toMatch(/451/);
    // Due again after the first retry delay (1 min), not at once.
    expect(busy!.next_attempt_at.getTime() - Date.now()).toBeGreaterThan(50_000);
    // Refusals are answers: the breaker stays closed.
    expect(breaker.state()).toBe('closed');

    // With short retry delays, the sixth refusal gives up and records it.
    for (let i = 0; i < 6; i++) {
      await sql`UPDATE notification_mails SET next_attempt_at = now() WHERE id = ${busy!.id} AND status = 'queued'`.execute(
        t.deps.db,
      );
      await send({ breaker });
    }
    const [after] = await mailRows({ to: 'busy@example.com' });
    expect(after).toMatchObject({ status: 'failed', attempts: 6 });
    await t.deps.db.updateTable('sys_users').set({ status: 'disabled' }).where('username', 'in', ['gone', 'busy']).execute();
  });
});

describe('the worker runtime', () => {
  it('relays an event from the outbox, queues the mail, asks for a send and delivers it; ClientNotificationSent follows', async () => {
    const lines: Record<string, unknown>[] = [];
    const runLog = createLogger({ name: 'worker-test', level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    runtime = startRuntime({ config: t.deps.config, db: t.deps.db, log: runLog, breakers: createCircuitBreakerRegistry() });
    expect(runtime.subscribers.names()).toContain('notification.email');
    expect(lines.some((l) => l.msg === 'e-mail notifications on' && l.smtpPort === port)).toBe(true);

    const before = received.length;
    const { eventId } = await t.deps.db.transaction().execute((trx) =>
      appendOutbox(trx, 'TrackLow', {
        siteId: w.siteA,
        sellerId: w.sellerA,
        yearMonth: '11502',
        invoiceType: '07',
        remaining: 5,
        threshold: 500,
      }),
    );
    const deadline = Date.now() + 20_000;
    while (received.length - before < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(recipients(received.slice(before))).toEqual(['ops-a@example.com', 'quiet@example.com']);
    const rows = await mailRows({ eventId });
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent']);
    // The ClientNotificationSent events are relayed and processed too, and make no mail of their own.
    const ids = rows.map((r) => r.id);
    const waitProcessed = Date.now() + 10_000;
    let processed: { processed_at: Date | null }[] = [];
    while (Date.now() < waitProcessed) {
      processed = await t.deps.db
        .selectFrom('sys_outbox')
        .select('processed_at')
        .where('event_type', '=', 'ClientNotificationSent')
        .where('aggregate_id', 'in', ids)
        .execute();
      if (processed.length === 2 && processed.every((p) => p.processed_at)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(processed.map((p) => p.processed_at !== null)).toEqual([true, true]);
    expect(received.length - before).toBe(2);
  });
});
