import { z } from 'zod';

/** The audit log's filters (GET /api/v1/audit-logs and its CSV export; the web app's audit screen). */
export const auditFilters = z.strictObject({
  action: z.string().max(64).optional(),
  actorType: z.enum(['user', 'client', 'system', 'anonymous']).optional(),
  actorId: z.string().max(64).optional(),
  targetType: z.string().max(64).optional(),
  targetId: z.string().max(128).optional(),
  outcome: z.enum(['success', 'failure', 'denied']).optional(),
  requestId: z.string().max(128).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
export const listAuditQuery = auditFilters.extend({
  cursor: z
    .string()
    .regex(/^\d{1,19}$/, 'a cursor from a previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const auditExportQuery = auditFilters.extend({ limit: z.coerce.number().int().min(1).max(100_000).default(10_000) });

export const auditEntry = z.object({
  id: z.string(),
  occurredAt: z.string(),
  actorType: z.string(),
  actorId: z.string().nullable(),
  actorName: z.string().nullable(),
  action: z.string(),
  outcome: z.string(),
  statusCode: z.number().nullable(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  requestId: z.string().nullable(),
  sourceIp: z.string().nullable(),
  userAgent: z.string().nullable(),
  summary: z.unknown(),
});
export type AuditEntry = z.infer<typeof auditEntry>;
