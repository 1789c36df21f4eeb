-- occurred_max is the running maximum of occurred_at in sequence order:
-- the greatest occurred_at of this event and of every event before it. It
-- never decreases along the log, so one probe of its index finds the first
-- sequence at which an occurred_after bound can match, and a list with that
-- bound reads only the log from there on, whatever the log's size (issue
-- 14). log_head keeps it for the next append. NULL until some event has an
-- occurred_at.
ALTER TABLE events ADD COLUMN occurred_max bigint;
ALTER TABLE log_head ADD COLUMN occurred_max bigint;
UPDATE events SET occurred_max = w.m
    FROM (SELECT sequence, MAX(occurred_at) OVER (ORDER BY sequence) AS m FROM events) AS w
    WHERE events.sequence = w.sequence;
UPDATE log_head SET occurred_max = (SELECT MAX(occurred_at) FROM events);
CREATE INDEX events_occurred_max ON events (occurred_max, sequence);
