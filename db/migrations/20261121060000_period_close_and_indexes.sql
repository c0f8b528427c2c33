-- Period end (einvoice-domain.md §3.2, PRODUCT.md §4 "Numbers"): once a period has ended no number of it
-- is taken, and the worker's period.close job closes the period's blocks and stores, per range and block,
-- the unissued numbers E0402 must report. Plus the invoice search indexes db/queries/*.explain.txt showed
-- missing (see db/queries/README.md).

-- The instant a period (YearMonth = ROC year + even month) ends: the 1st of the month after its even month,
-- 00:00 Asia/Taipei, taken as a fixed UTC+8 like packages/domain `parseYearMonth(ym).end` (a test compares them).
CREATE FUNCTION period_end(year_month text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (make_timestamp(left(year_month, 3)::int + 1911, right(year_month, 2)::int, 1, 0, 0, 0)
        + interval '1 month' - interval '8 hours') AT TIME ZONE 'UTC';

-- No number of a period is taken after the period has ended. A take (next_no moves up) whose invoice time
-- lies inside the period while the clock is already past its end — a back-dated or delayed issue, or one
-- racing the boundary with a client-given time — is refused here, whatever the code above does. (A take
-- stamped with the server's clock after the end carries a time outside the period; the issuing code
-- refuses that one itself, with a clear answer, and rolls the take back.)
CREATE FUNCTION track_blocks_period_open() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ym   text;
  ends timestamptz;
BEGIN
  SELECT year_month INTO ym FROM tracks WHERE id = NEW.track_id;
  ends := period_end(ym);
  IF clock_timestamp() >= ends AND NEW.last_issued_at < ends THEN
    RAISE EXCEPTION 'period % ended at %: no number of it can be issued any more', ym, ends
      USING ERRCODE = 'check_violation', CONSTRAINT = 'track_blocks_period_open';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER track_blocks_period_open BEFORE UPDATE OF next_no ON track_blocks
  FOR EACH ROW WHEN (NEW.next_no > OLD.next_no) EXECUTE FUNCTION track_blocks_period_open();

-- One row per seller and period that period.close has closed: its PeriodClosed event is written with the
-- insert of this row, so it fires once whatever the retries and concurrency.
CREATE TABLE period_closes (
  seller_id     uuid NOT NULL REFERENCES sellers (id),
  year_month    text NOT NULL CHECK (year_month ~ '^\d{3}(0[2468]|1[02])$'),
  closed_at     timestamptz NOT NULL DEFAULT now(),
  -- Totals as last computed (a later run updates them if an allocation changed the blanks).
  blocks_closed integer NOT NULL CHECK (blocks_closed >= 0),
  blank_spans   integer NOT NULL CHECK (blank_spans >= 0),
  blank_numbers integer NOT NULL CHECK (blank_numbers >= 0),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (seller_id, year_month)
);

-- The blank (unissued) numbers of a closed period, one row per run of numbers: what E0402 BranchTrackBlank
-- reports, grouped by (head_ban, branch_ban, invoice_type, year_month, track). A run lies in one block
-- (block_id), or in the part of a range given to no block (block_id NULL, reported under the seller's BAN).
-- Keyed by (track_id, begin_no): a re-run that finds the same runs changes nothing.
CREATE TABLE period_blanks (
  track_id     uuid NOT NULL REFERENCES tracks (id),
  begin_no     integer NOT NULL CHECK (begin_no BETWEEN 0 AND 99999999),
  end_no       integer NOT NULL CHECK (end_no BETWEEN 0 AND 99999999),
  count        integer GENERATED ALWAYS AS (end_no - begin_no + 1) STORED,
  block_id     uuid REFERENCES track_blocks (id),
  seller_id    uuid NOT NULL REFERENCES sellers (id),
  site_id      uuid REFERENCES sites (id),
  year_month   text NOT NULL CHECK (year_month ~ '^\d{3}(0[2468]|1[02])$'),
  invoice_type text NOT NULL CHECK (invoice_type IN ('07', '08')),
  track        text NOT NULL CHECK (track ~ '^[A-Z]{2}$'),
  -- E0402 HeadBan (the seller's BAN) and BranchBan (the block's site's own BAN, else the seller's).
  head_ban     text NOT NULL CHECK (head_ban ~ '^\d{8}$'),
  branch_ban   text NOT NULL CHECK (branch_ban ~ '^\d{8}$'),
  computed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (track_id, begin_no),
  CHECK (end_no >= begin_no),
  CHECK ((block_id IS NULL) = (site_id IS NULL)),
  -- Runs of one range never overlap (checked at commit: a re-run may move a run's end and add another).
  CONSTRAINT period_blanks_no_overlap EXCLUDE USING gist (track_id WITH =, int4range(begin_no, end_no, '[]') WITH &&)
    DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX period_blanks_seller_period_idx ON period_blanks (seller_id, year_month);

-- Invoice search (GET /api/v1/invoices, db/queries/invoice.search-*.sql): every filter it combines with its
-- newest-first keyset order (invoice_date, invoice_number) now walks an index in exactly that order, so a
-- page reads its rows and stops — no sort of a whole day (or, without a filter, of the whole table), and the
-- cursor's row comparison is an index condition. The seller index keeps status as its last key column, so
-- a status filter is checked on the index entry. The old indexes are prefixes of the new ones.
DROP INDEX invoices_seller_date_idx;
CREATE INDEX invoices_seller_date_idx ON invoices (seller_id, invoice_date DESC, invoice_number DESC, status);
DROP INDEX invoices_site_date_idx;
CREATE INDEX invoices_site_date_idx ON invoices (site_id, invoice_date DESC, invoice_number DESC);
DROP INDEX invoices_buyer_idx;
CREATE INDEX invoices_buyer_idx ON invoices (buyer_ban, invoice_date DESC, invoice_number DESC) WHERE buyer_ban IS NOT NULL;
-- The list without a filter (the first screen of the back office).
CREATE INDEX invoices_date_number_idx ON invoices (invoice_date DESC, invoice_number DESC);
-- GET /api/v1/invoices/{number} finds the number in the registry without knowing its period
-- (db/queries/invoice.get-by-number.sql); the primary key (year_month, invoice_number) cannot serve that.
CREATE INDEX invoice_numbers_number_idx ON invoice_numbers (invoice_number);
