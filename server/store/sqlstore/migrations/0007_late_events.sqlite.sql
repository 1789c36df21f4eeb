-- The late events: those that occurred before some event earlier in the
-- log (occurred_at below the running maximum, migration 6). Every event
-- before the first whose running maximum reaches an occurred_before bound
-- occurred before it; after that one, only late events can: this index
-- finds those (server/store/internal/eventsql, beforePage).
CREATE INDEX events_late ON events (occurred_at, sequence) WHERE occurred_at < occurred_max;
