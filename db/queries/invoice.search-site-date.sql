-- GET /api/v1/invoices?siteId=…&from=2026-09-01&to=2026-10-31 by a caller scoped to two sites (a station
-- manager or a POS client): the scope filter `site_id IN (…)` comes first, then the site filter.
-- Code: apps/api/src/modules/invoice/invoice.repository.ts searchInvoices; apps/api/src/lib/scope-filter.ts.
-- Index: invoices_site_date_idx (site_id, invoice_date DESC, invoice_number DESC).
SELECT "i"."id", "i"."invoice_number", "i"."year_month", i.invoice_date::text AS "invoice_date", "i"."invoice_time",
       "i"."seller_id", "i"."site_id", "i"."device_id", "i"."buyer_ban", "i"."status", "i"."total_amount"
  FROM "invoices" AS "i"
 WHERE "i"."site_id" IN ('b0000000-0000-4000-8000-000000000101', 'b0000000-0000-4000-8000-000000000102')
   AND "i"."site_id" = 'b0000000-0000-4000-8000-000000000101'
   AND "i"."invoice_date" >= '2026-09-01'::date
   AND "i"."invoice_date" <= '2026-10-31'::date
 ORDER BY "i"."invoice_date" DESC, "i"."invoice_number" DESC
 LIMIT 51;
