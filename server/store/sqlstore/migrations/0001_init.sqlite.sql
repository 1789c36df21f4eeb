-- The log of connection events and what goes with it.

-- Key-value facts about the database itself (database_id).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per stored event. body is the event (without raw and sequence) as
-- protobuf bytes; the other columns exist only to filter and index it.
-- Times are unix nanoseconds; empty identifiers are NULL.
CREATE TABLE events (
    sequence               INTEGER PRIMARY KEY,
    id                     TEXT    NOT NULL UNIQUE,
    source                 INTEGER NOT NULL,
    source_event_id        TEXT    NOT NULL,
    type                   INTEGER NOT NULL,
    stage                  INTEGER NOT NULL,
    outcome                INTEGER NOT NULL,
    api_mode               INTEGER NOT NULL,
    occurred_at            INTEGER,
    received_at            INTEGER,
    external_id            TEXT,
    oneup_user_id          TEXT,
    fhir_patient_reference TEXT,
    org_connection_id      TEXT,
    body                   BLOB    NOT NULL,
    -- source_event_id first: an index led by the low-cardinality source
    -- would tempt the planner for source filters.
    UNIQUE (source_event_id, source)
);

-- Prune and SequenceBefore select by received time.
CREATE INDEX events_received_at ON events (received_at);

-- The raw vendor payload, apart so that reading events without it never
-- touches its pages.
CREATE TABLE event_raw (
    sequence INTEGER PRIMARY KEY REFERENCES events (sequence) ON DELETE CASCADE,
    raw      BLOB NOT NULL
);

-- How far each source poller has read.
CREATE TABLE checkpoints (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
