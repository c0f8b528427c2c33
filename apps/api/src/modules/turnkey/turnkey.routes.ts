import { approvalRequired } from '@app/schemas/approval';
/**
 * The Turnkey pipeline for staff: the messages that need attention (rejected by the platform, refused by
 * the XSD check, or dead after their retries) with their codes, and resending an invoice's messages once
 * the cause is fixed. docs/turnkey.md.
 */

import {
  listReconciliationsQuery,
  listTurnkeyMessagesQuery,
  reconciliationView,
  resendBody,
  resendParams,
  turnkeyMessageView,
} from '@app/schemas/turnkey';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import { approvalService } from '../approval/approval.runners.ts';
import { createTurnkeyService } from './turnkey.service.ts';

const tags = ['turnkey'];

export async function turnkeyRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = createTurnkeyService(deps);
  const approvals = approvalService(deps);

  app.get(
    '/api/v1/turnkey/messages',
    {
      config: { access: 'turnkey.manage' },
      schema: {
        operationId: 'listTurnkeyMessages',
        tags,
        summary: 'MIG messages by status (default: rejected, invalid and dead — the ones to fix), newest first',
        querystring: listTurnkeyMessagesQuery,
        response: { 200: z.object({ items: z.array(turnkeyMessageView), nextCursor: z.string().nullable() }) },
      },
    },
    (req) => svc.list(req.ctx, req.query),
  );

  app.get(
    '/api/v1/turnkey/reconciliations',
    {
      config: { access: 'turnkey.manage' },
      schema: {
        operationId: 'listTurnkeyReconciliations',
        tags,
        summary:
          "The daily reconciliation of our hand-offs with the platform's SummaryResult, per day and message type, newest first (default: the last 30 days)",
        querystring: listReconciliationsQuery,
        response: { 200: z.object({ from: z.string(), to: z.string(), items: z.array(reconciliationView) }) },
      },
    },
    (req) => svc.listReconciliations(req.ctx, req.query),
  );

  app.post(
    '/api/v1/invoices/:number/resend',
    {
      config: { access: 'turnkey.manage', audit: 'turnkey.resend' },
      schema: {
        operationId: 'resendInvoiceMessages',
        tags,
        summary:
          'Hand an invoice’s rejected, invalid or dead messages to Turnkey again (built anew from the current data); ' +
          '202 with a pending approval request when resends need two-step approval',
        params: resendParams,
        body: resendBody,
        response: { 200: z.object({ items: z.array(turnkeyMessageView) }), 202: approvalRequired },
      },
    },
    (req, reply) =>
      approvals.required('turnkey.resend')
        ? reply.transact(202, (trx) =>
            approvals.request(trx, req.ctx, { action: 'turnkey.resend', invoiceNumber: req.params.number, payload: req.body }),
          )
        : reply.transact(200, (trx) => svc.resend(trx, req.ctx, req.params.number, req.body)),
  );
}
