/**
 * Roles and permissions through the API: the permission dictionary, custom roles, the protection of
 * system roles, deletion refusals, MFA required by a role, and the self-lockout guard.
 */
import { ALL_PERMISSIONS, PERMISSIONS, SYSTEM_ROLES } from '@app/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;

beforeAll(async () => {
  t = await createTestApp({ LOGIN_IP_MAX_PER_MINUTE: '1000' });
  admin = (await t.login()).accessToken;
});
afterAll(() => t.close());

const scopeAll = { all: true, sellers: [], sites: [] };
const roleIdOf = async (code: string) =>
  (await t.deps.db.selectFrom('sys_roles').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id;

async function newUser(username: string, roles: string[]) {
  const password = `${username}-password-1`;
  const r = await t.call({
    method: 'POST',
    url: '/api/v1/users',
    token: admin,
    payload: { username, displayName: username, password, roles, scope: scopeAll },
  });
  expect(r.statusCode, r.body).toBe(201);
  return { id: r.json().id as string, password };
}

const createRole = (payload: Record<string, unknown>, token = admin) =>
  t.call({ method: 'POST', url: '/api/v1/roles', token, payload });

describe('reading', () => {
  it('GET /permissions is the dictionary', async () => {
    const r = await t.call({ url: '/api/v1/permissions', token: admin });
    expect(r.statusCode).toBe(200);
    expect(r.json().items).toEqual(ALL_PERMISSIONS.map((code) => ({ code, description: PERMISSIONS[code] })));
  });

  it('GET /roles lists the system roles with their permissions and holders; GET /roles/:id one of them', async () => {
    const r = await t.call({ url: '/api/v1/roles', token: admin });
    expect(r.statusCode).toBe(200);
    const items = r.json().items as {
      id: string;
      code: string;
      permissions: string[];
      userCount: number;
      clientCount: number;
      isSystem: boolean;
    }[];
    expect(items.map((x) => x.code)).toEqual(expect.arrayContaining(Object.keys(SYSTEM_ROLES)));
    const adminRole = items.find((x) => x.code === 'admin');
    expect(adminRole).toMatchObject({ isSystem: true, userCount: 1, clientCount: 0, mfaRequired: false });
    expect(adminRole?.permissions).toEqual([...ALL_PERMISSIONS].sort());
    expect(items.find((x) => x.code === 'pos')).toMatchObject({
      userCount: 0,
      clientCount: 1,
      permissions: ['invoice.issue', 'invoice.read'],
    });

    const one = await t.call({ url: `/api/v1/roles/${adminRole?.id}`, token: admin });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(adminRole);
    expect(new Date(one.json().createdAt).toISOString()).toBe(one.json().createdAt);
  });

  it('404 for an unknown id, 400 naming params.id for a malformed one', async () => {
    const missing = await t.call({ url: '/api/v1/roles/00000000-0000-4000-8000-000000000000', token: admin });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('NOT_FOUND');
    for (const method of ['PATCH', 'DELETE'] as const) {
      const r = await t.call({
        method,
        url: '/api/v1/roles/00000000-0000-4000-8000-000000000000',
        token: admin,
        payload: method === 'PATCH' ? { name: 'x' } : undefined,
      });
      expect(r.statusCode, method).toBe(404);
    }
    const malformed = await t.call({ method: 'DELETE', url: '/api/v1/roles/123', token: admin });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'params.id' }] });
  });

  it('403 without user.manage (an auditor)', async () => {
    const a = await newUser('role-auditor', ['auditor']);
    const s = await t.login('role-auditor', a.password);
    for (const req of [
      { url: '/api/v1/permissions' },
      { url: '/api/v1/roles' },
      { method: 'POST' as const, url: '/api/v1/roles', payload: { code: 'mine', name: 'Mine', permissions: ['user.manage'] } },
      { method: 'PATCH' as const, url: `/api/v1/roles/${await roleIdOf('auditor')}`, payload: { mfaRequired: true } },
      { method: 'DELETE' as const, url: `/api/v1/roles/${await roleIdOf('auditor')}` },
    ]) {
      const r = await t.call({ ...req, token: s.accessToken });
      expect(r.statusCode, req.url).toBe(403);
      expect(r.json()).toMatchObject({ code: 'FORBIDDEN', details: { required: 'user.manage' } });
    }
    expect(await t.deps.db.selectFrom('sys_roles').select('id').where('code', '=', 'mine').execute()).toHaveLength(0);
  });
});

describe('custom roles', () => {
  it('create (201), duplicate code (409), unknown permission or field (400 naming it)', async () => {
    const r = await createRole({
      code: 'clerk',
      name: 'Clerk',
      description: 'Front desk',
      permissions: ['invoice.read', 'invoice.issue', 'invoice.read'],
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({
      code: 'clerk',
      name: 'Clerk',
      description: 'Front desk',
      permissions: ['invoice.issue', 'invoice.read'],
      mfaRequired: false,
      isSystem: false,
      userCount: 0,
      clientCount: 0,
    });
    const audit = await t.deps.db
      .selectFrom('sys_audit_logs')
      .select(['target_type', 'target_id', 'summary'])
      .where('action', '=', 'role.create')
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ target_type: 'role', target_id: r.json().id });
    expect(audit.summary).toMatchObject({ after: { roleCode: 'clerk', permissions: ['invoice.issue', 'invoice.read'] } });

    const dupe = await createRole({ code: 'clerk', name: 'Again', permissions: [] });
    expect(dupe.statusCode).toBe(409);
    expect(dupe.json()).toMatchObject({ code: 'ALREADY_EXISTS', details: { field: 'body.code' } });
    const system = await createRole({ code: 'admin', name: 'Fake admin', permissions: [] });
    expect(system.statusCode).toBe(409);

    const perm = await createRole({ code: 'bad-perm', name: 'Bad', permissions: ['invoice.read', 'invoice.delete_all'] });
    expect(perm.statusCode).toBe(400);
    expect(perm.json()).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'body.permissions.1' }] });
    const unknown = await createRole({ code: 'bad-field', name: 'Bad', permissions: [], isSystem: true, users: [] });
    expect(unknown.statusCode).toBe(400);
    expect(
      unknown
        .json()
        .details.map((d: { field: string }) => d.field)
        .sort(),
    ).toEqual(['body.isSystem', 'body.users']);
    const code = await createRole({ code: 'Bad Code', name: 'Bad', permissions: [] });
    expect(code.statusCode).toBe(400);
    expect(code.json().details[0].field).toBe('body.code');
    expect(await t.deps.db.selectFrom('sys_roles').select('id').where('code', 'like', 'bad%').execute()).toHaveLength(0);
  });

  it('update changes permissions with before/after in the audit; holders get them on their next request', async () => {
    const role = (await createRole({ code: 'reader', name: 'Reader', permissions: ['invoice.read'] })).json();
    const u = await newUser('reader-1', ['reader']);
    const s = await t.login('reader-1', u.password);
    expect((await t.call({ url: '/api/v1/audit-logs', token: s.accessToken })).statusCode).toBe(403);

    const r = await t.call({
      method: 'PATCH',
      url: `/api/v1/roles/${role.id}`,
      token: admin,
      payload: { name: 'Reader+', permissions: ['invoice.read', 'audit.read'] },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ name: 'Reader+', permissions: ['audit.read', 'invoice.read'], userCount: 1 });
    expect((await t.call({ url: '/api/v1/audit-logs', token: s.accessToken })).statusCode).toBe(200);
    const audit = await t.deps.db
      .selectFrom('sys_audit_logs')
      .select(['summary'])
      .where('action', '=', 'role.update')
      .where('target_id', '=', role.id)
      .executeTakeFirstOrThrow();
    expect(audit.summary).toMatchObject({
      before: { name: 'Reader', permissions: ['invoice.read'] },
      after: { name: 'Reader+', permissions: ['audit.read', 'invoice.read'] },
    });
  });

  it('delete: refused while assigned (409 with the counts), then 200, then 404', async () => {
    const role = (await createRole({ code: 'temp', name: 'Temp', permissions: ['invoice.read'] })).json();
    const u = await newUser('temp-1', ['temp']);
    const client = await t.call({
      method: 'POST',
      url: '/api/v1/clients',
      token: admin,
      payload: { name: 'Temp POS', kind: 'pos', roles: ['temp'], scope: scopeAll },
    });
    expect(client.statusCode).toBe(201);
    const held = await t.call({ method: 'DELETE', url: `/api/v1/roles/${role.id}`, token: admin });
    expect(held.statusCode).toBe(409);
    expect(held.json()).toMatchObject({ code: 'CONFLICT', details: { users: 1, clients: 1 } });

    await t.call({ method: 'PATCH', url: `/api/v1/users/${u.id}`, token: admin, payload: { roles: [] } });
    await t.call({ method: 'PATCH', url: `/api/v1/clients/${client.json().id}`, token: admin, payload: { roles: ['pos'] } });
    const del = await t.call({ method: 'DELETE', url: `/api/v1/roles/${role.id}`, token: admin });
    expect(del.statusCode, del.body).toBe(200);
    expect(del.json()).toEqual({ id: role.id, deleted: true });
    expect((await t.call({ url: `/api/v1/roles/${role.id}`, token: admin })).statusCode).toBe(404);
    const audit = await t.deps.db
      .selectFrom('sys_audit_logs')
      .select(['outcome', 'summary'])
      .where('action', '=', 'role.delete')
      .where('target_id', '=', role.id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.outcome)).toEqual(['failure', 'success']);
    expect(audit[1]?.summary).toMatchObject({ before: { roleCode: 'temp', permissions: ['invoice.read'] } });
  });
});

describe('system roles', () => {
  it('keep their permissions and cannot be deleted (409); name, description and MFA requirement may change', async () => {
    const id = await roleIdOf('operator');
    const perms = await t.call({
      method: 'PATCH',
      url: `/api/v1/roles/${id}`,
      token: admin,
      payload: { permissions: ['invoice.read'] },
    });
    expect(perms.statusCode).toBe(409);
    expect(perms.json()).toMatchObject({ code: 'CONFLICT', details: { field: 'body.permissions' } });
    const del = await t.call({ method: 'DELETE', url: `/api/v1/roles/${id}`, token: admin });
    expect(del.statusCode).toBe(409);
    const after = await t.call({ url: `/api/v1/roles/${id}`, token: admin });
    expect(after.json().permissions).toEqual([...SYSTEM_ROLES.operator.permissions].sort());

    // Sending the unchanged permission set along with other edits is fine.
    const ok = await t.call({
      method: 'PATCH',
      url: `/api/v1/roles/${id}`,
      token: admin,
      payload: {
        name: 'Operator (back office)',
        description: 'Daily work',
        permissions: [...SYSTEM_ROLES.operator.permissions].reverse(),
      },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ name: 'Operator (back office)', description: 'Daily work', isSystem: true });
  });

  it('a role requiring MFA: its holder signs in with mfaEnrollmentRequired and may only reach the enrolment routes', async () => {
    const role = (await createRole({ code: 'managers', name: 'Managers', permissions: ['user.manage', 'audit.read'] })).json();
    const u = await newUser('manager-1', ['managers']);
    const before = await t.login('manager-1', u.password);
    expect((await t.call({ url: '/api/v1/users', token: before.accessToken })).statusCode).toBe(200);

    const r = await t.call({ method: 'PATCH', url: `/api/v1/roles/${role.id}`, token: admin, payload: { mfaRequired: true } });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().mfaRequired).toBe(true);

    // The running session is held to it at once, and so is a new sign-in.
    const running = await t.call({ url: '/api/v1/users', token: before.accessToken });
    expect(running.statusCode).toBe(403);
    expect(running.json().code).toBe('MFA_ENROLLMENT_REQUIRED');
    const login = await t.call({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'manager-1', password: u.password },
    });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toMatchObject({ mfaRequired: false, mfaEnrollmentRequired: true });
    const token = login.json().accessToken;
    const users = await t.call({ url: '/api/v1/users', token });
    expect(users.statusCode).toBe(403);
    expect(users.json().code).toBe('MFA_ENROLLMENT_REQUIRED');
    const me = await t.call({ url: '/api/v1/auth/me', token });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ mfaPending: true, mfaEnabled: false });

    // A system role may require MFA too (a feature, not a permission change).
    const approver = await roleIdOf('approver');
    const sys = await t.call({ method: 'PATCH', url: `/api/v1/roles/${approver}`, token: admin, payload: { mfaRequired: true } });
    expect(sys.statusCode, sys.body).toBe(200);
    expect(sys.json()).toMatchObject({ code: 'approver', isSystem: true, mfaRequired: true });
    const a = await newUser('approver-1', ['approver']);
    const al = await t.call({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'approver-1', password: a.password },
    });
    expect(al.json().mfaEnrollmentRequired).toBe(true);
  });
});

describe('self-lockout', () => {
  it('a caller cannot strip user.manage from the only role that grants it to them; another administrator can', async () => {
    const role = (await createRole({ code: 'helpdesk', name: 'Helpdesk', permissions: ['user.manage'] })).json();
    const u = await newUser('helpdesk-1', ['helpdesk']);
    const s = await t.login('helpdesk-1', u.password);
    const own = await t.call({
      method: 'PATCH',
      url: `/api/v1/roles/${role.id}`,
      token: s.accessToken,
      payload: { permissions: ['invoice.read'] },
    });
    expect(own.statusCode).toBe(409);
    expect(own.json().code).toBe('CONFLICT');
    expect((await t.call({ url: `/api/v1/roles/${role.id}`, token: admin })).json().permissions).toEqual(['user.manage']);

    const byAdmin = await t.call({
      method: 'PATCH',
      url: `/api/v1/roles/${role.id}`,
      token: admin,
      payload: { permissions: ['invoice.read'] },
    });
    expect(byAdmin.statusCode).toBe(200);
    const denied = await t.call({ url: '/api/v1/roles', token: s.accessToken });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('FORBIDDEN');
  });
});
