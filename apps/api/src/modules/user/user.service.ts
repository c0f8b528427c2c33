/**
 * User administration: accounts, their roles and data scopes, and the administrator's security
 * actions (password reset, unlock, MFA reset). Every change is audited with a before/after summary
 * (never a secret) and announced on the outbox.
 */
import type { DbOrTx } from '@app/db';
import { DomainError } from '@app/domain';
import { appendOutbox } from '@app/jobs';
import type { DataScopeInput } from '@app/schemas/role';
import type { CreateUserInput, ListUsersQuery, UpdateUserInput, UserDetail, UserView } from '@app/schemas/user';
import { hashSecret } from '@app/security';
import type { ModuleDeps } from '../../app.ts';
import type { RequestContext, Tx } from '../../context.ts';
import { createLoginThrottle } from '../auth/login-throttle.ts';
import type { Subject } from '../role/role.repository.ts';
import { type RoleService, sameSet } from '../role/role.service.ts';
import {
  clearMfa,
  findUser,
  insertUser,
  listUsers,
  lockUser,
  revokeSessions,
  setPasswordHash,
  type UserRow,
  updateUser,
} from './user.repository.ts';

type Deps = Pick<ModuleDeps, 'db' | 'tenant' | 'limiter' | 'config'> & {
  roles: Pick<
    RoleService,
    'resolveCodes' | 'assignRoles' | 'scopeOf' | 'initScope' | 'replaceScope' | 'assertCallerKeepsUserManage'
  >;
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const toView = (r: UserRow): UserView => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  email: r.email,
  status: r.status === 'disabled' ? 'disabled' : 'active',
  roles: r.roles,
  mfaEnabled: r.mfa_enabled,
  lockedUntil: iso(r.locked_until),
  lastLoginAt: iso(r.last_login_at),
  passwordChangedAt: r.password_changed_at.toISOString(),
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** What the audit log keeps of a user: no hashes, no MFA secrets. */
const auditSummary = (u: UserDetail) => ({
  username: u.username,
  displayName: u.displayName,
  email: u.email,
  status: u.status,
  roles: u.roles,
  mfaEnabled: u.mfaEnabled,
  lockedUntil: u.lockedUntil,
  scope: u.scope,
});

const encodeCursor = (sortKey: string) => Buffer.from(sortKey, 'utf8').toString('base64url');
const decodeCursor = (cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8');

export function createUserService(deps: Deps) {
  const { db, tenant, roles } = deps;
  const throttle = createLoginThrottle(deps.limiter, deps.config);
  const subjectOf = (id: string): Subject => ({ type: 'user', id });
  const isSelf = (ctx: RequestContext, id: string) => ctx.principal?.kind === 'user' && ctx.principal.id === id;

  async function detail(dbOrTx: DbOrTx, id: string): Promise<UserDetail> {
    const row = await findUser(dbOrTx, tenant.id, id);
    if (!row) throw new DomainError('NOT_FOUND', `No user with id ${id}.`);
    return { ...toView(row), scope: await roles.scopeOf(dbOrTx, subjectOf(id)) };
  }

  /** Lock the user for this transaction and read its state before the change; 404 when it does not exist. */
  async function begin(trx: Tx, ctx: RequestContext, id: string) {
    const row = await lockUser(trx, tenant.id, id);
    if (!row) throw new DomainError('NOT_FOUND', `No user with id ${id}.`);
    ctx.audit.target = { type: 'user', id };
    return { row, before: await detail(trx, id) };
  }

  /** Finish a change: before/after in the audit entry, a UserUpdated event when something changed. */
  async function finish(trx: Tx, ctx: RequestContext, id: string, before: UserDetail, changed: string[]): Promise<UserDetail> {
    const after = await detail(trx, id);
    ctx.audit.before = auditSummary(before);
    ctx.audit.after = auditSummary(after);
    if (changed.length > 0) {
      await appendOutbox(
        trx,
        'UserUpdated',
        { userId: id, changed },
        { aggregateType: 'user', aggregateId: id, requestId: ctx.requestId },
      );
    }
    return after;
  }

  return {
    async list(q: ListUsersQuery) {
      const rows = await listUsers(db, tenant.id, {
        q: q.q,
        status: q.status,
        role: q.role,
        after: q.cursor === undefined ? undefined : decodeCursor(q.cursor),
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return { items: page.map(toView), nextCursor: rows.length > q.limit && last ? encodeCursor(last.sort_key) : null };
    },

    get: (id: string) => detail(db, id),

    async create(trx: Tx, ctx: RequestContext, input: CreateUserInput): Promise<UserDetail> {
      const assigned = await roles.resolveCodes(trx, input.roles, 'body.roles');
      const id = await insertUser(trx, {
        tenantId: tenant.id,
        username: input.username,
        displayName: input.displayName,
        email: input.email ?? null,
        passwordHash: await hashSecret(input.password),
      });
      await roles.assignRoles(trx, subjectOf(id), assigned.ids);
      await roles.initScope(trx, subjectOf(id), input.scope);
      await appendOutbox(
        trx,
        'UserCreated',
        { userId: id, username: input.username, roles: assigned.codes },
        { aggregateType: 'user', aggregateId: id, requestId: ctx.requestId },
      );
      const after = await detail(trx, id);
      ctx.audit.target = { type: 'user', id };
      ctx.audit.after = auditSummary(after);
      return after;
    },

    async update(trx: Tx, ctx: RequestContext, id: string, input: UpdateUserInput): Promise<UserDetail> {
      const { before } = await begin(trx, ctx, id);
      if (input.status === 'disabled' && isSelf(ctx, id)) {
        throw new DomainError('CONFLICT', 'You cannot disable your own account; another administrator must do it.', {
          field: 'body.status',
          reason: 'self_lockout',
        });
      }
      const set: Parameters<typeof updateUser>[2] = {};
      const changed: string[] = [];
      if (input.displayName !== undefined && input.displayName !== before.displayName) {
        set.display_name = input.displayName;
        changed.push('displayName');
      }
      if (input.email !== undefined && input.email !== before.email) {
        set.email = input.email;
        changed.push('email');
      }
      if (input.status !== undefined && input.status !== before.status) {
        set.status = input.status;
        changed.push('status');
      }
      if (changed.length > 0) await updateUser(trx, id, set);
      if (input.roles !== undefined) {
        const assigned = await roles.resolveCodes(trx, input.roles, 'body.roles');
        if (!sameSet(assigned.codes, before.roles)) {
          await roles.assignRoles(trx, subjectOf(id), assigned.ids);
          await roles.assertCallerKeepsUserManage(trx, ctx);
          changed.push('roles');
        }
      }
      if (set.status === 'disabled') ctx.audit.note = { sessionsRevoked: await revokeSessions(trx, id, 'user disabled') };
      return finish(trx, ctx, id, before, changed);
    },

    /** An administrator sets a new password; every session of the user ends. */
    async resetPassword(trx: Tx, ctx: RequestContext, id: string, password: string): Promise<UserDetail> {
      const { before } = await begin(trx, ctx, id);
      await setPasswordHash(trx, id, await hashSecret(password));
      ctx.audit.note = { sessionsRevoked: await revokeSessions(trx, id, 'password reset by an administrator') };
      return finish(trx, ctx, id, before, ['password']);
    },

    /** Lift a login lock: the durable copy on the row and the throttle's counters. */
    async unlock(trx: Tx, ctx: RequestContext, id: string): Promise<UserDetail> {
      const { row, before } = await begin(trx, ctx, id);
      await updateUser(trx, id, { locked_until: null });
      await throttle.unlock(`user:${row.username.toLowerCase()}`);
      return finish(trx, ctx, id, before, before.lockedUntil === null ? [] : ['lockedUntil']);
    },

    /** Remove the user's TOTP enrolment and recovery codes (a lost device); a role requiring MFA makes them enrol again. */
    async resetMfa(trx: Tx, ctx: RequestContext, id: string): Promise<UserDetail> {
      const { row, before } = await begin(trx, ctx, id);
      if (!row.mfa_enabled && row.mfa_pending_secret_enc === null) {
        throw new DomainError('MFA_NOT_ENROLLED', 'This user has no MFA enrolment to reset.');
      }
      await clearMfa(trx, id);
      return finish(trx, ctx, id, before, ['mfa']);
    },

    async setScope(trx: Tx, ctx: RequestContext, id: string, scope: DataScopeInput): Promise<UserDetail> {
      await begin(trx, ctx, id);
      await roles.replaceScope(trx, ctx, subjectOf(id), scope);
      await appendOutbox(
        trx,
        'UserUpdated',
        { userId: id, changed: ['scope'] },
        { aggregateType: 'user', aggregateId: id, requestId: ctx.requestId },
      );
      return detail(trx, id);
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
