import { readCircuitStates } from '@app/jobs';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../context.ts';
import type { RequestMetrics } from '../../lib/metrics.ts';
import { createHealthService } from '../health/health.service.ts';

const metricsResponse = z.object({
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

export async function adminRoutes(app: FastifyInstance, deps: AppDeps & { metrics: RequestMetrics }) {
  const health = createHealthService(deps);
  app.get(
    '/api/v1/admin/metrics',
    {
      config: { access: 'ops.admin' },
      schema: {
        operationId: 'getMetrics',
        tags: ['ops'],
        summary: 'Requests/min, per-route latency percentiles, DB pool, queue depths, circuit breakers, disk use',
        response: { 200: metricsResponse },
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
}
