/**
 * Seeding, idempotent: the RBAC catalogue (permissions and the system roles, owned by the code),
 * and the demo tenant of the local stack (tenant, license, admin user, POS client). Running it again
 * changes nothing but the credentials it is given.
 */
import type { Database, DbOrTx } from '@app/db';
import { ALL_PERMISSIONS, PERMISSIONS, SYSTEM_ROLES } from '@app/domain';
import { hashSecret } from '@app/security';
import { sql } from 'kysely';

export async function ensureTenant(db: DbOrTx, code: string, name: string): Promise<string> {
  const row = await db
    .insertInto('sys_tenants')
    .values({ code, name })
    .onConflict((oc) => oc.column('code').doUpdateSet({ updated_at: sql`sys_tenants.updated_at` }))
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Make sys_permissions and the system roles match the code. */
export async function syncRbacCatalog(db: Database, tenantId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('sys_permissions')
      .values(ALL_PERMISSIONS.map((code) => ({ code, description: PERMISSIONS[code] })))
      .onConflict((oc) => oc.column('code').doUpdateSet({ description: (eb) => eb.ref('excluded.description') }))
      .execute();
    for (const [code, role] of Object.entries(SYSTEM_ROLES)) {
      const { id } = await trx
        .insertInto('sys_roles')
        .values({ tenant_id: tenantId, code, name: role.name, description: role.description, is_system: true })
        .onConflict((oc) => oc.columns(['tenant_id', 'code']).doUpdateSet({ is_system: true }))
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx.deleteFrom('sys_role_permissions').where('role_id', '=', id).execute();
      await trx
        .insertInto('sys_role_permissions')
        .values(role.permissions.map((p) => ({ role_id: id, permission_code: p })))
        .execute();
    }
  });
}

async function roleIdOf(db: DbOrTx, tenantId: string, code: string): Promise<string> {
  return (
    await db
      .selectFrom('sys_roles')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('code', '=', code)
      .executeTakeFirstOrThrow()
  ).id;
}

/**
 * The administrator `username` with the admin role and data scope `all`: created when missing; an existing one
 * gets `passwordHash` (and is unlocked) only with `resetPassword`. Returns whether it was created.
 */
export async function ensureAdmin(
  db: DbOrTx,
  tenantId: string,
  username: string,
  passwordHash: string,
  opts: { resetPassword: boolean },
): Promise<boolean> {
  const existing = await db
    .selectFrom('sys_users')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where(sql`lower(username)`, '=', username.toLowerCase())
    .executeTakeFirst();
  let adminId: string;
  if (existing) {
    adminId = existing.id;
    if (opts.resetPassword) {
      await db
        .updateTable('sys_users')
        .set({ password_hash: passwordHash, status: 'active', locked_until: null, updated_at: sql`now()` })
        .where('id', '=', existing.id)
        .execute();
    }
  } else {
    adminId = (
      await db
        .insertInto('sys_users')
        .values({ tenant_id: tenantId, username, display_name: '系統管理員', password_hash: passwordHash })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  }
  await db
    .insertInto('sys_user_roles')
    .values({ user_id: adminId, role_id: await roleIdOf(db, tenantId, 'admin') })
    .onConflict((oc) => oc.doNothing())
    .execute();
  await db
    .insertInto('sys_data_scopes')
    .values({ tenant_id: tenantId, subject_type: 'user', subject_id: adminId, scope_type: 'all', scope_ref: null })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return !existing;
}

export type TenantProvision = {
  tenantCode: string;
  tenantName: string;
  /** The first administrator, created only when the tenant has no user yet. */
  admin?: { username: string; password: string };
  /** The license written when the tenant has none (platform plan §6.1: sys_license). */
  license: { plan: string; days: number; graceDays: number };
};

/**
 * A production tenant in a migrated database (scripts/install.sh → scripts/ops/provision.ts): the tenant row,
 * the RBAC catalogue, a license when there is none, the first administrator when there is no user. Idempotent:
 * it never changes an existing license or user.
 */
export async function provisionTenant(
  db: Database,
  p: TenantProvision,
): Promise<{ tenantId: string; adminCreated: boolean; licenseCreated: boolean; users: number }> {
  // Refused before anything is written: a tenant nobody can sign in to is no use.
  const known = await db.selectFrom('sys_tenants').select('id').where('code', '=', p.tenantCode).executeTakeFirst();
  const anyUser =
    known && (await db.selectFrom('sys_users').select('id').where('tenant_id', '=', known.id).limit(1).executeTakeFirst());
  if (!anyUser && !p.admin) throw new Error("the tenant has no user yet: give the first administrator's password");
  const tenantId = await ensureTenant(db, p.tenantCode, p.tenantName);
  await syncRbacCatalog(db, tenantId);
  const hash = p.admin ? await hashSecret(p.admin.password) : null;
  return db.transaction().execute(async (trx) => {
    const license = await trx
      .insertInto('sys_license')
      .values({
        tenant_id: tenantId,
        plan: p.license.plan,
        expires_at: sql`now() + make_interval(days => ${p.license.days})`,
        grace_period_days: p.license.graceDays,
      })
      .onConflict((oc) => oc.column('tenant_id').doNothing())
      .returning('tenant_id')
      .executeTakeFirst();
    const users = Number(
      (
        await trx
          .selectFrom('sys_users')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('tenant_id', '=', tenantId)
          .executeTakeFirst()
      )?.n ?? 0,
    );
    let adminCreated = false;
    if (users === 0) {
      if (!p.admin || !hash) throw new Error("the tenant has no user yet: give the first administrator's password");
      adminCreated = await ensureAdmin(trx, tenantId, p.admin.username, hash, { resetPassword: false });
    }
    return { tenantId, adminCreated, licenseCreated: !!license, users };
  });
}

export type DemoSeed = {
  tenantCode: string;
  tenantName: string;
  admin: { username: string; password: string };
  posClient: { clientId: string; clientSecret: string };
};

/** The demo tenant of the local stack. Credentials are (re)set to the given ones on every run. */
export async function seedDemo(db: Database, s: DemoSeed): Promise<{ tenantId: string }> {
  const tenantId = await ensureTenant(db, s.tenantCode, s.tenantName);
  await syncRbacCatalog(db, tenantId);
  const [adminHash, posHash] = await Promise.all([hashSecret(s.admin.password), hashSecret(s.posClient.clientSecret)]);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('sys_license')
      .values({ tenant_id: tenantId, plan: 'demo', expires_at: sql`now() + interval '365 days'` })
      .onConflict((oc) => oc.column('tenant_id').doNothing())
      .execute();
    const roleId = async (code: string) => roleIdOf(trx, tenantId, code);
    await ensureAdmin(trx, tenantId, s.admin.username, adminHash, { resetPassword: true });

    const client = await trx
      .insertInto('sys_api_clients')
      .values({
        tenant_id: tenantId,
        client_id: s.posClient.clientId,
        name: 'Demo POS terminal',
        kind: 'pos',
        secret_hash: posHash,
      })
      .onConflict((oc) =>
        oc.column('client_id').doUpdateSet({ secret_hash: posHash, status: 'active', secret_rotated_at: sql`now()` }),
      )
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('sys_api_client_roles')
      .values({ client_pk: client.id, role_id: await roleId('pos') })
      .onConflict((oc) => oc.doNothing())
      .execute();
    await trx
      .insertInto('sys_data_scopes')
      .values({ tenant_id: tenantId, subject_type: 'client', subject_id: client.id, scope_type: 'all', scope_ref: null })
      .onConflict((oc) => oc.doNothing())
      .execute();
  });
  return { tenantId };
}
