/**
 * Two-step approval (seed "手動轉檔 UI + 二階段審核"; docs/approvals.md). The routes of the actions that need it
 * (resend of rejected messages, void, allowances above APPROVAL_ALLOWANCE_THRESHOLD; APPROVAL_REQUIRED_FOR)
 * call `request` instead of acting: the request is stored and answered with 202. A different user holding
 * `approve`, whose data scope covers the invoice, then approves — the action runs in that transaction, as
 * the requester (their permission and scope as they are now), through the very service the direct route
 * uses — or rejects. An action that refuses when run (already voided, nothing left to allow) leaves the
 * request `failed` with the reason; nothing of it is written. Each step has its own audit entry, and the
 * action run on approval has one more, in the requester's name, noting the approval.
 */
import type { Tx } from '@app/db';
import { type AuditAction, DomainError, type Permission } from '@app/domain';
import { appendOutbox } from '@app/jobs';
import type { ApprovalAction, ApprovalView } from '@app/schemas/approval';
import { sql } from 'kysely';
import type { ModuleDeps } from '../../app.ts';
import type { Principal, RequestContext } from '../../context.ts';
import { callerScope, scopeWhere } from '../../lib/scope-filter.ts';
import { insertAudit } from '../audit/audit.repository.ts';
import { loadClientPrincipal, loadUserPrincipalForWork } from '../auth/auth.repository.ts';
import {
  type ApprovalRow,
  decideApproval,
  type Filter,
  findApprovals,
  insertApproval,
  invoiceForApproval,
  lockApproval,
} from './approval.repository.ts';

/** What each action needs of the requester when it runs, and its audit action. */
const ACTION_PERMISSION: Record<ApprovalAction, Permission> = {
  'turnkey.resend': 'turnkey.manage',
  'invoice.void': 'invoice.void',
  'allowance.issue': 'allowance.issue',
};

/** Runs an approved action as the requester; the direct route's own service call. */
export type ActionRunner = (trx: Tx, ctx: RequestContext, invoiceNumber: string, payload: unknown) => Promise<unknown>;

type Deps = Pick<ModuleDeps, 'db' | 'config' | 'tenant' | 'now'> & { runners: Record<ApprovalAction, ActionRunner> };

const isUniqueViolation = (e: unknown) => (e as { code?: string }).code === '23505';

export function viewOf(r: ApprovalRow): ApprovalView {
  return {
    id: r.id,
    action: r.action as ApprovalAction,
    status: r.status as ApprovalView['status'],
    invoiceNumber: r.invoice_number,
    sellerId: r.seller_id,
    amount: r.amount === null ? null : Number(r.amount),
    payload: r.payload,
    requestedBy: {
      id: r.requested_by_id,
      username: r.requested_by_name,
      displayName: r.requester_display_name ?? r.requested_by_name,
    },
    requestedAt: r.requested_at.toISOString(),
    decidedBy:
      r.decided_by_id && r.decided_by_name
        ? { id: r.decided_by_id, username: r.decided_by_name, displayName: r.decider_display_name ?? r.decided_by_name }
        : null,
    decidedAt: r.decided_at?.toISOString() ?? null,
    decisionNote: r.decision_note,
    result: r.result ?? null,
    error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
  };
}

export function createApprovalService(deps: Deps) {
  const { db, config } = deps;
  const principalOf = (ctx: RequestContext): Principal => {
    if (!ctx.principal) throw new DomainError('UNAUTHENTICATED', 'Not signed in.');
    return ctx.principal;
  };
  /** Approvers see the requests in their data scope; everyone sees their own. */
  const visible = (ctx: RequestContext): Filter => {
    const p = principalOf(ctx);
    const own: Filter = (eb) => eb('a.requested_by_id', '=', p.id);
    if (!p.permissions.has('approve')) return own;
    const inScope = scopeWhere(callerScope(ctx), { seller: 'a.seller_id', site: 'a.site_id' }) as Filter;
    return (eb) => eb.or([own(eb), inScope(eb)]);
  };

  return {
    /** Whether this action, with this allowance total, waits for approval (APPROVAL_REQUIRED_FOR, the threshold). */
    required(action: ApprovalAction, amount?: number): boolean {
      if (!config.APPROVAL_REQUIRED_FOR.includes(action)) return false;
      if (action === 'allowance.issue') return (amount ?? 0) > config.APPROVAL_ALLOWANCE_THRESHOLD;
      return true;
    },

    /**
     * Store the request (the invoice must be in the caller's scope and in a state the action could apply to),
     * answered as `{ approvalRequired: true, approval }` with 202.
     */
    async request(
      trx: Tx,
      ctx: RequestContext,
      r: { action: ApprovalAction; invoiceNumber: string; payload: unknown; amount?: number },
    ): Promise<{ approvalRequired: true; approval: ApprovalView }> {
      const p = principalOf(ctx);
      const inv = await invoiceForApproval(trx, callerScope(ctx), r.invoiceNumber);
      if (!inv) throw new DomainError('NOT_FOUND', `No invoice ${r.invoiceNumber} in your scope.`);
      if (r.action !== 'turnkey.resend' && inv.status !== 'issued') {
        throw new DomainError(
          'CONFLICT',
          `Invoice ${r.invoiceNumber} is ${inv.status}; it cannot be ${r.action === 'invoice.void' ? 'voided' : 'allowed'}.`,
        );
      }
      let row: ApprovalRow;
      try {
        await sql`SAVEPOINT approval_insert`.execute(trx);
        row = await insertApproval(trx, {
          action: r.action,
          invoice_number: r.invoiceNumber,
          year_month: inv.year_month,
          seller_id: inv.seller_id,
          site_id: inv.site_id,
          amount: r.amount ?? null,
          payload: JSON.stringify(r.payload ?? {}),
          requested_by_type: p.kind,
          requested_by_id: p.id,
          requested_by_name: p.name,
          request_id: ctx.requestId,
        });
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
        await sql`ROLLBACK TO SAVEPOINT approval_insert`.execute(trx);
        const [pending] = await findApprovals(trx, (eb) => eb.val(true), {
          status: 'pending',
          action: r.action,
          invoiceNumber: r.invoiceNumber,
          limit: 1,
        });
        throw new DomainError(
          'APPROVAL_PENDING',
          `A ${r.action} of invoice ${r.invoiceNumber} already waits for approval (request ${pending?.id ?? '?'}).`,
          pending ? [{ field: 'approvalId', message: pending.id }] : undefined,
        );
      }
      await appendOutbox(
        trx,
        'ApprovalRequested',
        {
          approvalId: row.id,
          action: r.action,
          invoiceNumber: r.invoiceNumber,
          yearMonth: row.year_month,
          sellerId: row.seller_id,
          siteId: row.site_id,
          amount: r.amount ?? null,
          requestedBy: { type: p.kind, id: p.id, name: p.name },
          requestedAt: row.requested_at.toISOString(),
        },
        { aggregateType: 'approval', aggregateId: row.id, requestId: ctx.requestId },
      );
      ctx.audit = {
        ...ctx.audit,
        action: 'approval.request',
        target: { type: 'approval', id: row.id },
        after: { action: r.action, invoiceNumber: r.invoiceNumber, amount: r.amount ?? null },
      };
      return { approvalRequired: true, approval: viewOf(row) };
    },

    async list(
      ctx: RequestContext,
      q: { status: string; action?: string; invoiceNumber?: string; mine?: 'true' | 'false'; cursor?: string; limit: number },
    ) {
      const p = principalOf(ctx);
      const mine = q.mine === 'true' || !p.permissions.has('approve');
      const rows = await findApprovals(db, visible(ctx), {
        status: q.status === 'all' ? undefined : q.status,
        action: q.action,
        invoiceNumber: q.invoiceNumber,
        requestedBy: mine ? p.id : undefined,
        before: q.cursor,
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      return { items: page.map(viewOf), nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null };
    },

    async get(ctx: RequestContext, id: string) {
      const [row] = await findApprovals(db, visible(ctx), { id, limit: 1 });
      if (!row) throw new DomainError('NOT_FOUND', `No approval request ${id} in your scope.`);
      return viewOf(row);
    },

    /** Run the action as the requester and record the outcome; `failed` (nothing written) when it refuses. */
    async approve(trx: Tx, ctx: RequestContext, id: string, note: string | undefined): Promise<ApprovalView> {
      const approver = principalOf(ctx);
      const row = await pendingForDecision(trx, ctx, id);
      const action = row.action as ApprovalAction;
      const requester =
        row.requested_by_type === 'user'
          ? await loadUserPrincipalForWork(trx, row.requested_by_id, `approval:${row.id}`)
          : await loadClientPrincipal(trx, row.requested_by_id);
      const runCtx: RequestContext = {
        requestId: ctx.requestId,
        ip: ctx.ip,
        userAgent: ctx.userAgent,
        principal: requester,
        audit: {},
      };

      let outcome:
        | { status: 'approved'; result: unknown }
        | { status: 'failed'; code: string; message: string; httpStatus: number };
      if (!requester) {
        outcome = {
          status: 'failed',
          code: 'FORBIDDEN',
          message: `${row.requested_by_name} is no longer active.`,
          httpStatus: 403,
        };
      } else if (!requester.permissions.has(ACTION_PERMISSION[action])) {
        outcome = {
          status: 'failed',
          code: 'FORBIDDEN',
          message: `${row.requested_by_name} no longer holds ${ACTION_PERMISSION[action]}.`,
          httpStatus: 403,
        };
      } else {
        await sql`SAVEPOINT approval_action`.execute(trx);
        try {
          const result = await deps.runners[action](trx, runCtx, row.invoice_number, row.payload);
          outcome = { status: 'approved', result };
        } catch (e) {
          if (!(e instanceof DomainError)) throw e;
          await sql`ROLLBACK TO SAVEPOINT approval_action`.execute(trx);
          outcome = { status: 'failed', code: e.code, message: e.message, httpStatus: e.statusCode };
        }
      }
      const decided = await decideApproval(trx, row.id, {
        status: outcome.status,
        decided_by_id: approver.id,
        decided_by_name: approver.name,
        decision_note: note?.trim() || null,
        result: outcome.status === 'approved' ? JSON.stringify(outcome.result ?? null) : null,
        error_code: outcome.status === 'failed' ? outcome.code : null,
        error_message: outcome.status === 'failed' ? outcome.message : null,
      });
      // The action's own entry, in the requester's name, as the direct call would have written it.
      await insertAudit(trx, {
        tenantId: deps.tenant.id,
        action: action as AuditAction,
        outcome: outcome.status === 'approved' ? 'success' : 'failure',
        statusCode: outcome.status === 'approved' ? 200 : outcome.httpStatus,
        ctx: runCtx,
        draft: {
          ...runCtx.audit,
          ...(requester
            ? {}
            : {
                actor: { type: row.requested_by_type as 'user' | 'client', id: row.requested_by_id, name: row.requested_by_name },
              }),
          target: runCtx.audit.target ?? { type: 'invoice', id: row.invoice_number },
          note: {
            approvalId: row.id,
            approvedBy: approver.name,
            ...(outcome.status === 'failed' ? { error: outcome.code } : {}),
          },
        },
      });
      await announceDecision(trx, ctx, decided);
      ctx.audit = {
        ...ctx.audit,
        target: { type: 'approval', id: row.id },
        after: {
          status: outcome.status,
          action,
          invoiceNumber: row.invoice_number,
          requestedBy: row.requested_by_name,
          ...(outcome.status === 'failed' ? { error: outcome.code } : {}),
        },
      };
      return viewOf(decided);
    },

    async reject(trx: Tx, ctx: RequestContext, id: string, reason: string): Promise<ApprovalView> {
      const approver = principalOf(ctx);
      const row = await pendingForDecision(trx, ctx, id);
      const decided = await decideApproval(trx, row.id, {
        status: 'rejected',
        decided_by_id: approver.id,
        decided_by_name: approver.name,
        decision_note: reason,
        result: null,
        error_code: null,
        error_message: null,
      });
      await announceDecision(trx, ctx, decided);
      ctx.audit = {
        ...ctx.audit,
        target: { type: 'approval', id: row.id },
        after: { status: 'rejected', action: row.action, invoiceNumber: row.invoice_number, reason },
      };
      return viewOf(decided);
    },

    async withdraw(trx: Tx, ctx: RequestContext, id: string): Promise<ApprovalView> {
      const p = principalOf(ctx);
      const row = await lockApproval(trx, id);
      if (!row || row.requested_by_id !== p.id) throw new DomainError('NOT_FOUND', `No approval request ${id} of yours.`);
      if (row.status !== 'pending') throw new DomainError('APPROVAL_DECIDED', `Request ${id} is already ${row.status}.`);
      const decided = await decideApproval(trx, row.id, {
        status: 'withdrawn',
        decided_by_id: p.kind === 'user' ? p.id : null,
        decided_by_name: p.name,
        decision_note: null,
        result: null,
        error_code: null,
        error_message: null,
      });
      await announceDecision(trx, ctx, decided);
      ctx.audit = { ...ctx.audit, target: { type: 'approval', id: row.id }, after: { status: 'withdrawn' } };
      return viewOf(decided);
    },
  };

  /** ApprovalDecided, in the decision's transaction. */
  async function announceDecision(trx: Tx, ctx: RequestContext, r: ApprovalRow) {
    await appendOutbox(
      trx,
      'ApprovalDecided',
      {
        approvalId: r.id,
        action: r.action as ApprovalAction,
        invoiceNumber: r.invoice_number,
        sellerId: r.seller_id,
        siteId: r.site_id,
        status: r.status as 'approved' | 'failed' | 'rejected' | 'withdrawn',
        decidedBy: r.decided_by_name ?? '',
        decidedAt: (r.decided_at ?? deps.now()).toISOString(),
        errorCode: r.error_code,
      },
      { aggregateType: 'approval', aggregateId: r.id, requestId: ctx.requestId },
    );
  }

  /** The request, locked, when the caller may decide it: in their scope, still pending, not their own. */
  async function pendingForDecision(trx: Tx, ctx: RequestContext, id: string): Promise<ApprovalRow> {
    const p = principalOf(ctx);
    // The second step is a person's: a machine client holding `approve` (a custom role) may not decide.
    if (p.kind !== 'user') throw new DomainError('FORBIDDEN', 'Approval requests are decided by a signed-in user.');
    const row = await lockApproval(trx, id, scopeWhere(callerScope(ctx), { seller: 'a.seller_id', site: 'a.site_id' }));
    if (!row) throw new DomainError('NOT_FOUND', `No approval request ${id} in your scope.`);
    if (row.requested_by_id === p.id) {
      throw new DomainError('APPROVAL_SELF', 'You made this request; a different user holding approve must decide it.');
    }
    if (row.status !== 'pending') throw new DomainError('APPROVAL_DECIDED', `Request ${id} is already ${row.status}.`);
    return row;
  }
}

export type ApprovalService = ReturnType<typeof createApprovalService>;
