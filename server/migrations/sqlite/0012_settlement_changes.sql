-- A workspace's settlement method (AWS Marketplace or the billing center) changes at most once per calendar
-- month (UTC): the unique key makes the database refuse a second change, even from two tabs at once.
CREATE TABLE settlement_changes (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    from_method  TEXT    NOT NULL CHECK (from_method IN ('aws_marketplace', 'billing_center')),
    to_method    TEXT    NOT NULL CHECK (to_method IN ('aws_marketplace', 'billing_center')),
    month        TEXT    NOT NULL,
    changed_at   INTEGER NOT NULL,
    UNIQUE (workspace_id, month)
);
