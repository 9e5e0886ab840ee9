-- A marketplace customer is an AWS account's license (AWS deprecates CustomerIdentifier for new listings):
-- unique on (account, license id); a legacy customer without a license stays unique on (account, product).
-- SQLite cannot drop a table constraint, so the table is rebuilt (sqlite.org/lang_altertable.html, "Making
-- Other Kinds Of Table Schema Changes"): migrations run with foreign keys off and are checked afterwards
-- (`SqliteStore::connect`), so dropping the old table deletes nothing that refers to it.
CREATE TABLE marketplace_customers_by_license (
    id                      INTEGER PRIMARY KEY,
    aws_account_id          TEXT    NOT NULL,
    product_code            TEXT    NOT NULL,
    customer_identifier     TEXT,
    license_arn             TEXT,
    license_id              TEXT,
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL,
    billing_account_id      INTEGER REFERENCES billing_accounts (id),
    entitlements_checked_at INTEGER,
    subscription_state      TEXT    NOT NULL DEFAULT 'active',
    subscription_changed_at INTEGER,
    lock_at                 INTEGER
);
INSERT INTO marketplace_customers_by_license
       (id, aws_account_id, product_code, customer_identifier, license_arn, license_id, created_at, updated_at,
        billing_account_id, entitlements_checked_at, subscription_state, subscription_changed_at, lock_at)
SELECT id, aws_account_id, product_code, customer_identifier, license_arn, license_id, created_at, updated_at,
       billing_account_id, entitlements_checked_at, subscription_state, subscription_changed_at, lock_at
  FROM marketplace_customers;
DROP TABLE marketplace_customers;
ALTER TABLE marketplace_customers_by_license RENAME TO marketplace_customers;
CREATE UNIQUE INDEX marketplace_customers_license ON marketplace_customers (aws_account_id, license_id)
    WHERE license_id IS NOT NULL;
CREATE UNIQUE INDEX marketplace_customers_legacy ON marketplace_customers (aws_account_id, product_code)
    WHERE license_id IS NULL;
CREATE INDEX marketplace_customers_product ON marketplace_customers (aws_account_id, product_code);
CREATE INDEX marketplace_customers_billing ON marketplace_customers (billing_account_id);
