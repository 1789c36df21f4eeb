-- The log of connection events and what goes with it.

-- Key-value facts about the database itself (database_id).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- The highest sequence ever assigned. One row; it never goes down, so
-- sequences are never reused after a prune.
CREATE TABLE log_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    head INTEGER NOT NULL
);
INSERT INTO log_head (id, head) VALUES (1, 0);

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
-- Following one patient or one connection: selective lookups, read in
-- sequence order. Partial, since most events carry only some of them.
CREATE INDEX events_external_id ON events (external_id, sequence) WHERE external_id IS NOT NULL;
CREATE INDEX events_oneup_user_id ON events (oneup_user_id, sequence) WHERE oneup_user_id IS NOT NULL;
CREATE INDEX events_fhir_patient_reference ON events (fhir_patient_reference, sequence)
    WHERE fhir_patient_reference IS NOT NULL;
CREATE INDEX events_org_connection_id ON events (org_connection_id, sequence) WHERE org_connection_id IS NOT NULL;

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
