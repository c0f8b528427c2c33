-- Archive (docs/archive.md): invoice months older than the hot window (ARCHIVE_HOT_MONTHS) are exported to
-- object storage by the worker's maintenance.archive job — the month's invoices and items and every row that
-- references them — and their partitions dropped; scripts/archive-restore.sh brings a month back.
--
-- One row per month that has been archived. The row is the registry's word on where the month is:
--   restored_at IS NULL      the month is in storage only (its partitions do not exist);
--   restored_at IS NOT NULL  the month was brought back and is online again, its archive kept in storage.
-- Archiving a restored month again rewrites the same objects and this row.
CREATE TABLE invoice_archives (
  -- The first day of the month (invoice_date of its invoices, Asia/Taipei business dates).
  month           date PRIMARY KEY CHECK (month = date_trunc('month', month)::date),
  -- Where its objects are: <prefix>/manifest.json and <prefix>/<table>.jsonl.gz.
  storage_prefix  text NOT NULL,
  -- SHA-256 of manifest.json as written: a restore refuses a manifest that is not this one.
  manifest_sha256 text NOT NULL CHECK (manifest_sha256 ~ '^[0-9a-f]{64}$'),
  -- {table: rows} as archived: invoices, invoice_items and the referencing tables.
  row_counts      jsonb NOT NULL,
  -- The manifest's parts: [{table, key, rows, bytes, sha256, digest, columns}].
  parts           jsonb NOT NULL,
  -- The schema (SCHEMA_VERSION) the rows were exported from.
  schema_version  bigint NOT NULL,
  archived_at     timestamptz NOT NULL DEFAULT now(),
  archived_by     text NOT NULL,
  restored_at     timestamptz,
  restored_by     text,
  CHECK ((restored_at IS NULL) = (restored_by IS NULL))
);

-- The partitions of an archived month are never created again, whoever asks (the hourly maintenance job asks
-- for the coming months only, but a hand-run call over a range must not bring back an empty month): only a
-- restore, which marks the row restored first, lets this function create them.
CREATE OR REPLACE FUNCTION ensure_invoice_partitions(first_month date, months integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  m date;
  created integer := 0;
  tbl text;
BEGIN
  FOR i IN 0 .. months - 1 LOOP
    m := (date_trunc('month', first_month) + make_interval(months => i))::date;
    CONTINUE WHEN EXISTS (SELECT 1 FROM invoice_archives a WHERE a.month = m AND a.restored_at IS NULL);
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
