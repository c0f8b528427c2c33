-- POST /api/v1/invoices from a device-bound POS client: the device's active blocks for the period and type.
-- Code: apps/api/src/modules/invoice/invoice.repository.ts candidateBlocks (deviceId given).
-- Index: track_blocks_device_idx (device_id) WHERE status = 'active' (or track_blocks_site_idx); tracks_pkey.
SELECT "b"."id", "t"."track", "t"."year_month"
  FROM "track_blocks" AS "b"
 INNER JOIN "tracks" AS "t" ON "t"."id" = "b"."track_id"
 WHERE "b"."site_id" = 'b0000000-0000-4000-8000-000000000101'
   AND "b"."status" = 'active'
   AND "t"."year_month" = '11512'
   AND "t"."invoice_type" = '07'
   AND "b"."device_id" = 'd0000000-0000-4000-8000-000000010101'
 ORDER BY "t"."track", "b"."begin_no";
