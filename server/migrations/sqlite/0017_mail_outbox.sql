-- Mail goes through a durable outbox (issue 14): the request that wants a mail stores it sealed (AES-256-GCM
-- under a key derived from PORTAL_SECRET_KEY) and the delivery worker sends it after the response, retrying
-- while the mail service is down, until `not_after` (a code mail: its code's expiry). A row without `sealed`
-- is a stand-in for a mail that goes nowhere (an unknown billing account), so both cost the same.
-- Delivered rows are deleted. `origin` names the instance that queued the mail: the dev mailbox lives in
-- one process's memory, so there only that instance delivers it.
CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    origin          TEXT NOT NULL,
    sealed          BLOB,
    created_at      INTEGER NOT NULL,
    not_after       INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    lease_until     INTEGER,
    last_error      TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at);
