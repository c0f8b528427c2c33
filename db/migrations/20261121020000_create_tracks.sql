-- Invoice numbers: E0501 import files, the ranges (字軌號碼區間) the MOF assigned to a seller, and the
-- blocks a range is split into for sites and devices (E0401 semantics). einvoice-domain.md §3.
-- Invariants held by constraints, not only by code: ranges and blocks are whole booklets of 50;
-- no two ranges overlap within a period and track (across all sellers); no two blocks overlap within
-- a range; a block lies inside its range; a block's next number never leaves [begin, end + 1].

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE e0501_imports (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id         uuid NOT NULL REFERENCES sys_tenants (id),
  sha256            text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  filename          text NOT NULL CHECK (char_length(filename) <= 255),
  format            text NOT NULL CHECK (format IN ('xml', 'csv')),
  size_bytes        integer NOT NULL CHECK (size_bytes >= 0),
  storage_key       text NOT NULL,
  entries_total     integer NOT NULL,
  entries_accepted  integer NOT NULL,
  entries_duplicate integer NOT NULL,
  entries_rejected  integer NOT NULL,
  -- One outcome per entry: {index|line, status: accepted|duplicate|rejected, range?, reasons?}.
  result            jsonb NOT NULL,
  uploaded_by       text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, sha256)
);

CREATE TABLE tracks (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seller_id    uuid NOT NULL REFERENCES sellers (id),
  invoice_type text NOT NULL CHECK (invoice_type IN ('07', '08')),
  year_month   text NOT NULL CHECK (year_month ~ '^\d{3}(0[2468]|1[02])$'),
  track        text NOT NULL CHECK (track ~ '^[A-Z]{2}$'),
  begin_no     integer NOT NULL CHECK (begin_no BETWEEN 0 AND 99999999 AND begin_no % 50 = 0),
  end_no       integer NOT NULL CHECK (end_no BETWEEN 0 AND 99999999 AND end_no % 50 = 49),
  booklets     integer GENERATED ALWAYS AS ((end_no - begin_no + 1) / 50) STORED,
  import_id    uuid REFERENCES e0501_imports (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (end_no > begin_no),
  -- The MOF never assigns the same track and number twice in a period.
  CONSTRAINT tracks_no_overlap EXCLUDE USING gist (year_month WITH =, track WITH =, int4range(begin_no, end_no, '[]') WITH &&)
);
CREATE INDEX tracks_seller_period_idx ON tracks (seller_id, year_month);

CREATE TABLE track_blocks (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  track_id       uuid NOT NULL REFERENCES tracks (id),
  site_id        uuid NOT NULL REFERENCES sites (id),
  device_id      uuid REFERENCES sys_devices (id),
  begin_no       integer NOT NULL CHECK (begin_no % 50 = 0),
  end_no         integer NOT NULL CHECK (end_no % 50 = 49),
  -- The next number to issue; end_no + 1 once the block is used up. Numbers are taken with one
  -- UPDATE … SET next_no = next_no + 1 … RETURNING, so two issues can never take the same one.
  next_no        integer NOT NULL,
  -- The invoice time of the last number taken: a later number may not carry an earlier time (E0209).
  last_issued_at timestamptz,
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
  created_by     text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (end_no > begin_no),
  CHECK (next_no BETWEEN begin_no AND end_no + 1),
  CONSTRAINT track_blocks_no_overlap EXCLUDE USING gist (track_id WITH =, int4range(begin_no, end_no, '[]') WITH &&)
);
CREATE INDEX track_blocks_track_idx ON track_blocks (track_id);
CREATE INDEX track_blocks_site_idx ON track_blocks (site_id) WHERE status = 'active';
CREATE INDEX track_blocks_device_idx ON track_blocks (device_id) WHERE status = 'active';

-- A block lies inside its range (a CHECK cannot see another table).
CREATE FUNCTION track_blocks_inside_range() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE r tracks%ROWTYPE;
BEGIN
  SELECT * INTO r FROM tracks WHERE id = NEW.track_id;
  IF NEW.begin_no < r.begin_no OR NEW.end_no > r.end_no THEN
    RAISE EXCEPTION 'block % - % lies outside range % - %', NEW.begin_no, NEW.end_no, r.begin_no, r.end_no
      USING ERRCODE = 'check_violation', CONSTRAINT = 'track_blocks_inside_range';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER track_blocks_inside_range BEFORE INSERT OR UPDATE OF track_id, begin_no, end_no ON track_blocks
  FOR EACH ROW EXECUTE FUNCTION track_blocks_inside_range();
