import { totpCode } from '@app/security';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, createTestApp, POS, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const login = (username: string, password: string, ip = '10.0.0.1') =>
  t.call({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress: ip });

describe('password login', () => {
  it('answers a 15-minute access token naming the tenant, a refresh token, and the user', async () => {
    const r = await login(ADMIN.username, ADMIN.password);
    expect(r.statusCode).toBe(200);
    const b = r.json();
    expect(b.mfaRequired).toBe(false);
    expect(b.expiresIn).toBe(900);
    expect(b.refreshExpiresIn).toBe(7 * 24 * 3600);
    expect(b.user.permissions).toContain('user.manage');
    const claims = decodeJwt(b.accessToken);
    expect(claims.tid).toBe(t.deps.tenant.id);
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
    const me = await t.call({ url: '/api/v1/auth/me', token: b.accessToken });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ kind: 'user', name: 'admin', scope: { all: true } });
  });

  it('gives the same answer for a wrong password and an unknown user', async () => {
    const wrong = await login(ADMIN.username, 'not-the-password', '10.0.1.1');
    const unknown = await login('nobody-here', 'not-the-password', '10.0.1.2');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().code).toBe('INVALID_CREDENTIALS');
    expect(unknown.json().message).toBe(wrong.json().message);
  });

  it('locks an account for 15 minutes after 5 failures in a minute, without revealing whether it exists', async () => {
    const { hashSecret } = await import('@app/security');
    await t.deps.db
      .insertInto('sys_users')
      .values({
        tenant_id: t.deps.tenant.id,
        username: 'locky',
        display_name: 'L',
        password_hash: await hashSecret('locky-password-1'),
      })
      .execute();
    for (const name of ['locky', 'ghost-user']) {
      for (let i = 0; i < 5; i++) expect((await login(name, 'bad-password', `10.1.${i}.1`)).statusCode).toBe(401);
      const sixth = await login(name, name === 'locky' ? 'locky-password-1' : 'whatever', '10.1.9.9');
      expect(sixth.statusCode).toBe(429);
      expect(sixth.json().code).toBe('LOGIN_LOCKED');
      const retry = Number(sixth.headers['retry-after']);
      expect(retry).toBeGreaterThan(14 * 60);
      expect(retry).toBeLessThanOrEqual(15 * 60);
      expect(sixth.json().message).toBe('Too many failed sign-in attempts. Try again later.');
    }
    const row = await t.deps.db
      .selectFrom('sys_users')
      .select('locked_until')
      .where('username', '=', 'locky')
      .executeTakeFirstOrThrow();
    expect(row.locked_until).not.toBeNull();
    const audit = await t.deps.db
      .selectFrom('sys_audit_logs')
      .select(['action', 'outcome'])
      .where('action', '=', 'auth.login_locked')
      .execute();
    expect(audit.length).toBeGreaterThanOrEqual(2);
  });

  it('limits login attempts per source IP', async () => {
    const ip = '10.2.0.1';
    const codes: number[] = [];
    for (let i = 0; i < 31; i++) codes.push((await login(`user${i}`, 'bad-password', ip)).statusCode);
    expect(codes.slice(0, 30).every((c) => c === 401)).toBe(true);
    const last = await login(ADMIN.username, ADMIN.password, ip);
    expect(last.statusCode).toBe(429);
    expect(last.json().code).toBe('RATE_LIMITED');
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('refresh tokens', () => {
  it('rotate; reusing a rotated one revokes the whole session', async () => {
    const first = await t.login();
    const r1 = await t.call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: first.refreshToken } });
    expect(r1.statusCode).toBe(200);
    const second = r1.json();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await t.call({ url: '/api/v1/auth/me', token: second.accessToken })).statusCode).toBe(200);

    const reuse = await t.call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: first.refreshToken } });
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json().code).toBe('REFRESH_TOKEN_REUSED');
    // The family is gone: the newest refresh token and the access tokens of the session no longer work.
    const after = await t.call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: second.refreshToken } });
    expect(after.statusCode).toBe(401);
    const me = await t.call({ url: '/api/v1/auth/me', token: second.accessToken });
    expect(me.statusCode).toBe(401);
    expect(me.json().code).toBe('TOKEN_INVALID');
  });

  it('unknown refresh tokens are refused', async () => {
    const r = await t.call({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: 'rt_not-a-real-token-at-all' },
    });
    expect(r.statusCode).toBe(401);
    expect(r.json().code).toBe('REFRESH_TOKEN_INVALID');
  });

  it('logout revokes the session, its access and its refresh token', async () => {
    const s = await t.login();
    const out = await t.call({ method: 'POST', url: '/api/v1/auth/logout', token: s.accessToken });
    expect(out.statusCode).toBe(200);
    expect((await t.call({ url: '/api/v1/auth/me', token: s.accessToken })).statusCode).toBe(401);
    const r = await t.call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: s.refreshToken } });
    expect(r.statusCode).toBe(401);
  });
});

describe('tokens', () => {
  const sign = (claims: Record<string, unknown>, secret: string, exp: number | string = '15m') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('00000000-0000-0000-0000-000000000001')
      .setIssuer('einvoice-stack')
      .setAudience('einvoice-api')
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(secret));

  it('refuses expired, forged, other-tenant, alg=none and garbage tokens with precise codes', async () => {
    const me = (token: string) => t.call({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });
    const secret = t.deps.config.JWT_SECRET;
    const tid = t.deps.tenant.id;
    const expired = await sign({ typ: 'user', tid, sid: 'x', perms: [] }, secret, Math.floor(Date.now() / 1000) - 60);
    const forged = await sign({ typ: 'user', tid, sid: 'x', perms: ['user.manage'] }, 'another-secret-another-secret-1234');
    const otherTenant = await sign({ typ: 'user', tid: '11111111-1111-1111-1111-111111111111', sid: 'x', perms: [] }, secret);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ typ: 'user', tid, sub: 'x' })).toString('base64url')}.`;
    const mfaStepToken = await sign({ typ: 'mfa', tid }, secret);
    for (const [token, code] of [
      [expired, 'TOKEN_INVALID'],
      [forged, 'TOKEN_INVALID'],
      [otherTenant, 'TOKEN_TENANT_MISMATCH'],
      [none, 'TOKEN_INVALID'],
      [mfaStepToken, 'TOKEN_INVALID'],
      ['garbage', 'TOKEN_INVALID'],
    ] as const) {
      const r = await me(token);
      expect(r.statusCode, `${code} for ${token.slice(0, 20)}`).toBe(401);
      expect(r.json().code).toBe(code);
    }
    const noBearer = await t.call({ url: '/api/v1/auth/me', headers: { authorization: 'Basic abc' } });
    expect(noBearer.json().code).toBe('TOKEN_INVALID');
    const none2 = await t.call({ url: '/api/v1/auth/me' });
    expect(none2.statusCode).toBe(401);
    expect(none2.json().code).toBe('UNAUTHENTICATED');
  });
});

describe('client credentials', () => {
  it('issues a 15-minute token carrying the permissions and data scopes, from JSON, form or HTTP Basic', async () => {
    const json = await t.call({
      method: 'POST',
      url: '/api/v1/oauth/token',
      payload: { grant_type: 'client_credentials', client_id: POS.clientId, client_secret: POS.clientSecret },
    });
    expect(json.statusCode).toBe(200);
    expect(json.headers['cache-control']).toBe('no-store');
    const body = json.json();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'invoice.issue invoice.read' });
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({
      typ: 'client',
      tid: t.deps.tenant.id,
      client_id: POS.clientId,
      perms: ['invoice.issue', 'invoice.read'],
    });
    expect(claims.scope).toEqual([{ scopeType: 'all', scopeRef: null }]);

    const form = await t.app.inject({
      method: 'POST',
      url: '/api/v1/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=client_credentials&client_id=${POS.clientId}&client_secret=${POS.clientSecret}`,
    });
    expect(form.statusCode).toBe(200);
    const basic = await t.app.inject({
      method: 'POST',
      url: '/api/v1/oauth/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${POS.clientId}:${POS.clientSecret}`).toString('base64')}`,
      },
      payload: 'grant_type=client_credentials',
    });
    expect(basic.statusCode).toBe(200);

    const me = await t.call({ url: '/api/v1/auth/me', token: body.access_token });
    expect(me.json()).toMatchObject({ kind: 'client', permissions: ['invoice.issue', 'invoice.read'] });
    const forbidden = await t.call({ url: '/api/v1/audit-logs', token: body.access_token });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ code: 'FORBIDDEN', details: { required: 'audit.read' } });
  });

  it('refuses a wrong secret, a wrong grant type and missing credentials', async () => {
    const wrong = await t.call({
      method: 'POST',
      url: '/api/v1/oauth/token',
      payload: { grant_type: 'client_credentials', client_id: POS.clientId, client_secret: 'nope' },
      remoteAddress: '10.3.0.1',
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ code: 'INVALID_CREDENTIALS', details: { error: 'invalid_client' } });
    const grant = await t.call({ method: 'POST', url: '/api/v1/oauth/token', payload: { grant_type: 'password' } });
    expect(grant.statusCode).toBe(400);
    expect(grant.json().details[0].field).toBe('body.grant_type');
    const missing = await t.call({ method: 'POST', url: '/api/v1/oauth/token', payload: { grant_type: 'client_credentials' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().details.map((d: { field: string }) => d.field)).toEqual(['body.client_id', 'body.client_secret']);
  });
});

describe('TOTP MFA', () => {
  it('enrol, activate, log in with a code, refuse its replay, use a recovery code once', async () => {
    const { hashSecret } = await import('@app/security');
    await t.deps.db
      .insertInto('sys_users')
      .values({
        tenant_id: t.deps.tenant.id,
        username: 'mfa-user',
        display_name: 'M',
        password_hash: await hashSecret('mfa-user-password'),
      })
      .execute();
    const s = await t.login('mfa-user', 'mfa-user-password');
    const enrol = await t.call({ method: 'POST', url: '/api/v1/auth/mfa/enroll', token: s.accessToken });
    expect(enrol.statusCode).toBe(200);
    const { secret, otpauthUri } = enrol.json();
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    const now = Math.floor(Date.now() / 1000);
    const bad = await t.call({
      method: 'POST',
      url: '/api/v1/auth/mfa/activate',
      token: s.accessToken,
      payload: { code: '000000' },
    });
    expect(bad.statusCode).toBe(401);
    const act = await t.call({
      method: 'POST',
      url: '/api/v1/auth/mfa/activate',
      token: s.accessToken,
      payload: { code: await totpCode(secret, now) },
    });
    expect(act.statusCode).toBe(200);
    const { recoveryCodes } = act.json();
    expect(recoveryCodes).toHaveLength(10);
    const stored = await t.deps.db
      .selectFrom('sys_users')
      .select(['mfa_secret_enc'])
      .where('username', '=', 'mfa-user')
      .executeTakeFirstOrThrow();
    expect(stored.mfa_secret_enc).not.toContain(secret);

    const step1 = await t.call({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'mfa-user', password: 'mfa-user-password' },
    });
    expect(step1.json()).toMatchObject({ mfaRequired: true, expiresIn: 300 });
    expect(step1.json().accessToken).toBeUndefined();
    const mfaToken = step1.json().mfaToken;
    // The code used for activation is spent; the next step's code works once.
    const next = await totpCode(secret, now + 30);
    const ok = await t.call({ method: 'POST', url: '/api/v1/auth/mfa/challenge', payload: { mfaToken, code: next } });
    expect(ok.statusCode).toBe(200);
    expect(decodeJwt(ok.json().accessToken)).toMatchObject({ typ: 'user', tid: t.deps.tenant.id });
    const replay = await t.call({ method: 'POST', url: '/api/v1/auth/mfa/challenge', payload: { mfaToken, code: next } });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().code).toBe('MFA_CODE_INVALID');
    const rc = await t.call({
      method: 'POST',
      url: '/api/v1/auth/mfa/challenge',
      payload: { mfaToken, recoveryCode: recoveryCodes[0] },
    });
    expect(rc.statusCode).toBe(200);
    const rc2 = await t.call({
      method: 'POST',
      url: '/api/v1/auth/mfa/challenge',
      payload: { mfaToken, recoveryCode: recoveryCodes[0] },
    });
    expect(rc2.statusCode).toBe(401);
    // The MFA step token is not an access token.
    expect((await t.call({ url: '/api/v1/auth/me', token: mfaToken })).statusCode).toBe(401);
  });
});
