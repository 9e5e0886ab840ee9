-- Failed logins, per account (`account:<username>`) and per client address (`client:<ip>`), for throttling;
-- rows older than a day are deleted as new ones come.
CREATE TABLE login_failures (
    key TEXT    NOT NULL,
    at  INTEGER NOT NULL
);

CREATE INDEX login_failures_key ON login_failures (key, at);
