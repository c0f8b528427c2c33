/**
 * Maintenance (read-only) mode straight in the database, for the scripts (maintenance.sh, export.sh, update.sh):
 * the API processes follow within 2 s, the workers pause after their running jobs (apps/worker/src/maintenance-watch.ts).
 */
import type { Database } from '@app/db';
import { sql } from 'kysely';

export type MaintenanceState = { enabled: boolean; reason: string | null; since: Date | null; by: string | null };

async function tenantId(db: Database, tenantCode: string): Promise<string> {
  const t = await db.selectFrom('sys_tenants').select('id').where('code', '=', tenantCode).executeTakeFirst();
  if (!t) throw new Error(`no tenant "${tenantCode}" in this database (TENANT_CODE)`);
  return t.id;
}

export async function getMaintenance(db: Database, tenantCode: string): Promise<MaintenanceState> {
  const id = await tenantId(db, tenantCode);
  const m = await db.selectFrom('sys_maintenance').selectAll().where('tenant_id', '=', id).executeTakeFirst();
  return m?.enabled
    ? { enabled: true, reason: m.reason, since: m.changed_at, by: m.changed_by }
    : { enabled: false, reason: null, since: null, by: null };
}

export async function setMaintenance(db: Database, tenantCode: string, enabled: boolean, reason: string | null, by: string) {
  const id = await tenantId(db, tenantCode);
  await db
    .insertInto('sys_maintenance')
    .values({ tenant_id: id, enabled, reason, changed_by: by })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ enabled, reason, changed_by: by, changed_at: sql`now()` }))
    .execute();
}
