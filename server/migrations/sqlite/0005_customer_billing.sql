-- The billing account an AWS customer is linked to (by the register branch's Activate, or by Link billing
-- account): a buyer who comes back through AWS Marketplace lands on that billing account's workspaces.
ALTER TABLE marketplace_customers ADD COLUMN billing_account_id INTEGER REFERENCES billing_accounts (id);
