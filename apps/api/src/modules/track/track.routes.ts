import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import { idParams } from '../role/role.schemas.ts';
import { allocateBody, blockView, listTracksQuery, trackView } from './track.schemas.ts';
import { createTrackService } from './track.service.ts';

const tags = ['tracks'];

export async function trackRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = createTrackService(deps);

  app.get(
    '/api/v1/tracks',
    {
      config: { access: 'invoice.read' },
      schema: {
        operationId: 'listTracks',
        tags,
        summary: 'Number ranges (E0501) in your scope, with allocated, issued and remaining counts',
        querystring: listTracksQuery,
        response: { 200: z.object({ items: z.array(trackView) }) },
      },
    },
    (req) => svc.list(req.ctx, req.query),
  );

  app.get(
    '/api/v1/tracks/:id/blocks',
    {
      config: { access: 'invoice.read' },
      schema: {
        operationId: 'listTrackBlocks',
        tags,
        params: idParams,
        response: { 200: z.object({ items: z.array(blockView) }) },
      },
    },
    (req) => svc.blocks(req.ctx, req.params.id),
  );

  app.post(
    '/api/v1/tracks/:id/blocks',
    {
      config: { access: 'track.manage', audit: 'track.block_allocate' },
      schema: {
        operationId: 'allocateBlock',
        tags,
        summary: 'Allocate whole booklets of a range to a site (and optionally one device)',
        description: 'Without beginNo the lowest free run of the requested size is taken.',
        params: idParams,
        body: allocateBody,
        response: { 201: blockView },
      },
    },
    (req, reply) => reply.transact(201, (trx) => svc.allocate(trx, req.ctx, req.params.id, req.body)),
  );
}
