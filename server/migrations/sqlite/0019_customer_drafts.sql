-- Coming back days later (issue 18): an AWS customer's unfinished activation is kept for 30 days beyond its
-- 4-hour session — the typed answers and the chosen branch, never a password, a code or a code's proof — and
-- copied into the next session Set Up Your Account opens. The scheduled job forgets drafts older than 30 days.
CREATE TABLE customer_drafts (
    customer_id INTEGER PRIMARY KEY REFERENCES marketplace_customers (id) ON DELETE CASCADE,
    branch      TEXT    CHECK (branch IN ('register', 'link')),
    draft       TEXT    NOT NULL,
    saved_at    INTEGER NOT NULL
);
CREATE INDEX customer_drafts_saved_at ON customer_drafts (saved_at);
