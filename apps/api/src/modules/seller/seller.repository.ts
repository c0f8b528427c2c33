/** SQL of sellers and sites. Every read takes the caller's data scope. */

import { type DbOrTx, pgErrorCode } from '@app/db';
import { type DataScope, DomainError } from '@app/domain';
import { sql } from 'kysely';
import { scopeWhere } from '../../lib/scope-filter.ts';

const sellerColumns = [
  'id',
  'ban',
  'name',
  'address',
  'person_in_charge',
  'telephone',
  'email',
  'turnkey_routing_id',
  'qr_aes_key_fp',
  sql<string | null>`certificate_expires_at::text`.as('certificate_expires_at'),
  'status',
  'created_at',
  'updated_at',
] as const;

const siteColumns = ['id', 'seller_id', 'code', 'name', 'address', 'branch_ban', 'status', 'created_at', 'updated_at'] as const;

export async function listSellers(
  db: DbOrTx,
  tenantId: string,
  scope: DataScope,
  f: { q?: string; status?: string; offset?: number; limit?: number },
) {
  let q = db
    .selectFrom('sellers')
    .select(sellerColumns)
    .where('tenant_id', '=', tenantId)
    .where(scopeWhere(scope, { seller: 'sellers.id', sellerOfSites: 'sellers.id' }))
    .orderBy('ban')
    .orderBy('id')
    .offset(f.offset ?? 0)
    .limit(f.limit ?? 1000);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) => eb.or([eb('name', 'ilike', like), eb('ban', 'like', like)]));
  }
  return q.execute();
}
export type SellerRow = Awaited<ReturnType<typeof listSellers>>[number];

export async function findSeller(db: DbOrTx, tenantId: string, scope: DataScope, id: string, lock = false) {
  let q = db
    .selectFrom('sellers')
    .select(sellerColumns)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where(scopeWhere(scope, { seller: 'sellers.id', sellerOfSites: 'sellers.id' }));
  if (lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

const uniqueViolation = (e: unknown, what: string, field: string) => {
  if (pgErrorCode(e) === '23505') return new DomainError('ALREADY_EXISTS', `${what} already exists.`, { field });
  return e;
};

export async function insertSeller(
  trx: DbOrTx,
  v: {
    tenant_id: string;
    ban: string;
    name: string;
    address: string;
    person_in_charge: string | null;
    telephone: string | null;
    email: string | null;
    turnkey_routing_id: string | null;
    qr_aes_key_enc: string | null;
    qr_aes_key_fp: string | null;
    certificate_expires_at: string | null;
  },
): Promise<string> {
  try {
    const r = await trx.insertInto('sellers').values(v).returning('id').executeTakeFirstOrThrow();
    return r.id;
  } catch (e) {
    throw uniqueViolation(e, `A seller with BAN ${v.ban}`, 'body.ban');
  }
}

export async function updateSeller(
  trx: DbOrTx,
  id: string,
  set: Partial<{
    name: string;
    address: string;
    person_in_charge: string | null;
    telephone: string | null;
    email: string | null;
    turnkey_routing_id: string | null;
    status: string;
    qr_aes_key_enc: string;
    qr_aes_key_fp: string;
    certificate_expires_at: string | null;
    certificate_alerted_days: null;
  }>,
): Promise<void> {
  await trx
    .updateTable('sellers')
    .set({ ...set, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

export async function listSites(db: DbOrTx, scope: DataScope, sellerId: string) {
  return db
    .selectFrom('sites')
    .select(siteColumns)
    .where('seller_id', '=', sellerId)
    .where(scopeWhere(scope, { seller: 'sites.seller_id', site: 'sites.id' }))
    .orderBy('code')
    .execute();
}
export type SiteRow = Awaited<ReturnType<typeof listSites>>[number];

export async function findSite(db: DbOrTx, tenantId: string, scope: DataScope, id: string, lock = false) {
  let q = db
    .selectFrom('sites')
    .innerJoin('sellers', 'sellers.id', 'sites.seller_id')
    .select(siteColumns.map((c) => `sites.${c}` as const))
    .where('sellers.tenant_id', '=', tenantId)
    .where('sites.id', '=', id)
    .where(scopeWhere(scope, { seller: 'sites.seller_id', site: 'sites.id' }));
  if (lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function insertSite(
  trx: DbOrTx,
  v: { seller_id: string; code: string; name: string; address: string | null; branch_ban: string | null },
): Promise<string> {
  try {
    const r = await trx.insertInto('sites').values(v).returning('id').executeTakeFirstOrThrow();
    return r.id;
  } catch (e) {
    throw uniqueViolation(e, `A site with code ${v.code} for this seller`, 'body.code');
  }
}

export async function updateSite(
  trx: DbOrTx,
  id: string,
  set: Partial<{ name: string; address: string | null; branch_ban: string | null; status: string }>,
): Promise<void> {
  await trx
    .updateTable('sites')
    .set({ ...set, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}
