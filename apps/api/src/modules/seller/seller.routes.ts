import { idParams } from '@app/schemas/role';
import {
  createSellerBody,
  createSiteBody,
  listSellersQuery,
  qrKeyBody,
  sellerView,
  siteView,
  updateSellerBody,
  updateSiteBody,
} from '@app/schemas/seller';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import { transactClearingCaches } from '../../lib/transact-clearing-caches.ts';
import { createSellerService } from './seller.service.ts';

const tags = ['sellers'];

export async function sellerRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = createSellerService(deps);

  app.get(
    '/api/v1/sellers',
    {
      config: { access: 'authenticated' },
      schema: {
        operationId: 'listSellers',
        tags,
        summary: 'Sellers in your data scope',
        querystring: listSellersQuery,
        response: { 200: z.object({ items: z.array(sellerView), nextCursor: z.string().nullable() }) },
      },
    },
    (req) => svc.list(req.ctx, req.query),
  );

  app.get(
    '/api/v1/sellers/:id',
    {
      config: { access: 'authenticated' },
      schema: { operationId: 'getSeller', tags, params: idParams, response: { 200: sellerView } },
    },
    (req) => svc.get(req.ctx, req.params.id),
  );

  app.post(
    '/api/v1/sellers',
    {
      config: { access: 'seller.manage', audit: 'seller.create' },
      schema: {
        operationId: 'createSeller',
        tags,
        summary: 'Register a seller (BAN checked with the checksum in force today)',
        body: createSellerBody,
        response: { 201: sellerView },
      },
    },
    (req, reply) => reply.transact(201, (trx) => svc.create(trx, req.ctx, req.body)),
  );

  app.patch(
    '/api/v1/sellers/:id',
    {
      config: { access: 'seller.manage', audit: 'seller.update' },
      schema: { operationId: 'updateSeller', tags, params: idParams, body: updateSellerBody, response: { 200: sellerView } },
    },
    (req, reply) =>
      transactClearingCaches(reply, deps.clearCaches, 200, (trx) => svc.update(trx, req.ctx, req.params.id, req.body)),
  );

  app.put(
    '/api/v1/sellers/:id/qr-key',
    {
      config: { access: 'seller.manage', audit: 'seller.qr_key_set' },
      schema: {
        operationId: 'setSellerQrKey',
        tags,
        summary: 'Set or replace the QR AES key (stored encrypted; never returned)',
        params: idParams,
        body: qrKeyBody,
        response: { 200: sellerView },
      },
    },
    (req, reply) =>
      transactClearingCaches(reply, deps.clearCaches, 200, (trx) => svc.setQrKey(trx, req.ctx, req.params.id, req.body.qrAesKey)),
  );

  app.get(
    '/api/v1/sellers/:id/sites',
    {
      config: { access: 'authenticated' },
      schema: { operationId: 'listSites', tags, params: idParams, response: { 200: z.object({ items: z.array(siteView) }) } },
    },
    (req) => svc.listSites(req.ctx, req.params.id),
  );

  app.post(
    '/api/v1/sellers/:id/sites',
    {
      config: { access: 'seller.manage', audit: 'site.create' },
      schema: { operationId: 'createSite', tags, params: idParams, body: createSiteBody, response: { 201: siteView } },
    },
    (req, reply) => reply.transact(201, (trx) => svc.createSite(trx, req.ctx, req.params.id, req.body)),
  );

  app.patch(
    '/api/v1/sites/:id',
    {
      config: { access: 'seller.manage', audit: 'site.update' },
      schema: { operationId: 'updateSite', tags, params: idParams, body: updateSiteBody, response: { 200: siteView } },
    },
    (req, reply) =>
      transactClearingCaches(reply, deps.clearCaches, 200, (trx) => svc.updateSite(trx, req.ctx, req.params.id, req.body)),
  );
}
