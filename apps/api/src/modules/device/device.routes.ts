import { createDeviceBody, deviceView, listDevicesQuery, revokeDeviceBody, updateDeviceBody } from '@app/schemas/device';
import { idParams } from '@app/schemas/role';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import { transactClearingCaches } from '../../lib/transact-clearing-caches.ts';
import { createDeviceService } from './device.service.ts';

const tags = ['devices'];

export async function deviceRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = createDeviceService(deps);

  app.get(
    '/api/v1/devices',
    {
      config: { access: 'device.manage' },
      schema: {
        operationId: 'listDevices',
        tags,
        querystring: listDevicesQuery,
        response: { 200: z.object({ items: z.array(deviceView), nextCursor: z.string().nullable() }) },
      },
    },
    (req) => svc.list(req.ctx, req.query),
  );

  app.get(
    '/api/v1/devices/:id',
    {
      config: { access: 'device.manage' },
      schema: { operationId: 'getDevice', tags, params: idParams, response: { 200: deviceView } },
    },
    (req) => svc.get(req.ctx, req.params.id),
  );

  app.post(
    '/api/v1/devices',
    {
      config: { access: 'device.manage', audit: 'device.create' },
      schema: {
        operationId: 'createDevice',
        tags,
        summary: 'Register a device at a site',
        body: createDeviceBody,
        response: { 201: deviceView },
      },
    },
    (req, reply) => reply.transact(201, (trx) => svc.create(trx, req.ctx, req.body)),
  );

  app.patch(
    '/api/v1/devices/:id',
    {
      config: { access: 'device.manage', audit: 'device.update' },
      schema: { operationId: 'updateDevice', tags, params: idParams, body: updateDeviceBody, response: { 200: deviceView } },
    },
    (req, reply) =>
      transactClearingCaches(reply, deps.clearCaches, 200, (trx) => svc.update(trx, req.ctx, req.params.id, req.body)),
  );

  app.post(
    '/api/v1/devices/:id/revoke',
    {
      config: { access: 'device.manage', audit: 'device.revoke' },
      schema: {
        operationId: 'revokeDevice',
        tags,
        summary: 'Revoke a device; machine clients bound to it are disabled at once',
        params: idParams,
        body: revokeDeviceBody,
        response: { 200: deviceView },
      },
    },
    (req, reply) =>
      transactClearingCaches(reply, deps.clearCaches, 200, (trx) => svc.revoke(trx, req.ctx, req.params.id, req.body.reason)),
  );
}
