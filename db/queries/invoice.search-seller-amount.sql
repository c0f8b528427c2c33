-- GET /api/v1/invoices?sellerId=…&minTotal=4900&maxTotal=5000 (scope `all`): an amount range without a
-- date range (about 2% of the seller's invoices match).
-- Code: apps/api/src/modules/invoice/invoice.repository.ts searchInvoices.
-- Index: invoices_seller_date_idx walked newest first; the amount is a filter on the rows it reaches
-- (no index on amounts: a narrow amount range without a date range reads far back).
SELECT "i"."id", "i"."invoice_number", "i"."year_month", i.invoice_date::text AS "invoice_date", "i"."invoice_time",
       "i"."seller_id", "i"."site_id", "i"."device_id", "i"."buyer_ban", "i"."status", "i"."total_amount"
  FROM "invoices" AS "i"
 WHERE true
   AND "i"."seller_id" = 'a0000000-0000-4000-8000-000000000001'
   AND "i"."total_amount" >= '4900'
   AND "i"."total_amount" <= '5000'
 ORDER BY "i"."invoice_date" DESC, "i"."invoice_number" DESC
 LIMIT 51;
