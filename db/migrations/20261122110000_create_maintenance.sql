-- Maintenance (read-only) mode, toggled by ops (PUT /api/v1/admin/maintenance, or scripts/maintenance.sh when
-- the API is down): while on, the API refuses writes with 503 MAINTENANCE and reads keep working.
CREATE TABLE sys_maintenance (
  tenant_id  uuid PRIMARY KEY REFERENCES sys_tenants (id),
  enabled    boolean NOT NULL DEFAULT false,
  reason     text CHECK (char_length(reason) <= 200),
  changed_at timestamptz NOT NULL DEFAULT now(),
  changed_by text
);
