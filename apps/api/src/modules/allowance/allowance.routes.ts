import { allowanceDetail, allowanceNumberParams, endAllowanceBody, issueAllowanceBody } from '@app/schemas/allowance';
import { approvalRequired } from '@app/schemas/approval';
import { invoiceNumberParams } from '@app/schemas/invoice';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ModuleDeps } from '../../app.ts';
import { approvalService } from '../approval/approval.runners.ts';
import { createAllowanceService } from './allowance.service.ts';

const tags = ['allowances'];

export async function allowanceRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = createAllowanceService(deps);
  const approvals = approvalService(deps);

  app.post(
    '/api/v1/invoices/:number/allowances',
    {
      config: { access: 'allowance.issue', audit: 'allowance.issue' },
      schema: {
        operationId: 'issueAllowance',
        tags,
        summary: 'Issue an allowance (折讓, G0401) against an issued invoice',
        description:
          'Lines name original items by seq with a tax-included whole-TWD amount; the server splits each into untaxed ' +
          'amount and tax and assigns the allowance number (seller BAN + 8-digit counter). Per item and in total the ' +
          'active allowances never exceed the invoice (409 ALLOWANCE_EXCEEDS_REMAINING naming the item). Above ' +
          'APPROVAL_ALLOWANCE_THRESHOLD (tax-included total) it answers 202 with a pending approval request instead.',
        params: invoiceNumberParams,
        body: issueAllowanceBody,
        response: { 201: allowanceDetail, 202: approvalRequired },
      },
    },
    async (req, reply) => {
      const amount = req.body.items.reduce((sum, it) => sum + Number(it.amount), 0);
      if (approvals.required('allowance.issue', amount)) {
        return reply.transact(202, (trx) =>
          approvals.request(trx, req.ctx, {
            action: 'allowance.issue',
            invoiceNumber: req.params.number,
            payload: req.body,
            amount,
          }),
        );
      }
      return reply.transact(201, (trx) => svc.issue(trx, req.ctx, req.params.number, req.body));
    },
  );

  app.get(
    '/api/v1/allowances/:allowanceNumber',
    {
      config: { access: 'invoice.read' },
      schema: {
        operationId: 'getAllowance',
        tags,
        params: allowanceNumberParams,
        response: { 200: allowanceDetail },
      },
    },
    (req) => svc.get(req.ctx, req.params.allowanceNumber),
  );

  app.post(
    '/api/v1/allowances/:allowanceNumber/cancel',
    {
      config: { access: 'allowance.issue', audit: 'allowance.cancel' },
      schema: {
        operationId: 'cancelAllowance',
        tags,
        summary: 'Cancel an allowance (G0501); its amounts no longer count against the invoice',
        params: allowanceNumberParams,
        body: endAllowanceBody,
        response: { 200: allowanceDetail },
      },
    },
    async (req, reply) => reply.transact(200, (trx) => svc.cancel(trx, req.ctx, req.params.allowanceNumber, req.body)),
  );

  app.post(
    '/api/v1/allowances/:allowanceNumber/void',
    {
      config: { access: 'allowance.issue', audit: 'allowance.void' },
      schema: {
        operationId: 'voidAllowance',
        tags,
        summary: 'Void an allowance (G0701); its amounts no longer count against the invoice',
        params: allowanceNumberParams,
        body: endAllowanceBody,
        response: { 200: allowanceDetail },
      },
    },
    async (req, reply) => reply.transact(200, (trx) => svc.void(trx, req.ctx, req.params.allowanceNumber, req.body)),
  );
}
