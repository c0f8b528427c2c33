import { SCHEMA_VERSION } from '@app/db';
import { taipeiIsoDate } from '@app/domain';
import { readCircuitStates, WORKER_HEARTBEAT_STALE_SECONDS } from '@app/jobs';
import { maintenanceBody, metricsView, systemStatusView, systemView } from '@app/schemas/admin';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { ModuleDeps } from '../../app.ts';
import { API_VERSION } from '../../app.ts';
import type { RequestMetrics } from '../../lib/metrics.ts';
import { readSystemState } from '../../plugins/write-guard.ts';
import { createHealthService } from '../health/health.service.ts';

export async function adminRoutes(app: FastifyInstance, deps: ModuleDeps) {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const health = createHealthService(deps);
  app.get(
    '/api/v1/admin/metrics',
    {
      config: { access: 'ops.admin' },
      schema: {
        operationId: 'getMetrics',
        tags: ['ops'],
        summary: 'Requests/min, per-route latency percentiles, DB pool, queue depths, circuit breakers, disk use',
        response: { 200: metricsView },
      },
    },
    async () => {
      const mem = process.memoryUsage();
      return {
        generatedAt: deps.now().toISOString(),
        uptimeSeconds: Math.round((Date.now() - deps.metrics.startedAt.getTime()) / 1000),
        requestsPerMinute: deps.metrics.requestsPerMinute(),
        routes: deps.metrics.snapshot(),
        dbPool: health.poolUse(),
        queues: await health.queueDepths(),
        circuitBreakers: await readCircuitStates(deps.redis, deps.config.REDIS_KEY_PREFIX).catch(() => []),
        disk: await health.disk(),
        rateLimiter: { degraded: deps.limiter.isDegraded },
        process: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed },
      };
    },
  );

  app.get(
    '/api/v1/admin/system',
    {
      config: { access: 'ops.admin' },
      schema: {
        operationId: 'getSystem',
        tags: ['ops'],
        summary: "Version, schema version, health, every active seller's certificate expiry and the license",
        response: { 200: systemView },
      },
    },
    async () => {
      const now = deps.now();
      const today = Date.parse(`${taipeiIsoDate(now)}T00:00:00Z`);
      const daysUntil = (day: string) => Math.round((Date.parse(`${day}T00:00:00Z`) - today) / 86_400_000);
      const [checks, sellers, license, workers] = await Promise.all([
        health.check(),
        deps.db
          .selectFrom('sellers')
          .select(['id', 'ban', 'name', sql<string | null>`certificate_expires_at::text`.as('expires')])
          .where('status', '=', 'active')
          .orderBy(sql`certificate_expires_at ASC NULLS LAST`)
          .orderBy('ban')
          .execute(),
        deps.db
          .selectFrom('sys_license')
          .select(['plan', 'expires_at', 'grace_period_days', 'status'])
          .where('tenant_id', '=', deps.tenant.id)
          .executeTakeFirst(),
        deps.db
          .selectFrom('sys_worker_heartbeats')
          .select(['worker_id', 'started_at', 'seen_at', 'paused_at'])
          .where('seen_at', '>', sql<Date>`now() - make_interval(secs => ${WORKER_HEARTBEAT_STALE_SECONDS})`)
          .orderBy('started_at')
          .execute(),
      ]);
      return {
        generatedAt: now.toISOString(),
        version: API_VERSION,
        schemaVersion: String(SCHEMA_VERSION),
        tenant: { id: deps.tenant.id, code: deps.tenant.code },
        health: checks,
        certificates: sellers.map((r) => ({
          sellerId: r.id,
          ban: r.ban,
          name: r.name,
          expiresAt: r.expires,
          daysLeft: r.expires ? daysUntil(r.expires) : null,
        })),
        workers: workers.map((w) => ({
          id: w.worker_id,
          startedAt: w.started_at.toISOString(),
          seenAt: w.seen_at.toISOString(),
          pausedAt: w.paused_at?.toISOString() ?? null,
        })),
        license: license
          ? {
              plan: license.plan,
              expiresAt: license.expires_at.toISOString(),
              gracePeriodDays: license.grace_period_days,
              status: license.status as 'active' | 'grace' | 'expired' | 'revoked',
              daysLeft: daysUntil(taipeiIsoDate(license.expires_at)),
            }
          : null,
      };
    },
  );

  typed.get(
    '/api/v1/system/status',
    {
      config: { access: 'authenticated' },
      schema: {
        operationId: 'getSystemStatus',
        tags: ['ops'],
        summary: 'Maintenance mode and the license state, for the banner every screen shows',
        response: { 200: systemStatusView },
      },
    },
    () => readSystemState(deps.db, deps.tenant.id, deps.now()),
  );
  typed.put(
    '/api/v1/admin/maintenance',
    {
      config: { access: 'ops.admin', audit: 'ops.maintenance_set' },
      schema: {
        operationId: 'setMaintenance',
        tags: ['ops'],
        summary:
          'Turn maintenance (read-only) mode on or off: while on, writes get 503 MAINTENANCE and reads work (every API process follows within 2 s)',
        body: maintenanceBody,
        response: { 200: systemStatusView },
      },
    },
    async (req) => {
      const p = req.ctx.principal;
      const by = p ? (p.kind === 'user' ? `user:${p.name}` : `client:${p.name}`) : null;
      const before = await readSystemState(deps.db, deps.tenant.id, deps.now());
      await deps.db
        .insertInto('sys_maintenance')
        .values({ tenant_id: deps.tenant.id, enabled: req.body.enabled, reason: req.body.reason ?? null, changed_by: by })
        .onConflict((oc) =>
          oc.column('tenant_id').doUpdateSet({
            enabled: req.body.enabled,
            reason: req.body.reason ?? null,
            changed_by: by,
            changed_at: sql`now()`,
          }),
        )
        .execute();
      deps.writeGuard.refresh();
      req.ctx.audit = {
        ...req.ctx.audit,
        target: { type: 'tenant', id: deps.tenant.id },
        before: { maintenance: before.maintenance.enabled },
        after: { maintenance: req.body.enabled, reason: req.body.reason ?? null },
      };
      return readSystemState(deps.db, deps.tenant.id, deps.now());
    },
  );
}
