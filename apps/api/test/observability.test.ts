import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger } from '@app/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, createTestApp, type TestApp } from './helpers.ts';

describe('logs redact secrets', () => {
  it('passwords, tokens, secrets and keys never reach the log output', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger({ name: 't', level: 'info' }, sink);
    log.info(
      {
        password: 'pw-AAA',
        body: { password: 'pw-BBB', clientSecret: 'cs-CCC', refreshToken: 'rt-DDD', newPassword: 'np-EEE' },
        req: { headers: { authorization: 'Bearer tok-FFF', cookie: 'sid=ck-GGG' } },
        config: { JWT_SECRET: 'jwt-HHH', APP_ENCRYPTION_KEY: 'key-III', DATABASE_URL: 'postgres://u:db-JJJ@h/d' },
        client: { secret: 'sec-KKK', apiKey: 'ak-LLL', access_token: 'at-MMM' },
      },
      'hello',
    );
    const out = lines.join('');
    expect(out).toContain('hello');
    for (const s of ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF', 'GGG', 'HHH', 'III', 'JJJ', 'KKK', 'LLL', 'MMM'])
      expect(out).not.toContain(s);
    expect(out).toContain('[redacted]');
  });
});

describe('health, metrics, OpenAPI', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('GET /health checks database, Redis, storage and queue', async () => {
    const r = await t.call({ url: '/health' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      status: 'ok',
      failing: [],
      checks: { database: { ok: true }, redis: { ok: true }, storage: { ok: true }, queue: { ok: true } },
    });
    expect((await t.call({ url: '/health/live' })).json()).toEqual({ status: 'ok' });
  });

  it('GET /health is 503 naming the storage when it fails', async () => {
    const original = t.deps.storage.check;
    t.deps.storage.check = async () => {
      throw new Error('disk full');
    };
    try {
      const r = await t.call({ url: '/health' });
      expect(r.statusCode).toBe(503);
      expect(r.json().failing).toEqual(['storage']);
      expect(r.json().checks.storage.error).toBe('disk full');
    } finally {
      t.deps.storage.check = original;
    }
  });

  it('GET /health is 503 naming the database when the tenant this process serves is no longer in it (a restore or import under it)', async () => {
    const original = t.deps.tenant;
    (t.deps as { tenant: typeof original }).tenant = { id: randomUUID(), code: original.code };
    try {
      const r = await t.call({ url: '/health' });
      expect(r.statusCode).toBe(503);
      expect(r.json().failing).toEqual(['database']);
      expect(r.json().checks.database.error).toContain(
        'is not in the database any more (restored or imported?): restart the API',
      );
    } finally {
      (t.deps as { tenant: typeof original }).tenant = original;
    }
    expect((await t.call({ url: '/health' })).statusCode).toBe(200);
  });

  it('GET /api/v1/admin/metrics reports requests/min, per-route percentiles, pool, queues, disk', async () => {
    const { accessToken } = await t.login();
    for (let i = 0; i < 5; i++) await t.call({ url: '/api/v1/auth/me', token: accessToken });
    const r = await t.call({ url: '/api/v1/admin/metrics', token: accessToken });
    expect(r.statusCode).toBe(200);
    const m = r.json();
    expect(m.requestsPerMinute).toBeGreaterThanOrEqual(6);
    const me = m.routes.find((x: { route: string }) => x.route === 'GET /api/v1/auth/me');
    expect(me.count).toBe(5);
    expect(me.latencyMs.p50).toBeGreaterThan(0);
    expect(me.latencyMs.p99).toBeGreaterThanOrEqual(me.latencyMs.p95);
    expect(m.dbPool.max).toBe(10);
    expect(m.queues['p1-interactive']).toHaveProperty('waiting');
    expect(m.queues['p4-maintenance']).toHaveProperty('waiting');
    expect(m.circuitBreakers).toEqual([]);
    expect(m.disk.freeBytes).toBeGreaterThan(0);
  });

  it('OpenAPI is served at /docs, generated from the route schemas', async () => {
    const ui = await t.call({ url: '/docs' });
    expect([200, 302]).toContain(ui.statusCode);
    const spec = (await t.call({ url: '/docs/json' })).json();
    expect(spec.openapi).toMatch(/^3\./);
    const login = spec.paths['/api/v1/auth/login'].post;
    expect(login.operationId).toBe('login');
    expect(login.requestBody.content['application/json'].schema.required).toEqual(['username', 'password']);
    expect(spec.paths['/api/v1/audit-logs'].get.parameters.map((p: { name: string }) => p.name)).toContain('cursor');
  });

  it('audit entries record actor, action, target, time, IP, request id and a summary', async () => {
    const r = await t.call({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: ADMIN,
      remoteAddress: '192.0.2.7',
      headers: { 'x-request-id': 'req-audit-0001' },
    });
    expect(r.statusCode).toBe(200);
    const { accessToken } = r.json();
    // The entry is written before the response leaves, so it is there as soon as the answer is.
    const e = (await t.call({ url: '/api/v1/audit-logs?requestId=req-audit-0001', token: accessToken })).json().items[0];
    expect(e).toMatchObject({
      action: 'auth.login',
      outcome: 'success',
      actorType: 'user',
      actorName: 'admin',
      targetType: 'user',
      sourceIp: '192.0.2.7',
      requestId: 'req-audit-0001',
      summary: { note: { username: 'admin' } },
    });
    expect(JSON.stringify(e)).not.toContain(ADMIN.password);
    // Filters and keyset pagination (a few more entries first, so there are several pages).
    for (let i = 0; i < 3; i++) await t.login();
    const p1 = (await t.call({ url: '/api/v1/audit-logs?limit=2', token: accessToken })).json();
    expect(p1.items).toHaveLength(2);
    const p2 = (await t.call({ url: `/api/v1/audit-logs?limit=2&cursor=${p1.nextCursor}`, token: accessToken })).json();
    expect(p1.nextCursor).toBe(p1.items[1].id);
    expect(p2.items).toHaveLength(2);
    expect(Number(p2.items[0].id)).toBeLessThan(Number(p1.items[1].id));
    const onlyLogins = (await t.call({ url: '/api/v1/audit-logs?action=auth.login&outcome=success', token: accessToken })).json();
    expect(onlyLogins.items.every((i: { action: string }) => i.action === 'auth.login')).toBe(true);
    const csv = await t.call({ url: '/api/v1/audit-logs/export?action=auth.login', token: accessToken });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body.split('\r\n')[0]).toBe(
      '\uFEFFid,occurredAt,actorType,actorId,actorName,action,outcome,statusCode,targetType,targetId,requestId,sourceIp,userAgent,summary',
    );
  });
});
