-- POST /api/v1/invoices, first try: take the next number (server time) of the first candidate block nobody holds,
-- so a site's blocks issue in parallel while each hands out its numbers in order (here two fixture blocks).
-- Code: apps/api/src/modules/invoice/invoice.repository.ts numberCte (online source), the CTE `n` of
-- issueInOneStatement, shown here alone; the rest of that statement inserts the registry row, invoice, items,
-- outbox event, audit entry and idempotency key from n's RETURNING. No number once the period has ended
-- (periodEnd = the end of 11512).
-- Index: track_blocks_pkey (id = ANY(…)) for the locking subquery and the UPDATE; tracks by its key (a small
-- table is read whole). The BEFORE UPDATE OF next_no trigger track_blocks_period_open runs on the taken row.
WITH t AS MATERIALIZED (SELECT coalesce(NULL::timestamptz, clock_timestamp()) AS at)
UPDATE track_blocks b
   SET next_no = b.next_no + 1,
       last_issued_at = greatest(b.last_issued_at, t.at),
       updated_at = now()
  FROM t, tracks tr
 WHERE b.id = (
         SELECT c.id FROM track_blocks c
          WHERE c.id = ANY('{c0000000-0000-4000-8000-115120101000,c0000000-0000-4000-8000-115120101100}'::uuid[])
            AND c.status = 'active'
            AND c.next_no <= c.end_no
            AND (NULL::timestamptz IS NULL OR c.last_issued_at IS NULL OR c.last_issued_at <= NULL::timestamptz)
          ORDER BY array_position('{c0000000-0000-4000-8000-115120101000,c0000000-0000-4000-8000-115120101100}'::uuid[], c.id)
          LIMIT 1 FOR UPDATE SKIP LOCKED)
   AND tr.id = b.track_id
   AND greatest(b.last_issued_at, t.at) < '2026-12-31T16:00:00Z'::timestamptz
RETURNING b.id AS block_id, b.next_no - 1 AS number, b.end_no, b.last_issued_at AS issued_at,
          tr.track || lpad((b.next_no - 1)::text, 8, '0') AS invoice_number,
          (b.last_issued_at AT TIME ZONE 'Asia/Taipei')::date AS invoice_date;
