-- Reports of the worker's operations jobs (platform plan §7.2), one row per run: `kind` names the report
-- (slow_queries: the daily slow-query report of maintenance.slow_queries), `period_start`/`period_end` the time
-- it covers, `summary` the few numbers a list shows, `body` the whole report, and `alert` whether it found
-- something over its alert threshold (SLOW_QUERY_ALERT_MS). Read newest first per kind.
CREATE TABLE sys_ops_reports (
  id           bigserial PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('slow_queries')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  period_start timestamptz NOT NULL,
  period_end   timestamptz NOT NULL,
  alert        boolean NOT NULL DEFAULT false,
  summary      jsonb NOT NULL,
  body         jsonb NOT NULL,
  CHECK (period_end >= period_start)
);
CREATE INDEX sys_ops_reports_kind_created_idx ON sys_ops_reports (kind, created_at DESC);

-- The slow-query alert is a notification kind (ops_slow_query). The list of kinds a preference may name had
-- also missed approval_requested, so turning that one off or into the digest failed.
ALTER TABLE notification_preferences DROP CONSTRAINT notification_preferences_kind_check;
ALTER TABLE notification_preferences ADD CONSTRAINT notification_preferences_kind_check
  CHECK (kind IN ('invoice_rejected', 'deadline_at_risk', 'track_low', 'certificate_expiring', 'webhook_dead',
                  'approval_requested', 'ops_slow_query'));

-- The statistics the slow-query report reads first. Creating the extension works whether or not PostgreSQL
-- loaded its library; reading it needs `shared_preload_libraries = pg_stat_statements` (the Compose stack sets
-- it), and the report falls back to the slow-statement log without. A role that may not create extensions, or
-- a server without the contrib files, leaves it out here: a DBA can create it later.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
  RAISE NOTICE 'pg_stat_statements was not created (%); the slow-query report reads SLOW_QUERY_LOG_FILE instead', SQLERRM;
END
$$;
