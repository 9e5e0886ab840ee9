-- Guance accounts, billing accounts, workspaces and the settlement link from a workspace to the AWS
-- customer that pays for it. Names are unique case-insensitively through their *_key columns.
CREATE TABLE guance_accounts (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL,
    username_key  TEXT    NOT NULL UNIQUE,
    email         TEXT    NOT NULL,
    phone         TEXT,
    password_hash TEXT    NOT NULL,
    company_name  TEXT,
    industry      TEXT,
    company_size  TEXT,
    created_at    INTEGER NOT NULL
);

CREATE TABLE billing_accounts (
    id               INTEGER PRIMARY KEY,
    username         TEXT    NOT NULL,
    username_key     TEXT    NOT NULL UNIQUE,
    email            TEXT    NOT NULL,
    owner_account_id INTEGER NOT NULL REFERENCES guance_accounts (id),
    created_at       INTEGER NOT NULL
);

CREATE TABLE workspaces (
    id                 INTEGER PRIMARY KEY,
    billing_account_id INTEGER NOT NULL REFERENCES billing_accounts (id),
    owner_account_id   INTEGER NOT NULL REFERENCES guance_accounts (id),
    name               TEXT    NOT NULL,
    name_key           TEXT    NOT NULL,
    site               TEXT    NOT NULL,
    language           TEXT    NOT NULL CHECK (language IN ('en', 'zh')),
    created_at         INTEGER NOT NULL,
    UNIQUE (billing_account_id, site, name_key)
);

-- A workspace has exactly one settlement at a time; one AWS customer may settle many workspaces.
CREATE TABLE workspace_settlements (
    workspace_id INTEGER PRIMARY KEY REFERENCES workspaces (id),
    customer_id  INTEGER NOT NULL REFERENCES marketplace_customers (id),
    linked_at    INTEGER NOT NULL
);

-- Set by a successful Activate: a repeated Activate of the same session returns this outcome.
ALTER TABLE activation_sessions ADD COLUMN activated_workspace_id INTEGER REFERENCES workspaces (id);
