import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ModuleDeps } from '../../app.ts';
import { issueBody, issuedInvoice } from './invoice.schemas.ts';
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
}
