/** Operations: metrics and the system page (health, certificate and license expiry). */
import { z } from 'zod';

export const healthCheck = z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() });
export const healthView = z.object({
  status: z.enum(['ok', 'degraded']),
  failing: z.array(z.string()),
  checks: z.object({ database: healthCheck, redis: healthCheck, storage: healthCheck, queue: healthCheck }),
});
export type HealthView = z.infer<typeof healthView>;

export const metricsView = z.object({
  generatedAt: z.string(),
  uptimeSeconds: z.number(),
  requestsPerMinute: z.number(),
  routes: z.array(
    z.object({
      route: z.string(),
      count: z.number(),
      errors5xx: z.number(),
      latencyMs: z.object({ p50: z.number(), p95: z.number(), p99: z.number(), samples: z.number() }),
    }),
  ),
  dbPool: z.object({ max: z.number(), total: z.number(), idle: z.number(), waiting: z.number() }),
  queues: z.record(z.string(), z.record(z.string(), z.union([z.number(), z.string()]))),
  /** The worker's circuit breakers as last published (one per dependency; state per worker process). */
  circuitBreakers: z.array(
    z.object({
      name: z.string(),
      state: z.enum(['closed', 'open', 'half-open']),
      consecutiveFailures: z.number(),
      openedAt: z.number().nullable(),
      lastError: z.string().nullable(),
      updatedAt: z.string(),
      worker: z.string(),
    }),
  ),
  disk: z.record(z.string(), z.union([z.number(), z.string()])),
  rateLimiter: z.object({ degraded: z.boolean() }),
  process: z.object({ rssBytes: z.number(), heapUsedBytes: z.number() }),
});
export type MetricsView = z.infer<typeof metricsView>;

/** GET /api/v1/admin/system: what the system page shows besides the metrics. */
export const systemView = z.object({
  generatedAt: z.string(),
  /** The API's version (package version) and the database schema's latest migration. */
  version: z.string(),
  schemaVersion: z.string().nullable(),
  tenant: z.object({ id: z.string(), code: z.string() }),
  health: healthView,
  /** Every active seller's signing certificate, soonest expiry first; null expiry = not recorded. */
  certificates: z.array(
    z.object({
      sellerId: z.string(),
      ban: z.string(),
      name: z.string(),
      expiresAt: z.string().nullable(),
      /** Whole days from today (Asia/Taipei) to the expiry; negative when past. */
      daysLeft: z.number().nullable(),
    }),
  ),
  /**
   * The worker processes alive now (a heartbeat in the last 30 s), oldest first. `pausedAt`: the time it finished
   * its running jobs for maintenance mode and took no new one; null while it works.
   */
  workers: z.array(z.object({ id: z.string(), startedAt: z.string(), seenAt: z.string(), pausedAt: z.string().nullable() })),
  /** The tenant's license; null when none is installed. */
  license: z
    .object({
      plan: z.string(),
      expiresAt: z.string(),
      gracePeriodDays: z.number(),
      status: z.enum(['active', 'grace', 'expired', 'revoked']),
      daysLeft: z.number(),
    })
    .nullable(),
});
export type SystemView = z.infer<typeof systemView>;

/** GET /api/v1/system/status: what every screen's banner needs (maintenance, license), for any signed-in user. */
export const systemStatusView = z.object({
  maintenance: z.object({
    enabled: z.boolean(),
    reason: z.string().nullable(),
    since: z.string().nullable(),
    by: z.string().nullable(),
  }),
  license: z.object({
    /** grace: expired, writes still work until readOnlyFrom; expired/revoked: read-only; none: no license row. */
    status: z.enum(['active', 'grace', 'expired', 'revoked', 'none']),
    plan: z.string().nullable(),
    expiresAt: z.string().nullable(),
    readOnlyFrom: z.string().nullable(),
  }),
});
export type SystemStatusView = z.infer<typeof systemStatusView>;

/** PUT /api/v1/admin/maintenance. */
export const maintenanceBody = z.strictObject({
  enabled: z.boolean(),
  /** Shown to users in the banner and in the 503's message, e.g. "搬遷至地端主機，預計 22:00 完成". */
  reason: z.string().trim().max(200).optional(),
});
export type MaintenanceInput = z.infer<typeof maintenanceBody>;
