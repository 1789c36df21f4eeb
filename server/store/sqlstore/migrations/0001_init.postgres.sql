-- The log of connection events and what goes with it.

-- Key-value facts about the database itself (database_id).
CREATE TABLE meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);

-- One row per stored event. body is the event (without raw and sequence) as
-- protobuf bytes; the other columns exist only to filter and index it.
-- Times are unix nanoseconds; empty identifiers are NULL.
CREATE TABLE events (
    sequence               bigint  PRIMARY KEY,
    id                     text    NOT NULL UNIQUE,
    source                 integer NOT NULL,
    source_event_id        text    NOT NULL,
    type                   integer NOT NULL,
    stage                  integer NOT NULL,
    outcome                integer NOT NULL,
    api_mode               integer NOT NULL,
    occurred_at            bigint,
    received_at            bigint,
    external_id            text,
    oneup_user_id          text,
    fhir_patient_reference text,
    org_connection_id      text,
    body                   bytea   NOT NULL,
    -- source_event_id first: an index led by the low-cardinality source
    -- would tempt the planner for source filters.
    UNIQUE (source_event_id, source)
);

-- Prune and SequenceBefore select by received time (index-only for the
-- latter).
CREATE INDEX events_received_at ON events (received_at, sequence);

-- The raw vendor payload, apart so that reading events without it never
-- touches it.
CREATE TABLE event_raw (
    sequence bigint PRIMARY KEY REFERENCES events (sequence) ON DELETE CASCADE,
    raw      bytea  NOT NULL
);

-- How far each source poller has read.
CREATE TABLE checkpoints (
    key   text PRIMARY KEY,
    value text NOT NULL
);
