-- Dead letters (platform plan §9 "DLQ"): jobs that failed for good — their retries used up, an
-- unrecoverable error (e.g. an invalid payload), or stalled too often. The worker writes one row per
-- final failure (BullMQ keeps the failed job 7 days besides); operators list them, retry one (the job
-- goes back to its queue under the same job id, and the row is marked retried) or purge old ones:
-- GET /api/v1/dead-letters, POST /api/v1/dead-letters/{id}/retry, POST /api/v1/dead-letters/purge.
-- A retried job that fails for good again is a new row.
CREATE TABLE sys_dead_letters (
  id              bigserial PRIMARY KEY,
  queue           text NOT NULL,
  job_id          text NOT NULL,
  job_name        text NOT NULL,
  priority_class  text NOT NULL CHECK (priority_class IN ('P1', 'P2', 'P3', 'P4')),
  payload         jsonb NOT NULL,
  -- Tries made, and tries allowed (attempts < max_attempts: it failed early, without using its retries).
  attempts        integer NOT NULL CHECK (attempts >= 0),
  max_attempts    integer NOT NULL CHECK (max_attempts >= 1),
  last_error      text NOT NULL,
  error_stack     text,
  first_failed_at timestamptz NOT NULL,
  last_failed_at  timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- Set when an operator re-enqueued it: when, who, and the job id it runs under.
  retried_at      timestamptz,
  retried_by      text,
  retry_job_id    text,
  CHECK (first_failed_at <= last_failed_at),
  CHECK ((retried_at IS NULL) = (retry_job_id IS NULL)),
  -- One row per final failure: the worker may write the same one twice (a write retried after a timeout).
  CONSTRAINT sys_dead_letters_failure_key UNIQUE (queue, job_id, last_failed_at)
);
-- The list: newest first, optionally one job type (keyset on id).
CREATE INDEX sys_dead_letters_job_name_idx ON sys_dead_letters (job_name, id);
-- Purge by age.
CREATE INDEX sys_dead_letters_last_failed_idx ON sys_dead_letters (last_failed_at);
