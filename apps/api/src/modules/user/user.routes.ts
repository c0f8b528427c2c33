import { idParams } from '@app/schemas/role';
import {
  createUserBody,
  listUsersQuery,
  resetPasswordBody,
  scopeBody,
  updateUserBody,
  userDetail,
  userPage,
} from '@app/schemas/user';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ModuleDeps } from '../../app.ts';
import { transactClearingCaches } from '../../lib/transact-clearing-caches.ts';
import { createRoleService } from '../role/role.service.ts';
import { createUserService } from './user.service.ts';

const tags = ['users'];

export async function userRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = createUserService({ ...deps, roles: createRoleService(deps) });
  const write = transactClearingCaches;
  const clear = deps.clearCaches;

  app.get(
    '/api/v1/users',
    {
      config: { access: 'user.manage' },
      schema: {
        operationId: 'listUsers',
        tags,
        summary: 'Users by username; pass nextCursor as cursor for the next page',
        description: '`q` matches username or display name (contains, case-insensitive); `role` is a role code.',
        querystring: listUsersQuery,
        response: { 200: userPage },
      },
    },
    (req) => svc.list(req.query),
  );

  app.get(
    '/api/v1/users/:id',
    {
      config: { access: 'user.manage' },
      schema: {
        operationId: 'getUser',
        tags,
        summary: 'A user with roles and data scope',
        params: idParams,
        response: { 200: userDetail },
      },
    },
    (req) => svc.get(req.params.id),
  );

  app.post(
    '/api/v1/users',
    {
      config: { access: 'user.manage', audit: 'user.create' },
      schema: {
        operationId: 'createUser',
        tags,
        description: 'Usernames are unique case-insensitively (409 ALREADY_EXISTS); roles are role codes that must exist.',
        body: createUserBody,
        response: { 201: userDetail },
      },
    },
    (req, reply) => write(reply, clear, 201, (trx) => svc.create(trx, req.ctx, req.body)),
  );

  app.patch(
    '/api/v1/users/:id',
    {
      config: { access: 'user.manage', audit: 'user.update' },
      schema: {
        operationId: 'updateUser',
        tags,
        description:
          'Disabling a user ends their sessions. You cannot disable yourself or take away your own user.manage (409 CONFLICT).',
        params: idParams,
        body: updateUserBody,
        response: { 200: userDetail },
      },
    },
    (req, reply) => write(reply, clear, 200, (trx) => svc.update(trx, req.ctx, req.params.id, req.body)),
  );

  app.post(
    '/api/v1/users/:id/password',
    {
      config: { access: 'user.manage', audit: 'user.password_reset' },
      schema: {
        operationId: 'resetUserPassword',
        tags,
        summary: "Set a user's password (administrator); ends all their sessions",
        params: idParams,
        body: resetPasswordBody,
        response: { 200: userDetail },
      },
    },
    (req, reply) => write(reply, clear, 200, (trx) => svc.resetPassword(trx, req.ctx, req.params.id, req.body.password)),
  );

  app.post(
    '/api/v1/users/:id/unlock',
    {
      config: { access: 'user.manage', audit: 'user.unlock' },
      schema: { operationId: 'unlockUser', tags, summary: 'Lift a login lock', params: idParams, response: { 200: userDetail } },
    },
    (req, reply) => write(reply, clear, 200, (trx) => svc.unlock(trx, req.ctx, req.params.id)),
  );

  app.post(
    '/api/v1/users/:id/mfa-reset',
    {
      config: { access: 'user.manage', audit: 'user.mfa_reset' },
      schema: {
        operationId: 'resetUserMfa',
        tags,
        summary: "Remove a user's MFA enrolment and recovery codes (lost device)",
        params: idParams,
        response: { 200: userDetail },
      },
    },
    (req, reply) => write(reply, clear, 200, (trx) => svc.resetMfa(trx, req.ctx, req.params.id)),
  );

  app.put(
    '/api/v1/users/:id/scope',
    {
      config: { access: 'user.manage', audit: 'scope.set' },
      schema: {
        operationId: 'setUserScope',
        tags,
        summary: "Replace a user's data scope",
        description: '`all: true` sees every seller and site (the lists must then be empty); otherwise the listed ids.',
        params: idParams,
        body: scopeBody,
        response: { 200: userDetail },
      },
    },
    (req, reply) => write(reply, clear, 200, (trx) => svc.setScope(trx, req.ctx, req.params.id, req.body)),
  );
}
