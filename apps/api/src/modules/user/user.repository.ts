/** SQL of user administration (sys_users, their sessions and recovery codes). */
import { type DbOrTx, pgErrorCode } from '@app/db';
import { DomainError } from '@app/domain';
import { sql } from 'kysely';

/** Never the password hash or MFA secrets. */
const userColumns = [
  'u.id',
  'u.username',
  'u.display_name',
  'u.email',
  'u.status',
  'u.mfa_enabled',
  'u.locked_until',
  'u.last_login_at',
  'u.password_changed_at',
  'u.created_at',
  'u.updated_at',
  sql<string[]>`coalesce((SELECT array_agg(r.code ORDER BY r.code) FROM sys_user_roles ur
                            JOIN sys_roles r ON r.id = ur.role_id WHERE ur.user_id = u.id), '{}')`.as('roles'),
] as const;

const likePattern = (s: string) => `%${s.replace(/[\\%_]/g, '\\$&')}%`;

/**
 * A page of users ordered by lower(username) (unique per tenant, so it is the keyset; the
 * sys_users_username_uq index serves it). `after` is the lower-cased username of the last row seen.
 */
export async function listUsers(
  db: DbOrTx,
  tenantId: string,
  f: { q?: string; status?: string; role?: string; after?: string; limit: number },
) {
  let query = db
    .selectFrom('sys_users as u')
    .select(userColumns)
    .select(sql<string>`lower(u.username)`.as('sort_key'))
    .where('u.tenant_id', '=', tenantId)
    .orderBy(sql`lower(u.username)`)
    .limit(f.limit);
  if (f.q) {
    const p = likePattern(f.q);
    query = query.where((eb) => eb.or([eb('u.username', 'ilike', p), eb('u.display_name', 'ilike', p)]));
  }
  if (f.status) query = query.where('u.status', '=', f.status);
  if (f.role) {
    const role = f.role;
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('sys_user_roles as ur')
          .innerJoin('sys_roles as r', 'r.id', 'ur.role_id')
          .select('ur.user_id')
          .whereRef('ur.user_id', '=', 'u.id')
          .where('r.code', '=', role),
      ),
    );
  }
  if (f.after !== undefined) query = query.where(sql<string>`lower(u.username)`, '>', f.after);
  return query.execute();
}
export type UserRow = Omit<Awaited<ReturnType<typeof listUsers>>[number], 'sort_key'>;

export async function findUser(db: DbOrTx, tenantId: string, id: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('sys_users as u')
    .select(userColumns)
    .where('u.tenant_id', '=', tenantId)
    .where('u.id', '=', id)
    .executeTakeFirst();
}

/** Lock the user row for the rest of the transaction (concurrent admin edits queue up). */
export async function lockUser(trx: DbOrTx, tenantId: string, id: string) {
  return trx
    .selectFrom('sys_users')
    .select(['id', 'username', 'status', 'mfa_enabled', 'mfa_pending_secret_enc'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export async function insertUser(
  trx: DbOrTx,
  v: { tenantId: string; username: string; displayName: string; email: string | null; passwordHash: string },
): Promise<string> {
  try {
    const row = await trx
      .insertInto('sys_users')
      .values({
        tenant_id: v.tenantId,
        username: v.username,
        display_name: v.displayName,
        email: v.email,
        password_hash: v.passwordHash,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  } catch (e) {
    if (pgErrorCode(e) === '23505') {
      throw new DomainError('ALREADY_EXISTS', `The username '${v.username}' is taken (usernames are case-insensitive).`, {
        field: 'body.username',
      });
    }
    throw e;
  }
}

export async function updateUser(
  trx: DbOrTx,
  id: string,
  set: { display_name?: string; email?: string | null; status?: string; locked_until?: null },
) {
  await trx
    .updateTable('sys_users')
    .set({ ...set, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

export async function setPasswordHash(trx: DbOrTx, id: string, passwordHash: string) {
  await trx
    .updateTable('sys_users')
    .set({ password_hash: passwordHash, password_changed_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

export async function clearMfa(trx: DbOrTx, id: string) {
  await trx
    .updateTable('sys_users')
    .set({ mfa_enabled: false, mfa_secret_enc: null, mfa_pending_secret_enc: null, mfa_last_step: null, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
  await trx.deleteFrom('sys_user_recovery_codes').where('user_id', '=', id).execute();
}

/** End every open session of the user (their access and refresh tokens stop working); returns how many. */
export async function revokeSessions(trx: DbOrTx, userId: string, reason: string): Promise<number> {
  const r = await trx
    .updateTable('sys_auth_sessions')
    .set({ revoked_at: sql`now()`, revoked_reason: reason })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
