/**
 * Machine clients through the API: creation with a secret shown once (and replayed only from the
 * encrypted idempotency store), tokens, disabling (refused at once), secret rotation, scopes,
 * refusals, audit rows and outbox events.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, POS, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;

beforeAll(async () => {
  t = await createTestApp({ LOGIN_IP_MAX_PER_MINUTE: '1000' });
  admin = (await t.login()).accessToken;
});
afterAll(() => t.close());

const scopeAll = { all: true, sellers: [], sites: [] };

const createClient = (payload: Record<string, unknown>, opts: { idempotencyKey?: string; token?: string } = {}) =>
  t.call({
    method: 'POST',
    url: '/api/v1/clients',
    token: opts.token ?? admin,
    payload,
    ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}),
  });

const tokenCall = (clientId: string, clientSecret: string) =>
  t.call({
    method: 'POST',
    url: '/api/v1/oauth/token',
    payload: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
  });

const auditRows = (action: string, targetId: string) =>
  t.deps.db
    .selectFrom('sys_audit_logs')
    .select(['outcome', 'target_type', 'summary'])
    .where('action', '=', action)
    .where('target_id', '=', targetId)
    .orderBy('id')
    .execute();

describe('create', () => {
  it('201 with the secret once; the secret gets a token; reads never show it; audit and ApiClientCreated carry no secret', async () => {
    const r = await createClient({
      clientId: 'erp-main',
      name: 'ERP',
      kind: 'erp',
      roles: ['erp'],
      scope: { all: false, sellers: ['s-1'], sites: [] },
    });
    expect(r.statusCode, r.body).toBe(201);
    const c = r.json();
    expect(c).toMatchObject({
      clientId: 'erp-main',
      name: 'ERP',
      kind: 'erp',
      status: 'active',
      roles: ['erp'],
      lastUsedAt: null,
      scope: { all: false, sellers: ['s-1'], sites: [] },
    });
    expect(c.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const tok = await tokenCall('erp-main', c.clientSecret);
    expect(tok.statusCode, tok.body).toBe(200);
    expect(tok.json().scope.split(' ')).toContain('invoice.cancel');
    const me = await t.call({ url: '/api/v1/auth/me', token: tok.json().access_token });
    expect(me.json()).toMatchObject({ kind: 'client', id: c.id, scope: { all: false, sellers: ['s-1'] } });
    expect((await tokenCall('erp-main', 'wrong-secret-value')).statusCode).toBe(401);

    const got = await t.call({ url: `/api/v1/clients/${c.id}`, token: admin });
    expect(got.statusCode).toBe(200);
    expect(got.json().clientSecret).toBeUndefined();
    expect(got.json().lastUsedAt).not.toBeNull();
    const list = await t.call({ url: '/api/v1/clients', token: admin });
    expect(list.json().items.map((x: { clientId: string }) => x.clientId)).toEqual(['erp-main', POS.clientId]);
    expect(list.body).not.toContain(c.clientSecret);

    const stored = await t.deps.db
      .selectFrom('sys_api_clients')
      .select('secret_hash')
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(stored.secret_hash).not.toContain(c.clientSecret);
    const [audit] = await auditRows('client.create', c.id);
    expect(audit).toMatchObject({ outcome: 'success', target_type: 'client' });
    expect(audit?.summary).toMatchObject({ after: { clientId: 'erp-main', kind: 'erp', roles: ['erp'], status: 'active' } });
    expect(JSON.stringify(audit?.summary)).not.toContain(c.clientSecret);
    const events = await t.deps.db
      .selectFrom('sys_outbox')
      .select(['event_type', 'payload'])
      .where('aggregate_id', '=', c.id)
      .execute();
    expect(events).toEqual([{ event_type: 'ApiClientCreated', payload: { clientPk: c.id, clientId: 'erp-main', kind: 'erp' } }]);
  });

  it('generates a client id like pos-1a2b3c4d when none is given', async () => {
    const r = await createClient({ name: 'Till 2', kind: 'pos', roles: ['pos'], scope: scopeAll });
    expect(r.statusCode).toBe(201);
    expect(r.json().clientId).toMatch(/^pos-[0-9a-f]{8}$/);
    expect((await tokenCall(r.json().clientId, r.json().clientSecret)).statusCode).toBe(200);
  });

  it('a replay with the same Idempotency-Key returns the same secret; the stored answer is encrypted', async () => {
    const key = randomUUID();
    const body = { clientId: 'pos-replay', name: 'Replay', kind: 'pos', roles: ['pos'], scope: scopeAll };
    const first = await createClient(body, { idempotencyKey: key });
    expect(first.statusCode).toBe(201);
    const second = await createClient(body, { idempotencyKey: key });
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json().clientSecret).toBe(first.json().clientSecret);
    expect(second.json().id).toBe(first.json().id);
    expect(
      await t.deps.db.selectFrom('sys_api_clients').select('id').where('client_id', '=', 'pos-replay').execute(),
    ).toHaveLength(1);

    const row = await t.deps.db
      .selectFrom('sys_idempotency_keys')
      .select(['response_status', 'response_body'])
      .where('idempotency_key', '=', key)
      .executeTakeFirstOrThrow();
    expect(row.response_status).toBe(201);
    const text = JSON.stringify(row.response_body);
    expect(text).toContain('$enc');
    expect(text).not.toContain(first.json().clientSecret);
    expect(text).not.toContain('pos-replay');
  });

  it('409 for a taken client id (naming the field); 400 for unknown fields, roles, kinds and all+lists scopes', async () => {
    const dupe = await createClient({ clientId: POS.clientId, name: 'Dupe', kind: 'pos', roles: ['pos'], scope: scopeAll });
    expect(dupe.statusCode).toBe(409);
    expect(dupe.json()).toMatchObject({ code: 'ALREADY_EXISTS', details: { field: 'body.clientId' } });

    const unknown = await createClient({
      name: 'X',
      kind: 'pos',
      roles: [],
      scope: scopeAll,
      clientSecret: 'mine',
      secretHash: 'h',
    });
    expect(unknown.statusCode).toBe(400);
    expect(
      unknown
        .json()
        .details.map((d: { field: string }) => d.field)
        .sort(),
    ).toEqual(['body.clientSecret', 'body.secretHash']);
    const role = await createClient({ name: 'X', kind: 'pos', roles: ['pos', 'ghost'], scope: scopeAll });
    expect(role.statusCode).toBe(400);
    expect(role.json().details).toEqual([{ field: 'body.roles', message: expect.stringContaining('ghost') }]);
    const kind = await createClient({ name: 'X', kind: 'mainframe', roles: [], scope: scopeAll });
    expect(kind.statusCode).toBe(400);
    expect(kind.json().details[0].field).toBe('body.kind');
    const scope = await createClient({ name: 'X', kind: 'pos', roles: [], scope: { all: true, sellers: [], sites: ['site-1'] } });
    expect(scope.statusCode).toBe(400);
    expect(scope.json().details[0].field).toBe('body.scope.all');
    const id = await createClient({ clientId: 'no spaces!', name: 'X', kind: 'pos', roles: [], scope: scopeAll });
    expect(id.statusCode).toBe(400);
    expect(id.json().details[0].field).toBe('body.clientId');
    const count = await t.deps.db.selectFrom('sys_api_clients').select('id').where('name', '=', 'X').execute();
    expect(count).toHaveLength(0);
  });
});

describe('update, rotate, scope', () => {
  it("disabling refuses the client's existing token on the very next request and new tokens; enabling restores it", async () => {
    const c = (
      await createClient({ clientId: 'pos-disable', name: 'Till', kind: 'pos', roles: ['pos'], scope: scopeAll })
    ).json();
    const token = (await tokenCall('pos-disable', c.clientSecret)).json().access_token;
    expect((await t.call({ url: '/api/v1/auth/me', token })).statusCode).toBe(200);

    const r = await t.call({
      method: 'PATCH',
      url: `/api/v1/clients/${c.id}`,
      token: admin,
      payload: { status: 'disabled', name: 'Till (off)' },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ status: 'disabled', name: 'Till (off)' });
    const refused = await t.call({ url: '/api/v1/auth/me', token });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('TOKEN_INVALID');
    expect((await tokenCall('pos-disable', c.clientSecret)).statusCode).toBe(401);
    const [audit] = await auditRows('client.update', c.id);
    expect(audit?.summary).toMatchObject({
      before: { status: 'active', name: 'Till' },
      after: { status: 'disabled', name: 'Till (off)' },
    });

    await t.call({ method: 'PATCH', url: `/api/v1/clients/${c.id}`, token: admin, payload: { status: 'active' } });
    expect((await t.call({ url: '/api/v1/auth/me', token })).statusCode).toBe(200);
  });

  it('role changes apply to the client on its next request', async () => {
    const c = (
      await createClient({ clientId: 'svc-roles', name: 'Svc', kind: 'service', roles: ['pos'], scope: scopeAll })
    ).json();
    const token = (await tokenCall('svc-roles', c.clientSecret)).json().access_token;
    expect((await t.call({ url: '/api/v1/audit-logs', token })).statusCode).toBe(403);
    const r = await t.call({
      method: 'PATCH',
      url: `/api/v1/clients/${c.id}`,
      token: admin,
      payload: { roles: ['auditor', 'pos'] },
    });
    expect(r.json().roles).toEqual(['auditor', 'pos']);
    expect((await t.call({ url: '/api/v1/audit-logs', token })).statusCode).toBe(200);
  });

  it('rotate-secret: the new secret works once shown, the old one stops; the replay is encrypted too', async () => {
    const c = (
      await createClient({ clientId: 'pos-rotate', name: 'Rotate', kind: 'pos', roles: ['pos'], scope: scopeAll })
    ).json();
    const key = randomUUID();
    const r = await t.call({ method: 'POST', url: `/api/v1/clients/${c.id}/rotate-secret`, token: admin, idempotencyKey: key });
    expect(r.statusCode, r.body).toBe(200);
    const { clientSecret } = r.json();
    expect(r.json()).toMatchObject({ id: c.id, clientId: 'pos-rotate' });
    expect(clientSecret).not.toBe(c.clientSecret);
    expect((await tokenCall('pos-rotate', c.clientSecret)).statusCode).toBe(401);
    expect((await tokenCall('pos-rotate', clientSecret)).statusCode).toBe(200);

    const replay = await t.call({
      method: 'POST',
      url: `/api/v1/clients/${c.id}/rotate-secret`,
      token: admin,
      idempotencyKey: key,
    });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().clientSecret).toBe(clientSecret);
    expect((await tokenCall('pos-rotate', clientSecret)).statusCode).toBe(200);
    const row = await t.deps.db
      .selectFrom('sys_idempotency_keys')
      .select('response_body')
      .where('idempotency_key', '=', key)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row.response_body)).not.toContain(clientSecret);

    const [audit] = await auditRows('client.secret_rotate', c.id);
    expect(audit).toMatchObject({ outcome: 'success', target_type: 'client' });
    const text = JSON.stringify(audit?.summary);
    expect(text).not.toContain(clientSecret);
    expect(text).not.toContain(c.clientSecret);
  });

  it('PUT scope replaces it, audited as scope.set with before/after; the token holder sees it next request', async () => {
    const c = (
      await createClient({ clientId: 'pos-scope', name: 'Scoped', kind: 'pos', roles: ['pos'], scope: scopeAll })
    ).json();
    const token = (await tokenCall('pos-scope', c.clientSecret)).json().access_token;
    const r = await t.call({
      method: 'PUT',
      url: `/api/v1/clients/${c.id}/scope`,
      token: admin,
      payload: { all: false, sellers: [], sites: ['site-7'] },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().scope).toEqual({ all: false, sellers: [], sites: ['site-7'] });
    expect((await t.call({ url: '/api/v1/auth/me', token })).json().scope).toEqual({
      all: false,
      sellers: [],
      sites: ['site-7'],
    });
    const [audit] = await auditRows('scope.set', c.id);
    expect(audit).toMatchObject({ target_type: 'client' });
    expect(audit?.summary).toEqual({
      before: { scope: { all: true, sellers: [], sites: [] } },
      after: { scope: { all: false, sellers: [], sites: ['site-7'] } },
    });
    const extra = await t.call({
      method: 'PUT',
      url: `/api/v1/clients/${c.id}/scope`,
      token: admin,
      payload: { all: false, sellers: [], sites: [], devices: [] },
    });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().details[0].field).toBe('body.devices');
  });
});

describe('refusals', () => {
  it('404 for unknown ids, 400 naming params.id for malformed ones', async () => {
    const none = '00000000-0000-4000-8000-000000000000';
    expect((await t.call({ url: `/api/v1/clients/${none}`, token: admin })).statusCode).toBe(404);
    expect(
      (await t.call({ method: 'PATCH', url: `/api/v1/clients/${none}`, token: admin, payload: { name: 'x' } })).statusCode,
    ).toBe(404);
    expect((await t.call({ method: 'POST', url: `/api/v1/clients/${none}/rotate-secret`, token: admin })).statusCode).toBe(404);
    expect(
      (await t.call({ method: 'PUT', url: `/api/v1/clients/${none}/scope`, token: admin, payload: scopeAll })).statusCode,
    ).toBe(404);
    const bad = await t.call({ method: 'POST', url: '/api/v1/clients/abc/rotate-secret', token: admin });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'params.id' }] });
  });

  it('403 without user.manage: an auditor user, and a POS client', async () => {
    const password = 'client-auditor-password';
    const u = await t.call({
      method: 'POST',
      url: '/api/v1/users',
      token: admin,
      payload: { username: 'client-auditor', displayName: 'A', password, roles: ['auditor'], scope: scopeAll },
    });
    expect(u.statusCode).toBe(201);
    const auditor = (await t.login('client-auditor', password)).accessToken;
    const pos = await t.clientToken();
    const posId = (
      await t.deps.db.selectFrom('sys_api_clients').select('id').where('client_id', '=', POS.clientId).executeTakeFirstOrThrow()
    ).id;
    for (const token of [auditor, pos]) {
      for (const req of [
        { url: '/api/v1/clients' },
        {
          method: 'POST' as const,
          url: '/api/v1/clients',
          payload: { clientId: 'pos-sneaky', name: 'S', kind: 'pos', roles: ['admin'], scope: scopeAll },
        },
        { method: 'POST' as const, url: `/api/v1/clients/${posId}/rotate-secret` },
        { method: 'PATCH' as const, url: `/api/v1/clients/${posId}`, payload: { roles: ['admin'] } },
      ]) {
        const r = await t.call({ ...req, token });
        expect(r.statusCode, req.url).toBe(403);
        expect(r.json()).toMatchObject({ code: 'FORBIDDEN', details: { required: 'user.manage' } });
      }
    }
    expect(
      await t.deps.db.selectFrom('sys_api_clients').select('id').where('client_id', '=', 'pos-sneaky').execute(),
    ).toHaveLength(0);
    // The POS secret still works (no rotation happened).
    await t.clientToken();
  });
});
