-- One row per (site, period, invoice type) whose remaining numbers fell below TRACK_LOW_THRESHOLD: the
-- primary key makes the TrackLow event fire once, whatever the concurrency.
CREATE TABLE track_low_alerts (
  site_id      uuid NOT NULL REFERENCES sites (id),
  year_month   text NOT NULL,
  invoice_type text NOT NULL,
  remaining    integer NOT NULL,
  alerted_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, year_month, invoice_type)
);
