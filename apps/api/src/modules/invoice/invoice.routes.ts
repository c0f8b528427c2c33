import {
  BATCH_MAX,
  batchBody,
  batchResult,
  invoiceDetail,
  invoiceNumberParams,
  invoiceProofView,
  invoiceSummary,
  invoiceXmlView,
  issueBody,
  issuedInvoice,
  listInvoicesQuery,
  listReservationsQuery,
  RESERVATION_MAX,
  reservationDetail,
  reservationParams,
  reservationView,
  reserveBody,
} from '@app/schemas/invoice';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import type { IdemState } from '../../context.ts';
import { createInvoiceService } from './invoice.service.ts';

const tags = ['invoices'];

export async function invoiceRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = createInvoiceService(deps);

  app.post(
    '/api/v1/invoices',
    {
      config: {
        access: 'invoice.issue',
        audit: 'invoice.issue',
        // The issuing statement stores the key itself; a replay rebuilds the 201 from the stored invoice.
        idempotency: 'inline',
        replayRef: (ref) => svc.issuedAgain(ref as { id: string; date: string }),
      },
      bodyLimit: deps.config.INVOICE_BODY_LIMIT_BYTES,
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
      await reply.inlineIdempotent(201, async (key) => svc.issue(req.ctx, await svc.prepare(req.ctx, req.body), key));
    },
  );

  app.post(
    '/api/v1/invoices/batch',
    {
      config: { access: 'invoice.issue', audit: 'invoice.issue_batch' },
      bodyLimit: deps.config.INVOICE_BODY_LIMIT_BYTES,
      schema: {
        operationId: 'issueInvoiceBatch',
        tags,
        summary: `Issue up to ${BATCH_MAX} invoices; each succeeds or fails on its own, with a result per entry`,
        description:
          'Answers 200 with one result per entry, in order: status 201 with the invoice (as POST /api/v1/invoices answers it), or ' +
          'the 4xx the entry would have had alone, its fields named body.invoices[i].…. Retrying with the same Idempotency-Key ' +
          'never issues an entry twice, even after a crash half-way: issued entries answer from what is stored.',
        body: batchBody,
        response: { 200: batchResult },
      },
    },
    async (req) => {
      const idem = req.idem as IdemState;
      return svc.issueBatch(req.ctx, req.body.invoices, { caller: idem.caller, key: idem.key, path: idem.path });
    },
  );

  app.post(
    '/api/v1/offline-reservations',
    {
      config: { access: 'invoice.issue', audit: 'invoice.reserve_offline' },
      schema: {
        operationId: 'reserveOfflineNumbers',
        tags,
        summary: `Reserve up to ${RESERVATION_MAX} consecutive numbers for a device to issue offline`,
        description:
          'Takes the numbers out of the device’s block (or its site’s shared block) so online issuing never uses them, draws ' +
          'their random numbers and answers each with the AES verification string of the left QR code: the device prints ' +
          'valid proofs without the seller’s key, and submits each invoice later with POST /api/v1/invoices and `offline`.',
        body: reserveBody,
        response: { 201: reservationDetail },
      },
    },
    (req, reply) => reply.transact(201, (trx) => svc.reserve(trx, req.ctx, req.body)),
  );

  app.get(
    '/api/v1/offline-reservations',
    {
      config: { access: 'invoice.read' },
      schema: {
        operationId: 'listOfflineReservations',
        tags,
        summary: 'Offline reservations in your data scope, newest first, with how many numbers were issued',
        querystring: listReservationsQuery,
        response: { 200: z.object({ items: z.array(reservationView) }) },
      },
    },
    (req) => svc.listReservations(req.ctx, req.query),
  );

  app.get(
    '/api/v1/offline-reservations/:id',
    {
      config: { access: 'invoice.read' },
      schema: {
        operationId: 'getOfflineReservation',
        tags,
        summary: 'One reservation with every number, its random number, verification string and whether it was issued',
        params: reservationParams,
        response: { 200: reservationDetail },
      },
    },
    (req) => svc.getReservation(req.ctx, req.params.id),
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
  app.get(
    '/api/v1/invoices/:number/proof',
    {
      config: { access: 'invoice.read' },
      schema: {
        operationId: 'getInvoiceProof',
        tags,
        summary:
          'What the printed proof (電子發票證明聯) shows for the current version: period, number, random number, total, ' +
          'BANs, the Code 39 text and both QR payloads, computed as issuing did',
        params: invoiceNumberParams,
        response: { 200: invoiceProofView },
      },
    },
    (req) => svc.proof(req.ctx, req.params.number),
  );
  app.get(
    '/api/v1/invoices/:number/xml',
    {
      config: { access: 'invoice.read' },
      schema: {
        operationId: 'getInvoiceXml',
        tags,
        summary:
          "The MIG 4.1 XML of each of the number's Turnkey messages (F0401, F0501, F0701, G0401…), built from what is " +
          'stored exactly as the hand-off builds it',
        params: invoiceNumberParams,
        response: { 200: invoiceXmlView },
      },
    },
    (req) => svc.xml(req.ctx, req.params.number),
  );
}
