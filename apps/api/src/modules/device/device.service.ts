/** POS and PDA devices, bound to a site. Revoking a device disables the machine clients bound to it. */
import { DomainError } from '@app/domain';
import type { CreateDeviceInput, DeviceView, UpdateDeviceInput } from '@app/schemas/device';
import type { ModuleDeps } from '../../app.ts';
import type { RequestContext, Tx } from '../../context.ts';
import { callerScope } from '../../lib/scope-filter.ts';
import { findSite } from '../seller/seller.repository.ts';
import {
  type DeviceRow,
  disableDeviceClients,
  findDevice,
  insertDevice,
  listDevices,
  lockDevice,
  updateDevice,
} from './device.repository.ts';

type Deps = Pick<ModuleDeps, 'db' | 'tenant'>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const toView = (r: DeviceRow): DeviceView => ({
  id: r.id,
  deviceCode: r.device_code,
  name: r.name,
  kind: r.kind as DeviceView['kind'],
  siteId: r.site_id,
  sellerId: r.seller_id,
  appVersion: r.app_version,
  lastActiveAt: iso(r.last_active_at),
  revokedAt: iso(r.revoked_at),
  revokedReason: r.revoked_reason,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export function createDeviceService(deps: Deps) {
  const { db, tenant } = deps;

  async function device(dbOrTx: Tx | Deps['db'], ctx: RequestContext, id: string) {
    const r = await findDevice(dbOrTx, tenant.id, callerScope(ctx), id);
    if (!r) throw new DomainError('NOT_FOUND', `No device with id ${id}.`);
    return r;
  }
  /** The site must exist, be active and lie in the caller's scope. */
  async function assertSite(trx: Tx, ctx: RequestContext, siteId: string) {
    const s = await findSite(trx, tenant.id, callerScope(ctx), siteId);
    if (!s)
      throw new DomainError('VALIDATION_ERROR', `No site with id ${siteId} in your scope.`, [
        { field: 'body.siteId', message: 'unknown site' },
      ]);
    if (s.status !== 'active') {
      throw new DomainError('VALIDATION_ERROR', `Site ${s.code} is disabled.`, [
        { field: 'body.siteId', message: 'site is disabled' },
      ]);
    }
  }

  return {
    async list(
      ctx: RequestContext,
      q: { siteId?: string; sellerId?: string; revoked?: 'true' | 'false'; q?: string; cursor?: string; limit: number },
    ) {
      const offset = Number(q.cursor ?? 0);
      const rows = await listDevices(db, tenant.id, callerScope(ctx), {
        siteId: q.siteId,
        sellerId: q.sellerId,
        revoked: q.revoked === undefined ? undefined : q.revoked === 'true',
        q: q.q,
        offset,
        limit: q.limit + 1,
      });
      return {
        items: rows.slice(0, q.limit).map(toView),
        nextCursor: rows.length > q.limit ? String(offset + q.limit) : null,
      };
    },
    get: async (ctx: RequestContext, id: string) => toView(await device(db, ctx, id)),

    async create(trx: Tx, ctx: RequestContext, input: CreateDeviceInput): Promise<DeviceView> {
      await assertSite(trx, ctx, input.siteId);
      const id = await insertDevice(trx, {
        tenant_id: tenant.id,
        device_code: input.deviceCode,
        name: input.name,
        kind: input.kind,
        site_id: input.siteId,
      });
      const after = toView(await device(trx, ctx, id));
      ctx.audit = { ...ctx.audit, target: { type: 'device', id }, after };
      return after;
    },

    async update(trx: Tx, ctx: RequestContext, id: string, input: UpdateDeviceInput): Promise<DeviceView> {
      const before = toView(await device(trx, ctx, id));
      await lockDevice(trx, id);
      if (before.revokedAt) throw new DomainError('CONFLICT', 'The device is revoked; register a new one instead.');
      if (input.siteId) await assertSite(trx, ctx, input.siteId);
      await updateDevice(trx, id, { name: input.name, kind: input.kind, site_id: input.siteId });
      const after = toView(await device(trx, ctx, id));
      ctx.audit = { ...ctx.audit, target: { type: 'device', id }, before, after };
      return after;
    },

    async revoke(trx: Tx, ctx: RequestContext, id: string, reason: string): Promise<DeviceView> {
      const before = toView(await device(trx, ctx, id));
      await lockDevice(trx, id);
      if (before.revokedAt) throw new DomainError('CONFLICT', 'The device is already revoked.');
      await updateDevice(trx, id, { revoke: true, revoked_reason: reason });
      const clientsDisabled = await disableDeviceClients(trx, id);
      const after = toView(await device(trx, ctx, id));
      ctx.audit = { ...ctx.audit, target: { type: 'device', id }, before, after, note: { clientsDisabled } };
      return after;
    },
  };
}
