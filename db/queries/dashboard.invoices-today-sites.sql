-- GET /api/v1/dashboard/summary by a caller scoped to two sites (a station manager): its sites' invoices of today.
-- Code: apps/api/src/modules/dashboard/dashboard.repository.ts countInvoicesOfDay; apps/api/src/lib/scope-filter.ts.
-- Index: invoices_site_date_idx (site_id, invoice_date DESC, invoice_number DESC) of today's partition only.
SELECT count(*) FILTER (WHERE i.status = 'issued')::int AS "issued",
       count(*) FILTER (WHERE i.status = 'cancelled')::int AS "cancelled",
       count(*) FILTER (WHERE i.status = 'voided')::int AS "voided"
  FROM "invoices" AS "i"
 WHERE "i"."invoice_date" = '2026-10-31'::date
   AND "i"."site_id" IN ('b0000000-0000-4000-8000-000000000101', 'b0000000-0000-4000-8000-000000000102');
