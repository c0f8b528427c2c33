-- GET /api/v1/invoices?sellerId=…&from=…&to=…&status=issued&cursor=2026-10-15|AA00010000 (scope `all`):
-- a later page, keyset-paged on (invoice_date, invoice_number).
-- Code: apps/api/src/modules/invoice/invoice.repository.ts searchInvoices (the `after` row comparison).
-- Index: invoices_seller_date_idx (seller_id, invoice_date DESC, invoice_number DESC, status): the row
-- comparison is an index condition, so the walk starts at the cursor instead of skipping the earlier pages.
SELECT "i"."id", "i"."invoice_number", "i"."year_month", i.invoice_date::text AS "invoice_date", "i"."invoice_time",
       "i"."seller_id", "i"."site_id", "i"."device_id", "i"."buyer_ban", "i"."status", "i"."total_amount"
  FROM "invoices" AS "i"
 WHERE true
   AND "i"."seller_id" = 'a0000000-0000-4000-8000-000000000001'
   AND "i"."invoice_date" >= '2026-09-01'::date
   AND "i"."invoice_date" <= '2026-10-31'::date
   AND "i"."status" = 'issued'
   AND (i.invoice_date, i.invoice_number) < ('2026-10-15'::date, 'AA00010000')
 ORDER BY "i"."invoice_date" DESC, "i"."invoice_number" DESC
 LIMIT 51;
