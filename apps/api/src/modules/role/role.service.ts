/**
 * The access model: roles and their permissions, and the pieces the user and client modules share
 * with it — resolving role codes, replacing data scopes, and the self-lockout guard.
 */
import type { DbOrTx } from '@app/db';
import { DomainError, PERMISSIONS, type Permission, scopeFromRows } from '@app/domain';
import type { CreateRoleInput, DataScopeInput, RoleView, UpdateRoleInput } from '@app/schemas/role';
import type { ModuleDeps } from '../../app.ts';
import type { RequestContext, Tx } from '../../context.ts';
import { scopeRowsOf } from '../auth/auth.repository.ts';
import {
  deleteRole,
  findRole,
  insertRole,
  listRoles,
  lockRole,
  type RoleRow,
  replaceDataScope,
  replaceRolePermissions,
  replaceSubjectRoles,
  rolesByCodes,
  type Subject,
  subjectHasPermission,
  updateRole,
} from './role.repository.ts';

type Deps = Pick<ModuleDeps, 'db' | 'tenant'>;

export type ScopeView = { all: boolean; sellers: string[]; sites: string[] };

const toView = (r: RoleRow): RoleView => ({
  id: r.id,
  code: r.code,
  name: r.name,
  description: r.description,
  permissions: r.permissions,
  mfaRequired: r.mfa_required,
  isSystem: r.is_system,
  userCount: r.user_count,
  clientCount: r.client_count,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** What the audit log keeps of a role. (`code` is a redacted key name in audit summaries, hence `roleCode`.) */
const auditSummary = (r: RoleView) => ({
  roleCode: r.code,
  name: r.name,
  description: r.description,
  permissions: r.permissions,
  mfaRequired: r.mfaRequired,
});

export const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

export function createRoleService(deps: Deps) {
  const { db, tenant } = deps;
  const notFound = (id: string) => new DomainError('NOT_FOUND', `No role with id ${id}.`);

  async function view(dbOrTx: DbOrTx, id: string): Promise<RoleView> {
    const r = await findRole(dbOrTx, tenant.id, id);
    if (!r) throw notFound(id);
    return toView(r);
  }

  async function scopeOf(dbOrTx: DbOrTx, subject: Subject): Promise<ScopeView> {
    const s = scopeFromRows(await scopeRowsOf(dbOrTx, subject.type, subject.id));
    return s.all ? { all: true, sellers: [], sites: [] } : { all: false, sellers: [...s.sellers], sites: [...s.sites] };
  }

  /**
   * Refuse a change that leaves the caller without `user.manage` (a custom role edited, the caller's
   * own roles replaced): nobody could then repair it. Call it inside the writing transaction, after the write.
   */
  async function assertCallerKeepsUserManage(trx: Tx, ctx: RequestContext): Promise<void> {
    const p = ctx.principal;
    if (!p) return;
    if (!(await subjectHasPermission(trx, { type: p.kind, id: p.id }, 'user.manage'))) {
      throw new DomainError(
        'CONFLICT',
        "This change would take away your own 'user.manage' permission; another administrator must do it.",
        {
          reason: 'self_lockout',
        },
      );
    }
  }

  return {
    permissions: () => ({
      items: (Object.entries(PERMISSIONS) as [Permission, string][]).map(([code, description]) => ({ code, description })),
    }),

    list: async () => ({ items: (await listRoles(db, tenant.id)).map(toView) }),

    get: (id: string) => view(db, id),

    async create(trx: Tx, ctx: RequestContext, input: CreateRoleInput): Promise<RoleView> {
      const id = await insertRole(trx, {
        tenantId: tenant.id,
        code: input.code,
        name: input.name,
        description: input.description ?? '',
        mfaRequired: input.mfaRequired ?? false,
      });
      await replaceRolePermissions(trx, id, [...new Set(input.permissions)]);
      const after = await view(trx, id);
      ctx.audit.target = { type: 'role', id };
      ctx.audit.after = auditSummary(after);
      return after;
    },

    async update(trx: Tx, ctx: RequestContext, id: string, input: UpdateRoleInput): Promise<RoleView> {
      const locked = await lockRole(trx, tenant.id, id);
      if (!locked) throw notFound(id);
      const before = await view(trx, id);
      ctx.audit.target = { type: 'role', id };
      const permissions = input.permissions ? [...new Set(input.permissions)] : undefined;
      const permissionsChange = permissions !== undefined && !sameSet(permissions, before.permissions);
      if (permissionsChange && locked.is_system) {
        throw new DomainError(
          'CONFLICT',
          `'${before.code}' is a system role: its permissions are fixed. Create a role of your own instead.`,
          {
            field: 'body.permissions',
          },
        );
      }
      await updateRole(trx, id, { name: input.name, description: input.description, mfa_required: input.mfaRequired });
      if (permissionsChange) {
        await replaceRolePermissions(trx, id, permissions);
        await assertCallerKeepsUserManage(trx, ctx);
      }
      const after = await view(trx, id);
      ctx.audit.before = auditSummary(before);
      ctx.audit.after = auditSummary(after);
      return after;
    },

    async remove(trx: Tx, ctx: RequestContext, id: string) {
      const locked = await lockRole(trx, tenant.id, id);
      if (!locked) throw notFound(id);
      const before = await view(trx, id);
      ctx.audit.target = { type: 'role', id };
      if (locked.is_system) throw new DomainError('CONFLICT', `'${before.code}' is a system role and cannot be deleted.`);
      if (before.userCount > 0 || before.clientCount > 0) {
        throw new DomainError(
          'CONFLICT',
          `The role is still assigned to ${before.userCount} user(s) and ${before.clientCount} client(s); remove it from them first.`,
          { users: before.userCount, clients: before.clientCount },
        );
      }
      await deleteRole(trx, id);
      ctx.audit.before = auditSummary(before);
      return { id, deleted: true as const };
    },

    /** The ids of the roles named by `codes`; 400 naming `field` when one does not exist. */
    async resolveCodes(trx: Tx, codes: readonly string[], field: string): Promise<{ ids: string[]; codes: string[] }> {
      const wanted = [...new Set(codes)].sort();
      const found = await rolesByCodes(trx, tenant.id, wanted);
      const missing = wanted.filter((c) => !found.some((r) => r.code === c));
      if (missing.length > 0) {
        throw new DomainError('VALIDATION_ERROR', `Unknown role(s): ${missing.join(', ')}.`, [
          { field, message: `unknown role code(s): ${missing.join(', ')}` },
        ]);
      }
      return { ids: found.map((r) => r.id), codes: wanted };
    },

    /** Replace the roles of a user or client with those resolved by `resolveCodes`. */
    assignRoles: (trx: Tx, subject: Subject, roleIds: readonly string[]) => replaceSubjectRoles(trx, subject, roleIds),

    scopeOf,

    /** The first data scope of a new user or client (its creation's audit entry carries it). */
    initScope: (trx: Tx, subject: Subject, scope: DataScopeInput) => replaceDataScope(trx, tenant.id, subject, scope),

    /** Replace the data scope of a user or client; the audit entry gets the scope before and after. */
    async replaceScope(trx: Tx, ctx: RequestContext, subject: Subject, scope: DataScopeInput): Promise<ScopeView> {
      const before = await scopeOf(trx, subject);
      await replaceDataScope(trx, tenant.id, subject, scope);
      const after = await scopeOf(trx, subject);
      ctx.audit.target = { type: subject.type, id: subject.id };
      ctx.audit.before = { scope: before };
      ctx.audit.after = { scope: after };
      return after;
    },

    assertCallerKeepsUserManage,
  };
}

export type RoleService = ReturnType<typeof createRoleService>;
