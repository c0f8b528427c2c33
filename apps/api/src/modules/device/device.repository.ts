/** SQL of devices (sys_devices), always joined to their site for the data scope. */
import { type DbOrTx, pgErrorCode } from '@app/db';
import { type DataScope, DomainError } from '@app/domain';
import { sql } from 'kysely';
import { scopeWhere } from '../../lib/scope-filter.ts';

const columns = [
  'd.id',
  'd.device_code',
  'd.name',
  'd.kind',
  'd.site_id',
  'st.seller_id',
  'd.app_version',
  'd.last_active_at',
  'd.revoked_at',
  'd.revoked_reason',
  'd.created_at',
  'd.updated_at',
] as const;

const base = (db: DbOrTx, tenantId: string, scope: DataScope) =>
  db
    .selectFrom('sys_devices as d')
    .leftJoin('sites as st', 'st.id', 'd.site_id')
    .select(columns)
    .where('d.tenant_id', '=', tenantId)
    .where(scopeWhere(scope, { seller: 'st.seller_id', site: 'd.site_id' }));

export async function listDevices(
  db: DbOrTx,
  tenantId: string,
  scope: DataScope,
  f: { siteId?: string; sellerId?: string; revoked?: boolean; q?: string; offset?: number; limit?: number },
) {
  let q = base(db, tenantId, scope)
    .orderBy('d.device_code')
    .orderBy('d.id')
    .offset(f.offset ?? 0)
    .limit(f.limit ?? 5000);
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) => eb.or([eb('d.device_code', 'ilike', like), eb('d.name', 'ilike', like)]));
  }
  if (f.siteId) q = q.where('d.site_id', '=', f.siteId);
  if (f.sellerId) q = q.where('st.seller_id', '=', f.sellerId);
  if (f.revoked !== undefined) q = q.where('d.revoked_at', f.revoked ? 'is not' : 'is', null);
  return q.execute();
}
export type DeviceRow = Awaited<ReturnType<typeof listDevices>>[number];

export async function findDevice(db: DbOrTx, tenantId: string, scope: DataScope, id: string) {
  return base(db, tenantId, scope).where('d.id', '=', id).executeTakeFirst();
}

export async function lockDevice(trx: DbOrTx, id: string) {
  await trx.selectFrom('sys_devices').select('id').where('id', '=', id).forUpdate().execute();
}

export async function insertDevice(
  trx: DbOrTx,
  v: { tenant_id: string; device_code: string; name: string; kind: string; site_id: string },
): Promise<string> {
  try {
    return (await trx.insertInto('sys_devices').values(v).returning('id').executeTakeFirstOrThrow()).id;
  } catch (e) {
    if (pgErrorCode(e) === '23505') {
      throw new DomainError('ALREADY_EXISTS', `A device with code ${v.device_code} already exists.`, {
        field: 'body.deviceCode',
      });
    }
    throw e;
  }
}

export async function updateDevice(
  trx: DbOrTx,
  id: string,
  set: Partial<{ name: string; kind: string; site_id: string; revoked_reason: string }> & { revoke?: true },
): Promise<void> {
  const { revoke, ...rest } = set;
  await trx
    .updateTable('sys_devices')
    .set({ ...rest, ...(revoke ? { revoked_at: sql`coalesce(revoked_at, now())` } : {}), updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

/** Disable the machine clients bound to a device (a revoked POS can no longer get tokens). */
export async function disableDeviceClients(trx: DbOrTx, deviceId: string): Promise<number> {
  const r = await trx
    .updateTable('sys_api_clients')
    .set({ status: 'disabled', updated_at: sql`now()` })
    .where('device_id', '=', deviceId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
