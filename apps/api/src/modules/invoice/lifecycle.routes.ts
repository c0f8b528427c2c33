import { approvalRequired } from '@app/schemas/approval';
import { invoiceNumberParams, issuedInvoice } from '@app/schemas/invoice';
import { cancelInvoiceBody, cancelledInvoice, voidInvoiceBody } from '@app/schemas/lifecycle';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import { approvalService } from '../approval/approval.runners.ts';
import { createInvoiceLifecycleService } from './lifecycle.service.ts';

const tags = ['invoices'];

export async function invoiceLifecycleRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = createInvoiceLifecycleService(deps);
  const approvals = approvalService(deps);

  app.post(
    '/api/v1/invoices/:number/cancel',
    {
      config: { access: 'invoice.cancel', audit: 'invoice.cancel' },
      schema: {
        operationId: 'cancelInvoice',
        tags,
        summary: 'Cancel (作廢, F0501) an issued invoice',
        description:
          'Only an issued invoice without active allowances, and only until its period ends plus CANCEL_GRACE_DAYS ' +
          '(409 INVOICE_NOT_ISSUED, INVOICE_HAS_ALLOWANCES, INVOICE_CANCEL_WINDOW_CLOSED); later, issue an allowance.',
        params: invoiceNumberParams,
        body: cancelInvoiceBody,
        response: { 200: cancelledInvoice },
      },
    },
    async (req, reply) => reply.transact(200, (trx) => svc.cancel(trx, req.ctx, req.params.number, req.body)),
  );

  app.post(
    '/api/v1/invoices/:number/void',
    {
      config: { access: 'invoice.void', audit: 'invoice.void' },
      schema: {
        operationId: 'voidInvoice',
        tags,
        summary: 'Void (註銷, F0701) an issued invoice and re-issue (F0401) its number with a new buyer, carrier or print mark',
        description:
          'One transaction: the current version becomes voided and a new version with the same number, period, time, ' +
          'random number and items is issued; totals are recomputed for the new buyer and every MIG rule is checked ' +
          '(400 naming body.reissue.… fields). Answers like issuing, with the voided version’s id — or 202 with a pending ' +
          'approval request when voids need two-step approval (APPROVAL_REQUIRED_FOR; docs/approvals.md).',
        params: invoiceNumberParams,
        body: voidInvoiceBody,
        response: { 200: issuedInvoice.extend({ voidedInvoiceId: z.string() }), 202: approvalRequired },
      },
    },
    async (req, reply) =>
      approvals.required('invoice.void')
        ? reply.transact(202, (trx) =>
            approvals.request(trx, req.ctx, { action: 'invoice.void', invoiceNumber: req.params.number, payload: req.body }),
          )
        : reply.transact(200, (trx) => svc.voidAndReissue(trx, req.ctx, req.params.number, req.body)),
  );
}
