import {
  auditEntry as entry,
  auditExportQuery as exportQuery,
  type auditFilters as filters,
  listAuditQuery as listQuery,
} from '@app/schemas/audit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import { type AuditQuery, listAudit } from './audit.repository.ts';

const tags = ['audit'];

const toQuery = (q: z.infer<typeof filters>, limit: number, before?: string): AuditQuery => ({
  ...q,
  from: q.from ? new Date(q.from) : undefined,
  to: q.to ? new Date(q.to) : undefined,
  before,
  limit,
});

const toEntry = (r: Awaited<ReturnType<typeof listAudit>>[number]) => ({
  id: r.id,
  occurredAt: r.occurred_at.toISOString(),
  actorType: r.actor_type,
  actorId: r.actor_id,
  actorName: r.actor_name,
  action: r.action,
  outcome: r.outcome,
  statusCode: r.status_code,
  targetType: r.target_type,
  targetId: r.target_id,
  requestId: r.request_id,
  sourceIp: r.source_ip,
  userAgent: r.user_agent,
  summary: r.summary,
});

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  // Quote everything; neutralise spreadsheet formulas (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return `"${safe.replace(/"/g, '""')}"`;
};

export async function auditRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/api/v1/audit-logs',
    {
      config: { access: 'audit.read' },
      schema: {
        operationId: 'listAuditLogs',
        tags,
        summary: 'Audit log, newest first; pass nextCursor as cursor for the next page',
        querystring: listQuery,
        response: { 200: z.object({ items: z.array(entry), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => {
      const { cursor, limit, ...q } = req.query;
      const rows = await listAudit(deps.db, toQuery(q, limit + 1, cursor));
      const page = rows.slice(0, limit);
      return { items: page.map(toEntry), nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
    },
  );

  app.get(
    '/api/v1/audit-logs/export',
    {
      config: { access: 'audit.read', audit: 'audit.export', rateLimit: 'export' },
      schema: {
        operationId: 'exportAuditLogs',
        tags,
        summary: 'The filtered audit log as CSV (UTF-8 with BOM for Excel); 5 exports per hour',
        querystring: exportQuery,
      },
    },
    async (req, reply) => {
      const { limit, ...q } = req.query;
      const rows = await listAudit(deps.db, toQuery(q, limit));
      req.ctx.audit = { target: { type: 'audit_log', id: 'export' }, note: { filters: q, rows: rows.length } };
      const cols = Object.keys(entry.shape) as (keyof z.infer<typeof entry>)[];
      const lines = [cols.join(','), ...rows.map((r) => cols.map((c) => csvCell(toEntry(r)[c])).join(','))];
      const stamp = deps.now().toISOString().replace(/[:.]/g, '-');
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit-logs-${stamp}.csv"`)
        .send(`\uFEFF${lines.join('\r\n')}\r\n`);
    },
  );
}
