/**
 * Authentication: password login with optional TOTP second step, rotating refresh tokens with reuse
 * detection, logout, MFA enrolment, and OAuth2 client credentials for machines.
 */
import { DomainError } from '@app/domain';
import {
  decryptSecret,
  dummySecretHash,
  encryptSecret,
  hashSecret,
  newRecoveryCodes,
  newTotpSecret,
  randomToken,
  sha256Hex,
  totpUri,
  verifySecret,
  verifyTotp,
} from '@app/security';
import { sql } from 'kysely';
import type { ModuleDeps } from '../../app.ts';
import type { RequestContext, Tx } from '../../context.ts';
import { permissionsOf, scopeRowsOf, userRolesRequireMfa } from './auth.repository.ts';
import { createLoginThrottle } from './login-throttle.ts';

const MFA_TOKEN_TTL_SECONDS = 300;

export type SessionTokens = {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  mfaEnrollmentRequired: boolean;
  user: { id: string; username: string; displayName: string; permissions: string[]; mfaEnabled: boolean };
};

export type LoginResult = ({ mfaRequired: false } & SessionTokens) | { mfaRequired: true; mfaToken: string; expiresIn: number };

type Deps = Pick<ModuleDeps, 'db' | 'config' | 'limiter' | 'tokens' | 'tenant' | 'now' | 'clearCaches'>;

export function createAuthService(deps: Deps) {
  const { db, config, tokens } = deps;
  const throttle = createLoginThrottle(deps.limiter, config);
  const encKey = Buffer.from(config.APP_ENCRYPTION_KEY, 'base64');
  const subjectOf = (username: string) => `user:${username.toLowerCase()}`;
  const badCredentials = () => new DomainError('INVALID_CREDENTIALS', 'Invalid username or password.');

  const sortedPermissions = async (subject: 'user' | 'client', id: string) => [...(await permissionsOf(db, subject, id))].sort();

  /** A new session (refresh-token family) and its first tokens. */
  async function startSession(
    user: { id: string; username: string; display_name: string; mfa_enabled: boolean },
    ctx: RequestContext,
  ): Promise<SessionTokens> {
    const refreshToken = `rt_${randomToken(32)}`;
    const ttl = config.REFRESH_TOKEN_TTL_SECONDS;
    const session = await db.transaction().execute(async (trx) => {
      const s = await trx
        .insertInto('sys_auth_sessions')
        .values({
          user_id: user.id,
          expires_at: sql`now() + make_interval(secs => ${ttl})`,
          ip: ctx.ip ? sql`${ctx.ip}::inet` : null,
          user_agent: ctx.userAgent?.slice(0, 512) ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('sys_refresh_tokens')
        .values({ session_id: s.id, token_hash: sha256Hex(refreshToken), expires_at: sql`now() + make_interval(secs => ${ttl})` })
        .execute();
      await trx
        .updateTable('sys_users')
        .set({ last_login_at: sql`now()`, locked_until: null })
        .where('id', '=', user.id)
        .execute();
      return s;
    });
    return issueAccess(user, session.id, refreshToken);
  }

  async function issueAccess(
    user: { id: string; username: string; display_name: string; mfa_enabled: boolean },
    sessionId: string,
    refreshToken: string,
  ): Promise<SessionTokens> {
    const [permissions, mfaRequired] = await Promise.all([
      sortedPermissions('user', user.id),
      user.mfa_enabled ? Promise.resolve(false) : userRolesRequireMfa(db, user.id),
    ]);
    const accessToken = await tokens.sign({
      typ: 'user',
      sub: user.id,
      sid: sessionId,
      perms: permissions,
      mfa_pending: mfaRequired || undefined,
    });
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: tokens.accessTtl,
      refreshToken,
      refreshExpiresIn: config.REFRESH_TOKEN_TTL_SECONDS,
      mfaEnrollmentRequired: mfaRequired,
      user: { id: user.id, username: user.username, displayName: user.display_name, permissions, mfaEnabled: user.mfa_enabled },
    };
  }

  const findUser = (username: string) =>
    db
      .selectFrom('sys_users')
      .select([
        'id',
        'username',
        'display_name',
        'password_hash',
        'status',
        'locked_until',
        'mfa_enabled',
        'mfa_secret_enc',
        'mfa_last_step',
      ])
      .where('tenant_id', '=', deps.tenant.id)
      .where(sql`lower(username)`, '=', username.toLowerCase())
      .executeTakeFirst();

  async function lockUserInDb(userId: string, until: Date) {
    await db.updateTable('sys_users').set({ locked_until: until }).where('id', '=', userId).execute();
  }

  /** Count a failed step for `subject`; when it locks, make the lock durable on the user row too. */
  async function failed(subject: string, userId: string | undefined): Promise<void> {
    const lockedUntil = await throttle.recordFailure(subject, deps.now());
    if (lockedUntil && userId) await lockUserInDb(userId, lockedUntil);
  }

  async function verifySecondFactor(
    user: { id: string; mfa_secret_enc: string | null; mfa_last_step: string | null },
    input: { code?: string | undefined; recoveryCode?: string | undefined },
  ): Promise<'totp' | 'recovery' | null> {
    if (input.code && user.mfa_secret_enc) {
      const secret = decryptSecret(user.mfa_secret_enc, encKey);
      const last = user.mfa_last_step === null ? null : Number(user.mfa_last_step);
      const r = await verifyTotp(secret, input.code, Math.floor(deps.now().getTime() / 1000), last);
      if (!r.valid) return null;
      // Record the step atomically so the same code cannot be used twice, even concurrently.
      const upd = await db
        .updateTable('sys_users')
        .set({ mfa_last_step: String(r.step) })
        .where('id', '=', user.id)
        .where((eb) => eb.or([eb('mfa_last_step', 'is', null), eb('mfa_last_step', '<', String(r.step))]))
        .executeTakeFirst();
      return upd.numUpdatedRows > 0n ? 'totp' : null;
    }
    if (input.recoveryCode) {
      const hash = sha256Hex(`${user.id}:${input.recoveryCode.trim().toLowerCase()}`);
      const upd = await db
        .updateTable('sys_user_recovery_codes')
        .set({ used_at: sql`now()` })
        .where('user_id', '=', user.id)
        .where('code_hash', '=', hash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return upd.numUpdatedRows > 0n ? 'recovery' : null;
    }
    return null;
  }

  return {
    async login(ctx: RequestContext, input: { username: string; password: string }): Promise<LoginResult> {
      const subject = subjectOf(input.username);
      ctx.audit.note = { username: input.username };
      await throttle.checkIp(ctx.ip);
      const user = await findUser(input.username);
      if (user) ctx.audit.target = { type: 'user', id: user.id };
      try {
        await throttle.assertNotLocked(subject, deps.now(), user?.locked_until);
      } catch (e) {
        ctx.audit.action = 'auth.login_locked';
        throw e;
      }
      // Spend the same time whether or not the user exists.
      const ok = await verifySecret(input.password, user?.password_hash ?? (await dummySecretHash()));
      if (!user || !ok || user.status !== 'active') {
        await failed(subject, user?.id);
        throw badCredentials();
      }
      await throttle.recordSuccess(subject);
      ctx.audit.actor = { type: 'user', id: user.id, name: user.username };
      if (user.mfa_enabled) {
        ctx.audit.note = { username: user.username, step: 'password ok; MFA required' };
        const mfaToken = await tokens.sign({ typ: 'mfa', sub: user.id }, MFA_TOKEN_TTL_SECONDS);
        return { mfaRequired: true, mfaToken, expiresIn: MFA_TOKEN_TTL_SECONDS };
      }
      return { mfaRequired: false, ...(await startSession(user, ctx)) };
    },

    async completeMfa(
      ctx: RequestContext,
      input: { mfaToken: string; code?: string | undefined; recoveryCode?: string | undefined },
    ): Promise<SessionTokens> {
      await throttle.checkIp(ctx.ip);
      const claims = await tokens.verify(input.mfaToken, 'mfa');
      const user = await db
        .selectFrom('sys_users')
        .select(['id', 'username', 'display_name', 'status', 'locked_until', 'mfa_enabled', 'mfa_secret_enc', 'mfa_last_step'])
        .where('id', '=', claims.sub)
        .executeTakeFirst();
      if (user?.status !== 'active' || !user.mfa_enabled)
        throw new DomainError('TOKEN_INVALID', 'The MFA token is no longer valid.');
      ctx.audit.target = { type: 'user', id: user.id };
      ctx.audit.actor = { type: 'user', id: user.id, name: user.username };
      const subject = subjectOf(user.username);
      await throttle.assertNotLocked(subject, deps.now(), user.locked_until);
      const how = await verifySecondFactor(user, input);
      if (!how) {
        await failed(subject, user.id);
        throw new DomainError('MFA_CODE_INVALID', 'The code is wrong, expired or already used.');
      }
      ctx.audit.note = { method: how };
      await throttle.recordSuccess(subject);
      return startSession(user, ctx);
    },

    async refresh(ctx: RequestContext, refreshToken: string): Promise<SessionTokens> {
      const hash = sha256Hex(refreshToken);
      const next = `rt_${randomToken(32)}`;
      const ttl = config.REFRESH_TOKEN_TTL_SECONDS;
      const rotated = await db.transaction().execute(async (trx) => {
        const old = await trx
          .updateTable('sys_refresh_tokens')
          .set({ rotated_at: sql`now()` })
          .where('token_hash', '=', hash)
          .where('rotated_at', 'is', null)
          .where('expires_at', '>', sql<Date>`now()`)
          .returning(['id', 'session_id'])
          .executeTakeFirst();
        if (!old) return null;
        const s = await trx
          .selectFrom('sys_auth_sessions as s')
          .innerJoin('sys_users as u', 'u.id', 's.user_id')
          .select(['s.id as session_id', 'u.id', 'u.username', 'u.display_name', 'u.mfa_enabled'])
          .where('s.id', '=', old.session_id)
          .where('s.revoked_at', 'is', null)
          .where('u.status', '=', 'active')
          .executeTakeFirst();
        if (!s) return 'invalid' as const;
        await trx
          .insertInto('sys_refresh_tokens')
          .values({
            session_id: s.session_id,
            token_hash: sha256Hex(next),
            parent_id: old.id,
            expires_at: sql`now() + make_interval(secs => ${ttl})`,
          })
          .execute();
        await trx
          .updateTable('sys_auth_sessions')
          .set({ last_refreshed_at: sql`now()`, expires_at: sql`now() + make_interval(secs => ${ttl})` })
          .where('id', '=', s.session_id)
          .execute();
        return s;
      });
      if (rotated === 'invalid')
        throw new DomainError('REFRESH_TOKEN_INVALID', 'The refresh token is no longer valid; sign in again.');
      if (rotated) {
        ctx.audit.target = { type: 'session', id: rotated.session_id };
        ctx.audit.actor = { type: 'user', id: rotated.id, name: rotated.username };
        return issueAccess(rotated, rotated.session_id, next);
      }
      // Not rotatable: unknown, expired, or already rotated. The last one means the token leaked
      // (or a client retried with an old one): revoke the whole family.
      const seen = await db
        .selectFrom('sys_refresh_tokens as t')
        .innerJoin('sys_auth_sessions as s', 's.id', 't.session_id')
        .innerJoin('sys_users as u', 'u.id', 's.user_id')
        .select(['t.session_id', 't.rotated_at', 'u.id as user_id', 'u.username'])
        .where('t.token_hash', '=', hash)
        .executeTakeFirst();
      if (seen?.rotated_at) {
        await db
          .updateTable('sys_auth_sessions')
          .set({
            revoked_at: sql`coalesce(revoked_at, now())`,
            revoked_reason: sql`coalesce(revoked_reason, 'refresh token reuse')`,
          })
          .where('id', '=', seen.session_id)
          .execute();
        deps.clearCaches();
        ctx.audit.action = 'auth.refresh_reuse';
        ctx.audit.target = { type: 'session', id: seen.session_id };
        ctx.audit.actor = { type: 'user', id: seen.user_id, name: seen.username };
        throw new DomainError(
          'REFRESH_TOKEN_REUSED',
          'This refresh token was already used; the session has been revoked. Sign in again.',
        );
      }
      throw new DomainError('REFRESH_TOKEN_INVALID', 'The refresh token is unknown or expired; sign in again.');
    },

    async logout(trx: Tx, ctx: RequestContext): Promise<void> {
      const p = ctx.principal;
      if (p?.kind !== 'user') throw new DomainError('FORBIDDEN', 'Only user sessions can log out; client tokens simply expire.');
      await trx
        .updateTable('sys_auth_sessions')
        .set({ revoked_at: sql`now()`, revoked_reason: 'logout' })
        .where('id', '=', p.sessionId)
        .where('revoked_at', 'is', null)
        .execute();
      ctx.audit.target = { type: 'session', id: p.sessionId };
    },

    async me(ctx: RequestContext) {
      const p = ctx.principal;
      if (!p) throw new DomainError('UNAUTHENTICATED', 'Not signed in.');
      const scope = p.scope.all
        ? { all: true, sellers: [], sites: [] }
        : { all: false, sellers: [...p.scope.sellers], sites: [...p.scope.sites] };
      if (p.kind === 'client') {
        return {
          kind: 'client' as const,
          id: p.id,
          name: p.name,
          permissions: [...p.permissions].sort(),
          scope,
          mfaEnabled: false,
          mfaPending: false,
        };
      }
      const u = await db
        .selectFrom('sys_users')
        .select(['display_name', 'mfa_enabled'])
        .where('id', '=', p.id)
        .executeTakeFirstOrThrow();
      return {
        kind: 'user' as const,
        id: p.id,
        name: p.name,
        displayName: u.display_name,
        permissions: [...p.permissions].sort(),
        scope,
        mfaEnabled: u.mfa_enabled,
        mfaPending: p.mfaPending,
      };
    },

    async changePassword(trx: Tx, ctx: RequestContext, input: { currentPassword: string; newPassword: string }) {
      const p = ctx.principal;
      if (p?.kind !== 'user') throw new DomainError('FORBIDDEN', 'Only users have passwords.');
      const u = await trx.selectFrom('sys_users').select(['password_hash']).where('id', '=', p.id).executeTakeFirstOrThrow();
      if (!(await verifySecret(input.currentPassword, u.password_hash))) {
        throw new DomainError('INVALID_CREDENTIALS', 'The current password is wrong.', { field: 'body.currentPassword' });
      }
      await trx
        .updateTable('sys_users')
        .set({ password_hash: await hashSecret(input.newPassword), password_changed_at: sql`now()`, updated_at: sql`now()` })
        .where('id', '=', p.id)
        .execute();
      // Other sessions end; this one stays.
      await trx
        .updateTable('sys_auth_sessions')
        .set({ revoked_at: sql`now()`, revoked_reason: 'password changed' })
        .where('user_id', '=', p.id)
        .where('id', '!=', p.sessionId)
        .where('revoked_at', 'is', null)
        .execute();
      ctx.audit.target = { type: 'user', id: p.id };
      return { changed: true as const };
    },

    async enrollMfa(trx: Tx, ctx: RequestContext) {
      const p = ctx.principal;
      if (p?.kind !== 'user') throw new DomainError('FORBIDDEN', 'Only users can enrol MFA.');
      const u = await trx
        .selectFrom('sys_users')
        .select(['username', 'mfa_enabled'])
        .where('id', '=', p.id)
        .executeTakeFirstOrThrow();
      if (u.mfa_enabled)
        throw new DomainError('MFA_ALREADY_ENABLED', 'MFA is already enabled; disable it first to enrol a new device.');
      const secret = newTotpSecret();
      await trx
        .updateTable('sys_users')
        .set({ mfa_pending_secret_enc: encryptSecret(secret, encKey) })
        .where('id', '=', p.id)
        .execute();
      ctx.audit.target = { type: 'user', id: p.id };
      return { secret, otpauthUri: totpUri(secret, u.username, `e-invoice (${deps.tenant.code})`) };
    },

    async activateMfa(trx: Tx, ctx: RequestContext, code: string) {
      const p = ctx.principal;
      if (p?.kind !== 'user') throw new DomainError('FORBIDDEN', 'Only users can enrol MFA.');
      const u = await trx
        .selectFrom('sys_users')
        .select(['mfa_enabled', 'mfa_pending_secret_enc'])
        .where('id', '=', p.id)
        .forUpdate()
        .executeTakeFirstOrThrow();
      if (u.mfa_enabled) throw new DomainError('MFA_ALREADY_ENABLED', 'MFA is already enabled.');
      if (!u.mfa_pending_secret_enc) throw new DomainError('MFA_NOT_ENROLLED', 'Start with POST /api/v1/auth/mfa/enroll.');
      const secret = decryptSecret(u.mfa_pending_secret_enc, encKey);
      const r = await verifyTotp(secret, code, Math.floor(deps.now().getTime() / 1000), null);
      if (!r.valid)
        throw new DomainError('MFA_CODE_INVALID', 'The code does not match; check the device clock and try again.', {
          field: 'body.code',
        });
      const codes = newRecoveryCodes();
      await trx
        .updateTable('sys_users')
        .set({
          mfa_enabled: true,
          mfa_secret_enc: u.mfa_pending_secret_enc,
          mfa_pending_secret_enc: null,
          mfa_last_step: String(r.step),
          updated_at: sql`now()`,
        })
        .where('id', '=', p.id)
        .execute();
      await trx.deleteFrom('sys_user_recovery_codes').where('user_id', '=', p.id).execute();
      await trx
        .insertInto('sys_user_recovery_codes')
        .values(codes.map((c) => ({ user_id: p.id, code_hash: sha256Hex(`${p.id}:${c}`) })))
        .execute();
      ctx.audit.target = { type: 'user', id: p.id };
      return { enabled: true as const, recoveryCodes: codes };
    },

    async disableMfa(trx: Tx, ctx: RequestContext, input: { code?: string | undefined; recoveryCode?: string | undefined }) {
      const p = ctx.principal;
      if (p?.kind !== 'user') throw new DomainError('FORBIDDEN', 'Only users have MFA.');
      const u = await trx
        .selectFrom('sys_users')
        .select(['id', 'mfa_enabled', 'mfa_secret_enc', 'mfa_last_step'])
        .where('id', '=', p.id)
        .executeTakeFirstOrThrow();
      if (!u.mfa_enabled) throw new DomainError('MFA_NOT_ENROLLED', 'MFA is not enabled.');
      if (await userRolesRequireMfa(trx, p.id))
        throw new DomainError('CONFLICT', 'One of your roles requires MFA; it cannot be turned off.');
      if (!(await verifySecondFactor(u, input)))
        throw new DomainError('MFA_CODE_INVALID', 'The code is wrong, expired or already used.');
      await trx
        .updateTable('sys_users')
        .set({
          mfa_enabled: false,
          mfa_secret_enc: null,
          mfa_pending_secret_enc: null,
          mfa_last_step: null,
          updated_at: sql`now()`,
        })
        .where('id', '=', p.id)
        .execute();
      await trx.deleteFrom('sys_user_recovery_codes').where('user_id', '=', p.id).execute();
      ctx.audit.target = { type: 'user', id: p.id };
      return { enabled: false as const };
    },

    /** OAuth2 client credentials (RFC 6749 §4.4). */
    async clientToken(ctx: RequestContext, input: { clientId: string; clientSecret: string }) {
      const subject = `client:${input.clientId}`;
      await throttle.checkIp(ctx.ip);
      await throttle.assertNotLocked(subject, deps.now());
      const client = await db
        .selectFrom('sys_api_clients')
        .select(['id', 'client_id', 'name', 'secret_hash', 'status'])
        .where('client_id', '=', input.clientId)
        .where('tenant_id', '=', deps.tenant.id)
        .executeTakeFirst();
      const ok = await verifySecret(input.clientSecret, client?.secret_hash ?? (await dummySecretHash()));
      if (client) ctx.audit.target = { type: 'client', id: client.id };
      if (!client || !ok || client.status !== 'active') {
        await throttle.recordFailure(subject, deps.now());
        throw new DomainError('INVALID_CREDENTIALS', 'Invalid client id or secret.', { error: 'invalid_client' });
      }
      await throttle.recordSuccess(subject);
      ctx.audit.actor = { type: 'client', id: client.id, name: client.name };
      const permissions = await sortedPermissions('client', client.id);
      const scopeRows = await scopeRowsOf(db, 'client', client.id);
      await db.updateTable('sys_api_clients').set({ last_used_at: sql`now()` }).where('id', '=', client.id).execute();
      const accessToken = await tokens.sign({
        typ: 'client',
        sub: client.id,
        client_id: client.client_id,
        perms: permissions,
        scope: scopeRows,
      });
      return {
        access_token: accessToken,
        token_type: 'Bearer' as const,
        expires_in: tokens.accessTtl,
        scope: permissions.join(' '),
      };
    },

    throttle,
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
