-- The invoice lifecycle after issuing: cancel (作廢, F0501), void and re-issue (註銷 F0701 → F0401 with the same
-- number), allowances (折讓, G0401) and their cancel (G0501) and void (G0701). einvoice-domain.md §2.5, §4.5.
-- Every transition of one invoice first locks its invoice_numbers row (SELECT … FOR UPDATE), so transitions on
-- one number run one after the other; the constraints below hold what must stay true whatever the code does.

-- Status history of an invoice number. "Issued" is not written here: it is the oldest version's own row
-- (invoices.invoice_time, issued_by, request_id), so issuing stays as fast as it is.
--   cancelled: from_invoice_id was cancelled (F0501)
--   voided:    from_invoice_id was voided (F0701) …
--   reissued:  … and to_invoice_id issued with the same number (F0401), in the same transaction.
CREATE TABLE invoice_transitions (
  id                         bigserial PRIMARY KEY,
  year_month                 text NOT NULL,
  invoice_number             text NOT NULL,
  kind                       text NOT NULL CHECK (kind IN ('cancelled', 'voided', 'reissued')),
  invoice_date               date NOT NULL,
  from_invoice_id            uuid NOT NULL,
  to_invoice_id              uuid,
  -- CancelReason / VoidReason: 1..20 characters after whitespace collapse (F0501/F0701).
  reason                     text CHECK (char_length(reason) BETWEEN 1 AND 20),
  -- F0501 ReturnTaxDocumentNumber (專案作廢核准文號) and Remark.
  return_tax_document_number text CHECK (char_length(return_tax_document_number) <= 60),
  remark                     text CHECK (char_length(remark) <= 200),
  occurred_at                timestamptz NOT NULL DEFAULT now(),
  actor                      text,
  request_id                 text,
  FOREIGN KEY (year_month, invoice_number) REFERENCES invoice_numbers (year_month, invoice_number),
  FOREIGN KEY (from_invoice_id, invoice_date) REFERENCES invoices (id, invoice_date),
  FOREIGN KEY (to_invoice_id, invoice_date) REFERENCES invoices (id, invoice_date),
  -- Only a re-issue names a new version, and it is a different one.
  CHECK ((kind = 'reissued') = (to_invoice_id IS NOT NULL)),
  CHECK (to_invoice_id IS DISTINCT FROM from_invoice_id),
  -- A cancel or void states why (the MIG requires the reason); a re-issue carries its void's.
  CHECK (kind = 'reissued' OR reason IS NOT NULL),
  CHECK (kind = 'cancelled' OR return_tax_document_number IS NULL)
);
CREATE INDEX invoice_transitions_number_idx ON invoice_transitions (invoice_number, year_month, id);
-- A version is cancelled or voided at most once.
CREATE UNIQUE INDEX invoice_transitions_once_idx ON invoice_transitions (from_invoice_id) WHERE kind <> 'reissued';

-- The allowance number's counter of each seller (see allowances.allowance_number). Taken with one
-- INSERT … ON CONFLICT DO UPDATE … RETURNING, so two allowances never get the same number; a rolled-back
-- allowance gives its number back.
CREATE TABLE allowance_counters (
  seller_id  uuid PRIMARY KEY REFERENCES sellers (id),
  last_no    bigint NOT NULL CHECK (last_no BETWEEN 1 AND 99999999),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Allowances (G0401, AllowanceType 2 = 賣方折讓證明通知單, fixed in MIG 4.1) against one invoice number.
-- Amounts are whole TWD: total_amount is G0401's untaxed TotalAmount, tax_amount its TaxAmount; their sum
-- is what the buyer gets back, in the same tax-included terms as the invoice's item amounts.
CREATE TABLE allowances (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- AllowanceNumber (1..16 characters): the seller's BAN and its counter, zero-padded to 8 digits
  -- ("0459525700000001"). Unique per seller by construction, and unique in the stack, which addresses
  -- an allowance by its number alone (GET /api/v1/allowances/{allowanceNumber}).
  allowance_number   text NOT NULL UNIQUE CHECK (allowance_number ~ '^\d{16}$'),
  allowance_type     text NOT NULL DEFAULT '2' CHECK (allowance_type IN ('1', '2')),
  allowance_date     date NOT NULL,
  seller_id          uuid NOT NULL REFERENCES sellers (id),
  site_id            uuid NOT NULL REFERENCES sites (id),
  -- The original invoice: its number and period, and the version the allowance was made against.
  year_month         text NOT NULL,
  invoice_number     text NOT NULL,
  invoice_id         uuid NOT NULL,
  invoice_date       date NOT NULL,
  buyer_ban          text CHECK (buyer_ban ~ '^\d{8}$'),
  tax_amount         bigint NOT NULL CHECK (tax_amount >= 0),
  total_amount       bigint NOT NULL CHECK (total_amount >= 0),
  remark             text CHECK (char_length(remark) <= 200),
  status             text NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'cancelled', 'voided')),
  -- Cancel (G0501) or void (G0701): once, with its reason; an issued allowance has none of these.
  status_reason      text CHECK (char_length(status_reason) BETWEEN 1 AND 20),
  status_changed_at  timestamptz,
  status_changed_by  text,
  status_request_id  text,
  issued_by          text,
  request_id         text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (year_month, invoice_number) REFERENCES invoice_numbers (year_month, invoice_number),
  FOREIGN KEY (invoice_id, invoice_date) REFERENCES invoices (id, invoice_date),
  -- An allowance refunds something, and never dates from before its invoice.
  CHECK (tax_amount + total_amount > 0),
  CHECK (allowance_date >= invoice_date),
  CHECK ((status = 'issued') = (status_changed_at IS NULL)),
  CHECK ((status = 'issued') = (status_reason IS NULL))
);
CREATE INDEX allowances_invoice_idx ON allowances (invoice_number, year_month);
CREATE INDEX allowances_seller_date_idx ON allowances (seller_id, allowance_date DESC);

-- One line per original item and allowance (G0401 ProductItem). `amount` is the tax-included amount the
-- caller gave, comparable with invoice_items.amount; it splits into G0401's Amount (untaxed) and Tax.
-- original_seq names an item of the allowance's invoice version; the service checks it under the number's
-- lock. No foreign key to invoice_items: that would pin its monthly partitions, which must stay droppable
-- (a partition whose invoices carry allowances still cannot go: allowances.invoice_id references invoices).
CREATE TABLE allowance_items (
  allowance_id         uuid NOT NULL REFERENCES allowances (id),
  -- AllowanceSequenceNumber.
  seq                  smallint NOT NULL CHECK (seq BETWEEN 1 AND 9999),
  -- OriginalSequenceNumber: the invoice item this line refunds.
  original_seq         smallint NOT NULL CHECK (original_seq BETWEEN 1 AND 9999),
  description          text NOT NULL CHECK (char_length(description) BETWEEN 1 AND 500),
  quantity             numeric(27, 7) NOT NULL CHECK (quantity > 0),
  unit                 text,
  -- Untaxed, like G0401's Amount: round half up(untaxed_amount / quantity, 7 decimals).
  unit_price           numeric(27, 7) NOT NULL CHECK (unit_price >= 0),
  tax_type             text NOT NULL CHECK (tax_type IN ('1', '2', '3', '4')),
  amount               bigint NOT NULL CHECK (amount > 0),
  untaxed_amount       bigint NOT NULL CHECK (untaxed_amount >= 0),
  tax                  bigint NOT NULL CHECK (tax >= 0),
  CHECK (untaxed_amount + tax = amount),
  PRIMARY KEY (allowance_id, seq),
  UNIQUE (allowance_id, original_seq)
);
