/**
 * User administration through the API: create/list/read/update, password reset, unlock, MFA reset,
 * data scopes; refusals (403, 404, 400, 409, self-lockout); audit rows and outbox events.
 */
import { totpCode } from '@app/security';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, createTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;
let adminId: string;

beforeAll(async () => {
  // Many logins from one address in this file: lift the per-IP sign-in limit (the limit has its own tests).
  t = await createTestApp({ LOGIN_IP_MAX_PER_MINUTE: '1000' });
  const s = await t.login();
  admin = s.accessToken;
  adminId = (await t.call({ url: '/api/v1/auth/me', token: admin })).json().id;
});
afterAll(() => t.close());

const scopeAll = { all: true, sellers: [], sites: [] };

async function createUser(body: Record<string, unknown>) {
  return t.call({ method: 'POST', url: '/api/v1/users', token: admin, payload: body });
}

async function newUser(username: string, roles: string[], password = `${username}-password-1`) {
  const r = await createUser({ username, displayName: username.toUpperCase(), password, roles, scope: scopeAll });
  expect(r.statusCode, r.body).toBe(201);
  return { id: r.json().id as string, password };
}

const auditRows = (action: string, targetId: string) =>
  t.deps.db
    .selectFrom('sys_audit_logs')
    .select(['action', 'outcome', 'actor_id', 'target_type', 'target_id', 'summary'])
    .where('action', '=', action)
    .where('target_id', '=', targetId)
    .orderBy('id')
    .execute();

describe('create, read, list', () => {
  it('creates a user with roles and scope: 201, no secrets in the answer, audit after-summary and a UserCreated event', async () => {
    const password = 'alice-password-1';
    const r = await createUser({
      username: 'Alice',
      displayName: 'Alice Chen',
      email: 'alice@example.com',
      password,
      roles: ['operator', 'auditor'],
      scope: { all: false, sellers: ['s-1', 's-2'], sites: ['site-9'] },
    });
    expect(r.statusCode, r.body).toBe(201);
    const u = r.json();
    expect(u).toMatchObject({
      username: 'Alice',
      displayName: 'Alice Chen',
      email: 'alice@example.com',
      status: 'active',
      roles: ['auditor', 'operator'],
      mfaEnabled: false,
      lockedUntil: null,
      lastLoginAt: null,
      scope: { all: false, sellers: ['s-1', 's-2'], sites: ['site-9'] },
    });
    expect(new Date(u.createdAt).toISOString()).toBe(u.createdAt);
    expect(r.body).not.toContain(password);
    expect(r.body).not.toMatch(/scrypt|hash|mfaSecret/i);

    const got = await t.call({ url: `/api/v1/users/${u.id}`, token: admin });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(u);

    const [audit] = await auditRows('user.create', u.id);
    expect(audit).toMatchObject({ outcome: 'success', actor_id: adminId, target_type: 'user' });
    expect(audit?.summary).toMatchObject({ after: { username: 'Alice', roles: ['auditor', 'operator'], status: 'active' } });
    expect(JSON.stringify(audit?.summary)).not.toContain(password);
    expect(JSON.stringify(audit?.summary)).not.toContain('scrypt');

    const events = await t.deps.db.selectFrom('sys_outbox').selectAll().where('aggregate_id', '=', u.id).execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      event_type: 'UserCreated',
      aggregate_type: 'user',
      payload: { userId: u.id, username: 'Alice', roles: ['auditor', 'operator'] },
    });
    expect(events[0]?.request_id).toBe(r.headers['x-request-id']);

    // The new user can sign in with the password.
    await t.login('alice', password);
  });

  it('usernames are unique case-insensitively: 409 ALREADY_EXISTS naming the field, nothing written', async () => {
    await newUser('dupe.user', ['auditor']);
    const r = await createUser({
      username: 'DUPE.USER',
      displayName: 'X',
      password: 'another-password-1',
      roles: [],
      scope: scopeAll,
    });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'ALREADY_EXISTS', details: { field: 'body.username' } });
    const n = await t.deps.db.selectFrom('sys_users').select('id').where('username', 'ilike', 'dupe.user').execute();
    expect(n).toHaveLength(1);
  });

  it('refuses unknown fields (each named), unknown roles, short passwords and all+lists scopes with 400', async () => {
    const base = { username: 'valid-name', displayName: 'V', password: 'valid-password-1', roles: [], scope: scopeAll };
    const unknown = await createUser({ ...base, isAdmin: true, passwordHash: 'x', scope: { ...scopeAll, everything: 1 } });
    expect(unknown.statusCode).toBe(400);
    const fields = unknown.json().details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['body.isAdmin', 'body.passwordHash', 'body.scope.everything']));

    const role = await createUser({ ...base, roles: ['auditor', 'no-such-role'] });
    expect(role.statusCode).toBe(400);
    expect(role.json()).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'body.roles' }] });
    expect(role.json().message).toContain('no-such-role');

    const short = await createUser({ ...base, password: 'short' });
    expect(short.statusCode).toBe(400);
    expect(short.json().details[0].field).toBe('body.password');

    const scope = await createUser({ ...base, scope: { all: true, sellers: ['s-1'], sites: [] } });
    expect(scope.statusCode).toBe(400);
    expect(scope.json().details[0].field).toBe('body.scope.all');

    const none = await t.deps.db.selectFrom('sys_users').select('id').where('username', '=', 'valid-name').execute();
    expect(none).toHaveLength(0);
  });

  it('lists with q / status / role filters and keyset pages (limit at most 200)', async () => {
    for (const n of ['page-a', 'page-b', 'page-c', 'page-d', 'page-e']) await newUser(n, ['approver']);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/v1/users?q=page-&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const r = await t.call({ url, token: admin });
      expect(r.statusCode, r.body).toBe(200);
      const body = r.json();
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((u: { username: string }) => u.username));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(['page-a', 'page-b', 'page-c', 'page-d', 'page-e']);
    expect(pages).toBe(3);

    // q matches the display name too, case-insensitively; LIKE wildcards are literal.
    const byName = await t.call({ url: '/api/v1/users?q=PAGE-C', token: admin });
    expect(byName.json().items.map((u: { username: string }) => u.username)).toEqual(['page-c']);
    const wildcard = await t.call({ url: '/api/v1/users?q=%25', token: admin });
    expect(wildcard.json().items).toEqual([]);

    const approvers = await t.call({ url: '/api/v1/users?role=approver', token: admin });
    expect(approvers.json().items.map((u: { username: string }) => u.username)).toEqual([
      'page-a',
      'page-b',
      'page-c',
      'page-d',
      'page-e',
    ]);
    expect(approvers.json().items[0]).not.toHaveProperty('scope');

    const admins = await t.call({ url: '/api/v1/users?role=admin&status=active', token: admin });
    expect(admins.json().items.map((u: { username: string }) => u.username)).toEqual([ADMIN.username]);

    const tooMany = await t.call({ url: '/api/v1/users?limit=201', token: admin });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().details[0].field).toBe('querystring.limit');
    const badFilter = await t.call({ url: '/api/v1/users?status=gone&sort=name', token: admin });
    expect(badFilter.statusCode).toBe(400);
    expect(
      badFilter
        .json()
        .details.map((d: { field: string }) => d.field)
        .sort(),
    ).toEqual(['querystring.sort', 'querystring.status']);
  });

  it('404 for an unknown id, 400 naming params.id for a malformed one', async () => {
    const missing = await t.call({ url: '/api/v1/users/00000000-0000-4000-8000-000000000000', token: admin });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('NOT_FOUND');
    const patch = await t.call({
      method: 'PATCH',
      url: '/api/v1/users/00000000-0000-4000-8000-000000000000',
      token: admin,
      payload: { displayName: 'x' },
    });
    expect(patch.statusCode).toBe(404);
    const malformed = await t.call({ url: '/api/v1/users/not-a-uuid', token: admin });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'params.id' }] });
  });

  it('403 without user.manage (an auditor), for reads and writes, and nothing is created', async () => {
    const a = await newUser('auditor-1', ['auditor']);
    const s = await t.login('auditor-1', a.password);
    for (const req of [
      { url: '/api/v1/users' },
      { url: `/api/v1/users/${a.id}` },
      {
        method: 'POST' as const,
        url: '/api/v1/users',
        payload: { username: 'sneaky', displayName: 'S', password: 'sneaky-password', roles: ['admin'], scope: scopeAll },
      },
      { method: 'PUT' as const, url: `/api/v1/users/${a.id}/scope`, payload: scopeAll },
      { method: 'PATCH' as const, url: `/api/v1/users/${a.id}`, payload: { roles: ['admin'] } },
    ]) {
      const r = await t.call({ ...req, token: s.accessToken });
      expect(r.statusCode, `${req.url}`).toBe(403);
      expect(r.json()).toMatchObject({ code: 'FORBIDDEN', details: { required: 'user.manage' } });
    }
    expect(await t.deps.db.selectFrom('sys_users').select('id').where('username', '=', 'sneaky').execute()).toHaveLength(0);
    const roles = await t.call({ url: `/api/v1/users/${a.id}`, token: admin });
    expect(roles.json().roles).toEqual(['auditor']);
  });
});

describe('update', () => {
  it('changes profile and roles with before/after in the audit and a UserUpdated event naming the changes', async () => {
    const u = await newUser('bob', ['auditor']);
    const r = await t.call({
      method: 'PATCH',
      url: `/api/v1/users/${u.id}`,
      token: admin,
      payload: { displayName: 'Bob Lin', email: 'bob@example.com', roles: ['operator'] },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ displayName: 'Bob Lin', email: 'bob@example.com', roles: ['operator'] });
    const [audit] = await auditRows('user.update', u.id);
    expect(audit?.summary).toMatchObject({
      before: { displayName: 'BOB', email: null, roles: ['auditor'] },
      after: { displayName: 'Bob Lin', email: 'bob@example.com', roles: ['operator'] },
    });
    const ev = await t.deps.db
      .selectFrom('sys_outbox')
      .select(['payload'])
      .where('event_type', '=', 'UserUpdated')
      .where('aggregate_id', '=', u.id)
      .execute();
    expect(ev.map((e) => e.payload)).toEqual([{ userId: u.id, changed: ['displayName', 'email', 'roles'] }]);

    // Roles take effect on the user's next request (no cache delay).
    const s = await t.login('bob', u.password);
    expect((await t.call({ url: '/api/v1/audit-logs', token: s.accessToken })).statusCode).toBe(403);
    await t.call({ method: 'PATCH', url: `/api/v1/users/${u.id}`, token: admin, payload: { roles: ['auditor'] } });
    expect((await t.call({ url: '/api/v1/audit-logs', token: s.accessToken })).statusCode).toBe(200);

    const email = await t.call({ method: 'PATCH', url: `/api/v1/users/${u.id}`, token: admin, payload: { email: null } });
    expect(email.json().email).toBeNull();
    const bad = await t.call({
      method: 'PATCH',
      url: `/api/v1/users/${u.id}`,
      token: admin,
      payload: { email: 'nope', username: 'x' },
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .details.map((d: { field: string }) => d.field)
        .sort(),
    ).toEqual(['body.email', 'body.username']);
  });

  it('disabling a user ends their sessions at once; they cannot sign in until enabled again', async () => {
    const u = await newUser('carol', ['auditor']);
    const s = await t.login('carol', u.password);
    expect((await t.call({ url: '/api/v1/auth/me', token: s.accessToken })).statusCode).toBe(200);
    const r = await t.call({ method: 'PATCH', url: `/api/v1/users/${u.id}`, token: admin, payload: { status: 'disabled' } });
    expect(r.statusCode).toBe(200);
    expect(r.json().status).toBe('disabled');
    const me = await t.call({ url: '/api/v1/auth/me', token: s.accessToken });
    expect(me.statusCode).toBe(401);
    const refresh = await t.call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: s.refreshToken } });
    expect(refresh.statusCode).toBe(401);
    const sessions = await t.deps.db
      .selectFrom('sys_auth_sessions')
      .select(['revoked_at', 'revoked_reason'])
      .where('user_id', '=', u.id)
      .execute();
    expect(sessions.every((x) => x.revoked_at !== null && x.revoked_reason === 'user disabled')).toBe(true);
    await expect(t.login('carol', u.password)).rejects.toThrow(/401/);
    const [audit] = await auditRows('user.update', u.id);
    expect(audit?.summary).toMatchObject({
      before: { status: 'active' },
      after: { status: 'disabled' },
      note: { sessionsRevoked: 1 },
    });

    await t.call({ method: 'PATCH', url: `/api/v1/users/${u.id}`, token: admin, payload: { status: 'active' } });
    await t.login('carol', u.password);
  });

  it('an administrator cannot disable themselves or take away their own last user.manage (409), and nothing changes', async () => {
    const self = await t.call({
      method: 'PATCH',
      url: `/api/v1/users/${adminId}`,
      token: admin,
      payload: { status: 'disabled' },
    });
    expect(self.statusCode).toBe(409);
    expect(self.json()).toMatchObject({ code: 'CONFLICT', details: { field: 'body.status' } });
    const roles = await t.call({
      method: 'PATCH',
      url: `/api/v1/users/${adminId}`,
      token: admin,
      payload: { roles: ['auditor'] },
    });
    expect(roles.statusCode).toBe(409);
    expect(roles.json().code).toBe('CONFLICT');
    const still = await t.call({ url: `/api/v1/users/${adminId}`, token: admin });
    expect(still.json()).toMatchObject({ status: 'active', roles: ['admin'] });

    // Keeping user.manage through another role is fine: a custom role with user.manage.
    const role = await t.call({
      method: 'POST',
      url: '/api/v1/roles',
      token: admin,
      payload: { code: 'user-admin', name: 'User admin', permissions: ['user.manage'] },
    });
    expect(role.statusCode).toBe(201);
    const swap = await t.call({
      method: 'PATCH',
      url: `/api/v1/users/${adminId}`,
      token: admin,
      payload: { roles: ['user-admin', 'auditor'] },
    });
    expect(swap.statusCode, swap.body).toBe(200);
    const back = await t.call({ method: 'PATCH', url: `/api/v1/users/${adminId}`, token: admin, payload: { roles: ['admin'] } });
    expect(back.statusCode).toBe(200);
    // Another administrator may disable this one.
    const other = await newUser('admin-2', ['admin']);
    const s2 = await t.login('admin-2', other.password);
    const byOther = await t.call({
      method: 'PATCH',
      url: `/api/v1/users/${other.id}`,
      token: s2.accessToken,
      payload: { status: 'disabled' },
    });
    expect(byOther.statusCode).toBe(409);
    const byAdmin = await t.call({
      method: 'PATCH',
      url: `/api/v1/users/${other.id}`,
      token: admin,
      payload: { status: 'disabled' },
    });
    expect(byAdmin.statusCode).toBe(200);
  });
});

describe('security actions', () => {
  it('an administrator password reset ends all sessions; the new password works, the old does not; no secret is audited', async () => {
    const u = await newUser('dave', ['auditor']);
    const s = await t.login('dave', u.password);
    const newPassword = 'dave-new-password-2';
    const r = await t.call({
      method: 'POST',
      url: `/api/v1/users/${u.id}/password`,
      token: admin,
      payload: { password: newPassword },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.body).not.toContain(newPassword);
    expect((await t.call({ url: '/api/v1/auth/me', token: s.accessToken })).statusCode).toBe(401);
    await expect(t.login('dave', u.password)).rejects.toThrow(/401/);
    await t.login('dave', newPassword);
    const [audit] = await auditRows('user.password_reset', u.id);
    expect(audit).toMatchObject({ outcome: 'success', target_type: 'user' });
    expect(audit?.summary).toMatchObject({
      before: { username: 'dave' },
      after: { username: 'dave' },
      note: { sessionsRevoked: 1 },
    });
    const text = JSON.stringify(audit?.summary);
    expect(text).not.toContain(newPassword);
    expect(text).not.toContain('scrypt');

    const short = await t.call({
      method: 'POST',
      url: `/api/v1/users/${u.id}/password`,
      token: admin,
      payload: { password: 'x'.repeat(9) },
    });
    expect(short.statusCode).toBe(400);
    const long = await t.call({
      method: 'POST',
      url: `/api/v1/users/${u.id}/password`,
      token: admin,
      payload: { password: 'x'.repeat(257) },
    });
    expect(long.statusCode).toBe(400);
  });

  it('unlock lifts a login lock (the throttle and the durable copy)', async () => {
    const u = await newUser('erin', ['auditor']);
    for (let i = 0; i < t.deps.config.LOGIN_MAX_FAILURES; i++) {
      const r = await t.call({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'erin', password: 'wrong-password-x' },
      });
      expect(r.statusCode).toBe(401);
    }
    const locked = await t.call({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'erin', password: u.password },
    });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().code).toBe('LOGIN_LOCKED');
    const shown = await t.call({ url: `/api/v1/users/${u.id}`, token: admin });
    expect(shown.json().lockedUntil).not.toBeNull();

    const r = await t.call({ method: 'POST', url: `/api/v1/users/${u.id}/unlock`, token: admin });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().lockedUntil).toBeNull();
    await t.login('ERIN', u.password);
    const [audit] = await auditRows('user.unlock', u.id);
    expect(audit?.summary).toMatchObject({ after: { lockedUntil: null } });
    expect(audit?.summary).toMatchObject({ before: { lockedUntil: expect.any(String) } });
  });

  it('MFA reset removes the enrolment: the user signs in with the password alone again', async () => {
    const u = await newUser('frank', ['auditor']);
    const s = await t.login('frank', u.password);
    const enrol = await t.call({ method: 'POST', url: '/api/v1/auth/mfa/enroll', token: s.accessToken });
    const { secret } = enrol.json();
    const act = await t.call({
      method: 'POST',
      url: '/api/v1/auth/mfa/activate',
      token: s.accessToken,
      payload: { code: await totpCode(secret, Math.floor(Date.now() / 1000)) },
    });
    expect(act.statusCode).toBe(200);
    const step = await t.call({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'frank', password: u.password },
    });
    expect(step.json().mfaRequired).toBe(true);

    const r = await t.call({ method: 'POST', url: `/api/v1/users/${u.id}/mfa-reset`, token: admin });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().mfaEnabled).toBe(false);
    expect(r.body).not.toContain(secret);
    const row = await t.deps.db
      .selectFrom('sys_users')
      .select(['mfa_enabled', 'mfa_secret_enc', 'mfa_pending_secret_enc'])
      .where('id', '=', u.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ mfa_enabled: false, mfa_secret_enc: null, mfa_pending_secret_enc: null });
    expect(await t.deps.db.selectFrom('sys_user_recovery_codes').select('id').where('user_id', '=', u.id).execute()).toHaveLength(
      0,
    );
    const login = await t.call({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'frank', password: u.password },
    });
    expect(login.json()).toMatchObject({ mfaRequired: false });
    const [audit] = await auditRows('user.mfa_reset', u.id);
    expect(audit?.summary).toMatchObject({ before: { mfaEnabled: true }, after: { mfaEnabled: false } });
    expect(JSON.stringify(audit?.summary)).not.toContain(secret);

    const again = await t.call({ method: 'POST', url: `/api/v1/users/${u.id}/mfa-reset`, token: admin });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('MFA_NOT_ENROLLED');
  });

  it('PUT scope replaces the data scope, audited as scope.set with before/after, effective on the next request', async () => {
    const u = await newUser('grace', ['auditor']);
    const s = await t.login('grace', u.password);
    const r = await t.call({
      method: 'PUT',
      url: `/api/v1/users/${u.id}/scope`,
      token: admin,
      payload: { all: false, sellers: ['s-9', 's-9', 's-1'], sites: [] },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().scope).toEqual({ all: false, sellers: ['s-1', 's-9'], sites: [] });
    const me = await t.call({ url: '/api/v1/auth/me', token: s.accessToken });
    expect(me.json().scope).toEqual({ all: false, sellers: ['s-1', 's-9'], sites: [] });
    const [audit] = await auditRows('scope.set', u.id);
    expect(audit).toMatchObject({ target_type: 'user', outcome: 'success' });
    expect(audit?.summary).toEqual({
      before: { scope: { all: true, sellers: [], sites: [] } },
      after: { scope: { all: false, sellers: ['s-1', 's-9'], sites: [] } },
    });

    const both = await t.call({
      method: 'PUT',
      url: `/api/v1/users/${u.id}/scope`,
      token: admin,
      payload: { all: true, sellers: [], sites: ['x'] },
    });
    expect(both.statusCode).toBe(400);
    expect(both.json().details[0].field).toBe('body.all');
    const long = await t.call({
      method: 'PUT',
      url: `/api/v1/users/${u.id}/scope`,
      token: admin,
      payload: { all: false, sellers: ['x'.repeat(65)], sites: [] },
    });
    expect(long.statusCode).toBe(400);
    expect(long.json().details[0].field).toBe('body.sellers.0');
    const missing = await t.call({
      method: 'PUT',
      url: '/api/v1/users/00000000-0000-4000-8000-000000000000/scope',
      token: admin,
      payload: scopeAll,
    });
    expect(missing.statusCode).toBe(404);
  });
});
