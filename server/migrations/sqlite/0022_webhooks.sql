-- Outbound webhooks (issue 20): endpoints operators configure, and a durable queue of deliveries (one row per
-- event and endpoint, claimed under a lease so that no two instances send the same row at once).
CREATE TABLE webhook_endpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    -- The event types it wants, comma-separated (`customer.subscribed,metering.refused`).
    event_types TEXT NOT NULL,
    -- The HMAC-SHA256 key its deliveries are signed with.
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    -- Set when the receiver answered 410 Gone: nothing more is queued for it.
    disabled_at INTEGER,
    disabled_reason TEXT
);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints (id),
    -- The event's id (the same for every endpoint it goes to; repeats carry it unchanged).
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    customer_id INTEGER,
    body TEXT NOT NULL,
    -- pending → delivered | dead (no 2xx within the retry window, or the endpoint is gone); a replay → pending
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    -- Retries go on until window_start + 24 hours (a replay starts a new window).
    window_start INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    last_status INTEGER,
    last_error TEXT,
    delivered_at INTEGER,
    UNIQUE (endpoint_id, event_id)
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_state ON webhook_deliveries (state, id);
