import { DomainError } from '@app/domain';
import { idParams } from '@app/schemas/role';
import {
  allocateBody,
  blanksQuery,
  blanksView,
  blockView,
  importView,
  listE0501ImportsQuery,
  listTracksQuery,
  trackView,
} from '@app/schemas/track';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import { transactClearingCaches } from '../../lib/transact-clearing-caches.ts';
import { createTrackService } from './track.service.ts';
import { createTrackImportService } from './track-import.service.ts';

const tags = ['tracks'];

export async function trackRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = createTrackService(deps);
  const imports = createTrackImportService(deps);

  // Multipart only for this module's upload route; the file is buffered (bounded by IMPORT_MAX_BYTES).
  await root.register(multipart, {
    limits: { fileSize: deps.config.IMPORT_MAX_BYTES, files: 1, fields: 5, parts: 6 },
    attachFieldsToBody: true,
    onFile: async (part) => {
      const data = await part.toBuffer();
      (part as unknown as { value: unknown }).value = { filename: part.filename, data };
    },
  });

  app.get(
    '/api/v1/tracks',
    {
      config: { access: 'invoice.read' },
      schema: {
        operationId: 'listTracks',
        tags,
        summary: 'Number ranges (E0501) in your scope, with allocated, issued and remaining counts; newest period first',
        querystring: listTracksQuery,
        response: { 200: z.object({ items: z.array(trackView), nextCursor: z.string().nullable() }) },
      },
    },
    (req) => svc.list(req.ctx, req.query),
  );

  app.get(
    '/api/v1/tracks/:id',
    {
      config: { access: 'invoice.read' },
      schema: { operationId: 'getTrack', tags, params: idParams, response: { 200: trackView } },
    },
    (req) => svc.get(req.ctx, req.params.id),
  );

  app.get(
    '/api/v1/tracks/blanks',
    {
      config: { access: 'invoice.read' },
      schema: {
        operationId: 'listBlankNumbers',
        tags,
        summary: 'Numbers of a period never issued, per range and BAN (what E0402 reports after the period closes)',
        querystring: blanksQuery,
        response: { 200: blanksView },
      },
    },
    (req) => svc.blanks(req.ctx, req.query.yearMonth),
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
    (req, reply) =>
      transactClearingCaches(reply, deps.clearCaches, 201, (trx) => svc.allocate(trx, req.ctx, req.params.id, req.body)),
  );

  app.post(
    '/api/v1/tracks/e0501',
    {
      config: { access: 'track.manage', audit: 'track.import' },
      bodyLimit: deps.config.IMPORT_MAX_BYTES + 65_536,
      schema: {
        operationId: 'importE0501',
        tags,
        summary: 'Import an E0501 number-allocation file (multipart field `file`: XML or the platform CSV, UTF-8 or Big5)',
        description:
          '201 with one verdict per entry (accepted / duplicate / rejected with reasons). The same file again changes nothing: 200 with the earlier result.',
        consumes: ['multipart/form-data'],
        response: { 200: importView, 201: importView },
      },
    },
    async (req, reply) => {
      const body = req.body as { file?: { value?: { filename?: string; data?: Buffer } } } | undefined;
      const file = body?.file?.value;
      if (!file?.data || !req.isMultipart()) {
        throw new DomainError('VALIDATION_ERROR', 'Send the file as multipart/form-data in the field `file`.', [
          { field: 'body.file', message: 'required' },
        ]);
      }
      const r = await imports.importFile(req.ctx, { filename: file.filename ?? 'upload', data: file.data });
      return reply.code(r.created ? 201 : 200).send({ ...r.view, sameFileImportedBefore: !r.created });
    },
  );

  app.get(
    '/api/v1/tracks/e0501',
    {
      config: { access: 'track.manage' },
      schema: {
        operationId: 'listE0501Imports',
        tags,
        summary:
          'E0501 imports, newest first (entries left out: open one for them). Callers scoped to some sellers or sites ' +
          'see the imports they uploaded',
        querystring: listE0501ImportsQuery,
        response: { 200: z.object({ items: z.array(importView), nextCursor: z.string().nullable() }) },
      },
    },
    (req) => imports.list(req.ctx, req.query),
  );

  app.get(
    '/api/v1/tracks/e0501/:id',
    {
      config: { access: 'track.manage' },
      schema: { operationId: 'getE0501Import', tags, params: idParams, response: { 200: importView } },
    },
    (req) => imports.get(req.ctx, req.params.id),
  );
}
