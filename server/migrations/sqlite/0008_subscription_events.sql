-- AWS Marketplace subscription events (SNS notifications and EventBridge deliveries), each kept once per
-- source id; an event for a customer who has not registered yet waits (customer_id NULL) and is applied at
-- registration.
CREATE TABLE marketplace_events (
    id                  INTEGER PRIMARY KEY,
    source              TEXT    NOT NULL CHECK (source IN ('sns', 'eventbridge')),
    source_id           TEXT    NOT NULL,
    action              TEXT    NOT NULL,
    aws_account_id      TEXT,
    customer_identifier TEXT,
    license_id          TEXT,
    product_code        TEXT,
    occurred_at         INTEGER NOT NULL,
    received_at         INTEGER NOT NULL,
    customer_id         INTEGER REFERENCES marketplace_customers (id),
    applied_at          INTEGER,
    UNIQUE (source, source_id)
);

CREATE INDEX marketplace_events_waiting ON marketplace_events (aws_account_id, customer_identifier)
    WHERE customer_id IS NULL;

-- active | payment_failed | cancellation_pending | cancelled (lock_at set) | locked
ALTER TABLE marketplace_customers ADD COLUMN subscription_state TEXT NOT NULL DEFAULT 'active';
-- When the last applied event happened (an older event arriving later changes nothing).
ALTER TABLE marketplace_customers ADD COLUMN subscription_changed_at INTEGER;
ALTER TABLE marketplace_customers ADD COLUMN lock_at INTEGER;
ALTER TABLE workspaces ADD COLUMN locked_at INTEGER;
