-- The late events: those that occurred before some event earlier in the
-- log (occurred_at below the running maximum, migration 6). Every event
-- before the first whose running maximum reaches an occurred_before bound
-- occurred before it; after that one, only late events can: this index
-- finds those (server/store/internal/eventsql, beforePage).
-- The enum columns are included so that the other fields of a filter are
-- checked in the index, without reading each late event's row (at 1M
-- events: 61 -> 14 ms for stages + occurred_before).
CREATE INDEX events_late ON events (occurred_at, sequence) INCLUDE (source, type, stage, outcome, api_mode)
    WHERE occurred_at < occurred_max;
