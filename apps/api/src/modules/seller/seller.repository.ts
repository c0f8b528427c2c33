/** SQL of sellers and sites. Every read takes the caller's data scope. */

import type { DB } from '@app/db';
import { type DbOrTx, pgErrorCode } from '@app/db';
import { type DataScope, DomainError } from '@app/domain';
import { type ExpressionBuilder, sql } from 'kysely';

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
  'status',
  'created_at',
  'updated_at',
] as const;

const siteColumns = ['id', 'seller_id', 'code', 'name', 'address', 'branch_ban', 'status', 'created_at', 'updated_at'] as const;

/**
 * A seller is visible when it is in the scope's sellers, or when one of its sites is in the scope's
 * sites (a station manager sees the seller of their station). No scope rows: nothing.
 */
function sellerVisible(scope: DataScope) {
  return (eb: ExpressionBuilder<DB, 'sellers'>) => {
    if (scope.all) return eb.val(true);
    const ors = [];
    if (scope.sellers.length) ors.push(eb('sellers.id', 'in', [...scope.sellers]));
    if (scope.sites.length) {
      ors.push(
        eb(
          'sellers.id',
          'in',
          eb
            .selectFrom('sites')
            .select('sites.seller_id')
            .where('sites.id', 'in', [...scope.sites]),
        ),
      );
    }
    return ors.length ? eb.or(ors) : eb.val(false);
  };
}

/** A site is visible when its seller is in scope or it is itself in scope. */
function siteVisible(scope: DataScope) {
  return (eb: ExpressionBuilder<DB, 'sites'>) => {
    if (scope.all) return eb.val(true);
    const ors = [];
    if (scope.sellers.length) ors.push(eb('sites.seller_id', 'in', [...scope.sellers]));
    if (scope.sites.length) ors.push(eb('sites.id', 'in', [...scope.sites]));
    return ors.length ? eb.or(ors) : eb.val(false);
  };
}

export async function listSellers(db: DbOrTx, tenantId: string, scope: DataScope, f: { q?: string; status?: string }) {
  let q = db
    .selectFrom('sellers')
    .select(sellerColumns)
    .where('tenant_id', '=', tenantId)
    .where(sellerVisible(scope))
    .orderBy('ban')
    .limit(1000);
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
    .where(sellerVisible(scope));
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
    .where(siteVisible(scope))
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
    .where(siteVisible(scope));
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
