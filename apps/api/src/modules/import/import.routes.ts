import { DomainError } from '@app/domain';
import {
  importLogView,
  importParams,
  importStatusView,
  importView,
  listImportLogsQuery,
  listImportsQuery,
  uploadFields,
} from '@app/schemas/import';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import { replyLive, snapshotOf } from '../../lib/live-status.ts';
import { schemaErrors } from '../invoice/invoice.service.ts';
import { createImportService } from './import.service.ts';

const tags = ['imports'];

type Part = { type?: string; value?: unknown };

export async function importRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = createImportService(deps);
  const maxBytes = deps.config.INVOICE_IMPORT_MAX_BYTES;

  // WebSocket topic `import:<id>` (modules/live): the same view as GET /api/v1/imports/{id}/status.
  deps.live.register('import', {
    access: 'import.upload',
    argPattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    key: (_ctx, id) => `import:${id.toLowerCase()}`,
    read: (ctx, id) => svc.status(ctx, id.toLowerCase()),
  });

  // Multipart only for this module's upload route; the file is buffered (bounded by INVOICE_IMPORT_MAX_BYTES).
  await root.register(multipart, {
    limits: { fileSize: maxBytes, files: 1, fields: 5, parts: 6 },
    attachFieldsToBody: true,
    onFile: async (part) => {
      let data: Buffer;
      try {
        data = await part.toBuffer();
      } catch (e) {
        if ((e as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
          throw new DomainError('PAYLOAD_TOO_LARGE', `The file is larger than ${maxBytes} bytes; split it.`, [
            { field: `body.${part.fieldname}`, message: `at most ${maxBytes} bytes` },
          ]);
        }
        throw e;
      }
      (part as unknown as { value: unknown }).value = { filename: part.filename, data };
    },
  });

  app.post(
    '/api/v1/imports',
    {
      config: { access: 'import.upload', audit: 'invoice.import' },
      bodyLimit: maxBytes + 65_536,
      schema: {
        operationId: 'uploadInvoiceImport',
        tags,
        summary: 'Upload invoices to issue in the background (multipart field `file`: CSV in UTF-8 or Big5, or JSON lines)',
        description:
          'Optional fields `format` (csv | jsonl; default: from the file name, else the content) and `encoding` (utf8 | big5; ' +
          'default: UTF-8 when valid, else Big5). Answers 202 with the queued import at once; the worker checks every invoice, ' +
          'then issues them one by one as the uploader (needs invoice.issue too). Follow GET /api/v1/imports/{id} and its /logs. ' +
          'The same file again (same SHA-256) answers 200 with the earlier import and issues nothing. Layout and limits: ' +
          'docs/integration-guide.md §8.',
        consumes: ['multipart/form-data'],
        response: { 200: importView, 202: importView },
      },
    },
    async (req, reply) => {
      const body = (req.isMultipart() ? req.body : undefined) as Record<string, Part> | undefined;
      const file = body?.file?.value as { filename?: string; data?: Buffer } | undefined;
      if (!file?.data || body?.file?.type !== 'file') {
        throw new DomainError('VALIDATION_ERROR', 'Send the file as multipart/form-data in the field `file`.', [
          { field: 'body.file', message: 'required' },
        ]);
      }
      const others = Object.fromEntries(Object.entries(body ?? {}).flatMap(([k, p]) => (k === 'file' ? [] : [[k, p.value]])));
      const fields = uploadFields.safeParse(others);
      if (!fields.success) {
        throw new DomainError('VALIDATION_ERROR', 'Invalid body.', schemaErrors(fields.error.issues, 'body'));
      }
      const r = await svc.upload(req.ctx, { filename: file.filename ?? 'upload', data: file.data }, fields.data);
      return reply.code(r.created ? 202 : 200).send({ ...r.view, sameFileImportedBefore: !r.created });
    },
  );

  app.get(
    '/api/v1/imports',
    {
      config: { access: 'import.upload' },
      schema: {
        operationId: 'listInvoiceImports',
        tags,
        summary:
          'Invoice imports, newest first: your own, or all with data scope `all`; pass nextCursor as cursor for the next page',
        querystring: listImportsQuery,
        response: { 200: z.object({ items: z.array(importView), nextCursor: z.string().nullable() }) },
      },
    },
    (req) => svc.list(req.ctx, req.query),
  );

  app.get(
    '/api/v1/imports/:id',
    {
      config: { access: 'import.upload' },
      schema: {
        operationId: 'getInvoiceImport',
        tags,
        summary: 'One import: status and counts (they grow while it is issuing), or why the whole file failed',
        params: importParams,
        response: { 200: importView },
      },
    },
    (req) => svc.get(req.ctx, req.params.id),
  );

  app.get(
    '/api/v1/imports/:id/status',
    {
      config: { access: 'import.upload', rateLimit: 'poll' },
      schema: {
        operationId: 'getInvoiceImportStatus',
        tags,
        summary: 'Status and counts of one import, for a screen to poll with If-None-Match (304 while unchanged)',
        description:
          'Read at most once per LIVE_CACHE_MS (1.5 s) per import. Answers a strong ETag and Cache-Control: private, no-cache; ' +
          "an unchanged status answers 304 with no body. Counts in the 'poll' rate-limit bucket. docs/integration-guide.md §9.",
        params: importParams,
        response: { 200: importStatusView, 304: z.null().describe('Not modified: the ETag you sent is current') },
      },
    },
    async (req, reply) => replyLive(req, reply, snapshotOf(await svc.status(req.ctx, req.params.id))),
  );

  app.get(
    '/api/v1/imports/:id/logs',
    {
      config: { access: 'import.upload' },
      schema: {
        operationId: 'listInvoiceImportLogs',
        tags,
        summary:
          "Each invoice's outcome, in file order: issued / duplicate with the invoice, or failed naming field, column and line",
        params: importParams,
        querystring: listImportLogsQuery,
        response: { 200: z.object({ items: z.array(importLogView), nextCursor: z.string().nullable() }) },
      },
    },
    (req) => svc.logs(req.ctx, req.params.id, req.query),
  );
}
