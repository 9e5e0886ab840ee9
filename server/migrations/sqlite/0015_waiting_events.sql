-- Waiting subscription events are capped and expire (issue 14): the expiry deletes by arrival time.
CREATE INDEX marketplace_events_waiting_received ON marketplace_events (received_at) WHERE customer_id IS NULL;
