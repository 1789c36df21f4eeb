-- Every EventFilter field is served by an index, so that a filter that
-- matches little reads little, whatever the log's size (issue 14). On SQLite
-- an index on one column is ordered by the rowid (the sequence) within each
-- value, so these also give a page its order.
CREATE INDEX events_source ON events (source);
CREATE INDEX events_type ON events (type);
CREATE INDEX events_stage ON events (stage);
CREATE INDEX events_outcome ON events (outcome);
CREATE INDEX events_api_mode ON events (api_mode);
CREATE INDEX events_occurred_at ON events (occurred_at);
