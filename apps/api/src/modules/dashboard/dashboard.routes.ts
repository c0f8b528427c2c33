import { dashboardSummary } from '@app/schemas/dashboard';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import { replyLive, snapshotOf } from '../../lib/live-status.ts';
import { createDashboardService } from './dashboard.service.ts';

export async function dashboardRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = createDashboardService(deps);

  deps.live.register('dashboard', {
    access: 'invoice.read',
    key: (ctx) => svc.key(ctx),
    read: (ctx) => svc.summary(ctx),
  });

  app.get(
    '/api/v1/dashboard/summary',
    {
      config: { access: 'invoice.read', rateLimit: 'poll' },
      schema: {
        operationId: 'getDashboardSummary',
        tags: ['dashboard'],
        summary: "Today's invoices, the Turnkey pipeline and the numbers left, in your data scope — poll with If-None-Match",
        description:
          'Built at most once per LIVE_CACHE_MS (1.5 s) per data scope. Answers a strong ETag and Cache-Control: private, ' +
          'no-cache; send it back as If-None-Match and an unchanged summary is 304 with no body. Polls count in the ' +
          "'poll' rate-limit bucket (RATE_LIMIT_POLL_PER_MINUTE). docs/integration-guide.md §9.",
        response: { 200: dashboardSummary, 304: z.null().describe('Not modified: the ETag you sent is current') },
      },
    },
    async (req, reply) => replyLive(req, reply, snapshotOf(await svc.summary(req.ctx))),
  );
}
