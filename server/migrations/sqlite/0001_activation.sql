-- Marketplace customers: one row per AWS account and product (listing).
CREATE TABLE marketplace_customers (
    id                  INTEGER PRIMARY KEY,
    aws_account_id      TEXT    NOT NULL,
    product_code        TEXT    NOT NULL,
    customer_identifier TEXT,
    license_arn         TEXT,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    UNIQUE (aws_account_id, product_code)
);

-- Activation sessions: the cookie holds a random id; we keep only its SHA-256.
CREATE TABLE activation_sessions (
    id_hash      BLOB    PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES marketplace_customers (id) ON DELETE CASCADE,
    branch       TEXT    CHECK (branch IN ('register', 'link')),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);

CREATE INDEX activation_sessions_customer ON activation_sessions (customer_id);
