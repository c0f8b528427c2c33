import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type RedisServer, startRedis } from '@app/devkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';

describe('rate limits (Redis-backed)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_GENERAL_PER_MINUTE: '5', RATE_LIMIT_EXPORT_PER_HOUR: '2' });
  });
  afterAll(() => t.close());

  it('general: N per minute per caller, standard headers, then 429 with Retry-After', async () => {
    const token = await t.clientToken(); // the token endpoint itself counted once for this IP, not for the client
    const r: Awaited<ReturnType<TestApp['call']>>[] = [];
    for (let i = 0; i < 6; i++) r.push(await t.call({ url: '/api/v1/auth/me', token }));
    expect(r.slice(0, 5).map((x) => x.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(r[0]!.headers['ratelimit-limit']).toBe('5');
    expect(r[0]!.headers['ratelimit-remaining']).toBe('4');
    expect(r[4]!.headers['ratelimit-remaining']).toBe('0');
    expect(Number(r[0]!.headers['ratelimit-reset'])).toBeLessThanOrEqual(60);
    expect(r[0]!.headers['ratelimit-policy']).toBe('5;w=60');
    const last = r[5]!;
    expect(last.statusCode).toBe(429);
    expect(last.json().code).toBe('RATE_LIMITED');
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    // Another caller has its own budget.
    const other = await t.login();
    expect((await t.call({ url: '/api/v1/auth/me', token: other.accessToken })).statusCode).toBe(200);
  });

  it('exports: N per hour, on top of the general limit, and each export is audited', async () => {
    const { accessToken } = await t.login();
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await t.call({ url: '/api/v1/audit-logs/export', token: accessToken })).statusCode);
    expect(codes).toEqual([200, 200, 429]);
    const audits = await t.deps.db
      .selectFrom('sys_audit_logs')
      .select(['outcome'])
      .where('action', '=', 'audit.export')
      .execute();
    expect(audits.map((a) => a.outcome).sort()).toEqual(['denied', 'success', 'success']);
  });
});

describe('when Redis is down the API keeps serving, with per-process limits', () => {
  let redis: RedisServer;
  let t: TestApp;
  beforeAll(async () => {
    redis = await startRedis({ dataDir: mkdtempSync(join(tmpdir(), 'rl-redis-')), port: await freePort(), durable: false });
    t = await createTestApp({ REDIS_URL: redis.url, RATE_LIMIT_GENERAL_PER_MINUTE: '4' });
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  it('serves, limits per process, and /health names the failing parts', async () => {
    const { accessToken } = await t.login();
    await redis.stop();
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await t.call({ url: '/api/v1/auth/me', token: accessToken })).statusCode);
    expect(codes).toEqual([200, 200, 200, 200, 429]);
    expect(t.deps.limiter.isDegraded).toBe(true);
    // Writes still work (idempotency lives in PostgreSQL).
    const login = await t.call({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password: 'admin-password-123' },
    });
    expect(login.statusCode).toBe(200);
    const h = await t.call({ url: '/health' });
    expect(h.statusCode).toBe(503);
    expect(h.json().failing).toEqual(expect.arrayContaining(['redis', 'queue']));
    expect(h.json().failing).not.toContain('database');
  });
});
