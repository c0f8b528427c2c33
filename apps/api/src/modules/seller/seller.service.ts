/**
 * Sellers (營業人) and their sites. The BAN is checked with the checksum in force today; the QR AES
 * key is sealed at rest and never leaves the server (responses carry a fingerprint only).
 */
import { DomainError, isValidBan } from '@app/domain';
import type {
  CreateSellerInput,
  CreateSiteInput,
  SellerView,
  SiteView,
  UpdateSellerInput,
  UpdateSiteInput,
} from '@app/schemas/seller';
import { encryptSecret, sha256Hex } from '@app/security';
import type { ModuleDeps } from '../../app.ts';
import type { RequestContext, Tx } from '../../context.ts';
import { callerScope } from '../../lib/scope-filter.ts';
import {
  findSeller,
  findSite,
  insertSeller,
  insertSite,
  listSellers,
  listSites,
  type SellerRow,
  type SiteRow,
  updateSeller,
  updateSite,
} from './seller.repository.ts';

type Deps = Pick<ModuleDeps, 'db' | 'tenant' | 'config' | 'now'>;

const toSeller = (r: SellerRow): SellerView => ({
  id: r.id,
  ban: r.ban,
  name: r.name,
  address: r.address,
  personInCharge: r.person_in_charge,
  telephone: r.telephone,
  email: r.email,
  turnkeyRoutingId: r.turnkey_routing_id,
  qrKeySet: r.qr_aes_key_fp !== null,
  qrKeyFingerprint: r.qr_aes_key_fp,
  certificateExpiresAt: r.certificate_expires_at,
  status: r.status === 'disabled' ? 'disabled' : 'active',
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

const toSite = (r: SiteRow): SiteView => ({
  id: r.id,
  sellerId: r.seller_id,
  code: r.code,
  name: r.name,
  address: r.address,
  branchBan: r.branch_ban,
  status: r.status === 'disabled' ? 'disabled' : 'active',
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export function createSellerService(deps: Deps) {
  const { db, tenant } = deps;
  const encKey = Buffer.from(deps.config.APP_ENCRYPTION_KEY, 'base64');
  const sealKey = (key: string) => {
    const k = key.toUpperCase();
    return { qr_aes_key_enc: encryptSecret(k, encKey), qr_aes_key_fp: sha256Hex(k).slice(0, 8) };
  };
  const assertBan = (ban: string, field: string) => {
    if (!isValidBan(ban, deps.now())) {
      throw new DomainError('VALIDATION_ERROR', `${ban} is not a valid BAN (統一編號): the checksum does not match.`, [
        { field, message: 'invalid BAN checksum' },
      ]);
    }
  };
  const notFound = (what: string, id: string) => new DomainError('NOT_FOUND', `No ${what} with id ${id}.`);

  async function seller(dbOrTx: Tx | Deps['db'], ctx: RequestContext, id: string, lock = false) {
    const r = await findSeller(dbOrTx, tenant.id, callerScope(ctx), id, lock);
    if (!r) throw notFound('seller', id);
    return r;
  }
  async function site(dbOrTx: Tx | Deps['db'], ctx: RequestContext, id: string, lock = false) {
    const r = await findSite(dbOrTx, tenant.id, callerScope(ctx), id, lock);
    if (!r) throw notFound('site', id);
    return r;
  }

  return {
    async list(ctx: RequestContext, q: { q?: string; status?: string; cursor?: string; limit: number }) {
      const offset = Number(q.cursor ?? 0);
      const rows = await listSellers(db, tenant.id, callerScope(ctx), {
        ...(q.q ? { q: q.q } : {}),
        ...(q.status ? { status: q.status } : {}),
        offset,
        limit: q.limit + 1,
      });
      return {
        items: rows.slice(0, q.limit).map(toSeller),
        nextCursor: rows.length > q.limit ? String(offset + q.limit) : null,
      };
    },
    get: async (ctx: RequestContext, id: string) => toSeller(await seller(db, ctx, id)),

    async create(trx: Tx, ctx: RequestContext, input: CreateSellerInput): Promise<SellerView> {
      assertBan(input.ban, 'body.ban');
      if (!callerScope(ctx).all)
        throw new DomainError('SCOPE_FORBIDDEN', 'Only callers with an unrestricted data scope can register sellers.');
      const id = await insertSeller(trx, {
        tenant_id: tenant.id,
        ban: input.ban,
        name: input.name,
        address: input.address,
        person_in_charge: input.personInCharge ?? null,
        telephone: input.telephone ?? null,
        email: input.email ?? null,
        turnkey_routing_id: input.turnkeyRoutingId ?? null,
        certificate_expires_at: input.certificateExpiresAt ?? null,
        ...(input.qrAesKey ? sealKey(input.qrAesKey) : { qr_aes_key_enc: null, qr_aes_key_fp: null }),
      });
      const after = toSeller(await seller(trx, ctx, id));
      ctx.audit.target = { type: 'seller', id };
      ctx.audit.after = after;
      return after;
    },

    async update(trx: Tx, ctx: RequestContext, id: string, input: UpdateSellerInput): Promise<SellerView> {
      const before = toSeller(await seller(trx, ctx, id, true));
      await updateSeller(trx, id, {
        name: input.name,
        address: input.address,
        person_in_charge: input.personInCharge,
        telephone: input.telephone,
        email: input.email,
        turnkey_routing_id: input.turnkeyRoutingId,
        status: input.status,
        // A new date (or none) starts the expiry announcements over.
        ...(input.certificateExpiresAt !== undefined && input.certificateExpiresAt !== before.certificateExpiresAt
          ? { certificate_expires_at: input.certificateExpiresAt, certificate_alerted_days: null }
          : {}),
      });
      const after = toSeller(await seller(trx, ctx, id));
      ctx.audit = { ...ctx.audit, target: { type: 'seller', id }, before, after };
      return after;
    },

    async setQrKey(trx: Tx, ctx: RequestContext, id: string, key: string): Promise<SellerView> {
      const before = toSeller(await seller(trx, ctx, id, true));
      await updateSeller(trx, id, sealKey(key));
      const after = toSeller(await seller(trx, ctx, id));
      ctx.audit = {
        ...ctx.audit,
        target: { type: 'seller', id },
        before: { qrKeyFingerprint: before.qrKeyFingerprint },
        after: { qrKeyFingerprint: after.qrKeyFingerprint },
      };
      return after;
    },

    async listSites(ctx: RequestContext, sellerId: string) {
      await seller(db, ctx, sellerId);
      return { items: (await listSites(db, callerScope(ctx), sellerId)).map(toSite) };
    },

    async createSite(trx: Tx, ctx: RequestContext, sellerId: string, input: CreateSiteInput): Promise<SiteView> {
      const s = await seller(trx, ctx, sellerId, true);
      if (input.branchBan) assertBan(input.branchBan, 'body.branchBan');
      const scope = callerScope(ctx);
      if (!scope.all && !scope.sellers.includes(s.id)) {
        throw new DomainError('SCOPE_FORBIDDEN', 'Adding sites needs the whole seller in your data scope.');
      }
      const id = await insertSite(trx, {
        seller_id: sellerId,
        code: input.code,
        name: input.name,
        address: input.address ?? null,
        branch_ban: input.branchBan ?? null,
      });
      const after = toSite(await site(trx, ctx, id));
      ctx.audit = { ...ctx.audit, target: { type: 'site', id }, after };
      return after;
    },

    async updateSite(trx: Tx, ctx: RequestContext, id: string, input: UpdateSiteInput): Promise<SiteView> {
      const before = toSite(await site(trx, ctx, id, true));
      if (input.branchBan) assertBan(input.branchBan, 'body.branchBan');
      await updateSite(trx, id, { name: input.name, address: input.address, branch_ban: input.branchBan, status: input.status });
      const after = toSite(await site(trx, ctx, id));
      ctx.audit = { ...ctx.audit, target: { type: 'site', id }, before, after };
      return after;
    },
  };
}
