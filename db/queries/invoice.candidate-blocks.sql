-- POST /api/v1/invoices, before the transaction: the site's active shared blocks for the invoice's period
-- and type, in issuing order (a device-bound caller runs the same with "b"."device_id" = '<device>').
-- Code: apps/api/src/modules/invoice/invoice.repository.ts candidateBlocks.
-- Index: track_blocks_site_idx (site_id) WHERE status = 'active'; tracks_pkey for the join.
SELECT "b"."id", "t"."track", "t"."year_month"
  FROM "track_blocks" AS "b"
 INNER JOIN "tracks" AS "t" ON "t"."id" = "b"."track_id"
 WHERE "b"."site_id" = 'b0000000-0000-4000-8000-000000000101'
   AND "b"."status" = 'active'
   AND "t"."year_month" = '11512'
   AND "t"."invoice_type" = '07'
   AND "b"."device_id" IS NULL
 ORDER BY "t"."track", "b"."begin_no";
