import { ALL_PERMISSIONS, isAuditAction, isPermission, scopeAllows, scopeFromRows } from '@app/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeCatalog } from '../src/route-catalog.ts';
import { createTestApp, type TestApp } from './helpers.ts';

describe('every /api/v1 route declares its access', () => {
  it('the route table has a permission (or public/authenticated) for each route, and an audit action for each write', async () => {
    const routes = await routeCatalog();
    expect(routes.length).toBeGreaterThan(10);
    for (const r of routes) {
      expect(r.access === 'public' || r.access === 'authenticated' || isPermission(r.access), `${r.method} ${r.url}`).toBe(true);
      if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method))
        expect(isAuditAction(r.audit ?? ''), `${r.method} ${r.url}`).toBe(true);
    }
    // Public routes are exactly the sign-in ones, the live WebSocket channel, which authenticates with its
    // first message (browsers cannot send an Authorization header with a WebSocket; live.hub.ts), and the web
    // app's error reports (a render error may happen signed out; rate limited per address).
    expect(
      routes
        .filter((r) => r.access === 'public')
        .map((r) => r.url)
        .sort(),
    ).toEqual([
      '/api/v1/auth/login',
      '/api/v1/auth/mfa/challenge',
      '/api/v1/auth/refresh',
      '/api/v1/client-errors',
      '/api/v1/live',
      '/api/v1/oauth/token',
    ]);
  });

  it('registering a route without a declared permission fails the build', async () => {
    const t = await createTestApp(
      {},
      {
        beforeReady: (a) => {
          expect(() => a.get('/api/v1/test/undeclared', async () => 'x')).toThrow(/declares no access/);
          expect(() => a.post('/api/v1/test/unaudited', { config: { access: 'user.manage' } }, async () => 'x')).toThrow(
            /no audit action/,
          );
          expect(() => a.get('/api/v1/test/typo', { config: { access: 'user.mange' as never } }, async () => 'x')).toThrow(
            /unknown permission/,
          );
        },
      },
    );
    await t.close();
  });
});

describe('data scopes', () => {
  it('no rows = nothing; all = everything; sellers/sites as listed', () => {
    const none = scopeFromRows([]);
    expect(scopeAllows(none, { seller: 's1' })).toBe(false);
    const all = scopeFromRows([{ scopeType: 'all', scopeRef: null }]);
    expect(scopeAllows(all, { seller: 'anything' })).toBe(true);
    const some = scopeFromRows([
      { scopeType: 'seller', scopeRef: 's1' },
      { scopeType: 'site', scopeRef: 'site-9' },
    ]);
    expect(scopeAllows(some, { seller: 's1' })).toBe(true);
    expect(scopeAllows(some, { seller: 's2', site: 'site-9' })).toBe(true);
    expect(scopeAllows(some, { seller: 's2', site: 'site-1' })).toBe(false);
  });
});

describe('permissions are enforced for every caller kind', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('a user without audit.read gets 403 naming the permission; with it, 200', async () => {
    const { hashSecret } = await import('@app/security');
    const u = await t.deps.db
      .insertInto('sys_users')
      .values({
        tenant_id: t.deps.tenant.id,
        username: 'plain',
        display_name: 'P',
        password_hash: await hashSecret('plain-password-1'),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const s = await t.login('plain', 'plain-password-1');
    const denied = await t.call({ url: '/api/v1/audit-logs', token: s.accessToken });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ code: 'FORBIDDEN', details: { required: 'audit.read' } });
    const auditor = await t.deps.db.selectFrom('sys_roles').select('id').where('code', '=', 'auditor').executeTakeFirstOrThrow();
    await t.deps.db.insertInto('sys_user_roles').values({ user_id: u.id, role_id: auditor.id }).execute();
    const s2 = await t.login('plain', 'plain-password-1');
    expect((await t.call({ url: '/api/v1/audit-logs', token: s2.accessToken })).statusCode).toBe(200);
    expect((await t.call({ url: '/api/v1/admin/metrics', token: s2.accessToken })).statusCode).toBe(403);
  });

  it('the seeded admin holds every permission', async () => {
    const s = await t.login();
    const me = await t.call({ url: '/api/v1/auth/me', token: s.accessToken });
    expect(me.json().permissions).toEqual([...ALL_PERMISSIONS].sort());
  });
});
