-- Webhooks (issue 5; platform plan v2.1 §3.3; docs/integration-guide.md §10). A subscription sends the outbox
-- events it filters for to one URL; every event becomes one delivery row per subscription (unique, so an
-- event dispatched twice never makes a second delivery), which the worker's webhook.deliver job claims
-- (FOR UPDATE SKIP LOCKED, with a lease) and sends, retrying 1 min, 5 min, 30 min, 2 h, 5 h … up to 10 tries,
-- then `dead` with a WebhookDead event. Nothing lives only in Redis: a delivery survives any outage.

CREATE TABLE sys_webhooks (
  id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id                  uuid NOT NULL REFERENCES sys_tenants (id),
  url                        text NOT NULL CHECK (char_length(url) <= 2048 AND url ~ '^https?://'),
  description                text NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
  -- Event types sent (names of the event catalogue); '*' = every type, also ones added later.
  event_types                text[] NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 200),
  -- Platform plan v2.1: hmac_sha256 (default), bearer (degraded: old ERPs), ip_only (at risk: acknowledged).
  auth_mode                  text NOT NULL DEFAULT 'hmac_sha256' CHECK (auth_mode IN ('hmac_sha256', 'bearer', 'ip_only')),
  -- Secrets and the bearer token are sealed (AES-256-GCM with APP_ENCRYPTION_KEY, packages/security): the
  -- worker needs them in clear to sign or send, so they are encrypted, not hashed. Shown once when made.
  secret_enc                 text,
  -- After a rotation the previous secret also signs, until it expires (two valid secrets for a grace period).
  previous_secret_enc        text,
  previous_secret_expires_at timestamptz,
  secret_rotated_at          timestamptz,
  bearer_token               text,
  -- ip_only is refused unless someone accepts the risk explicitly: who and when.
  risk_acknowledged_at       timestamptz,
  risk_acknowledged_by       text,
  -- standard (signed) | degraded (bearer) | at_risk (ip_only): follows auth_mode, so it can never disagree.
  security                   text GENERATED ALWAYS AS (
                               CASE auth_mode WHEN 'hmac_sha256' THEN 'standard' WHEN 'bearer' THEN 'degraded' ELSE 'at_risk' END
                             ) STORED,
  status                     text NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
  -- Why it is disabled: `manual` (someone clicked disable, `disabled_note` says why) or `gone` (the receiver
  -- answered 410 Gone).
  disabled_reason            text CHECK (disabled_reason IN ('manual', 'gone')),
  disabled_note              text CHECK (char_length(disabled_note) <= 500),
  disabled_at                timestamptz,
  disabled_by                text,
  created_by                 text NOT NULL,
  created_at                 timestamptz NOT NULL DEFAULT now(),
  updated_at                 timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'disabled') = (disabled_reason IS NOT NULL)),
  CHECK ((status = 'disabled') = (disabled_at IS NOT NULL)),
  CHECK ((auth_mode = 'hmac_sha256') = (secret_enc IS NOT NULL)),
  CHECK ((auth_mode = 'bearer') = (bearer_token IS NOT NULL)),
  CHECK ((auth_mode = 'ip_only') = (risk_acknowledged_at IS NOT NULL)),
  CHECK ((previous_secret_enc IS NULL) = (previous_secret_expires_at IS NULL)),
  CHECK (previous_secret_enc IS NULL OR secret_enc IS NOT NULL)
);
-- GET /api/v1/webhooks: newest first.
CREATE INDEX sys_webhooks_created_idx ON sys_webhooks (tenant_id, created_at DESC, id DESC);

-- One row per subscription × event (or per "send test event"). Its body is stored, so every attempt sends
-- and signs the same bytes; its message_id is the Standard Webhooks `webhook-id`, fixed for the delivery and
-- sent again by every attempt and by a manual redelivery, so receivers can drop duplicates.
--
--   pending ─► succeeded
--      ├────► dead     (10 tries failed: WebhookDead event + alert, once)
--      └────► failed   (a single-shot try failed: a test event, or a manual redelivery)
--   succeeded / failed / dead ─(redeliver)─► pending (one more try)
CREATE TABLE sys_webhook_deliveries (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  webhook_id       uuid NOT NULL REFERENCES sys_webhooks (id) ON DELETE CASCADE,
  message_id       text NOT NULL UNIQUE DEFAULT ('msg_' || replace(gen_random_uuid()::text, '-', '')),
  kind             text NOT NULL DEFAULT 'event' CHECK (kind IN ('event', 'test')),
  -- The outbox event's id (a random one for a test event).
  event_id         uuid NOT NULL,
  event_type       text NOT NULL,
  body             text NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed', 'dead')),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- Tries allowed before it gives up: 10; 1 for a test event; attempts + 1 after a manual redelivery. (A try
  -- whose worker died before recording it is made again, so attempts may exceed it by such tries.)
  max_attempts     integer NOT NULL DEFAULT 10 CHECK (max_attempts >= 1),
  -- When it is due (pending only). While a worker sends it, the end of that worker's lease.
  next_attempt_at  timestamptz,
  -- Set while a worker holds it (claimed and not yet recorded); if the worker dies, the lease runs out.
  claimed_until    timestamptz,
  last_attempt_at  timestamptz,
  last_status_code integer,
  last_error       text,
  last_duration_ms integer,
  succeeded_at     timestamptz,
  -- The first time its tries ran out (the WebhookDead event was written then; a later death writes none).
  dead_at          timestamptz,
  redelivered_at   timestamptz,
  redelivered_by   text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sys_webhook_deliveries_once UNIQUE (webhook_id, event_id),
  CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL)),
  CHECK (claimed_until IS NULL OR status = 'pending')
);
-- The claim: per subscription, its due rows in due order.
CREATE INDEX sys_webhook_deliveries_due_idx ON sys_webhook_deliveries (webhook_id, next_attempt_at, id) WHERE status = 'pending';
-- A subscription's delivery log, newest first (keyset on id), optionally one status.
CREATE INDEX sys_webhook_deliveries_log_idx ON sys_webhook_deliveries (webhook_id, id DESC);
CREATE INDEX sys_webhook_deliveries_status_idx ON sys_webhook_deliveries (webhook_id, status, id DESC);
-- Retention (WEBHOOK_LOG_RETENTION_DAYS, 90): oldest first.
CREATE INDEX sys_webhook_deliveries_created_idx ON sys_webhook_deliveries (created_at);

-- Every try of a delivery: when, how long, what came back.
CREATE TABLE sys_webhook_delivery_attempts (
  delivery_id      bigint NOT NULL REFERENCES sys_webhook_deliveries (id) ON DELETE CASCADE,
  attempt          integer NOT NULL CHECK (attempt >= 1),
  started_at       timestamptz NOT NULL,
  duration_ms      integer NOT NULL CHECK (duration_ms >= 0),
  -- succeeded (2xx) | http_error (another status) | gone (410) | timeout | network_error | refused (the target
  -- resolved to an address webhooks may not reach) | aborted (the worker stopped mid-request) | error (the
  -- request could not be made, e.g. its secret cannot be opened with this APP_ENCRYPTION_KEY)
  outcome          text NOT NULL
                   CHECK (outcome IN ('succeeded', 'http_error', 'gone', 'timeout', 'network_error', 'refused', 'aborted', 'error')),
  status_code      integer,
  error            text,
  -- The first KiB of the receiver's answer.
  response_excerpt text,
  -- The address connected to (checked before the connection; DNS is not asked twice).
  address          text,
  -- When the next try was scheduled (null: none, the delivery settled).
  next_attempt_at  timestamptz,
  PRIMARY KEY (delivery_id, attempt),
  CHECK ((outcome IN ('succeeded', 'http_error', 'gone')) = (status_code IS NOT NULL))
);
