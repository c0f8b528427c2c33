-- GET /api/v1/dashboard/summary: the Turnkey messages not accepted, by status (scope `all`).
-- Code: apps/api/src/modules/dashboard/dashboard.repository.ts countOpenTurnkeyMessages.
-- Index: BitmapOr of three partial indexes, one per ORed condition — turnkey_messages_due_idx (pending),
-- turnkey_messages_delivered_identifier_idx (delivered), turnkey_messages_attention_idx (rejected, invalid,
-- dead): only open messages are read, however many were ever accepted. `status IN (all five)` matches none
-- of the partial indexes and scans the whole table.
SELECT "m"."status", count(*)::int AS "count", count(*) FILTER (WHERE m.at_risk_at IS NOT NULL)::int AS "at_risk",
       min(m.created_at) AS "oldest_created_at"
  FROM "turnkey_messages" AS "m"
 WHERE ("m"."status" = 'pending' OR "m"."status" = 'delivered' OR "m"."status" IN ('rejected', 'invalid', 'dead'))
   AND true
 GROUP BY "m"."status"
 ORDER BY "m"."status";
