-- Two-step approval (seed "手動轉檔 UI + 二階段審核"): an action that needs approval is stored here instead of
-- running; a different user holding `approve` runs it (as the requester) or rejects it. And the web app's
-- render-error reports (GlobalErrorBoundary, platform plan §13).

CREATE TABLE approval_requests (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  action            text NOT NULL CHECK (action IN ('turnkey.resend', 'invoice.void', 'allowance.issue')),
  status            text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'approved', 'failed', 'rejected', 'withdrawn')),
  invoice_number    text NOT NULL,
  year_month        text NOT NULL,
  seller_id         uuid NOT NULL REFERENCES sellers (id),
  site_id           uuid NOT NULL REFERENCES sites (id),
  -- allowance.issue: the allowance's tax-included total (TWD).
  amount            bigint,
  -- The request body as sent: what runs when approved.
  payload           jsonb NOT NULL,
  requested_by_type text NOT NULL CHECK (requested_by_type IN ('user', 'client')),
  requested_by_id   uuid NOT NULL,
  requested_by_name text NOT NULL,
  requested_at      timestamptz NOT NULL DEFAULT now(),
  request_id        text,
  decided_by_id     uuid REFERENCES sys_users (id),
  decided_by_name   text,
  decided_at        timestamptz,
  decision_note     text,
  result            jsonb,
  error_code        text,
  error_message     text,
  CHECK ((status = 'pending') = (decided_at IS NULL)),
  CHECK ((status = 'failed') = (error_code IS NOT NULL))
);
CREATE INDEX approval_requests_status_idx ON approval_requests (status, id DESC);
CREATE INDEX approval_requests_requester_idx ON approval_requests (requested_by_id, id DESC);
CREATE INDEX approval_requests_invoice_idx ON approval_requests (invoice_number, year_month);
-- One pending void or resend per invoice number (a second would only run into the first).
CREATE UNIQUE INDEX approval_requests_one_pending_idx ON approval_requests (action, year_month, invoice_number)
  WHERE status = 'pending' AND action IN ('invoice.void', 'turnkey.resend');

CREATE TABLE sys_client_errors (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id      uuid NOT NULL REFERENCES sys_tenants (id),
  user_id        uuid,
  username       text,
  device_id      text,
  message        text NOT NULL,
  stack          text,
  component_stack text,
  url            text NOT NULL,
  user_agent     text NOT NULL,
  app_version    text,
  ip             inet,
  occurred_at    timestamptz NOT NULL,
  received_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sys_client_errors_received_idx ON sys_client_errors (received_at);
