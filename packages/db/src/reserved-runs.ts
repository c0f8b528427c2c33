import { sql } from 'kysely';
import type { DbOrTx } from './client.ts';

/**
 * Per block, the runs of numbers reserved for offline use and never submitted: blank numbers below the
 * block's next_no (SQL function unissued_reserved_runs, migration 20261121070000). Used by both blank
 * computations — GET /api/v1/tracks/blanks and the worker's period.close — so they cannot differ.
 */
export async function unissuedReservedRuns(
  db: DbOrTx,
  trackIds: string[],
): Promise<Map<string, { begin: number; end: number }[]>> {
  const runs = new Map<string, { begin: number; end: number }[]>();
  if (trackIds.length === 0) return runs;
  const r = await sql<{ block_id: string; begin_no: number; end_no: number }>`
    SELECT block_id, begin_no, end_no FROM unissued_reserved_runs(${trackIds}::uuid[])`.execute(db);
  for (const x of r.rows) runs.set(x.block_id, [...(runs.get(x.block_id) ?? []), { begin: x.begin_no, end: x.end_no }]);
  return runs;
}
