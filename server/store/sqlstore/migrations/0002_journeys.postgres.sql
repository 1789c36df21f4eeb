-- Connection journeys: the tables whose DDL differs from SQLite's.

-- The journey change log: one row per change of a journey, numbered in
-- commit order (change_seq is assigned under the log_head lock).
CREATE TABLE journey_changes (
    change_seq     bigint PRIMARY KEY,
    journey_id     text   NOT NULL,
    event_sequence bigint NOT NULL,
    at             bigint NOT NULL
);

-- The lookup terms of a journey: "p:" and a patient identifier, "h:" and a
-- health system id or name.
CREATE TABLE journey_terms (
    term       text NOT NULL,
    journey_id text NOT NULL,
    PRIMARY KEY (term, journey_id)
);
