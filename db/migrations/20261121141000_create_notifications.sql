-- E-mail notifications (docs/notifications.md): each user's preferences, the items the worker makes from
-- events for each recipient, and the outgoing mail queue. Every mail is written here before it is sent
-- (the worker's notification.send job sends it), so nothing is lost while the SMTP server is down, and an
-- event becomes at most one item per user — hence at most one mail per (user, event).

-- Per user and notification kind: off, one mail per event (immediate), or collected into a digest.
-- No row = the kind's default (immediate).
CREATE TABLE notification_preferences (
  user_id    uuid NOT NULL REFERENCES sys_users (id) ON DELETE CASCADE,
  kind       text NOT NULL CHECK (kind IN ('invoice_rejected', 'deadline_at_risk', 'track_low', 'certificate_expiring',
                                           'webhook_dead')),
  delivery   text NOT NULL CHECK (delivery IN ('off', 'immediate', 'digest')),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, kind)
);

-- When a user's digest goes out: every hour, or daily at `hour` o'clock Asia/Taipei. No row = daily at 08:00.
CREATE TABLE notification_digest_settings (
  user_id    uuid PRIMARY KEY REFERENCES sys_users (id) ON DELETE CASCADE,
  frequency  text NOT NULL CHECK (frequency IN ('hourly', 'daily')),
  hour       smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The outgoing mails, rendered when queued (subject and both bodies as sent). `queued` → `sending` (claimed
-- until next_attempt_at, the lease) → `sent`, or back to `queued` with a later next_attempt_at after a failed
-- try, or `failed` once the tries are used up or the server refused the message for good.
CREATE TABLE notification_mails (
  id              bigserial PRIMARY KEY,
  user_id         uuid NOT NULL REFERENCES sys_users (id) ON DELETE CASCADE,
  to_address      text NOT NULL CHECK (char_length(to_address) BETWEEN 3 AND 254),
  mail_kind       text NOT NULL CHECK (mail_kind IN ('immediate', 'digest', 'test')),
  subject         text NOT NULL,
  text_body       text NOT NULL,
  html_body       text NOT NULL,
  status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  smtp_message_id text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz,
  failed_at       timestamptz,
  CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
  CHECK ((status = 'failed') = (failed_at IS NOT NULL))
);
-- The send job's claim: due mails in order (a `sending` row whose lease ran out is due again).
CREATE INDEX notification_mails_due_idx ON notification_mails (next_attempt_at, id) WHERE status IN ('queued', 'sending');
-- The mail log, per user, newest first.
CREATE INDEX notification_mails_user_idx ON notification_mails (user_id, id DESC);

-- One row per (recipient, event): what the event means for that user (`facts`, rendered into the mail), and
-- the mail that carried it (immediate: its own mail, made with the item; digest: set when the digest is made).
CREATE TABLE notification_items (
  id          bigserial PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES sys_users (id) ON DELETE CASCADE,
  event_id    uuid NOT NULL,
  event_type  text NOT NULL,
  kind        text NOT NULL,
  delivery    text NOT NULL CHECK (delivery IN ('immediate', 'digest')),
  facts       jsonb NOT NULL,
  occurred_at timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  mail_id     bigint REFERENCES notification_mails (id),
  UNIQUE (user_id, event_id)
);
-- The digest job: each user's items still waiting for their digest.
CREATE INDEX notification_items_digest_idx ON notification_items (user_id, created_at) WHERE delivery = 'digest' AND mail_id IS NULL;
CREATE INDEX notification_items_mail_idx ON notification_items (mail_id);
