-- Batch import of invoices (POST /api/v1/imports; docs/integration-guide.md §8). An uploaded file (CSV in
-- UTF-8 or Big5, or JSON lines) is kept in storage by its SHA-256 and recorded here; the worker's
-- import.invoices job reads it, checks every invoice first, then issues them one by one as the uploader,
-- logging each invoice's outcome in import_file_logs and counting as it goes.
--
--   queued ─► validating ─► issuing ─► done
--      └──────────┴──► failed   (the file cannot be read, or the uploader may no longer issue; nothing issued)
CREATE TABLE import_files (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        uuid NOT NULL REFERENCES sys_tenants (id),
  filename         text NOT NULL CHECK (char_length(filename) BETWEEN 1 AND 255),
  sha256           text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  format           text NOT NULL CHECK (format IN ('csv', 'jsonl')),
  encoding         text NOT NULL CHECK (encoding IN ('utf8', 'big5')),
  size_bytes       integer NOT NULL CHECK (size_bytes > 0),
  storage_key      text NOT NULL,
  status           text NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'validating', 'issuing', 'done', 'failed')),
  -- Invoices in the file (CSV: distinct refs; JSON lines: non-blank lines), known once it was read.
  rows_total       integer NOT NULL DEFAULT 0 CHECK (rows_total >= 0),
  -- Invoices that passed the checks before issuing began (the rest are logged failed then).
  rows_valid       integer NOT NULL DEFAULT 0 CHECK (rows_valid >= 0),
  rows_issued      integer NOT NULL DEFAULT 0 CHECK (rows_issued >= 0),
  -- Found already issued under the invoice's key (by an earlier attempt of the job, or an earlier upload of this file).
  rows_duplicate   integer NOT NULL DEFAULT 0 CHECK (rows_duplicate >= 0),
  rows_failed      integer NOT NULL DEFAULT 0 CHECK (rows_failed >= 0),
  -- Why the whole file failed: {code, message, details?}.
  error_code       text,
  error_message    text,
  error_details    jsonb,
  -- The uploader, as `user:<id>` or `client:<id>`: the invoices are issued as them, with their permissions
  -- and data scope at processing time.
  created_by       text NOT NULL,
  created_by_name  text NOT NULL,
  request_id       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  validated_at     timestamptz,
  finished_at      timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (rows_issued + rows_duplicate + rows_failed <= rows_total),
  CHECK ((status = 'failed') = (error_code IS NOT NULL)),
  -- A failed import issued nothing, so uploading the same file again (a new import) is safe.
  CHECK (status <> 'failed' OR (rows_issued = 0 AND rows_duplicate = 0))
);
-- The same file is imported once: uploading it again answers the earlier import — unless that one failed.
CREATE UNIQUE INDEX import_files_sha_once ON import_files (tenant_id, sha256) WHERE status <> 'failed';
-- GET /api/v1/imports: newest first, optionally one uploader's.
CREATE INDEX import_files_created_idx ON import_files (tenant_id, created_at DESC, id DESC);
CREATE INDEX import_files_creator_idx ON import_files (created_by, created_at DESC, id DESC);

-- One row per invoice of a file once it has an outcome; the job skips invoices already logged, so a run
-- killed at any point and retried resumes where it stopped.
CREATE TABLE import_file_logs (
  import_id       uuid NOT NULL REFERENCES import_files (id),
  -- 1-based position of the invoice in the file, and the lines it spans (CSV: its ref's lines).
  row_no          integer NOT NULL CHECK (row_no >= 1),
  line_from       integer NOT NULL CHECK (line_from >= 1),
  line_to         integer NOT NULL CHECK (line_to >= line_from),
  -- The CSV `ref` column (null for JSON lines).
  ref             text,
  status          text NOT NULL CHECK (status IN ('issued', 'duplicate', 'failed')),
  invoice_id      uuid,
  invoice_date    date,
  invoice_number  text CHECK (invoice_number ~ '^[A-Z]{2}\d{8}$'),
  -- Why the invoice failed: the API's error code and message, and details [{field, column?, line, message, code?}].
  error_code      text,
  error_message   text,
  error_details   jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (import_id, row_no),
  FOREIGN KEY (invoice_id, invoice_date) REFERENCES invoices (id, invoice_date),
  CHECK ((status = 'failed') = (error_code IS NOT NULL)),
  CHECK ((status = 'failed') = (invoice_number IS NULL))
);
-- GET /api/v1/imports/{id}/logs?status=failed
CREATE INDEX import_file_logs_status_idx ON import_file_logs (import_id, status, row_no);
