-- Failed logins older than a day are pruned by time at every failure (issue 14): an index on the time.
CREATE INDEX login_failures_at ON login_failures (at);
