import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../context.ts';
import { createHealthService } from './health.service.ts';

const check = z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() });
const health = z.object({
  status: z.enum(['ok', 'degraded']),
  failing: z.array(z.string()),
  checks: z.object({ database: check, redis: check, storage: check, queue: check }),
});

/** GET /health: readiness (503 naming the failing parts); GET /health/live: the process answers. */
export async function healthRoutes(app: FastifyInstance, deps: AppDeps) {
  const svc = createHealthService(deps);
  app.get(
    '/health',
    { schema: { operationId: 'getHealth', tags: ['ops'], response: { 200: health, 503: health } } },
    async (_req, reply) => {
      const r = await svc.check();
      return reply.code(r.status === 'ok' ? 200 : 503).send(r);
    },
  );
  app.get(
    '/health/live',
    { schema: { operationId: 'getLiveness', tags: ['ops'], response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );
}
