-- events_late held every event whose occurred_at is below the running
-- maximum (migration 7). With vendors' times jittered by seconds or
-- minutes, that is most events (88 % of the benchmark's), and a list with
-- an occurred_before bound read all of those before the bound. It now holds
-- the stragglers only: events at least 15 minutes behind the running
-- maximum (eventsql.StragglerNanos; the predicate must read as
-- eventsql.StragglerSQL). The events a few minutes late are read along the
-- sequence instead, in the short stretch that arrived while the running
-- maximum was within those 15 minutes past the bound (eventsql, beforePage).
DROP INDEX events_late;
CREATE INDEX events_late ON events (occurred_at, sequence) WHERE occurred_at < occurred_max - 900000000000;
