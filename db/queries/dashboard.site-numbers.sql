-- GET /api/v1/dashboard/summary by a caller scoped to two sites: numbers left in their active blocks of the
-- current period, per invoice type (what the TrackLow check watches).
-- Code: apps/api/src/modules/dashboard/dashboard.repository.ts siteNumbers.
-- Index: none needed — tracks (one row per range and period) and track_blocks (one per site or device and
-- period) are small; track_blocks_site_idx (site_id) WHERE status = 'active' when they grow.
SELECT "b"."site_id", "st"."code", "st"."name", "t"."seller_id", "s"."ban" AS "seller_ban", "t"."invoice_type",
       coalesce(sum(b.end_no - b.next_no + 1) FILTER (WHERE b.status = 'active'), 0)::int AS "remaining"
  FROM "track_blocks" AS "b"
 INNER JOIN "tracks" AS "t" ON "t"."id" = "b"."track_id"
 INNER JOIN "sites" AS "st" ON "st"."id" = "b"."site_id"
 INNER JOIN "sellers" AS "s" ON "s"."id" = "t"."seller_id"
 WHERE "s"."tenant_id" = 'a0000000-0000-4000-8000-000000000000'
   AND "t"."year_month" = '11512'
   AND "b"."site_id" IN ('b0000000-0000-4000-8000-000000000101', 'b0000000-0000-4000-8000-000000000102')
 GROUP BY "b"."site_id", "st"."code", "st"."name", "t"."seller_id", "s"."ban", "t"."invoice_type"
 ORDER BY "s"."ban", "st"."code", "t"."invoice_type";
