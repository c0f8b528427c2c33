/**
 * scripts/ops/provision.ts against a freshly migrated database: the tenant a Compose install starts with — the
 * tenant row, roles, a license, the first administrator (who can sign in) — and a second run changes nothing.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDb, createPool, type Database } from '@app/db';
import { createTestDatabase } from '@app/devkit/testing';
import { verifySecret } from '@app/security';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TOOL = fileURLToPath(new URL('./provision.ts', import.meta.url));
let t: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Database;
beforeAll(async () => {
  t = await createTestDatabase();
  db = createDb(createPool({ connectionString: t.url, max: 2 }));
});
afterAll(async () => {
  await db?.destroy();
  await t?.drop();
});

const provision = async (env: Record<string, string>, ...args: string[]) => {
  try {
    const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', TOOL, '--', ...args], {
      env: { ...process.env, DATABASE_URL: t.url, TENANT_CODE: 'acme', ...env },
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
};

describe('provision.ts', () => {
  it('refuses to make a tenant without its first administrator, then makes it once', async () => {
    const none = await provision({ INITIAL_ADMIN_PASSWORD: '' });
    expect(none.code).toBe(2);
    expect(none.err).toContain('set INITIAL_ADMIN_PASSWORD to');
    expect((await provision({ INITIAL_ADMIN_PASSWORD: 'short' })).code).toBe(2);

    const r = await provision(
      { INITIAL_ADMIN_PASSWORD: 'first-admin-password-1' },
      '--name',
      'ACME 加油站',
      '--license-days',
      '30',
    );
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ tenant: 'acme', adminCreated: true, licenseCreated: true, users: 0 });
    const tenant = await db.selectFrom('sys_tenants').selectAll().where('code', '=', 'acme').executeTakeFirstOrThrow();
    expect(tenant.name).toBe('ACME 加油站');
    const license = await db.selectFrom('sys_license').selectAll().where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow();
    const days = (license.expires_at.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
    expect(license.plan).toBe('standard');
    const admin = await db
      .selectFrom('sys_users as u')
      .innerJoin('sys_user_roles as ur', 'ur.user_id', 'u.id')
      .innerJoin('sys_roles as r', 'r.id', 'ur.role_id')
      .select(['u.username', 'u.password_hash', 'r.code'])
      .where('u.tenant_id', '=', tenant.id)
      .execute();
    expect(admin.map((a) => [a.username, a.code])).toEqual([['admin', 'admin']]);
    expect(await verifySecret('first-admin-password-1', admin[0]?.password_hash as string)).toBe(true);
    const scope = await db.selectFrom('sys_data_scopes').selectAll().where('tenant_id', '=', tenant.id).execute();
    expect(scope.map((s) => s.scope_type)).toEqual(['all']);

    // Again, with another password and license: nothing changes.
    const again = await provision({ INITIAL_ADMIN_PASSWORD: 'another-password-22' }, '--license-days', '999');
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ adminCreated: false, licenseCreated: false, users: 1 });
    const after = await db.selectFrom('sys_users').select('password_hash').where('tenant_id', '=', tenant.id).execute();
    expect(await verifySecret('first-admin-password-1', after[0]?.password_hash as string)).toBe(true);
    const license2 = await db.selectFrom('sys_license').selectAll().where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow();
    expect(license2.expires_at).toEqual(license.expires_at);
  });
});
