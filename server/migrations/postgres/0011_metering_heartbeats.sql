-- Heartbeats: hourly zero-quantity records for subscribed customers without usage in a heartbeat dimension.
-- They start with the hour in which the job first ran with heartbeats on (never backfilled): that hour is
-- kept here, under the name 'metering.heartbeats_since'.
CREATE TABLE job_marks (
    name  TEXT    PRIMARY KEY,
    value BIGINT NOT NULL
);
