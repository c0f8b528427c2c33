-- What Turnkey leaves in Unpack/BAK (einvoice-domain.md §5.4 items 5–6, docs/turnkey.md §7): the worker's
-- turnkey.unpack job reads every ProcessResult, SummaryResult and E0501 file once, and turnkey.reconcile
-- compares each day's hand-offs with the platform's SummaryResult.

-- One row per file read, keyed by its content: a file seen again (same bytes, any path) is skipped. A file
-- that cannot be read as its kind is recorded with its error (outcome 'failed') and not tried again.
CREATE TABLE turnkey_unpacked_files (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('ProcessResult', 'SummaryResult', 'E0501')),
  sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  -- Where it was found, relative to Unpack/BAK (e.g. ProcessResult/20261121/14/ProcessResult-….xml).
  path        text NOT NULL,
  size_bytes  bigint NOT NULL CHECK (size_bytes >= 0),
  outcome     text NOT NULL CHECK (outcome IN ('processed', 'failed')),
  -- Why it failed (the parser's or the importer's message).
  error       text,
  -- What it did: verdicts applied, summary messages stored, the E0501 import's id and counts, warnings.
  details     jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kind, sha256),
  CHECK ((outcome = 'failed') = (error IS NOT NULL))
);
CREATE INDEX turnkey_unpacked_files_failed_idx ON turnkey_unpacked_files (created_at DESC) WHERE outcome = 'failed';

-- The platform's daily SummaryResult, one row per summary message (one pack of one sending party), so a day's
-- totals per message type and party are the sum of its rows and the same pack read again replaces its row.
-- day: the pack's upload day (Asia/Taipei), from the date in its common name <MIG>-<MSG>-<yyyyMMdd>-….
CREATE TABLE turnkey_summary_results (
  day           date NOT NULL,
  message_type  text NOT NULL,
  -- RoutingInfo/From/PartyId: the seller's BAN (or its agent's).
  party_id      text NOT NULL,
  -- Info/Id: the pack's common name (or <file sha256>#<n> when a message has none).
  pack_id       text NOT NULL,
  -- When the pack was made (from its common name), to order a day's packs; NULL when unreadable.
  pack_at       timestamptz,
  total_count   integer NOT NULL CHECK (total_count >= 0),
  good_count    integer NOT NULL CHECK (good_count >= 0),
  failed_count  integer NOT NULL CHECK (failed_count >= 0),
  -- Good and Failed name their invoices (false: counts only, e.g. E0401/E0402).
  listed        boolean NOT NULL,
  -- [{referenceNumber, invoiceDate (yyyyMMdd)}] as listed.
  good          jsonb NOT NULL DEFAULT '[]',
  failed        jsonb NOT NULL DEFAULT '[]',
  file_id       bigint NOT NULL REFERENCES turnkey_unpacked_files (id),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (day, message_type, party_id, pack_id)
);

-- The daily reconciliation: one row per day and message type, rewritten by each run for that day.
CREATE TABLE turnkey_reconciliations (
  day                  date NOT NULL,
  message_type         text NOT NULL,
  summary_received     boolean NOT NULL,
  -- Our side: messages handed off that day (not counting those Turnkey refused before the upload) and their status.
  our_handed_off       integer NOT NULL,
  our_accepted         integer NOT NULL,
  our_rejected         integer NOT NULL,
  our_waiting          integer NOT NULL,
  our_rejected_before_upload integer NOT NULL,
  -- Their side (NULL without a summary).
  their_total          integer,
  their_good           integer,
  their_failed         integer,
  -- [{kind, identifier, messageId, sellerId, partyId, ourStatus, theirVerdict, detail}]
  differences          jsonb NOT NULL DEFAULT '[]',
  difference_count     integer NOT NULL,
  reconciled_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (day, message_type),
  CHECK (summary_received = (their_total IS NOT NULL))
);

-- A ProcessResult names its messages by identifier; only those still waiting for their verdict are looked up.
-- Partial on 'delivered', so issuing (which inserts 'pending' rows) pays nothing for it.
CREATE INDEX turnkey_messages_delivered_identifier_idx ON turnkey_messages (identifier) WHERE status = 'delivered';
