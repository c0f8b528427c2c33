/**
 * Batch import of invoices, the API's side: take a file (CSV in UTF-8 or Big5, or JSON lines), check that it
 * can be read, keep it in storage by its SHA-256, and record the import with its ImportQueued event in one
 * transaction — the outbox relay then sets the worker's import.invoices job going, so an accepted file is
 * processed even if Redis was down when it came. The same file again answers the earlier import. Reading
 * imports: the uploader's own, or all of them with data scope `all`.
 */
import { createHash } from 'node:crypto';
import { DomainError, readImportFile } from '@app/domain';
import { appendOutbox } from '@app/jobs';
import type {
  ImportLogView,
  ImportStatusView,
  ImportView,
  ListImportLogsQuery,
  ListImportsQuery,
  RowErrorDetail,
  UploadFields,
} from '@app/schemas/import';
import type { ModuleDeps } from '../../app.ts';
import type { Principal, RequestContext } from '../../context.ts';
import {
  findImport,
  findImportOfFile,
  findImportStatus,
  type ImportFileRow,
  insertImport,
  listImports,
  listOutcomes,
} from './import.repository.ts';

type Deps = Pick<ModuleDeps, 'db' | 'tenant' | 'config' | 'storage' | 'now' | 'live'>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function importViewOf(r: ImportFileRow): ImportView {
  const [type, id] = r.created_by.split(':') as ['user' | 'client', string];
  return {
    id: r.id,
    filename: r.filename,
    format: r.format as ImportView['format'],
    encoding: r.encoding as ImportView['encoding'],
    sizeBytes: r.size_bytes,
    sha256: r.sha256,
    status: r.status as ImportView['status'],
    counts: {
      total: r.rows_total,
      valid: r.rows_valid,
      issued: r.rows_issued,
      duplicate: r.rows_duplicate,
      failed: r.rows_failed,
    },
    error: r.error_code
      ? {
          code: r.error_code,
          message: r.error_message ?? '',
          ...(r.error_details !== null && r.error_details !== undefined ? { details: r.error_details } : {}),
        }
      : null,
    createdBy: { type, id, name: r.created_by_name },
    createdAt: r.created_at.toISOString(),
    startedAt: iso(r.started_at),
    validatedAt: iso(r.validated_at),
    finishedAt: iso(r.finished_at),
  };
}

/** A file name fit to show and store: its last path segment, without control characters, at most 255 characters. */
function cleanFilename(name: string): string {
  const printable = [...(name.split(/[/\\]/).at(-1) ?? '')].filter((c) => c >= ' ' && c !== '\u007f').join('');
  const base = printable.trim();
  return base.slice(0, 255) || 'upload';
}

const principalOf = (ctx: RequestContext): Principal => {
  if (!ctx.principal) throw new DomainError('UNAUTHENTICATED', 'Not signed in.');
  return ctx.principal;
};

/** Whose imports the caller sees: everyone's with data scope `all`, else only their own. */
const visibleCreator = (p: Principal): string | null => (p.scope.all ? null : `${p.kind}:${p.id}`);

export function createImportService(deps: Deps) {
  const { db, tenant } = deps;

  async function visibleImport(ctx: RequestContext, id: string): Promise<ImportFileRow> {
    const creator = visibleCreator(principalOf(ctx));
    const r = await findImport(db, tenant.id, id);
    if (!r || (creator !== null && r.created_by !== creator)) throw new DomainError('NOT_FOUND', `No import ${id} of yours.`);
    return r;
  }

  return {
    /**
     * Accept an uploaded file: `created: false` with the earlier import when this exact file (SHA-256) was
     * imported before and that import did not fail — nothing new is issued from it.
     */
    async upload(
      ctx: RequestContext,
      file: { filename: string; data: Buffer },
      fields: UploadFields,
    ): Promise<{ created: boolean; view: ImportView }> {
      const p = principalOf(ctx);
      if (!p.permissions.has('invoice.issue')) {
        throw new DomainError('FORBIDDEN', "Importing invoices issues them: it needs the permission 'invoice.issue' as well.", {
          required: 'invoice.issue',
        });
      }
      const max = deps.config.INVOICE_IMPORT_MAX_BYTES;
      if (file.data.length > max) {
        throw new DomainError('PAYLOAD_TOO_LARGE', `The file is larger than ${max} bytes.`, [
          { field: 'body.file', message: `at most ${max} bytes` },
        ]);
      }
      const filename = cleanFilename(file.filename);
      const read = readImportFile(file.data, { filename, format: fields.format, encoding: fields.encoding });
      if (!read.ok) {
        throw new DomainError('VALIDATION_ERROR', read.message, [{ field: `body.${read.field}`, message: read.message }]);
      }
      const sha256 = createHash('sha256').update(file.data).digest('hex');
      const earlier = await findImportOfFile(db, tenant.id, sha256);
      if (earlier) {
        ctx.audit = { ...ctx.audit, target: { type: 'import_file', id: earlier.id }, note: { sha256, sameFileAs: earlier.id } };
        return { created: false, view: importViewOf(earlier) };
      }

      // Kept before it is recorded, under its content's hash: a retry rewrites the same object.
      const storageKey = `imports/invoices/${deps.now().toISOString().slice(0, 7)}/${sha256}.${read.format}`;
      await deps.storage.put(storageKey, file.data, {
        contentType: read.format === 'csv' ? 'text/csv' : 'application/jsonl',
      });
      const createdBy = `${p.kind}:${p.id}`;
      const row = await db.transaction().execute(async (trx) => {
        const r = await insertImport(trx, {
          tenant_id: tenant.id,
          filename,
          sha256,
          format: read.format,
          encoding: read.encoding,
          size_bytes: file.data.length,
          storage_key: storageKey,
          created_by: createdBy,
          created_by_name: p.name,
          request_id: ctx.requestId,
        });
        if (!r) return undefined;
        await appendOutbox(
          trx,
          'ImportQueued',
          {
            importId: r.id,
            filename,
            format: read.format,
            encoding: read.encoding,
            sha256,
            sizeBytes: file.data.length,
            createdBy,
          },
          { aggregateType: 'import_file', aggregateId: r.id, requestId: ctx.requestId },
        );
        return r;
      });
      if (!row) {
        // The same file uploaded at the same moment: the other upload won; answer with its import.
        const winner = await findImportOfFile(db, tenant.id, sha256);
        if (!winner) throw new Error(`import of ${sha256} conflicted but cannot be found`);
        ctx.audit = { ...ctx.audit, target: { type: 'import_file', id: winner.id }, note: { sha256, sameFileAs: winner.id } };
        return { created: false, view: importViewOf(winner) };
      }
      ctx.audit = {
        ...ctx.audit,
        target: { type: 'import_file', id: row.id },
        after: { filename, format: read.format, encoding: read.encoding, sizeBytes: file.data.length, sha256 },
      };
      return { created: true, view: importViewOf(row) };
    },

    async list(ctx: RequestContext, q: ListImportsQuery): Promise<{ items: ImportView[]; nextCursor: string | null }> {
      const rows = await listImports(db, tenant.id, {
        status: q.status,
        createdBy: visibleCreator(principalOf(ctx)),
        after: q.cursor,
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      return { items: page.map(importViewOf), nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null };
    },

    async get(ctx: RequestContext, id: string): Promise<ImportView> {
      return importViewOf(await visibleImport(ctx, id));
    },

    /**
     * Status and counts only, read at most once per LIVE_CACHE_MS per import (the row is cached, the
     * visibility rule of `get` applied to every caller).
     */
    async status(ctx: RequestContext, id: string): Promise<ImportStatusView> {
      const creator = visibleCreator(principalOf(ctx));
      const r = await deps.live.cache.get(`import:${id}`, () => findImportStatus(db, tenant.id, id));
      if (!r || (creator !== null && r.created_by !== creator)) throw new DomainError('NOT_FOUND', `No import ${id} of yours.`);
      return {
        id: r.id,
        status: r.status as ImportStatusView['status'],
        counts: {
          total: r.rows_total,
          valid: r.rows_valid,
          issued: r.rows_issued,
          duplicate: r.rows_duplicate,
          failed: r.rows_failed,
        },
        errorCode: r.error_code,
      };
    },

    async logs(
      ctx: RequestContext,
      id: string,
      q: ListImportLogsQuery,
    ): Promise<{ items: ImportLogView[]; nextCursor: string | null }> {
      await visibleImport(ctx, id);
      const rows = await listOutcomes(db, id, { status: q.status, after: q.cursor, limit: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return {
        items: page.map((r) => ({
          row: r.row_no,
          lines: { from: r.line_from, to: r.line_to },
          ref: r.ref,
          status: r.status as ImportLogView['status'],
          invoice:
            r.invoice_id && r.invoice_number && r.invoice_date
              ? { id: r.invoice_id, invoiceNumber: r.invoice_number, invoiceDate: r.invoice_date }
              : null,
          error: r.error_code
            ? { code: r.error_code, message: r.error_message ?? '', details: (r.error_details ?? []) as RowErrorDetail[] }
            : null,
          at: r.created_at.toISOString(),
        })),
        nextCursor: rows.length > q.limit && last ? String(last.row_no) : null,
      };
    },
  };
}
