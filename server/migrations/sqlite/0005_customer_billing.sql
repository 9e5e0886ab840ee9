-- The billing account an AWS customer is linked to (by the register branch's Activate, or by Link billing
-- account): a buyer who comes back through AWS Marketplace lands on that billing account's workspaces.
ALTER TABLE marketplace_customers ADD COLUMN billing_account_id INTEGER REFERENCES billing_accounts (id);

-- Guance accounts are found by email when a buyer creates a workspace with an existing account; the key is
-- the address in lower case (as `Email::key` makes it).
ALTER TABLE guance_accounts ADD COLUMN email_key TEXT;
UPDATE guance_accounts SET email_key = lower(email);
CREATE INDEX guance_accounts_email_key ON guance_accounts (email_key);
