/**
 * The web app's error reports (POST /api/v1/client-errors): accepted without a token, the user recorded when
 * one is sent, limited per address, listed for administrators only. And the system page's facts
 * (GET /api/v1/admin/system): certificate expiries per seller and the license.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';
import { createUser, PASSWORD } from './notification-helpers.ts';

let t: TestApp;
let admin: string;

const report = (over: object = {}) => ({
  message: "Cannot read properties of undefined (reading 'map')",
  stack: 'TypeError: Cannot read properties of undefined\n    at InvoiceTable (index-abc.js:1:2)',
  componentStack: '\n    at InvoiceTable\n    at Shell',
  url: 'https://einvoice.example.com/invoices?status=issued',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131',
  occurredAt: '2026-11-21T05:00:00.000Z',
  deviceId: '8d3f0c7e-1111-4a2b-9c3d-000000000001',
  appVersion: '0.1.0',
  ...over,
});

beforeAll(async () => {
  t = await createTestApp({ CLIENT_ERROR_REPORTS_PER_MINUTE: '3', LOGIN_IP_MAX_PER_MINUTE: '1000' });
  admin = (await t.login()).accessToken;
});
afterAll(async () => t?.close());

describe('client error reports', () => {
  it('stores a report without a token and one naming the signed-in user; lists them for admins', async () => {
    const anon = await t.call({ method: 'POST', url: '/api/v1/client-errors', payload: report() });
    expect(anon.statusCode, anon.body).toBe(202);
    const mine = await t.call({
      method: 'POST',
      url: '/api/v1/client-errors',
      token: admin,
      payload: report({ message: 'second' }),
    });
    expect(mine.statusCode).toBe(202);

    const list = await t.call({ url: '/api/v1/client-errors', token: admin });
    expect(list.statusCode).toBe(200);
    const [second, first] = list.json().items;
    expect(second).toMatchObject({ message: 'second', username: 'admin', tenantId: t.deps.tenant.id });
    expect(first).toMatchObject({
      id: anon.json().id,
      userId: null,
      message: report().message,
      stack: report().stack,
      componentStack: report().componentStack,
      url: report().url,
      userAgent: report().userAgent,
      deviceId: report().deviceId,
      appVersion: '0.1.0',
      occurredAt: '2026-11-21T05:00:00.000Z',
      tenantId: t.deps.tenant.id,
    });
    expect(first.ip).toMatch(/^127\.0\.0\.1$|^::1$|^::ffff:127\.0\.0\.1$/);
    const audit = await t.deps.db
      .selectFrom('sys_audit_logs')
      .select(['action', 'target_id'])
      .where('action', '=', 'client_error.report')
      .execute();
    expect(audit.map((a) => a.target_id)).toContain(anon.json().id);
  });

  it('refuses a bad report naming the field, and more than the per-minute limit from one address', async () => {
    const bad = await t.call({ method: 'POST', url: '/api/v1/client-errors', payload: report({ occurredAt: 'yesterday' }) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'body.occurredAt' })]));
    // Two were stored above and one refused (a refused one counts too): the limit of 3 is reached now.
    const over = await t.call({ method: 'POST', url: '/api/v1/client-errors', payload: report() });
    expect(over.statusCode).toBe(429);
    expect(over.json().code).toBe('RATE_LIMITED');
  });

  it('lists reports for ops.admin only', async () => {
    await createUser(t, admin, 'ce.operator', { roles: ['operator'], scope: { all: true } });
    const op = (await t.login('ce.operator', PASSWORD)).accessToken;
    expect((await t.call({ url: '/api/v1/client-errors', token: op })).statusCode).toBe(403);
    expect((await t.call({ url: '/api/v1/client-errors' })).statusCode).toBe(401);
  });
});

describe('system page', () => {
  it('shows health, versions, certificate expiries soonest first and the license', async () => {
    const day = (d: number) => new Date(Date.now() + d * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
    const seller = async (ban: string, cert?: string) =>
      (
        await t.call({
          method: 'POST',
          url: '/api/v1/sellers',
          token: admin,
          payload: { ban, name: `S${ban}`, address: 'A', ...(cert ? { certificateExpiresAt: cert } : {}) },
        })
      ).json().id;
    const soon = await seller('04595257', day(12));
    const later = await seller('22099131', day(200));
    const none = await seller('53212539');
    // The seed installs a license; five days left on it now.
    await t.deps.db
      .updateTable('sys_license')
      .set({ expires_at: new Date(Date.now() + 5 * 86_400_000), grace_period_days: 14, status: 'active', plan: 'standard' })
      .where('tenant_id', '=', t.deps.tenant.id)
      .execute();

    // Two live workers (one paused for maintenance) and one gone silent a minute ago.
    await sql`INSERT INTO sys_worker_heartbeats (worker_id, started_at, seen_at, paused_at, maintenance_since) VALUES
      ('w-a', now() - interval '2 hours', now(), NULL, NULL),
      ('w-b', now() - interval '1 hour', now(), now(), now()),
      ('w-gone', now() - interval '3 hours', now() - interval '1 minute', NULL, NULL)`.execute(t.deps.db);

    const r = await t.call({ url: '/api/v1/admin/system', token: admin });
    expect(r.statusCode, r.body).toBe(200);
    const s = r.json();
    expect(s.workers.map((w: { id: string }) => w.id)).toEqual(['w-a', 'w-b']);
    expect(s.workers[0].pausedAt).toBeNull();
    expect(s.workers[1].pausedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(s.health.status).toBe('ok');
    expect(s.schemaVersion).toMatch(/^\d{14}$/);
    expect(s.tenant.id).toBe(t.deps.tenant.id);
    expect(s.certificates.map((c: { sellerId: string }) => c.sellerId)).toEqual([soon, later, none]);
    expect(s.certificates[0]).toMatchObject({ expiresAt: day(12), daysLeft: 12 });
    expect(s.certificates[2]).toMatchObject({ expiresAt: null, daysLeft: null });
    expect(s.license).toMatchObject({ status: 'active', gracePeriodDays: 14, plan: 'standard' });
    expect(s.license.daysLeft).toBeGreaterThanOrEqual(4);
    expect(s.license.daysLeft).toBeLessThanOrEqual(5);
  });
});
