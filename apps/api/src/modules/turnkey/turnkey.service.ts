import { DomainError, type ReconciliationDifference, scopeAllows, shiftDay, taipeiIsoDate } from '@app/domain';
import type {
  listReconciliationsQuery,
  listTurnkeyMessagesQuery,
  ReconciliationView,
  resendBody,
  TurnkeyMessageView,
} from '@app/schemas/turnkey';
import type { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import type { RequestContext, Tx } from '../../context.ts';
import { callerScope, scopeWhere } from '../../lib/scope-filter.ts';
import { findMessages, type MessageRow, requeueMessages } from './turnkey-message.repository.ts';
import { findReconciliations } from './turnkey-reconciliation.repository.ts';

/** The longest span of days one request may list. */
const MAX_RECONCILIATION_DAYS = 366;

export const turnkeyMessageViewOf = (m: MessageRow): TurnkeyMessageView => ({
  id: String(m.id),
  messageType: m.message_type,
  identifier: m.identifier,
  status: m.status as TurnkeyMessageView['status'],
  attempts: m.attempts,
  fileName: m.file_name,
  lastError: m.last_error,
  resultCode: m.result_code,
  resultMessage: m.result_message,
  createdAt: m.created_at.toISOString(),
  deliveredAt: m.delivered_at?.toISOString() ?? null,
  resultAt: m.result_at?.toISOString() ?? null,
});

export function createTurnkeyService(deps: Pick<ModuleDeps, 'db' | 'now'>) {
  const scope = (ctx: RequestContext) => scopeWhere(callerScope(ctx), { sellerOfSites: 'm.seller_id', seller: 'm.seller_id' });
  return {
    async list(ctx: RequestContext, q: z.infer<typeof listTurnkeyMessagesQuery>) {
      const rows = await findMessages(deps.db, scope(ctx), { ...q, limit: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      return { items: page.map(turnkeyMessageViewOf), nextCursor: rows.length > q.limit ? String(page.at(-1)?.id) : null };
    },

    /**
     * The daily reconciliations with the platform's SummaryResult (docs/turnkey.md §7), newest day first.
     * A row covers every seller: a caller whose data scope is not `all` sees only its sellers' differences,
     * and no counts.
     */
    async listReconciliations(ctx: RequestContext, q: z.infer<typeof listReconciliationsQuery>) {
      const scope = callerScope(ctx);
      const to = q.to ?? taipeiIsoDate(deps.now());
      const from = q.from ?? shiftDay(to, -29);
      if (from > to)
        throw new DomainError('VALIDATION_ERROR', 'from must not be after to', [
          { field: 'querystring.from', message: 'after to' },
        ]);
      if (shiftDay(from, MAX_RECONCILIATION_DAYS - 1) < to) {
        throw new DomainError('VALIDATION_ERROR', `At most ${MAX_RECONCILIATION_DAYS} days at a time.`, [
          { field: 'querystring.from', message: `more than ${MAX_RECONCILIATION_DAYS} days before to` },
        ]);
      }
      const rows = await findReconciliations(deps.db, { from, to, differing: q.differing === 'true' });
      const items = rows.flatMap((r): ReconciliationView[] => {
        const differences = (r.differences as ReconciliationDifference[]).filter(
          (d) => scope.all || (d.sellerId !== null && scopeAllows(scope, { seller: d.sellerId })),
        );
        // A scoped caller asking for differing rows gets only those differing for its sellers.
        if (q.differing === 'true' && differences.length === 0) return [];
        return [
          {
            day: r.day,
            messageType: r.message_type,
            summaryReceived: r.summary_received,
            ours: scope.all
              ? {
                  handedOff: r.our_handed_off,
                  accepted: r.our_accepted,
                  rejected: r.our_rejected,
                  waiting: r.our_waiting,
                  rejectedBeforeUpload: r.our_rejected_before_upload,
                }
              : null,
            theirs:
              scope.all && r.their_total !== null
                ? { total: r.their_total, good: r.their_good ?? 0, failed: r.their_failed ?? 0 }
                : null,
            differing: differences.length > 0,
            differences,
            reconciledAt: r.reconciled_at.toISOString(),
          },
        ];
      });
      return { from, to, items };
    },

    /** Due again at once, tries and errors cleared; the hand-off builds them anew from the current data. */
    async resend(trx: Tx, ctx: RequestContext, number: string, body: z.infer<typeof resendBody>) {
      ctx.audit = { ...ctx.audit, target: { type: 'invoice', id: number } };
      const again = await requeueMessages(trx, scope(ctx), number, body.messageIds);
      if (again.length === 0) {
        throw new DomainError(
          'NOTHING_TO_RESEND',
          `Invoice ${number} has no rejected, invalid or dead message in your scope${body.messageIds ? ' among those named' : ''}.`,
        );
      }
      ctx.audit = { ...ctx.audit, after: { resent: again.map((m) => `${m.message_type} ${m.identifier}`) } };
      return { items: again.map(turnkeyMessageViewOf) };
    },
  };
}
