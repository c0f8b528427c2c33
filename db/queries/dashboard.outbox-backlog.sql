-- GET /api/v1/dashboard/summary (scope `all`): events not yet moved to the queue, and the oldest one's time.
-- Code: apps/api/src/modules/dashboard/dashboard.repository.ts outboxBacklog.
-- Index: sys_outbox_pending_idx (id) WHERE dispatched_at IS NULL, for the count and for the oldest (first id).
SELECT count(*)::int AS "count",
       (SELECT p.occurred_at FROM sys_outbox p WHERE p.dispatched_at IS NULL ORDER BY p.id LIMIT 1) AS "oldest_occurred_at"
  FROM "sys_outbox" AS "o"
 WHERE "o"."dispatched_at" IS NULL;
