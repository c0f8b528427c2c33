-- The buyer's address (MIG 4.1 Buyer/Address, optional, up to 100 characters) was accepted by the issuing
-- schema but not kept: it is now stored, shown, carried by a re-issue and written into F0401.
ALTER TABLE invoices ADD COLUMN buyer_address text CHECK (char_length(buyer_address) <= 100);
