-- Platform foundation (platform plan v2.1 §6.1–6.2): tenants, users, RBAC, data scopes, devices,
-- license, schema version, audit log, idempotency keys, API clients, sessions, outbox.
-- Forward-only: never edit this file once applied; add a new migration.

CREATE TABLE sys_schema_version (
  id         boolean PRIMARY KEY DEFAULT true CHECK (id),
  version    bigint NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sys_tenants (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code       text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
  name       text NOT NULL,
  status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'maintenance', 'suspended')),
  settings   jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sys_depts (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id  uuid NOT NULL REFERENCES sys_tenants (id),
  parent_id  uuid REFERENCES sys_depts (id),
  code       text NOT NULL,
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, code)
);

CREATE TABLE sys_users (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id              uuid NOT NULL REFERENCES sys_tenants (id),
  username               text NOT NULL CHECK (username ~ '^[A-Za-z0-9._@-]{3,64}$'),
  display_name           text NOT NULL,
  email                  text,
  dept_id                uuid REFERENCES sys_depts (id),
  password_hash          text NOT NULL,
  password_changed_at    timestamptz NOT NULL DEFAULT now(),
  status                 text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  locked_until           timestamptz,
  mfa_enabled            boolean NOT NULL DEFAULT false,
  mfa_secret_enc         text,
  mfa_pending_secret_enc text,
  mfa_last_step          bigint,
  last_login_at          timestamptz,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  CHECK (NOT mfa_enabled OR mfa_secret_enc IS NOT NULL)
);
CREATE UNIQUE INDEX sys_users_username_uq ON sys_users (tenant_id, lower(username));

CREATE TABLE sys_user_recovery_codes (
  id         bigserial PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES sys_users (id) ON DELETE CASCADE,
  code_hash  text NOT NULL,
  used_at    timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sys_user_recovery_codes_user_idx ON sys_user_recovery_codes (user_id);

CREATE TABLE sys_permissions (
  code        text PRIMARY KEY,
  description text NOT NULL
);

CREATE TABLE sys_roles (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id    uuid NOT NULL REFERENCES sys_tenants (id),
  code         text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9_-]{1,39}$'),
  name         text NOT NULL,
  description  text NOT NULL DEFAULT '',
  mfa_required boolean NOT NULL DEFAULT false,
  is_system    boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, code)
);

CREATE TABLE sys_role_permissions (
  role_id         uuid NOT NULL REFERENCES sys_roles (id) ON DELETE CASCADE,
  permission_code text NOT NULL REFERENCES sys_permissions (code),
  PRIMARY KEY (role_id, permission_code)
);

CREATE TABLE sys_user_roles (
  user_id uuid NOT NULL REFERENCES sys_users (id) ON DELETE CASCADE,
  role_id uuid NOT NULL REFERENCES sys_roles (id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, role_id)
);
CREATE INDEX sys_user_roles_role_idx ON sys_user_roles (role_id);

-- Devices: POS terminals, PDAs. The e-invoice migration binds them to a site.
CREATE TABLE sys_devices (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id      uuid NOT NULL REFERENCES sys_tenants (id),
  device_code    text NOT NULL,
  name           text NOT NULL,
  kind           text NOT NULL DEFAULT 'pos' CHECK (kind IN ('pos', 'pda', 'kiosk', 'other')),
  app_version    text,
  last_active_at timestamptz,
  last_ip        inet,
  revoked_at     timestamptz,
  revoked_reason text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, device_code)
);

-- Machine clients (OAuth2 client credentials): POS terminals, ERP systems.
CREATE TABLE sys_api_clients (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id         uuid NOT NULL REFERENCES sys_tenants (id),
  client_id         text NOT NULL UNIQUE CHECK (client_id ~ '^[A-Za-z0-9._-]{3,64}$'),
  name              text NOT NULL,
  kind              text NOT NULL CHECK (kind IN ('pos', 'erp', 'service')),
  secret_hash       text NOT NULL,
  device_id         uuid REFERENCES sys_devices (id),
  status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  secret_rotated_at timestamptz NOT NULL DEFAULT now(),
  last_used_at      timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sys_api_client_roles (
  client_pk uuid NOT NULL REFERENCES sys_api_clients (id) ON DELETE CASCADE,
  role_id   uuid NOT NULL REFERENCES sys_roles (id) ON DELETE CASCADE,
  PRIMARY KEY (client_pk, role_id)
);

-- Data scopes: which sellers/sites a user or client may see. 'all' = unrestricted; no row = nothing.
CREATE TABLE sys_data_scopes (
  id           bigserial PRIMARY KEY,
  tenant_id    uuid NOT NULL REFERENCES sys_tenants (id),
  subject_type text NOT NULL CHECK (subject_type IN ('user', 'client')),
  subject_id   uuid NOT NULL,
  scope_type   text NOT NULL CHECK (scope_type IN ('all', 'seller', 'site')),
  scope_ref    text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK ((scope_type = 'all') = (scope_ref IS NULL)),
  UNIQUE NULLS NOT DISTINCT (subject_type, subject_id, scope_type, scope_ref)
);

CREATE TABLE sys_license (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id         uuid NOT NULL UNIQUE REFERENCES sys_tenants (id),
  plan              text NOT NULL DEFAULT 'standard',
  issued_at         timestamptz NOT NULL DEFAULT now(),
  expires_at        timestamptz NOT NULL,
  grace_period_days integer NOT NULL DEFAULT 14 CHECK (grace_period_days >= 0),
  status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'grace', 'expired', 'revoked')),
  max_users         integer,
  max_devices       integer,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- A login session = one refresh-token family. Access tokens carry the session id, so logout and
-- reuse detection revoke them too.
CREATE TABLE sys_auth_sessions (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           uuid NOT NULL REFERENCES sys_users (id) ON DELETE CASCADE,
  created_at        timestamptz NOT NULL DEFAULT now(),
  last_refreshed_at timestamptz NOT NULL DEFAULT now(),
  expires_at        timestamptz NOT NULL,
  revoked_at        timestamptz,
  revoked_reason    text,
  ip                inet,
  user_agent        text
);
CREATE INDEX sys_auth_sessions_user_idx ON sys_auth_sessions (user_id);
CREATE INDEX sys_auth_sessions_expires_idx ON sys_auth_sessions (expires_at);

CREATE TABLE sys_refresh_tokens (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id uuid NOT NULL REFERENCES sys_auth_sessions (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  parent_id  uuid REFERENCES sys_refresh_tokens (id),
  issued_at  timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  rotated_at timestamptz
);
CREATE INDEX sys_refresh_tokens_session_idx ON sys_refresh_tokens (session_id);

CREATE TABLE sys_audit_logs (
  id          bigserial PRIMARY KEY,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  tenant_id   uuid NOT NULL REFERENCES sys_tenants (id),
  actor_type  text NOT NULL CHECK (actor_type IN ('user', 'client', 'system', 'anonymous')),
  actor_id    text,
  actor_name  text,
  action      text NOT NULL,
  outcome     text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
  status_code integer,
  target_type text,
  target_id   text,
  request_id  text,
  source_ip   inet,
  user_agent  text,
  summary     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX sys_audit_logs_time_idx ON sys_audit_logs (occurred_at DESC, id DESC);
CREATE INDEX sys_audit_logs_action_idx ON sys_audit_logs (action, occurred_at DESC);
CREATE INDEX sys_audit_logs_actor_idx ON sys_audit_logs (actor_type, actor_id, occurred_at DESC);
CREATE INDEX sys_audit_logs_target_idx ON sys_audit_logs (target_type, target_id);

-- Idempotency (platform plan §6.2), scoped per caller. A row without response_status is in flight
-- until locked_until; the response is stored with the business write when the handler uses a transaction.
CREATE TABLE sys_idempotency_keys (
  id               bigserial PRIMARY KEY,
  caller           text NOT NULL,
  idempotency_key  text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
  method           text NOT NULL,
  path             text NOT NULL,
  request_hash     text NOT NULL,
  response_status  integer,
  response_body    jsonb,
  locked_until     timestamptz NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  completed_at     timestamptz,
  expires_at       timestamptz NOT NULL DEFAULT now() + interval '24 hours',
  UNIQUE (caller, idempotency_key)
);
CREATE INDEX idx_idempotency_expires ON sys_idempotency_keys (expires_at);

-- Transactional outbox: written in the same transaction as the change it announces; the worker's
-- relay moves rows to BullMQ (job id = outbox id, so a re-relay never doubles).
CREATE TABLE sys_outbox (
  id                bigserial PRIMARY KEY,
  event_id          uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  event_type        text NOT NULL,
  event_version     integer NOT NULL,
  aggregate_type    text,
  aggregate_id      text,
  payload           jsonb NOT NULL,
  request_id        text,
  occurred_at       timestamptz NOT NULL DEFAULT now(),
  dispatched_at     timestamptz,
  dispatch_attempts integer NOT NULL DEFAULT 0,
  last_error        text,
  processed_at      timestamptz,
  process_count     integer NOT NULL DEFAULT 0
);
CREATE INDEX sys_outbox_pending_idx ON sys_outbox (id) WHERE dispatched_at IS NULL;
