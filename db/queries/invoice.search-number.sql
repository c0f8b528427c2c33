-- GET /api/v1/invoices?number=AA00001234 by a caller scoped to a seller and a site (the scope is an OR).
-- No date range: every monthly partition is probed (the same track and number recur in other periods).
-- Code: apps/api/src/modules/invoice/invoice.repository.ts searchInvoices.
-- Index: invoices_number_idx (invoice_number), one probe per partition.
SELECT "i"."id", "i"."invoice_number", "i"."year_month", i.invoice_date::text AS "invoice_date", "i"."invoice_time",
       "i"."seller_id", "i"."site_id", "i"."device_id", "i"."buyer_ban", "i"."status", "i"."total_amount"
  FROM "invoices" AS "i"
 WHERE ("i"."seller_id" IN ('a0000000-0000-4000-8000-000000000001') OR "i"."site_id" IN ('b0000000-0000-4000-8000-000000000201'))
   AND "i"."invoice_number" = 'AA00001234'
 ORDER BY "i"."invoice_date" DESC, "i"."invoice_number" DESC
 LIMIT 51;
