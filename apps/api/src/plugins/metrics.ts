import type { FastifyInstance } from 'fastify';
import { RequestMetrics } from '../lib/metrics.ts';

/** Time every request by route (the route pattern, not the URL, so ids do not explode the table). */
export function installMetrics(app: FastifyInstance): RequestMetrics {
  const metrics = new RequestMetrics();
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ? `${req.method} ${req.routeOptions.url}` : 'unmatched';
    metrics.record(route, reply.elapsedTime, reply.statusCode);
  });
  return metrics;
}
