-- GET /api/v1/dashboard/summary, caller with scope `all`: today's invoices by status (once per LIVE_CACHE_MS).
-- Code: apps/api/src/modules/dashboard/dashboard.repository.ts countInvoicesOfDay.
-- Index: invoices_date_number_idx (invoice_date DESC, invoice_number DESC) of today's partition only (the
-- others are pruned); one day of rows, each read from the heap for its status.
SELECT count(*) FILTER (WHERE i.status = 'issued')::int AS "issued",
       count(*) FILTER (WHERE i.status = 'cancelled')::int AS "cancelled",
       count(*) FILTER (WHERE i.status = 'voided')::int AS "voided"
  FROM "invoices" AS "i"
 WHERE "i"."invoice_date" = '2026-10-31'::date
   AND true;
