-- Metering (subscription listings): usage arrives per workspace, dimension and hour; the hourly job freezes each
-- customer's total per dimension and usage hour into one metering record and sends it with BatchMeterUsage.

-- Raw usage as reported (`POST /internal/usage`). `event_id` makes a retried report harmless.
CREATE TABLE usage_events (
    id                 INTEGER PRIMARY KEY,
    event_id           TEXT    NOT NULL UNIQUE,
    workspace_id       INTEGER NOT NULL REFERENCES workspaces (id),
    dimension          TEXT    NOT NULL,
    usage_hour         INTEGER NOT NULL CHECK (usage_hour % 3600 = 0),
    quantity           INTEGER NOT NULL CHECK (quantity >= 0),
    received_at        INTEGER NOT NULL,
    -- Set when the job counted it into a metering record; a late event for an hour already frozen is marked
    -- 'late' and never changes what was sent.
    metering_record_id INTEGER REFERENCES metering_records (id),
    late               INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX usage_events_open ON usage_events (usage_hour) WHERE metering_record_id IS NULL AND late = 0;

-- One per customer, dimension and usage hour: its quantity is fixed when created, so an hour is never sent
-- with two different quantities.
CREATE TABLE metering_records (
    id                 INTEGER PRIMARY KEY,
    customer_id        INTEGER NOT NULL REFERENCES marketplace_customers (id),
    dimension          TEXT    NOT NULL,
    usage_hour         INTEGER NOT NULL,
    quantity           INTEGER NOT NULL CHECK (quantity >= 0),
    -- pending → sent (AWS answered: see status) | stale (not sent within the window: flagged)
    state              TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'stale')),
    -- AWS's answer: Success, CustomerNotSubscribed or DuplicateRecord.
    status             TEXT,
    metering_record_id TEXT,
    attempts           INTEGER NOT NULL DEFAULT 0,
    last_error         TEXT,
    created_at         INTEGER NOT NULL,
    sent_at            INTEGER,
    UNIQUE (customer_id, dimension, usage_hour)
);

CREATE INDEX metering_records_pending ON metering_records (usage_hour) WHERE state = 'pending';

-- Several portal instances: only the holder of an unexpired lease runs the job.
CREATE TABLE job_leases (
    name       TEXT    PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);
