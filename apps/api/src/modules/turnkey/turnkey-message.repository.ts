/**
 * Queueing MIG messages for Turnkey (table turnkey_messages, migration 20261121090000): every change that
 * the platform must hear about writes its message row in its own transaction. Issuing writes its F0401
 * inside the issuing statement (invoice.repository.ts); the lifecycle writes the others here.
 */
import type { DbOrTx } from '@app/db';
import { taipeiIsoDate } from '@app/domain';

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

const ymd = (isoDate: string) => isoDate.replaceAll('-', '');

/**
 * What Turnkey's TURNKEY_MESSAGE_LOG.INVOICE_IDENTIFIER says for a message (einvoice-domain.md §5.4):
 * `<MSG><InvoiceNumber><InvoiceDate>` for F0401, `<MSG><number><CancelDate|VoidDate>` for F0501/F0701 (as
 * matched by [HO]); the G messages are assumed to follow the same pattern with the allowance number and
 * the allowance, cancel or void date — inferred, unverified against a real Turnkey.
 */
export function turnkeyIdentifier(m: QueuedMessage): string {
  switch (m.type) {
    case 'F0401':
      return `F0401${m.invoiceNumber}${ymd(m.invoiceDate)}`;
    case 'F0501':
    case 'F0701':
      return `${m.type}${m.invoiceNumber}${ymd(taipeiIsoDate(m.at))}`;
    case 'G0401':
      return `G0401${m.allowanceNumber}${ymd(m.allowanceDate)}`;
    case 'G0501':
    case 'G0701':
      return `${m.type}${m.allowanceNumber}${ymd(taipeiIsoDate(m.at))}`;
  }
}

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
        identifier: turnkeyIdentifier(m),
        chain: `${m.yearMonth}:${m.invoiceNumber}`,
      })),
    )
    .execute();
}
