-- GET /api/v1/dashboard/summary by a caller scoped to one seller: its Turnkey messages accepted today.
-- Code: apps/api/src/modules/dashboard/dashboard.repository.ts countAcceptedTurnkeyMessages.
-- Index: turnkey_messages_accepted_idx (result_at, seller_id) WHERE status = 'accepted' (migration
-- 20261121180000): an index-only scan of today's part; before it, a sequential scan of every message.
SELECT count(*)::int AS "count"
  FROM "turnkey_messages" AS "m"
 WHERE "m"."status" = 'accepted'
   AND "m"."result_at" >= '2026-10-30T16:00:00.000Z'
   AND "m"."seller_id" IN ('a0000000-0000-4000-8000-000000000001');
