import { IMPORT_ENCODINGS, IMPORT_FORMATS } from '@app/domain/browser';
import { z } from 'zod';

export const IMPORT_STATUSES = ['queued', 'validating', 'issuing', 'done', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
export const IMPORT_LOG_STATUSES = ['issued', 'duplicate', 'failed'] as const;
export type ImportLogStatus = (typeof IMPORT_LOG_STATUSES)[number];

/** The upload's form fields besides `file` (multipart). */
export const uploadFields = z.strictObject({
  /** csv or jsonl; default: from the file name (.csv/.txt, .jsonl/.ndjson/.json), else from the content. */
  format: z.enum(IMPORT_FORMATS, { error: 'csv or jsonl' }).optional(),
  /** utf8 or big5 (CSV only); default: UTF-8 when the bytes are valid UTF-8 (BOM or not), else Big5. */
  encoding: z.enum(IMPORT_ENCODINGS, { error: 'utf8 or big5' }).optional(),
});
export type UploadFields = z.infer<typeof uploadFields>;

/** One cell or field an invoice failed for: the body field, the CSV column, the line, why. */
export const rowErrorDetail = z.object({
  /** The field of the invoice body (`items.1.quantity`), as POST /api/v1/invoices names it without `body.`. */
  field: z.string().optional(),
  /** CSV: the column (header name). */
  column: z.string().optional(),
  line: z.number().int(),
  message: z.string(),
  /** The MIG rule's code, when a rule refused it. */
  code: z.string().optional(),
});
export type RowErrorDetail = z.infer<typeof rowErrorDetail>;

const counts = z.object({
  /** Invoices in the file (CSV: refs; JSON lines: non-blank lines); 0 until the file was read. */
  total: z.number().int(),
  /** Invoices that passed the checks made before issuing began. */
  valid: z.number().int(),
  issued: z.number().int(),
  /** Found issued already under the invoice's key (an earlier attempt of the import, or an earlier upload of the file). */
  duplicate: z.number().int(),
  failed: z.number().int(),
});

export const importView = z.object({
  id: z.string(),
  filename: z.string(),
  format: z.enum(IMPORT_FORMATS),
  encoding: z.enum(IMPORT_ENCODINGS),
  sizeBytes: z.number().int(),
  sha256: z.string(),
  /** queued → validating → issuing → done; failed when the file cannot be read or the uploader may not issue (nothing issued). */
  status: z.enum(IMPORT_STATUSES),
  counts,
  /** Why the whole import failed. */
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }).nullable(),
  createdBy: z.object({ type: z.enum(['user', 'client']), id: z.string(), name: z.string() }),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  validatedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** On POST: true when this exact file (same SHA-256) was uploaded before — the earlier import; nothing new is issued. */
  sameFileImportedBefore: z.boolean().optional(),
});
export type ImportView = z.infer<typeof importView>;

/** GET /api/v1/imports/{id}/status: what a screen following the import polls. */
export const importStatusView = z.object({
  id: z.string(),
  status: z.enum(IMPORT_STATUSES),
  counts,
  /** Why the whole import failed (the message and details: GET /api/v1/imports/{id}). */
  errorCode: z.string().nullable(),
});
export type ImportStatusView = z.infer<typeof importStatusView>;

export const importLogView = z.object({
  /** 1-based position of the invoice in the file. */
  row: z.number().int(),
  /** The lines it spans (CSV: its ref's lines). */
  lines: z.object({ from: z.number().int(), to: z.number().int() }),
  /** CSV: the ref column. */
  ref: z.string().nullable(),
  status: z.enum(IMPORT_LOG_STATUSES),
  invoice: z.object({ id: z.string(), invoiceNumber: z.string(), invoiceDate: z.string() }).nullable(),
  error: z.object({ code: z.string(), message: z.string(), details: z.array(rowErrorDetail) }).nullable(),
  at: z.string(),
});
export type ImportLogView = z.infer<typeof importLogView>;

const limit = z.coerce.number().int().min(1).max(200).default(50);

export const listImportsQuery = z.strictObject({
  status: z.enum(IMPORT_STATUSES).optional(),
  /** nextCursor of the previous page. */
  cursor: z.uuid({ error: 'a cursor from a previous page' }).optional(),
  limit,
});
export type ListImportsQuery = z.infer<typeof listImportsQuery>;

export const listImportLogsQuery = z.strictObject({
  status: z.enum(IMPORT_LOG_STATUSES).optional(),
  /** nextCursor of the previous page (a row number). */
  cursor: z.coerce.number({ error: 'a cursor from a previous page' }).int().min(0).max(1_000_000_000).optional(),
  limit,
});
export type ListImportLogsQuery = z.infer<typeof listImportLogsQuery>;

export const importParams = z.strictObject({ id: z.uuid({ error: 'must be a UUID' }) });
