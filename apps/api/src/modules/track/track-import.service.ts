/**
 * E0501 import: a file of number allocations (XML, alone or in an InvoiceEnvelope, or the platform's
 * CSV in UTF-8 or Big5) becomes number ranges. The file is kept (by SHA-256) in storage; the same file
 * again changes nothing; every entry gets its own verdict. Parsing and checks are the pure functions
 * of packages/domain (einvoice/e0501); this service adds what the database knows: the sellers, and
 * the ranges already stored (overlaps are checked per period and track across all sellers).
 */
import { createHash } from 'node:crypto';
import { pgErrorCode } from '@app/db';
import {
  type DataScope,
  DomainError,
  type E0501EntryResult,
  parseE0501File,
  summarizeE0501Results,
  validateE0501Entries,
} from '@app/domain';
import { sql } from 'kysely';
import type { ModuleDeps } from '../../app.ts';
import type { AuditDraft, RequestContext, Tx } from '../../context.ts';

type Deps = Pick<ModuleDeps, 'db' | 'tenant' | 'config' | 'storage' | 'now'>;

export type EntryOutcome = {
  index: number;
  line: number | null;
  status: 'accepted' | 'duplicate' | 'rejected';
  range: {
    ban: string;
    invoiceType: string;
    yearMonth: string;
    track: string;
    beginNo: string;
    endNo: string;
    booklets: number;
  } | null;
  reasons: { field: string; code: string; message: string; messageZh: string }[];
};

export type ImportView = {
  id: string;
  sha256: string;
  filename: string;
  format: 'xml' | 'csv';
  sizeBytes: number;
  createdAt: string;
  total: number;
  accepted: number;
  duplicate: number;
  rejected: number;
  entries: EntryOutcome[];
};

/**
 * A process importing on its own (the worker picking up the E0501 files Turnkey downloads): every seller of
 * the tenant, no audit entry of a request; the import records `uploaded_by = 'system:<name>'`.
 */
export type SystemCaller = { kind: 'system'; name: 'turnkey-unpack' };

const isSystem = (c: RequestContext | SystemCaller): c is SystemCaller => 'kind' in c && c.kind === 'system';

function callerOf(c: RequestContext | SystemCaller): { scope: DataScope; uploadedBy: string } {
  if (isSystem(c)) return { scope: { all: true }, uploadedBy: `system:${c.name}` };
  const p = c.principal;
  if (!p) throw new DomainError('UNAUTHENTICATED', 'Not signed in.');
  return { scope: p.scope, uploadedBy: `${p.kind}:${p.id}` };
}

/** Adds to the request's audit entry (a system caller has none). */
function noteAudit(c: RequestContext | SystemCaller, draft: AuditDraft): void {
  if (!isSystem(c)) c.audit = { ...c.audit, ...draft };
}

const ALREADY = new Set(['ALREADY_IMPORTED', 'DUPLICATE_IN_FILE']);

function outcome(r: E0501EntryResult): EntryOutcome {
  if (r.ok) {
    const g = r.range;
    return {
      index: r.index,
      line: r.line ?? null,
      status: 'accepted',
      range: {
        ban: g.ban,
        invoiceType: g.invoiceType,
        yearMonth: g.yearMonth,
        track: g.track,
        beginNo: g.begin,
        endNo: g.end,
        booklets: g.booklets,
      },
      reasons: [],
    };
  }
  return {
    index: r.index,
    line: r.line ?? null,
    status: r.reasons.every((x) => ALREADY.has(x.code)) ? 'duplicate' : 'rejected',
    range: null,
    reasons: r.reasons.map((x) => ({ field: x.field, code: x.code, message: x.message, messageZh: x.messageZh })),
  };
}

export function createTrackImportService(deps: Deps) {
  const { db, tenant } = deps;

  const toView = (row: {
    id: string;
    sha256: string;
    filename: string;
    format: string;
    size_bytes: number;
    created_at: Date;
    entries_total: number;
    entries_accepted: number;
    entries_duplicate: number;
    entries_rejected: number;
    result: unknown;
  }): ImportView => ({
    id: row.id,
    sha256: row.sha256,
    filename: row.filename,
    format: row.format === 'csv' ? 'csv' : 'xml',
    sizeBytes: row.size_bytes,
    createdAt: row.created_at.toISOString(),
    total: row.entries_total,
    accepted: row.entries_accepted,
    duplicate: row.entries_duplicate,
    rejected: row.entries_rejected,
    entries: row.result as EntryOutcome[],
  });

  const findBySha = (sha: string) =>
    db.selectFrom('e0501_imports').selectAll().where('tenant_id', '=', tenant.id).where('sha256', '=', sha).executeTakeFirst();

  function visibleImports(ctx: RequestContext) {
    const { scope, uploadedBy } = callerOf(ctx);
    const q = db.selectFrom('e0501_imports').selectAll().where('tenant_id', '=', tenant.id);
    return scope.all ? q : q.where('uploaded_by', '=', uploadedBy);
  }

  return {
    /**
     * Import one file. Returns `{ created: false }` with the earlier import when this exact file was
     * imported before (nothing changes).
     */
    async importFile(
      ctx: RequestContext | SystemCaller,
      file: { filename: string; data: Buffer },
    ): Promise<{ created: boolean; view: ImportView }> {
      const caller = callerOf(ctx);
      const sha = createHash('sha256').update(file.data).digest('hex');
      const earlier = await findBySha(sha);
      if (earlier) {
        noteAudit(ctx, { target: { type: 'e0501_import', id: earlier.id }, note: { sha256: sha, sameFileAs: earlier.id } });
        return { created: false, view: toView(earlier) };
      }

      const parsed = parseE0501File(file.data, { maxBytes: deps.config.IMPORT_MAX_BYTES });
      // Sellers the caller may import for: those in its data scope.
      const scope = caller.scope;
      let sellersQ = db
        .selectFrom('sellers')
        .select(['id', 'ban'])
        .where('tenant_id', '=', tenant.id)
        .where('status', '=', 'active');
      if (!scope.all)
        sellersQ = sellersQ.where(
          'id',
          'in',
          scope.sellers.length ? [...scope.sellers] : ['00000000-0000-0000-0000-000000000000'],
        );
      const sellers = await sellersQ.execute();
      const sellerByBan = new Map(sellers.map((s) => [s.ban, s.id]));

      // The file is kept before its ranges are stored (keyed by content, so a retry rewrites the same object).
      const ext = parsed.format === 'csv' ? 'csv' : 'xml';
      const storageKey = `imports/e0501/${deps.now().toISOString().slice(0, 7)}/${sha}.${ext}`;
      await deps.storage.put(storageKey, file.data, { contentType: ext === 'csv' ? 'text/csv' : 'application/xml' });

      const run = async (trx: Tx) => {
        // One import at a time per tenant, so two files cannot both claim the same numbers.
        await sql`SELECT pg_advisory_xact_lock(hashtext(${`e0501:${tenant.id}`}))`.execute(trx);
        const existing = await trx
          .selectFrom('tracks as t')
          .innerJoin('sellers as s', 's.id', 't.seller_id')
          .select(['s.ban', 't.year_month', 't.track', 't.begin_no', 't.end_no'])
          .execute();
        const results = validateE0501Entries(parsed.entries, {
          knownSellerBans: new Set(sellerByBan.keys()),
          existingRanges: existing.map((e) => ({
            ban: e.ban,
            yearMonth: e.year_month,
            track: e.track,
            begin: e.begin_no,
            end: e.end_no,
          })),
          at: deps.now(),
        });
        const summary = summarizeE0501Results(results);
        const entries = results.map(outcome);
        const row = await trx
          .insertInto('e0501_imports')
          .values({
            tenant_id: tenant.id,
            sha256: sha,
            filename: file.filename.slice(0, 255),
            format: parsed.format,
            size_bytes: file.data.byteLength,
            storage_key: storageKey,
            entries_total: entries.length,
            entries_accepted: summary.ranges.length,
            entries_duplicate: summary.alreadyImported,
            entries_rejected: summary.rejected.length,
            result: JSON.stringify(entries),
            uploaded_by: caller.uploadedBy,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        if (summary.ranges.length > 0) {
          await trx
            .insertInto('tracks')
            .values(
              summary.ranges.map((g) => ({
                seller_id: sellerByBan.get(g.ban) as string,
                invoice_type: g.invoiceType,
                year_month: g.yearMonth,
                track: g.track,
                begin_no: Number(g.begin),
                end_no: Number(g.end),
                import_id: row.id,
              })),
            )
            .execute();
        }
        return row;
      };

      try {
        const row = await db.transaction().execute(run);
        noteAudit(ctx, {
          target: { type: 'e0501_import', id: row.id },
          note: {
            sha256: sha,
            filename: file.filename,
            accepted: row.entries_accepted,
            duplicate: row.entries_duplicate,
            rejected: row.entries_rejected,
          },
        });
        return { created: true, view: toView(row) };
      } catch (e) {
        // The same file imported concurrently: the other request won; answer with its result.
        if (pgErrorCode(e) === '23505') {
          const winner = await findBySha(sha);
          if (winner) return { created: false, view: toView(winner) };
        }
        throw e;
      }
    },

    /** Newest first. A caller scoped to some sellers or sites sees only the imports it uploaded itself. */
    async list(ctx: RequestContext, q: { cursor?: string; limit: number }) {
      const offset = Number(q.cursor ?? 0);
      const rows = await visibleImports(ctx)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .offset(offset)
        .limit(q.limit + 1)
        .execute();
      return {
        items: rows.slice(0, q.limit).map((r) => ({ ...toView(r), entries: [] })),
        nextCursor: rows.length > q.limit ? String(offset + q.limit) : null,
      };
    },

    async get(ctx: RequestContext, id: string) {
      const r = await visibleImports(ctx).where('id', '=', id).executeTakeFirst();
      if (!r) throw new DomainError('NOT_FOUND', `No E0501 import with id ${id} in your scope.`);
      return toView(r);
    },
  };
}
