/**
 * Batch import of invoices, the worker's side (job import.invoices; the API's services, so the same code
 * checks, numbers and records as POST /api/v1/invoices):
 *
 * 1. queued → validating (ImportStarted): read the stored file; if it cannot be read at all, or the
 *    uploader may no longer issue invoices, the import fails (ImportFailed) — only ever while nothing has
 *    been issued from it, so the same file may then be uploaded again.
 * 2. validating → issuing (ImportValidated): every invoice is read and checked against the issue schema;
 *    those that fail are logged with the field, column and line at fault — all in one transaction.
 * 3. issuing: each remaining invoice, in file order, is issued as the uploader (permissions and data scope
 *    as they are now, reloaded every PRINCIPAL_CACHE_MS like the API's; a seller or site out of scope, or a
 *    permission lost half-way, fails the invoice with the API's error) under the key
 *    `import:<sha256>#<row>` of a tenant-wide caller, and its outcome logged and counted in one statement.
 * 4. issuing → done (ImportCompleted); the keys are dropped (the log is the record now).
 *
 * Safe to kill at any point and run again: invoices with a logged outcome are skipped, and one issued but
 * not yet logged when the run died is found under its key (status `duplicate`) instead of being issued
 * again. Status changes are guarded (`WHERE status = …`), so each event is written once.
 */
import { createHash } from 'node:crypto';
import { DomainError, type ImportRow, type ImportSource, locateField, parseImportFile, readImportFile } from '@app/domain';
import { appendOutbox, type JobLog } from '@app/jobs';
import type { RowErrorDetail } from '@app/schemas/import';
import type { IssueInput } from '@app/schemas/invoice';
import { issueBody } from '@app/schemas/invoice';
import type { AppDeps, Principal, RequestContext } from '../../context.ts';
import { assertAccess, PRINCIPAL_CACHE_MS } from '../../plugins/scope-injector.ts';
import { loadClientPrincipal, loadUserPrincipalForWork } from '../auth/auth.repository.ts';
import { storedRef } from '../invoice/invoice.repository.ts';
import {
  entryKey,
  entryKeyName,
  type FieldError,
  type InvoiceService,
  refusalDetails,
  schemaErrors,
} from '../invoice/invoice.service.ts';
import {
  deleteKeys,
  deviceByCode,
  findImport,
  type ImportFileRow,
  insertOutcomes,
  LOCK_BUSY,
  type LogRow,
  loggedRows,
  recordOutcome,
  sitesByCode,
  transitionImport,
  withImportLock,
} from './import.repository.ts';

type Deps = Pick<AppDeps, 'db' | 'tenant' | 'config' | 'storage' | 'now'> & {
  invoices: Pick<InvoiceService, 'issueKeyed' | 'issuedAgain'>;
};

/**
 * How long an import's invoice keys live (sys_idempotency_keys). They are dropped when the import is done;
 * until then they are what keeps an invoice issued by a run that died before logging it from being issued
 * again — also by a new import of the same file after a failed one — so they outlive any retry.
 */
export const IMPORT_KEY_TTL_HOURS = 30 * 24;

/** The path the keys of import `id` are stored under (`<path>#<row>`). */
const keyPath = (id: string) => `/api/v1/imports/${id}`;

type Checked = { row: ImportRow; input: IssueInput } | { row: ImportRow; error: NonNullable<LogRow['error']> };

export type ImportRunService = {
  /**
   * Take import `id` as far as it goes (see the top of this file). `skipped` when there was nothing to do
   * (done, failed, unknown). Throws when it was cut off (signal) or a dependency failed: run it again.
   */
  run(id: string, opts?: { signal?: AbortSignal; log?: JobLog }): Promise<'done' | 'skipped'>;
};

export function createImportRunService(deps: Deps): ImportRunService {
  const { db, tenant, invoices } = deps;
  const keyCaller = `tenant:${tenant.id}`;

  /** An invoice's refusal with each field traced to its cell (CSV) or line (JSON lines). */
  function located(row: ImportRow, errors: FieldError[]): RowErrorDetail[] {
    return errors.map((e) => {
      const field = e.field.replace(/^body\.?/, '');
      const src: ImportSource = locateField(row, field);
      return {
        ...(field ? { field } : {}),
        ...(src.column ? { column: src.column } : {}),
        line: src.line,
        message: e.message,
        ...(e.code ? { code: e.code } : {}),
      };
    });
  }

  function check(row: ImportRow): Checked {
    if (row.problems.length > 0 || row.body === null) {
      const details = row.problems.map((p) => ({
        ...(p.field ? { field: p.field } : {}),
        ...(p.column ? { column: p.column } : {}),
        line: p.line,
        message: p.message,
      }));
      return { row, error: { code: 'VALIDATION_ERROR', message: 'The invoice cannot be read.', details } };
    }
    const parsed = issueBody.safeParse(row.body);
    if (!parsed.success) {
      const details = located(row, schemaErrors(parsed.error.issues, 'body'));
      return { row, error: { code: 'VALIDATION_ERROR', message: 'Invalid invoice.', details } };
    }
    return { row, input: parsed.data };
  }

  const logOf = (row: ImportRow, rest: Pick<LogRow, 'status' | 'invoice' | 'error'>): LogRow => ({
    row_no: row.row,
    line_from: row.lines.from,
    line_to: row.lines.to,
    ref: row.ref,
    ...rest,
  });

  /** The uploader as they are now: null when disabled or deleted. */
  async function uploaderOf(imp: ImportFileRow): Promise<Principal | null> {
    const [kind, id] = imp.created_by.split(':');
    if (!id) return null;
    if (kind === 'user') return loadUserPrincipalForWork(db, id, `import:${imp.id}`);
    if (kind === 'client') return loadClientPrincipal(db, id);
    return null;
  }

  /** Why the uploader may not issue (the error POST /api/v1/invoices would answer), or null. */
  function refusalOf(imp: ImportFileRow, p: Principal | null): DomainError | null {
    if (!p) {
      return new DomainError(
        'FORBIDDEN',
        `The uploader (${imp.created_by_name}) is disabled or deleted; nothing more is issued on their behalf.`,
      );
    }
    try {
      assertAccess(p, 'invoice.issue');
      return null;
    } catch (e) {
      if (e instanceof DomainError) return e;
      throw e;
    }
  }

  /** Fail the whole import, if nothing was issued from it (ImportFailed); false when it cannot fail any more. */
  async function failImport(imp: ImportFileRow, err: { code: string; message: string; details?: unknown }) {
    return db.transaction().execute(async (trx) => {
      const r = await transitionImport(
        trx,
        imp.id,
        ['queued', 'validating', 'issuing'],
        'failed',
        {
          error_code: err.code,
          error_message: err.message,
          ...(err.details !== undefined ? { error_details: JSON.stringify(err.details) } : {}),
          finished_at: deps.now(),
        },
        { nothingIssued: true },
      );
      if (!r) return false;
      await appendOutbox(
        trx,
        'ImportFailed',
        { importId: imp.id, code: err.code, message: err.message },
        { aggregateType: 'import_file', aggregateId: imp.id, requestId: `import:${imp.id}` },
      );
      return true;
    });
  }

  async function run(imp: ImportFileRow, signal: AbortSignal | undefined, log: JobLog | undefined): Promise<'done'> {
    const requestId = `import:${imp.id}`;
    const keySet = `import:${imp.sha256}`;
    const meta = { aggregateType: 'import_file', aggregateId: imp.id, requestId };
    const data = await deps.storage.get(imp.storage_key);
    if (createHash('sha256').update(data).digest('hex') !== imp.sha256) {
      throw new Error(`the stored file ${imp.storage_key} is not the one uploaded (SHA-256 differs)`);
    }

    if (imp.status === 'queued') {
      const started = await db.transaction().execute(async (trx) => {
        const r = await transitionImport(trx, imp.id, ['queued'], 'validating', { started_at: deps.now() });
        if (r) {
          await appendOutbox(
            trx,
            'ImportStarted',
            { importId: imp.id, filename: imp.filename, sha256: imp.sha256, createdBy: imp.created_by },
            meta,
          );
        }
        return r;
      });
      if (!started) throw new Error(`import ${imp.id} changed state under its lock`);
      imp = started;
    }

    const read = readImportFile(data, {
      filename: imp.filename,
      format: imp.format as 'csv' | 'jsonl',
      encoding: imp.encoding as 'utf8' | 'big5',
    });
    const parsed = read.ok
      ? parseImportFile(read.text, read.format, { maxInvoices: deps.config.INVOICE_IMPORT_MAX_INVOICES })
      : ({ ok: false, problem: { message: read.message } } as const);
    if (!parsed.ok) {
      const { message, line } = parsed.problem;
      if (await failImport(imp, { code: 'IMPORT_FILE_INVALID', message, ...(line ? { details: { line } } : {}) })) {
        log?.info({ importId: imp.id, message }, 'import failed: the file cannot be read');
        return 'done';
      }
      throw new Error(`import ${imp.id}: the file can no longer be read (${message})`);
    }

    let principal = await uploaderOf(imp);
    let principalAt = Date.now();
    const refusal = refusalOf(imp, principal);
    if (refusal && (await failImport(imp, { code: refusal.code, message: refusal.message }))) {
      log?.info({ importId: imp.id, code: refusal.code }, 'import failed: the uploader may not issue');
      return 'done';
    }

    const checked = parsed.rows.map(check);
    if (imp.status === 'validating') {
      const invalid = checked.flatMap((c) =>
        'error' in c ? [logOf(c.row, { status: 'failed', invoice: null, error: c.error })] : [],
      );
      const total = checked.length;
      const validated = await db.transaction().execute(async (trx) => {
        const r = await transitionImport(trx, imp.id, ['validating'], 'issuing', {
          rows_total: total,
          rows_valid: total - invalid.length,
          rows_failed: invalid.length,
          validated_at: deps.now(),
        });
        if (!r) return undefined;
        await insertOutcomes(trx, imp.id, invalid);
        await appendOutbox(
          trx,
          'ImportValidated',
          { importId: imp.id, total, valid: total - invalid.length, invalid: invalid.length },
          meta,
        );
        return r;
      });
      if (!validated) throw new Error(`import ${imp.id} changed state under its lock`);
      imp = validated;
      log?.info({ importId: imp.id, total, invalid: invalid.length }, 'import validated');
    }

    // Issuing: the invoices without an outcome yet, in file order.
    const done = await loggedRows(db, imp.id);
    let sites = new Map<string, Promise<string>>();
    const siteIdOf = (p: Principal, code: string, sellerBan: string | undefined) => {
      const k = `${sellerBan ?? ''}|${code}`;
      let id = sites.get(k);
      if (!id) {
        id = sitesByCode(db, tenant.id, p.scope, code, sellerBan).then((ids) => {
          if (ids.length === 1) return ids[0] as string;
          throw new DomainError(
            'VALIDATION_ERROR',
            ids.length === 0 ? 'Unknown or disabled site.' : `Several sellers have a site ${code}; add sellerBan.`,
            [{ field: 'body.siteId', message: ids.length === 0 ? 'unknown or disabled site' : 'ambiguous site code' }],
          );
        });
        sites.set(k, id);
      }
      return id;
    };

    for (const c of checked) {
      if (done.has(c.row.row) || 'error' in c) continue;
      signal?.throwIfAborted();
      if (Date.now() - principalAt >= PRINCIPAL_CACHE_MS) {
        principal = await uploaderOf(imp);
        principalAt = Date.now();
        sites = new Map();
      }
      const { row } = c;
      // Named by the file's content and the invoice's place in it: the same invoice of the same file has
      // the same key, whichever run or upload issues it.
      const key = entryKey({
        caller: keyCaller,
        set: keySet,
        n: row.row,
        path: keyPath(imp.id),
        input: c.input,
        ttlHours: IMPORT_KEY_TTL_HOURS,
      });
      let outcome: Pick<LogRow, 'status' | 'invoice' | 'error'>;
      try {
        const refused = refusalOf(imp, principal);
        if (refused) throw refused;
        const p = principal as Principal;
        let input = c.input;
        if (row.lookup.siteCode) input = { ...input, siteId: await siteIdOf(p, row.lookup.siteCode, row.lookup.sellerBan) };
        if (row.lookup.deviceCode) {
          const deviceId = await deviceByCode(db, tenant.id, row.lookup.deviceCode);
          if (!deviceId) {
            throw new DomainError('VALIDATION_ERROR', 'Unknown or revoked device.', [
              { field: 'body.deviceId', message: 'unknown or revoked device' },
            ]);
          }
          input = { ...input, deviceId };
        }
        const ctx: RequestContext = {
          requestId,
          ip: '',
          userAgent: null,
          principal: p,
          audit: { note: { importId: imp.id, row: row.row } },
        };
        const { invoice, earlier } = await invoices.issueKeyed(ctx, input, key);
        outcome = {
          status: earlier ? 'duplicate' : 'issued',
          invoice: { id: invoice.id, number: invoice.invoiceNumber, date: invoice.invoiceDate },
          error: null,
        };
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        // Refused before it reached the issuing (scope, permission, codes): an earlier run may still have issued it.
        const ref = await storedRef(db, keyCaller, key.key);
        if (ref) {
          const invoice = await invoices.issuedAgain(ref);
          outcome = {
            status: 'duplicate',
            invoice: { id: invoice.id, number: invoice.invoiceNumber, date: invoice.invoiceDate },
            error: null,
          };
        } else {
          outcome = {
            status: 'failed',
            invoice: null,
            error: { code: err.code, message: err.message, details: located(row, refusalDetails(err)) },
          };
        }
      }
      await recordOutcome(db, imp.id, logOf(row, outcome));
    }

    const finished = await db.transaction().execute(async (trx) => {
      const r = await transitionImport(trx, imp.id, ['issuing'], 'done', { finished_at: deps.now() });
      if (!r) return undefined;
      if (r.rows_issued + r.rows_duplicate + r.rows_failed !== r.rows_total) {
        throw new Error(
          `import ${imp.id}: ${r.rows_total} invoices but only ${r.rows_issued + r.rows_duplicate + r.rows_failed} outcomes`,
        );
      }
      await appendOutbox(
        trx,
        'ImportCompleted',
        {
          importId: imp.id,
          total: r.rows_total,
          valid: r.rows_valid,
          issued: r.rows_issued,
          duplicate: r.rows_duplicate,
          failed: r.rows_failed,
        },
        meta,
      );
      await deleteKeys(
        trx,
        keyCaller,
        checked.flatMap((x) => ('input' in x ? [entryKeyName(keySet, x.row.row)] : [])),
      );
      return r;
    });
    if (!finished) throw new Error(`import ${imp.id} changed state under its lock`);
    log?.info(
      { importId: imp.id, issued: finished.rows_issued, duplicate: finished.rows_duplicate, failed: finished.rows_failed },
      'import done',
    );
    return 'done';
  }

  return {
    async run(id, opts = {}) {
      const out = await withImportLock(db, id, async () => {
        const imp = await findImport(db, tenant.id, id);
        if (!imp) {
          opts.log?.warn({ importId: id }, 'no such import; nothing to do');
          return 'skipped' as const;
        }
        if (imp.status === 'done' || imp.status === 'failed') return 'skipped' as const;
        return run(imp, opts.signal, opts.log);
      });
      if (out === LOCK_BUSY) throw new Error(`import ${id} is being processed by another run; try again later`);
      return out;
    },
  };
}
