import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
let token: string;
beforeAll(async () => {
  t = await createTestApp(
    { BODY_LIMIT_BYTES: '4096' },
    {
      beforeReady: (app) => {
        app.get('/api/v1/test/crash', { config: { access: 'authenticated' } }, async () => {
          throw new Error('secret internals: password=hunter2 at /srv/app.ts:12');
        });
      },
    },
  );
  token = (await t.login()).accessToken;
});
afterAll(() => t.close());

const expectEnvelope = (
  r: { statusCode: number; json: () => any; headers: Record<string, unknown> },
  status: number,
  code: string,
) => {
  expect(r.statusCode).toBe(status);
  const b = r.json();
  expect(b).toMatchObject({ statusCode: status, code });
  expect(typeof b.message).toBe('string');
  expect(b.requestId).toBe(r.headers['x-request-id']);
  expect(JSON.stringify(b)).not.toMatch(/\bat .*\.ts:\d+|stack/);
};

async function tableCounts() {
  const tables = [
    'sys_users',
    'sys_roles',
    'sys_api_clients',
    'sys_auth_sessions',
    'sys_idempotency_keys',
    'sys_outbox',
  ] as const;
  const out: Record<string, number> = {};
  for (const tbl of tables) {
    const r = await t.deps.db
      .selectFrom(tbl)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    out[tbl] = Number(r.n);
  }
  return out;
}

describe('every error is the JSON envelope with a precise 4xx', () => {
  it('unknown routes and methods → 404 ROUTE_NOT_FOUND', async () => {
    expectEnvelope(await t.call({ url: '/api/v1/nope' }), 404, 'ROUTE_NOT_FOUND');
    expectEnvelope(await t.call({ method: 'DELETE', url: '/api/v1/auth/me', token }), 404, 'ROUTE_NOT_FOUND');
  });

  it('a crash is a 500 INTERNAL_ERROR without internals', async () => {
    const r = await t.call({ url: '/api/v1/test/crash', token });
    expectEnvelope(r, 500, 'INTERNAL_ERROR');
    expect(r.body).not.toContain('hunter2');
    expect(r.body).not.toContain('app.ts');
  });

  it('bad bodies: invalid JSON, wrong types, unknown fields, oversize, wrong content type, prototype poisoning', async () => {
    const before = await tableCounts();
    const raw = (payload: string, type = 'application/json') =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password',
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID(), 'content-type': type },
        payload,
      });
    expectEnvelope(await raw('{"currentPassword": '), 400, 'INVALID_JSON');
    expectEnvelope(await raw(''), 400, 'INVALID_JSON');
    const types = await raw(JSON.stringify({ currentPassword: 12, newPassword: ['x'] }));
    expectEnvelope(types, 400, 'VALIDATION_ERROR');
    expect([...new Set(types.json().details.map((d: { field: string }) => d.field))].sort()).toEqual([
      'body.currentPassword',
      'body.newPassword',
    ]);
    const unknown = await raw(JSON.stringify({ currentPassword: 'a', newPassword: 'long-enough-pw', isAdmin: true, role: 'x' }));
    expectEnvelope(unknown, 400, 'VALIDATION_ERROR');
    expect(unknown.json().details).toEqual(
      expect.arrayContaining([
        { field: 'body.isAdmin', message: 'unknown field' },
        { field: 'body.role', message: 'unknown field' },
      ]),
    );
    expectEnvelope(await raw(JSON.stringify({ currentPassword: 'x'.repeat(5000), newPassword: 'y' })), 413, 'PAYLOAD_TOO_LARGE');
    expectEnvelope(await raw('currentPassword=a', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    // Prototype poisoning is refused by the JSON parser itself (Fastify reports it as invalid JSON).
    expectEnvelope(
      await raw('{"__proto__": {"admin": true}, "currentPassword": "a", "newPassword": "long-enough-pw"}'),
      400,
      'INVALID_JSON',
    );
    expectEnvelope(await raw('[1,2,3]'), 400, 'VALIDATION_ERROR');
    expectEnvelope(await raw('null'), 400, 'VALIDATION_ERROR');
    expect(await tableCounts()).toEqual(before);
  });

  it('SQL- and script-like strings are data, never code', async () => {
    const before = await tableCounts();
    for (const evil of [
      "admin' OR '1'='1",
      "admin'; DROP TABLE sys_users; --",
      '<script>alert(1)</script>',
      '$' + '{7*7}',
      '\u0000admin',
    ]) {
      const r = await t.call({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: evil, password: evil },
        remoteAddress: '10.9.0.1',
      });
      expect([400, 401]).toContain(r.statusCode);
      expect(r.body).not.toContain('<script>');
    }
    const q = await t.call({ url: `/api/v1/audit-logs?action=${encodeURIComponent("x' OR 1=1 --")}`, token });
    expect(q.statusCode).toBe(200);
    expect(q.json().items).toEqual([]);
    const badQuery = await t.call({ url: '/api/v1/audit-logs?limit=abc&from=yesterday', token });
    expectEnvelope(badQuery, 400, 'VALIDATION_ERROR');
    expect(
      badQuery
        .json()
        .details.map((d: { field: string }) => d.field)
        .sort(),
    ).toEqual(['querystring.from', 'querystring.limit']);
    const { sessions, ...rest } = { ...(await tableCounts()), sessions: 0 };
    const { sessions: _s, ...restBefore } = { ...before, sessions: 0 };
    expect(rest).toEqual(restBefore);
    expect(sessions).toBe(0);
  });

  it('missing and garbage headers', async () => {
    expectEnvelope(await t.call({ url: '/api/v1/audit-logs' }), 401, 'UNAUTHENTICATED');
    expectEnvelope(await t.call({ url: '/api/v1/audit-logs', headers: { authorization: 'Bearer' } }), 401, 'TOKEN_INVALID');
    expectEnvelope(await t.call({ url: '/api/v1/audit-logs', headers: { authorization: 'Bearer a.b.c' } }), 401, 'TOKEN_INVALID');
    expectEnvelope(
      await t.call({ url: '/api/v1/audit-logs', headers: { authorization: `Bearer ${'A'.repeat(5000)}` } }),
      401,
      'TOKEN_INVALID',
    );
    expectEnvelope(
      await t.call({ method: 'POST', url: '/api/v1/auth/logout', token, idempotencyKey: null }),
      400,
      'IDEMPOTENCY_KEY_MISSING',
    );
    // A sane X-Request-Id is kept; an insane one is replaced.
    const mine = await t.call({ url: '/api/v1/auth/me', token, headers: { 'x-request-id': 'pos-7-req-000123' } });
    expect(mine.headers['x-request-id']).toBe('pos-7-req-000123');
    const evil = await t.call({ url: '/api/v1/auth/me', token, headers: { 'x-request-id': '<script>' } });
    expect(evil.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
