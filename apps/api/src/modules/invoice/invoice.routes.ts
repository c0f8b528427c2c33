import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import {
  invoiceDetail,
  invoiceNumberParams,
  invoiceSummary,
  issueBody,
  issuedInvoice,
  listInvoicesQuery,
} from './invoice.schemas.ts';
import { createInvoiceService } from './invoice.service.ts';

const tags = ['invoices'];

export async function invoiceRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = createInvoiceService(deps);

  app.post(
    '/api/v1/invoices',
    {
      config: { access: 'invoice.issue', audit: 'invoice.issue' },
      schema: {
        operationId: 'issueInvoice',
        tags,
        summary: 'Issue an invoice (F0401) with the next number of the site’s or device’s block',
        description:
          'Checks every MIG 4.1 rule before a number is taken (a refused invoice consumes no number). Answers the number, ' +
          'random number, period, and the printed proof’s Code 39 text and QR payloads. Retry with the same Idempotency-Key.',
        body: issueBody,
        response: { 201: issuedInvoice },
      },
    },
    async (req, reply) => {
      const prep = await svc.prepare(req.ctx, req.body);
      return reply.transact(201, (trx) => svc.commit(trx, req.ctx, prep));
    },
  );

  app.get(
    '/api/v1/invoices',
    {
      config: { access: 'invoice.read' },
      schema: {
        operationId: 'listInvoices',
        tags,
        summary: 'Invoices in your data scope, newest first; pass nextCursor as cursor for the next page',
        querystring: listInvoicesQuery,
        response: { 200: z.object({ items: z.array(invoiceSummary), nextCursor: z.string().nullable() }) },
      },
    },
    (req) => svc.list(req.ctx, req.query),
  );

  app.get(
    '/api/v1/invoices/:number',
    {
      config: { access: 'invoice.read' },
      schema: { operationId: 'getInvoice', tags, params: invoiceNumberParams, response: { 200: invoiceDetail } },
    },
    (req) => svc.get(req.ctx, req.params.number),
  );
}
