/**
 * Webhook delivery against real PostgreSQL and real HTTP receivers on 127.0.0.1, with the sender's clock
 * under the test's control (the retry schedule spans three days): every request is checked by an independent
 * Standard Webhooks verifier; retries follow 1 min, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h and the
 * tenth failure is dead with one WebhookDead event and an alert; Retry-After is honoured; a receiver down then
 * up, and a slow one cut off by the timeout, get the delivery later with the same webhook-id; 410 disables the
 * subscription; targets that are (or resolve to) internal addresses are refused at send time and the
 * connection goes to the checked address only; rotation signs with both secrets during the grace period;
 * one slow subscription cannot take every request slot; old deliveries are cleaned up.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { webhookSealer } from '@app/api/services';
import { freePort } from '@app/devkit';
import { formatWebhookSecret, type HostResolver } from '@app/domain';
import { appendOutbox, EVENTS } from '@app/jobs';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reopenDelivery } from '../../api/src/modules/webhook/webhook.repository.ts';
import { cleanupWebhookDeliveries } from '../src/jobs/webhook.cleanup.ts';
import type { OutboxEvent } from '../src/subscribers.ts';
import { createWebhookDeliverer, type WebhookDeliverer, type WebhookDelivererOptions } from '../src/webhook/deliverer.ts';
import { webhookFanoutSubscriber } from '../src/webhook/fanout.ts';
import { captureLogger, openTestDb, type TestDb } from './helpers.ts';
import { type Receiver, startReceiver, verifyStandardWebhook } from './webhook-support.ts';

const MIN = 60_000;
const H = 60 * MIN;
const sealer = webhookSealer(randomBytes(32).toString('base64'));
const newSecret = () => formatWebhookSecret(randomBytes(32));

let t: TestDb;
let tenantId: string;
const receivers: Receiver[] = [];
const deliverers: WebhookDeliverer[] = [];

beforeAll(async () => {
  t = await openTestDb();
  tenantId = (
    await t.db.insertInto('sys_tenants').values({ code: 'demo', name: 'Demo' }).returning('id').executeTakeFirstOrThrow()
  ).id;
});
afterAll(async () => {
  await t?.close();
});
afterEach(async () => {
  for (const d of deliverers.splice(0)) d.close();
  for (const r of receivers.splice(0)) await r.close();
  await t.db.deleteFrom('sys_webhooks').execute();
  await t.db.deleteFrom('sys_outbox').execute();
});

async function receiver(port = 0) {
  const r = await startReceiver(port);
  receivers.push(r);
  return r;
}

/** A subscription written as the API writes it (sealed credentials). */
async function subscribe(
  url: string,
  opts: {
    events?: string[];
    authMode?: 'hmac_sha256' | 'bearer' | 'ip_only';
    secret?: string;
    previous?: { secret: string; expiresAt: Date };
    bearer?: string;
  } = {},
) {
  const mode = opts.authMode ?? 'hmac_sha256';
  const secret = opts.secret ?? newSecret();
  const row = await t.db
    .insertInto('sys_webhooks')
    .values({
      tenant_id: tenantId,
      url,
      event_types: opts.events ?? ['*'],
      auth_mode: mode,
      secret_enc: mode === 'hmac_sha256' ? sealer.seal(secret) : null,
      previous_secret_enc: opts.previous ? sealer.seal(opts.previous.secret) : null,
      previous_secret_expires_at: opts.previous?.expiresAt ?? null,
      bearer_token: mode === 'bearer' ? sealer.seal(opts.bearer ?? 'token-0123456789abcdef') : null,
      risk_acknowledged_at: mode === 'ip_only' ? new Date() : null,
      risk_acknowledged_by: mode === 'ip_only' ? 'user:test' : null,
      created_by: 'user:test',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, secret };
}

/** A committed UserCreated event handed to the fan-out subscriber, as event.dispatch would. */
async function publish(n = 1): Promise<OutboxEvent[]> {
  const fanout = webhookFanoutSubscriber({ db: t.db, nudge: () => {} });
  const events: OutboxEvent[] = [];
  for (let i = 0; i < n; i++) {
    const userId = randomUUID();
    const { id, eventId } = await appendOutbox(t.db, 'UserCreated', { userId, username: `u${i}`, roles: [] });
    const e: OutboxEvent = {
      outboxId: id,
      eventId,
      type: 'UserCreated',
      version: 1,
      aggregateType: 'user',
      aggregateId: userId,
      payload: { userId, username: `u${i}`, roles: [] },
      requestId: null,
      occurredAt: new Date(),
    };
    await fanout(e, new AbortController().signal);
    events.push(e);
  }
  return events;
}

/** A clock the test moves. Starts a second after the real one (deliveries are due at the database's now()). */
function fakeClock() {
  let at = Date.now() + 1_000;
  return {
    now: () => new Date(at),
    set: (d: Date | number) => {
      at = typeof d === 'number' ? d : d.getTime();
    },
    advance: (ms: number) => {
      at += ms;
    },
    sec: () => Math.floor(at / 1000),
  };
}

function deliverer(over: Partial<WebhookDelivererOptions> = {}) {
  const d = createWebhookDeliverer({
    db: t.db,
    open: sealer.open,
    resolve: async () => {
      throw new Error('no DNS in this test');
    },
    allowInternal: true,
    timeouts: { timeoutMs: 5_000, largeTimeoutMs: 10_000, largePayloadBytes: 262_144 },
    concurrency: 16,
    perSubscription: 4,
    ...over,
  });
  deliverers.push(d);
  return d;
}

const run = async (d: WebhookDeliverer) => {
  const { log, lines } = captureLogger();
  const stats = await d.run(new AbortController().signal, log);
  return { stats: stats!, lines };
};

const delivery = (webhookId: string) =>
  t.db.selectFrom('sys_webhook_deliveries').selectAll().where('webhook_id', '=', webhookId).orderBy('id').execute();
const attempts = (deliveryId: string) =>
  t.db.selectFrom('sys_webhook_delivery_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('attempt').execute();

describe('the independent verifier', () => {
  it('accepts the Standard Webhooks reference vector and refuses any change', () => {
    const headers = {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,bm9wZQ== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    };
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    expect(verifyStandardWebhook(headers, '{"test": 2432232314}', [secret], 1614265330)).toMatchObject({ ok: true });
    expect(verifyStandardWebhook(headers, '{"test": 2432232315}', [secret], 1614265330)).toMatchObject({ ok: false });
    expect(verifyStandardWebhook(headers, '{"test": 2432232314}', [newSecret()], 1614265330)).toMatchObject({ ok: false });
    expect(verifyStandardWebhook(headers, '{"test": 2432232314}', [secret], 1614265330 + 301)).toMatchObject({
      ok: false,
      why: 'timestamp outside tolerance',
    });
  });
});

describe('webhook delivery', () => {
  it('retries 1 min, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h (fake time), every try signed and with the same webhook-id; the tenth failure is dead with one WebhookDead event and an alert', async () => {
    const rx = await receiver();
    rx.respond(() => ({ status: 500, body: 'down for maintenance' }));
    const { id: webhookId, secret } = await subscribe(rx.url);
    const [event] = await publish(1);
    const clock = fakeClock();
    const d = deliverer({ now: clock.now });

    const expected = [MIN, 5 * MIN, 30 * MIN, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H];
    let alertLines: Record<string, any>[] = [];
    for (let attempt = 1; attempt <= 10; attempt++) {
      const tryAt = clock.now().getTime();
      const { stats, lines } = await run(d);
      expect(stats.claimed, `attempt ${attempt}`).toBe(1);
      expect(rx.requests).toHaveLength(attempt);
      const req = rx.requests.at(-1)!;
      // Each try is signed anew with the try's time; the verifier checks it against the test's clock.
      const v = verifyStandardWebhook(req.headers, req.body, [secret], clock.sec());
      expect(v, `attempt ${attempt}`).toMatchObject({ ok: true, timestamp: Math.floor(tryAt / 1000) });
      const [row] = await delivery(webhookId);
      expect(row!.attempts).toBe(attempt);
      if (attempt < 10) {
        expect(row!.status).toBe('pending');
        expect(row!.next_attempt_at!.getTime() - tryAt).toBe(expected[attempt - 1]);
        // Not a millisecond early.
        clock.set(row!.next_attempt_at!.getTime() - 1);
        expect((await run(d)).stats.claimed).toBe(0);
        clock.advance(1);
      } else {
        alertLines = lines;
        expect(row).toMatchObject({ status: 'dead', next_attempt_at: null, claimed_until: null, last_status_code: 500 });
        expect(row!.dead_at).toEqual(clock.now());
      }
    }
    // About three days in all (75.6 h between the first try and the last).
    const log = await attempts((await delivery(webhookId))[0]!.id);
    expect(log.map((a) => a.outcome)).toEqual(Array(10).fill('http_error'));
    expect((log[9]!.started_at.getTime() - log[0]!.started_at.getTime()) / H).toBeCloseTo(75.6, 5);
    expect(log.every((a) => a.status_code === 500 && a.response_excerpt === 'down for maintenance')).toBe(true);
    expect(log.at(-1)!.next_attempt_at).toBeNull();

    // Same webhook-id on every try (the receiver can drop duplicates), and the body never changes.
    expect(new Set(rx.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(new Set(rx.requests.map((r) => r.body)).size).toBe(1);
    expect(JSON.parse(rx.requests[0]!.body)).toMatchObject({ type: 'UserCreated', version: 1, eventId: event!.eventId });

    // One WebhookDead event, valid against the catalogue, and an alert line.
    const dead = await t.db.selectFrom('sys_outbox').selectAll().where('event_type', '=', 'WebhookDead').execute();
    expect(dead).toHaveLength(1);
    const payload = EVENTS.WebhookDead.payload.parse(dead[0]!.payload);
    expect(payload).toMatchObject({
      webhookId,
      eventId: event!.eventId,
      eventType: 'UserCreated',
      attempts: 10,
      lastStatusCode: 500,
      webhookMessageId: rx.requests[0]!.headers['webhook-id'],
      target: rx.url,
    });
    expect(alertLines.find((l) => l.alert === 'webhook_dead')).toMatchObject({ level: 'error', webhookId, attempts: 10 });

    // Nothing more is sent however far the clock goes.
    clock.advance(30 * 24 * H);
    expect((await run(d)).stats.claimed).toBe(0);
    expect(rx.requests).toHaveLength(10);

    // A redelivery by hand (as POST …/redeliver does it) is one more try with the same webhook-id; failing, it
    // is dead again without a second WebhookDead; answered, it succeeds.
    const deadRow = (await delivery(webhookId))[0]!;
    await reopenDelivery(t.db, deadRow.id, { now: clock.now(), by: 'user:ops' });
    await run(d);
    expect((await delivery(webhookId))[0]).toMatchObject({
      status: 'dead',
      attempts: 11,
      max_attempts: 11,
      dead_at: deadRow.dead_at,
    });
    expect(await t.db.selectFrom('sys_outbox').select('id').where('event_type', '=', 'WebhookDead').execute()).toHaveLength(1);
    rx.respond(() => ({ status: 200 }));
    await reopenDelivery(t.db, deadRow.id, { now: clock.now(), by: 'user:ops' });
    await run(d);
    expect((await delivery(webhookId))[0]).toMatchObject({ status: 'succeeded', attempts: 12, redelivered_by: 'user:ops' });
    expect(rx.requests).toHaveLength(12);
    expect(new Set(rx.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
  });

  it('honours Retry-After (seconds and HTTP dates): the next try is not earlier than the receiver asks', async () => {
    const rx = await receiver();
    rx.respond((_r, n) =>
      n === 1
        ? { status: 503, headers: { 'retry-after': '7200' } }
        : n === 2
          ? { status: 429, headers: { 'retry-after': new Date(clockAt + 3 * H).toUTCString() } }
          : { status: 200, body: 'ok' },
    );
    const { id: webhookId } = await subscribe(rx.url);
    await publish(1);
    const clock = fakeClock();
    let clockAt = clock.now().getTime();
    const d = deliverer({ now: clock.now });
    await run(d);
    let [row] = await delivery(webhookId);
    expect(row!.next_attempt_at!.getTime() - clockAt).toBe(2 * H);
    clock.set(clockAt + 2 * H - 1_000);
    expect((await run(d)).stats.claimed).toBe(0);
    clock.set(clockAt + 2 * H);
    clockAt = clock.now().getTime();
    await run(d);
    [row] = await delivery(webhookId);
    expect(row!.attempts).toBe(2);
    // HTTP-date three hours ahead of the try (to the second).
    expect(Math.abs(row!.next_attempt_at!.getTime() - (clockAt + 3 * H))).toBeLessThan(1_000);
    clock.set(row!.next_attempt_at!);
    await run(d);
    [row] = await delivery(webhookId);
    expect(row).toMatchObject({ status: 'succeeded', attempts: 3, last_status_code: 200 });
    expect((await attempts(row!.id)).map((a) => [a.outcome, a.status_code])).toEqual([
      ['http_error', 503],
      ['http_error', 429],
      ['succeeded', 200],
    ]);
  });

  it('a receiver down, then up: the delivery arrives on the next try, with the webhook-id of the failed one', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/hook`;
    const { id: webhookId, secret } = await subscribe(url);
    await publish(1);
    const clock = fakeClock();
    const d = deliverer({ now: clock.now });
    await run(d);
    let [row] = await delivery(webhookId);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, last_status_code: null });
    expect(row!.last_error).toMatch(/ECONNREFUSED/);
    const firstId = row!.message_id;

    const rx = await receiver(port);
    clock.set(row!.next_attempt_at!);
    await run(d);
    [row] = await delivery(webhookId);
    expect(row).toMatchObject({ status: 'succeeded', attempts: 2, last_status_code: 204 });
    expect(rx.requests).toHaveLength(1);
    expect(rx.requests[0]!.headers['webhook-id']).toBe(firstId);
    expect(verifyStandardWebhook(rx.requests[0]!.headers, rx.requests[0]!.body, [secret], clock.sec())).toMatchObject({
      ok: true,
    });
    expect((await attempts(row!.id)).map((a) => a.outcome)).toEqual(['network_error', 'succeeded']);
  });

  it('a slow receiver is cut off at the timeout and gets the delivery again later with the same webhook-id; large bodies get the long timeout', async () => {
    const rx = await receiver();
    rx.respond((_r, n) => (n === 1 ? { status: 200, delayMs: 2_000 } : { status: 200 }));
    const { id: webhookId, secret } = await subscribe(rx.url);
    await publish(1);
    const clock = fakeClock();
    const d = deliverer({ now: clock.now, timeouts: { timeoutMs: 300, largeTimeoutMs: 5_000, largePayloadBytes: 262_144 } });
    const started = Date.now();
    await run(d);
    expect(Date.now() - started).toBeLessThan(1_800);
    let [row] = await delivery(webhookId);
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row!.last_error).toMatch(/no complete answer within 300 ms/);
    const [first] = await attempts(row!.id);
    expect(first).toMatchObject({ outcome: 'timeout', status_code: null, address: '127.0.0.1' });
    expect(first!.duration_ms).toBeGreaterThanOrEqual(290);
    expect(first!.duration_ms).toBeLessThan(1_500);
    expect(row!.next_attempt_at!.getTime() - first!.started_at.getTime()).toBe(MIN);

    clock.set(row!.next_attempt_at!);
    await run(d);
    [row] = await delivery(webhookId);
    expect(row).toMatchObject({ status: 'succeeded', attempts: 2 });
    // The receiver saw the cut-off request too: a duplicate, recognisable by its webhook-id.
    expect(rx.requests).toHaveLength(2);
    expect(rx.requests[0]!.headers['webhook-id']).toBe(rx.requests[1]!.headers['webhook-id']);
    for (const r of rx.requests) expect(verifyStandardWebhook(r.headers, r.body, [secret], clock.sec() + 1).ok).toBe(true);

    // Bodies above the threshold get the long timeout: 700 ms of thinking times out a small body, not a large one.
    const rx2 = await receiver();
    rx2.respond(() => ({ status: 200, delayMs: 700 }));
    const small = await subscribe(rx2.url);
    await publish(1);
    const d2 = deliverer({ now: clock.now, timeouts: { timeoutMs: 300, largeTimeoutMs: 3_000, largePayloadBytes: 200 } });
    await t.db.deleteFrom('sys_webhooks').where('id', '=', webhookId).execute();
    await run(d2);
    expect((await delivery(small.id))[0]!.status).toBe('succeeded');
    const d3 = deliverer({ now: clock.now, timeouts: { timeoutMs: 300, largeTimeoutMs: 3_000, largePayloadBytes: 100_000 } });
    await publish(1);
    await run(d3);
    const rows = await delivery(small.id);
    expect(rows.map((r) => r.status)).toEqual(['succeeded', 'pending']);
    expect(rows[1]!.last_error).toMatch(/within 300 ms/);
  });

  it('410 Gone disables the subscription: nothing more is sent to it and new events are not recorded for it', async () => {
    const rx = await receiver();
    rx.respond(() => ({ status: 410 }));
    const { id: webhookId } = await subscribe(rx.url);
    await publish(2);
    const clock = fakeClock();
    const d = deliverer({ now: clock.now, perSubscription: 1, concurrency: 1 });
    const { lines } = await run(d);
    const hook = await t.db.selectFrom('sys_webhooks').selectAll().where('id', '=', webhookId).executeTakeFirstOrThrow();
    expect(hook).toMatchObject({ status: 'disabled', disabled_reason: 'gone', disabled_by: 'worker' });
    expect(hook.disabled_note).toContain('410 Gone');
    expect(lines.find((l) => /410 Gone/.test(l.msg))).toMatchObject({ level: 'warn', webhookId });
    // One request only: the second delivery waits while the subscription is disabled.
    expect(rx.requests).toHaveLength(1);
    clock.advance(48 * H);
    expect((await run(d)).stats.claimed).toBe(0);
    await publish(1);
    expect((await delivery(webhookId)).length).toBe(2);
    expect((await delivery(webhookId)).map((r) => r.status)).toEqual(['pending', 'pending']);
  });

  it('refuses at send time a target that is, or now resolves to, an internal address (DNS rebinding), and connects only to the checked address', async () => {
    const rx = await receiver();
    const table: Record<string, string> = { 'rebind.example.com': '93.184.216.34', 'receiver.test': '127.0.0.1' };
    const lookups: string[] = [];
    const resolve: HostResolver = async (host) => {
      lookups.push(host);
      const a = table[host];
      if (!a) throw new Error('ENOTFOUND');
      return [{ address: a, family: 4 }];
    };
    const clock = fakeClock();
    // Internal targets not allowed: the literal loopback URL is refused, nothing reaches the receiver.
    const literal = await subscribe(rx.url);
    // A name that resolved to a public address when it was saved, and to a private one now.
    table['rebind.example.com'] = '10.0.0.7';
    const rebound = await subscribe('http://rebind.example.com/hook');
    const metadata = await subscribe('http://169.254.169.254/latest/meta-data/');
    await publish(1);
    const strict = deliverer({ now: clock.now, resolve, allowInternal: false, dnsCacheMs: 0 });
    await run(strict);
    expect(rx.requests).toHaveLength(0);
    const refused = await Promise.all([literal, rebound, metadata].map(async (s) => (await delivery(s.id))[0]!));
    expect(refused.map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);
    const tries = await Promise.all(refused.map(async (r) => (await attempts(r.id))[0]!));
    expect(tries.map((a) => [a.outcome, a.address])).toEqual([
      ['refused', '127.0.0.1'],
      ['refused', '10.0.0.7'],
      ['refused', '169.254.169.254'],
    ]);
    expect(tries[1]!.error).toMatch(/10\.0\.0\.7 \(rebind\.example\.com resolves to it\) is a private network address/);
    expect(tries[2]!.error).toMatch(/cloud metadata/);

    // Allowed internal targets (on-prem): a name only the test's resolver knows still reaches the receiver —
    // so the connection used the checked address, not a second lookup — with the name as Host.
    await t.db.deleteFrom('sys_webhooks').execute();
    const named = await subscribe(`http://receiver.test:${rx.port}/hook`);
    await publish(1);
    lookups.length = 0;
    await run(deliverer({ now: clock.now, resolve, allowInternal: true, dnsCacheMs: 0 }));
    expect((await delivery(named.id))[0]).toMatchObject({ status: 'succeeded' });
    expect(rx.requests).toHaveLength(1);
    expect(rx.requests[0]!.headers.host).toBe(`receiver.test:${rx.port}`);
    expect(lookups).toEqual(['receiver.test']);
    // Metadata stays refused even then.
    const meta = await subscribe('http://169.254.169.254/');
    await publish(1);
    await run(deliverer({ now: clock.now, resolve, allowInternal: true }));
    expect((await attempts((await delivery(meta.id))[0]!.id))[0]).toMatchObject({ outcome: 'refused' });
  });

  it('after a rotation both secrets sign until the grace period ends; bearer sends its token, ip_only nothing', async () => {
    const rx = await receiver();
    const clock = fakeClock();
    const oldSecret = newSecret();
    const rotated = await subscribe(rx.url, { previous: { secret: oldSecret, expiresAt: new Date(clock.now().getTime() + H) } });
    await publish(1);
    const d = deliverer({ now: clock.now });
    await run(d);
    const [r1] = rx.requests;
    expect(String(r1!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    // A receiver that knows only the new secret, or only the old one, verifies.
    expect(verifyStandardWebhook(r1!.headers, r1!.body, [rotated.secret], clock.sec())).toMatchObject({ ok: true });
    expect(verifyStandardWebhook(r1!.headers, r1!.body, [oldSecret], clock.sec())).toMatchObject({ ok: true });

    clock.advance(H);
    await publish(1);
    await run(d);
    const r2 = rx.requests[1]!;
    expect(String(r2.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifyStandardWebhook(r2.headers, r2.body, [rotated.secret], clock.sec())).toMatchObject({ ok: true });
    expect(verifyStandardWebhook(r2.headers, r2.body, [oldSecret], clock.sec())).toMatchObject({ ok: false });

    await t.db.deleteFrom('sys_webhooks').execute();
    const rxB = await receiver();
    const rxI = await receiver();
    await subscribe(rxB.url, { authMode: 'bearer', bearer: 'erp-token-000111222333' });
    await subscribe(rxI.url, { authMode: 'ip_only' });
    await publish(1);
    await run(d);
    expect(rxB.requests[0]!.headers).toMatchObject({ authorization: 'Bearer erp-token-000111222333' });
    expect(rxB.requests[0]!.headers['webhook-signature']).toBeUndefined();
    expect(rxB.requests[0]!.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(rxI.requests[0]!.headers.authorization).toBeUndefined();
    expect(rxI.requests[0]!.headers['webhook-signature']).toBeUndefined();
    expect(rxI.requests[0]!.headers['content-type']).toBe('application/json');
  });

  it('a slow subscription holds at most its share of the request slots: a fast one is served meanwhile', async () => {
    const slow = await receiver();
    const fast = await receiver();
    slow.respond(() => ({ status: 200, delayMs: 400 }));
    const s = await subscribe(slow.url);
    const f = await subscribe(fast.url);
    await publish(12);
    const d = deliverer({ perSubscription: 2, concurrency: 8, runBudgetMs: 60_000 });
    const done = run(d);
    const fastDoneAt = await (async () => {
      for (;;) {
        const rows = await delivery(f.id);
        if (rows.every((r) => r.status === 'succeeded')) return Date.now();
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const { stats } = await done;
    const slowRows = await delivery(s.id);
    expect(slowRows.every((r) => r.status === 'succeeded')).toBe(true);
    expect(stats).toMatchObject({ claimed: 24, succeeded: 24 });
    expect(slow.maxActive()).toBeLessThanOrEqual(2);
    expect(fast.maxActive()).toBeLessThanOrEqual(2);
    // 12 slow requests, two at a time, 400 ms each: ≥ 2.4 s; the fast subscription was done long before.
    const slowDoneAt = Math.max(...slow.requests.map((r) => r.at));
    expect(slowDoneAt - fastDoneAt).toBeGreaterThan(1_000);
  });

  it('a second job while a run is going wakes it instead of running beside it', async () => {
    const rx = await receiver();
    rx.respond(() => ({ status: 200, delayMs: 300 }));
    const { id } = await subscribe(rx.url);
    await publish(1);
    const d = deliverer({ runBudgetMs: 5_000 });
    const first = run(d);
    await new Promise((r) => setTimeout(r, 50));
    expect(d.isRunning()).toBe(true);
    await publish(1);
    const { log } = captureLogger();
    expect(await d.run(new AbortController().signal, log)).toBeNull();
    const { stats } = await first;
    expect(stats.claimed).toBe(2);
    expect((await delivery(id)).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('an event dispatched twice makes one delivery per subscription (same webhook-id); WebhookDead never goes to its own subscription', async () => {
    const a = await subscribe('http://127.0.0.1:9/a');
    const b = await subscribe('http://127.0.0.1:9/b', { events: ['WebhookDead'] });
    const c = await subscribe('http://127.0.0.1:9/c', { events: ['InvoiceIssued'] });
    const nudges: number[] = [];
    const fanout = webhookFanoutSubscriber({ db: t.db, nudge: () => void nudges.push(1) });
    const [e] = await publish(1);
    await fanout(e!, new AbortController().signal);
    expect((await delivery(a.id)).length).toBe(1);
    expect((await delivery(b.id)).length).toBe(0);
    expect((await delivery(c.id)).length).toBe(0);
    // The second dispatch added nothing, so it nudged nobody.
    expect(nudges).toHaveLength(0);

    const dead: OutboxEvent = {
      ...e!,
      eventId: randomUUID(),
      type: 'WebhookDead',
      payload: { webhookId: a.id },
    };
    // About a: b (which asked for WebhookDead) gets it, a itself (which takes '*') does not.
    await fanout(dead, new AbortController().signal);
    expect((await delivery(a.id)).map((r) => r.event_type)).toEqual(['UserCreated']);
    expect((await delivery(b.id)).map((r) => r.event_type)).toEqual(['WebhookDead']);
    expect(nudges).toHaveLength(1);
    const deadAboutB = { ...dead, eventId: randomUUID(), payload: { webhookId: b.id } };
    await fanout(deadAboutB, new AbortController().signal);
    expect((await delivery(b.id)).length).toBe(1);
    expect((await delivery(a.id)).map((r) => r.event_type)).toEqual(['UserCreated', 'WebhookDead']);
    expect(nudges).toHaveLength(2);
  });

  it('keeps the delivery log WEBHOOK_LOG_RETENTION_DAYS: older deliveries go with their tries', async () => {
    const rx = await receiver();
    const { id } = await subscribe(rx.url);
    await publish(3);
    await run(deliverer());
    const rows = await delivery(id);
    expect(rows).toHaveLength(3);
    await sql`UPDATE sys_webhook_deliveries SET created_at = now() - interval '91 days' WHERE id IN (${sql.join([rows[0]!.id, rows[1]!.id])})`.execute(
      t.db,
    );
    expect(await cleanupWebhookDeliveries(t.db, { retentionDays: 90, batchSize: 1 })).toBe(2);
    expect((await delivery(id)).map((r) => r.id)).toEqual([rows[2]!.id]);
    const left = await t.db.selectFrom('sys_webhook_delivery_attempts').select('delivery_id').execute();
    expect(left.map((a) => a.delivery_id)).toEqual([rows[2]!.id]);
    expect(await cleanupWebhookDeliveries(t.db, { retentionDays: 90 })).toBe(0);
  });
});
