import {
  deadLetterParams,
  deadLetterView,
  listDeadLettersQuery,
  purgeDeadLettersBody,
  retriedDeadLetter,
} from '@app/schemas/dead-letter';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import { createDeadLetterService } from './dead-letter.service.ts';

const tags = ['dead-letters'];

export async function deadLetterRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = createDeadLetterService(deps);

  app.get(
    '/api/v1/dead-letters',
    {
      config: { access: 'turnkey.manage' },
      schema: {
        operationId: 'listDeadLetters',
        tags,
        summary: 'Jobs that failed for good, newest first; pass nextCursor as cursor for the next page',
        querystring: listDeadLettersQuery,
        response: { 200: z.object({ items: z.array(deadLetterView), nextCursor: z.string().nullable() }) },
      },
    },
    (req) => svc.list(req.query),
  );

  app.get(
    '/api/v1/dead-letters/:id',
    {
      config: { access: 'turnkey.manage' },
      schema: { operationId: 'getDeadLetter', tags, params: deadLetterParams, response: { 200: deadLetterView } },
    },
    (req) => svc.get(req.params.id),
  );

  app.post(
    '/api/v1/dead-letters/:id/retry',
    {
      config: { access: 'turnkey.manage', audit: 'dead_letter.retry' },
      schema: {
        operationId: 'retryDeadLetter',
        tags,
        summary:
          'Put the job back in its queue under the same job id (it never runs twice at once) and mark the dead letter retried',
        params: deadLetterParams,
        response: { 200: retriedDeadLetter },
      },
    },
    (req, reply) => reply.transact(200, (trx) => svc.retry(trx, req.ctx, req.params.id)),
  );

  app.post(
    '/api/v1/dead-letters/purge',
    {
      config: { access: 'turnkey.manage', audit: 'dead_letter.purge' },
      schema: {
        operationId: 'purgeDeadLetters',
        tags,
        summary: 'Delete dead letters whose last failure is older than olderThanDays, optionally of one job type or status',
        body: purgeDeadLettersBody,
        response: { 200: z.object({ purged: z.number().int(), lastFailedBefore: z.string() }) },
      },
    },
    (req, reply) => reply.transact(200, (trx) => svc.purge(trx, req.ctx, req.body)),
  );
}
