-- The MIG messages to hand to Turnkey (PRODUCT.md §4; einvoice-domain.md §5): one row per message, written
-- in the same transaction (for issuing: the same statement) as the change it reports, so every issued,
-- cancelled, voided or allowed invoice has its message from the moment it exists — nothing to lose
-- between the change and the pipeline. The worker's hand-off takes due rows, builds and checks the XML,
-- writes the file into Turnkey's UpCast/<CAT>/<MSG>/SRC/ and marks the row delivered; the results poller
-- moves it to accepted (Turnkey status C) or rejected (E, with the platform's code).
--
--   F0401  invoice_id/invoice_date: the invoice version issued (a re-issue after a void is a new version)
--   F0501  invoice_id/invoice_date: the version cancelled; transition_id: its invoice_transitions row
--   F0701  invoice_id/invoice_date: the version voided;    transition_id: its invoice_transitions row
--   G0401  allowance_id: the allowance issued
--   G0501  allowance_id: the allowance cancelled
--   G0701  allowance_id: the allowance voided
--   E0402  seller_id + year_month: one message per branch BAN, invoice type and track of the period's blank
--          numbers (period_blanks); the identifier names them (E0402 + BranchBan + track + type + YearMonth)
CREATE TABLE turnkey_messages (
  -- Also the creation order (a void's F0701 before the re-issued F0401 of the same number, in one
  -- transaction): the hand-off writes files in this order. Issuing writes one row per invoice, so every
  -- index on this table costs issuing throughput: there are no more than the pipeline needs.
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_type    text NOT NULL CHECK (message_type IN ('F0401', 'F0501', 'F0701', 'G0401', 'G0501', 'G0701', 'E0401', 'E0402')),
  seller_id       uuid NOT NULL REFERENCES sellers (id),
  invoice_id      uuid,
  invoice_date    date,
  transition_id   bigint REFERENCES invoice_transitions (id),
  allowance_id    uuid REFERENCES allowances (id),
  year_month      text CHECK (year_month ~ '^\d{3}(0[2468]|1[02])$'),
  -- What Turnkey's TURNKEY_MESSAGE_LOG.INVOICE_IDENTIFIER will say for it (<MSG><number><date>, §5.4),
  -- so the results poller can match its rows.
  identifier      text NOT NULL CHECK (char_length(identifier) <= 30),
  -- The document chain the message belongs to: period + invoice number for the F and G messages of one
  -- invoice (issue, cancel, void, re-issue, its allowances and their cancel/void), the identifier for E
  -- messages. A message is handed off only once every earlier message of its chain is accepted: the
  -- platform refuses a re-issue before its void (E0201) or an allowance before its invoice (E0202), and
  -- Turnkey does not promise to upload files in the order they were written.
  chain           text NOT NULL,
  status          text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'delivered', 'accepted', 'rejected', 'invalid', 'dead')),
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  file_name       text UNIQUE,
  last_error      text,
  result_code     text,
  result_message  text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz,
  result_at       timestamptz,
  -- When the deadline watch flagged it (not accepted after most of its upload limit); once per message.
  at_risk_at      timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (invoice_id, invoice_date) REFERENCES invoices (id, invoice_date),
  CHECK ((message_type IN ('F0401', 'F0501', 'F0701')) = (invoice_id IS NOT NULL)),
  CHECK ((message_type IN ('F0501', 'F0701')) = (transition_id IS NOT NULL)),
  CHECK ((message_type IN ('G0401', 'G0501', 'G0701')) = (allowance_id IS NOT NULL)),
  CHECK ((message_type IN ('E0401', 'E0402')) = (year_month IS NOT NULL))
);
-- The hand-off's queue: due messages, oldest first.
CREATE INDEX turnkey_messages_due_idx ON turnkey_messages (next_attempt_at, id) WHERE status = 'pending';
-- The chain's earlier messages (the hand-off's gate), and "what became of this invoice number".
CREATE INDEX turnkey_messages_chain_idx ON turnkey_messages (chain, id);
CREATE INDEX turnkey_messages_allowance_idx ON turnkey_messages (allowance_id) WHERE allowance_id IS NOT NULL;
-- Rejected and dead messages are listed for staff to fix and resend.
CREATE INDEX turnkey_messages_attention_idx ON turnkey_messages (status, updated_at DESC) WHERE status IN ('rejected', 'invalid', 'dead');
-- One message per source change (a retried transaction or a re-run job cannot queue it twice). An F0401's
-- invoice version is new in the statement that queues it, so it needs no index of its own.
CREATE UNIQUE INDEX turnkey_messages_transition_once ON turnkey_messages (transition_id) WHERE transition_id IS NOT NULL;
CREATE UNIQUE INDEX turnkey_messages_allowance_once ON turnkey_messages (allowance_id, message_type) WHERE allowance_id IS NOT NULL;
CREATE UNIQUE INDEX turnkey_messages_period_once ON turnkey_messages (message_type, identifier) WHERE year_month IS NOT NULL;
