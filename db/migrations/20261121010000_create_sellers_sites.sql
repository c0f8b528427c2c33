-- Sellers (營業人, identified by BAN) and their sites (stations/stores); POS devices bound to a site.
-- einvoice-domain.md §2.2 (RoleDescriptionType lengths), §4.1 (BAN); print-and-protocols.md §2.5 (QR key).

CREATE TABLE sellers (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id          uuid NOT NULL REFERENCES sys_tenants (id),
  ban                text NOT NULL CHECK (ban ~ '^\d{8}$'),
  name               text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 60),
  address            text NOT NULL CHECK (char_length(address) BETWEEN 1 AND 100),
  person_in_charge   text CHECK (char_length(person_in_charge) <= 30),
  telephone          text CHECK (char_length(telephone) <= 26),
  email              text CHECK (char_length(email) <= 400),
  -- Turnkey's routing id of this seller (the FromVAC/ToVAC party), when it differs from the BAN.
  turnkey_routing_id text CHECK (char_length(turnkey_routing_id) <= 64),
  -- The 32-hex-char QR AES key, sealed with APP_ENCRYPTION_KEY (AES-256-GCM); never returned by the API.
  qr_aes_key_enc     text,
  qr_aes_key_fp      text,
  status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, ban),
  CHECK ((qr_aes_key_enc IS NULL) = (qr_aes_key_fp IS NULL))
);

CREATE TABLE sites (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seller_id  uuid NOT NULL REFERENCES sellers (id),
  code       text NOT NULL CHECK (code ~ '^[A-Za-z0-9._-]{1,32}$'),
  name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 60),
  address    text CHECK (char_length(address) <= 100),
  -- A branch with its own BAN (分支機構); NULL when the site invoices under the seller's BAN.
  branch_ban text CHECK (branch_ban ~ '^\d{8}$'),
  status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (seller_id, code)
);
CREATE INDEX sites_seller_idx ON sites (seller_id);

ALTER TABLE sys_devices ADD COLUMN site_id uuid REFERENCES sites (id);
CREATE INDEX sys_devices_site_idx ON sys_devices (site_id);
