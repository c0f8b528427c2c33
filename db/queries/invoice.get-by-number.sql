-- GET /api/v1/invoices/AA00001234 (scope `all`): the current version of a number, through the number
-- registry, then its items (a second, primary-key query not shown).
-- Code: apps/api/src/modules/invoice/invoice.repository.ts findInvoiceByNumber.
-- Index: invoice_numbers_pkey is (year_month, invoice_number) and the query has no period, so the registry
-- is scanned for the number; then invoices_pkey (id, invoice_date) finds the invoice in its partition.
SELECT "i".*, i.invoice_date::text AS "invoice_date_text"
  FROM "invoice_numbers" AS "n"
 INNER JOIN "invoices" AS "i" ON "i"."id" = "n"."invoice_id" AND "i"."invoice_date" = "n"."invoice_date"
 WHERE "n"."invoice_number" = 'AA00001234'
   AND true
 ORDER BY "n"."issued_at" DESC
 LIMIT 1;
