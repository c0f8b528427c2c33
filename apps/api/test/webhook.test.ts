/**
 * Webhooks through the API (app.inject) and the real worker runtime, with real receivers on 127.0.0.1:
 * subscriptions are created, listed, changed, disabled/enabled with one call and deleted under
 * webhook.manage and a data scope of all; the signing secret (or a generated bearer token) is shown once and
 * stored sealed; ip_only needs an explicit risk acknowledgement and carries a warning everywhere, bearer is
 * marked degraded; targets that are or resolve to internal addresses are refused; events reach the receiver
 * signed (checked by the independent verifier); test events, redeliveries (same webhook-id) and secret
 * rotation (two signatures during the grace period) work end to end; the delivery log pages and filters.
 */
import { createLogger } from '@app/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '../../worker/src/runtime.ts';
import { type Receiver, startReceiver, verifyStandardWebhook } from '../../worker/test/webhook-support.ts';
import { createTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;
let runtime: Runtime | undefined;
const receivers: Receiver[] = [];

const nowSec = () => Math.floor(Date.now() / 1000);
const post = (url: string, payload?: object, token = admin, idempotencyKey?: string) =>
  t.call({ method: 'POST', url, token, ...(payload ? { payload } : {}), ...(idempotencyKey ? { idempotencyKey } : {}) });
const get = (url: string, token = admin) => t.call({ method: 'GET', url, token });

async function receiver() {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

async function waitFor<T>(what: string, check: () => Promise<T> | T, ms = 15_000): Promise<NonNullable<T>> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A UserCreated event, through the API. */
let users = 0;
const createUser = async () => {
  const r = await post('/api/v1/users', {
    username: `wh-user-${++users}`,
    displayName: 'W',
    password: 'webhook-password-1',
    roles: [],
    scope: { all: false, sellers: [], sites: [] },
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().id as string;
};

beforeAll(async () => {
  t = await createTestApp({
    WEBHOOK_ALLOW_INTERNAL_TARGETS: 'true',
    OUTBOX_POLL_MS: '50',
    RATE_LIMIT_GENERAL_PER_MINUTE: '100000',
  });
  admin = (await t.login()).accessToken;
  runtime = startRuntime({ config: t.deps.config, db: t.deps.db, log: createLogger({ name: 'worker-test', level: 'silent' }) });
});
afterAll(async () => {
  await runtime?.stop();
  for (const r of receivers) await r.close();
  await t?.close();
});

describe('webhook subscriptions', () => {
  it('create shows the secret once (an identical retry replays it), stores it sealed, and never shows it again', async () => {
    const rx = await receiver();
    const body = { url: rx.url, events: ['UserCreated', 'InvoiceIssued', 'UserCreated'], description: 'ERP' };
    const r = await post('/api/v1/webhooks', body, admin, 'wh-create-1');
    expect(r.statusCode, r.body).toBe(201);
    const w = r.json();
    expect(w).toMatchObject({
      url: rx.url,
      description: 'ERP',
      events: ['InvoiceIssued', 'UserCreated'],
      authMode: 'hmac_sha256',
      security: 'standard',
      status: 'enabled',
      disabledReason: null,
      createdBy: 'user:admin',
    });
    // Plain http is warned about even when signed.
    expect(w.warning).toMatch(/^Plain http/);
    expect(w.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(w.secret.slice(6), 'base64')).toHaveLength(32);

    const again = await post('/api/v1/webhooks', body, admin, 'wh-create-1');
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().secret).toBe(w.secret);
    const stored = await t.deps.db.selectFrom('sys_webhooks').selectAll().where('id', '=', w.id).executeTakeFirstOrThrow();
    expect(stored.secret_enc).toMatch(/^v1\./);
    expect(stored.secret_enc).not.toContain(w.secret.slice(6, 20));
    expect(stored.security).toBe('standard');
    const keyRow = await t.deps.db
      .selectFrom('sys_idempotency_keys')
      .select('response_body')
      .where('idempotency_key', '=', 'wh-create-1')
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(keyRow.response_body)).not.toContain(w.secret);

    const read = await get(`/api/v1/webhooks/${w.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).not.toHaveProperty('secret');
    expect(read.body).not.toContain(w.secret);
    const list = await get('/api/v1/webhooks');
    expect(list.json().items.map((x: { id: string }) => x.id)).toContain(w.id);
    expect(list.body).not.toContain(w.secret);

    const audit = await t.deps.db
      .selectFrom('sys_audit_logs')
      .select(['action', 'target_id', 'summary'])
      .where('action', '=', 'webhook.create')
      .where('target_id', '=', w.id)
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0])).not.toContain(w.secret);
    await t.call({ method: 'DELETE', url: `/api/v1/webhooks/${w.id}`, token: admin });
  });

  it('refuses unknown event types and a bearer token outside auth mode bearer, naming the field', async () => {
    const bad = await post('/api/v1/webhooks', { url: 'http://127.0.0.1:9/x', events: ['InvoiceIssued', 'NoSuchEvent'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(JSON.stringify(bad.json().details)).toContain('body.events.1');
    const token = await post('/api/v1/webhooks', { url: 'http://127.0.0.1:9/x', events: ['*'], bearerToken: 'x'.repeat(20) });
    expect(token.statusCode).toBe(400);
    expect(token.json().details).toEqual([{ field: 'body.bearerToken', message: 'not used with auth mode hmac_sha256' }]);
    const types = await get('/api/v1/webhooks/event-types');
    expect(types.json().items.map((i: { type: string }) => i.type)).toEqual(
      expect.arrayContaining(['InvoiceIssued', 'WebhookDead']),
    );
  });

  it('ip_only is refused without acknowledgeRisk, and shown at risk with a warning wherever it appears; bearer is degraded', async () => {
    const refused = await post('/api/v1/webhooks', { url: 'http://127.0.0.1:9/ip', events: ['*'], authMode: 'ip_only' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'WEBHOOK_RISK_NOT_ACKNOWLEDGED', details: { field: 'body.acknowledgeRisk' } });
    const no = await post('/api/v1/webhooks', {
      url: 'http://127.0.0.1:9/ip',
      events: ['*'],
      authMode: 'ip_only',
      acknowledgeRisk: false,
    });
    expect(no.json().code).toBe('WEBHOOK_RISK_NOT_ACKNOWLEDGED');

    const ok = await post('/api/v1/webhooks', {
      url: 'http://127.0.0.1:9/ip',
      events: ['*'],
      authMode: 'ip_only',
      acknowledgeRisk: true,
    });
    expect(ok.statusCode, ok.body).toBe(201);
    const ip = ok.json();
    expect(ip).toMatchObject({ authMode: 'ip_only', security: 'at_risk', riskAcknowledgedBy: 'user:admin' });
    expect(ip).not.toHaveProperty('secret');
    expect(ip.warning).toMatch(/^At risk: auth mode ip_only sends no credential/);
    for (const view of [
      (await get(`/api/v1/webhooks/${ip.id}`)).json(),
      (await get('/api/v1/webhooks?authMode=ip_only')).json().items[0],
    ]) {
      expect(view).toMatchObject({ id: ip.id, security: 'at_risk' });
      expect(view.warning).toMatch(/^At risk/);
    }
    const audit = await t.deps.db
      .selectFrom('sys_audit_logs')
      .select(['summary'])
      .where('action', '=', 'webhook.create')
      .where('target_id', '=', ip.id)
      .executeTakeFirstOrThrow();
    expect(audit.summary).toMatchObject({
      note: { riskAcknowledged: true },
      after: { authMode: 'ip_only', security: 'at_risk' },
    });

    // Switching another subscription to ip_only needs the acknowledgement too.
    const h = (await post('/api/v1/webhooks', { url: 'http://127.0.0.1:9/h', events: ['*'] })).json();
    const patch = await t.call({
      method: 'PATCH',
      url: `/api/v1/webhooks/${h.id}`,
      token: admin,
      payload: { authMode: 'ip_only' },
    });
    expect(patch.json().code).toBe('WEBHOOK_RISK_NOT_ACKNOWLEDGED');

    // Bearer: a generated token is shown once; a given one is not echoed.
    const gen = (await post('/api/v1/webhooks', { url: 'http://127.0.0.1:9/b', events: ['*'], authMode: 'bearer' })).json();
    expect(gen).toMatchObject({ authMode: 'bearer', security: 'degraded' });
    expect(gen.bearerToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(gen.warning).toMatch(/^Degraded/);
    expect((await get(`/api/v1/webhooks/${gen.id}`)).json()).not.toHaveProperty('bearerToken');
    const given = (
      await post('/api/v1/webhooks', {
        url: 'http://127.0.0.1:9/b',
        events: ['*'],
        authMode: 'bearer',
        bearerToken: 'legacy-erp-token-123456',
      })
    ).json();
    expect(given).not.toHaveProperty('bearerToken');
    // Switching bearer → hmac makes a secret, shown in that answer.
    const sw = await t.call({
      method: 'PATCH',
      url: `/api/v1/webhooks/${given.id}`,
      token: admin,
      payload: { authMode: 'hmac_sha256' },
    });
    expect(sw.json()).toMatchObject({ authMode: 'hmac_sha256', security: 'standard' });
    expect(sw.json().secret).toMatch(/^whsec_/);
    for (const id of [ip.id, h.id, gen.id, given.id])
      await t.call({ method: 'DELETE', url: `/api/v1/webhooks/${id}`, token: admin });
  });

  it('needs webhook.manage, and a data scope of all (a subscription receives every seller’s events)', async () => {
    const role = await post('/api/v1/roles', { code: 'hooks', name: 'Hooks', permissions: ['webhook.manage'] });
    expect(role.statusCode, role.body).toBe(201);
    for (const [username, roles, scope] of [
      ['wh-plain', [], { all: true, sellers: [], sites: [] }],
      ['wh-scoped', ['hooks'], { all: false, sellers: ['s-1'], sites: [] }],
      ['wh-all', ['hooks'], { all: true, sellers: [], sites: [] }],
    ] as const) {
      const r = await post('/api/v1/users', { username, displayName: username, password: 'webhook-password-1', roles, scope });
      expect(r.statusCode, r.body).toBe(201);
    }
    const plain = (await t.login('wh-plain', 'webhook-password-1')).accessToken;
    const scoped = (await t.login('wh-scoped', 'webhook-password-1')).accessToken;
    const all = (await t.login('wh-all', 'webhook-password-1')).accessToken;
    expect((await get('/api/v1/webhooks', plain)).json()).toMatchObject({ code: 'FORBIDDEN' });
    expect((await get('/api/v1/webhooks', scoped)).json()).toMatchObject({
      code: 'SCOPE_FORBIDDEN',
      details: { requiredScope: 'all' },
    });
    const c = await post('/api/v1/webhooks', { url: 'http://127.0.0.1:9/s', events: ['*'] }, scoped);
    expect(c.statusCode).toBe(403);
    expect(await t.deps.db.selectFrom('sys_webhooks').select('id').where('url', '=', 'http://127.0.0.1:9/s').execute()).toEqual(
      [],
    );
    const ok = await post('/api/v1/webhooks', { url: 'http://127.0.0.1:9/s', events: ['*'] }, all);
    expect(ok.statusCode).toBe(201);
    expect(ok.json().createdBy).toBe('user:wh-all');
    await t.call({ method: 'DELETE', url: `/api/v1/webhooks/${ok.json().id}`, token: admin });
  });
});

describe('SSRF: internal targets refused unless WEBHOOK_ALLOW_INTERNAL_TARGETS', () => {
  let strict: TestApp;
  let token: string;
  beforeAll(async () => {
    strict = await createTestApp({ RATE_LIMIT_GENERAL_PER_MINUTE: '100000' });
    token = (await strict.login()).accessToken;
  });
  afterAll(() => strict?.close());

  it.each([
    ['http://127.0.0.1:8080/hook', 'loopback'],
    ['http://localhost:8080/hook', 'loopback'],
    ['http://[::1]/hook', 'loopback'],
    ['http://[::ffff:127.0.0.1]/hook', 'ipv4_mapped'],
    ['http://2130706433/hook', 'loopback'],
    ['http://10.1.2.3/hook', 'private'],
    ['http://172.20.0.5/hook', 'private'],
    ['https://192.168.1.10/hook', 'private'],
    ['http://100.64.0.9/hook', 'cgnat'],
    ['http://169.254.169.254/latest/meta-data/', 'metadata'],
    ['http://169.254.10.10/', 'link_local'],
    ['http://[fd00::1]/hook', 'unique_local'],
    ['http://[fe80::1]/hook', 'link_local'],
    ['http://0.0.0.0:3000/hook', 'unspecified'],
    ['http://224.0.0.1/hook', 'multicast'],
    ['ftp://93.184.216.34/hook', 'scheme'],
    ['http://user:pass@93.184.216.34/hook', 'credentials'],
    ['http://no-such-host.invalid/hook', 'unresolvable'],
  ])('%s is refused (%s)', async (url, reason) => {
    const r = await strict.call({ method: 'POST', url: '/api/v1/webhooks', token, payload: { url, events: ['*'] } });
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json()).toMatchObject({ code: 'WEBHOOK_TARGET_REFUSED', details: { field: 'body.url', reason } });
  });

  it('a public address is accepted; changing it to, or enabling it at, an internal one is refused', async () => {
    const ok = await strict.call({
      method: 'POST',
      url: '/api/v1/webhooks',
      token,
      payload: { url: 'https://93.184.216.34/hook', events: ['*'] },
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().warning).toBeNull();
    const id = ok.json().id;
    const moved = await strict.call({
      method: 'PATCH',
      url: `/api/v1/webhooks/${id}`,
      token,
      payload: { url: 'http://localhost/x' },
    });
    expect(moved.json()).toMatchObject({ code: 'WEBHOOK_TARGET_REFUSED', details: { reason: 'loopback' } });
    // A subscription saved when internal targets were allowed (or whose name moved) is checked again on enable.
    await strict.deps.db
      .updateTable('sys_webhooks')
      .set({ url: 'http://10.0.0.8/hook', status: 'disabled', disabled_reason: 'manual', disabled_at: new Date() })
      .where('id', '=', id)
      .execute();
    const en = await strict.call({ method: 'POST', url: `/api/v1/webhooks/${id}/enable`, token });
    expect(en.json()).toMatchObject({ code: 'WEBHOOK_TARGET_REFUSED', details: { reason: 'private', address: '10.0.0.8' } });
    expect((await strict.call({ method: 'GET', url: `/api/v1/webhooks/${id}`, token })).json().status).toBe('disabled');
  });
});

describe('deliveries end to end (API → outbox → worker → receiver)', () => {
  it('an event reaches the receiver signed; the log shows it; a test event and a redelivery (same webhook-id) too', async () => {
    const rx = await receiver();
    const w = (await post('/api/v1/webhooks', { url: rx.url, events: ['UserCreated'] })).json();
    const userId = await createUser();
    await waitFor('the UserCreated delivery', () => rx.requests.length >= 1);
    const req = rx.requests[0]!;
    expect(verifyStandardWebhook(req.headers, req.body, [w.secret], nowSec())).toMatchObject({ ok: true });
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({ type: 'UserCreated', version: 1, data: { userId, username: `wh-user-${users}` } });
    expect(req.headers['user-agent']).toBe('einvoice-stack-webhooks/1.0');

    const page = await waitFor('the succeeded delivery', async () => {
      const p = (await get(`/api/v1/webhooks/${w.id}/deliveries`)).json();
      return p.items[0]?.status === 'succeeded' ? p : null;
    });
    const d = page.items[0];
    expect(d).toMatchObject({
      webhookId: w.id,
      kind: 'event',
      eventType: 'UserCreated',
      eventId: body.eventId,
      webhookMessageId: req.headers['webhook-id'],
      attempts: 1,
      maxAttempts: 10,
      lastStatusCode: 204,
      nextAttemptAt: null,
    });
    const detail = (await get(`/api/v1/webhooks/${w.id}/deliveries/${d.id}`)).json();
    expect(detail.body).toEqual(body);
    expect(detail.attemptLog).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'succeeded', statusCode: 204, address: '127.0.0.1', nextAttemptAt: null }),
    ]);

    // Send test event: to this subscription only (its filter does not name WebhookTest), one try.
    const test = await post(`/api/v1/webhooks/${w.id}/test`);
    expect(test.statusCode, test.body).toBe(202);
    expect(test.json()).toMatchObject({ kind: 'test', eventType: 'WebhookTest', status: 'pending', maxAttempts: 1 });
    await waitFor('the test event', () => rx.requests.length >= 2);
    const tr = rx.requests[1]!;
    expect(verifyStandardWebhook(tr.headers, tr.body, [w.secret], nowSec())).toMatchObject({ ok: true });
    expect(JSON.parse(tr.body)).toMatchObject({ type: 'WebhookTest', data: { webhookId: w.id, requestedBy: 'user:admin' } });
    await waitFor('the test delivery settled', async () => {
      const x = (await get(`/api/v1/webhooks/${w.id}/deliveries/${test.json().id}`)).json();
      return x.status === 'succeeded';
    });

    // Redeliver the event: one more try, the same webhook-id and body.
    const re = await post(`/api/v1/webhooks/${w.id}/deliveries/${d.id}/redeliver`);
    expect(re.statusCode, re.body).toBe(202);
    expect(re.json()).toMatchObject({ status: 'pending', attempts: 1, maxAttempts: 2, redeliveredBy: 'user:admin' });
    await waitFor('the redelivery', () => rx.requests.length >= 3);
    expect(rx.requests[2]!.headers['webhook-id']).toBe(req.headers['webhook-id']);
    expect(rx.requests[2]!.body).toBe(req.body);
    expect(verifyStandardWebhook(rx.requests[2]!.headers, rx.requests[2]!.body, [w.secret], nowSec()).ok).toBe(true);
    const after = await waitFor('the redelivery settled', async () => {
      const x = (await get(`/api/v1/webhooks/${w.id}/deliveries/${d.id}`)).json();
      return x.attempts === 2 && x.status === 'succeeded' ? x : null;
    });
    expect(after.attemptLog.map((a: { outcome: string }) => a.outcome)).toEqual(['succeeded', 'succeeded']);
    const audit = await t.deps.db
      .selectFrom('sys_audit_logs')
      .select(['target_type', 'target_id'])
      .where('action', '=', 'webhook.redeliver')
      .execute();
    expect(audit).toEqual([{ target_type: 'webhook_delivery', target_id: d.id }]);
    await t.call({ method: 'DELETE', url: `/api/v1/webhooks/${w.id}`, token: admin });
  });

  it('a test event to a failing receiver fails after its one try (no retries, no WebhookDead); a delivery being sent cannot be redelivered', async () => {
    const rx = await receiver();
    rx.respond(() => ({ status: 503, body: 'maintenance' }));
    const w = (await post('/api/v1/webhooks', { url: rx.url, events: ['UserCreated'] })).json();
    const test = (await post(`/api/v1/webhooks/${w.id}/test`)).json();
    const failed = await waitFor('the test delivery settled', async () => {
      const x = (await get(`/api/v1/webhooks/${w.id}/deliveries/${test.id}`)).json();
      return x.status !== 'pending' ? x : null;
    });
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, maxAttempts: 1, lastStatusCode: 503, nextAttemptAt: null });
    expect(failed.attemptLog).toEqual([
      expect.objectContaining({ outcome: 'http_error', statusCode: 503, responseExcerpt: 'maintenance' }),
    ]);
    expect(await t.deps.db.selectFrom('sys_outbox').select('id').where('event_type', '=', 'WebhookDead').execute()).toEqual([]);

    // A slow answer keeps the delivery claimed: redelivering it now is refused.
    rx.respond(() => ({ status: 200, delayMs: 1_500 }));
    await createUser();
    await waitFor('a request in flight', () => rx.active() >= 1);
    const inFlight = (await get(`/api/v1/webhooks/${w.id}/deliveries?eventType=UserCreated`)).json().items[0];
    const busy = await post(`/api/v1/webhooks/${w.id}/deliveries/${inFlight.id}/redeliver`);
    expect(busy.statusCode).toBe(409);
    expect(busy.json()).toMatchObject({ code: 'CONFLICT', details: { status: 'pending' } });
    await waitFor('the slow delivery settled', async () => {
      const x = (await get(`/api/v1/webhooks/${w.id}/deliveries/${inFlight.id}`)).json();
      return x.status === 'succeeded';
    });
    await t.call({ method: 'DELETE', url: `/api/v1/webhooks/${w.id}`, token: admin });
  });

  it('rotation: the new secret is shown once, and both secrets sign during the grace period; without grace only the new one', async () => {
    const rx = await receiver();
    const w = (await post('/api/v1/webhooks', { url: rx.url, events: ['UserCreated'] })).json();
    const rot = await post(`/api/v1/webhooks/${w.id}/rotate-secret`, { graceHours: 2 });
    expect(rot.statusCode, rot.body).toBe(200);
    const r1 = rot.json();
    expect(r1.secret).toMatch(/^whsec_/);
    expect(r1.secret).not.toBe(w.secret);
    expect(Date.parse(r1.previousSecretExpiresAt) - Date.parse(r1.secretRotatedAt)).toBe(2 * 3_600_000);
    expect((await get(`/api/v1/webhooks/${w.id}`)).json()).toMatchObject({ previousSecretExpiresAt: r1.previousSecretExpiresAt });

    await createUser();
    await waitFor('a delivery', () => rx.requests.length >= 1);
    const a = rx.requests[0]!;
    expect(String(a.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyStandardWebhook(a.headers, a.body, [r1.secret], nowSec())).toMatchObject({ ok: true });
    expect(verifyStandardWebhook(a.headers, a.body, [w.secret], nowSec())).toMatchObject({ ok: true });

    const r2 = (await post(`/api/v1/webhooks/${w.id}/rotate-secret`, { graceHours: 0 })).json();
    expect(r2.previousSecretExpiresAt).toBeNull();
    await createUser();
    await waitFor('a second delivery', () => rx.requests.length >= 2);
    const b = rx.requests[1]!;
    expect(String(b.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifyStandardWebhook(b.headers, b.body, [r2.secret], nowSec())).toMatchObject({ ok: true });
    expect(verifyStandardWebhook(b.headers, b.body, [r1.secret, w.secret], nowSec())).toMatchObject({ ok: false });

    await t.call({ method: 'DELETE', url: `/api/v1/webhooks/${w.id}`, token: admin });
  });

  it('disable (one call, with a reason) stops deliveries; enable resumes; the log pages and filters; delete takes the log', async () => {
    const rx = await receiver();
    rx.respond((_r, n) => (n <= 2 ? { status: 500, body: 'nope' } : { status: 200 }));
    const w = (await post('/api/v1/webhooks', { url: rx.url, events: ['UserCreated'] })).json();
    await createUser();
    await createUser();
    await waitFor('two failed tries', () => rx.requests.length >= 2);
    await createUser();
    await waitFor('a third request', () => rx.requests.length >= 3);
    const pending = await waitFor('two pending deliveries', async () => {
      const p = (await get(`/api/v1/webhooks/${w.id}/deliveries?status=pending`)).json();
      return p.items.length === 2 ? p : null;
    });
    expect(
      pending.items.every((d: { attempts: number; lastStatusCode: number }) => d.attempts === 1 && d.lastStatusCode === 500),
    ).toBe(true);
    const first = (await get(`/api/v1/webhooks/${w.id}/deliveries?limit=1`)).json();
    expect(first.items).toHaveLength(1);
    const second = (await get(`/api/v1/webhooks/${w.id}/deliveries?limit=5&cursor=${first.nextCursor}`)).json();
    expect(second.items).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
    expect([...first.items, ...second.items].map((d: { id: string }) => Number(d.id))).toEqual(
      [...first.items, ...second.items].map((d: { id: string }) => Number(d.id)).sort((x, y) => y - x),
    );
    expect((await get(`/api/v1/webhooks/${w.id}/deliveries?eventType=InvoiceIssued`)).json().items).toEqual([]);

    const off = await post(`/api/v1/webhooks/${w.id}/disable`, { reason: 'ERP maintenance until Monday' });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json()).toMatchObject({
      status: 'disabled',
      disabledReason: 'manual',
      disabledNote: 'ERP maintenance until Monday',
    });
    await createUser();
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await get(`/api/v1/webhooks/${w.id}/deliveries`)).json().items).toHaveLength(3);

    // Enable: the two waiting deliveries go out at once (not at their retry time, a minute away).
    const on = await post(`/api/v1/webhooks/${w.id}/enable`);
    expect(on.json()).toMatchObject({ status: 'enabled', disabledReason: null, disabledNote: null });
    await waitFor('the waiting deliveries sent', async () => {
      const p = (await get(`/api/v1/webhooks/${w.id}/deliveries?status=succeeded`)).json();
      return p.items.length === 3;
    });
    expect(rx.requests).toHaveLength(5);

    const del = await t.call({ method: 'DELETE', url: `/api/v1/webhooks/${w.id}`, token: admin });
    expect(del.json()).toEqual({ id: w.id, deleted: true, deliveriesDeleted: 3 });
    expect((await get(`/api/v1/webhooks/${w.id}`)).statusCode).toBe(404);
    expect(await t.deps.db.selectFrom('sys_webhook_deliveries').select('id').where('webhook_id', '=', w.id).execute()).toEqual(
      [],
    );
  });
});
