-- When the seller's signing certificate (the PFX Turnkey signs its messages with, 工商憑證 or 營業人憑證)
-- expires: staff enter it (it is on the certificate); the worker's certificate.watch job announces
-- CertificateExpiring 30, 14, 7 and 1 days before and once more when it has expired — after that Turnkey
-- cannot upload the seller's messages. certificate_alerted_days is the last of those thresholds announced
-- for the current date (NULL: none yet); changing the date starts over.
ALTER TABLE sellers
  ADD COLUMN certificate_expires_at date,
  ADD COLUMN certificate_alerted_days integer CHECK (certificate_alerted_days IN (30, 14, 7, 1, 0));
