-- GET /api/v1/invoices?buyerBan=10003103 (scope `all`): a buyer's B2B invoices, newest first.
-- Code: apps/api/src/modules/invoice/invoice.repository.ts searchInvoices.
-- Index: invoices_buyer_idx (buyer_ban, invoice_date DESC, invoice_number DESC) WHERE buyer_ban IS NOT NULL.
SELECT "i"."id", "i"."invoice_number", "i"."year_month", i.invoice_date::text AS "invoice_date", "i"."invoice_time",
       "i"."seller_id", "i"."site_id", "i"."device_id", "i"."buyer_ban", "i"."status", "i"."total_amount"
  FROM "invoices" AS "i"
 WHERE true
   AND "i"."buyer_ban" = '10003103'
 ORDER BY "i"."invoice_date" DESC, "i"."invoice_number" DESC
 LIMIT 51;
