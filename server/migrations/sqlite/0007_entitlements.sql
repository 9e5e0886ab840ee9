-- Contract listings: what each customer is entitled to, as GetEntitlements last said (replaced as a whole on
-- every refresh; no row means no active contract).
CREATE TABLE entitlements (
    customer_id   INTEGER NOT NULL REFERENCES marketplace_customers (id),
    dimension     TEXT    NOT NULL,
    -- integer | double | boolean | string | none
    value_kind    TEXT    NOT NULL,
    value_text    TEXT,
    expires_at    INTEGER,
    PRIMARY KEY (customer_id, dimension)
);

ALTER TABLE marketplace_customers ADD COLUMN entitlements_checked_at INTEGER;
