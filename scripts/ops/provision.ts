/**
 * The tenant of a new Compose stack (scripts/install.sh runs it once the database is migrated): the tenant row,
 * the RBAC catalogue, a license when there is none, and the first administrator when the tenant has no user yet.
 * Idempotent: an existing license or user is never changed, so running it again is harmless.
 *
 *   node --import tsx scripts/ops/provision.ts [--name NAME] [--license-days N] [--license-plan PLAN]
 *
 * Reads DATABASE_URL and TENANT_CODE; the first administrator's password from INITIAL_ADMIN_PASSWORD (at least
 * 12 characters; needed only when the tenant has no user). Exit: 0 done, 1 failed, 2 bad usage.
 */
import { createDb, createPool } from '@app/db';
import { provisionTenant } from '../../db/seeds/seed.ts';
import { loadOpsEnv, parseArgs, runCli, UsageError } from './env.ts';

const USAGE = `usage: scripts/ops/provision.ts [--env-file FILE] [--name NAME] [--license-days N] [--license-plan PLAN]
  Creates this stack's tenant (TENANT_CODE) in its migrated database: the tenant, the roles and permissions, a
  license valid N days (default 365; 14 days' grace) when there is none, and the administrator "admin" with the
  password in INITIAL_ADMIN_PASSWORD when the tenant has no user. Never changes an existing license or user.
  Exit: 0 done, 1 failed, 2 bad usage.`;

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2), { values: ['env-file', 'name', 'license-days', 'license-plan'], flags: [] });
  if (a.help) {
    console.log(USAGE);
    return 0;
  }
  const env = loadOpsEnv(a.values['env-file']);
  const days = Number(a.values['license-days'] ?? 365);
  if (!Number.isInteger(days) || days < 1) throw new UsageError('--license-days must be a whole number ≥ 1');
  const password = env.vars.INITIAL_ADMIN_PASSWORD || process.env.INITIAL_ADMIN_PASSWORD || '';
  if (password && password.length < 12) throw new UsageError('INITIAL_ADMIN_PASSWORD must be at least 12 characters');
  const db = createDb(createPool({ connectionString: env.databaseUrl, max: 2 }));
  try {
    const r = await provisionTenant(db, {
      tenantCode: env.tenantCode,
      tenantName: a.values.name ?? env.tenantCode,
      ...(password ? { admin: { username: 'admin', password } } : {}),
      license: { plan: a.values['license-plan'] ?? 'standard', days, graceDays: 14 },
    });
    console.log(JSON.stringify({ tenant: env.tenantCode, ...r }));
    return 0;
  } catch (e) {
    if (/no user yet/.test((e as Error).message))
      throw new UsageError((e as Error).message.replace('give', 'set INITIAL_ADMIN_PASSWORD to'));
    throw e;
  } finally {
    await db.destroy();
  }
}

await runCli(USAGE, main);
