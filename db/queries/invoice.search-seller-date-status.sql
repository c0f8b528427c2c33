-- GET /api/v1/invoices?sellerId=…&from=2026-09-01&to=2026-10-31&status=issued (scope `all`): the search
-- PRODUCT.md §7 times (seller + date range + status, p95 ≤ 300 ms over 5,000,000 invoices).
-- Code: apps/api/src/modules/invoice/invoice.repository.ts searchInvoices.
-- Index: invoices_seller_date_idx (seller_id, invoice_date DESC, invoice_number DESC, status): the date
-- range prunes the months outside it; status is checked inside the index; no sort.
SELECT "i"."id", "i"."invoice_number", "i"."year_month", i.invoice_date::text AS "invoice_date", "i"."invoice_time",
       "i"."seller_id", "i"."site_id", "i"."device_id", "i"."buyer_ban", "i"."status", "i"."total_amount"
  FROM "invoices" AS "i"
 WHERE true
   AND "i"."seller_id" = 'a0000000-0000-4000-8000-000000000001'
   AND "i"."invoice_date" >= '2026-09-01'::date
   AND "i"."invoice_date" <= '2026-10-31'::date
   AND "i"."status" = 'issued'
 ORDER BY "i"."invoice_date" DESC, "i"."invoice_number" DESC
 LIMIT 51;
