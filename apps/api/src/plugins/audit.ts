/**
 * Audit: every write and every export leaves one row in sys_audit_logs (actor, action, target, time,
 * source IP, request id, before/after summary). Writes that go through `req.transact` record it in
 * their own transaction; anything else (failures, refusals, exports) is recorded just before the
 * response is sent, so a caller never sees an answer whose audit entry is still missing.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps, Tx } from '../context.ts';
import { insertAudit, outcomeOf } from '../modules/audit/audit.repository.ts';

export function installAudit(
  app: FastifyInstance,
  deps: AppDeps,
  completeIdempotent: (trx: Tx, req: FastifyRequest, status: number, body: unknown) => Promise<void>,
): void {
  app.decorateRequest('auditRecorded', false);

  app.decorateReply('transact', async function transact<T>(this: FastifyReply, status: number, fn: (trx: Tx) => Promise<T>) {
    const req = this.request;
    this.code(status);
    const action = req.routeOptions.config?.audit;
    const result = await deps.db.transaction().execute(async (trx) => {
      const r = await fn(trx);
      if (action) {
        await insertAudit(trx, {
          tenantId: deps.tenant.id,
          action,
          outcome: 'success',
          statusCode: status,
          ctx: req.ctx,
          draft: req.ctx.audit,
        });
      }
      await completeIdempotent(trx, req, status, r);
      return r;
    });
    if (action) req.auditRecorded = true;
    return result;
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const action = req.routeOptions.config?.audit;
    if (!action || req.auditRecorded || req.idem?.replayed || !req.ctx) return payload;
    req.auditRecorded = true;
    try {
      await insertAudit(deps.db, {
        tenantId: deps.tenant.id,
        action,
        outcome: outcomeOf(reply.statusCode),
        statusCode: reply.statusCode,
        ctx: req.ctx,
        draft: req.ctx.audit,
      });
    } catch (err) {
      req.log.error({ err, action }, 'could not write the audit entry');
    }
    return payload;
  });
}
