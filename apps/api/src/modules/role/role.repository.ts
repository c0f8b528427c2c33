/**
 * SQL of the access model: roles and their permissions, role assignments, and data scopes
 * (sys_roles, sys_role_permissions, sys_user_roles, sys_api_client_roles, sys_data_scopes).
 */
import { type DbOrTx, pgErrorCode } from '@app/db';
import { DomainError, type Permission } from '@app/domain';
import type { DataScopeInput } from '@app/schemas/role';
import { sql } from 'kysely';
import { permissionsOf } from '../auth/auth.repository.ts';

export type Subject = { type: 'user' | 'client'; id: string };

const roleColumns = [
  'r.id',
  'r.code',
  'r.name',
  'r.description',
  'r.mfa_required',
  'r.is_system',
  'r.created_at',
  'r.updated_at',
  sql<string[]>`coalesce((SELECT array_agg(rp.permission_code ORDER BY rp.permission_code)
                            FROM sys_role_permissions rp WHERE rp.role_id = r.id), '{}')`.as('permissions'),
  sql<number>`(SELECT count(*)::int FROM sys_user_roles ur WHERE ur.role_id = r.id)`.as('user_count'),
  sql<number>`(SELECT count(*)::int FROM sys_api_client_roles cr WHERE cr.role_id = r.id)`.as('client_count'),
] as const;

export async function listRoles(db: DbOrTx, tenantId: string) {
  return db.selectFrom('sys_roles as r').select(roleColumns).where('r.tenant_id', '=', tenantId).orderBy('r.code').execute();
}
export type RoleRow = Awaited<ReturnType<typeof listRoles>>[number];

export async function findRole(db: DbOrTx, tenantId: string, id: string): Promise<RoleRow | undefined> {
  return db
    .selectFrom('sys_roles as r')
    .select(roleColumns)
    .where('r.tenant_id', '=', tenantId)
    .where('r.id', '=', id)
    .executeTakeFirst();
}

/** Lock the role row: assignments (FK KEY SHARE locks) and other edits wait until this transaction ends. */
export async function lockRole(trx: DbOrTx, tenantId: string, id: string) {
  return trx
    .selectFrom('sys_roles')
    .select(['id', 'is_system'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export async function insertRole(
  trx: DbOrTx,
  v: { tenantId: string; code: string; name: string; description: string; mfaRequired: boolean },
): Promise<string> {
  try {
    const row = await trx
      .insertInto('sys_roles')
      .values({ tenant_id: v.tenantId, code: v.code, name: v.name, description: v.description, mfa_required: v.mfaRequired })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  } catch (e) {
    if (pgErrorCode(e) === '23505') {
      throw new DomainError('ALREADY_EXISTS', `A role with code '${v.code}' already exists.`, { field: 'body.code' });
    }
    throw e;
  }
}

export async function updateRole(trx: DbOrTx, id: string, set: { name?: string; description?: string; mfa_required?: boolean }) {
  await trx
    .updateTable('sys_roles')
    .set({ ...set, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

export async function replaceRolePermissions(trx: DbOrTx, roleId: string, permissions: readonly Permission[]) {
  await trx.deleteFrom('sys_role_permissions').where('role_id', '=', roleId).execute();
  if (permissions.length === 0) return;
  await trx
    .insertInto('sys_role_permissions')
    .values(permissions.map((p) => ({ role_id: roleId, permission_code: p })))
    .execute();
}

export async function deleteRole(trx: DbOrTx, id: string) {
  await trx.deleteFrom('sys_roles').where('id', '=', id).execute();
}

export async function rolesByCodes(db: DbOrTx, tenantId: string, codes: readonly string[]) {
  if (codes.length === 0) return [];
  return db.selectFrom('sys_roles').select(['id', 'code']).where('tenant_id', '=', tenantId).where('code', 'in', codes).execute();
}

/** Replace the roles of a user or client. */
export async function replaceSubjectRoles(trx: DbOrTx, subject: Subject, roleIds: readonly string[]) {
  try {
    if (subject.type === 'user') {
      await trx.deleteFrom('sys_user_roles').where('user_id', '=', subject.id).execute();
      if (roleIds.length > 0) {
        await trx
          .insertInto('sys_user_roles')
          .values(roleIds.map((role_id) => ({ user_id: subject.id, role_id })))
          .execute();
      }
    } else {
      await trx.deleteFrom('sys_api_client_roles').where('client_pk', '=', subject.id).execute();
      if (roleIds.length > 0) {
        await trx
          .insertInto('sys_api_client_roles')
          .values(roleIds.map((role_id) => ({ client_pk: subject.id, role_id })))
          .execute();
      }
    }
  } catch (e) {
    // A role deleted between the look-up and the insert.
    if (pgErrorCode(e) === '23503') throw new DomainError('CONFLICT', 'A role was deleted meanwhile; reload and retry.');
    throw e;
  }
}

/** Whether the user or client holds `permission` through its roles, as seen by `db` (e.g. inside the writing transaction). */
export async function subjectHasPermission(db: DbOrTx, subject: Subject, permission: Permission): Promise<boolean> {
  return (await permissionsOf(db, subject.type, subject.id)).has(permission);
}

/** Replace the data scope rows of a user or client: one `all` row, or one row per seller and site. */
export async function replaceDataScope(trx: DbOrTx, tenantId: string, subject: Subject, scope: DataScopeInput) {
  await trx.deleteFrom('sys_data_scopes').where('subject_type', '=', subject.type).where('subject_id', '=', subject.id).execute();
  const rows = scope.all
    ? [{ scope_type: 'all', scope_ref: null }]
    : [
        ...[...new Set(scope.sellers)].map((ref) => ({ scope_type: 'seller', scope_ref: ref })),
        ...[...new Set(scope.sites)].map((ref) => ({ scope_type: 'site', scope_ref: ref })),
      ];
  if (rows.length === 0) return;
  await trx
    .insertInto('sys_data_scopes')
    .values(rows.map((r) => ({ tenant_id: tenantId, subject_type: subject.type, subject_id: subject.id, ...r })))
    .execute();
}
