import { createRoleBody, deletedRole, idParams, permissionList, roleView, updateRoleBody } from '@app/schemas/role';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import { transactClearingCaches } from '../../lib/transact-clearing-caches.ts';
import { createRoleService } from './role.service.ts';

const tags = ['roles'];

export async function roleRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = createRoleService(deps);

  app.get(
    '/api/v1/permissions',
    {
      config: { access: 'user.manage' },
      schema: {
        operationId: 'listPermissions',
        tags,
        summary: 'The permission dictionary roles are built from',
        response: { 200: permissionList },
      },
    },
    async () => svc.permissions(),
  );

  app.get(
    '/api/v1/roles',
    {
      config: { access: 'user.manage' },
      schema: {
        operationId: 'listRoles',
        tags,
        summary: 'Every role with its permissions and how many users and clients hold it',
        response: { 200: z.object({ items: z.array(roleView) }) },
      },
    },
    async () => svc.list(),
  );

  app.get(
    '/api/v1/roles/:id',
    {
      config: { access: 'user.manage' },
      schema: { operationId: 'getRole', tags, params: idParams, response: { 200: roleView } },
    },
    (req) => svc.get(req.params.id),
  );

  app.post(
    '/api/v1/roles',
    {
      config: { access: 'user.manage', audit: 'role.create' },
      schema: { operationId: 'createRole', tags, body: createRoleBody, response: { 201: roleView } },
    },
    (req, reply) => transactClearingCaches(reply, deps.clearCaches, 201, (trx) => svc.create(trx, req.ctx, req.body)),
  );

  app.patch(
    '/api/v1/roles/:id',
    {
      config: { access: 'user.manage', audit: 'role.update' },
      schema: {
        operationId: 'updateRole',
        tags,
        summary: 'Rename a role, change its permissions or require MFA of its holders',
        description:
          'System roles keep their permissions (409 CONFLICT); their name, description and MFA requirement may change.',
        params: idParams,
        body: updateRoleBody,
        response: { 200: roleView },
      },
    },
    (req, reply) =>
      transactClearingCaches(reply, deps.clearCaches, 200, (trx) => svc.update(trx, req.ctx, req.params.id, req.body)),
  );

  app.delete(
    '/api/v1/roles/:id',
    {
      config: { access: 'user.manage', audit: 'role.delete' },
      schema: {
        operationId: 'deleteRole',
        tags,
        summary: 'Delete a role nobody holds',
        description:
          'System roles and roles still assigned to users or clients are refused with 409 CONFLICT (details give the counts).',
        params: idParams,
        response: { 200: deletedRole },
      },
    },
    (req, reply) => transactClearingCaches(reply, deps.clearCaches, 200, (trx) => svc.remove(trx, req.ctx, req.params.id)),
  );
}
