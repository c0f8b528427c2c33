/**
 * Queueing MIG messages for Turnkey (table turnkey_messages, migration 20261121090000): every change that
 * the platform must hear about writes its message row in its own transaction. Issuing writes its F0401
 * inside the issuing statement (invoice.repository.ts); the lifecycle writes the others here.
 */
import type { DbOrTx } from '@app/db';
import { type IdentifiedMessage, taipeiIsoDate, turnkeyIdentifier } from '@app/domain';
import { sql } from 'kysely';
import type { scopeWhere } from '../../lib/scope-filter.ts';

type ScopeFilter = ReturnType<typeof scopeWhere>;

/** Every F and G message names its invoice (period and number): their chain (see the migration). */
type Chain = { yearMonth: string; invoiceNumber: string };

export type QueuedMessage = Chain &
  (
    | { type: 'F0401'; sellerId: string; invoiceId: string; invoiceDate: string; invoiceNumber: string }
    | {
        type: 'F0501' | 'F0701';
        sellerId: string;
        invoiceId: string;
        invoiceDate: string;
        invoiceNumber: string;
        transitionId: string;
        at: Date;
      }
    | { type: 'G0401'; sellerId: string; allowanceId: string; allowanceNumber: string; allowanceDate: string }
    | { type: 'G0501' | 'G0701'; sellerId: string; allowanceId: string; allowanceNumber: string; at: Date }
  );

/** The identifier Turnkey will log for a queued message (the domain's one rule). */
const identifierOf = (m: QueuedMessage): string =>
  m.type === 'F0501' || m.type === 'F0701' || m.type === 'G0501' || m.type === 'G0701'
    ? turnkeyIdentifier({ ...m, taipeiDate: taipeiIsoDate(m.at) } as IdentifiedMessage)
    : turnkeyIdentifier(m as IdentifiedMessage);

export async function queueTurnkeyMessages(trx: DbOrTx, messages: QueuedMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await trx
    .insertInto('turnkey_messages')
    .values(
      messages.map((m) => ({
        message_type: m.type,
        seller_id: m.sellerId,
        invoice_id: 'invoiceId' in m ? m.invoiceId : null,
        invoice_date: 'invoiceDate' in m ? m.invoiceDate : null,
        transition_id: 'transitionId' in m ? m.transitionId : null,
        allowance_id: 'allowanceId' in m ? m.allowanceId : null,
        identifier: identifierOf(m),
        chain: `${m.yearMonth}:${m.invoiceNumber}`,
      })),
    )
    .execute();
}

export type MessageRow = {
  id: string;
  message_type: string;
  identifier: string;
  status: string;
  attempts: number;
  file_name: string | null;
  last_error: string | null;
  result_code: string | null;
  result_message: string | null;
  created_at: Date;
  delivered_at: Date | null;
  result_at: Date | null;
};

const COLUMNS = [
  'm.id',
  'm.message_type',
  'm.identifier',
  'm.status',
  'm.attempts',
  'm.file_name',
  'm.last_error',
  'm.result_code',
  'm.result_message',
  'm.created_at',
  'm.delivered_at',
  'm.result_at',
] as const;

const ATTENTION = ['rejected', 'invalid', 'dead'] as const;

/** Messages in the caller's scope, newest first (keyset on id). `attention` = rejected, invalid or dead. */
export async function findMessages(
  db: DbOrTx,
  scopeFilter: ScopeFilter,
  f: { status: string; messageType?: string; before?: string; limit: number },
): Promise<MessageRow[]> {
  let q = db.selectFrom('turnkey_messages as m').select(COLUMNS).where(scopeFilter);
  q = f.status === 'attention' ? q.where('m.status', 'in', ATTENTION) : q.where('m.status', '=', f.status);
  if (f.messageType) q = q.where('m.message_type', '=', f.messageType);
  if (f.before) q = q.where('m.id', '<', f.before);
  return q.orderBy('m.id', 'desc').limit(f.limit).execute();
}

/**
 * Make an invoice number's rejected, invalid or dead messages (all of them, or those of `ids`) due again:
 * status pending, no tries, errors cleared. Found through their chain (period + number).
 */
export async function requeueMessages(
  trx: DbOrTx,
  scopeFilter: ScopeFilter,
  number: string,
  ids?: string[],
): Promise<MessageRow[]> {
  let q = trx
    .updateTable('turnkey_messages as m')
    .set({
      status: 'pending',
      attempts: 0,
      next_attempt_at: sql`now()`,
      last_error: null,
      result_code: null,
      result_message: null,
      file_name: null,
      delivered_at: null,
      result_at: null,
      updated_at: sql`now()`,
    })
    // The number's chains (one per period it was issued in), through the registry's number index.
    .where(sql<boolean>`m.chain IN (SELECT n.year_month || ':' || n.invoice_number FROM invoice_numbers n
                                      WHERE n.invoice_number = ${number})`)
    .where('m.status', 'in', ATTENTION)
    .where(scopeFilter);
  if (ids) q = q.where('m.id', 'in', ids);
  return q.returning(COLUMNS).execute();
}

/** The MIG messages of one invoice number (its chain), oldest first. */
export async function messagesOfNumber(db: DbOrTx, yearMonth: string, number: string): Promise<MessageRow[]> {
  return db
    .selectFrom('turnkey_messages as m')
    .select(COLUMNS)
    .where('m.chain', '=', `${yearMonth}:${number}`)
    .orderBy('m.id')
    .execute();
}

/** The number's messages with what the renderer needs to build each one's XML, oldest first. */
export async function renderableMessagesOfNumber(db: DbOrTx, yearMonth: string, number: string) {
  return db
    .selectFrom('turnkey_messages as m')
    .select([
      sql<string>`m.id::text`.as('id'),
      'm.message_type',
      'm.status',
      'm.seller_id',
      'm.invoice_id',
      sql<string | null>`m.invoice_date::text`.as('invoice_date'),
      sql<string | null>`m.transition_id::text`.as('transition_id'),
      'm.allowance_id',
      'm.year_month',
      'm.identifier',
    ])
    .where('m.chain', '=', `${yearMonth}:${number}`)
    .orderBy('m.id')
    .execute();
}
