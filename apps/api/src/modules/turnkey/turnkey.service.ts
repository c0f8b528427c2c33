import { DomainError } from '@app/domain';
import type { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import type { RequestContext, Tx } from '../../context.ts';
import { callerScope, scopeWhere } from '../../lib/scope-filter.ts';
import type { listTurnkeyMessagesQuery, resendBody, TurnkeyMessageView } from './turnkey.schemas.ts';
import { findMessages, type MessageRow, requeueMessages } from './turnkey-message.repository.ts';

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

export function createTurnkeyService(deps: Pick<ModuleDeps, 'db'>) {
  const scope = (ctx: RequestContext) => scopeWhere(callerScope(ctx), { sellerOfSites: 'm.seller_id', seller: 'm.seller_id' });
  return {
    async list(ctx: RequestContext, q: z.infer<typeof listTurnkeyMessagesQuery>) {
      const rows = await findMessages(deps.db, scope(ctx), { ...q, limit: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      return { items: page.map(turnkeyMessageViewOf), nextCursor: rows.length > q.limit ? String(page.at(-1)?.id) : null };
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
