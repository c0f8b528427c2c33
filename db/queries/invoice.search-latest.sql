-- GET /api/v1/invoices (no filter): the newest page, for a caller whose scope is `all`.
-- Code: apps/api/src/modules/invoice/invoice.repository.ts searchInvoices (limit = page size 50 + 1).
-- Index: invoices_date_number_idx (invoice_date DESC, invoice_number DESC), walked partition by partition
-- from the newest month (ordered Append), stopping after 51 rows.
SELECT "i"."id", "i"."invoice_number", "i"."year_month", i.invoice_date::text AS "invoice_date", "i"."invoice_time",
       "i"."seller_id", "i"."site_id", "i"."device_id", "i"."buyer_ban", "i"."status", "i"."total_amount"
  FROM "invoices" AS "i"
 WHERE true
 ORDER BY "i"."invoice_date" DESC, "i"."invoice_number" DESC
 LIMIT 51;
