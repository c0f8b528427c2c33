import type { DbOrTx } from '@app/db';
import { isPermission, type Permission, type ScopeRow, scopeFromRows } from '@app/domain';
import { sql } from 'kysely';
import type { Principal } from '../../context.ts';

/** The permissions a user or client holds through its roles. */
export async function permissionsOf(db: DbOrTx, subject: 'user' | 'client', id: string): Promise<Set<Permission>> {
  const rows =
    subject === 'user'
      ? await db
          .selectFrom('sys_user_roles as ur')
          .innerJoin('sys_role_permissions as rp', 'rp.role_id', 'ur.role_id')
          .select('rp.permission_code')
          .distinct()
          .where('ur.user_id', '=', id)
          .execute()
      : await db
          .selectFrom('sys_api_client_roles as cr')
          .innerJoin('sys_role_permissions as rp', 'rp.role_id', 'cr.role_id')
          .select('rp.permission_code')
          .distinct()
          .where('cr.client_pk', '=', id)
          .execute();
  return new Set(rows.map((r) => r.permission_code).filter(isPermission));
}

export async function scopeRowsOf(db: DbOrTx, subject: 'user' | 'client', id: string): Promise<ScopeRow[]> {
  const rows = await db
    .selectFrom('sys_data_scopes')
    .select(['scope_type', 'scope_ref'])
    .where('subject_type', '=', subject)
    .where('subject_id', '=', id)
    .execute();
  return rows.map((r) => ({ scopeType: r.scope_type as ScopeRow['scopeType'], scopeRef: r.scope_ref }));
}

/** Whether any of the user's roles requires MFA. */
export async function userRolesRequireMfa(db: DbOrTx, userId: string): Promise<boolean> {
  const r = await db
    .selectFrom('sys_user_roles as ur')
    .innerJoin('sys_roles as r', 'r.id', 'ur.role_id')
    .select('r.id')
    .where('ur.user_id', '=', userId)
    .where('r.mfa_required', '=', true)
    .executeTakeFirst();
  return r !== undefined;
}

/**
 * The caller behind a user access token, or null when the user or the session is no longer valid.
 * `sessionId` is the login session (sys_auth_sessions: the refresh-token family the token was minted in).
 */
export async function loadUserPrincipal(db: DbOrTx, userId: string, sessionId: string): Promise<Principal | null> {
  const row = await db
    .selectFrom('sys_users as u')
    .innerJoin('sys_auth_sessions as s', 's.user_id', 'u.id')
    .select(['u.id', 'u.username', 'u.mfa_enabled'])
    .where('u.id', '=', userId)
    .where('s.id', '=', sessionId)
    .where('u.status', '=', 'active')
    .where('s.revoked_at', 'is', null)
    .where('s.expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return row ? userPrincipalOf(db, row, sessionId) : null;
}

/**
 * A user as the principal of work done later on their behalf, when no login session need be alive (an
 * import the worker issues as its uploader): their permissions and data scope now, or null when the user
 * is disabled or gone. `workId` stands in for the session id (e.g. `import:<id>`).
 */
export async function loadUserPrincipalForWork(db: DbOrTx, userId: string, workId: string): Promise<Principal | null> {
  const row = await db
    .selectFrom('sys_users as u')
    .select(['u.id', 'u.username', 'u.mfa_enabled'])
    .where('u.id', '=', userId)
    .where('u.status', '=', 'active')
    .executeTakeFirst();
  return row ? userPrincipalOf(db, row, workId) : null;
}

async function userPrincipalOf(
  db: DbOrTx,
  row: { id: string; username: string; mfa_enabled: boolean },
  sessionId: string,
): Promise<Principal> {
  const userId = row.id;
  const [permissions, scopeRows, mfaRequired] = await Promise.all([
    permissionsOf(db, 'user', userId),
    scopeRowsOf(db, 'user', userId),
    row.mfa_enabled ? Promise.resolve(false) : userRolesRequireMfa(db, userId),
  ]);
  return {
    kind: 'user',
    id: row.id,
    name: row.username,
    sessionId,
    permissions,
    scope: scopeFromRows(scopeRows),
    mfaPending: mfaRequired,
  };
}

/** The caller behind a client access token, or null when the client was disabled or deleted. */
export async function loadClientPrincipal(db: DbOrTx, clientPk: string): Promise<Principal | null> {
  const row = await db
    .selectFrom('sys_api_clients')
    .select(['id', 'client_id', 'name', 'secret_rotated_at', 'device_id'])
    .where('id', '=', clientPk)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (!row) return null;
  const [permissions, scopeRows] = await Promise.all([
    permissionsOf(db, 'client', clientPk),
    scopeRowsOf(db, 'client', clientPk),
  ]);
  return {
    kind: 'client',
    id: row.id,
    name: row.name,
    clientId: row.client_id,
    permissions,
    scope: scopeFromRows(scopeRows),
    deviceId: row.device_id,
    tokensValidFrom: Math.floor(row.secret_rotated_at.getTime() / 1000),
  };
}
