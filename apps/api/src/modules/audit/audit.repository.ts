import type { DbOrTx } from '@app/db';
import { type AuditAction, redactSecrets } from '@app/domain';
import { sql } from 'kysely';
import type { AuditDraft, RequestContext } from '../../context.ts';

export type AuditOutcome = 'success' | 'failure' | 'denied';

export type AuditEntry = {
  tenantId: string;
  action: AuditAction;
  outcome: AuditOutcome;
  statusCode: number | null;
  ctx: RequestContext;
  draft: AuditDraft;
};

/** The sys_audit_logs row of an entry (JSON-able). Secrets in before/after are redacted here, whatever the caller passed. */
export function auditRow(e: AuditEntry) {
  const p = e.draft.actor ? { kind: e.draft.actor.type, id: e.draft.actor.id, name: e.draft.actor.name } : e.ctx.principal;
  const summary: Record<string, unknown> = {};
  if (e.draft.before !== undefined) summary.before = redactSecrets(e.draft.before);
  if (e.draft.after !== undefined) summary.after = redactSecrets(e.draft.after);
  if (e.draft.note !== undefined) summary.note = redactSecrets(e.draft.note);
  return {
    tenant_id: e.tenantId,
    actor_type: p ? p.kind : 'anonymous',
    actor_id: p ? p.id : null,
    actor_name: p ? p.name : null,
    action: e.draft.action ?? e.action,
    outcome: e.outcome,
    status_code: e.statusCode,
    target_type: e.draft.target?.type ?? null,
    target_id: e.draft.target?.id ?? null,
    request_id: e.ctx.requestId,
    source_ip: e.ctx.ip || null,
    user_agent: e.ctx.userAgent?.slice(0, 512) ?? null,
    summary,
  };
}

/** One row in sys_audit_logs. */
export async function insertAudit(db: DbOrTx, e: AuditEntry): Promise<void> {
  const row = auditRow(e);
  await db
    .insertInto('sys_audit_logs')
    .values({ ...row, source_ip: row.source_ip ? sql`${row.source_ip}::inet` : null, summary: JSON.stringify(row.summary) })
    .execute();
}

export const outcomeOf = (status: number): AuditOutcome =>
  status < 400 ? 'success' : status === 401 || status === 403 || status === 429 ? 'denied' : 'failure';

export type AuditQuery = {
  action?: string;
  actorType?: string;
  actorId?: string;
  targetType?: string;
  targetId?: string;
  outcome?: string;
  requestId?: string;
  from?: Date;
  to?: Date;
  /** Keyset cursor: entries with id below this. */
  before?: string;
  limit: number;
};

export async function listAudit(db: DbOrTx, q: AuditQuery) {
  let query = db
    .selectFrom('sys_audit_logs')
    .select([
      'id',
      'occurred_at',
      'actor_type',
      'actor_id',
      'actor_name',
      'action',
      'outcome',
      'status_code',
      'target_type',
      'target_id',
      'request_id',
      sql<string | null>`host(source_ip)`.as('source_ip'),
      'user_agent',
      'summary',
    ])
    .orderBy('id', 'desc')
    .limit(q.limit);
  if (q.action) query = query.where('action', '=', q.action);
  if (q.actorType) query = query.where('actor_type', '=', q.actorType);
  if (q.actorId) query = query.where('actor_id', '=', q.actorId);
  if (q.targetType) query = query.where('target_type', '=', q.targetType);
  if (q.targetId) query = query.where('target_id', '=', q.targetId);
  if (q.outcome) query = query.where('outcome', '=', q.outcome);
  if (q.requestId) query = query.where('request_id', '=', q.requestId);
  if (q.from) query = query.where('occurred_at', '>=', q.from);
  if (q.to) query = query.where('occurred_at', '<', q.to);
  if (q.before) query = query.where('id', '<', q.before);
  return query.execute();
}
