-- Connection journeys: the tables whose DDL differs from PostgreSQL's.

-- The journey change log: one row per change of a journey, numbered in
-- commit order (change_seq is assigned under the log_head lock).
CREATE TABLE journey_changes (
    change_seq     INTEGER PRIMARY KEY,
    journey_id     TEXT    NOT NULL,
    event_sequence INTEGER NOT NULL,
    at             INTEGER NOT NULL
);

-- The lookup terms of a journey: "p:" and a patient identifier, "h:" and a
-- health system id or name.
CREATE TABLE journey_terms (
    term       TEXT NOT NULL,
    journey_id TEXT NOT NULL,
    PRIMARY KEY (term, journey_id)
) WITHOUT ROWID;
