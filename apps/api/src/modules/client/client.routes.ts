import {
  clientDetail,
  clientPage,
  createClientBody,
  createdClient,
  listClientsQuery,
  rotatedSecret,
  scopeBody,
  updateClientBody,
} from '@app/schemas/client';
import { idParams } from '@app/schemas/role';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ModuleDeps } from '../../app.ts';
import { transactClearingCaches } from '../../lib/transact-clearing-caches.ts';
import { createRoleService } from '../role/role.service.ts';
import { createClientService } from './client.service.ts';

const tags = ['clients'];

export async function clientRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = createClientService({ ...deps, roles: createRoleService(deps) });
  const write = transactClearingCaches;
  const clear = deps.clearCaches;

  app.get(
    '/api/v1/clients',
    {
      config: { access: 'user.manage' },
      schema: {
        operationId: 'listClients',
        tags,
        summary: 'Machine clients by client id; pass nextCursor as cursor for the next page',
        querystring: listClientsQuery,
        response: { 200: clientPage },
      },
    },
    (req) => svc.list(req.query),
  );

  app.get(
    '/api/v1/clients/:id',
    {
      config: { access: 'user.manage' },
      schema: {
        operationId: 'getClient',
        tags,
        summary: 'A client with roles and data scope',
        params: idParams,
        response: { 200: clientDetail },
      },
    },
    (req) => svc.get(req.params.id),
  );

  app.post(
    '/api/v1/clients',
    {
      config: { access: 'user.manage', audit: 'client.create', sensitiveResponse: true },
      schema: {
        operationId: 'createClient',
        tags,
        summary: 'Create a machine client; the answer holds its secret, shown this once',
        description: 'Without clientId one like `pos-1a2b3c4d` is generated. Use the secret at POST /api/v1/oauth/token.',
        body: createClientBody,
        response: { 201: createdClient },
      },
    },
    (req, reply) => write(reply, clear, 201, (trx) => svc.create(trx, req.ctx, req.body)),
  );

  app.patch(
    '/api/v1/clients/:id',
    {
      config: { access: 'user.manage', audit: 'client.update' },
      schema: {
        operationId: 'updateClient',
        tags,
        description: 'Disabling a client refuses its tokens from the next request on (they are not waited out).',
        params: idParams,
        body: updateClientBody,
        response: { 200: clientDetail },
      },
    },
    (req, reply) => write(reply, clear, 200, (trx) => svc.update(trx, req.ctx, req.params.id, req.body)),
  );

  app.post(
    '/api/v1/clients/:id/rotate-secret',
    {
      config: { access: 'user.manage', audit: 'client.secret_rotate', sensitiveResponse: true },
      schema: {
        operationId: 'rotateClientSecret',
        tags,
        summary: 'Replace the secret; the new one is shown this once and the old one stops working',
        params: idParams,
        response: { 200: rotatedSecret },
      },
    },
    (req, reply) => write(reply, clear, 200, (trx) => svc.rotateSecret(trx, req.ctx, req.params.id)),
  );

  app.put(
    '/api/v1/clients/:id/scope',
    {
      config: { access: 'user.manage', audit: 'scope.set' },
      schema: {
        operationId: 'setClientScope',
        tags,
        summary: "Replace a client's data scope",
        params: idParams,
        body: scopeBody,
        response: { 200: clientDetail },
      },
    },
    (req, reply) => write(reply, clear, 200, (trx) => svc.setScope(trx, req.ctx, req.params.id, req.body)),
  );
}
