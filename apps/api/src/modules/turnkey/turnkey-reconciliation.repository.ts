/**
 * The daily reconciliations (table turnkey_reconciliations, migration 20261121120000), written by the
 * worker's turnkey.reconcile job; read here for staff.
 */
import type { DbOrTx } from '@app/db';
import { sql } from 'kysely';

export type ReconciliationRow = {
  day: string;
  message_type: string;
  summary_received: boolean;
  our_handed_off: number;
  our_accepted: number;
  our_rejected: number;
  our_waiting: number;
  our_rejected_before_upload: number;
  their_total: number | null;
  their_good: number | null;
  their_failed: number | null;
  differences: unknown;
  difference_count: number;
  reconciled_at: Date;
};

/** Rows of the days `from`…`to` (inclusive), newest day first, then by message type. */
export async function findReconciliations(
  db: DbOrTx,
  f: { from: string; to: string; differing: boolean },
): Promise<ReconciliationRow[]> {
  let q = db
    .selectFrom('turnkey_reconciliations')
    .select([
      sql<string>`day::text`.as('day'),
      'message_type',
      'summary_received',
      'our_handed_off',
      'our_accepted',
      'our_rejected',
      'our_waiting',
      'our_rejected_before_upload',
      'their_total',
      'their_good',
      'their_failed',
      'differences',
      'difference_count',
      'reconciled_at',
    ])
    .where(sql<boolean>`day BETWEEN ${f.from}::date AND ${f.to}::date`);
  if (f.differing) q = q.where('difference_count', '>', 0);
  return q.orderBy('day', 'desc').orderBy('message_type').execute();
}
