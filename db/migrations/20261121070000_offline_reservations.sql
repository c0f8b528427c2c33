-- Offline POS: a device reserves a run of numbers while it is online, with pre-drawn random numbers and
-- the AES verification strings precomputed by the server (so the device prints valid QR codes without
-- holding the seller's key), and submits the invoices later. print-and-protocols.md §2.5.
-- The run is taken out of a block by moving the block's next_no past it (in the same transaction that
-- stores the reservation), so online issuing can never take a reserved number; the number registry
-- (invoice_numbers) makes "each reserved number is issued at most once" a database fact.

CREATE TABLE offline_reservations (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  device_id      uuid NOT NULL REFERENCES sys_devices (id),
  site_id        uuid NOT NULL REFERENCES sites (id),
  block_id       uuid NOT NULL REFERENCES track_blocks (id),
  year_month     text NOT NULL CHECK (year_month ~ '^\d{3}(0[2468]|1[02])$'),
  invoice_type   text NOT NULL CHECK (invoice_type IN ('07', '08')),
  track          text NOT NULL CHECK (track ~ '^[A-Z]{2}$'),
  begin_no       integer NOT NULL CHECK (begin_no BETWEEN 0 AND 99999999),
  end_no         integer NOT NULL CHECK (end_no BETWEEN 0 AND 99999999),
  -- random_numbers[i] belongs to number begin_no + i - 1 (arrays are 1-based).
  random_numbers text[] NOT NULL CHECK (cardinality(random_numbers) = end_no - begin_no + 1),
  created_by     text,
  request_id     text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (end_no >= begin_no),
  -- Two reservations never share a number.
  CONSTRAINT offline_reservations_no_overlap EXCLUDE USING gist (block_id WITH =, int4range(begin_no, end_no, '[]') WITH &&)
);
CREATE INDEX offline_reservations_device_idx ON offline_reservations (device_id, year_month);
CREATE INDEX offline_reservations_lookup_idx ON offline_reservations (year_month, track, begin_no);

-- Reserved numbers never submitted, as runs per block: blank numbers that lie below their block's
-- next_no (E0402 must report them like any unused number). The one query behind GET /api/v1/tracks/blanks
-- and the worker's period.close.
CREATE FUNCTION unissued_reserved_runs(track_ids uuid[]) RETURNS TABLE (block_id uuid, begin_no integer, end_no integer)
LANGUAGE sql STABLE AS $$
  SELECT s.block_id, min(s.n), max(s.n)
    FROM (SELECT r.block_id, g.n, g.n - row_number() OVER (PARTITION BY r.block_id ORDER BY g.n) AS run
            FROM offline_reservations r
            JOIN track_blocks b ON b.id = r.block_id
           CROSS JOIN LATERAL generate_series(r.begin_no, r.end_no) AS g (n)
           WHERE b.track_id = ANY (track_ids)
             AND NOT EXISTS (SELECT 1 FROM invoice_numbers x
                              WHERE x.year_month = r.year_month
                                AND x.invoice_number = r.track || lpad(g.n::text, 8, '0'))) s
   GROUP BY s.block_id, s.run
   ORDER BY s.block_id, 2
$$;
