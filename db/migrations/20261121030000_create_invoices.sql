-- Invoices (F0401) and their items, range-partitioned by month of the Asia/Taipei invoice date, and the
-- registry of issued numbers whose primary key makes "a number is issued at most once" a database fact.
-- PRODUCT.md §4; einvoice-domain.md §2 (fields), §4 (rules). Amounts are whole TWD (bigint).

CREATE TABLE invoices (
  id                    uuid NOT NULL DEFAULT gen_random_uuid(),
  invoice_date          date NOT NULL,
  invoice_time          timestamptz NOT NULL,
  seller_id             uuid NOT NULL REFERENCES sellers (id),
  site_id               uuid NOT NULL REFERENCES sites (id),
  device_id             uuid REFERENCES sys_devices (id),
  block_id              uuid NOT NULL REFERENCES track_blocks (id),
  year_month            text NOT NULL CHECK (year_month ~ '^\d{3}(0[2468]|1[02])$'),
  invoice_number        text NOT NULL CHECK (invoice_number ~ '^[A-Z]{2}\d{8}$'),
  random_number         text NOT NULL CHECK (random_number ~ '^\d{4}$'),
  invoice_type          text NOT NULL CHECK (invoice_type IN ('07', '08')),
  buyer_ban             text CHECK (buyer_ban ~ '^\d{8}$'),
  buyer_name            text,
  print_mark            text NOT NULL CHECK (print_mark IN ('Y', 'N')),
  carrier_type          text,
  carrier_id1           text,
  carrier_id2           text,
  npoban                text,
  tax_type              text NOT NULL,
  tax_rate              text NOT NULL,
  customs_clearance_mark text,
  zero_tax_rate_reason  text,
  sales_amount          bigint NOT NULL CHECK (sales_amount >= 0),
  free_tax_sales_amount bigint NOT NULL CHECK (free_tax_sales_amount >= 0),
  zero_tax_sales_amount bigint NOT NULL CHECK (zero_tax_sales_amount >= 0),
  tax_amount            bigint NOT NULL CHECK (tax_amount >= 0),
  total_amount          bigint NOT NULL CHECK (total_amount > 0),
  main_remark           text,
  status                text NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'cancelled', 'voided')),
  issued_by             text,
  request_id            text,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CHECK (total_amount = sales_amount + free_tax_sales_amount + zero_tax_sales_amount + tax_amount),
  PRIMARY KEY (id, invoice_date)
) PARTITION BY RANGE (invoice_date);

CREATE INDEX invoices_seller_date_idx ON invoices (seller_id, invoice_date DESC, status);
CREATE INDEX invoices_site_date_idx ON invoices (site_id, invoice_date DESC);
CREATE INDEX invoices_number_idx ON invoices (invoice_number);
CREATE INDEX invoices_buyer_idx ON invoices (buyer_ban, invoice_date DESC) WHERE buyer_ban IS NOT NULL;

CREATE TABLE invoice_items (
  invoice_id   uuid NOT NULL,
  invoice_date date NOT NULL,
  seq          smallint NOT NULL CHECK (seq BETWEEN 1 AND 9999),
  description  text NOT NULL,
  quantity     numeric(27, 7) NOT NULL,
  unit         text,
  unit_price   numeric(27, 7) NOT NULL,
  amount       bigint NOT NULL,
  tax_type     text,
  remark       text,
  PRIMARY KEY (invoice_id, invoice_date, seq),
  FOREIGN KEY (invoice_id, invoice_date) REFERENCES invoices (id, invoice_date)
) PARTITION BY RANGE (invoice_date);

-- One row per issued number: (period, number) is the primary key, so no load, retry or bug can issue a
-- number twice. A void followed by a re-issue of the same number points the row at the new version.
CREATE TABLE invoice_numbers (
  year_month     text NOT NULL,
  invoice_number text NOT NULL,
  block_id       uuid NOT NULL REFERENCES track_blocks (id),
  invoice_id     uuid NOT NULL,
  invoice_date   date NOT NULL,
  issued_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (year_month, invoice_number)
);

-- Monthly partitions of invoices and invoice_items, created ahead by the worker's maintenance job.
CREATE FUNCTION ensure_invoice_partitions(first_month date, months integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  m date;
  created integer := 0;
  tbl text;
BEGIN
  FOR i IN 0 .. months - 1 LOOP
    m := (date_trunc('month', first_month) + make_interval(months => i))::date;
    FOREACH tbl IN ARRAY ARRAY['invoices', 'invoice_items'] LOOP
      IF to_regclass(format('%s_%s', tbl, to_char(m, 'YYYYMM'))) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                       format('%s_%s', tbl, to_char(m, 'YYYYMM')), tbl, m, (m + interval '1 month')::date);
        created := created + 1;
      END IF;
    END LOOP;
  END LOOP;
  RETURN created;
END $$;

SELECT ensure_invoice_partitions(date '2024-01-01', 48);
