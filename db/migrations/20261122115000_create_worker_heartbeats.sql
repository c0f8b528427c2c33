-- Each worker process says here, every few seconds, that it is alive and whether it has paused for maintenance
-- mode (apps/worker/src/maintenance-watch.ts). The export and upgrade scripts wait until every live worker has
-- paused — finished its running jobs and taken no new ones — before they dump the database.
CREATE TABLE sys_worker_heartbeats (
  worker_id  text PRIMARY KEY CHECK (char_length(worker_id) <= 200),
  started_at timestamptz NOT NULL,
  seen_at    timestamptz NOT NULL DEFAULT now(),
  -- Set when the worker paused for the maintenance mode that began at maintenance_since; null while it works.
  paused_at  timestamptz,
  maintenance_since timestamptz
);
