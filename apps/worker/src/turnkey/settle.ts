/**
 * Recording Turnkey's verdicts (from its database or from ProcessResult files): each delivered message
 * becomes `accepted` or `rejected` (with the platform's code and text), and — in the same statement — one
 * InvoiceProcessed event per message through the outbox, so a verdict and its announcement commit together.
 * Only messages still `delivered` change: a verdict already recorded (by the other source) is never overturned
 * and never announced twice.
 */
import type { Database, Tx } from '@app/db';
import { EVENTS } from '@app/jobs';
import { sql } from 'kysely';

export type Verdict = { id: string; outcome: 'accepted' } | { id: string; outcome: 'rejected'; code: string; text: string };

/** Records `verdicts`; returns how many messages changed. */
export async function settleMessages(db: Database | Tx, verdicts: readonly Verdict[]): Promise<number> {
  if (verdicts.length === 0) return 0;
  const code = (v: Verdict) => (v.outcome === 'rejected' ? v.code : null);
  const text = (v: Verdict) => (v.outcome === 'rejected' ? v.text.slice(0, 2000) : null);
  const r = await sql<{ n: number }>`
    WITH v AS (
      SELECT * FROM unnest(${verdicts.map((v) => v.id)}::bigint[], ${verdicts.map((v) => v.outcome)}::text[],
                           ${verdicts.map(code)}::text[], ${verdicts.map(text)}::text[]) AS v(id, outcome, code, text)
    ),
    settled AS (
      UPDATE turnkey_messages m
         SET status = v.outcome, result_code = v.code, result_message = v.text, result_at = now(), updated_at = now()
        FROM v
       WHERE m.id = v.id AND m.status = 'delivered'
      RETURNING m.id, m.message_type, m.identifier, m.seller_id, m.invoice_id, m.invoice_date, m.allowance_id,
                m.year_month, m.status, m.result_code, m.result_message, m.delivered_at, m.result_at
    ),
    events AS (
      INSERT INTO sys_outbox (event_type, event_version, aggregate_type, aggregate_id, payload)
      SELECT 'InvoiceProcessed', ${EVENTS.InvoiceProcessed.version}, 'turnkey_message', s.id::text,
             jsonb_build_object(
               'messageId', s.id::text, 'messageType', s.message_type, 'identifier', s.identifier,
               'sellerId', s.seller_id, 'siteId', coalesce(i.site_id, a.site_id),
               'invoiceNumber', coalesce(i.invoice_number, a.invoice_number), 'allowanceNumber', a.allowance_number,
               'yearMonth', coalesce(i.year_month, a.year_month, s.year_month),
               'outcome', s.status, 'code', s.result_code, 'message', s.result_message,
               'deliveredAt', to_jsonb(s.delivered_at) #>> '{}', 'processedAt', to_jsonb(s.result_at) #>> '{}')
        FROM settled s
        LEFT JOIN invoices i ON i.id = s.invoice_id AND i.invoice_date = s.invoice_date
        LEFT JOIN allowances a ON a.id = s.allowance_id
      RETURNING 1
    )
    SELECT count(*)::int AS n FROM events`.execute(db);
  return r.rows[0]?.n ?? 0;
}
