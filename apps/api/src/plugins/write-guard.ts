/**
 * Writes the system refuses as a whole, whoever asks (platform plan §10, §15):
 * - **maintenance** (read-only) mode, toggled by ops (`sys_maintenance`): writes get 503 MAINTENANCE
 *   (Retry-After), reads keep working — an export or an upgrade runs against data nobody changes;
 * - an **expired license** (`sys_license`): during the grace period every answer carries
 *   `X-License-Warning`; after it, or when revoked, writes get 403 LICENSE_EXPIRED.
 * Signing in and out, refreshing a token, the web app's error reports and turning maintenance off stay open,
 * so people can still reach the system and ops can end the mode. The state is read from the database at most
 * every STATE_TTL_MS per process, so every API process follows a toggle within that time.
 */
import type { DbOrTx } from '@app/db';
import { DomainError, taipeiIsoDate } from '@app/domain';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../context.ts';
import { API_PREFIX, isWrite } from './scope-injector.ts';

const STATE_TTL_MS = 2_000;

/** Writes that stay open in maintenance and after the license ends. */
const ALWAYS_OPEN = [
  /^\/api\/v1\/auth\//,
  /^\/api\/v1\/oauth\/token$/,
  /^\/api\/v1\/client-errors$/,
  /^\/api\/v1\/admin\/maintenance$/,
];

export type LicenseState = {
  status: 'active' | 'grace' | 'expired' | 'revoked' | 'none';
  plan: string | null;
  expiresAt: string | null;
  /** When writes stop: the expiry plus the grace period. */
  readOnlyFrom: string | null;
};
export type SystemState = {
  maintenance: { enabled: boolean; reason: string | null; since: string | null; by: string | null };
  license: LicenseState;
};

/** The state as the database holds it now (no cache). */
export async function readSystemState(db: DbOrTx, tenantId: string, now: Date): Promise<SystemState> {
  const [m, l] = await Promise.all([
    db.selectFrom('sys_maintenance').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst(),
    db
      .selectFrom('sys_license')
      .select(['plan', 'expires_at', 'grace_period_days', 'status'])
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst(),
  ]);
  let license: LicenseState = { status: 'none', plan: null, expiresAt: null, readOnlyFrom: null };
  if (l) {
    const readOnlyFrom = new Date(l.expires_at.getTime() + l.grace_period_days * 86_400_000);
    const status = l.status === 'revoked' ? 'revoked' : now < l.expires_at ? 'active' : now < readOnlyFrom ? 'grace' : 'expired';
    license = { status, plan: l.plan, expiresAt: l.expires_at.toISOString(), readOnlyFrom: readOnlyFrom.toISOString() };
  }
  return {
    maintenance: {
      enabled: m?.enabled ?? false,
      reason: m?.enabled ? (m.reason ?? null) : null,
      since: m?.enabled ? m.changed_at.toISOString() : null,
      by: m?.enabled ? (m.changed_by ?? null) : null,
    },
    license,
  };
}

export function installWriteGuard(app: FastifyInstance, deps: AppDeps) {
  let cached: { state: SystemState; at: number } | null = null;
  const state = async (): Promise<SystemState> => {
    const now = Date.now();
    if (cached && now - cached.at < STATE_TTL_MS) return cached.state;
    cached = { state: await readSystemState(deps.db, deps.tenant.id, deps.now()), at: now };
    return cached.state;
  };

  app.addHook('onRequest', async (req, reply) => {
    const url = req.routeOptions.url;
    if (!url?.startsWith(API_PREFIX)) return;
    const s = await state();
    const l = s.license;
    if (l.status === 'grace') {
      reply.header(
        'x-license-warning',
        `expired ${taipeiIsoDate(new Date(l.expiresAt as string))}; read-only from ${taipeiIsoDate(new Date(l.readOnlyFrom as string))}`,
      );
    }
    if (!isWrite(req.method) || ALWAYS_OPEN.some((re) => re.test(url))) return;
    if (s.maintenance.enabled) {
      throw new DomainError(
        'MAINTENANCE',
        `The system is in maintenance (read-only) mode${s.maintenance.reason ? `: ${s.maintenance.reason}` : ''}. Reads work; retry the write later.`,
        undefined,
        { 'retry-after': '60' },
      );
    }
    if (l.status === 'expired' || l.status === 'revoked') {
      throw new DomainError(
        'LICENSE_EXPIRED',
        l.status === 'revoked'
          ? 'The license was revoked: the system is read-only.'
          : `The license expired on ${taipeiIsoDate(new Date(l.expiresAt as string))} and its grace period is over: the system is read-only until it is renewed.`,
      );
    }
  });

  /** Forget the cached state (after this process toggled it). */
  return {
    refresh: () => {
      cached = null;
    },
  };
}
