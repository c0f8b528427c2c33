import { approvalPage, approvalParams, approvalView, approveBody, listApprovalsQuery, rejectBody } from '@app/schemas/approval';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ModuleDeps } from '../../app.ts';
import { approvalService } from './approval.runners.ts';

const tags = ['approvals'];

/** Two-step approval: the requests, and approving, rejecting or withdrawing one (docs/approvals.md). */
export async function approvalRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = approvalService(deps);

  app.get(
    '/api/v1/approvals',
    {
      config: { access: 'authenticated' },
      schema: {
        operationId: 'listApprovals',
        tags,
        summary: 'Approval requests, newest first: with `approve`, those in your data scope and your own; otherwise your own',
        querystring: listApprovalsQuery,
        response: { 200: approvalPage },
      },
    },
    (req) => svc.list(req.ctx, req.query),
  );
  app.get(
    '/api/v1/approvals/:id',
    {
      config: { access: 'authenticated' },
      schema: { operationId: 'getApproval', tags, params: approvalParams, response: { 200: approvalView } },
    },
    (req) => svc.get(req.ctx, req.params.id),
  );
  app.post(
    '/api/v1/approvals/:id/approve',
    {
      config: { access: 'approve', audit: 'approval.approve' },
      schema: {
        operationId: 'approveRequest',
        tags,
        summary:
          'Approve a pending request made by another user: the action runs now, as the requester (status approved), ' +
          'or refuses and changes nothing (status failed, with the reason)',
        params: approvalParams,
        body: approveBody,
        response: { 200: approvalView },
      },
    },
    (req, reply) => reply.transact(200, (trx) => svc.approve(trx, req.ctx, req.params.id, req.body.note)),
  );
  app.post(
    '/api/v1/approvals/:id/reject',
    {
      config: { access: 'approve', audit: 'approval.reject' },
      schema: {
        operationId: 'rejectRequest',
        tags,
        summary: 'Refuse a pending request made by another user, with a reason',
        params: approvalParams,
        body: rejectBody,
        response: { 200: approvalView },
      },
    },
    (req, reply) => reply.transact(200, (trx) => svc.reject(trx, req.ctx, req.params.id, req.body.reason)),
  );
  app.post(
    '/api/v1/approvals/:id/withdraw',
    {
      config: { access: 'authenticated', audit: 'approval.withdraw' },
      schema: {
        operationId: 'withdrawRequest',
        tags,
        summary: 'Withdraw your own pending request',
        params: approvalParams,
        response: { 200: approvalView },
      },
    },
    (req, reply) => reply.transact(200, (trx) => svc.withdraw(trx, req.ctx, req.params.id)),
  );
}
