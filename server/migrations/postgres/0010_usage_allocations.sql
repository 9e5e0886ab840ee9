-- Usage allocations (AWS's UsageAllocations): a usage row may split its quantity by tags; the job sums the
-- shares of an hour's events per identical tag set into its metering record and sends them with it.
-- JSON: [{"quantity": N, "tags": [{"key": "...", "value": "..."}]}]; NULL: no allocations.
ALTER TABLE usage_events ADD COLUMN allocations TEXT;
ALTER TABLE metering_records ADD COLUMN allocations TEXT;
