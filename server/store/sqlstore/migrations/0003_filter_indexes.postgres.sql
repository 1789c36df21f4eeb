-- Every EventFilter field is served by an index, so that a filter that
-- matches little reads little, whatever the log's size (issue 14). The
-- sequence follows each value, so that a page is read in order.
CREATE INDEX events_source ON events (source, sequence);
CREATE INDEX events_type ON events (type, sequence);
CREATE INDEX events_stage ON events (stage, sequence);
CREATE INDEX events_outcome ON events (outcome, sequence);
CREATE INDEX events_api_mode ON events (api_mode, sequence);
CREATE INDEX events_occurred_at ON events (occurred_at, sequence);
